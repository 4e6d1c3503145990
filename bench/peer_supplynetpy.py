"""The reference workload of `make bench` (see `bench/workload.py`), built in SupplyNetPy.

Peer tool: SupplyNetPy 0.5.1 (`pip install supplynetpy==0.5.1`), a SimPy supply-chain library.
`run_peer` builds the same structure, horizon and daily review as our reference workload and
times `replications` independent runs of it, one after the other, in this process.

Workload: 15 nodes. 6 mines (lithium AU/CL, cobalt CD/ID, nickel ID/PH), 3 refiners (one per
mineral, each buying from its 2 mines), 2 component plants each buying from the 3 refiners, 4
markets (2 per plant) each ordering every day a random uniform integer 10-30 units. 12 links:
mine -> refiner transit uniform(10, 30) days, refiner -> plant triangular(low 3, mode 5, high 14)
days; plant -> market deliveries take a fixed 1 day. Horizon 3650 days (events at day 3650 itself
are not run, as `simulate_sc_net` documents).

Mapping onto SupplyNetPy node types (its own rules force most of it):
- mine: `Supplier`, node_type "infinite_supplier" (never runs out, so it does not mine), selling
  its own `RawMaterial` (ore of one mineral from one country).
- refiner: `Manufacturer` (the only type that buys from a raw-material supplier). Its `Product`
  (refined mineral) needs 0.5 unit of each of its two mines' ores, so every production plan
  orders half from each mine, as the reference workload's 50/50 shares do. (Its supplier-
  selection policy is ignored by SupplyNetPy: a manufacturer orders each raw material from the
  first supplier of it, hence one raw material per mine.) 1 day to make a batch.
- plant: `InventoryNode`, node_type "distributor". A manufacturer can only buy raw materials
  from suppliers, so a plant cannot be one; it holds one product ("component") and sends each
  replenishment order to one refiner drawn by `SelectProbabilistic` (1/3 each), so all three
  refiner -> plant links carry flow, though not all three minerals on every order.
- market: `Demand` at its plant; a customer who finds too little stock leaves (tolerance 0,
  lost sales), so shortages do not pile up waiting processes.

Inventory policy at refiners and plants: `SSReplenishment` with `period=1` (reviewed daily) and,
by default, s = S - 1, i.e. a periodic-review order-up-to policy (R = 1 day, S) that orders every
day, like our engine. S = expected daily flow x (30 days of cover + mean lead time + 1 day review
[+ 1 day production]): 1533 units (about 38 days) at a plant, 1387 units (52 days) at a
refiner. `order_batch_days` > 0 sets s = S - that many days of flow instead (fewer, larger orders,
hence fewer events). Sites start with S on hand and empty pipelines. Logging is off (per node
`logging=False`, and `simulate_sc_net(logging=False)`).

Events per replication = SimPy events processed by `env.step`, read at no run-time cost as the
environment's event-id counter (one id per scheduled event) minus the events still queued at the
end; this includes the one `until` event that stops the run.
"""

from __future__ import annotations

import random
import time
from importlib import metadata
from typing import Any

MINES = {"lithium": ("AU", "CL"), "cobalt": ("CD", "ID"), "nickel": ("ID", "PH")}
PLANTS, MARKETS_PER_PLANT = 2, 2
DEMAND_LOW, DEMAND_HIGH = 10, 30  # units per market per day
COVER_DAYS, REVIEW_DAYS, MAKE_DAYS = 30.0, 1.0, 1.0
MINE_LT = (10.0, 30.0)  # uniform (low, high) days
REFINER_LT = (3.0, 5.0, 14.0)  # triangular (low, mode, high) days
MARKET_LT = 1.0  # days
INSTALL_HINT = "pip install supplynetpy==0.5.1"


def _import_scm() -> Any:
    try:
        import SupplyNetPy.Components as scm
    except ImportError as exc:
        raise ImportError(f"SupplyNetPy (the peer tool) is not installed: {INSTALL_HINT}") from exc
    return scm


def _ss(flow_per_day: float, lead_days: float, batch_days: float) -> dict[str, float]:
    """Daily-reviewed (s, S): S covers COVER_DAYS plus the lead time and the review."""
    S = round(flow_per_day * (COVER_DAYS + lead_days + REVIEW_DAYS))
    return {"s": S - max(1, round(batch_days * flow_per_day)), "S": S, "period": REVIEW_DAYS}


def build(scm: Any, rng: random.Random, order_batch_days: float = 0.0) -> dict[str, Any]:
    """One replication's network (a `create_sc_net` dict with its own SimPy environment)."""
    market_flow = (DEMAND_LOW + DEMAND_HIGH) / 2
    plant_flow = MARKETS_PER_PLANT * market_flow
    refiner_flow = PLANTS * plant_flow / len(MINES)  # each plant splits its orders evenly
    plant_pol = _ss(plant_flow, sum(REFINER_LT) / 3, order_batch_days)
    refiner_pol = _ss(refiner_flow, sum(MINE_LT) / 2 + MAKE_DAYS, order_batch_days)
    off = {"logging": False}
    nodes: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    demands: list[dict[str, Any]] = []
    for mineral, countries in MINES.items():
        ores = []
        for country in countries:
            ore = scm.RawMaterial(
                ID=f"ore_{mineral}_{country}",
                name=f"{mineral} ore {country}",
                extraction_quantity=1,
                extraction_time=1,
                mining_cost=1,
                cost=2,
            )
            ores.append(ore)
            nodes.append(
                {
                    "ID": f"mine_{mineral}_{country}",
                    "name": f"mine {mineral} {country}",
                    "node_type": "infinite_supplier",
                    "raw_material": ore,
                    **off,
                }
            )
            links.append(
                {
                    "ID": f"L_mine_{mineral}_{country}",
                    "sink": f"ref_{mineral}",
                    "source": f"mine_{mineral}_{country}",
                    "cost": 1,
                    "lead_time": lambda: rng.uniform(*MINE_LT),
                }
            )
        product = scm.Product(
            ID=f"refined_{mineral}",
            name=f"refined {mineral}",
            manufacturing_cost=1,
            manufacturing_time=MAKE_DAYS,
            sell_price=5,
            raw_materials=[(ore, 0.5) for ore in ores],
            batch_size=10**6,
        )
        nodes.append(
            {
                "ID": f"ref_{mineral}",
                "name": f"refiner {mineral}",
                "node_type": "manufacturer",
                "capacity": 2 * refiner_pol["S"],
                "initial_level": refiner_pol["S"],
                "inventory_holding_cost": 0.01,
                "product_sell_price": 5,
                "replenishment_policy": scm.SSReplenishment,
                "policy_param": refiner_pol,
                "product": product,
                **off,
            }
        )
    for p in range(PLANTS):
        probabilities = {f"ref_{m}": 1 / len(MINES) for m in MINES}
        nodes.append(
            {
                "ID": f"plant_{p}",
                "name": f"plant {p}",
                "node_type": "distributor",
                "capacity": plant_pol["S"],
                "initial_level": plant_pol["S"],
                "inventory_holding_cost": 0.01,
                "replenishment_policy": scm.SSReplenishment,
                "policy_param": plant_pol,
                "product_buy_price": 5,
                "product_sell_price": 10,
                "supplier_selection_policy": scm.SelectProbabilistic,
                "supplier_selection_param": {
                    "probabilities": probabilities,
                    "rng": random.Random(rng.getrandbits(64)),
                },
                **off,
            }
        )
        for m in MINES:
            links.append(
                {
                    "ID": f"L_ref_{m}_plant_{p}",
                    "source": f"ref_{m}",
                    "sink": f"plant_{p}",
                    "cost": 1,
                    "lead_time": lambda: rng.triangular(
                        REFINER_LT[0], REFINER_LT[2], REFINER_LT[1]
                    ),
                }
            )
        for q in range(MARKETS_PER_PLANT):
            demands.append(
                {
                    "ID": f"market_{p}{q}",
                    "name": f"market {p}{q}",
                    "order_arrival_model": lambda: 1,
                    "order_quantity_model": lambda: rng.randint(DEMAND_LOW, DEMAND_HIGH),
                    "demand_node": f"plant_{p}",
                    "lead_time": lambda: MARKET_LT,
                    **off,
                }
            )
    return scm.create_sc_net(nodes=nodes, links=links, demands=demands)


def run_peer(
    replications: int, horizon_days: int = 3650, seed: int = 0, order_batch_days: float = 0.0
) -> dict[str, Any]:
    """Time `replications` independent SupplyNetPy runs of the reference workload.

    Replication r draws every random number from `random.Random(f"{seed}:{r}")` (and seeds the
    library's own generator, used only for disruptions, from it). `seconds` is the wall time of
    building and running all replications (imports excluded); `build_seconds` is its building part.
    Raises ImportError (with the pip command) if SupplyNetPy is not installed.
    """
    scm = _import_scm()
    if replications < 1:
        raise ValueError("replications must be >= 1")
    events: list[int] = []
    lost: list[float] = []
    seconds = build_seconds = 0.0
    for r in range(replications):
        rng = random.Random(f"{seed}:{r}")
        t0 = time.perf_counter()
        scm.set_seed(rng.getrandbits(64))
        net = build(scm, rng, order_batch_days)
        t1 = time.perf_counter()
        net = scm.simulate_sc_net(net, sim_time=horizon_days, logging=False)
        t2 = time.perf_counter()
        seconds += t2 - t0
        build_seconds += t1 - t0
        env = net["env"]
        events.append(next(env._eid) - len(env._queue))  # events scheduled - still queued
        lost.append(net["lost_sales"][1] / max(net["demand_by_customers"][1], 1))
    return {
        "tool": "SupplyNetPy",
        "supplynetpy_version": metadata.version("supplynetpy"),
        "simpy_version": metadata.version("simpy"),
        "replications": replications,
        "horizon_days": horizon_days,
        "seed": seed,
        "order_batch_days": order_batch_days,
        "nodes": net["num_of_nodes"] + len(net["demands"]),
        "links": net["num_of_links"],
        "seconds": seconds,
        "seconds_per_rep": seconds / replications,
        "build_seconds": build_seconds,
        "events_per_rep": sum(events) / replications,
        "events_each_rep": events,
        "events_counted_as": "env.step calls = SimPy event-id counter - events still queued",
        "lost_sales_share": sum(lost) / replications,
    }


if __name__ == "__main__":
    print(run_peer(3))
