"""Charts: each function draws the expected title, axis labels and series for small results
whose answers are known, nothing leaks into pyplot, and `charts_for` saves what applies."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection, QuadMesh
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from PIL import Image

from sim.analysis import compare
from sim.analysis import ensemble as montecarlo
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.output import charts
from sim.output import writers as report
from sim.output.charts import catalogue, saving, style
from sim.output.folder import load, shock_windows
from sim.scenario import loader as scenario
from tests.conftest import ROOT, chain

INFO = charts.RunInfo("chain", seed=42, replications=1, step_days=1, horizon_days=40)
BAN = {
    "type": "export_ban",
    "name": "ban",
    "country": "CN",
    "mineral": "lithium",
    "start": 5,
    "end": 30,
}


@pytest.fixture(autouse=True)
def no_pyplot_figures() -> Iterator[None]:
    """Chart functions build Figures without pyplot: none may appear in its registry."""
    yield
    leaked = plt.get_fignums()
    plt.close("all")
    assert leaked == []


def shipments_frame(result: engine.RunResult) -> pd.DataFrame:
    """t shipped per link and review, as `sim run` writes it to shipments.csv."""
    return results.shipments(result)


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40-day chain with a total CN lithium ban from day 5 (first shortfall on day 17, of
    100 vehicles a day; tests/test_handchecked.py), written as `sim run` writes it."""
    result = engine.run(scenario.from_dict(chain(horizon_days=40, shocks=[BAN])))
    return report.write_results(result, tmp_path_factory.mktemp("single"), ["test"])


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = chain(
        horizon_days=40, shocks=[{**BAN, "severity": {"dist": "uniform", "low": 0.3, "high": 1.0}}]
    )
    data["uncertainty"] = {
        "demand": [
            {
                "select": {"kinds": ["market"]},
                "factor": {"dist": "uniform", "low": 0.8, "high": 1.2},
            }
        ]
    }
    result = montecarlo.run_ensemble(scenario.from_dict(data), 12, workers=1)
    return report.write_ensemble(result, tmp_path_factory.mktemp("ensemble"), ["test"])


PILE = {
    "type": "stockpile",
    "country": "JP",
    "mineral": "lithium",
    "days": 10,
    "holding_cost_usd_per_t_year": 1000,
}
THRIFT = {
    "type": "demand_efficiency",
    "select": {"kinds": ["market"]},
    "mineral": "lithium",
    "reduction": 0.3,
    "start": 0,
    "cost_usd": 1e6,
}


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The banned chain, with 3 days of cover upstream, and two policies (a 10-day reserve,
    30% less lithium per vehicle) on three replications, written as `sim run` writes a policy
    comparison. The baseline is 900 vehicles short; the reserve avoids all of it."""
    data = chain(horizon_days=40, upstream_cover=3, shocks=[BAN])
    data["policies"] = [{"name": "pile", "levers": [PILE]}, {"name": "thrift", "levers": [THRIFT]}]
    every = montecarlo.Options(once_if_exact=False)  # three (identical) replications
    result = compare.compare_policies(scenario.from_dict(data), 3, workers=1, options=every)
    return report.write_comparison(result, tmp_path_factory.mktemp("compared"), ["test"])


def labels(ax: object) -> list[str]:
    return [str(t) for t in ax.get_legend_handles_labels()[1]]  # type: ignore[attr-defined]


def title_of(fig: Figure) -> str:
    return " ".join(fig.get_suptitle().split())


def footer(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.texts)


def test_supply_demand_draws_demand_delivered_and_the_hand_computed_shortfall(single: Path) -> None:
    results = load(single)
    fig = charts.supply_demand(
        results.get("timeseries"),
        "ev",
        INFO,
        unit="vehicle",
        windows=shock_windows(results),
        place=" (Japan, ev)",
    )
    title = title_of(fig)
    assert "ev (Japan, ev)" in title and "vehicles per day" in title
    top, bottom = fig.axes[:2]
    assert top.get_ylabel() == "vehicles per day"
    assert bottom.get_ylabel() == "shortfall\nvehicles per day"
    assert labels(top) == ["delivered", "demand", "shock: ban"]
    assert labels(bottom) == ["shortfall"]
    delivered = dict(zip([line.get_label() for line in top.lines], top.lines, strict=True))
    np.testing.assert_allclose(delivered["demand"].get_ydata(), 100.0)
    ydata = np.asarray(delivered["delivered"].get_ydata(), dtype=float)
    np.testing.assert_allclose(ydata[:17], 100.0, rtol=1e-9)
    np.testing.assert_allclose(ydata[17:30], 0.0, atol=1e-9)
    assert any(isinstance(c, PolyCollection) for c in bottom.collections)
    assert "review date, 01 Jan 2025 to 09 Feb 2025" in bottom.get_xlabel()
    assert "scenario chain" in footer(fig) and "seed 42" in footer(fig)
    assert "1 replication" in footer(fig)


def test_supply_demand_says_so_when_nothing_was_short() -> None:
    frame = pd.DataFrame(
        [
            {
                "date": f"2025-01-0{d}",
                "rep": 0,
                "node": "m",
                "country": "IN",
                "variable": v,
                "value": 5.0 if v != "shortfall_units" else 0.0,
            }
            for d in (1, 2, 3)
            for v in ("demand_units", "delivered_units", "shortfall_units")
        ]
    )
    fig = charts.supply_demand(frame, "m", INFO)
    assert "no shortfall in this run" in [t.get_text() for t in fig.axes[1].texts]


def bands_frame() -> pd.DataFrame:
    """Two markets, three buckets of two reviews (step 7 days), hand-made quantiles."""
    rows = []
    for bucket, day in enumerate((0, 14, 28)):
        for market in ("in_ev", "jp_ev"):
            short = 20.0 * (bucket == 1) * (market == "in_ev")
            for variable, p50 in (
                ("demand_units", 200.0),
                ("delivered_units", 200.0 - short),
                ("shortfall_units", short),
                ("cover_days", 30.0 - short),
            ):
                rows.append(
                    {
                        "bucket": bucket,
                        "day": day,
                        "date": str(pd.Timestamp("2025-01-01") + pd.Timedelta(days=day)),
                        "market": market,
                        "variable": variable,
                        "mean": p50,
                        "p5": p50 * 0.9,
                        "p50": p50,
                        "p95": p50 * 1.1,
                        "replications": 50,
                    }
                )
    return pd.DataFrame(rows)


def test_supply_demand_bands_show_the_median_per_review_and_a_band() -> None:
    info = charts.RunInfo("x", 1, 50, step_days=7, horizon_days=42)
    fig = charts.supply_demand_bands(bands_frame(), "in_ev", info, unit="vehicle")
    assert "across 50 replications (median and P5-P95), vehicles per week" in title_of(fig)
    top, bottom = fig.axes[:2]
    assert labels(top)[:4] == [
        "delivered P5-P95",
        "delivered (median)",
        "demand (median)",
        "demand P5 and P95",
    ]
    median = next(line for line in bottom.lines if line.get_label() == "shortfall (median)")
    np.testing.assert_allclose(median.get_ydata(), [0.0, 10.0, 0.0])  # 20 per bucket of 2
    assert top.get_ylabel() == "vehicles per week"


def test_per_review_scale_counts_reviews_per_bucket() -> None:
    rows = pd.DataFrame({"day": [0, 14, 21]})
    np.testing.assert_allclose(charts.per_review_scale(rows, 7, 35), [2.0, 1.0, 2.0])


def test_cover_has_one_line_per_distinct_mineral_series_and_marks_releases() -> None:
    dates = [f"2025-01-0{d}" for d in (1, 2, 3, 4)]
    rows = [
        {
            "date": d,
            "rep": 0,
            "node": "ev",
            "kind": "market",
            "country": "JP",
            "mineral": m,
            "variable": "cover_days",
            "value": v,
        }
        for m, values in (
            ("lithium", (10, 8, 6, 9)),
            ("cobalt", (10, 8, 6, 9)),
            ("rare_earths", (12, 12, 12, 12)),
        )
        for d, v in zip(dates, values, strict=True)
    ]
    rows += [
        {
            "date": d,
            "rep": 0,
            "node": "jp_reserve",
            "kind": "stockpile",
            "country": "JP",
            "mineral": "lithium",
            "variable": "released_t",
            "value": v,
        }
        for d, v in zip(dates, (0, 2, 3, 0), strict=True)
    ]
    fig = charts.cover(pd.DataFrame(rows), "ev", INFO)
    ax, right = fig.axes[:2]
    assert ax.get_ylabel() == "days of cover (days)"
    assert right.get_ylabel() == "stockpile release (t per day)"
    assert [line.get_label() for line in ax.lines] == ["cobalt, lithium", "rare earths"]
    bars = [p for p in right.patches if isinstance(p, Rectangle)]
    assert [b.get_height() for b in bars] == [0, 2, 3, 0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["cobalt, lithium", "rare earths", "released by jp_reserve"]


def test_cover_bands_draw_the_lowest_cover_band() -> None:
    info = charts.RunInfo("x", 1, 50, step_days=7)
    fig = charts.cover_bands(bands_frame(), "in_ev", info)
    ax = fig.axes[0]
    assert labels(ax) == ["P5-P95", "median", "P5 (worst 5%)"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [30.0, 10.0, 30.0])
    assert "lowest days of cover" in title_of(fig)


def shipments_by_hand() -> pd.DataFrame:
    """Into JP: 3 t from CN and 1 t from AU, then 1 t from each (shares 75/25, then 50/50)."""
    rows = []
    for date, cn, au in (("2025-01-01", 3.0, 1.0), ("2025-01-08", 1.0, 1.0)):
        for origin, tonnes in (("CN", cn), ("AU", au)):
            rows.append(
                {
                    "date": date,
                    "rep": 0,
                    "supplier_country": origin,
                    "buyer_country": "JP",
                    "mineral": "lithium",
                    "stage": "refined",
                    "shipped_t": tonnes,
                }
            )
        rows.append(
            {
                "date": date,
                "rep": 0,
                "supplier_country": "JP",
                "buyer_country": "JP",
                "mineral": "lithium",
                "stage": "component",
                "shipped_t": 4.0,
            }
        )
    return pd.DataFrame(rows)


def test_sourcing_over_time_stacks_shares_and_draws_the_hhi() -> None:
    fig = charts.sourcing_over_time(shipments_by_hand(), "JP", "lithium", INFO)
    ax, right = fig.axes[:2]
    assert "Japan's lithium supply at the refined stage" in title_of(fig)
    assert ax.get_ylabel() == "share of Japan's refined lithium supply (%)"
    assert right.get_ylabel() == "HHI of supplier countries (0-1)"
    np.testing.assert_allclose(right.lines[0].get_ydata(), [0.625, 0.5])
    assert labels(ax) == ["China", "Australia"]
    hatches = [c.get_hatch() for c in ax.collections]
    assert hatches == [charts.country_hatch("CN"), charts.country_hatch("AU")]


def test_import_stage_picks_the_stage_bought_most_from_abroad() -> None:
    assert charts.import_stage(shipments_by_hand(), "JP", "lithium") == "refined"


def test_sourcing_totals_split_each_bar_by_origin_with_its_hhi() -> None:
    flows = (
        shipments_by_hand()
        .assign(rep=0)
        .groupby(["rep", "supplier_country", "buyer_country", "mineral", "stage"], as_index=False)[
            "shipped_t"
        ]
        .sum()
    )
    fig = charts.sourcing_totals(flows, "JP", INFO)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "lithium (refined)",
        "lithium (component)",
    ]
    widths = sorted(p.get_width() for p in ax.patches if p.get_width() > 0)
    # refined: CN 4 t of 6, AU 2 t of 6; component: all from JP
    assert widths == pytest.approx([100 / 3, 200 / 3, 100.0])
    texts = [t.get_text() for t in ax.texts]
    assert texts[0] == "HHI 0.56   6 t" and texts[1] == "HHI 1.00   8 t"
    assert ax.get_xlabel() == "share of tonnes shipped to the country's nodes (%)"


def test_flow_diagram_places_kinds_in_columns_with_widths_proportional_to_tonnes() -> None:
    flows = pd.DataFrame(
        [
            {
                "rep": 0,
                "supplier": "mine",
                "buyer": "refinery",
                "supplier_country": "AU",
                "buyer_country": "CN",
                "mineral": "lithium",
                "stage": "ore",
                "shipped_t": 100.0,
            },
            {
                "rep": 0,
                "supplier": "refinery",
                "buyer": "plant",
                "supplier_country": "CN",
                "buyer_country": "JP",
                "mineral": "lithium",
                "stage": "refined",
                "shipped_t": 50.0,
            },
            {
                "rep": 0,
                "supplier": "plant",
                "buyer": "ev",
                "supplier_country": "JP",
                "buyer_country": "JP",
                "mineral": "lithium",
                "stage": "component",
                "shipped_t": 0.0,
            },
        ]
    )
    nodes = pd.DataFrame(
        [
            {"name": n, "kind": k, "country": c, "stage": ""}
            for n, k, c in (
                ("mine", "mine", "AU"),
                ("refinery", "refinery", "CN"),
                ("plant", "plant", "JP"),
                ("ev", "market", "JP"),
            )
        ]
    )
    fig = charts.flow_diagram(flows, nodes, "lithium", INFO)
    ax = fig.axes[0]
    where = {t.get_text(): t.get_position() for t in ax.texts}
    assert [where[n][0] for n in ("mine", "refinery", "plant", "ev")] == [0, 1, 2, 3]
    assert {"mines (ore)", "markets"} <= set(where)
    widths = sorted(p.get_linewidth() for p in ax.patches if isinstance(p, PathPatch))
    assert widths == pytest.approx([0.6, 7.0, 14.0])  # the empty link is a dotted hairline
    assert "Lithium network" in title_of(fig)


def test_shortfall_distribution_has_a_panel_per_market_that_fell_short() -> None:
    rows = [
        {
            "rep": r,
            "metric": "shortfall_units",
            "unit": "vehicle",
            "market": m,
            "country": c,
            "value": v,
        }
        for r in range(20)
        for m, c, v in (("in_ev", "IN", 100.0 + r), ("jp_ev", "JP", 0.0))
    ]
    fig = charts.shortfall_distribution(pd.DataFrame(rows), INFO)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_xlabel() == "cumulative shortfall (vehicles)"
    assert "in_ev" in ax.get_yticklabels()[0].get_text()
    assert "across 20 replications" in title_of(fig)
    points = ax.collections[0].get_offsets()[:, 0]
    np.testing.assert_allclose(sorted(points), 100.0 + np.arange(20))


def test_shortfall_distribution_says_so_when_no_market_fell_short() -> None:
    rows = [
        {
            "rep": r,
            "metric": "shortfall_units",
            "unit": "t",
            "market": "m",
            "country": "JP",
            "value": 0.0,
        }
        for r in range(5)
    ]
    fig = charts.shortfall_distribution(pd.DataFrame(rows), INFO)
    assert "No market fell short in any of 5 replications." in [
        t.get_text() for t in fig.axes[0].texts
    ]


def test_fill_rate_overview_colours_each_review_by_its_fill_rate(single: Path) -> None:
    results = load(single)
    fig = charts.fill_rate_overview(results.get("timeseries"), INFO)
    mesh = next(c for c in fig.axes[0].collections if isinstance(c, QuadMesh))
    values = np.asarray(mesh.get_array()).reshape(1, -1)[0]
    np.testing.assert_allclose(values[:17], 1.0)
    np.testing.assert_allclose(values[17:30], 0.0, atol=1e-9)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["ev (JP)"]


def test_palette_is_stable_and_names_countries() -> None:
    assert charts.country_colour("CN") != charts.country_colour("JP")
    assert charts.country_colour("ZZ") == charts.country_colour("ZZ")
    assert charts.country_hatch("QQ") in style.SPARE_HATCHES
    assert charts.country_name("IN") == "India"
    assert charts.country_name("XW") == "rest of world"
    assert charts.unit_label("vehicle") == "vehicles" and charts.unit_label("kg Ga") == "kg Ga"


def test_save_writes_png_at_print_resolution_and_svg(tmp_path: Path) -> None:
    fig = charts.shortfall_distribution(
        pd.DataFrame(
            [
                {
                    "rep": 0,
                    "metric": "shortfall_units",
                    "unit": "t",
                    "market": "m",
                    "country": "JP",
                    "value": 1.0,
                }
            ]
        ),
        INFO,
    )
    png, svg = charts.save(fig, tmp_path, "x")
    width, height = fig.get_size_inches()
    with Image.open(png) as image:
        assert image.size == (round(width * charts.DPI), round(height * charts.DPI))
    assert svg.read_text().lstrip().startswith("<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.png", "x.svg"]


def test_the_charts_of_a_single_run(single: Path) -> None:
    drawn = charts.draw_all(load(single))
    assert [c.name for c in drawn] == [
        "fill_rate_overview",
        "supply_demand_ev",
        "cover_ev",
        "sourcing_JP_lithium",
        "sourcing_totals_JP",
        "network_lithium",
    ]
    assert all(c.title and c.caption and c.group for c in drawn)


def test_charts_for_an_ensemble_saves_png_and_svg(
    ensemble: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(saving, "DPI", 40)  # print resolution is tested above; keep this fast
    paths = charts.charts_for(ensemble)
    assert [p.name for p in paths] == [
        f"{name}{suffix}"
        for name in ("fill_rate_overview", "supply_demand_ev", "cover_ev", "shortfall_distribution")
        for suffix in (".png", ".svg")
    ]
    assert sorted(paths) == sorted((ensemble / "charts").iterdir())
    assert not [p for p in ensemble.iterdir() if p.name.startswith(".")]
    drawn = charts.draw_all(load(ensemble))
    assert "across 12 replications" in drawn[1].title


def test_shock_windows_come_from_events_or_fixed_dates(single: Path, ensemble: Path) -> None:
    for folder in (single, ensemble):
        windows = shock_windows(load(folder))
        assert windows.to_dict("records") == [
            {
                "shock": "ban",
                "start": pd.Timestamp("2025-01-06"),
                "end": pd.Timestamp("2025-01-31"),
                "drawn": False,
                "probability": 1.0,
            }
        ]


def test_a_drawn_shock_window_is_its_median_not_the_rest_of_the_horizon() -> None:
    """A 60-270 day ban (triangular, mode 90) of an 18-month ensemble is shaded over its median
    window (median start + median duration), and the legend says the window is a median."""
    from matplotlib.figure import Figure

    from sim.output.charts.style import shade
    from sim.output.folder import Results

    ban = {
        "name": "ban",
        "type": "export_ban",
        "start": {"dist": "uniform", "low": 20, "high": 40},
        "duration_days": {"dist": "triangular", "low": 60, "mode": 90, "high": 270},
    }
    scenario = {"start": "2025-01-01", "horizon_days": 540, "shocks": [ban]}
    results = Results(Path("."), {"horizon_days": 540}, scenario, {"summary": pd.DataFrame()})
    (window,) = shock_windows(results).to_dict("records")
    median_duration = 270 - ((270 - 60) * (270 - 90) / 2) ** 0.5  # triangular median, mode < mid
    assert window["drawn"]
    assert abs((window["start"] - pd.Timestamp("2025-01-31")).days) <= 1
    assert abs((window["end"] - window["start"]).days - median_duration) <= 3
    ax = Figure().subplots()
    shade(ax, shock_windows(results))
    (label,) = ax.get_legend_handles_labels()[1]
    assert label == "shock: ban (median window; dates drawn per replication)"


def test_only_the_chart_module_imports_matplotlib() -> None:
    code = (
        "import sys, sim.cli, sim.output.store, sim.analysis.ensemble; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
        "import sim.output.charts; assert 'matplotlib.pyplot' not in sys.modules, 'pyplot'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_charts_and_the_report_read_results_without_the_engine() -> None:
    """Layers: the pictures and the report read the results folder through sim.output.folder
    (no engine, no analysis); the folder reader, focus, labels and the store draw nothing."""
    readers = (
        "import sys, sim.output.folder, sim.output.focus, sim.output.labels, sim.output.store; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
        "import sim.output.charts, sim.output.report; "
        "layers = ('sim.engine', 'sim.analysis', 'sim.output.writers'); "
        "loaded = [m for m in sys.modules if m.startswith(layers)]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", readers], check=True, cwd=ROOT)


def test_results_know_their_kind(single: Path, ensemble: Path, compared: Path) -> None:
    assert load(single).kind == "single"
    assert load(ensemble).kind == "ensemble"
    assert load(compared).kind == "comparison"


def test_draw_all_walks_the_catalogue_subject_by_subject(
    single: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Consecutive rows with the same subjects are drawn subject by subject; rows of another
    kind, and rows whose drawing function finds nothing to draw, are left out."""

    def figure(_: object, subject: tuple[str, ...]) -> Figure | None:
        return None if subject == ("b",) else Figure()

    def three(_: object) -> list[tuple[str, ...]]:
        return [("a",), ("b",), ("c",)]

    rows = (
        catalogue.Entry("first", ("single",), "overview", "once", figure),
        catalogue.Entry("x_{}", ("single",), "markets", "x", figure, three),
        catalogue.Entry("y_{}", ("single",), "markets", "y", figure, three),
        catalogue.Entry("elsewhere", ("ensemble",), "risk", "not here", figure),
        catalogue.Entry("last", ("single", "comparison"), "network", "last", figure),
    )
    monkeypatch.setattr(catalogue, "CATALOGUE", rows)
    drawn = charts.draw_all(load(single))
    assert [c.name for c in drawn] == ["first", "x_a", "y_a", "x_c", "y_c", "last"]
    assert [c.caption for c in drawn][:2] == ["once", "x"]


def test_a_policy_comparison_gets_policy_charts(compared: Path) -> None:
    results = load(compared)
    assert results.policies == ["baseline", "pile", "thrift"]
    drawn = charts.draw_all(results)
    assert [c.name for c in drawn] == [
        "fill_rate_overview",
        "policy_costs",
        "policy_effects",
        "supply_demand_ev",
        "cover_ev",
        "shortfall_distribution",
    ]
    assert "(baseline)" in drawn[0].title


def test_policy_styles_tell_policies_apart_in_grey() -> None:
    styles = charts.policy_styles(["baseline", "a", "b"])
    assert styles["baseline"]["color"] == "black" and styles["baseline"]["linestyle"] == "-"
    assert len({str(s["linestyle"]) for s in styles.values()}) == 3
    assert len({s["marker"] for s in styles.values()}) == 3


def test_supply_demand_policies_draw_each_policy(compared: Path) -> None:
    results = load(compared)
    fig = charts.supply_demand_policies(
        results.get("bands"), "ev", results.info, unit="vehicle", policies=results.policies
    )
    top, bottom = fig.axes[:2]
    assert labels(top)[:4] == ["baseline", "demand", "pile", "thrift"]
    assert labels(bottom) == ["baseline", "pile", "thrift"]
    assert "under each policy, vehicles per day (the median across 3 replications)" in (
        title_of(fig)
    )
    base = next(line for line in bottom.lines if line.get_label() == "baseline")
    assert base.get_color() == "black"
    assert max(base.get_ydata()) == pytest.approx(100.0)  # 100 vehicles a day short


def test_policy_lines_keep_their_markers_apart_where_they_overlap(compared: Path) -> None:
    """In grey print lines of policies that run on top of each other (a policy that changes
    nothing in a market) look alike; each policy's markers sit at other points along the
    line than the others', with a dark edge, on every policy line chart (issue 16)."""
    results = load(compared)
    bands = results.get("bands")
    drawn = [
        charts.supply_demand_policies(
            bands, "ev", results.info, unit="vehicle", policies=results.policies
        ),
        charts.cover_policies(bands, "ev", results.info, policies=results.policies),
    ]
    for fig in drawn:
        for ax in fig.axes:
            lines = [line for line in ax.lines if line.get_label() in results.policies]
            if len(lines) < 2:
                continue
            starts = [line.get_markevery()[0] for line in lines if line.get_marker()]
            assert len(starts) == len(set(starts)), starts
            assert {line.get_markeredgecolor() for line in lines if line.get_marker()} == {"0.1"}


def test_policy_effects_plot_the_paired_differences(compared: Path) -> None:
    results = load(compared)
    table = results.get("comparison")
    fig = charts.policy_effects(table, results.info, markets=["ev"], policies=results.policies)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["pile", "thrift"]
    rows = table[(table["metric"] == "shortfall_units") & (table["market"] == "ev")]
    expected = rows.set_index("policy")["delta"]
    points = [
        line.get_xdata()[0]
        for line in ax.lines
        if len(line.get_xdata()) == 1 and line.get_marker() not in (None, "None", "", "|")
    ]
    assert points == pytest.approx([expected["pile"], expected["thrift"]])
    assert expected["pile"] < 0  # the reserve avoids shortfall
    assert "negative = less shortfall" in ax.get_xlabel()


def test_policy_costs_place_each_policy_by_cost_and_effect(compared: Path) -> None:
    results = load(compared)
    ranking = results.get("ranking")
    fig = charts.policy_costs(ranking, results.info, policies=results.policies)
    ax = fig.axes[0]
    got = {
        c.get_label().split(": ")[0].split(" ", 1)[1]: c.get_offsets()[0] for c in ax.collections
    }
    for row in ranking.to_dict("records"):
        point = [float(v) for v in got[row["policy"]]]
        assert point == pytest.approx([row["shortfall_avoided_t"], row["cost_usd"] / 1e6])
    assert ax.get_ylabel() == "cost (million USD)"


def test_charts_render_the_same_bytes_in_worker_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    figures = []
    for k in range(3):
        fig = Figure()
        fig.add_subplot().plot([0, 1, 2], [k, 1, 0], label=f"line {k}")
        figures.append(fig)
    monkeypatch.setenv("SIM_CHART_WORKERS", "1")
    alone = saving.render_all(figures)
    monkeypatch.setenv("SIM_CHART_WORKERS", "2")
    assert saving.chart_workers(6) == (
        2 if "fork" in multiprocessing.get_all_start_methods() else 1
    )
    assert saving.render_all(figures) == alone
    assert len(alone) == 6 and alone[0].startswith(b"\x89PNG") and b"<svg" in alone[1]
