"""The shared words (sim/vocabulary.py): helpers, and the column lists every results table keeps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim import vocabulary as V
from sim.analysis import compare, sensitivity, stress
from sim.analysis import ensemble as montecarlo
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from tests.conftest import chain


def test_aggregates_are_the_user_assigned_codes() -> None:
    assert V.is_aggregate("XW") and V.is_aggregate("XA")
    assert not V.is_aggregate("IN") and not V.is_aggregate("X1") and not V.is_aggregate("XWW")


def test_country_names_are_short_and_aggregates_say_so() -> None:
    assert V.country_name("IN") == "India" and V.country_name("JP") == "Japan"
    assert V.country_name("CD") == "DR Congo" and V.country_name(V.REST_OF_WORLD) == "rest of world"
    assert V.country_name("XA") == "aggregate XA"
    assert V.country_name("QQ") == "QQ"  # not a code: shown as it is


def test_fill_rate_is_one_without_demand_and_not_capped() -> None:
    got = V.fill_rate(np.array([0.0, 5.0, 12.0, 1.0]), np.array([0.0, 10.0, 10.0, 1e-320]))
    np.testing.assert_array_equal(got[:3], [1.0, 0.5, 1.2])
    assert np.isinf(got[3])  # a vanishing demand overflows quietly: it was served


def test_fill_ratio_is_pro_rata_and_at_most_one() -> None:
    got = V.fill_ratio(np.array([5.0, 20.0, 0.0, 3.0]), np.array([10.0, 10.0, 0.0, 0.0]))
    np.testing.assert_array_equal(got, [0.5, 1.0, 1.0, 1.0])


def test_concentration_of_shares() -> None:
    shares = np.array([[0.5, 1.0], [0.3, 0.0], [0.1, 0.0], [0.1, 0.0]])
    np.testing.assert_allclose(V.hhi(shares), [0.36, 1.0])
    np.testing.assert_allclose(V.top_share(shares), [0.9, 1.0])
    np.testing.assert_allclose(V.hhi(shares.T, axis=1), [0.36, 1.0])
    assert V.top_share(np.array([0.6, 0.4])) == pytest.approx(1.0)  # fewer than three
    assert V.hhi([0.5, 0.5]) == pytest.approx(0.5)


def test_stages_run_from_mine_to_market() -> None:
    assert sorted(V.STAGES, key=V.STAGE_ORDER.__getitem__) == [
        "ore",
        "refined",
        "component",
        "scrap",
    ]


BAN = {"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5}


def _load(**data: Any) -> scenario.Scenario:
    return scenario.from_dict({**chain(horizon_days=40), **data})


def _columns(frame: pd.DataFrame, expected: tuple[str, ...], filled: bool = True) -> None:
    """The frame has exactly the vocabulary's columns, in order; with `filled`, every column
    has a value somewhere (a misspelled key would have left it empty)."""
    assert tuple(frame.columns) == expected
    if filled:
        empty = [c for c in frame.columns if not frame[c].notna().any()]
        assert not empty, f"columns never filled: {empty}"


def test_a_run_writes_the_vocabulary_columns() -> None:
    result = engine.run(_load(shocks=[BAN]))
    _columns(results.timeseries(result), V.TIMESERIES_COLUMNS)
    _columns(results.market_summary(result), V.MARKETS_COLUMNS)
    _columns(results.flows(result), V.FLOWS_COLUMNS)
    _columns(results.shipments(result), V.SHIPMENTS_COLUMNS)
    _columns(results.balance(result), V.BALANCE_COLUMNS)
    _columns(results.events(result), V.EVENTS_COLUMNS)
    _columns(results.run_metrics(result).tidy(), V.METRICS_COLUMNS)
    variables = set(results.timeseries(result)["variable"])
    assert {*V.MARKET_UNIT_VARIABLES, *V.MARKET_MINERAL_VARIABLES} <= variables


def test_ensembles_and_comparisons_write_the_vocabulary_columns() -> None:
    lever = {"type": "stockpile", "country": "JP", "mineral": "lithium", "days": 20}
    loaded = _load(shocks=[BAN], policies=[{"name": "reserve", "levers": [lever]}])
    every = montecarlo.Options(once_if_exact=False)  # three replications, intervals filled
    ensemble = montecarlo.run_ensemble(loaded, 3, workers=1, options=every)
    _columns(ensemble.summary, V.SUMMARY_COLUMNS)
    _columns(ensemble.bands, V.BANDS_COLUMNS)
    variables = ["demand_units", "delivered_units", "shortfall_units", "cover_days"]
    assert list(dict.fromkeys(ensemble.bands["variable"])) == variables == list(V.BAND_VARIABLES)
    done = compare.compare_policies(loaded, 2, workers=1)
    _columns(done.table, V.COMPARISON_COLUMNS, filled=False)  # one pair: no interval
    _columns(done.ranking, V.RANKING_COLUMNS, filled=False)  # no combination: no verdict


def test_stress_and_sensitivity_tables_have_the_vocabulary_columns() -> None:
    _columns(stress.run(_load()), V.STRESS_COLUMNS)
    spread = {**BAN, "duration_days": {"dist": "uniform", "low": 5, "high": 20}}
    table, _ = sensitivity.run(_load(shocks=[spread]), reps=2, workers=1)
    _columns(table, V.SENSITIVITY_COLUMNS)
