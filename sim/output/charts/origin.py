"""Embodied origin: what the material a country's markets put in use is made of (origin.csv).

`origin_shares` follows, over time, the share of the material that was mined, refined and made
in the countries of `metrics.share_from` (one panel per mineral, one line per stage of origin);
`origin_flows` splits the whole run's material by country at each stage (one bar per mineral
and stage: where it was mined, refined, made). A country's share is mass-weighted over its
markets of the mineral (`sim.output.origin.mass_weighted`). An ensemble's lines are means over
replications (mass-weighted); its band runs from the lowest P5 to the highest P95 across
replications among the country's markets of the mineral (one market: its own P5-P95), since the
quantiles of a mean over markets do not follow from theirs. A policy comparison shows its
baseline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.output.charts.style import (
    country_colour,
    country_hatch,
    date_axis,
    grid,
    new_figure,
    shade,
    tint,
)
from sim.output.folder import RunInfo
from sim.output.labels import country_name, mineral_label
from sim.output.origin import (
    ORIGIN_STAGES,
    STAGE_VERBS,
    mass_weighted,
    origin_name,
    tag_share,
)
from sim.scenario.origin import OTHER_COUNTRIES
from sim.vocabulary import COMPONENT, ORE, REFINED

STAGE_LINES: dict[str, dict[str, Any]] = {
    ORE: {"color": "#8C564B", "linestyle": "-", "marker": "o"},
    REFINED: {"color": "#0072B2", "linestyle": (0, (6, 2)), "marker": "s"},
    COMPONENT: {"color": "#D55E00", "linestyle": (0, (1.5, 1.5)), "marker": "^"},
}
"""One colour, dash pattern and marker per stage of origin (for grey-scale print)."""
STAGE_HATCHES = {ORE: "///", REFINED: "\\\\\\", COMPONENT: "---"}
"""The hatch of each stage's P5-P95 band (line hatches only: dots swell SVG files)."""
MARKER_AT = (0.25, 0.5, 0.75)
"""Where along its bucket each stage's marker sits (ore, refined, component)."""
TOP_COUNTRIES = 8
"""Countries named in the flows chart; the rest are 'other countries'."""
OTHER = "other"
LABEL_FROM = 7.0
"""Segments at least this wide (percentage points) carry their share as a label."""


def _minerals(rows: pd.DataFrame) -> list[str]:
    return [str(m) for m in dict.fromkeys(rows["mineral"])]


def origin_shares(
    origin: pd.DataFrame,
    country: str,
    origins: Sequence[str],
    info: RunInfo,
    *,
    end: pd.Timestamp | None = None,
    windows: pd.DataFrame | None = None,
    baseline: bool = False,
) -> Figure:
    """The share of the material `country`'s markets put in use per time bucket that was mined,
    refined and made in each of `origins`, %, one panel per mineral (`end`: the end of the
    horizon, where the last bucket's step stops). Raises ValueError if the country has no
    market in the frame."""
    rows = origin[origin["country"] == country]
    if rows.empty:
        raise ValueError(f"no origin of what {country}'s markets put in use in the frame")
    minerals = _minerals(rows)
    shares = mass_weighted(rows, ["mineral", "bucket"])
    n = int(rows["replications"].max())
    banded = n > 1 and bool((rows["p95"] - rows["p5"]).abs().max() > 1e-9)
    name = country_name(country)
    whose = " or ".join(country_name(c) for c in origins)
    what = (
        "one run"
        if n == 1
        else f"mean over {n:,} replications"
        + ("; shaded: P5 to P95, the widest over its markets" if banded else "")
    )
    cols = 2 if len(minerals) > 3 else 1
    lines = math.ceil(len(minerals) / cols)
    entries = len(ORIGIN_STAGES) * len(origins) + (0 if windows is None else len(windows))
    legend_in = 0.25 + 0.17 * math.ceil(entries / 3)
    fig = new_figure(
        info,
        f"{name}: share of the material its markets put in use that was mined, refined and "
        f"made in {whose}, per {int(rows['days'].max())}-day bucket "
        f"({'baseline, ' if baseline else ''}{what}), %",
        1.1 + 2.2 * lines + legend_in,
        width=11.0 if cols == 2 else 9.0,
    )
    grid_spec = fig.add_gridspec(lines + 1, cols, height_ratios=[2.2] * lines + [legend_in])
    x = _steps(rows, end)
    axes: list[Axes] = []
    for i, mineral in enumerate(minerals):
        ax = fig.add_subplot(
            grid_spec[i // cols, i % cols],
            sharex=axes[0] if axes else None,
            sharey=axes[0] if axes else None,
        )
        axes.append(ax)
        mine = rows[rows["mineral"] == mineral]
        for origin_country in origins:
            for stage in ORIGIN_STAGES:
                _stage_line(ax, x, shares, mine, mineral, origin_country, stage, origins, banded)
        shade(ax, windows, label=i == 0)
        grid(ax)
        ax.set_ylim(-2, 102)
        markets = [str(m) for m in dict.fromkeys(mine["market"])]
        ax.set_title(f"{mineral_label(mineral)}: {_market_list(markets)}", loc="left", fontsize=9)
        lowest = i + cols >= len(minerals)  # the lowest panel of its column carries the dates
        ax.xaxis.set_tick_params(labelbottom=lowest)
        if lowest:
            date_axis(ax, pd.Index(x))
        if i % cols:
            ax.yaxis.set_tick_params(labelleft=False)
    fig.supylabel("share of material put in use, %", fontsize=9)
    key = fig.add_subplot(grid_spec[-1, :])
    key.axis("off")
    key.legend(
        *axes[0].get_legend_handles_labels(), loc="center", ncols=3, frameon=False, fontsize=8
    )
    return fig


def _steps(rows: pd.DataFrame, end: pd.Timestamp | None) -> np.ndarray:
    """Bucket start dates and the end of the last bucket (the horizon), for step lines."""
    starts = rows.drop_duplicates("bucket").sort_values("bucket")
    dates = list(pd.to_datetime(starts["date"]))
    last = dates[-1] + pd.Timedelta(days=int(starts["days"].iloc[-1]))
    return np.array([*dates, end if end is not None else last], dtype="datetime64[ns]")


def _market_list(markets: list[str]) -> str:
    if len(markets) <= 3:
        return ", ".join(markets)
    return f"{len(markets)} markets ({', '.join(markets[:2])} ...)"


def _stage_line(
    ax: Axes,
    x: np.ndarray,
    shares: pd.DataFrame,
    mine: pd.DataFrame,
    mineral: str,
    origin_country: str,
    stage: str,
    origins: Sequence[str],
    banded: bool,
) -> None:
    """One stage's share over time (and its band), as a step line with a marker per bucket."""
    series = tag_share(shares, ["mineral", "bucket"], origin_country, stage)
    values = series.xs(mineral, level="mineral").sort_index().to_numpy(dtype=float) * 100
    style = dict(STAGE_LINES[stage])
    if len(origins) > 1:
        style["color"] = country_colour(origin_country)
    label = f"{STAGE_VERBS[stage]} in {origin_name(origin_country)}"
    if banded:
        low, high = _band(mine, origin_country, stage)
        ax.fill_between(
            x,
            np.append(low, low[-1]) * 100,
            np.append(high, high[-1]) * 100,
            step="post",
            facecolor=tint(style["color"], 0.6),
            edgecolor=style["color"],
            hatch=STAGE_HATCHES[stage],
            linewidth=0,
            alpha=0.45,
        )
    # Each bucket's level from its start to its end, with the stage's marker a quarter, half
    # or three quarters of the way along (so that equal shares of two stages stay apart).
    where = MARKER_AT[ORIGIN_STAGES.index(stage) % len(MARKER_AT)]
    starts, ends = x[:-1], x[1:]
    marks = starts + (ends - starts) * where
    xs = np.column_stack([starts, marks, ends]).ravel()
    ys = np.repeat(values, 3)
    ax.plot(
        xs,
        ys,
        linewidth=1.8,
        markersize=4.5,
        markevery=list(range(1, len(xs), 3)),
        label=label,
        **style,
    )


def _band(mine: pd.DataFrame, origin_country: str, stage: str) -> tuple[np.ndarray, np.ndarray]:
    """Per bucket: the lowest P5 and the highest P95 over the markets (0 for a market the
    origin never reached)."""
    buckets = sorted(mine["bucket"].unique())
    markets = set(mine["market"])
    tag = mine[(mine["origin_stage"] == stage) & (mine["origin_country"] == origin_country)]
    low = tag.groupby("bucket")["p5"].min().reindex(buckets)
    high = tag.groupby("bucket")["p95"].max().reindex(buckets)
    if set(tag["market"]) != markets:
        low = low.clip(upper=0.0).fillna(0.0)
    return low.fillna(0.0).to_numpy(dtype=float), high.fillna(0.0).to_numpy(dtype=float)


def origin_flows(
    origin: pd.DataFrame,
    country: str,
    info: RunInfo,
    *,
    first: Sequence[str] = (),
    baseline: bool = False,
) -> Figure:
    """Flows by origin from mine to market: for each mineral `country`'s markets put in use, one
    bar per stage (mined, refined, made) split by country, whole run, mass-weighted, %; the
    countries in `first` (the scenario's `share_from`) come first in every bar. Raises
    ValueError if the country has no market in the frame."""
    rows = origin[origin["country"] == country]
    if rows.empty:
        raise ValueError(f"no origin of what {country}'s markets put in use in the frame")
    minerals = _minerals(rows)
    shares = mass_weighted(rows, ["mineral"])
    top = _top_countries(shares, first)
    bars: list[tuple[str, str]] = [(m, s) for m in minerals for s in ORIGIN_STAGES]
    y = np.array([i + 0.5 * (i // len(ORIGIN_STAGES)) for i in range(len(bars))])
    name = country_name(country)
    days = f"{info.horizon_days:,} days" if info.horizon_days else "the run"
    n = int(rows["replications"].max())
    fig = new_figure(
        info,
        f"Flows by origin from mine to market: where the material {name}'s markets put in use "
        f"was mined, refined and made, over {days} ({'baseline, ' if baseline else ''}"
        f"{'one run' if n == 1 else f'mean over {n:,} replications'}, mass-weighted), %",
        max(3.0, 1.4 + 0.3 * y[-1]) + 0.6,
    )
    ax, key = fig.subplots(2, 1, height_ratios=(max(1.6, 0.3 * y[-1]), 0.6))
    left = np.zeros(len(bars))
    for code in [*top, OTHER]:
        values = np.array([_segment(shares, m, s, code, top) for m, s in bars]) * 100
        if code == OTHER and not values.max(initial=0.0) > 0:
            continue
        colour = "#DDDDDD" if code == OTHER else country_colour(code)
        ax.barh(
            y,
            values,
            left=left,
            color=colour,
            hatch="" if code == OTHER else country_hatch(code),
            edgecolor="white",
            linewidth=0.6,
            height=0.8,
            label="other countries" if code == OTHER else origin_name(code),
        )
        for yi, start, width in zip(y, left, values, strict=True):
            if width >= LABEL_FROM:
                ax.text(
                    start + width / 2,
                    yi,
                    f"{width:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=7,
                    bbox={
                        "boxstyle": "round,pad=0.15",
                        "facecolor": "white",
                        "alpha": 0.85,
                        "linewidth": 0,
                    },
                )
        left += values
    totals = (
        rows.drop_duplicates(["market", "mineral", "bucket"])
        .groupby("mineral")["delivered_t"]
        .sum()
    )
    for i, (mineral, stage) in enumerate(bars):
        if stage == ORE:
            tonnes = float(totals.get(mineral, 0.0))
            text = f"{tonnes:,.0f}" if tonnes >= 100 else f"{tonnes:,.3g}"
            ax.text(101, y[i], f"{text} t in use", va="center", fontsize=7.5)
    ax.set_yticks(y, [f"{mineral_label(m)}: {STAGE_VERBS[s]} in" for m, s in bars], fontsize=8)
    ax.set_ylim(y[-1] + 0.6, -0.6)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the material put in use (%)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    key.axis("off")
    key.legend(
        *ax.get_legend_handles_labels(),
        loc="center",
        ncols=min(len(top) + 1, 5),
        frameon=False,
        fontsize=8,
        title="country of mining, refining or making",
        title_fontsize=8,
    )
    return fig


def _top_countries(shares: pd.DataFrame, first: Sequence[str]) -> list[str]:
    """The countries with the largest share in any one bar (the pooled XO excluded: it goes
    with the rest), those of `first` ahead of the others, then largest first."""
    named = shares[shares["origin_country"] != OTHER_COUNTRIES]
    largest = (
        named.groupby("origin_country")["share"].max().sort_values(ascending=False, kind="stable")
    )
    top = [str(c) for c in largest.index[:TOP_COUNTRIES] if largest[c] > 0]
    return sorted(top, key=lambda c: c not in first)


def _segment(shares: pd.DataFrame, mineral: str, stage: str, code: str, top: list[str]) -> float:
    """The share of one country (or of all but `top`, for OTHER) in one bar."""
    rows = shares[(shares["mineral"] == mineral) & (shares["origin_stage"] == stage)]
    if code == OTHER:
        rest = rows[~rows["origin_country"].isin(top)]
        return float(rest["share"].fillna(0.0).sum())
    return float(rows.loc[rows["origin_country"] == code, "share"].fillna(0.0).sum())
