"""The production quota, worked out by hand on the small chain (tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from sim.scenario.errors import ScenarioError
from tests.conftest import chain, series

STAGE = {"mine": "ore", "refinery": "refined", "plant": "component"}


def quota(node: str, tonnes_per_year: Any, start: int = 14) -> dict[str, Any]:
    return {
        "type": "production_quota",
        "select": {"nodes": [node]},
        "tonnes_per_year": tonnes_per_year,
        "start": start,
    }


def run(data: dict[str, Any], reps: int = 1) -> engine.RunResult:
    result = engine.run(scenario.from_dict(data), reps=reps)
    balance.check(results.balance(result))
    return result


@pytest.mark.parametrize(("node", "hops"), [("mine", 2), ("refinery", 1), ("plant", 0)])
def test_quota_caps_output_per_review_and_the_market_runs_short(node: str, hops: int) -> None:
    """Weekly reviews, 1 t/day of demand (7 t = 700 vehicles a review), 1-day transits (a
    shipment is usable at the next review), no upstream stock, 10 t of cover at the market.

    A quota of 182.5 t/yr from day 14 (review 2) lets the node make 182.5 x 7 / 365 = 3.5 t
    per review instead of 7. Its first short shipment reaches the market `hops` + 1 reviews
    later, at review r = 3 + hops; from then the market gets 3.5 t a review and eats into its
    cover: stock 10 + 3.5 - 7 = 6.5 after review r, 3 after r + 1; at r + 2 it has 3 + 3.5 =
    6.5 t for 7 t of demand (short 0.5 t = 50 vehicles), and from r + 3 on 3.5 t (short 350).
    """
    result = run(chain(step_days=7, horizon_days=84, shocks=[quota(node, 182.5)]))
    made = series(result, node, "production_t", "lithium", STAGE[node])
    np.testing.assert_allclose(made[:2], 7.0, rtol=1e-12)
    np.testing.assert_allclose(made[2:], 3.5, rtol=1e-12)
    short = series(result, "ev", "shortfall_units")
    first = 5 + hops
    assert short[:first].max() == pytest.approx(0.0, abs=1e-9)
    assert short[first] == pytest.approx(50.0, rel=1e-9)
    np.testing.assert_allclose(short[first + 1 :], 350.0, rtol=1e-9)
    assert results.market_summary(result).iloc[0]["first_shortfall_day"] == 7 * first


def test_overlapping_quotas_keep_the_smallest_cap() -> None:
    """The tighter quota (3.5 t a review) is listed first: a later, looser one (5.25 t a
    review) must not lift it."""
    tight, loose = quota("mine", 182.5), quota("mine", 273.75)
    result = run(chain(step_days=7, horizon_days=42, shocks=[tight, loose]))
    made = series(result, "mine", "production_t", "lithium", "ore")
    np.testing.assert_allclose(made[2:], 3.5, rtol=1e-12)


def test_a_drawn_quota_is_drawn_per_replication_and_ends_on_time() -> None:
    drawn = {
        **quota("mine", {"dist": "uniform", "low": 100.0, "high": 300.0}),
        "duration_days": 21,
    }
    result = run(chain(step_days=7, horizon_days=56, shocks=[drawn]), reps=3)
    size = result.shocks[0].size
    assert len(set(size.tolist())) == 3 and ((size >= 100) & (size <= 300)).all()
    rec = result.recorder
    made = rec.values[:, rec.index[("mine", "lithium", "ore", "production_t")], :]
    np.testing.assert_allclose(made[2:5], np.broadcast_to(size * 7 / 365, (3, 3)), rtol=1e-12)
    assert (made[5] > 7.0).all()  # day 35: the quota is over and the mine catches up


def _problems(shock: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        scenario.from_dict(chain(shocks=[shock]))
    return [str(p) for p in caught.value.problems]


def test_a_quota_that_selects_no_producer_is_an_input_error() -> None:
    markets = {**quota("mine", 100.0), "select": {"kinds": ["market"]}}
    assert _problems(markets) == [
        "<scenario>: shocks[0]: selects no mine, refinery, plant or recycler; "
        "expected a selection that matches at least one producer"
    ]


def test_a_quota_on_an_unknown_node_suggests_the_closest_name() -> None:
    assert _problems(quota("refinry", 100.0)) == [
        "<scenario>: shocks[0]: selects unknown node 'refinry'; did you mean 'refinery'?"
    ]


def test_a_negative_quota_is_an_input_error() -> None:
    assert _problems(quota("mine", -5.0)) == [
        "<scenario>: shocks[0]: tonnes_per_year must be between 0 and 1e+09, got -5"
    ]
