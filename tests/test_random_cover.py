"""Inventory cover drawn per replication (`uncertainty.cover`), hand-checked on the chain of
tests/conftest.py: a total CN ban from day 5, daily reviews, 1-day transits, no upstream cover,
so the market is first short on day 5 + 1 + 1 + floor(its cover)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from sim.scenario.errors import ScenarioError
from sim.scenario.uncertainty import draw_inputs
from tests.conftest import chain

BAN = {"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5}


def with_cover(dist: dict[str, Any], **options: Any) -> dict[str, Any]:
    data = chain(horizon_days=60, shocks=[BAN], **options)
    data["uncertainty"] = {"cover": [{"select": {"nodes": ["ev"]}, "cover_days": dist}]}
    return data


def test_a_fixed_cover_draw_is_the_same_as_the_node_s_own_cover() -> None:
    drawn = engine.run(scenario.from_dict(with_cover({"dist": "fixed", "value": 20.0})))
    given = engine.run(scenario.from_dict(chain(horizon_days=60, shocks=[BAN], market_cover=20)))
    np.testing.assert_array_equal(drawn.recorder.values, given.recorder.values)


def test_each_replication_starts_at_and_lives_on_its_own_cover() -> None:
    loaded = scenario.from_dict(with_cover({"dist": "uniform", "low": 5.0, "high": 25.0}))
    spec = loaded.spec
    cover = draw_inputs(
        spec.uncertainty, loaded.network, spec.seed, range(6), 60, spec.horizon_days, 1
    ).cover_days["ev"]
    assert len(set(np.round(cover, 6))) == 6 and (cover >= 5).all() and (cover <= 25).all()
    result = engine.run(loaded, reps=6)
    balance.check(results.balance(result))
    start = result.recorder.per_review(("ev", "lithium", "component", "stock_t"))[0]
    np.testing.assert_allclose(start, cover, rtol=1e-12)  # 1 t arrives and 1 t is used on day 0
    first = results.market_summary(result).sort_values("rep")["first_shortfall_day"].to_numpy()
    np.testing.assert_array_equal(first, 5 + 1 + 1 + np.floor(cover))
    alone = engine.run(
        loaded, reps=range(3, 4)
    )  # a replication's draw does not depend on its batch
    assert results.market_summary(alone)["first_shortfall_day"].iloc[0] == first[3]


def test_a_cover_rule_must_select_a_node() -> None:
    data = with_cover({"dist": "fixed", "value": 3.0})
    data["uncertainty"]["cover"][0]["select"] = {"nodes": ["evv"]}
    with pytest.raises(ScenarioError, match="did you mean 'ev'"):
        scenario.from_dict(data)
