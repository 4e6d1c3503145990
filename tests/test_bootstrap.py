"""Percentile bootstrap intervals over replications (sim.analysis.bootstrap): checked by hand on
a Bernoulli sample, on degenerate samples, and in the ensemble summary and the ranking."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import bootstrap, metrics


def test_the_interval_of_a_bernoulli_share_matches_the_normal_approximation() -> None:
    # 30 successes in 100: the share's standard error is sqrt(0.3 * 0.7 / 100) = 0.0458, so
    # the 95% interval is about 0.3 +- 1.96 * 0.0458 = 0.210 to 0.390 (the percentile
    # bootstrap of a share agrees with it within Monte Carlo error at 1,000 resamples).
    values = np.array([1.0] * 30 + [0.0] * 70)
    idx = bootstrap.indices(100, bootstrap.generator(42))
    got = bootstrap.shortfall_intervals(values, idx)
    assert got["prob_positive_ci_low"] == pytest.approx(0.210, abs=0.02)
    assert got["prob_positive_ci_high"] == pytest.approx(0.390, abs=0.02)
    # The tail statistics of a 0/1 sample: P95 and CVaR95 are 1 in (nearly) every resample.
    assert got["p95_ci_low"] == got["p95_ci_high"] == 1.0
    assert got["cvar95_ci_high"] == 1.0


def test_identical_values_give_the_value_and_one_replication_gives_no_interval() -> None:
    same = bootstrap.shortfall_intervals(
        np.full(5, 7.0), bootstrap.indices(5, bootstrap.generator(1))
    )
    assert same == {
        "prob_positive_ci_low": 1.0,
        "prob_positive_ci_high": 1.0,
        "p95_ci_low": 7.0,
        "p95_ci_high": 7.0,
        "cvar95_ci_low": 7.0,
        "cvar95_ci_high": 7.0,
    }
    one = bootstrap.shortfall_intervals(np.array([3.0]), np.zeros((10, 1), dtype=int))
    assert all(math.isnan(v) for v in one.values())


def test_indexes_for_another_number_of_replications_are_refused() -> None:
    with pytest.raises(ValueError, match="for 4 replications, values for 5"):
        bootstrap.shortfall_intervals(np.arange(5.0), bootstrap.indices(4, bootstrap.generator(0)))


def test_the_cost_per_tonne_interval_pairs_cost_and_tonnes_of_a_replication() -> None:
    rng = bootstrap.generator(3)
    tonnes = np.array([8.0, 10.0, 12.0, 9.0, 11.0])
    low, high = bootstrap.ratio_interval(100.0 * tonnes, tonnes, rng)
    assert low == pytest.approx(100.0) and high == pytest.approx(100.0)  # cost ∝ tonnes: exact
    low, high = bootstrap.ratio_interval(np.full(5, 1000.0), tonnes, bootstrap.generator(3))
    assert 1000.0 / 12.0 <= low < 1000.0 / 10.0 < high <= 1000.0 / 8.0
    low, high = bootstrap.ratio_interval(np.full(4, 10.0), np.array([1.0, -1.0, 1.0, -1.0]), rng)
    assert math.isinf(high)  # resamples that avoid nothing on average cost infinitely much
    assert all(math.isnan(v) for v in bootstrap.ratio_interval(np.ones(1), np.ones(1), rng))


def test_the_warning_rules() -> None:
    assert bootstrap.thin_tail(399) and not bootstrap.thin_tail(400)  # 20 beyond the P95
    assert bootstrap.wide_chance(0.1, 0.31) and not bootstrap.wide_chance(0.1, 0.3)
    assert not bootstrap.wide_chance(math.nan, math.nan)


def _runs(values: list[float]) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "rep": range(n),
            "metric": ["shortfall_units"] * n,
            "unit": ["vehicle"] * n,
            "market": ["ev"] * n,
            "country": ["JP"] * n,
            "mineral": [""] * n,
            "stage": [""] * n,
            "shock": [""] * n,
            "partner": [""] * n,
            "value": values,
        }
    )


def test_the_summary_has_intervals_seeded_by_the_scenario_seed() -> None:
    values = [0.0] * 12 + list(np.linspace(10.0, 400.0, 28))
    first, again = metrics.summarize(_runs(values), 42), metrics.summarize(_runs(values), 42)
    other = metrics.summarize(_runs(values), 7)
    columns = [f"{c}_ci_{s}" for c in ("prob_positive", "p95", "cvar95") for s in ("low", "high")]
    assert first[columns].equals(again[columns])
    assert not first[columns].equals(other[columns])
    row = first.iloc[0]
    assert row["prob_positive_ci_low"] < row["prob_positive"] < row["prob_positive_ci_high"]
    assert row["p95_ci_low"] <= row["p95"] <= row["p95_ci_high"]
    assert row["cvar95_ci_low"] <= row["cvar95"] <= row["cvar95_ci_high"]
