"""Charts for reports: pure functions from result frames to matplotlib Figures.

Each chart function takes frames as `sim.output.store` writes them to `results/<name>/` and a
`RunInfo` for the footer, and returns a `matplotlib.figure.Figure` built with the
object-oriented API: no pyplot state, no screen, no file writes, nothing computed beyond light
reshaping (selecting, pivoting, shares of a total). Charts are for reports (DESIGN.md s. 7): a
title that says what is shown, units on every value axis, a footer with the scenario, seed and
replications, and one colour *and* hatch or line style per country, mineral and series, so that a
chart stays readable when printed in grey.

`draw_all(folder)` reads whatever CSVs a results folder holds and draws every chart that applies;
`charts_for(folder)` saves them as PNG (200 dpi) and SVG under `folder/charts/`.

This is the only module of the package that imports matplotlib.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import textwrap
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter

from sim.output.focus import comparison_focus as comparison_focus
from sim.output.focus import focus_markets as focus_markets
from sim.output.folder import BASELINE as BASELINE
from sim.output.folder import Results as Results
from sim.output.folder import RunInfo as RunInfo
from sim.output.folder import load as load
from sim.output.folder import market_table as market_table
from sim.output.folder import node_table as node_table
from sim.output.folder import shock_windows as shock_windows
from sim.output.labels import country_name as country_name
from sim.output.labels import is_aggregate as is_aggregate
from sim.output.labels import mineral_label as mineral_label
from sim.output.labels import unit_label as unit_label

DPI = 200
"""PNG resolution, dots per inch (print quality)."""
WIDTH_IN = 9.0
"""Default figure width, inches."""
FOOTER_IN = 0.28
"""Height kept free at the bottom of every figure for the footer, inches."""

# ---------------------------------------------------------------------------------------------
# Palette: one colour and one hatch per country, one colour and line style per mineral. Fixed
# entries for the countries of the built-in network; any other code gets a stable entry from
# its name (not from its position in a chart), so a country looks the same in every chart.
# ---------------------------------------------------------------------------------------------

COUNTRY_COLOURS = {
    "CN": "#D55E00",
    "JP": "#0072B2",
    "IN": "#E69F00",
    "AU": "#009E73",
    "US": "#CC79A7",
    "XW": "#9A9A9A",
    "ID": "#56B4E9",
    "CD": "#8C564B",
    "CL": "#F0E442",
    "AR": "#BCBD22",
    "MY": "#17BECF",
    "MM": "#7F3C8D",
    "MZ": "#11A579",
    "MG": "#3969AC",
    "FI": "#80BA5A",
    "KR": "#E73F74",
    "CA": "#A5AA99",
    "BR": "#4B4B8F",
    "ZA": "#F2B701",
    "RU": "#6F4070",
    "PH": "#008695",
    "VN": "#CF1C90",
    "DE": "#3D3D3D",
    "GB": "#B3B3FF",
}
_SPARE_COLOURS = (
    "#1B9E77",
    "#D95F02",
    "#7570B3",
    "#E7298A",
    "#66A61E",
    "#E6AB02",
    "#A6761D",
    "#666666",
    "#1F78B4",
    "#B2DF8A",
    "#FB9A99",
    "#CAB2D6",
)
COUNTRY_HATCHES = {
    "CN": "////",
    "JP": "",
    "IN": "----",
    "AU": "\\\\\\\\",
    "US": "xxx",
    "XW": "",
    "ID": "|||",
    "CD": "+++",
    "CL": "//",
    "AR": "\\\\",
    "MY": "--",
    "MM": "||",
    "MZ": "x",
    "MG": "/|",
    "FI": "\\|",
}
_SPARE_HATCHES = ("//", "\\\\", "xx", "++", "--", "||", "/-", "\\-", "/|", "\\|")
"""Line hatches only: dots, circles and stars make SVG files ten times larger."""
MINERAL_STYLES: dict[str, tuple[str, Any]] = {
    "rare_earths": ("#7F3C8D", "-"),
    "lithium": ("#11A579", "--"),
    "cobalt": ("#3969AC", "-."),
    "nickel": ("#80BA5A", ":"),
    "graphite": ("#444444", (0, (6, 1.5, 1, 1.5, 1, 1.5))),
    "gallium": ("#E68310", (0, (1, 1))),
    "germanium": ("#CF1C90", (0, (8, 2))),
    "manganese": ("#A5AA99", (0, (3, 1, 1, 1))),
    "copper": ("#B87333", (0, (4, 4))),
}
POLICY_STYLES: tuple[tuple[str, Any, str], ...] = (
    ("#0072B2", (0, (6, 2)), "o"),
    ("#D55E00", (0, (3, 1.5, 1, 1.5)), "s"),
    ("#009E73", (0, (1, 1.2)), "^"),
    ("#CC79A7", (0, (8, 2, 1, 2, 1, 2)), "D"),
    ("#E69F00", (0, (4, 1)), "v"),
    ("#56B4E9", (0, (2, 2)), "P"),
    ("#8C564B", (0, (10, 3)), "X"),
    ("#7F3C8D", (0, (5, 1, 1, 1, 1, 1)), "*"),
)
"""(colour, line style, marker) of the policies in the order the scenario lists them."""
DEMAND = {"color": "black", "linestyle": (0, (5, 2)), "linewidth": 1.4}
SHORTFALL = {"facecolor": "#D55E00", "edgecolor": "#7A2E00", "hatch": "////"}
SHOCK_FILL = "#BBBBBB"
SHOCK_HATCHES = ("\\\\", "//", "xx", "--", "||")
STAGE_ORDER = {"ore": 0, "refined": 1, "component": 2}
KIND_COLUMN = {"mine": 0, "refinery": 1, "recycler": 1, "plant": 2, "market": 3}
COLUMN_TITLES = (
    "mines (ore)",
    "refineries and recyclers\n(refined)",
    "plants (components)",
    "markets",
)


def _stable(code: str, choices: Sequence[str]) -> str:
    return choices[zlib.crc32(code.encode()) % len(choices)]


def country_colour(code: str) -> str:
    """The colour of a country (ISO 3166 alpha-2) in every chart."""
    return COUNTRY_COLOURS.get(code) or _stable(code, _SPARE_COLOURS)


def country_hatch(code: str) -> str:
    """The hatch of a country in every filled area (for grey-scale print)."""
    found = COUNTRY_HATCHES.get(code)
    return found if found is not None else _stable(code, _SPARE_HATCHES)


def mineral_style(mineral: str) -> tuple[str, Any]:
    """(colour, line style) of a mineral."""
    return MINERAL_STYLES.get(mineral, (_stable(mineral, _SPARE_COLOURS), "-"))


def policy_styles(policies: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Line keyword arguments per policy: the baseline black, solid and thickest; the others
    one colour, dash pattern and marker each, in the order given (the scenario's order)."""
    styles: dict[str, dict[str, Any]] = {}
    others = [p for p in policies if p != BASELINE]
    for name in policies:
        if name == BASELINE:
            styles[name] = {"color": "black", "linestyle": "-", "linewidth": 2.6, "marker": ""}
        else:
            colour, dash, marker = POLICY_STYLES[others.index(name) % len(POLICY_STYLES)]
            styles[name] = {"color": colour, "linestyle": dash, "linewidth": 1.8, "marker": marker}
    return styles


def _policies_of(frame: pd.DataFrame, policies: Sequence[str] | None) -> list[str]:
    present = [str(p) for p in dict.fromkeys(frame["policy"])]
    if policies is None:
        return sorted(present, key=lambda p: p != BASELINE)
    return [p for p in policies if p in present]


# ---------------------------------------------------------------------------------------------
# Figure furniture
# ---------------------------------------------------------------------------------------------


def _figure(info: RunInfo, title: str, height: float, width: float = WIDTH_IN) -> Figure:
    bottom = FOOTER_IN / height
    fig = Figure(
        figsize=(width, height),
        dpi=100,
        layout=ConstrainedLayoutEngine(rect=(0, bottom, 1, 1 - bottom)),
    )
    fig.suptitle(
        "\n".join(textwrap.wrap(title, int(width * 9.6))),
        x=0.01,
        ha="left",
        fontsize=11.5,
        fontweight="bold",
    )
    fig.text(0.01, 0.012, info.footer(), ha="left", va="bottom", fontsize=7, color="0.3")
    return fig


def _date_axis(ax: Axes, dates: pd.Index | None = None) -> None:
    """Concise date ticks; the x label gives the first and last date in full."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    if dates is not None and len(dates):
        first, last = pd.Timestamp(dates[0]), pd.Timestamp(dates[-1])
        ax.set_xlabel(f"review date, {first:%d %b %Y} to {last:%d %b %Y}", fontsize=8.5)


def tick(value: float, _: Any = None) -> str:
    """Tick labels: thousands separated from 1,000 up, as short as possible below."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def _thousands(axis: Any) -> None:
    axis.set_major_formatter(FuncFormatter(tick))


def _nothing_if_zero(ax: Axes, values: np.ndarray, what: str) -> None:
    """A panel whose series is zero throughout says so instead of showing a flat line."""
    if not np.nanmax(np.abs(values), initial=0.0) > 1e-9:
        ax.set_ylim(0, 1)
        ax.set_yticks([0])
        ax.text(
            0.5,
            0.5,
            what,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            color="0.3",
        )


def _grid(ax: Axes) -> None:
    ax.grid(True, axis="y", color="0.88", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _shade(ax: Axes, windows: pd.DataFrame | None, label: bool = True) -> None:
    """Shade each shock's window [start, end) with its own hatch."""
    if windows is None or windows.empty:
        return
    for i, (shock, start, end) in enumerate(_windows(windows)):
        ax.axvspan(
            start,
            end,
            facecolor=SHOCK_FILL,
            alpha=0.25,
            edgecolor="0.55",
            hatch=SHOCK_HATCHES[i % len(SHOCK_HATCHES)],
            linewidth=0,
            zorder=0,
            label=f"shock: {shock}" if label else None,
        )


def _windows(windows: pd.DataFrame) -> list[tuple[str, float, float]]:
    """(shock, start, end) with dates as matplotlib date numbers."""
    return [
        (
            str(shock),
            float(mdates.date2num(pd.Timestamp(start))),
            float(mdates.date2num(pd.Timestamp(end))),
        )
        for shock, start, end in zip(
            windows["shock"], windows["start"], windows["end"], strict=True
        )
    ]


def _legend(ax: Axes, **kwargs: Any) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=8,
            **kwargs,
        )


# ---------------------------------------------------------------------------------------------
# Markets over time: single runs (timeseries.csv) and ensembles (bands.csv)
# ---------------------------------------------------------------------------------------------


def _market_series(
    timeseries: pd.DataFrame, market: str, variables: Iterable[str], rep: int = 0
) -> pd.DataFrame:
    rows = timeseries[
        (timeseries["node"] == market)
        & (timeseries["rep"] == rep)
        & timeseries["variable"].isin(list(variables))
    ]
    if rows.empty:
        raise ValueError(f"no time series for market '{market}' (rep {rep}) in the frame")
    wide = rows.pivot_table(index="date", columns="variable", values="value", aggfunc="sum")
    wide.index = pd.to_datetime(wide.index)
    return wide.sort_index()


def supply_demand(
    timeseries: pd.DataFrame,
    market: str,
    info: RunInfo,
    *,
    unit: str = "units",
    windows: pd.DataFrame | None = None,
    rep: int = 0,
    place: str = "",
) -> Figure:
    """One run: a market's demand and deliveries per review (top) and its shortfall (bottom)."""
    wide = _market_series(
        timeseries, market, ("demand_units", "delivered_units", "shortfall_units"), rep
    )
    units = f"{unit_label(unit)} {info.per_review()}"
    fig = _figure(info, f"{market}{place}: demand, deliveries and shortfall, {units}", 5.2)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1))
    x = wide.index
    top.plot(
        x,
        wide["delivered_units"],
        drawstyle="steps-post",
        color=country_colour(_country(timeseries, market)),
        linewidth=2.2,
        label="delivered",
    )
    top.plot(x, wide["demand_units"], drawstyle="steps-post", label="demand", **DEMAND)
    bottom.fill_between(
        x, 0, wide["shortfall_units"], step="post", label="shortfall", linewidth=0.8, **SHORTFALL
    )
    for ax in (top, bottom):
        _shade(ax, windows, label=ax is top)
        _grid(ax)
        ax.set_ylim(bottom=0)
    _nothing_if_zero(bottom, wide["shortfall_units"].to_numpy(), "no shortfall in this run")
    _market_axes(top, bottom, units, wide.index)
    return fig


def _market_axes(top: Axes, bottom: Axes, units: str, dates: pd.Index) -> None:
    top.set_ylabel(units)
    bottom.set_ylabel(f"shortfall\n{units}")
    top.set_title("demand and deliveries", loc="left", fontsize=9)
    bottom.set_title("unmet demand (shortfall)", loc="left", fontsize=9)
    for ax in (top, bottom):
        _thousands(ax.yaxis)
        _legend(ax)
    _date_axis(bottom, dates)


def _bands_of(bands: pd.DataFrame, market: str, variable: str) -> pd.DataFrame:
    rows = bands[(bands["market"] == market) & (bands["variable"] == variable)]
    if rows.empty:
        raise ValueError(f"no bands for market '{market}', variable '{variable}'")
    rows = rows.sort_values("day").set_index(pd.to_datetime(rows["date"]))
    return rows


def per_review_scale(rows: pd.DataFrame, step_days: int, horizon_days: int | None) -> np.ndarray:
    """Reviews per time bucket: band values summed over a bucket divided by this are per review."""
    days = rows["day"].to_numpy(dtype=float)
    end = (
        float(horizon_days)
        if horizon_days
        else days[-1] + (days[-1] - days[-2] if len(days) > 1 else step_days)
    )
    widths = np.diff(np.append(days, max(end, days[-1] + step_days)))
    return np.maximum(widths / step_days, 1.0)


def supply_demand_bands(
    bands: pd.DataFrame,
    market: str,
    info: RunInfo,
    *,
    unit: str = "units",
    windows: pd.DataFrame | None = None,
    place: str = "",
) -> Figure:
    """An ensemble: median and P5-P95 band across replications of demand, deliveries and
    shortfall per review (bucket sums divided by the reviews in each bucket)."""
    units = f"{unit_label(unit)} {info.per_review()}"
    n = int(bands["replications"].max()) if "replications" in bands else info.replications
    fig = _figure(
        info,
        f"{market}{place}: demand, deliveries and shortfall across {n:,} "
        f"replications (median and P5-P95), {units}",
        5.4,
    )
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1))
    colour = country_colour(_band_country(bands, market))
    for variable, ax in (
        ("delivered_units", top),
        ("demand_units", top),
        ("shortfall_units", bottom),
    ):
        rows = _bands_of(bands, market, variable)
        scale = per_review_scale(rows, info.step_days, info.horizon_days)
        x = rows.index
        p5, p50, p95 = (rows[q].to_numpy() / scale for q in ("p5", "p50", "p95"))
        if variable == "demand_units":
            ax.plot(x, p50, drawstyle="steps-post", label="demand (median)", **DEMAND)
            if not np.allclose(p5, p95):
                for edge, label in ((p5, "demand P5 and P95"), (p95, None)):
                    ax.plot(
                        x,
                        edge,
                        drawstyle="steps-post",
                        color="black",
                        linewidth=0.7,
                        linestyle=(0, (1, 1.5)),
                        label=label,
                    )
        elif variable == "delivered_units":
            ax.fill_between(
                x,
                p5,
                p95,
                step="post",
                color=colour,
                alpha=0.3,
                linewidth=0,
                label="delivered P5-P95",
            )
            ax.plot(
                x,
                p50,
                drawstyle="steps-post",
                color=colour,
                linewidth=2.2,
                label="delivered (median)",
            )
        else:
            ax.fill_between(
                x,
                p5,
                p95,
                step="post",
                alpha=0.45,
                label="shortfall P5-P95",
                linewidth=0.6,
                **SHORTFALL,
            )
            ax.plot(
                x,
                p50,
                drawstyle="steps-post",
                color="#7A2E00",
                linewidth=1.6,
                label="shortfall (median)",
            )
            _nothing_if_zero(ax, p95, "no shortfall in any replication")
    for ax in (top, bottom):
        _shade(ax, windows, label=ax is top)
        _grid(ax)
        ax.set_ylim(bottom=0)
    _market_axes(top, bottom, units, _bands_of(bands, market, "demand_units").index)
    return fig


def _country(timeseries: pd.DataFrame, node: str) -> str:
    found = timeseries.loc[timeseries["node"] == node, "country"]
    return str(found.iloc[0]) if len(found) else ""


def _band_country(bands: pd.DataFrame, market: str) -> str:
    if "country" in bands:
        found = bands.loc[bands["market"] == market, "country"]
        if len(found):
            return str(found.iloc[0])
    return market.split("_")[0].upper()


def cover(
    timeseries: pd.DataFrame,
    market: str,
    info: RunInfo,
    *,
    windows: pd.DataFrame | None = None,
    rep: int = 0,
    place: str = "",
) -> Figure:
    """One run: a market's days of cover per mineral, with releases of the stockpiles of its
    country (for the minerals it uses) as bars on a second axis."""
    rows = timeseries[
        (timeseries["node"] == market)
        & (timeseries["rep"] == rep)
        & (timeseries["variable"] == "cover_days")
    ]
    if rows.empty:
        raise ValueError(f"no days of cover for market '{market}' in the frame")
    wide = rows.pivot_table(index="date", columns="mineral", values="value", aggfunc="min")
    wide.index = pd.to_datetime(wide.index)
    wide = wide.sort_index()
    fig = _figure(
        info,
        f"{market}{place}: days of cover per mineral (on hand and in transit "
        "toward the market / expected daily use)",
        4.6,
    )
    ax = fig.subplots()
    for minerals, values in _same_series(wide):
        colour, style = mineral_style(minerals[0])
        ax.plot(
            wide.index,
            values,
            drawstyle="steps-post",
            color=colour,
            linestyle=style,
            linewidth=1.8,
            label=", ".join(mineral_label(m) for m in minerals),
        )
    _shade(ax, windows)
    _grid(ax)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("days of cover (days)")
    releases = _releases(timeseries, market, list(wide.columns), rep)
    if releases is not None:
        right = ax.twinx()
        width = 0.8 * info.step_days
        for i, node in enumerate(releases.columns):
            right.bar(
                releases.index,
                releases[node].to_numpy(),
                width=width,
                align="edge",
                alpha=0.6,
                color="0.35",
                edgecolor="black",
                hatch=("xx", "..", "//")[i % 3],
                linewidth=0.5,
                label=f"released by {node}",
            )
        right.set_ylabel(f"stockpile release (t {info.per_review()})")
        right.set_ylim(bottom=0)
        right.spines["top"].set_visible(False)
        handles, labels = ax.get_legend_handles_labels()
        more, more_labels = right.get_legend_handles_labels()
        ax.legend(
            handles + more,
            labels + more_labels,
            loc="upper left",
            bbox_to_anchor=(1.12, 1.0),
            frameon=False,
            fontsize=8,
        )
    else:
        _legend(ax)
    _date_axis(ax, wide.index)
    return fig


def _same_series(wide: pd.DataFrame) -> list[tuple[list[str], np.ndarray]]:
    """Columns grouped when their values coincide (one line labelled with all their names)."""
    groups: list[tuple[list[str], np.ndarray]] = []
    for column in wide.columns:
        values = wide[column].to_numpy(dtype=float)
        for names, seen in groups:
            if np.allclose(values, seen, rtol=1e-6, atol=1e-9, equal_nan=True):
                names.append(str(column))
                break
        else:
            groups.append(([str(column)], values))
    return groups


def _releases(
    timeseries: pd.DataFrame, market: str, minerals: list[str], rep: int
) -> pd.DataFrame | None:
    if "kind" not in timeseries:
        return None
    country = _country(timeseries, market)
    rows = timeseries[
        (timeseries["kind"] == "stockpile")
        & (timeseries["country"] == country)
        & (timeseries["variable"] == "released_t")
        & (timeseries["rep"] == rep)
        & timeseries["mineral"].isin(minerals)
    ]
    if rows.empty:
        return None
    wide = rows.pivot_table(index="date", columns="node", values="value", aggfunc="sum")
    wide.index = pd.to_datetime(wide.index)
    return wide.sort_index()


def cover_bands(
    bands: pd.DataFrame,
    market: str,
    info: RunInfo,
    *,
    windows: pd.DataFrame | None = None,
    place: str = "",
) -> Figure:
    """An ensemble: the lowest days of cover over the market's minerals in each time bucket,
    median and P5-P95 across replications."""
    rows = _bands_of(bands, market, "cover_days")
    n = int(rows["replications"].max()) if "replications" in rows else info.replications
    fig = _figure(
        info,
        f"{market}{place}: lowest days of cover over its minerals, across {n:,} "
        "replications (median and P5-P95)",
        4.6,
    )
    ax = fig.subplots()
    x = rows.index
    ax.fill_between(
        x,
        rows["p5"],
        rows["p95"],
        step="post",
        color="#3969AC",
        alpha=0.3,
        linewidth=0,
        label="P5-P95",
    )
    ax.plot(x, rows["p50"], drawstyle="steps-post", color="#1F3F7A", linewidth=2.0, label="median")
    ax.plot(
        x,
        rows["p5"],
        drawstyle="steps-post",
        color="#1F3F7A",
        linewidth=0.8,
        linestyle=":",
        label="P5 (worst 5%)",
    )
    _shade(ax, windows)
    _grid(ax)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("days of cover (days)")
    _legend(ax)
    _date_axis(ax, x)
    return fig


def _heatmap(
    ax: Axes, dates: pd.DatetimeIndex, labels: list[str], values: np.ndarray, step_days: int
) -> Any:
    edges = dates.append(pd.DatetimeIndex([dates[-1] + pd.Timedelta(days=step_days)]))
    low = float(np.nanmin(values)) if np.isfinite(values).any() else 1.0
    vmin = min(0.9, math.floor(low * 10) / 10)
    mesh = ax.pcolormesh(
        edges,
        np.arange(len(labels) + 1),
        values,
        cmap="magma",
        vmin=vmin,
        vmax=1.0,
        shading="flat",
        rasterized=True,
    )
    ax.set_yticks(np.arange(len(labels)) + 0.5, labels, fontsize=7.5)
    ax.set_ylim(len(labels), 0)
    _date_axis(ax, dates)
    return mesh


def fill_rate_overview(
    timeseries: pd.DataFrame, info: RunInfo, *, windows: pd.DataFrame | None = None, rep: int = 0
) -> Figure:
    """One run: every market's fill rate (delivered / demand) in each review, as a heat map."""
    rows = timeseries[
        (timeseries["rep"] == rep)
        & (timeseries["kind"] == "market")
        & timeseries["variable"].isin(["demand_units", "delivered_units"])
    ]
    wide = rows.pivot_table(
        index=["node", "country"],
        columns=["variable", "date"],
        values="value",
        aggfunc="sum",
        sort=False,
    )
    demand, delivered = wide["demand_units"], wide["delivered_units"]
    fill = np.divide(
        delivered.to_numpy(),
        demand.to_numpy(),
        out=np.ones(demand.shape),
        where=demand.to_numpy() > 0,
    )
    labels = [f"{node} ({country})" for node, country in demand.index]
    return _overview(
        fill,
        pd.DatetimeIndex(pd.to_datetime(demand.columns)),
        labels,
        info,
        windows,
        f"Fill rate of every market per review (delivered / demand, {info.per_review()})",
        "fill rate in the review",
    )


def fill_rate_overview_bands(
    bands: pd.DataFrame,
    info: RunInfo,
    *,
    windows: pd.DataFrame | None = None,
    countries: dict[str, str] | None = None,
    policy: str = "",
) -> Figure:
    """An ensemble: every market's mean deliveries / mean demand per time bucket; `countries`
    (market -> ISO code) labels the rows."""
    keep = bands[bands["variable"].isin(["demand_units", "delivered_units"])]
    wide = keep.pivot_table(
        index="market", columns=["variable", "date"], values="mean", aggfunc="sum", sort=False
    )
    demand, delivered = wide["demand_units"], wide["delivered_units"]
    fill = np.divide(
        delivered.to_numpy(),
        demand.to_numpy(),
        out=np.ones(demand.shape),
        where=demand.to_numpy() > 0,
    )
    n = int(bands["replications"].max())
    countries = countries or {}
    labels = [f"{m} ({countries[m]})" if m in countries else str(m) for m in demand.index]
    return _overview(
        fill,
        pd.DatetimeIndex(pd.to_datetime(demand.columns)),
        labels,
        info,
        windows,
        f"Fill rate of every market over time{f' ({policy})' if policy else ''}, "
        f"across {n:,} replications (mean delivered / mean demand per time "
        "bucket)",
        "fill rate (ratio of means)",
    )


def _overview(
    fill: np.ndarray,
    dates: pd.DatetimeIndex,
    labels: list[str],
    info: RunInfo,
    windows: pd.DataFrame | None,
    title: str,
    bar_label: str,
) -> Figure:
    fig = _figure(info, title, max(3.2, 1.4 + 0.22 * len(labels)))
    ax = fig.subplots()
    step = int((dates[1] - dates[0]).days) if len(dates) > 1 else info.step_days
    mesh = _heatmap(ax, dates, labels, fill, step)
    if windows is not None:
        for i, (_, start, end) in enumerate(_windows(windows)):
            for edge in (start, end):
                ax.axvline(edge, color="#56B4E9", linewidth=1.0, linestyle=("--", ":", "-.")[i % 3])
    bar = fig.colorbar(mesh, ax=ax, fraction=0.04, pad=0.01)
    bar.set_label(bar_label)
    bar.ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylabel("market (country)")
    if windows is not None and not windows.empty:
        ax.set_xlabel(f"{ax.get_xlabel()}; blue lines: start and end of each shock", fontsize=8.5)
    return fig


# ---------------------------------------------------------------------------------------------
# Sourcing by country
# ---------------------------------------------------------------------------------------------


def hhi(shares: np.ndarray, axis: int = -1) -> np.ndarray:
    """Herfindahl-Hirschman index of shares that sum to one (0-1 scale), as in analysis.metrics."""
    return (np.asarray(shares, dtype=float) ** 2).sum(axis=axis)


def import_stage(flows: pd.DataFrame, country: str, mineral: str) -> str | None:
    """The stage at which `country` buys the largest share of `mineral` from abroad."""
    rows = flows[
        (flows["buyer_country"] == country)
        & (flows["mineral"] == mineral)
        & (flows["stage"] != "scrap")
    ]
    best, best_share = None, 0.0
    for stage, group in rows.groupby("stage"):
        total = group["shipped_t"].sum()
        abroad = group.loc[group["supplier_country"] != country, "shipped_t"].sum()
        if total > 0 and abroad / total > best_share + 1e-12:
            best, best_share = str(stage), float(abroad / total)
    return best


def sourcing_over_time(
    shipments: pd.DataFrame,
    country: str,
    mineral: str,
    info: RunInfo,
    *,
    stage: str | None = None,
    rep: int = 0,
) -> Figure:
    """One run: shares of the tonnes shipped into `country`'s nodes per review by supplier
    country (stacked), and their HHI on a second axis.

    `shipments` has one row per link and review: date, rep, supplier_country, buyer_country,
    mineral, stage, shipped_t. `stage` defaults to the one with the largest import share.
    """
    stage = stage or import_stage(shipments[shipments["rep"] == rep], country, mineral)
    rows = shipments[
        (shipments["rep"] == rep)
        & (shipments["buyer_country"] == country)
        & (shipments["mineral"] == mineral)
        & (shipments["stage"] == stage)
    ]
    if rows.empty:
        raise ValueError(f"no shipments of {mineral} ({stage}) into {country}")
    wide = rows.pivot_table(
        index="date", columns="supplier_country", values="shipped_t", aggfunc="sum"
    ).sort_index()
    wide.index = pd.to_datetime(wide.index)
    order = wide.sum().sort_values(ascending=False).index
    wide = wide[order]
    total = wide.sum(axis=1).to_numpy()
    shares = np.divide(
        wide.to_numpy(), total[:, None], out=np.full(wide.shape, np.nan), where=total[:, None] > 0
    )
    name = country_name(country)
    fig = _figure(
        info,
        f"{name}'s {mineral_label(mineral)} supply at the {stage} stage by "
        f"country of origin: share of the tonnes shipped to {name} each review "
        f"({info.per_review()}), and the HHI",
        4.8,
    )
    ax = fig.subplots()
    x = wide.index
    ax.stackplot(
        x,
        (shares.T * 100),
        labels=[country_name(c) for c in order],
        colors=[country_colour(c) for c in order],
        hatch=[country_hatch(c) for c in order],
        edgecolor="white",
        linewidth=0.4,
        step="post",
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"share of {name}'s {stage} {mineral_label(mineral)} supply (%)")
    ax.spines["top"].set_visible(False)
    right = ax.twinx()
    right.plot(
        x,
        hhi(shares, axis=1),
        color="black",
        linewidth=2.0,
        linestyle=(0, (4, 1.5)),
        drawstyle="steps-post",
        label="HHI (right axis)",
    )
    right.set_ylim(0, 1)
    right.set_ylabel("HHI of supplier countries (0-1)")
    right.spines["top"].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    more, more_labels = right.get_legend_handles_labels()
    ax.legend(
        handles[::-1] + more,
        labels[::-1] + more_labels,
        loc="upper left",
        bbox_to_anchor=(1.1, 1.0),
        frameon=False,
        fontsize=8,
        title="origin",
    )
    _date_axis(ax, x)
    return fig


def sourcing_totals(flows: pd.DataFrame, country: str, info: RunInfo, *, rep: int = 0) -> Figure:
    """One run: for each mineral and stage `country` buys, the shares of the tonnes shipped to
    its nodes over the horizon by supplier country (stacked bars), with the HHI of each bar."""
    rows = flows[
        (flows["rep"] == rep) & (flows["buyer_country"] == country) & (flows["stage"] != "scrap")
    ]
    table = rows.pivot_table(
        index=["mineral", "stage"],
        columns="supplier_country",
        values="shipped_t",
        aggfunc="sum",
        fill_value=0.0,
    )
    table = table[table.sum(axis=1) > 0]
    if table.empty:
        raise ValueError(f"nothing was shipped into {country}")
    table = table.sort_index(
        key=lambda idx: idx.map(lambda v: STAGE_ORDER.get(v, v)) if idx.name == "stage" else idx
    )
    order = table.sum().sort_values(ascending=False).index
    shares = table[order].div(table.sum(axis=1), axis=0)
    name = country_name(country)
    days = f"{info.horizon_days} days" if info.horizon_days else "the horizon"
    fig = _figure(
        info,
        f"Where {name}'s supply comes from: shares of the tonnes shipped to its "
        f"nodes over {days}, by mineral and stage",
        max(2.8, 1.3 + 0.38 * len(table)),
    )
    ax = fig.subplots()
    y = np.arange(len(shares))
    left = np.zeros(len(shares))
    for origin in order:
        values = shares[origin].to_numpy() * 100
        ax.barh(
            y,
            values,
            left=left,
            color=country_colour(origin),
            hatch=country_hatch(origin),
            edgecolor="white",
            linewidth=0.5,
            height=0.7,
            label=country_name(origin),
        )
        left += values
    for i, (_, row) in enumerate(shares.iterrows()):
        tonnes = float(table.iloc[i].sum())
        ax.text(
            101, i, f"HHI {hhi(row.to_numpy()):.2f}   {tonnes:,.0f} t", va="center", fontsize=7.5
        )
    ax.set_yticks(y, [f"{mineral_label(m)} ({s})" for m, s in shares.index], fontsize=8)
    ax.set_ylim(len(shares) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of tonnes shipped to the country's nodes (%)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside right upper",
        frameon=False,
        fontsize=8,
        title="origin",
    )
    return fig


# ---------------------------------------------------------------------------------------------
# The network as a flow diagram
# ---------------------------------------------------------------------------------------------


def _column(kind: str, stage: str) -> int:
    if kind == "stockpile":
        return 2 if stage == "component" else 1
    return KIND_COLUMN.get(kind, 1)


def _order_columns(
    columns: dict[int, list[str]], edges: pd.DataFrame, sweeps: int = 4
) -> dict[str, float]:
    """Vertical positions (0 top .. 1 bottom) from a few barycentre sweeps, which keeps link
    crossings down."""

    def place() -> dict[str, float]:
        return {
            n: (i + 0.5) / len(names) for names in columns.values() for i, n in enumerate(names)
        }

    pos = place()
    forward = edges[edges["forward"]]
    for _ in range(sweeps):
        for col in sorted(columns)[1:]:
            columns[col] = _by_barycentre(columns[col], forward, "buyer", "supplier", pos)
            pos = place()
        for col in sorted(columns, reverse=True)[1:]:
            columns[col] = _by_barycentre(columns[col], forward, "supplier", "buyer", pos)
            pos = place()
    return pos


def _by_barycentre(
    names: list[str], edges: pd.DataFrame, me: str, other: str, pos: dict[str, float]
) -> list[str]:
    def key(name: str) -> float:
        mine = edges[edges[me] == name]
        weight = mine["shipped_t"].to_numpy() + 1e-9
        if mine.empty:
            return pos[name]
        return float(np.average([pos[n] for n in mine[other]], weights=weight))

    return sorted(names, key=key)


def flow_diagram(
    flows: pd.DataFrame, nodes: pd.DataFrame, mineral: str, info: RunInfo, *, rep: int = 0
) -> Figure:
    """One run: the network of one mineral as columns (mines -> refineries and recyclers ->
    plants -> markets), link widths proportional to tonnes shipped over the horizon, nodes
    coloured by country; dotted hairlines are links that carried nothing, dashed grey curves
    end-of-life scrap returning to recyclers.

    `nodes` has columns name, kind, country and (for stockpiles) stage.
    """
    links = flows[(flows["rep"] == rep) & (flows["mineral"] == mineral)].copy()
    if links.empty:
        raise ValueError(f"no links carry {mineral}")
    info_of = nodes.set_index("name")
    used = sorted(set(links["supplier"]) | set(links["buyer"]))
    col = {
        n: _column(
            str(info_of.at[n, "kind"]), str(info_of.at[n, "stage"]) if "stage" in info_of else ""
        )
        for n in used
    }
    links["forward"] = [
        col[b] > col[s] for s, b in zip(links["supplier"], links["buyer"], strict=True)
    ]
    columns: dict[int, list[str]] = {}
    for n in sorted(used, key=lambda n: (str(info_of.at[n, "country"]), n)):
        columns.setdefault(col[n], []).append(n)
    pos = _order_columns(columns, links)
    tallest = max(len(v) for v in columns.values())
    fig = _figure(
        info,
        f"{mineral_label(mineral).capitalize()} network: tonnes shipped over "
        f"{info.horizon_days or 'the horizon'} days (link width proportional to "
        "tonnes), nodes coloured by country",
        max(4.5, 1.6 + 0.3 * tallest),
        width=11,
    )
    ax = fig.subplots()
    top = float(links["shipped_t"].max()) or 1.0
    max_width = 14.0
    ordered = links.sort_values("shipped_t")
    for supplier, buyer, origin, tonnes, forward in zip(
        ordered["supplier"],
        ordered["buyer"],
        ordered["supplier_country"],
        ordered["shipped_t"].astype(float),
        ordered["forward"],
        strict=True,
    ):
        x0, x1 = col[supplier], col[buyer]
        y0, y1 = pos[supplier], pos[buyer]
        if not forward:
            path = MplPath(
                [(x0, y0), (x0 - 0.6, y0 + 0.12), (x1 + 0.6, y1 + 0.12), (x1, y1)],
                [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4],
            )
            ax.add_patch(
                PathPatch(
                    path,
                    facecolor="none",
                    edgecolor="0.45",
                    linestyle=(0, (3, 2)),
                    linewidth=max(0.6, max_width * tonnes / top),
                    zorder=1,
                )
            )
            continue
        middle = (x0 + x1) / 2
        path = MplPath(
            [(x0, y0), (middle, y0), (middle, y1), (x1, y1)],
            [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4],
        )
        if tonnes <= 0:
            style: dict[str, Any] = {"edgecolor": "0.3", "linestyle": ":", "linewidth": 0.6}
        else:
            style = {
                "edgecolor": country_colour(str(origin)),
                "alpha": 0.55,
                "linewidth": max(0.4, max_width * tonnes / top),
            }
        ax.add_patch(PathPatch(path, facecolor="none", capstyle="butt", zorder=1, **style))
    countries = []
    for n in used:
        country = str(info_of.at[n, "country"])
        countries.append(country)
        ax.text(
            col[n],
            pos[n],
            n,
            ha="center",
            va="center",
            fontsize=6.5,
            zorder=3,
            bbox={
                "boxstyle": "round,pad=0.25",
                "facecolor": _tint(country_colour(country)),
                "edgecolor": country_colour(country),
                "linewidth": 1.2,
            },
        )
    for c, label in enumerate(COLUMN_TITLES):
        if c in columns:
            ax.text(c, -0.04, label, ha="center", va="bottom", fontsize=8.5, fontweight="bold")
    ax.set_xlim(-0.55, max(columns) + 0.55)
    ax.set_ylim(1.02, -0.1 if tallest > 1 else -0.3)
    ax.axis("off")
    legend: list[Artist] = [
        Patch(
            facecolor=_tint(country_colour(c)),
            edgecolor=country_colour(c),
            label=f"{c} {country_name(c)}",
        )
        for c in sorted(set(countries))
    ]
    legend += [
        Line2D(
            [],
            [],
            color="0.4",
            linewidth=max(0.4, max_width * t / top),
            solid_capstyle="butt",
            label=f"{t:,.0f} t",
        )
        for t in _nice_steps(top)
    ]
    legend += [Line2D([], [], color="0.3", linestyle=":", linewidth=0.6, label="no flow")]
    if not links["forward"].all():
        legend.append(Line2D([], [], color="0.45", linestyle=(0, (3, 2)), label="scrap returns"))
    fig.legend(
        handles=legend,
        loc="outside right upper",
        frameon=False,
        fontsize=7.5,
        title="country · tonnes",
        title_fontsize=8,
        labelspacing=1.1,
        handlelength=2.5,
    )
    return fig


def _tint(colour: str, amount: float = 0.6) -> tuple[float, float, float]:
    """The colour mixed with white, so black labels stay readable on it."""
    red, green, blue = to_rgb(colour)
    return (red + (1 - red) * amount, green + (1 - green) * amount, blue + (1 - blue) * amount)


def _nice_steps(top: float) -> list[float]:
    """Up to three round tonnages at or below `top` for the width legend."""
    if top <= 0:
        return []
    exponent = 10 ** math.floor(math.log10(top))
    first = max(m * exponent for m in (1, 2, 5) if m * exponent <= top)
    return [first, first / 10, first / 100]


# ---------------------------------------------------------------------------------------------
# Ensembles: the distribution of cumulative shortfall
# ---------------------------------------------------------------------------------------------


def shortfall_distribution(
    metrics: pd.DataFrame,
    info: RunInfo,
    *,
    markets: Sequence[str] | None = None,
    policies: Sequence[str] | None = None,
) -> Figure:
    """An ensemble: cumulative shortfall per replication for each market that fell short in
    any (box: quartiles, whiskers: P5-P95, triangle: mean, dots: replications); with a
    `policy` column, one box per policy in each market's panel."""
    rows = metrics[metrics["metric"] == "shortfall_units"]
    if markets is None:
        short = rows.groupby("market", sort=False, observed=True)["value"].max()
        markets = [str(m) for m in short[short > 0].index]
    n = int(rows["rep"].nunique()) if "rep" in rows else info.replications
    names = _policies_of(rows, policies) if "policy" in rows else [""]
    title = f"Cumulative shortfall across {n:,} replications, per market that fell short" + (
        " and policy" if len(names) > 1 else ""
    )
    fig = _figure(info, title, max(2.6, 1.2 + (0.5 + 0.45 * len(names)) * max(1, len(markets))))
    if not markets:
        ax = fig.subplots()
        ax.text(
            0.5,
            0.5,
            f"No market fell short in any of {n:,} replications.",
            ha="center",
            va="center",
            fontsize=11,
        )
        ax.axis("off")
        return fig
    axes = np.atleast_1d(fig.subplots(len(markets), 1, squeeze=False)[:, 0])
    rng = np.random.default_rng(0)
    styles = policy_styles(names) if names != [""] else {}
    for ax, market in zip(axes, markets, strict=True):
        mine = rows[rows["market"] == market]
        unit = str(mine["unit"].iloc[0]) if "unit" in mine and len(mine) else "units"
        country = str(mine["country"].iloc[0]) if "country" in mine and len(mine) else ""
        top = 1.0
        for i, name in enumerate(names):
            values = (mine if not name else mine[mine["policy"] == name])["value"].to_numpy(
                dtype=float
            )
            colour = styles[name]["color"] if name else country_colour(country)
            ax.boxplot(
                [values],
                positions=[i + 1],
                orientation="horizontal",
                widths=0.5,
                whis=(5, 95),
                showfliers=False,
                showmeans=True,
                patch_artist=True,
                boxprops={
                    "facecolor": _tint(colour),
                    "edgecolor": "black",
                    "hatch": country_hatch(country) if not name else "",
                },
                medianprops={"color": "black", "linewidth": 2},
                meanprops={"marker": "^", "markerfacecolor": "white", "markeredgecolor": "black"},
            )
            ax.scatter(
                values,
                i + 1 + rng.uniform(-0.18, 0.18, len(values)),
                s=8,
                color=colour,
                edgecolor="black",
                linewidth=0.3,
                alpha=0.7,
                zorder=3,
            )
            top = max(top, float(values.max()) if len(values) else 0.0)
        where = f"{market}\n({country_name(country)})" if country else market
        ax.set_yticks(
            range(1, len(names) + 1),
            [where] if names == [""] else [f"{market}: {n}" for n in names],
            fontsize=8,
        )
        ax.set_ylim(len(names) + 0.5, 0.5)
        ax.set_xlabel(f"cumulative shortfall ({unit_label(unit)})", fontsize=8.5)
        ax.set_xlim(left=0, right=top * 1.05)
        _thousands(ax.xaxis)
        _grid(ax)
        ax.grid(True, axis="x", color="0.88", linewidth=0.6)
    return fig


# ---------------------------------------------------------------------------------------------
# Policy comparisons: bands.csv, comparison.csv and ranking.csv with a `policy` column
# ---------------------------------------------------------------------------------------------


def _replications(n: int) -> str:
    return "one run" if n == 1 else f"the median across {n:,} replications"


def supply_demand_policies(
    bands: pd.DataFrame,
    market: str,
    info: RunInfo,
    *,
    unit: str = "units",
    windows: pd.DataFrame | None = None,
    place: str = "",
    policies: Sequence[str] | None = None,
) -> Figure:
    """A policy comparison: a market's deliveries (top) and shortfall (bottom) per review under
    the baseline and each policy (medians across replications), with its demand."""
    units = f"{unit_label(unit)} {info.per_review()}"
    n = int(bands["replications"].max())
    fig = _figure(
        info,
        f"{market}{place}: deliveries and shortfall under each policy, "
        f"{units} ({_replications(n)})",
        5.6,
    )
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.0, 1.2))
    names = _policies_of(bands, policies)
    styles = policy_styles(names)
    labels = _same_as_first(bands, market, names, ("delivered_units", "shortfall_units"))
    dates = None
    for name in names:
        if name not in labels:
            continue
        mine = bands[bands["policy"] == name]
        for variable, ax in (("delivered_units", top), ("shortfall_units", bottom)):
            rows = _bands_of(mine, market, variable)
            scale = per_review_scale(rows, info.step_days, info.horizon_days)
            style = {**styles[name], "markevery": max(1, len(rows) // 12), "markersize": 4}
            ax.plot(
                rows.index,
                rows["p50"].to_numpy() / scale,
                drawstyle="steps-post",
                label=labels[name],
                **style,
            )
            dates = rows.index
        if name == names[0]:
            rows = _bands_of(mine, market, "demand_units")
            scale = per_review_scale(rows, info.step_days, info.horizon_days)
            top.plot(
                rows.index,
                rows["p50"].to_numpy() / scale,
                drawstyle="steps-post",
                label="demand",
                color="0.45",
                linestyle=(0, (5, 2)),
                linewidth=1.0,
            )
    for ax in (top, bottom):
        _shade(ax, windows, label=ax is top)
        _grid(ax)
        ax.set_ylim(bottom=0)
    assert dates is not None
    _market_axes(top, bottom, units, dates)
    top.set_title("deliveries and demand", loc="left", fontsize=9)
    return fig


def cover_policies(
    bands: pd.DataFrame,
    market: str,
    info: RunInfo,
    *,
    windows: pd.DataFrame | None = None,
    place: str = "",
    policies: Sequence[str] | None = None,
) -> Figure:
    """A policy comparison: a market's lowest days of cover per time bucket under the baseline
    and each policy (medians across replications)."""
    n = int(bands["replications"].max())
    fig = _figure(
        info,
        f"{market}{place}: lowest days of cover over its minerals under each "
        f"policy ({_replications(n)})",
        4.6,
    )
    ax = fig.subplots()
    names = _policies_of(bands, policies)
    styles = policy_styles(names)
    labels = _same_as_first(bands, market, names, ("cover_days",))
    rows = None
    for name in names:
        if name not in labels:
            continue
        rows = _bands_of(bands[bands["policy"] == name], market, "cover_days")
        ax.plot(
            rows.index,
            rows["p50"],
            drawstyle="steps-post",
            label=labels[name],
            markevery=max(1, len(rows) // 12),
            markersize=4,
            **styles[name],
        )
    assert rows is not None
    _shade(ax, windows)
    _grid(ax)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("days of cover (days)")
    _legend(ax)
    _date_axis(ax, rows.index)
    return fig


def _same_as_first(
    bands: pd.DataFrame, market: str, names: list[str], variables: Sequence[str]
) -> dict[str, str]:
    """Legend label per policy to draw; policies whose medians equal the first one's (the
    baseline) are not drawn but named in its label."""

    def medians(name: str) -> np.ndarray:
        mine = bands[bands["policy"] == name]
        return np.concatenate(
            [_bands_of(mine, market, v)["p50"].to_numpy(dtype=float) for v in variables]
        )

    first = medians(names[0])
    same = [n for n in names[1:] if np.allclose(medians(n), first, rtol=1e-9, atol=1e-9)]
    labels = {n: n for n in names if n not in same}
    if same:
        labels[names[0]] = f"{names[0]} (also {', '.join(same)})"
    return labels


def policy_effects(
    comparison: pd.DataFrame,
    info: RunInfo,
    *,
    markets: Sequence[str],
    metric: str = "shortfall_units",
    units: dict[str, str] | None = None,
    policies: Sequence[str] | None = None,
) -> Figure:
    """A policy comparison: per market, each policy's mean paired difference from the baseline
    (policy - baseline, same replications) with its 95% confidence interval."""
    rows = comparison[(comparison["metric"] == metric) & comparison["market"].isin(markets)]
    names = [p for p in _policies_of(rows, policies) if p != BASELINE]
    moved = rows.groupby("market", sort=False)["delta"].apply(lambda d: bool((d.abs() > 0).any()))
    markets = [m for m in markets if moved.get(m, False)] or list(markets)[:1]
    pairs = int(rows["pairs"].max()) if len(rows) else 0
    what = "cumulative shortfall" if metric == "shortfall_units" else metric.replace("_", " ")
    over = (
        f"over {pairs:,} paired replications, with 95% confidence intervals"
        if pairs > 1
        else "in one run (a confidence interval needs two replications or more)"
    )
    fig = _figure(
        info,
        f"Effect of each policy on {what}: difference from the baseline {over}",
        max(2.8, 1.3 + (0.32 * len(names) + 0.5) * max(1, len(markets))),
    )
    axes = np.atleast_1d(fig.subplots(max(1, len(markets)), 1, squeeze=False)[:, 0])
    styles = policy_styles([BASELINE, *names])
    for ax, market in zip(axes, markets, strict=False):
        mine = {str(r["policy"]): r for r in rows[rows["market"] == market].to_dict("records")}
        for y, name in enumerate(names):
            if name not in mine:
                continue
            delta = float(mine[name]["delta"])
            low, high = float(mine[name]["ci_low"]), float(mine[name]["ci_high"])
            err = None if not np.isfinite([low, high]).all() else [[delta - low], [high - delta]]
            style = styles[name]
            ax.errorbar(
                [delta],
                [y],
                xerr=err,
                fmt=style["marker"],
                color=style["color"],
                markersize=7,
                capsize=4,
                linewidth=1.4,
                markeredgecolor="black",
            )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_ylim(len(names) - 0.5, -0.5)
        unit = (units or {}).get(market, str(rows["unit"].iloc[0]) if len(rows) else "")
        ax.set_xlabel(
            f"{market}: change in {what} vs baseline ({unit_label(unit)}); "
            "negative = less shortfall",
            fontsize=8.5,
        )
        _thousands(ax.xaxis)
        ax.grid(True, axis="x", color="0.88", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig


def policy_costs(
    ranking: pd.DataFrame, info: RunInfo, *, policies: Sequence[str] | None = None
) -> Figure:
    """A policy comparison: each policy's cost against the shortfall it avoids (tonnes of the
    minerals it acts on), labelled with its rank by cost per tonne avoided."""
    names = _policies_of(ranking, policies)
    styles = policy_styles([BASELINE, *names])
    fig = _figure(
        info,
        "Cost and effect of each policy: tonnes of shortfall avoided against cost over the horizon",
        4.8,
    )
    ax = fig.subplots()
    table = {str(r["policy"]): r for r in ranking.to_dict("records")}
    costs = []
    for name in names:
        row = table[name]
        x, y = float(row["shortfall_avoided_t"]), float(row["cost_usd"]) / 1e6
        costs.append(y)
        style, per_t, rank = styles[name], float(row["cost_per_t_avoided"]), int(row["rank"])
        ax.scatter(
            [x],
            [y],
            s=70,
            marker=style["marker"],
            color=style["color"],
            edgecolor="black",
            zorder=3,
            label=f"#{rank} {name}: "
            + (f"{per_t:,.0f} USD/t" if np.isfinite(per_t) else "avoids nothing"),
        )
        ax.annotate(f"#{rank}", (x, y), xytext=(6, 4), textcoords="offset points", fontsize=8)
    positive = [c for c in costs if c > 0]
    if positive and max(positive) / min(positive) > 50:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(tick))
    ax.set_xlabel("shortfall avoided (t of the minerals the policy acts on)")
    ax.set_ylabel("cost (million USD)")
    ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
    _thousands(ax.xaxis)
    ax.grid(True, color="0.9", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=8,
        title="rank, policy: cost per t avoided",
        title_fontsize=8,
    )
    return fig


# ---------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------


def stress_exposure(stress: pd.DataFrame, info: RunInfo, *, top: int = 12) -> Figure:
    """The stress test: each target's time to survive against its time to recover. Targets
    below the diagonal fail faster than they can be mended (exposed); marker size grows with
    the demand lost. Targets that never cause a shortfall sit on the top edge."""
    fig = _figure(
        info,
        "Stress test: time to survive against time to recover of each node, "
        "producing country and chokepoint (below the diagonal: exposed)",
        5.6,
    )
    ax = fig.subplots()
    horizon = float(info.horizon_days or max(1.0, float(stress["ttr_days"].max()) * 2))
    tts = stress["tts_days"].astype(float).clip(upper=horizon)
    ttr = stress["ttr_days"].astype(float)
    lost = stress["risk_exposure_index"].astype(float)
    kinds = list(dict.fromkeys(stress["kind"]))
    markers = dict(zip(kinds, "osD^vP*X", strict=False))
    for kind in kinds:
        rows = stress["kind"] == kind
        ax.scatter(
            ttr[rows],
            tts[rows],
            s=20 + 280 * lost[rows],
            marker=markers[kind],
            facecolors="none" if kind == "chokepoint" else "0.55",
            edgecolors="0.1",
            linewidths=0.8,
            label=kind,
            alpha=0.85,
        )
    limit = max(horizon, float(ttr.max()) * 1.1)
    ax.plot(
        [0, limit],
        [0, limit],
        color="0.3",
        linestyle="--",
        linewidth=0.9,
        label="time to survive = time to recover",
    )
    spots: dict[tuple[float, float], list[str]] = {}
    head = stress.head(top)
    for rank, target, ttr_days, tts_days, index in zip(  # one label per spot: points coincide
        head["rank"],
        head["target"],
        head["ttr_days"].astype(float),
        head["tts_days"].astype(float),
        head["risk_exposure_index"].astype(float),
        strict=True,
    ):
        if index > 0:
            spot = (ttr_days, round(min(tts_days, horizon) / 7) * 7)
            spots.setdefault(spot, []).append(f"{rank}. {target}")
    for (x, y), names in spots.items():
        more = f" +{len(names) - 3} more" if len(names) > 3 else ""
        ax.annotate(
            ", ".join(names[:3]) + more,
            (x, y),
            fontsize=7,
            xytext=(6, 2),
            textcoords="offset points",
        )
    ax.set_xlabel("time to recover, days (assumed per kind)")
    ax.set_ylabel("time to survive, days (top edge: no shortfall)")
    ax.set_xlim(0, limit)
    ax.set_ylim(0, horizon * 1.05)
    _grid(ax)
    _legend(ax)
    return fig


def tornado(table: pd.DataFrame, info: RunInfo, *, unit: str = "units", top: int = 12) -> Figure:
    """One-at-a-time sensitivity: for each uncertain input, the mean cumulative shortfall with
    the input fixed at its 5th (light) and 95th (dark, hatched) percentile; the line is the
    scenario as declared. Longest bars first."""
    rows = table.head(top).iloc[::-1]
    market = str(rows["market"].iloc[0]) if len(rows) else ""
    fig = _figure(
        info,
        f"Which uncertain inputs move the cumulative shortfall of {market} "
        "most (one at a time, 5th vs 95th percentile)",
        1.6 + 0.42 * len(rows),
    )
    ax = fig.subplots()
    centre = float(rows["shortfall_as_declared"].iloc[0]) if len(rows) else 0.0
    y = np.arange(len(rows))
    for offset, column, shade, hatch, label in (
        (-0.18, "shortfall_at_p5", "0.75", "", "input at its 5th percentile"),
        (0.18, "shortfall_at_p95", "0.35", "//", "input at its 95th percentile"),
    ):
        values = rows[column].astype(float).to_numpy()
        ax.barh(
            y + offset,
            values - centre,
            left=centre,
            height=0.34,
            color=shade,
            hatch=hatch,
            edgecolor="0.1",
            linewidth=0.6,
            label=label,
        )
    ax.axvline(centre, color="0.1", linewidth=1.0, label="as declared")
    ax.set_yticks(
        y,
        [
            f"{name}\n({p5:,.3g} to {p95:,.3g})"
            for name, p5, p95 in zip(
                rows["input"], rows["p5"].astype(float), rows["p95"].astype(float), strict=True
            )
        ],
        fontsize=7.5,
    )
    ax.set_xlabel(f"mean cumulative shortfall of {market}, {unit_label(unit)}")
    _thousands(ax.xaxis)
    _grid(ax)
    _legend(ax)
    return fig


def save(fig: Figure, folder: Path, name: str) -> list[Path]:
    """Write `fig` as `folder/name.png` (200 dpi) and `folder/name.svg`; each file is written
    under a temporary name and renamed into place. Returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, options in (
        (".png", {"dpi": DPI, "metadata": {"Software": None}}),
        (".svg", {"metadata": {"Date": None, "Creator": None}}),
    ):
        target = folder / f"{name}{suffix}"
        handle, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=folder)
        os.close(handle)
        try:
            fig.savefig(tmp, format=suffix[1:], facecolor="white", **options)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        paths.append(target)
    return paths


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@dataclass
class Chart:
    """A drawn chart: its file name (without suffix), title, how to read it, and the figure."""

    name: str
    title: str
    caption: str
    figure: Figure
    group: str = "markets"


def save_all(charts: Sequence[Chart], folder: Path) -> list[Path]:
    """Save every chart into a fresh `folder` (built beside it, then swapped in, so stale
    charts of an earlier run never linger)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        for chart in charts:
            save(chart.figure, tmp, chart.name)
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [folder / f"{c.name}{s}" for c in charts for s in (".png", ".svg")]


def charts_for(folder: Path | str) -> list[Path]:
    """Draw every chart that applies to a results folder, save them as PNG and SVG under
    `folder/charts/` and return the paths written."""
    folder = Path(folder)
    return save_all(draw_all(load(folder)), folder / "charts")


# ---------------------------------------------------------------------------------------------
# Reading a results folder and choosing the charts that apply
# ---------------------------------------------------------------------------------------------


def draw_all(results: Results) -> list[Chart]:
    """Every chart that the frames of `results` allow, in reading order."""
    info, windows = results.info, shock_windows(results)
    table = market_table(results)
    place = {
        str(m): f" ({country_name(str(c))}" + (f", {s})" if str(s) else ")")
        for m, c, s in zip(table["market"], table["country"], table["sector"], strict=True)
    }
    unit = {str(m): str(u) for m, u in zip(table["market"], table["unit"], strict=True)}
    focus = focus_markets(results) if not results.policies else []
    charts: list[Chart] = []
    sensitivity = results.get("sensitivity")
    if sensitivity is not None and len(sensitivity):
        market = str(sensitivity["market"].iloc[0])
        measured = str(sensitivity["unit"].iloc[0]) if "unit" in sensitivity else "units"
        charts.append(
            _chart(
                "tornado",
                tornado(sensitivity, info, unit=unit.get(market, measured)),
                "Each input is fixed in turn at its 5th and 95th percentile "
                "while the others keep their distributions; same replications "
                "for every bar.",
                "sensitivity",
            )
        )
        return charts
    stress = results.get("stress")
    if stress is not None and len(stress):
        charts.append(
            _chart(
                "stress_exposure",
                stress_exposure(stress, info),
                "Marker size: risk exposure index (demand lost / the largest "
                "demand lost by any target). Numbers: rank by exposure.",
                "stress",
            )
        )
        return charts
    if results.policies:
        charts += _comparison_charts(results, info, windows, place, unit)
    elif results.ensemble:
        charts += _ensemble_charts(results, info, windows, focus, place, unit)
    else:
        charts += _single_charts(results, info, windows, focus, place, unit)
    return charts


def _title(fig: Figure) -> str:
    text = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    return " ".join(str(text).split())


def _chart(name: str, fig: Figure, caption: str, group: str) -> Chart:
    return Chart(name, _title(fig), caption, fig, group)


def _single_charts(
    results: Results,
    info: RunInfo,
    windows: pd.DataFrame,
    focus: list[str],
    place: dict[str, str],
    unit: dict[str, str],
) -> list[Chart]:
    charts: list[Chart] = []
    ts = results.get("timeseries")
    if ts is not None:
        charts.append(
            _chart(
                "fill_rate_overview",
                fill_rate_overview(ts, info, windows=windows),
                "Each row is a market, each column a review; dark cells are "
                "reviews in which part of demand went unmet.",
                "overview",
            )
        )
        for market in focus:
            charts.append(
                _chart(
                    f"supply_demand_{market}",
                    supply_demand(
                        ts,
                        market,
                        info,
                        unit=unit.get(market, "units"),
                        windows=windows,
                        place=place.get(market, ""),
                    ),
                    "Top: demand (dashed) and deliveries (solid) per review; bottom: what went "
                    "unmet. Shaded spans: shocks in force.",
                    "markets",
                )
            )
            charts.append(
                _chart(
                    f"cover_{market}",
                    cover(ts, market, info, windows=windows, place=place.get(market, "")),
                    "Days of cover per mineral the market uses: stock on hand and in transit "
                    "toward it over its expected daily use. Bars: stockpile releases, if any.",
                    "markets",
                )
            )
    charts += _sourcing_and_network_charts(results, info, focus)
    return charts


def _sourcing_and_network_charts(results: Results, info: RunInfo, focus: list[str]) -> list[Chart]:
    """Sourcing over time and in total, and the network flow diagrams: for single runs, and
    for one-replication comparisons, which also write the baseline's flows."""
    charts: list[Chart] = []
    flows, shipments = results.get("flows"), results.get("shipments")
    if shipments is not None:
        for country, mineral in _sourcing_pairs(results, focus):
            try:
                fig = sourcing_over_time(shipments, country, mineral, info)
            except ValueError:
                continue
            charts.append(
                _chart(
                    f"sourcing_{country}_{mineral}",
                    fig,
                    "Stacked: each origin's share of the tonnes shipped into the "
                    "country per review; dashed line: the HHI of those shares "
                    "(1 = a single supplier).",
                    "sourcing",
                )
            )
    if flows is not None:
        for country in _consumers(results):
            charts.append(
                _chart(
                    f"sourcing_totals_{country}",
                    sourcing_totals(flows, country, info),
                    "Each bar is a mineral and stage bought by the country's "
                    "nodes, split by country of origin; HHI and tonnes at the "
                    "right.",
                    "sourcing",
                )
            )
        nodes = node_table(results)
        if nodes is not None:
            for mineral in _network_minerals(results, flows):
                charts.append(
                    _chart(
                        f"network_{mineral}",
                        flow_diagram(flows, nodes, str(mineral), info),
                        "Columns from left to right: mines, refineries and "
                        "recyclers, plants, markets. Link width is proportional "
                        "to tonnes shipped over the horizon; colour is the "
                        "supplier's country.",
                        "network",
                    )
                )
    return charts


def _ensemble_charts(
    results: Results,
    info: RunInfo,
    windows: pd.DataFrame,
    focus: list[str],
    place: dict[str, str],
    unit: dict[str, str],
) -> list[Chart]:
    charts: list[Chart] = []
    bands, metrics = results.get("bands"), results.get("metrics")
    if bands is not None and not bands.empty:
        charts.append(
            _chart(
                "fill_rate_overview",
                fill_rate_overview_bands(
                    bands, info, windows=windows, countries=_countries(results)
                ),
                "Each row is a market, each column a time bucket; dark cells "
                "are buckets in which, on average over replications, part of "
                "demand went unmet.",
                "overview",
            )
        )
        for market in focus:
            charts.append(
                _chart(
                    f"supply_demand_{market}",
                    supply_demand_bands(
                        bands,
                        market,
                        info,
                        unit=unit.get(market, "units"),
                        windows=windows,
                        place=place.get(market, ""),
                    ),
                    "Lines: the median across replications; shaded: from the 5th to the 95th "
                    "percentile. Hatched grey spans: shocks with fixed dates.",
                    "markets",
                )
            )
            charts.append(
                _chart(
                    f"cover_{market}",
                    cover_bands(bands, market, info, windows=windows, place=place.get(market, "")),
                    "The lowest days of cover over the market's minerals in each time bucket: "
                    "median and P5-P95 across replications.",
                    "markets",
                )
            )
    if metrics is not None:
        short = metrics[(metrics["metric"] == "shortfall_units") & (metrics["value"] > 0)]
        if not short.empty:
            charts.append(
                _chart(
                    "shortfall_distribution",
                    shortfall_distribution(metrics, info),
                    "One row per market that fell short in any replication: box "
                    "from the 25th to the 75th percentile, whiskers P5-P95, "
                    "triangle the mean, dots single replications.",
                    "risk",
                )
            )
    return charts


def _comparison_charts(
    results: Results,
    info: RunInfo,
    windows: pd.DataFrame,
    place: dict[str, str],
    unit: dict[str, str],
) -> list[Chart]:
    charts: list[Chart] = []
    policies, focus = results.policies, comparison_focus(results)
    bands, comparison = results.get("bands"), results.get("comparison")
    ranking, metrics = results.get("ranking"), results.get("metrics")
    base = results.for_policy(BASELINE).get("bands")
    if base is not None and not base.empty:
        charts.append(
            _chart(
                "fill_rate_overview",
                fill_rate_overview_bands(
                    base, info, windows=windows, countries=_countries(results), policy=BASELINE
                ),
                "The baseline (no policy): each row is a market, each column a "
                "time bucket; dark cells are buckets in which, on average over "
                "replications, part of demand went unmet.",
                "overview",
            )
        )
    if ranking is not None and not ranking.empty:
        charts.append(
            _chart(
                "policy_costs",
                policy_costs(ranking, info, policies=policies),
                "Each point is a policy: right is more shortfall avoided, down "
                "is cheaper (costs from the scenario's lever assumptions); the "
                "legend gives the cost per tonne avoided and the rank.",
                "policies",
            )
        )
    if comparison is not None and not comparison.empty and focus:
        charts.append(
            _chart(
                "policy_effects",
                policy_effects(comparison, info, markets=focus, units=unit, policies=policies),
                "Each point is a policy's mean change in cumulative shortfall "
                "against the baseline on the same replications (common random "
                "numbers); bars: 95% confidence intervals; left of zero is "
                "better.",
                "policies",
            )
        )
    if bands is not None and not bands.empty:
        for market in focus:
            charts.append(
                _chart(
                    f"supply_demand_{market}",
                    supply_demand_policies(
                        bands,
                        market,
                        info,
                        unit=unit.get(market, "units"),
                        windows=windows,
                        place=place.get(market, ""),
                        policies=policies,
                    ),
                    "Deliveries and shortfall per review under the baseline (black, solid) and "
                    "each policy (one colour and dash pattern each); grey dashed: demand.",
                    "markets",
                )
            )
            charts.append(
                _chart(
                    f"cover_{market}",
                    cover_policies(
                        bands,
                        market,
                        info,
                        windows=windows,
                        place=place.get(market, ""),
                        policies=policies,
                    ),
                    "The lowest days of cover over the market's minerals in each time bucket, "
                    "under the baseline and each policy.",
                    "markets",
                )
            )
    if metrics is not None and info.replications > 1 and focus:
        short = metrics[
            (metrics["metric"] == "shortfall_units")
            & (metrics["value"] > 0)
            & metrics["market"].isin(focus)
        ]
        if not short.empty:
            markets = [str(m) for m in dict.fromkeys(short["market"])]
            charts.append(
                _chart(
                    "shortfall_distribution",
                    shortfall_distribution(metrics, info, markets=markets, policies=policies),
                    "One box per policy for each market that fell short: from "
                    "the 25th to the 75th percentile, whiskers P5-P95, triangle "
                    "the mean, dots single replications.",
                    "risk",
                )
            )
    charts += _sourcing_and_network_charts(results, info, focus)
    return charts


def _network_minerals(results: Results, flows: pd.DataFrame) -> list[str]:
    """The minerals the shocks name, else every mineral that flows."""
    every = [str(m) for m in dict.fromkeys(flows["mineral"])]
    shocked = {s.get("mineral") for s in results.scenario.get("shocks") or []}
    for shock in results.scenario.get("shocks") or []:
        shocked |= set((shock.get("select") or {}).get("minerals") or [])
    return [m for m in every if m in shocked] or every


def _countries(results: Results) -> dict[str, str]:
    table = market_table(results)
    return {str(m): str(c) for m, c in zip(table["market"], table["country"], strict=True)}


def _consumers(results: Results) -> list[str]:
    """Countries with a market, aggregates (XA-XZ) left out, in the order markets appear."""
    table = market_table(results)
    return [c for c in dict.fromkeys(table["country"]) if not is_aggregate(c)] if len(table) else []


def _sourcing_pairs(results: Results, focus: list[str]) -> list[tuple[str, str]]:
    """(country, mineral) pairs worth a sourcing-over-time chart: the countries of the focus
    markets and of shock targets, for the shocked minerals (else the minerals they use)."""
    table = market_table(results)
    country_of = dict(zip(table["market"], table["country"], strict=True))
    minerals_of = dict(zip(table["market"], table["minerals"], strict=True))
    shocks = results.scenario.get("shocks") or []
    shocked = [str(s["mineral"]) for s in shocks if s.get("mineral")]
    countries = [str(country_of[m]) for m in focus]
    countries += [str(c) for s in shocks for c in s.get("to_countries") or []]
    pairs = []
    for country in dict.fromkeys(countries):
        if is_aggregate(country):
            continue
        used = [
            str(m) for market in focus if country_of[market] == country for m in minerals_of[market]
        ]
        for mineral in dict.fromkeys(shocked or used):
            pairs.append((country, mineral))
    return pairs
