"""Backtest of 2010: China's share of Japan's rare-earth imports, simulated vs recorded.

Runs scenarios/backtest_2010_ree.yaml (China's 2010 quota cut and the 21 Sep - 20 Nov 2010 halt
of shipments to Japan, Lynas from 2013, Japan's demand path, on the 2009 network
sim/data/japan_ree_2009.yaml), takes every shipment into a Japanese node from abroad, dates it
on arrival (Japan's customs statistics count arrivals), and computes per calendar year the share
of those tonnes that came from China. It compares 2010-2014 with the recorded path in the
reference dataset (shared/reference/minerals-reference.csv, metric China_share_of_RE_imports,
Japan MoF data; section 4 of minerals-reference.md) and writes

    results/backtest_2010/backtest.csv   year, simulated_pct, recorded_pct, error_pp
    results/backtest_2010/backtest.png   chart (and .svg)

into a temporary folder that is renamed into place when complete. It prints the table.

    .venv/bin/python tools/backtest_2010.py [--sensitivity]

`--sensitivity` also reruns the backtest with one assumption changed at a time and prints the
errors (the table in docs/data-sources.md, section 11).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.layout_engine import ConstrainedLayoutEngine

from sim.engine import simulate as engine
from sim.output.store import write_atomically
from sim.scenario import loader as scenario
from sim.scenario import yamlio
from sim.scenario.network import transit_periods

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "backtest_2010_ree.yaml"
REFERENCE = ROOT.parent / "shared" / "reference" / "minerals-reference.csv"
RESULTS = ROOT / "results"
FOLDER = "backtest_2010"
IMPORTER = "JP"
CHINA = "CN"
YEARS = range(2010, 2015)
BASE_YEAR = 2009
TARGET_PP = 10.0

# Recorded totals of Japan's imports (t), only for the chart's lower panel; the scenario's
# demand shocks take the same figures (sources in the scenario file).
RECORDED_TOTALS = {2009: 18_300, 2010: 28_564, 2011: 22_524, 2012: 12_198, 2014: 22_307}
RECORDED_MALAYSIA_2014 = 1_218  # t from Malaysia (Lynas) in 2014, MoF via kksoukan, reference §4.1
EVENTS = (  # (label, start, end) drawn on the chart
    ("halt", dt.date(2010, 9, 21), dt.date(2010, 11, 21)),
    ("Lynas first product", dt.date(2013, 2, 27), None),
)


# -- simulation -----------------------------------------------------------------------------------


def run(path: Path = SCENARIO) -> engine.RunResult:
    return engine.run(scenario.load(path))


def imports_by_origin(result: engine.RunResult) -> pd.DataFrame:
    """Tonnes arriving in Japanese nodes from abroad, per calendar year (rows) and supplier
    country (columns). A shipment sent at review p arrives at review p + its transit periods
    (the engine's rule); it is dated on that review."""
    loaded = result.scenario
    net, spec = loaded.network, loaded.spec
    shipped = result.recorder.shipped[:, :, 0]
    periods = shipped.shape[0]
    rows: dict[tuple[int, str], float] = {}
    for link in net.links:
        origin = net.nodes[link.supplier].country
        if net.nodes[link.buyer].country != IMPORTER or origin == IMPORTER:
            continue
        lag = transit_periods(link.transit_days, spec.step_days)
        for period in range(periods):
            year = (spec.start + dt.timedelta(days=(period + lag) * spec.step_days)).year
            rows[(year, origin)] = rows.get((year, origin), 0.0) + float(
                shipped[period, link.index]
            )
    frame = pd.Series(rows).unstack(fill_value=0.0).sort_index()
    frame.index.name, frame.columns.name = "year", "origin"
    return frame


def china_share_pct(imports: pd.DataFrame) -> pd.Series:
    """Share of each year's imports that came from China, %."""
    china = imports.get(CHINA, 0.0)
    return (100.0 * china / imports.sum(axis=1)).rename("simulated_pct")


# -- the record -----------------------------------------------------------------------------------


def recorded_share_pct(path: Path = REFERENCE) -> dict[int, float]:
    """China's share of Japan's rare-earth imports by year, %, from the reference CSV."""
    if not path.is_file():
        raise FileNotFoundError(f"reference data not found: {path} (pass --reference)")
    table = pd.read_csv(path, dtype=str)
    rows = table[
        (table["category"] == "japan_imports")
        & (table["metric"] == "China_share_of_RE_imports")
        & (table["region"] == "Japan")
    ]
    found = {}
    for year, value in zip(rows["year"], rows["value"], strict=True):
        if str(year).isdigit():
            found[int(year)] = float(value)
    return found


def compare(simulated: pd.Series, recorded: dict[int, float], years: range = YEARS) -> pd.DataFrame:
    """One row per year: simulated %, recorded % (NaN where none), error in percentage points."""
    table = pd.DataFrame({"year": list(years)})
    table["simulated_pct"] = [float(simulated.get(y, np.nan)) for y in years]
    table["recorded_pct"] = [recorded.get(y, np.nan) for y in years]
    table["error_pp"] = table["simulated_pct"] - table["recorded_pct"]
    return table


def backtest(
    path: Path = SCENARIO, reference: Path = REFERENCE
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, float]]:
    """Run the scenario; return (comparison table, imports by origin, recorded shares)."""
    imports = imports_by_origin(run(path))
    recorded = recorded_share_pct(reference)
    return compare(china_share_pct(imports), recorded), imports, recorded


# -- output ---------------------------------------------------------------------------------------


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for column in ("simulated_pct", "recorded_pct", "error_pp"):
        out[column] = out[column].round(1)
    return out


def text_table(table: pd.DataFrame) -> str:
    lines = ["year  simulated %  recorded %  error pp  within 10 pp"]
    for row in table.itertuples(index=False):
        if np.isnan(row.recorded_pct):
            lines.append(f"{row.year}  {row.simulated_pct:11.1f}  {'-':>10}  {'-':>8}  no record")
        else:
            ok = "yes" if abs(row.error_pp) <= TARGET_PP else "NO"
            lines.append(
                f"{row.year}  {row.simulated_pct:11.1f}  {row.recorded_pct:10.1f}  "
                f"{row.error_pp:+8.1f}  {ok}"
            )
    return "\n".join(lines)


def _x(day: dt.date) -> float:
    """Position on the chart's year axis (year Y spans Y .. Y+1; annual values sit at Y+0.5)."""
    start = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def chart(table: pd.DataFrame, imports: pd.DataFrame, recorded: dict[int, float]) -> plt.Figure:
    """Two panels, grey-scale: China's share (simulated line vs recorded points with the
    +/-10 pp target) and simulated imports by origin with the recorded totals."""
    years = [y for y in imports.index if BASE_YEAR <= y <= max(YEARS)]
    share = china_share_pct(imports)
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(9.0, 8.2), sharex=True, height_ratios=(3, 2), layout="constrained"
    )
    fig.suptitle(
        "China's share of Japan's rare-earth imports, 2009-2014: simulated backtest vs recorded",
        fontsize=12,
        fontweight="bold",
    )
    for _label, begin, end in EVENTS:
        if end is not None:
            for ax in (top, bottom):
                ax.axvspan(_x(begin), _x(end), color="0.85", zorder=0)
            top.text(
                _x(end) + 0.03,
                97,
                "China's halt\nto Japan\n21 Sep-20 Nov 2010",
                fontsize=8,
                ha="left",
                va="top",
                color="0.25",
            )
        else:
            for ax in (top, bottom):
                ax.axvline(_x(begin), color="0.45", linestyle=(0, (4, 3)), linewidth=1)
            top.text(
                _x(begin) + 0.03,
                97,
                "Lynas (Malaysia)\nfirst product\n27 Feb 2013",
                fontsize=8,
                ha="left",
                va="top",
                color="0.25",
            )
    xs = [y + 0.5 for y in years]
    top.plot(
        xs, [share[y] for y in years], color="black", marker="o", linewidth=2, label="simulated"
    )
    rec_years = [y for y in sorted(recorded) if BASE_YEAR <= y <= max(YEARS)]
    top.errorbar(
        [y + 0.5 for y in rec_years],
        [recorded[y] for y in rec_years],
        yerr=TARGET_PP,
        fmt="s",
        color="0.35",
        markerfacecolor="white",
        markersize=8,
        markeredgewidth=1.5,
        capsize=5,
        elinewidth=1,
        label=f"recorded (Japan MoF), bar = target ±{TARGET_PP:g} pp",
    )
    for row in table.itertuples(index=False):
        if not np.isnan(row.error_pp):
            top.annotate(
                f"{row.error_pp:+.1f} pp",
                (row.year + 0.5, row.simulated_pct),
                textcoords="offset points",
                xytext=(8, 6),
                fontsize=8,
            )
    top.annotate(
        "base year\n(calibrated)",
        (BASE_YEAR + 0.5, share[BASE_YEAR]),
        textcoords="offset points",
        xytext=(-10, -34),
        fontsize=8,
        ha="center",
        color="0.3",
    )
    if 2013 in share.index and 2013 not in recorded:
        top.annotate(
            "no record",
            (2013.5, share[2013]),
            textcoords="offset points",
            xytext=(0, -22),
            fontsize=8,
            ha="center",
            color="0.3",
        )
    top.set_ylim(40, 100)
    top.set_ylabel("share from China (% of tonnes imported)")
    top.grid(axis="y", color="0.9")
    top.legend(loc="lower left", fontsize=8, frameon=False)

    groups = [
        ("China", [CHINA], "0.25", None),
        (
            "other non-Chinese (FR, EE, VN, KR, US, ...)",
            [c for c in imports.columns if c not in (CHINA, "MY")],
            "0.7",
            None,
        ),
        ("Malaysia (Lynas)", ["MY"], "white", "///"),
    ]
    bottom_edge = np.zeros(len(years))
    for label, cols, colour, hatch in groups:
        values = (
            np.array([imports.loc[y, [c for c in cols if c in imports]].sum() for y in years])
            / 1000.0
        )
        bottom.bar(
            xs,
            values,
            width=0.6,
            bottom=bottom_edge,
            color=colour,
            hatch=hatch,
            edgecolor="black",
            linewidth=0.6,
            label=f"simulated: {label}",
        )
        bottom_edge += values
    tot_years = [y for y in sorted(RECORDED_TOTALS) if y in years]
    bottom.plot(
        [y + 0.5 for y in tot_years],
        [RECORDED_TOTALS[y] / 1000 for y in tot_years],
        linestyle="none",
        marker="D",
        color="black",
        markerfacecolor="white",
        label="recorded or derived total (scenario demand input)",
    )
    if "MY" in imports.columns and max(YEARS) in imports.index:
        top_2014 = float(imports.loc[max(YEARS)].sum()) / 1000.0
        bottom.annotate(
            f"from Malaysia: simulated {imports.loc[max(YEARS), 'MY'] / 1000:.1f} kt,"
            f"\nrecorded {RECORDED_MALAYSIA_2014 / 1000:.1f} kt",
            (max(YEARS) + 0.5, top_2014),
            textcoords="offset points",
            xytext=(-4, 16),
            fontsize=7.5,
            ha="right",
            color="0.2",
        )
    bottom.set_ylabel("imports (kt per year)")
    bottom.set_xlabel("year")
    bottom.set_xticks(xs, [str(y) for y in years])
    bottom.set_xticks(range(BASE_YEAR, max(YEARS) + 2), minor=True)
    bottom.tick_params(axis="x", which="major", length=0)
    bottom.tick_params(axis="x", which="minor", length=6)
    bottom.set_xlim(BASE_YEAR, max(YEARS) + 1)
    bottom.set_ylim(0, 36)
    bottom.grid(axis="y", color="0.9")
    bottom.legend(loc="upper left", fontsize=7.5, frameon=False, ncol=2)
    fig.text(
        0.01,
        0.002,
        "Simulated: scenarios/backtest_2010_ree.yaml on sim/data/japan_ree_2009.yaml "
        "(weekly reviews; imports dated on arrival in Japan).\n"
        "Recorded: Japan Ministry of Finance trade statistics via China Rare Earth Online / "
        "kksoukan.com (2015) and NHK (2013),\nas compiled in "
        "shared/reference/minerals-reference.md §4.1. Totals: Reuters Jan-2011, Nikkei, "
        "MoF (see docs/data-sources.md §11).",
        fontsize=7,
        color="0.3",
        ha="left",
        va="bottom",
    )
    layout = fig.get_layout_engine()
    if isinstance(layout, ConstrainedLayoutEngine):  # leave room for the footer
        layout.set(h_pad=0.1, rect=(0, 0.07, 1, 0.93))
    return fig


def write(
    table: pd.DataFrame, imports: pd.DataFrame, recorded: dict[int, float], out: Path = RESULTS
) -> Path:
    """Write backtest.csv, .png and .svg into out/backtest_2010/, atomically."""
    fig = chart(table, imports, recorded)
    try:
        return write_atomically(
            out / FOLDER,
            {
                "backtest.csv": lambda p: rounded(table).to_csv(p, index=False),
                "backtest.png": lambda p: fig.savefig(p, dpi=150),
                "backtest.svg": lambda p: fig.savefig(p),
            },
        )
    finally:
        plt.close(fig)


# -- sensitivity ----------------------------------------------------------------------------------


def _shock(doc: dict[str, Any], part: str) -> dict[str, Any]:
    return next(s for s in doc["shocks"] if part in s["name"])


def _scale(network: dict[str, Any], names: list[str], factor: float) -> None:
    for node in network["nodes"]:
        if node["name"] in names:
            node["capacity_tpa"] *= factor


def _china_order_share(network: dict[str, Any], china: float) -> None:
    links = [k for k in network["links"] if k["to"] == "jp_ree_users"]
    others = sum(k["share"] for k in links if k["from"] != "cn_ree_separation")
    for k in links:
        k["share"] = (
            china if k["from"] == "cn_ree_separation" else ((1.0 - china) * k["share"] / others)
        )


INCUMBENTS = ["fr_la_rochelle", "ee_silmet", "vn_separators", "xw_other_separators"]
Variant = tuple[
    str, Callable[[dict[str, Any]], None] | None, Callable[[dict[str, Any]], None] | None
]
VARIANTS: list[Variant] = [
    ("as built", None, None),
    (
        "no 1 Jul 2010 release of non-Chinese capacity (quota effect off)",
        lambda d: _shock(d, "pre-quota").update(end=dt.date(2015, 1, 1)),
        None,
    ),
    ("non-Chinese capacity for Japan -20%", None, lambda n: _scale(n, INCUMBENTS, 0.8)),
    ("non-Chinese capacity for Japan +20%", None, lambda n: _scale(n, INCUMBENTS, 1.2)),
    ("China's order share 0.4 (not 0.5)", None, lambda n: _china_order_share(n, 0.4)),
    ("China's order share 0.6", None, lambda n: _china_order_share(n, 0.6)),
    (
        "China's order share 0.6227 (all by capacity)",
        None,
        lambda n: _china_order_share(n, 18_300 / (18_300 + 11_090)),
    ),
    ("no Lynas", None, lambda n: _scale(n, ["my_lynas_lamp"], 1e-6)),
    (
        "Lynas -> Japan scaled to the recorded 1,218 t of 2014",
        None,
        lambda n: _scale(n, ["my_lynas_lamp"], 0.4424),
    ),
    (
        "no halt (21 Sep - 20 Nov 2010)",
        lambda d: d.update(shocks=[s for s in d["shocks"] if "halts" not in s["name"]]),
        None,
    ),
    (
        "no demand inputs (18,300 t/yr throughout)",
        lambda d: d.update(shocks=[s for s in d["shocks"] if s["type"] != "demand_shock"]),
        None,
    ),
    (
        "2012-13 demand 22,400 t/yr (2011-2014 interpolated, not H1-2012 x 2)",
        lambda d: _shock(d, "2012-2013").update(factor=22_400 / 18_300),
        None,
    ),
]


def sensitivity(path: Path = SCENARIO, reference: Path = REFERENCE) -> pd.DataFrame:
    """Errors (pp) per recorded year with one assumption changed at a time."""
    recorded = recorded_share_pct(reference)
    doc = yamlio.load_file(path).data
    base = doc["network"]["base"]
    network = yamlio.load_file(scenario.DATA_DIR / f"{base}.yaml").data
    rows = []
    for label, change_scenario, change_network in VARIANTS:
        d, n = copy.deepcopy(doc), copy.deepcopy(network)
        if change_network:
            change_network(n)
        d["network"] = {"nodes": n["nodes"], "links": n["links"]}
        if change_scenario:
            change_scenario(d)
        share = china_share_pct(imports_by_origin(engine.run(scenario.from_dict(d, label))))
        table = compare(share, recorded).dropna()
        row: dict[str, Any] = {"variant": label}
        row.update(
            {str(y): round(e, 1) for y, e in zip(table["year"], table["error_pp"], strict=True)}
        )
        row["max_abs_pp"] = round(float(table["error_pp"].abs().max()), 1)
        rows.append(row)
    return pd.DataFrame(rows)


# -- command line ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument(
        "--reference",
        type=Path,
        default=REFERENCE,
        help="minerals-reference.csv (default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="results root; files go to OUT/backtest_2010/"
    )
    parser.add_argument(
        "--sensitivity",
        action="store_true",
        help="also print errors with one assumption changed at a time",
    )
    args = parser.parse_args(argv)
    table, imports, recorded = backtest(args.scenario, args.reference)
    folder = write(table, imports, recorded, args.out)
    print("China's share of Japan's rare-earth imports (% of tonnes, imports dated on arrival)")
    print(text_table(table))
    scored = table.dropna()
    hits = int((scored["error_pp"].abs() <= TARGET_PP).sum())
    print(
        f"within {TARGET_PP:g} pp: {hits} of {len(scored)} recorded years; base year "
        f"{BASE_YEAR}: simulated {china_share_pct(imports)[BASE_YEAR]:.1f}%, recorded "
        f"{recorded.get(BASE_YEAR, float('nan')):.1f}%"
    )
    print("\nsimulated imports by origin (t):")
    print(imports.loc[BASE_YEAR : max(YEARS)].round(0).astype(int).to_string())
    if args.sensitivity:
        print("\nsensitivity: error (pp) per recorded year, one change at a time")
        print(sensitivity(args.scenario, args.reference).to_string(index=False))
    print(f"\nresults: {folder}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
