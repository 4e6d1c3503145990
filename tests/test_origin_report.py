"""What the user sees of embodied origin: the report's 'Embodied origin' section
(sim/output/report/origin.py, origin_flows.py), the aggregates it reads (sim/output/origin.py)
and the charts (sim/output/charts/origin.py), from results folders written by real runs.

The network is tests/test_origin.py's two-mine chain: AU and CN mines -> MY refinery -> JP plant
-> JP EV market, the refinery buying 25% of its ore from AU and 75% from CN, so that the
market's lithium starts 75% CN-mined, 100% MY-refined and 100% JP-made. A CN export ban on ore
from day 56 to day 112 drains CN-mined material out of the mix; a content rule over the same
days makes the MY refinery's shipments to Japan (a re-export of CN-mined lithium) need a
licence while its stock is at least 50% CN-mined. Horizon 168 days in 28-day buckets: buckets
0-1 are before the controls, 2-3 during them, 4-5 after them (by their midpoints)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.container import BarContainer

from sim.analysis import compare
from sim.analysis import ensemble as montecarlo
from sim.engine import simulate as engine
from sim.output import charts, writers
from sim.output.charts.origin import origin_flows, origin_shares
from sim.output.folder import Results, load
from sim.output.origin import in_period, mass_weighted, periods, shock_window, tag_share
from sim.output.report import document
from sim.output.report.document import Block, Table
from sim.output.report.formats import share
from sim.output.report.origin import origin_blocks
from sim.scenario import loader
from tests.conftest import chain
from tests.test_origin import two_mines

BAN = {
    "type": "export_ban",
    "name": "ore ban",
    "country": "CN",
    "mineral": "lithium",
    "stage": "ore",
    "start": 56,
    "end": 112,
}
RULE = {
    "type": "content_licensing",
    "name": "CN content rule",
    "origin_country": "CN",
    "origin_stages": ["ore"],
    "minerals": ["lithium"],
    "stages": ["refined"],
    "threshold": 0.5,
    "approval_rate": 0.5,
    "start": 56,
    "end": 112,
}
ELIGIBLE = {
    "name": "low_cn",
    "markets": {"nodes": ["ev"]},
    "origin_country": "CN",
    "origin_stages": ["ore"],
    "max_share": 0.7,
}


def controlled(bucket_days: int = 28, **shock: Any) -> dict[str, Any]:
    """The two-mine chain with the ore ban and the content rule (and `shock` changes to the
    ban), 168 days, origin in `bucket_days`-day buckets, one eligibility rule."""
    data = two_mines(0.25)
    data["horizon_days"] = 168
    data["shocks"] = [{**BAN, **shock}, RULE]
    data["origin"] = {"track": True, "bucket_days": bucket_days, "eligibility": [ELIGIBLE]}
    return data


@pytest.fixture(autouse=True)
def no_pyplot_figures() -> Iterator[None]:
    yield
    leaked = plt.get_fignums()
    plt.close("all")
    assert leaked == []


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Results:
    result = engine.run(loader.from_dict(controlled()))
    return load(writers.write_results(result, tmp_path_factory.mktemp("single")))


@pytest.fixture(scope="module")
def banded(tmp_path_factory: pytest.TempPathFactory) -> Results:
    """Four replications with a ban of random severity, in 56-day buckets: the controls'
    window (days 56-112) is exactly bucket 1."""
    data = controlled(56, severity={"dist": "uniform", "low": 0.2, "high": 1.0})
    result = montecarlo.run_ensemble(loader.from_dict(data), 4, workers=1)
    return load(writers.write_ensemble(result, tmp_path_factory.mktemp("banded")))


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Results:
    """The controls with one policy: the refinery caps CN at 25% of its ore orders (the rest
    to the AU mine) from day 0, so that less CN-mined lithium reaches Japan."""
    data = controlled()
    lever = {
        "type": "diversify",
        "buyers": {"nodes": ["refinery"]},
        "mineral": "lithium",
        "from_country": "CN",
        "max_share": 0.25,
        "alternatives": ["au_mine"],
    }
    data["policies"] = [{"name": "less_cn", "levers": [lever]}]
    result = compare.compare_policies(loader.from_dict(data), 1, workers=1, progress=False)
    return load(writers.write_comparison(result, tmp_path_factory.mktemp("compared")))


def tables(blocks: list[Block]) -> dict[str, Table]:
    """The section's tables by the heading above each."""
    found, heading = {}, ""
    for block in blocks:
        if block.kind in ("h2", "h3"):
            heading = block.text
        elif block.kind == "table" and block.table is not None:
            found[heading] = block.table
    return found


def table_starting(blocks: list[Block], start: str) -> Table:
    (table,) = [t for h, t in tables(blocks).items() if h.startswith(start)]
    return table


def hand_share(origin: pd.DataFrame, stage: str, first: float, end: float) -> float:
    """The CN share at `stage` of what the market put in use over buckets whose midpoint lies
    in [first, end), weighted by the tonnes of each bucket, computed plainly."""
    rows = origin[(origin["origin_stage"] == stage) & (origin["origin_country"] == "CN")]
    mid = rows["day"] + rows["days"] / 2
    rows = rows[(mid >= first) & (mid < end)]
    return float((rows["share"] * rows["delivered_t"]).sum() / rows["delivered_t"].sum())


# --- the aggregates ----------------------------------------------------------------------------


def test_a_mass_weighted_share_counts_an_origin_absent_from_a_market_as_zero() -> None:
    """Market a put 10 t in use in bucket 0 (all CN-mined) and 30 t in bucket 1 (half); market
    b put 40 t in use in bucket 0 and was never reached by CN material (no row for it). Over a:
    (10 x 1 + 30 x 0.5) / 40 = 0.625; over the country: 25 / 80 = 0.3125."""
    rows = [
        (0, 0, 28, "a", "ore", "CN", 1.0, 10.0),
        (1, 28, 28, "a", "ore", "CN", 0.5, 30.0),
        (1, 28, 28, "a", "ore", "AU", 0.5, 30.0),
        (0, 0, 28, "b", "ore", "AU", 1.0, 40.0),
        (1, 28, 28, "b", "ore", "AU", np.nan, 0.0),
    ]
    columns = ["bucket", "day", "days", "market", "origin_stage", "origin_country"]
    frame = pd.DataFrame(rows, columns=[*columns, "share", "delivered_t"]).assign(
        country="JP", mineral="lithium"
    )
    per_market = tag_share(
        mass_weighted(frame, ["market", "mineral"]), ["market", "mineral"], "CN", "ore"
    )
    assert per_market[("a", "lithium")] == pytest.approx(0.625)
    assert per_market[("b", "lithium")] == 0.0
    country = tag_share(
        mass_weighted(frame, ["country", "mineral"]), ["country", "mineral"], "CN", "ore"
    )
    assert country[("JP", "lithium")] == pytest.approx(25 / 80)
    # a bucket belongs to the period holding its midpoint (bucket 1: days 28-56, midpoint 42)
    assert set(in_period(frame, 30, 50)["bucket"]) == {1}
    assert set(in_period(frame, 0, 20)["bucket"]) == {0}


def test_the_window_is_the_content_rules_else_the_controls_else_every_shock() -> None:
    """A content rule (30-80) alone sets the window when there is one; without it an export
    ban (10-50) does, not a capacity loss (0-150), since the scenario has controls. Without
    controls, every shock counts; without shocks, one period: the whole run."""
    shocks = [
        {"type": "capacity_loss", "name": "outage", "start": 0, "end": 150},
        {"type": "export_ban", "name": "ban", "start": 10, "end": 50},
        {"type": "content_licensing", "name": "rule", "start": 30, "end": 80},
    ]
    scenario = {"start": "2025-01-01", "horizon_days": 200, "shocks": shocks}
    window = shock_window(Results(Path("."), {}, scenario))
    assert window is not None and (window.start, window.end, window.controls) == (30, 80, True)
    assert periods(window, 200) == [("before", 0, 30), ("during", 30, 80), ("after", 80, 200)]
    ban = shock_window(Results(Path("."), {}, {**scenario, "shocks": shocks[:2]}))
    assert ban is not None and (ban.start, ban.end, ban.controls) == (10, 50, True)
    alone = shock_window(Results(Path("."), {}, {**scenario, "shocks": shocks[:1]}))
    assert alone is not None and (alone.start, alone.end, alone.controls) == (0, 150, False)
    assert periods(alone, 200) == [("during", 0, 150), ("after", 150, 200)]
    none = shock_window(Results(Path("."), {}, {**scenario, "shocks": []}))
    assert none is None and periods(none, 200) == [("whole run", 0, 200)]


# --- the section -----------------------------------------------------------------------------


def test_window_shares_are_mass_weighted_means_of_the_buckets(single: Results) -> None:
    """Before the controls the market's lithium is exactly the steady state's 75% CN-mined;
    during and after them, the bucket shares of origin.csv weighted by the tonnes put in use
    (hand-computed here), lower as AU ore replaces CN ore."""
    origin = single.get("origin")
    assert origin is not None
    before = hand_share(origin, "ore", 0, 56)
    during = hand_share(origin, "ore", 56, 112)
    after = hand_share(origin, "ore", 112, 168)
    assert before == pytest.approx(0.75, abs=1e-9)
    assert during < 0.74 and after < during
    table = table_starting(origin_blocks(single), "Origin inside each country's products")
    assert table.columns == [
        "country", "market", "mineral",
        "mined before", "mined during", "mined after",
        "refined before", "refined during", "refined after",
        "made before", "made during", "made after",
    ]  # fmt: skip
    (row,) = table.rows
    assert row[:3] == ["Japan", "ev", "lithium"]
    assert row[3:6] == [share(before), share(during), share(after)]
    assert row[6:] == ["0.0%"] * 6  # refined in MY, made in JP
    assert (
        "During: from 26 Feb 2025, when the control starts, to 23 Apr 2025, when it ends; "
        "before and after: the rest of the run." in table.note
    )


def test_the_key_sentence_is_built_from_the_shares(single: Results) -> None:
    origin = single.get("origin")
    assert origin is not None
    values = [share(hand_share(origin, "ore", a, b)) for a, b in ((0, 56), (56, 112), (112, 168))]
    blocks = origin_blocks(single)
    assert blocks[0].text == "Embodied origin"
    assert blocks[1].text == (
        f"Of the lithium that Japan's ev market (ev) put in use, {values[0]} was mined in China "
        f"before the controls; {values[1]} during them; {values[2]} after them."
    )


def test_the_re_export_table_lists_third_country_flows_and_their_licences(
    single: Results,
) -> None:
    """One flow passes on CN-mined lithium across a border: the MY refinery's refined lithium
    to the JP plant; it needed a licence in part of the reviews (days 56-112 while its stock
    was at least half CN-mined), and the title names the rule."""
    flows = single.get("origin_flows")
    assert flows is not None
    row = flows[flows["re_export"] & (flows["origin_country"] == "CN")].iloc[0]
    assert 0 < row["licensed_share"] <= 56 / 168 + 1e-9
    blocks = origin_blocks(single)
    heading = [b.text for b in blocks if b.text.startswith("Re-exports")]
    assert heading == [
        "Re-exports: material from China that third countries ship on; a flow with reviews "
        "under licence needed a licence under 'CN content rule'"
    ]
    table = table_starting(blocks, "Re-exports")
    assert table.rows == [
        [
            "refinery (Malaysia) -> plant (Japan)",
            "lithium",
            "refined",
            "mined in China",
            f"{row['shipped_t']:,.0f}",
            f"{row['origin_t']:,.0f}",
            share(row["share"]),
            share(row["licensed_share"]),
            f"{row['licensed_t']:,.3g}" if row["licensed_t"] < 100 else f"{row['licensed_t']:,.0f}",
        ]
    ]
    assert "All 1 such flows" in table.note


def test_the_eligibility_table_gives_the_share_of_units_counted(single: Results) -> None:
    metrics = single.get("metrics")
    assert metrics is not None
    value = float(metrics.loc[metrics["metric"] == "eligible_share", "value"].iloc[0])
    assert 0 < value < 1  # eligible once CN-mined content falls to 70%
    table = table_starting(origin_blocks(single), "Units that count")
    assert table.rows == [
        ["low_cn", "at most 70.0% of each mineral it holds was mined in China", "ev (Japan)",
         share(value)]
    ]  # fmt: skip
    assert table.numeric == {3}


def test_an_ensemble_shows_p5_to_p95_when_the_period_is_one_bucket(banded: Results) -> None:
    origin = banded.get("origin")
    assert origin is not None
    cn = origin[(origin["origin_stage"] == "ore") & (origin["origin_country"] == "CN")]
    bucket = cn[cn["bucket"] == 1].iloc[0]
    assert bucket["p95"] - bucket["p5"] > 0.01  # the replications differ
    table = table_starting(origin_blocks(banded), "Origin inside")
    during = table.columns.index("mined during")
    expected = f"{share(bucket['share'])} ({share(bucket['p5'])} to {share(bucket['p95'])})"
    assert table.rows[0][during] == expected
    assert "P5 to P95 across replications of the one bucket" in table.note


def test_a_comparison_shows_what_each_policy_changes(compared: Results) -> None:
    """The policy's row gives the baseline's and its own CN-mined share during the controls,
    each computed by hand from its rows of origin.csv."""
    origin = compared.get("origin")
    assert origin is not None
    base = hand_share(origin[origin["policy"] == "baseline"], "ore", 56, 112)
    policy = hand_share(origin[origin["policy"] == "less_cn"], "ore", 56, 112)
    assert policy < base - 0.1
    table = table_starting(origin_blocks(compared), "Origin during the shocks under each policy")
    assert table.rows[0] == [
        "less_cn",
        "ev",
        "lithium",
        "mined in China",
        share(base),
        share(policy),
        f"{(policy - base) * 100:+.1f}",
    ]


def test_there_is_no_origin_section_or_chart_without_origin_tracking(tmp_path: Path) -> None:
    data = chain(horizon_days=20)
    results = load(writers.write_results(engine.run(loader.from_dict(data)), tmp_path))
    assert results.get("origin") is None
    assert origin_blocks(results) == []
    drawn = charts.draw_all(results)
    assert not [c for c in drawn if c.group == "origin"]
    _, blocks = document(results, drawn)
    assert "Embodied origin" not in [b.text for b in blocks]


# --- the charts ------------------------------------------------------------------------------


def test_the_origin_charts_are_drawn_for_each_kind_of_results(
    single: Results, banded: Results, compared: Results
) -> None:
    for results in (single, banded, compared):
        drawn = [c for c in charts.draw_all(results) if c.group == "origin"]
        assert [c.name for c in drawn] == ["origin_shares_JP", "origin_flows_JP"]
        assert all(c.caption for c in drawn)
        assert "Embodied origin" in [b.text for b in document(results, drawn)[1]]


def test_the_shares_chart_draws_each_stage_over_time(single: Results) -> None:
    """The mined-in-China line holds each bucket's share (%) from its start to its end, the
    marker a quarter of the way; refined and made are 0 throughout."""
    origin = single.get("origin")
    assert origin is not None
    fig = origin_shares(origin, "JP", ["CN"], single.info)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"mined in China", "refined in China", "made in China"}
    cn = origin[(origin["origin_stage"] == "ore") & (origin["origin_country"] == "CN")]
    ys = np.asarray(lines["mined in China"].get_ydata(), dtype=float)
    np.testing.assert_allclose(ys[1::3], cn.sort_values("bucket")["share"] * 100, rtol=1e-9)
    assert np.all(np.asarray(lines["made in China"].get_ydata()) == 0)
    assert ax.get_title(loc="left") == "lithium: ev"
    assert "seed" in " ".join(t.get_text() for t in fig.texts)
    assert not [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_label()
                and "P5" in str(c.get_label())]  # fmt: skip
    plt.close(fig)


def test_an_ensemble_shares_chart_has_a_band(banded: Results) -> None:
    origin = banded.get("origin")
    assert origin is not None
    fig = origin_shares(origin, "JP", ["CN"], banded.info)
    fills = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert fills  # P5-P95 of the mined share (the other stages never leave 0)
    assert "shaded: P5 to P95" in fig.get_suptitle().replace("\n", " ")


def test_the_flows_chart_splits_each_stage_by_country(single: Results) -> None:
    """Whole run: mined in AU and CN (CN first), refined 100% in MY, made 100% in JP."""
    origin = single.get("origin")
    assert origin is not None
    fig = origin_flows(origin, "JP", single.info, first=["CN"])
    ax = fig.axes[0]
    bars = {
        str(bar.get_label()): [p.get_width() for p in bar.patches if p.get_width() > 0]
        for bar in ax.containers
        if isinstance(bar, BarContainer)
    }
    rows = origin[origin["origin_stage"] == "ore"]
    cn = rows[rows["origin_country"] == "CN"]
    whole = float((cn["share"] * cn["delivered_t"]).sum() / cn["delivered_t"].sum())
    assert bars["China"] == [pytest.approx(whole * 100)]
    assert bars["Australia"] == [pytest.approx((1 - whole) * 100)]
    assert bars["Malaysia"] == [pytest.approx(100.0)] and bars["Japan"] == [pytest.approx(100.0)]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["lithium: mined in", "lithium: refined in", "lithium: made in"]
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert legend == ["China", "Japan", "Malaysia", "Australia"]  # no 'other countries' here
    plt.close(fig)
