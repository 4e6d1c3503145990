"""What a `Review` computes once per run: its order plans (one per buyer and ordered input),
and the index tables that the compiled review phases (`review_kernels.py`) read, the entries of
its joint nodes and its order plans as flat arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.recycled import RecycledFirst, RecyclerLinks, split_supply
from sim.engine.state import Cover, cover_of, per_replication
from sim.scenario.network import (
    INPUT_STAGE,
    OUTPUT_STAGE,
    MarketSpec,
    Network,
    RefinerySpec,
    StockpileSpec,
    basket,
    inputs,
    is_joint,
    outputs,
    transit_periods,
)
from sim.vocabulary import PRODUCTION_T, SCRAP

if TYPE_CHECKING:
    from sim.engine.review import Review


def order_plans(review: Review, net: Network) -> None:
    """One plan per buyer and ordered input: its stock row, target and supply links."""
    state, step = review.state, review.step
    rows: list[int] = []
    base: list[Cover] = []
    links: list[int] = []
    plan_of: list[int] = []
    shares: list[Cover] = []
    market_plans: list[tuple[int, MarketSpec, float]] = []
    market_minerals: list[str] = []
    review.pile_plans = []
    refinery_plans: list[tuple[int, int, float]] = []
    plant_plans: dict[str, list[tuple[int, float, str]]] = {}
    recycled: RecyclerLinks = []
    for node in net.nodes.values():
        for commodity in inputs(node):
            supply = net.supply_links(node.name, commodity)
            if commodity[1] == SCRAP or not supply:
                continue  # recyclers take what markets collect; they do not order it
            p = len(rows)
            rows.append(state.slot[(node.name, commodity)])
            use = net.expected_use_tpd(node.name, commodity)
            first, primary, weights = split_supply(net, supply, use)
            lead = sum(
                w * (transit_periods(k.transit_days, step) + 1) * step
                for w, k in zip(weights, supply, strict=True)
            )
            if isinstance(node, StockpileSpec):
                base.append(node.initial_t if node.target_t is None else node.target_t)
                review.pile_plans.append((p, node.name))
            else:
                base.append(use * (cover_of(node, review.covers) + lead))
            if isinstance(node, MarketSpec):
                market_plans.append((p, node, node.intensity_kg_per_unit[commodity[0]] / 1e3))
                market_minerals.append(commodity[0])
            elif is_joint(node):
                per_batch = basket(node)[commodity[0]] / node.yield_  # type: ignore[attr-defined]
                plant_plans.setdefault(node.name, []).append((p, per_batch, commodity[0]))
            elif isinstance(node, RefinerySpec):
                out = state.slot[(node.name, outputs(node)[0])]
                refinery_plans.append((p, out, node.yield_))
            for k, share in primary:
                links.append(k.index)
                plan_of.append(p)
                shares.append(share)
            recycled += [(k, p, use * step) for k in first]
    markets = [n for n in net.nodes.values() if isinstance(n, MarketSpec)]
    review.market_plan_rows = np.array([p for p, _, _ in market_plans], dtype=np.intp)
    review.market_plan_node = np.array(
        [review.mods.node_index[m.name] for _, m, _ in market_plans], dtype=np.intp
    )
    review.market_plan_market = np.array(
        [markets.index(m) for _, m, _ in market_plans], dtype=np.intp
    )
    review.market_plan_tpu = np.array([t for _, _, t in market_plans])[:, None]
    review.market_plan_pair = np.array(
        [
            state.pairs.index((m.name, c))
            for (_, m, _), c in zip(market_plans, market_minerals, strict=True)
        ],
        dtype=np.intp,
    )
    review.refinery_plan_rows = np.array([p for p, _, _ in refinery_plans], dtype=np.intp)
    review.refinery_plan_out = np.array([o for _, o, _ in refinery_plans], dtype=np.intp)
    review.refinery_plan_yield = np.array([y for _, _, y in refinery_plans])[:, None]
    review.plant_plans = []
    for name, plans in plant_plans.items():
        node = net.nodes[name]
        stage = OUTPUT_STAGE[node.kind]
        outs = [(state.slot[(name, (m, stage))], share) for m, share in basket(node).items()]
        review.plant_plans.append((name, outs, plans))
    review.plan_rows = np.array(rows, dtype=np.intp)
    review.plan_base = per_replication(base, state.reps)
    review.supply = np.array(links, dtype=np.intp)
    review.supply_plan = np.array(plan_of, dtype=np.intp)
    review.supply_share = per_replication(shares, state.reps)
    caps = [
        np.inf
        if np.isinf(net.links[k].flex)  # no limit, even on a link expecting no flow
        else (1.0 + net.links[k].flex) * net.expected_link_tpd[k] * step
        for k in links
    ]
    review.supply_cap = per_replication(caps, state.reps)
    """Most a buyer may order per review on each supply link as contract, t (inf: no
    limit); the rest of its order is a spot request."""
    review.spot = bool(np.isfinite(review.supply_cap).any())
    review.recycled = RecycledFirst(state, review.mods, recycled) if recycled else None
    review.spot_due = None


@dataclass
class JointTable:
    """Joint nodes' entries, one per (node, mineral) in basket order (`produce_joint`)."""

    first: np.ndarray
    """Node j's entries are first[j]:first[j + 1]."""
    out: np.ndarray
    feed: np.ndarray
    """Stock rows of each entry's output, and of its input (-1: a mine, no input)."""
    share: np.ndarray
    """t of the entry's mineral per batch."""
    yields: np.ndarray
    mineral: np.ndarray
    """Ledger row of each entry's mineral."""
    target: np.ndarray
    """Output stock target of each entry, t, (E, 1 or R)."""
    rates: np.ndarray
    """Capacity of each node, t per year, (J, 1)."""
    record: tuple[np.ndarray, ...]
    made: np.ndarray
    """What each entry made at this review, t, (E, R)."""


def joint_table(review: Review) -> JointTable:
    """The entries of `review.joint`."""
    state = review.state
    first, out, feed, share, mineral, target, keys = [0], [], [], [], [], [], []
    for node in review.joint:
        out_stage, in_stage = OUTPUT_STAGE[node.kind], INPUT_STAGE.get(node.kind)
        for m, s in basket(node).items():
            out.append(state.slot[(node.name, (m, out_stage))])
            feed.append(-1 if in_stage is None else state.slot[(node.name, (m, in_stage))])
            share.append(float(s))
            mineral.append(state.ledger.index[m])
            target.append(review.joint_targets[(node.name, m)])
            keys.append((node.name, m, out_stage, PRODUCTION_T))
        first.append(len(out))
    return JointTable(
        first=np.array(first, dtype=np.intp),
        out=np.array(out, dtype=np.intp),
        feed=np.array(feed, dtype=np.intp),
        share=np.array(share),
        yields=np.array([float(getattr(n, "yield_", 1.0)) for n in review.joint]),
        mineral=np.array(mineral, dtype=np.intp),
        target=per_replication(target, state.reps),
        rates=np.array([n.capacity_tpa * n.availability for n in review.joint])[:, None],  # type: ignore[attr-defined]
        record=review.rec.locate(keys),
        made=np.zeros((len(out), state.reps)),
    )


Arrays = tuple[np.ndarray, ...]


def order_table(review: Review) -> tuple[Arrays, Arrays, Arrays]:
    """The static arguments of `review_kernels.order`, in its order, around the state's:
    (base, markets, tpu), (refineries, yields, plants, batch_rows, batch_share, plant_plans,
    per_batch) and (supply, supply_share, supply_cap)."""
    r = review
    markets = np.stack([r.market_plan_rows, r.market_plan_node, r.market_plan_market], axis=1)
    refineries = np.stack([r.refinery_plan_rows, r.refinery_plan_out], axis=1)
    plants: list[tuple[int, int, int, int]] = []
    batch_rows: list[int] = []
    plant_plans: list[int] = []
    batch_share: list[float] = []
    per_batch: list[float] = []
    for _, outs, plans in r.plant_plans:
        b, q = len(batch_rows), len(plant_plans)
        batch_rows += [row for row, _ in outs]
        batch_share += [float(s) for _, s in outs]
        plant_plans += [p for p, _, _ in plans]
        per_batch += [float(per) for _, per, _ in plans]
        plants.append((b, len(batch_rows), q, len(plant_plans)))
    head = (
        np.ascontiguousarray(r.plan_base),
        markets.astype(np.intp).reshape(-1, 3),
        np.ascontiguousarray(r.market_plan_tpu, dtype=float).reshape(-1, 1),
    )
    middle = (
        refineries.astype(np.intp).reshape(-1, 2),
        np.ascontiguousarray(r.refinery_plan_yield, dtype=float).reshape(-1, 1),
        np.array(plants, dtype=np.intp).reshape(-1, 4),
        np.array(batch_rows, dtype=np.intp),
        np.array(batch_share, dtype=float),
        np.array(plant_plans, dtype=np.intp),
        np.array(per_batch, dtype=float),
    )
    tail = (
        np.stack([r.supply_plan, r.supply], axis=1).astype(np.intp).reshape(-1, 2),
        np.ascontiguousarray(r.supply_share),
        np.ascontiguousarray(r.supply_cap),
    )
    return head, middle, tail
