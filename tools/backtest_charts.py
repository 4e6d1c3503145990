"""Charts of the 2010 backtest (tools/backtest_2010.py): China's share of Japan's rare-earth
imports with imports by origin, and rare-earth prices, simulated vs recorded. Grey-scale, for
print; the callers save and close the figures."""

from __future__ import annotations

import datetime as dt

import backtest_records as records
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.layout_engine import ConstrainedLayoutEngine

FIRST, LAST = 2009, 2024
TARGET_PP = 10.0
QUOTAS = (dt.date(2010, 1, 1), dt.date(2015, 1, 1))
HALT = (dt.date(2010, 9, 21), dt.date(2010, 11, 21))
LYNAS = dt.date(2013, 2, 27)
CHINA = "CN"
FOOTER = (
    "Simulated: scenarios/backtest_2010_ree.yaml on sim/data/japan_ree_2009.yaml, seed 2010 "
    "(weekly reviews, one parameter set for 2009-2024)."
)


def x_of(day: dt.date) -> float:
    """Position on a year axis (year Y spans Y .. Y+1; annual values sit at Y+0.5)."""
    start = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def _periods(ax: Axes, label: bool) -> None:
    """Shade the quota years and the halt, mark Lynas' first product."""
    ax.axvspan(x_of(QUOTAS[0]), x_of(QUOTAS[1]), color="0.93", zorder=0)
    ax.axvspan(x_of(HALT[0]), x_of(HALT[1]), color="0.75", zorder=0)
    ax.axvline(x_of(LYNAS), color="0.45", linestyle=(0, (4, 3)), linewidth=1)
    if label:
        top = ax.get_ylim()[1]
        kw = {"fontsize": 7.5, "color": "0.25", "va": "top"}
        ax.text(2010.05, top, "China's export quotas\n2010-2014", ha="left", **kw)
        ax.text(
            x_of(HALT[1]) + 0.05,
            top * 0.86 if ax.get_yscale() == "log" else top - 9,
            "halt to Japan\n21 Sep-20 Nov 2010",
            ha="left",
            **kw,
        )
        ax.text(
            x_of(LYNAS) + 0.05,
            top * 0.5 if ax.get_yscale() == "log" else top - 20,
            "Lynas first\nproduct\n27 Feb 2013",
            ha="left",
            **kw,
        )


def _footer(fig: plt.Figure, text: str) -> None:
    """Sources under the panels; the layout leaves 1.5% of the height per line of it."""
    fig.text(0.01, 0.004, text, fontsize=7, color="0.3", ha="left", va="bottom")
    room = 0.015 * (text.count("\n") + 1)
    layout = fig.get_layout_engine()
    if isinstance(layout, ConstrainedLayoutEngine):
        layout.set(h_pad=0.08, rect=(0, room, 1, 1 - room))


def share_chart(
    table: pd.DataFrame, imports: pd.DataFrame, recorded: dict[int, records.ShareRecord]
) -> plt.Figure:
    """Two panels: China's share (simulated line vs records, by tier, with the +/-10 pp
    target on the reference's), and simulated imports by origin with recorded totals."""
    years = [y for y in imports.index if FIRST <= y <= LAST]
    share = (100.0 * imports.get(CHINA, 0.0) / imports.sum(axis=1)).reindex(years)
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(10.0, 8.6), sharex=True, height_ratios=(3, 2), layout="constrained"
    )
    fig.suptitle(
        "China's share of Japan's rare-earth imports, 2009-2024: simulated on the price "
        "mechanism vs recorded",
        fontsize=12,
        fontweight="bold",
    )
    top.set_ylim(30, 100)
    xs = [y + 0.5 for y in years]
    top.plot(xs, share.to_numpy(), color="black", marker="o", linewidth=2, label="simulated")
    styles = {
        "reference": ("s", "0.35", "recorded: Japan MoF (reference §4.1), bar = target ±10 pp"),
        "outside the reference": (
            "D",
            "0.35",
            "recorded: METI / Toyo Keizai (outside the reference)",
        ),
        "outside the reference, LOW-QUALITY": (
            "^",
            "0.55",
            "recorded: METI 2018 via a vendor blog [LOW-QUALITY]",
        ),
    }
    for tier, (marker, colour, label) in styles.items():
        ys = [y for y in sorted(recorded) if recorded[y].tier == tier and FIRST <= y <= LAST]
        if not ys:
            continue
        top.errorbar(
            [y + 0.5 for y in ys],
            [recorded[y].pct for y in ys],
            yerr=TARGET_PP if tier == "reference" else None,
            fmt=marker,
            color=colour,
            markerfacecolor="white",
            markersize=8,
            markeredgewidth=1.5,
            capsize=4,
            elinewidth=1,
            label=label,
        )
    for row in table.itertuples(index=False):
        if not np.isnan(row.error_pp):
            top.annotate(
                f"{row.error_pp:+.1f}",
                (row.year + 0.5, row.simulated_pct),
                textcoords="offset points",
                xytext=(6, 7),
                fontsize=7.5,
            )
    top.set_ylabel("share from China (% of tonnes imported)")
    top.grid(axis="y", color="0.9")
    top.legend(loc="lower right", fontsize=7.5, frameon=False)
    _periods(top, label=True)

    others = [c for c in imports.columns if c not in (CHINA, "MY")]
    groups = [
        ("China", [CHINA], "0.25", None),
        ("other non-Chinese (FR, EE, VN, KR, US, ...)", others, "0.7", None),
        ("Malaysia (Lynas)", ["MY"], "white", "///"),
    ]
    edge = np.zeros(len(years))
    for label, cols, colour, hatch in groups:
        present = [c for c in cols if c in imports.columns]
        values = imports.loc[years, present].sum(axis=1).to_numpy() / 1000.0
        bottom.bar(
            xs,
            values,
            width=0.62,
            bottom=edge,
            color=colour,
            hatch=hatch,
            edgecolor="black",
            linewidth=0.6,
            label=f"simulated: {label}",
        )
        edge += values
    totals = {y: v for y, (v, _) in records.RECORDED_TOTALS.items() if FIRST <= y <= LAST}
    bottom.plot(
        [y + 0.5 for y in totals],
        [v / 1000 for v in totals.values()],
        linestyle="none",
        marker="D",
        color="black",
        markerfacecolor="white",
        label="recorded or derived total",
    )
    bottom.set_ylabel("imports (kt per year)")
    bottom.set_xlabel("year")
    bottom.set_xticks(xs, [str(y) for y in years], fontsize=8)
    bottom.set_xticks(range(FIRST, LAST + 2), minor=True)
    bottom.tick_params(axis="x", which="major", length=0)
    bottom.tick_params(axis="x", which="minor", length=5)
    bottom.set_xlim(FIRST, LAST + 1)
    bottom.set_ylim(0, max(36.0, float(edge.max()) * 1.25 / 1.0))
    bottom.grid(axis="y", color="0.9")
    bottom.legend(loc="upper left", fontsize=7.5, frameon=False, ncol=2)
    _periods(bottom, label=False)
    _footer(
        fig,
        FOOTER + " Imports dated on arrival in Japan.\nRecorded: Japan MoF via kksoukan.com "
        "(2015) and NHK (2013), reference §4.1; 2018 METI via um-material.com [LOW-QUALITY]; "
        "2020 METI in the Diet; 2024 Toyo Keizai (2025).\nTotals: reference §4.1, Reuters "
        "Jan-2011, Nikkei (see docs/data-sources.md §11).",
    )
    return fig


def price_chart(paths: pd.DataFrame) -> plt.Figure:
    """Four panels: Nd, Dy and La oxide (USD/kg, log scale), simulated outside and inside
    China vs recorded, and the simulated multiple of the base price vs recorded basket
    multiples."""
    fig, axes = plt.subplots(
        4, 1, figsize=(10.0, 11.0), sharex=True, height_ratios=(1, 1, 1, 0.9), layout="constrained"
    )
    fig.suptitle(
        "Rare-earth oxide prices 2009-2024, simulated vs recorded\n(one simulated rare-earth "
        "price, mapped to each oxide by its 2009 average)",
        fontsize=11.5,
        fontweight="bold",
    )
    x = [x_of(d) for d in paths["date"]]
    paths = paths.assign(x=x)
    sides = [
        ("outside CN", "black", "-", "simulated outside China (FOB export)"),
        ("CN", "0.5", (0, (3, 2)), "simulated inside China"),
    ]
    recorded = records.price_table()
    marks = {
        "annual average": ("o", "recorded annual average"),
        "yearend": ("s", "recorded yearend (USGS)"),
        "quarter average": ("^", "recorded quarter average"),
        "spot": ("v", "recorded spot"),
    }
    for ax, oxide in zip(axes[:3], records.OXIDES, strict=True):
        for side, colour, style, label in sides:
            rows = paths[paths["side"] == side]
            ax.plot(
                rows["x"],
                rows[f"{oxide}_usd_per_kg"],
                color=colour,
                linestyle=style,
                linewidth=1.6,
                label=label,
            )
        rows = recorded[recorded["oxide"] == oxide]
        for what, (marker, label) in marks.items():
            pick = rows[(rows["what"] == what) & rows["multiple_of_2009"].notna()]
            if len(pick):
                ax.plot(
                    [x_of(d) for d in pick["date"]],
                    pick["usd_per_kg"],
                    linestyle="none",
                    marker=marker,
                    color="black",
                    markerfacecolor="white",
                    markersize=6,
                    label=label,
                )
        other = rows[rows["multiple_of_2009"].isna()]
        for r in other.itertuples(index=False):
            ax.plot(
                [x_of(r.date)],
                [r.usd_per_kg],
                linestyle="none",
                marker="x",
                color="0.3",
                markersize=7,
            )
            ax.annotate(
                r.basis,
                (x_of(r.date), r.usd_per_kg),
                textcoords="offset points",
                xytext=(5, 3),
                fontsize=6.5,
                color="0.3",
            )
        ax.set_yscale("log")
        ax.set_ylabel(f"{oxide} oxide (USD/kg)")
        ax.grid(axis="y", color="0.9", which="both")
        _periods(ax, label=False)
    axes[0].legend(loc="upper right", fontsize=7, frameon=False, ncol=2)
    basket = axes[3]
    for side, colour, style, label in sides:
        rows = paths[paths["side"] == side]
        basket.plot(
            rows["x"], rows["multiple"], color=colour, linestyle=style, linewidth=1.6, label=label
        )
    basket.plot(
        [x_of(d) for d, _, _ in records.BASKET],
        [m for _, m, _ in records.BASKET],
        linestyle="none",
        marker="D",
        color="black",
        markerfacecolor="white",
        label="recorded basket: REO 99% FOB China (end-2009 = 1); China's export unit value",
    )
    basket.set_yscale("log")
    basket.set_ylabel("multiple of the 2009 level")
    basket.grid(axis="y", color="0.9", which="both")
    basket.legend(loc="upper right", fontsize=7, frameon=False)
    _periods(basket, label=False)
    basket.set_xlim(FIRST, LAST + 1)
    basket.set_xticks(
        [y + 0.5 for y in range(FIRST, LAST + 1)],
        [str(y) for y in range(FIRST, LAST + 1)],
        fontsize=8,
    )
    basket.set_xticks(range(FIRST, LAST + 2), minor=True)
    basket.tick_params(axis="x", which="major", length=0)
    basket.set_xlabel("year")
    _footer(
        fig,
        FOOTER
        + "\nLight grey: China's export quotas 2010-2014; dark grey: the halt to Japan; dashed: "
        "Lynas' first product. Oxide = its 2009 average (Lynas price table) x the simulated "
        "multiple.\nRecorded: Lynas price tables (2009-2011; reference §4.2), USGS MCS2016 "
        "yearend, MCS2019, MCS2025 and MCS2026 annual averages, Argus Oct-2014, Japan Metal "
        "Bulletin 2012\n(x: another basis, not compared); the source of each figure is in "
        "tools/backtest_records.py.",
    )
    return fig


def close(*figures: plt.Figure) -> None:
    for fig in figures:
        plt.close(fig)
