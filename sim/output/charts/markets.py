"""A market over time: demand, deliveries and shortfall, and days of cover.

One run reads timeseries.csv (one row per review, node and variable); an ensemble reads
bands.csv (per market, variable and time bucket: mean and P5/P50/P95 across replications,
summed over the reviews of a bucket, so values are divided by `per_review_scale` to be per
review). Quantities are in the market's product unit per review period; days of cover in days.
Titles name a market by `name` (its label; default its id) followed by `place`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.output.charts.style import (
    DEMAND,
    SHORTFALL,
    country_colour,
    date_axis,
    grid,
    mineral_style,
    new_figure,
    nothing_if_zero,
    shade,
    side_legend,
    thousands,
)
from sim.output.folder import RunInfo
from sim.output.labels import mineral_label, unit_label


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
    name: str = "",
) -> Figure:
    """One run: a market's demand and deliveries per review (top) and its shortfall (bottom)."""
    wide = _market_series(
        timeseries, market, ("demand_units", "delivered_units", "shortfall_units"), rep
    )
    units = f"{unit_label(unit)} {info.per_review()}"
    fig = new_figure(
        info, f"{name or market}{place}: demand, deliveries and shortfall, {units}", 5.2
    )
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
        shade(ax, windows, label=ax is top)
        grid(ax)
        ax.set_ylim(bottom=0)
    nothing_if_zero(bottom, wide["shortfall_units"].to_numpy(), "no shortfall in this run")
    market_axes(top, bottom, units, wide.index)
    return fig


def market_axes(top: Axes, bottom: Axes, units: str, dates: pd.Index) -> None:
    top.set_ylabel(units)
    bottom.set_ylabel(f"shortfall\n{units}")
    top.set_title("demand and deliveries", loc="left", fontsize=9)
    bottom.set_title("unmet demand (shortfall)", loc="left", fontsize=9)
    for ax in (top, bottom):
        thousands(ax.yaxis)
        side_legend(ax)
    date_axis(bottom, dates)


def bands_of(bands: pd.DataFrame, market: str, variable: str) -> pd.DataFrame:
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
    name: str = "",
) -> Figure:
    """An ensemble: median and P5-P95 band across replications of demand, deliveries and
    shortfall per review (bucket sums divided by the reviews in each bucket)."""
    units = f"{unit_label(unit)} {info.per_review()}"
    n = int(bands["replications"].max()) if "replications" in bands else info.replications
    fig = new_figure(
        info,
        f"{name or market}{place}: demand, deliveries and shortfall "
        f"{'in one run' if n == 1 else f'across {n:,} replications (median and P5-P95)'}, {units}",
        5.4,
    )
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1))
    colour = country_colour(_band_country(bands, market))
    for variable, ax in (
        ("delivered_units", top),
        ("demand_units", top),
        ("shortfall_units", bottom),
    ):
        rows = bands_of(bands, market, variable)
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
            nothing_if_zero(ax, p95, "no shortfall in any replication")
    for ax in (top, bottom):
        shade(ax, windows, label=ax is top)
        grid(ax)
        ax.set_ylim(bottom=0)
    market_axes(top, bottom, units, bands_of(bands, market, "demand_units").index)
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
    name: str = "",
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
    fig = new_figure(
        info,
        f"{name or market}{place}: days of cover per mineral (on hand and in transit "
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
    shade(ax, windows)
    grid(ax)
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
        side_legend(ax)
    date_axis(ax, wide.index)
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
    name: str = "",
) -> Figure:
    """An ensemble: the lowest days of cover over the market's minerals in each time bucket,
    median and P5-P95 across replications."""
    rows = bands_of(bands, market, "cover_days")
    n = int(rows["replications"].max()) if "replications" in rows else info.replications
    fig = new_figure(
        info,
        f"{name or market}{place}: lowest days of cover over its minerals, "
        + ("in one run" if n == 1 else f"across {n:,} replications (median and P5-P95)"),
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
    shade(ax, windows)
    grid(ax)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("days of cover (days)")
    side_legend(ax)
    date_axis(ax, x)
    return fig
