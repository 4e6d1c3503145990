"""Prices, paths and projects in the results: prices.csv, paths.csv and projects.csv written
and read back (sim/analysis/prices.py, sim/analysis/world.py, sim/output/folder.py), ensemble
price bands against a hand computation, the report's 'Prices and responses' and 'Paths and
projects' sections, and the charts (sim/output/charts/prices.py, paths.py).

The test scenario is the one-mineral chain of conftest.py over two years, weekly, with an
export ban whose start is drawn per replication, a priced lithium market, a demand path, a
capacity path and one announced project."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sim.analysis import compare, world
from sim.analysis import ensemble as montecarlo
from sim.analysis import prices as price_paths
from sim.engine import simulate as engine
from sim.engine.world import Planner
from sim.output import charts
from sim.output import writers as report
from sim.output.folder import load
from sim.output.report import document, render_markdown
from sim.scenario import loader
from tests.conftest import chain

BASE = 10_000.0


def priced_chain(**changes: Any) -> dict[str, Any]:
    """The chain with a ban of random start, lithium priced, paths and a project."""
    data = chain(step_days=7, horizon_days=730, upstream_cover=14.0, market_cover=14.0)
    data["seed"] = 11
    data["shocks"] = [
        {
            "type": "export_ban",
            "name": "ban",
            "country": "CN",
            "mineral": "lithium",
            "start": {"dist": "uniform", "low": 60, "high": 300},
            "duration_days": 60,
        }
    ]
    data["prices"] = {
        "commodities": [
            {
                "mineral": "lithium",
                "base_usd_per_t": BASE,
                "flexibility": 2.0,
                "lag_days": 28,
                "source": "ASSUMPTION: round number",
            }
        ],
        "demand": [
            {
                "markets": {"nodes": ["ev"]},
                "mineral": "lithium",
                "elasticity": -0.2,
                "enabled": False,
            }
        ],
        "substitution": [
            {
                "markets": {"nodes": ["ev"]},
                "mineral": "lithium",
                "max_reduction": 0.3,
                "full_at_multiple": 4.0,
                "source": "test figure",
            }
        ],
    }
    data["paths"] = {
        "demand": [
            {
                "markets": {"nodes": ["ev"]},
                "by_year": {2025: 1.0, 2026: 2.0},
                "source": "demand doubles in 2025",
            }
        ],
        "capacity": [{"nodes": {"nodes": ["mine"]}, "growth_per_year": 0.1}],
    }
    data["projects"] = [
        {
            "name": "new_mine",
            "node": {
                "name": "mine2",
                "kind": "mine",
                "country": "AU",
                "mineral": "lithium",
                "capacity_tpa": 200.0,
            },
            "sells_to": [{"node": "refinery", "share": 0.3}],
            "planned_start": "2025-06-01",
            "p_complete": 1.0,
            "delay_days": {"dist": "fixed", "value": 30},
            "source": "announced 2024",
        }
    ]
    data.update(changes)
    return data


@pytest.fixture(autouse=True)
def no_pyplot_figures() -> Iterator[None]:
    yield
    leaked = plt.get_fignums()
    plt.close("all")
    assert leaked == []


@pytest.fixture(scope="module")
def scenario() -> loader.Scenario:
    return loader.from_dict(priced_chain())


@pytest.fixture(scope="module")
def single(scenario: loader.Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report.write_results(engine.run(scenario), tmp_path_factory.mktemp("single"))


@pytest.fixture(scope="module")
def ensemble(scenario: loader.Scenario) -> montecarlo.Ensemble:
    return montecarlo.run_ensemble(scenario, 2, workers=1, batch_size=1)


@pytest.fixture(scope="module")
def ensemble_folder(
    ensemble: montecarlo.Ensemble, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return report.write_ensemble(ensemble, tmp_path_factory.mktemp("ensemble"))


POLICY = {
    "name": "early_mine",
    "levers": [
        {
            "type": "support_project",
            "projects": ["new_mine"],
            "minerals": ["lithium"],
            "days_earlier": 100,
        }
    ],
}


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = priced_chain(policies=[POLICY])
    other = {**data["projects"][0], "name": "other_mine", "p_complete": 0.0}
    data["projects"].append({**other, "node": {**other["node"], "name": "mine3"}})
    loaded = loader.from_dict(data)
    result = compare.compare_policies(loaded, 2, workers=1, progress=False)
    return report.write_comparison(result, tmp_path_factory.mktemp("compared"))


# --- results files ---------------------------------------------------------------------------


def test_a_single_run_writes_its_prices_paths_and_projects(
    scenario: loader.Scenario, single: Path
) -> None:
    results = load(single)
    prices = results.get("prices")
    assert prices is not None and list(prices.columns) == list(price_paths.PRICES_COLUMNS)
    periods = engine.n_periods(scenario)
    assert len(prices) == periods  # one mineral, one side, one replication
    assert prices["price_usd_per_t"].iloc[0] == pytest.approx(BASE)
    assert prices["date"].iloc[3] == "2025-01-22" and prices["day"].iloc[3] == 21
    assert set(prices["side"]) == {"world"}
    run = engine.run(scenario)
    assert run.prices is not None
    np.testing.assert_allclose(
        prices["price_usd_per_t"].to_numpy(), run.prices.history[:, 0, 0], rtol=1e-6
    )
    assert prices["price_usd_per_t"].max() > 1.5 * BASE  # the ban drains the chain
    paths = results.get("paths")
    assert paths is not None and list(paths.columns) == list(world.PATHS_COLUMNS)
    projects = results.get("projects")
    assert projects is not None and list(projects.columns) == list(world.PROJECTS_COLUMNS)


def test_paths_are_tabulated_at_the_start_each_1_january_and_the_end(single: Path) -> None:
    """{2025: 1, 2026: 2} gives 1, 2, 2 on 2025-01-01, 2026-01-01, 2027-01-01; the mine's
    +10%/yr gives 1.1^(d / 365.25); an empty source is read back as '' (not NaN)."""
    paths = load(single).get("paths")
    assert paths is not None
    demand = paths[paths["path"] == "demand"]
    assert list(demand["date"]) == ["2025-01-01", "2026-01-01", "2027-01-01"]
    assert list(demand["factor"]) == pytest.approx([1.0, 2.0, 2.0])
    assert list(demand["value"]) == pytest.approx([36500.0, 73000.0, 73000.0])
    assert set(demand["unit"]) == {"vehicle/yr"} and set(demand["source"]) == {
        "demand doubles in 2025"
    }
    mine = paths[paths["node"] == "mine"]
    assert list(mine["factor"]) == pytest.approx(
        [1.0, 1.1 ** (365 / 365.25), 1.1 ** (730 / 365.25)]
    )
    assert set(mine["source"]) == {""} and set(mine["unit"]) == {"t/yr"}


def test_the_years_follow_a_start_that_is_not_1_january() -> None:
    loaded = loader.from_dict(priced_chain(start="2025-03-01", horizon_days=400))
    assert world.year_days(loaded) == [0, 306, 400]


def test_projects_give_the_share_built_and_the_dates_of_first_production(single: Path) -> None:
    """Built with probability 1 and a fixed 30-day delay: 2025-06-01 + 30 days = 2025-07-01 in
    every replication."""
    projects = load(single).get("projects")
    assert projects is not None
    row = projects.iloc[0]
    assert row["project"] == "new_mine" and row["planned_start"] == "2025-06-01"
    assert row["share_built"] == 1.0 and row["replications"] == 1
    assert row["online_p5"] == row["online_p50"] == row["online_p95"] == "2025-07-01"
    assert row["delay_days"] == "30" and row["change"] == ""


def test_a_project_never_built_has_blank_dates() -> None:
    data = priced_chain()
    data["projects"][0]["p_complete"] = 0.0
    loaded = loader.from_dict(data)
    table = world.project_table(loaded, world.online_matrix(loaded, range(5)))
    assert table is not None
    assert table["share_built"].iloc[0] == 0.0 and table["online_p50"].iloc[0] is None


def test_the_online_dates_are_those_the_engine_draws() -> None:
    """A random delay: the table's quantiles are order statistics of the days the project's
    own stream gives, which the engine's planner uses too."""
    data = priced_chain()
    data["projects"][0]["p_complete"] = 0.5
    data["projects"][0]["delay_days"] = {"dist": "uniform", "low": 0, "high": 300}
    loaded = loader.from_dict(data)
    online = world.online_matrix(loaded, range(40))
    assert online is not None
    planner = Planner(loaded, range(40))
    np.testing.assert_array_equal(online[0], planner.online["new_mine"])
    table = world.project_table(loaded, online)
    assert table is not None
    built = np.sort(online[0][np.isfinite(online[0])])
    assert table["share_built"].iloc[0] == pytest.approx(len(built) / 40)
    # inverted CDF: the P50 is the ceil(0.5 n)-th smallest
    p50 = dt.date(2025, 1, 1) + dt.timedelta(days=round(built[int(np.ceil(0.5 * len(built))) - 1]))
    assert table["online_p50"].iloc[0] == p50


def test_a_scenario_without_prices_paths_or_projects_writes_none_of_them(
    tmp_path: Path,
) -> None:
    folder = report.write_results(engine.run(loader.from_dict(chain(horizon_days=20))), tmp_path)
    assert not {"prices.csv", "paths.csv", "projects.csv"} & {p.name for p in folder.iterdir()}


# --- ensemble bands --------------------------------------------------------------------------


def test_ensemble_price_bands_match_a_hand_computation_on_two_replications(
    scenario: loader.Scenario, ensemble: montecarlo.Ensemble, ensemble_folder: Path
) -> None:
    """Two replications a, b (batches of one, so the bands join two batches): mean (a + b)/2;
    the quantiles are values of the sample (inverse of the empirical CDF): P5 and P50 the
    smaller, P95 the larger."""
    run = engine.run(scenario, 2)
    assert run.prices is not None
    a, b = run.prices.history[:, 0, 0].astype(float), run.prices.history[:, 0, 1].astype(float)
    assert not np.allclose(a, b)  # the ban starts on different days
    bands = load(ensemble_folder).get("prices")
    assert bands is not None and list(bands.columns) == list(price_paths.PRICE_BANDS_COLUMNS)
    assert set(bands["replications"]) == {2}
    np.testing.assert_allclose(bands["mean"], (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(bands["p5"], np.minimum(a, b), rtol=1e-6)
    np.testing.assert_allclose(bands["p50"], np.minimum(a, b), rtol=1e-6)
    np.testing.assert_allclose(bands["p95"], np.maximum(a, b), rtol=1e-6)
    assert ensemble.projects is not None and ensemble.projects["replications"].iloc[0] == 2


def test_ensemble_bands_keep_only_the_first_band_reps_replications(
    scenario: loader.Scenario,
) -> None:
    kept = montecarlo.run_ensemble(
        scenario, 3, workers=1, batch_size=2, options=montecarlo.Options(band_reps=1)
    )
    assert kept.prices is not None and set(kept.prices["replications"]) == {1}
    run = engine.run(scenario, 1)
    assert run.prices is not None
    np.testing.assert_allclose(kept.prices["p50"], run.prices.history[:, 0, 0], rtol=1e-6)


def test_a_comparison_writes_prices_per_policy_and_the_projects_a_policy_changes(
    compared: Path,
) -> None:
    results = load(compared)
    prices = results.get("prices")
    assert prices is not None and set(prices["policy"]) == {"baseline", "early_mine"}
    projects = results.get("projects")
    assert projects is not None
    assert list(projects["policy"]) == ["baseline", "baseline", "early_mine"]  # it changes one
    assert list(projects["project"]) == ["new_mine", "other_mine", "new_mine"]
    moved = projects[projects["policy"] == "early_mine"].iloc[0]
    assert moved["change"] == "100 days earlier"
    assert moved["planned_start"] == "2025-02-21"  # 2025-06-01 - 100 days
    assert moved["online_p50"] == "2025-03-23"  # + the 30-day delay


# --- report ----------------------------------------------------------------------------------


def _text(folder: Path) -> str:
    """The report page in Markdown (without charts: they are tested below)."""
    return render_markdown(*document(load(folder), []))


def test_the_report_shows_prices_responses_paths_and_projects_with_sources(single: Path) -> None:
    text = _text(single)
    assert "## Prices and responses" in text and "## Paths and projects" in text
    assert "Price form:" in text
    responses = [line for line in text.splitlines() if line.startswith("| demand | lithium")]
    assert len(responses) == 1 and "| OFF |" in responses[0]
    assert "| substitution | lithium |" in text and "| ON |" in text
    assert "ASSUMPTION: round number | yes |" in text  # the base price's source, flagged
    assert "| capacity | mine | x1.21 | no source given | yes |" in text
    assert "| demand | ev | x2 | demand doubles in 2025 | no |" in text
    assert "announced 2024" in text and "2025-07-01" in text
    assert "### What the prices did" in text


def test_the_report_says_so_when_prices_are_off(tmp_path: Path) -> None:
    data = priced_chain()
    del data["prices"]
    folder = report.write_results(engine.run(loader.from_dict(data)), tmp_path)
    text = _text(folder)
    assert "## Prices and responses" in text and "Prices are off in this run" in text
    plain = report.write_results(engine.run(loader.from_dict(chain(horizon_days=20))), tmp_path)
    _, blocks = document(load(plain), [])
    assert not any(b.text in ("Prices and responses", "Paths and projects") for b in blocks)
    assert any(b.text.startswith("Prices are off in this run") for b in blocks)


def test_the_report_says_when_every_response_is_switched_off(tmp_path: Path) -> None:
    data = priced_chain()
    data["prices"]["substitution"][0]["enabled"] = False
    folder = report.write_results(engine.run(loader.from_dict(data)), tmp_path)
    assert "Every response is switched OFF" in _text(folder)


def test_a_comparison_report_lists_the_projects_a_policy_changes(compared: Path) -> None:
    text = _text(compared)
    assert "### Projects the policies change" in text
    assert "| early_mine | new_mine | 100 days earlier |" in text


# --- charts ----------------------------------------------------------------------------------

WORLD_CHARTS = {"prices_lithium", "demand_paths", "capacity_paths_lithium", "projects"}


@pytest.mark.parametrize("kind", ["single", "ensemble_folder", "compared"])
def test_the_charts_are_drawn_and_saved(kind: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(kind)
    drawn = charts.draw_all(load(folder))
    names = {c.name for c in drawn}
    assert names >= WORLD_CHARTS
    groups = {c.name: c.group for c in drawn}
    assert groups["prices_lithium"] == "prices" and groups["projects"] == "paths"
    saved = charts.save_all([c for c in drawn if c.name in WORLD_CHARTS], folder / "charts")
    assert len(saved) == 8 and all(p.stat().st_size > 1000 for p in saved)


def _lines(fig: Any) -> dict[str, Any]:
    return {line.get_label(): line for ax in fig.axes for line in ax.get_lines()}


def test_the_price_chart_shows_the_median_band_base_and_shocks(ensemble_folder: Path) -> None:
    results = load(ensemble_folder)
    prices = results.get("prices")
    assert prices is not None
    fig = charts.price_paths(prices, "lithium", results.info, base={"world": BASE})
    lines = _lines(fig)
    assert "median" in lines and "base price (10,000 USD/t)" in lines
    np.testing.assert_allclose(lines["median"].get_ydata(), prices["p50"])
    assert lines["base price (10,000 USD/t)"].get_ydata()[0] == BASE
    assert fig.axes[0].get_ylabel() == "USD per t"
    assert "across 2 replications" in fig.get_suptitle()
    with pytest.raises(ValueError, match="no prices of 'cobalt'"):
        charts.price_paths(prices, "cobalt", results.info)


def test_the_comparison_price_chart_has_each_policy(compared: Path) -> None:
    results = load(compared)
    prices = results.get("prices")
    assert prices is not None
    fig = charts.price_paths(prices, "lithium", results.info, policies=results.policies)
    labels = set(_lines(fig))
    assert "baseline median" in labels
    assert any(label.startswith("early_mine median") for label in labels)


def test_the_project_chart_labels_the_share_built(compared: Path) -> None:
    results = load(compared)
    projects = results.get("projects")
    assert projects is not None
    fig = charts.project_online(projects, results.info, policies=results.policies)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["new_mine", "new_mine [early_mine]", "other_mine"]
    assert [t.get_text() for t in ax.texts] == ["built in 2 of 2 (100%)"] * 2 + ["never built"]
