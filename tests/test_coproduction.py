"""Co-production, hand-checked: a rare-earth deposit makes NdPr, Dy+Tb and La/Ce together.

The deposit's basket is 20% NdPr, 5% Dy+Tb and 75% La/Ce (by mass of REO); a separation plant
with the same basket refines it (yield 1); a magnet plant (recipe 80% NdPr, 20% Dy+Tb) serves a
Japanese EV market needing 0.8 t NdPr and 0.2 t Dy+Tb a day (365,000 vehicles a year with 0.8 kg
and 0.2 kg each), and a Chinese La/Ce market (through its own plant) uses 3 t a day. Dy+Tb
needs 0.2 / 0.05 = 4 t/day of mining, which makes exactly the 0.8 t NdPr and 3 t La/Ce the
others use: a steady state.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from sim.scenario.errors import ScenarioError
from tests.conftest import series

BASKET = {"ndpr": 0.2, "dytb": 0.05, "lace": 0.75}


def deposit(shocks: list[dict[str, Any]] | None = None, lace_factor: float = 1.0) -> dict[str, Any]:
    return {
        "name": "deposit",
        "start": "2025-01-01",
        "horizon_days": 60,
        "step_days": 1,
        "network": {
            "nodes": [
                {"name": "mine", "kind": "mine", "country": "CN", "coproducts": BASKET,
                 "capacity_tpa": 1e6, "cover_days": 0.0},
                {"name": "sep", "kind": "refinery", "country": "CN", "coproducts": BASKET,
                 "capacity_tpa": 1e6, "yield": 1.0, "cover_days": 0.0},
                {"name": "magnets", "kind": "plant", "country": "JP",
                 "recipe": {"ndpr": 0.8, "dytb": 0.2}, "capacity_tpa": 1e6, "yield": 1.0,
                 "cover_days": 0.0},
                {"name": "ev", "kind": "market", "country": "JP", "sector": "ev",
                 "unit": "vehicle", "demand_units_per_year": 365000.0,
                 "intensity_kg_per_unit": {"ndpr": 0.8, "dytb": 0.2}, "cover_days": 10.0},
                {"name": "lace_plant", "kind": "plant", "country": "CN",
                 "recipe": {"lace": 1.0}, "capacity_tpa": 1e6, "yield": 1.0, "cover_days": 0.0},
                {"name": "lace_uses", "kind": "market", "country": "CN", "sector": "other",
                 "unit": "t", "demand_units_per_year": 1095.0 * lace_factor,
                 "intensity_kg_per_unit": {"lace": 1000.0}, "cover_days": 10.0},
            ],
            "links": [  # no `mineral:` needed: a link carries every mineral both ends handle
                {"from": "mine", "to": "sep", "transit_days": 1},
                {"from": "sep", "to": "magnets", "transit_days": 1},
                {"from": "sep", "to": "lace_plant", "transit_days": 1},
                {"from": "lace_plant", "to": "lace_uses", "transit_days": 1},
                {"from": "magnets", "to": "ev", "transit_days": 1},
            ],
        },
        "shocks": shocks or [],
    }  # fmt: skip


def run(data: dict[str, Any]) -> Any:
    result = engine.run(scenario.from_dict(data))
    balance.check(results.balance(result))  # per element: ndpr, dytb and lace each balance
    return result


def mined(result: Any, mineral: str) -> np.ndarray:
    return series(result, "mine", "production_t", mineral, "ore")


def test_a_link_without_mineral_carries_every_mineral_both_ends_handle() -> None:
    links = scenario.from_dict(deposit()).network.links
    carried = sorted((k.supplier, k.buyer, k.mineral) for k in links)
    assert carried == sorted([
        ("magnets", "ev", "dytb"), ("magnets", "ev", "ndpr"),
        ("mine", "sep", "dytb"), ("mine", "sep", "lace"), ("mine", "sep", "ndpr"),
        ("lace_plant", "lace_uses", "lace"), ("sep", "lace_plant", "lace"),
        ("sep", "magnets", "dytb"), ("sep", "magnets", "ndpr"),
    ])  # fmt: skip


def test_the_deposit_makes_its_basket_in_fixed_ratios() -> None:
    result = run(deposit())
    # Steady state, by hand: 4 t/day mined = 0.8 NdPr + 0.2 Dy+Tb + 3.0 La/Ce, every review.
    np.testing.assert_allclose(mined(result, "ndpr"), 0.8, rtol=1e-12)
    np.testing.assert_allclose(mined(result, "dytb"), 0.2, rtol=1e-12)
    np.testing.assert_allclose(mined(result, "lace"), 3.0, rtol=1e-12)
    assert series(result, "ev", "shortfall_units").sum() == 0.0


def test_more_of_one_element_comes_only_with_more_of_the_rest() -> None:
    # La/Ce demand x 2 from day 5: the La/Ce market needs 6 t/day, so the deposit mines
    # 6 / 0.75 = 8 t/day, and NdPr and Dy+Tb come out at 1.6 and 0.4 t/day although nobody
    # wants more of them: the surplus builds up in the separation plant's stock.
    surge = [{"type": "demand_shock", "start": 5, "select": {"nodes": ["lace_uses"]},
              "factor": 2.0}]  # fmt: skip
    result = run(deposit(surge))
    total = mined(result, "ndpr") + mined(result, "dytb") + mined(result, "lace")
    np.testing.assert_allclose(mined(result, "dytb") / total, 0.05, rtol=1e-12)
    np.testing.assert_allclose(mined(result, "ndpr") / total, 0.20, rtol=1e-12)
    np.testing.assert_allclose(mined(result, "lace")[-20:], 6.0, rtol=1e-9)
    np.testing.assert_allclose(mined(result, "ndpr")[-20:], 1.6, rtol=1e-9)
    ndpr_left = series(result, "sep", "stock_t", "ndpr", "refined")
    assert ndpr_left[-1] > ndpr_left[20] + 10 * 0.8 - 1e-9  # 0.8 t/day more than anyone uses


def test_cutting_one_element_frees_none_of_the_others() -> None:
    # China stops exporting Dy+Tb from day 10. Japan's magnet plant cannot make magnets
    # without it, so the NdPr it still receives is of no use and the EV market runs out once
    # its 10 days of cover are gone; the La/Ce market is served in full all along.
    ban = [{"type": "export_ban", "country": "CN", "mineral": "dytb", "start": 10}]
    result = run(deposit(ban))
    short = series(result, "ev", "shortfall_units")
    assert short[:20].sum() == 0.0
    np.testing.assert_allclose(short[-20:], 1000.0, rtol=1e-9)  # all 1,000 vehicles a day
    assert series(result, "lace_uses", "shortfall_units").sum() == 0.0
    ndpr_at_plant = series(result, "magnets", "stock_t", "ndpr", "refined")
    assert ndpr_at_plant[-1] > 1.0  # NdPr arrives and waits for Dy+Tb that never comes


def test_a_node_gives_either_a_mineral_or_coproducts() -> None:
    data = deposit()
    data["network"]["nodes"][0]["mineral"] = "ndpr"
    with pytest.raises(ScenarioError, match="either `mineral` or `coproducts`"):
        scenario.from_dict(data)
    data = deposit()
    data["network"]["nodes"][0]["coproducts"] = {"ndpr": 0.5, "dytb": 0.2}
    with pytest.raises(ScenarioError, match=r"sum to 0\.7"):
        scenario.from_dict(data)


@settings(max_examples=40, deadline=None)
@given(
    shares=st.tuples(st.floats(0.01, 1.0), st.floats(0.01, 1.0), st.floats(0.01, 1.0)),
    severity=st.floats(0.0, 1.0),
    factor=st.floats(0.0, 3.0),
    cover=st.floats(0.0, 20.0),
    step=st.sampled_from([1, 3, 7]),
)
def test_every_element_balances_and_keeps_its_ratio(
    shares: tuple[float, float, float], severity: float, factor: float, cover: float, step: int
) -> None:
    total = sum(shares)
    basket = dict(zip(("ndpr", "dytb", "lace"), (s / total for s in shares), strict=True))
    data = deposit(
        [
            {"type": "export_ban", "country": "CN", "mineral": "dytb", "start": 7,
             "duration_days": 20, "severity": severity},
            {"type": "demand_shock", "start": 3, "select": {"nodes": ["lace_uses"]},
             "factor": factor},
        ]
    )  # fmt: skip
    data["step_days"] = step
    for node in data["network"]["nodes"][:2]:
        node["coproducts"] = basket
        node["cover_days"] = cover
    result = run(data)  # checks the mass balance of every element
    made = {m: mined(result, m) for m in basket}
    everything = sum(made.values())
    for mineral, share in basket.items():
        np.testing.assert_allclose(made[mineral], share * everything, rtol=1e-9, atol=1e-12)
