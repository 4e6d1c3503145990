"""Contracts before spot: hand-checked cases of the allocation rules (DESIGN.md section 4).

One plant serves two markets of 0.5 t/day each (daily reviews, 1 day of transit, no upstream
cover). A link's contract is its shock-free flow, 0.5 t per review; with `flex: 0` a buyer may
order no more than that as contract, and the rest of its order is a spot request that the plant
serves only from what it holds above its own target stock (here 0) after every contract.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from tests.conftest import series


def two_buyers(
    *,
    plant_tpa: float,
    flex: float | None,
    surge: float = 2.0,
    plant_cover: float = 0.0,
) -> dict[str, Any]:
    """mine -> refinery -> plant -> {ev_jp, ev_in}; ev_in's demand x `surge` from day 5."""
    market = {
        "kind": "market",
        "sector": "ev",
        "unit": "vehicle",
        "demand_units_per_year": 18250.0,  # x 10 kg = 0.5 t/day
        "intensity_kg_per_unit": {"lithium": 10.0},
        "cover_days": 10.0,
    }
    link: dict[str, Any] = {"transit_days": 1}
    if flex is not None:
        link["flex"] = flex
    return {
        "name": "two_buyers",
        "start": "2025-01-01",
        "horizon_days": 60,
        "step_days": 1,
        "network": {
            "nodes": [
                {"name": "mine", "kind": "mine", "country": "AU", "mineral": "lithium",
                 "capacity_tpa": 1e6, "cover_days": 0.0},
                {"name": "refinery", "kind": "refinery", "country": "AU", "mineral": "lithium",
                 "capacity_tpa": 1e6, "yield": 1.0, "cover_days": 0.0},
                {"name": "plant", "kind": "plant", "country": "JP", "recipe": {"lithium": 1.0},
                 "capacity_tpa": plant_tpa, "yield": 1.0, "cover_days": plant_cover},
                {"name": "ev_jp", "country": "JP", **market},
                {"name": "ev_in", "country": "IN", **market},
            ],
            "links": [
                {"from": "mine", "to": "refinery", "transit_days": 1},
                {"from": "refinery", "to": "plant", "transit_days": 1},
                {"from": "plant", "to": "ev_jp", **link},
                {"from": "plant", "to": "ev_in", **link},
            ],
        },
        "shocks": [
            {"type": "demand_shock", "start": 5, "select": {"nodes": ["ev_in"]},
             "factor": surge}
        ],
    }  # fmt: skip


def shipped(result: Any, supplier: str, buyer: str) -> np.ndarray:
    """t shipped per review on one link (replication 0)."""
    link = next(
        k.index
        for k in result.scenario.network.links
        if k.supplier == supplier and k.buyer == buyer
    )
    return result.recorder.shipped[:, link, 0]


def run(data: dict[str, Any]) -> Any:
    return engine.run(scenario.from_dict(data))


def test_contracts_are_served_first_when_the_supplier_is_short() -> None:
    # The plant makes exactly its contracted 1 t/day; ev_in's surge asks for 0.5 t/day more.
    result = run(two_buyers(plant_tpa=365.0, flex=0.0))
    # ev_jp's contract is honoured at every review: exactly 0.5 t, never less.
    np.testing.assert_allclose(shipped(result, "plant", "ev_jp"), 0.5, rtol=1e-12)
    # ev_in also gets exactly its contract: its spot requests find no uncommitted stock.
    np.testing.assert_allclose(shipped(result, "plant", "ev_in"), 0.5, rtol=1e-12)
    assert series(result, "ev_jp", "shortfall_units").sum() == 0.0
    # By hand: ev_in holds 10 days x 0.5 t = 5 t; from day 5 it uses 1 t/day and receives
    # 0.5 t/day, so the 5 t last 10 days (it builds 100 vehicles/day on days 5-14) and from
    # day 15 it builds the 50 vehicles/day its contract brings: 50 short every day.
    short = series(result, "ev_in", "shortfall_units")
    assert (short[:15] == 0.0).all()
    np.testing.assert_allclose(short[15:], 50.0, rtol=1e-12)


def test_without_contracts_the_surging_buyer_takes_the_others_share() -> None:
    # The same world with no flexibility limit (every order counts as contracted): the plant
    # fills pro rata to orders, so ev_in's inflated orders take supply from ev_jp.
    result = run(two_buyers(plant_tpa=365.0, flex=None))
    assert shipped(result, "plant", "ev_jp").min() < 0.5 - 1e-6
    assert series(result, "ev_jp", "shortfall_units").sum() > 0.0


def test_spot_requests_are_served_from_spare_capacity() -> None:
    # With 2 t/day of capacity the plant has 1 t/day uncommitted: ev_in's spot requests are
    # served after both contracts, so ev_in reaches its surged 1 t/day and nobody falls short
    # once the pipeline has caught up.
    result = run(two_buyers(plant_tpa=730.0, flex=0.0))
    np.testing.assert_allclose(shipped(result, "plant", "ev_jp"), 0.5, rtol=1e-12)
    np.testing.assert_allclose(shipped(result, "plant", "ev_in")[-20:], 1.0, rtol=1e-9)
    assert series(result, "ev_jp", "shortfall_units").sum() == 0.0
    assert series(result, "ev_in", "shortfall_units")[-20:].sum() == 0.0


def test_flexibility_bounds_the_contracted_order() -> None:
    # flex 0.2: ev_in may order up to 0.6 t/review as contract. The plant makes exactly its
    # 1 t/day of contracts and holds 20 days of its 1 t/day (20 t) as its own stock: ev_in's
    # extra 0.1 t/review is contracted and comes out of that stock, ev_jp is still served in
    # full, and nothing beyond 0.6 t reaches ev_in while the plant has no uncommitted stock.
    result = run(two_buyers(plant_tpa=365.0, flex=0.2, plant_cover=20.0))
    to_in = shipped(result, "plant", "ev_in")
    np.testing.assert_allclose(shipped(result, "plant", "ev_jp"), 0.5, rtol=1e-12)
    assert to_in.max() <= 0.6 + 1e-12
    assert np.isclose(to_in, 0.6).sum() >= 10  # the flexible part is really used
    stock = series(result, "plant", "stock_t", "lithium", "component")
    assert stock.min() < 20.0 - 1.0  # drawn down by the extra 0.1 t/day contracted


def test_a_link_s_own_flex_wins_over_the_network_default() -> None:
    data = two_buyers(plant_tpa=365.0, flex=None)
    data["network"]["contract_flex"] = 0.1
    data["network"]["links"][3]["flex"] = 0.5
    flex = [k.flex for k in scenario.from_dict(data).network.links]
    assert flex == [0.1, 0.1, 0.1, 0.5]
    assert all(
        np.isinf(k.flex)
        for k in scenario.from_dict(two_buyers(plant_tpa=365.0, flex=None)).network.links
    )  # no default: no limit
