"""The multi-episode backtest harness (tools/backtest/, `make backtest`).

The claims: each episode, run with the one shared parameter set (tools/backtest/parameters.yaml),
beats persistence ("nothing changes from before the shock") on its driving series by a stated
margin; and the same assertion fails when the episode's export controls are removed. The
thresholds are below what the model was measured to achieve (in the comments), not tuned to
it. Gallium's 0.95 is almost all in sample (two of its three export points set the shock;
its out-of-sample skill is 0): for it the threshold checks that the engine reproduces the terms
it was given, not a forecast. The skill arithmetic is checked by hand on tiny series. Every
full episode run takes 1-4 s.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.scenario.errors import ScenarioError
from tools.backtest import parameters as shared
from tools.backtest import records, series
from tools.backtest import run as harness
from tools.backtest.episode import Outcome, run
from tools.backtest.episodes import EPISODES
from tools.backtest.skill import directions, score

# episode: (series, minimum skill vs persistence); measured with the mechanism on / off:
THRESHOLDS = {
    "ree_2010": ("China's share of Japan's RE imports", 0.4),  # 0.57 / 0.19
    "gallium_2023": ("China's gallium exports", 0.5),  # 0.95 / 0.00
    "magnets_2025": (
        "China's magnet exports",
        0.5,
    ),  # 0.52 / 0.00 (0.67 with exports dated on dispatch)
    "cobalt_2025": ("DRC cobalt exports", 0.5),  # 0.98 / 0.00 (0.90 with exports dated on dispatch)
}
PRICE_THRESHOLD = ("cobalt_2025", "Cobalt price", 0.25)  # 0.46 / 0.00


def points(periods: list[int], recorded: list[float], simulated: list[float], naive: float):
    return pd.DataFrame(
        {"period": periods, "recorded": recorded, "simulated": simulated, "naive": naive}
    )


# -- the skill arithmetic, checked on paper ---------------------------------------------------


def test_scores_of_a_tiny_series_match_the_hand_computation() -> None:
    # errors +1, -1, +1: MAE 1, bias 1/3, 1 / mean(10, 8, 6) = 12.5%;
    # naive 10: |0|, |2|, |4| -> MAE 2, skill 1 - 1/2 = 0.5;
    # consecutive periods only 1 -> 2: recorded -2, simulated -4: same direction, 1 of 1.
    s = score(points([1, 2, 4], [10, 8, 6], [11, 7, 7], 10.0))
    assert s.n == 3
    assert s.mae == pytest.approx(1.0)
    assert s.bias == pytest.approx(1 / 3)
    assert s.mae_pct_of_mean == pytest.approx(12.5)
    assert s.mae_naive == pytest.approx(2.0)
    assert s.skill == pytest.approx(0.5)
    assert (s.direction_pairs, s.direction_share) == (1, 1.0)


def test_a_flat_step_is_its_own_direction() -> None:
    # 1 -> 2: recorded flat, simulated up (wrong); 2 -> 3: recorded up, simulated flat (wrong);
    # 3 -> 4: both down (right): 1 of 3.
    table = points([1, 2, 3, 4], [5, 5, 7, 6], [5, 6, 6, 4], 5.0)
    assert directions(table) == (3, pytest.approx(1 / 3))


def test_worse_than_persistence_is_negative_and_exact_persistence_is_undefined() -> None:
    assert score(points([1, 2], [4, 4], [6, 2], 4.5)).skill == pytest.approx(1 - 2 / 0.5)
    assert math.isnan(score(points([1, 2], [4, 4], [5, 3], 4.0)).skill)
    assert math.isnan(score(points([1, 3], [4, 5], [5, 3], 4.0)).direction_share)


def test_points_outside_the_run_are_left_out_and_an_empty_comparison_is_refused() -> None:
    s = score(points([1, 2, 3], [10, 8, 6], [11, 7, float("nan")], 10.0))
    assert s.n == 2 and s.mae == pytest.approx(1.0)
    with pytest.raises(ValueError, match="too short"):
        score(points([1], [10], [float("nan")], 10.0))
    with pytest.raises(ValueError, match="missing"):
        score(pd.DataFrame({"period": [1], "recorded": [1.0]}))


def test_a_month_is_its_reviews_tonnes_scaled_to_its_days() -> None:
    # 7 t at each weekly review from Wed 1 Jan 2025: January has 5 reviews (35 days covered,
    # 35 t -> 35 / 35 x 31 = 31 t), February 4 (28 t over 28 days = 28 t); a shipment held
    # 63 days in licence review (the one of 29 Jan) leaves on 2 Apr, after the run: dropped.
    reviews = pd.date_range("2025-01-01", periods=9, freq="7D")
    leave = np.array(reviews.to_numpy())
    leave[4] = leave[4] + pd.Timedelta(days=63).to_timedelta64()
    sent = pd.Series(7.0, index=pd.DatetimeIndex(leave))
    months = series.monthly(sent, reviews, 7)
    assert months.to_dict() == {
        pd.Period("2025-01", "M"): pytest.approx(28 / 35 * 31),
        pd.Period("2025-02", "M"): pytest.approx(28.0),
    }
    assert series.monthly(pd.Series(7.0, index=reviews), reviews, 7).iloc[0] == pytest.approx(31)


# -- the shared parameter set -----------------------------------------------------------------


@pytest.fixture(scope="module")
def params() -> shared.Parameters:
    return shared.load()


def test_a_bad_parameter_is_refused_with_its_file_and_field(tmp_path: Path) -> None:
    text = shared.FILE.read_text(encoding="utf-8").replace("flexibility: 1.0", "flexibility: -1")
    bad = tmp_path / "parameters.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"parameters\.yaml.*prices\.flexibility"):
        shared.load(bad)


def test_apply_writes_the_shared_values_and_says_what_it_replaced(
    params: shared.Parameters,
) -> None:
    doc = {
        "prices": {
            "commodities": [{"mineral": "cobalt", "flexibility": 2.0, "lag_days": 30}],
            "demand": [{"markets": {}, "mineral": "cobalt", "elasticity": -0.5}],
        },
        "shocks": [
            {"name": "ban", "type": "export_ban", "licence_delay_days": 80},
            {"name": "stop", "type": "export_ban"},
            {"name": "licences", "type": "export_licensing", "processing_days": 80},
        ],
    }
    changes = shared.apply(doc, params)
    assert doc["prices"]["commodities"][0]["flexibility"] == params.prices.flexibility
    assert doc["prices"]["demand"][0]["elasticity"] == params.demand.elasticity
    assert doc["shocks"][0]["licence_delay_days"] == params.licensing.review_days
    assert "licence_delay_days" not in doc["shocks"][1]  # a plain stop gets no review
    assert doc["shocks"][2]["processing_days"] == params.licensing.review_days
    assert "prices.commodities[0](cobalt).flexibility: 2.0 -> 1" in changes
    assert not any("lag_days" in c and "commodities" in c for c in changes)  # 30 was kept


# -- each episode against its threshold -------------------------------------------------------


@pytest.fixture(scope="module")
def outcomes(params: shared.Parameters) -> dict[tuple[str, bool], Outcome]:
    return {}


def outcome(
    cache: dict[tuple[str, bool], Outcome], params: shared.Parameters, name: str, on: bool
) -> Outcome:
    if (name, on) not in cache:
        cache[(name, on)] = run(EPISODES[name], params, mechanism=on)
    return cache[(name, on)]


def skill_of(o: Outcome, series: str) -> float:
    (found,) = [c for c in o.comparisons if c.series == series]
    return found.score.skill


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_each_episode_beats_persistence_by_its_stated_margin(
    outcomes: dict[tuple[str, bool], Outcome], params: shared.Parameters, name: str
) -> None:
    series, minimum = THRESHOLDS[name]
    o = outcome(outcomes, params, name, on=True)
    assert skill_of(o, series) >= minimum
    priced = o.result.scenario.spec.prices
    for commodity in priced.commodities if priced else ():
        assert commodity.flexibility == params.prices.flexibility


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_the_threshold_fails_without_the_episodes_export_controls(
    outcomes: dict[tuple[str, bool], Outcome], params: shared.Parameters, name: str
) -> None:
    series, minimum = THRESHOLDS[name]
    o = outcome(outcomes, params, name, on=False)
    assert not o.result.scenario.spec.shocks or all(
        s.type not in ("export_ban", "export_quota") for s in o.result.scenario.spec.shocks
    )
    assert skill_of(o, series) < minimum


def test_licensed_gallium_leaves_china_after_the_63_day_review(
    outcomes: dict[tuple[str, bool], Outcome], params: shared.Parameters
) -> None:
    # August 2023 is stopped; from 1 Sep 27% passes, each shipment 63 days late: nothing
    # leaves China in August, September or October, the first licensed tonnes in November.
    o = outcome(outcomes, params, "gallium_2023", on=True)
    (exports,) = [c for c in o.comparisons if c.series == "China's gallium exports"]
    path = exports.path.set_index("date")["simulated"]
    assert all(path[dt.date(2023, m, 15)] == 0 for m in (8, 9, 10))
    assert path[dt.date(2023, 11, 15)] == pytest.approx(0.27 * records.GALLIUM_BASE_T, rel=0.05)
    assert path[dt.date(2023, 6, 15)] == pytest.approx(records.GALLIUM_BASE_T, rel=1e-6)


def test_the_cobalt_price_beats_persistence_and_not_without_the_ban(
    outcomes: dict[tuple[str, bool], Outcome], params: shared.Parameters
) -> None:
    name, series, minimum = PRICE_THRESHOLD
    assert skill_of(outcome(outcomes, params, name, on=True), series) >= minimum
    assert skill_of(outcome(outcomes, params, name, on=False), series) < minimum


# -- the command line and its files -----------------------------------------------------------


def test_the_harness_runs_every_episode_quick_and_writes_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert harness.main(["--quick", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "backtest"
    names = {p.name for p in folder.iterdir()}
    for name in EPISODES:
        for suffix in ("_series.csv", "_path.csv", ".png", ".svg"):
            assert f"{name}{suffix}" in names
    assert {"skill.csv", "summary.md"} <= names
    table = pd.read_csv(folder / "skill.csv")
    assert set(table["episode"]) == set(EPISODES)
    assert table["points"].min() >= 1
    assert (table["in_sample"] <= table["points"]).all()
    assert "skill_out_of_sample" in table.columns
    printed = capsys.readouterr().out
    assert "prices.flexibility = 1" in printed and "Skill per episode" in printed
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert all(e.title in summary for e in EPISODES.values())


def test_one_episode_alone(tmp_path: Path) -> None:
    assert harness.main(["--quick", "--episode", "magnets_2025", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "backtest" / "skill.csv")
    assert list(table["episode"]) == ["magnets_2025"]


def test_every_record_has_a_source() -> None:
    for found in (
        records.GALLIUM_EXPORTS,
        records.GALLIUM_PRICE,
        records.MAGNET_EXPORTS,
        records.COBALT_EXPORTS,
        records.COBALT_PRICE,
    ):
        assert found and all(len(p.source) > 20 for p in found)
