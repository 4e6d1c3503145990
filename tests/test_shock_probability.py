"""Shocks that may not happen (`probability:`): drawn once per replication on common random
numbers; a shock that does not happen has no effect; probability 1 is today's run bit for bit."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from sim.analysis import ensemble as montecarlo
from sim.engine import simulate as engine
from sim.levers import apply
from sim.scenario import loader as scenario
from sim.scenario.errors import ScenarioError
from sim.scenario.uncertainty import draw_inputs
from sim.shocks.base import draw_shock
from tests.conftest import chain, series

BAN = {
    "name": "ban",
    "type": "export_ban",
    "country": "CN",
    "mineral": "lithium",
    "start": 10,
    "duration_days": 20,
    "severity": 1.0,
}


def banned(probability: float | None, **extra: Any) -> dict[str, Any]:
    shock = dict(BAN) if probability is None else {**BAN, "probability": probability}
    data = chain(horizon_days=60, market_cover=5, shocks=[shock])
    data["seed"] = 11
    data.update(extra)
    return data


def shortfall_by_rep(result: engine.RunResult) -> np.ndarray:
    """Cumulative shortfall of the market per replication, units."""
    rec = result.recorder
    return rec.values[:, rec.index[("ev", "", "", "shortfall_units")], :].sum(axis=0)


def test_probability_zero_has_no_effect() -> None:
    never = engine.run(scenario.from_dict(banned(0.0)), 8)
    calm = engine.run(scenario.from_dict(banned(None, shocks=[])), 8)
    np.testing.assert_array_equal(never.recorder.values, calm.recorder.values)
    assert not never.shocks[0].occurs.any()
    assert not [e for e in never.events if e["event"] == "start"]


def test_probability_one_is_todays_run_bit_for_bit() -> None:
    given = engine.run(scenario.from_dict(banned(1.0)), 4)
    default = engine.run(scenario.from_dict(banned(None)), 4)
    np.testing.assert_array_equal(given.recorder.values, default.recorder.values)
    assert shortfall_by_rep(default).min() > 0  # the ban bites in every replication


def binomial_interval(n: int, p: float, level: float) -> tuple[int, int]:
    """The central interval [low, high] of Binomial(n, p) holding at least `level` of its mass
    (as scipy's `binom.interval`), from the exact probabilities."""
    log_pmf = [
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log(1 - p)
        for k in range(n + 1)
    ]
    cdf = np.cumsum(np.exp(log_pmf))
    tail = (1 - level) / 2
    return int(np.searchsorted(cdf, tail)), int(np.searchsorted(cdf, 1 - tail))


def test_the_share_hit_is_within_a_binomial_interval() -> None:
    """p = 0.3 over 2,000 replications: the share that occurs lies in the binomial 99.9%
    interval of 0.3 (about 0.267 to 0.334)."""
    loaded = scenario.from_dict(banned(0.3))
    reps, p = 2000, 0.3
    shock = loaded.spec.shocks[0]
    drawn = draw_shock(shock, 0, loaded.spec.seed, range(reps), dt.date(2025, 1, 1), 60)
    low, high = binomial_interval(reps, p, 0.999)
    assert low <= drawn.occurs.sum() <= high
    assert math.isclose(low / reps, 0.267, abs_tol=0.005)
    not_hit = ~drawn.occurs
    assert (drawn.begin[not_hit] == 60).all() and (drawn.end[not_hit] == 60).all()
    assert (drawn.begin[drawn.occurs] == 10).all() and (drawn.end[drawn.occurs] == 30).all()


def test_exactly_the_replications_where_it_occurs_fall_short() -> None:
    result = engine.run(scenario.from_dict(banned(0.5)), 40)
    occurs = result.shocks[0].occurs
    assert 5 < occurs.sum() < 35
    np.testing.assert_array_equal(shortfall_by_rep(result) > 0, occurs)
    (start,) = [e for e in result.events if e["event"] == "start"]
    assert start["replications"] == occurs.sum()


def test_a_replication_decides_the_same_way_in_any_batch() -> None:
    loaded = scenario.from_dict(banned(0.5))
    whole = engine.run(loaded, 16).shocks[0].occurs
    part = engine.run(loaded, range(9, 16)).shocks[0].occurs
    np.testing.assert_array_equal(whole[9:], part)


def test_a_policy_sees_the_same_occurrences() -> None:
    """A policy that halves demand, on the same replications: the ban occurs in the same ones,
    and the paired difference is zero wherever it does not."""
    lever = {
        "type": "demand_efficiency",
        "select": {"kinds": ["market"]},
        "mineral": "lithium",
        "reduction": 0.5,
        "start": 0,
    }
    loaded = scenario.from_dict(banned(0.5, policies=[{"name": "pile", "levers": [lever]}]))
    base = engine.run(loaded, 30)
    policy = engine.run(apply(loaded, loaded.spec.policies[0]), 30)
    occurs = base.shocks[0].occurs
    np.testing.assert_array_equal(policy.shocks[0].occurs, occurs)
    gap = shortfall_by_rep(policy) - shortfall_by_rep(base)
    assert (gap[~occurs] == 0).all() and (gap[occurs] < 0).all()


def test_an_ensemble_pairs_the_same_occurrences() -> None:
    loaded = scenario.from_dict(banned(0.4))
    runs = montecarlo.run_ensemble(loaded, 30, workers=1).runs
    short = runs[(runs["metric"] == "shortfall_units") & (runs["market"] == "ev")]
    occurs = engine.run(loaded, 30).shocks[0].occurs
    np.testing.assert_array_equal(short.sort_values("rep")["value"].to_numpy() > 0, occurs)


def test_adding_a_named_shock_leaves_another_shocks_draws_alone() -> None:
    first = scenario.from_dict(banned(0.5))
    other = {**BAN, "name": "surge", "type": "demand_shock", "probability": 0.5}
    for key in ("country", "mineral", "severity"):
        other.pop(key)
    other.update(select={"kinds": ["market"]}, factor=1.1)
    second = scenario.from_dict(banned(0.5, shocks=[other, {**BAN, "probability": 0.5}]))
    np.testing.assert_array_equal(
        engine.run(first, 20).shocks[0].occurs, engine.run(second, 20).shocks[1].occurs
    )


@pytest.mark.parametrize(("value", "bound"), [(1.5, "<= 1"), (-0.1, ">= 0")])
def test_a_probability_outside_zero_to_one_is_a_located_error(value: float, bound: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario.from_dict(banned(value))
    (problem,) = [str(p) for p in caught.value.problems]
    assert problem.startswith("<scenario>: shocks[0].probability: ")
    assert f"got {value:g}" in problem and f"expected a number {bound}" in problem


def test_the_market_still_gets_its_demand_where_it_does_not_occur() -> None:
    result = engine.run(scenario.from_dict(banned(0.5)), 12)
    calm = ~result.shocks[0].occurs
    assert calm.any()
    for rep in np.flatnonzero(calm):
        np.testing.assert_allclose(
            series(result, "ev", "delivered_units", rep=int(rep)),
            series(result, "ev", "demand_units", rep=int(rep)),
        )


def _ensemble_results(probability: float) -> Any:
    from pathlib import Path

    import pandas as pd

    from sim.output.folder import Results

    shock = {**BAN, "start": "2025-01-11", "probability": probability}
    scenario_ = {"start": "2025-01-01", "horizon_days": 60, "shocks": [shock]}
    return Results(Path("."), {"horizon_days": 60}, scenario_, {"summary": pd.DataFrame()})


@pytest.mark.parametrize(
    ("probability", "legend", "when"),
    [
        (
            0.3,
            "shock: ban (occurs in 30% of replications)",
            " for 20 days; occurs with probability 30%",
        ),
        (1.0, "shock: ban", " for 20 days"),
    ],
)
def test_chart_legend_and_shock_table_state_the_probability(
    probability: float, legend: str, when: str
) -> None:
    from matplotlib.figure import Figure

    from sim.output.charts.style import shade
    from sim.output.folder import shock_windows
    from sim.output.report.shocks import shock_table

    results = _ensemble_results(probability)
    ax = Figure().subplots()
    shade(ax, shock_windows(results))
    assert ax.get_legend_handles_labels()[1] == [legend]
    (row,) = shock_table(results)[1].table.rows  # type: ignore[union-attr]
    assert row[3] == "2025-01-11" + when


def test_the_reimposition_scenario_draws_what_its_description_states() -> None:
    """cn_ree_reimposition_2026: Ann. 61 is re-imposed in about half the replications, 0-182
    days after the lapse on 10 Nov 2026 (day 70); the escalation in about a fifth, from
    2 Dec 2026 (day 92); Malacca closures hit the links through the strait together."""
    from tests.conftest import ROOT

    loaded = scenario.load(ROOT / "scenarios" / "cn_ree_reimposition_2026.yaml")
    spec, reps = loaded.spec, 1000
    drawn = [
        draw_shock(s, i, spec.seed, range(reps), spec.start, spec.horizon_days)
        for i, s in enumerate(spec.shocks)
    ]
    chances = {d.shock.name: d for d in drawn if d.shock.probability < 1}
    rule, escalation = chances.values()
    for d, p in ((rule, 0.5), (escalation, 0.2)):
        low, high = binomial_interval(reps, p, 0.999)
        assert low <= d.occurs.sum() <= high
    assert rule.begin[rule.occurs].min() >= 70 and rule.begin[rule.occurs].max() <= 252
    assert escalation.begin[escalation.occurs].min() >= 92
    assert all(d.occurs.all() for d in drawn if d.shock.probability == 1)
    inputs = draw_inputs(
        spec.uncertainty, loaded.network, spec.seed, range(4), 104, spec.horizon_days, 7
    )
    assert inputs.link_outages is not None
    through = [k.index for k in loaded.network.links if "malacca" in k.chokepoints]
    assert sorted(inputs.link_outages.links.tolist()) == through
