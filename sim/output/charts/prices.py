"""Price paths: prices.csv, in USD per t of contained mineral at each review.

A single run's file has one price per review, mineral, side and replication
(`price_usd_per_t`; the chart shows the first replication); an ensemble's has mean and
P5/P50/P95 across replications (the chart shows the median and the P5-P95 band); a policy
comparison's has the same per policy (the baseline's band and median, each policy's median in
its own colour and dash pattern). The base price, where the scenario states it, is a dashed
line; shocks in force are shaded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.output.charts.style import (
    date_axis,
    grid,
    mineral_style,
    new_figure,
    policies_of,
    policy_line,
    shade,
    side_legend,
    thousands,
    tint,
)
from sim.output.folder import BASELINE, RunInfo
from sim.output.labels import country_name, mineral_label

BASE_LINE = {"color": "0.25", "linestyle": (0, (5, 3)), "linewidth": 1.1}
"""The base price: dark grey, dashed."""


def side_label(side: str) -> str:
    """'world', 'China' or 'outside China' for the sides 'world', 'CN', 'outside CN'."""
    if side == "world":
        return "world price"
    if side.startswith("outside "):
        return f"outside {country_name(side.removeprefix('outside '))}"
    return f"inside {country_name(side)}"


def price_paths(
    prices: pd.DataFrame,
    mineral: str,
    info: RunInfo,
    *,
    base: dict[str, float] | None = None,
    windows: pd.DataFrame | None = None,
    policies: Sequence[str] | None = None,
) -> Figure:
    """The price of `mineral` over time, one panel per side of its market (USD/t).

    `base`: the base price per side (USD/t), drawn dashed. Raises ValueError if the frame has
    no price of the mineral."""
    rows = prices[prices["mineral"] == mineral]
    if rows.empty:
        raise ValueError(f"no prices of '{mineral}' in the frame")
    sides = [str(s) for s in dict.fromkeys(rows["side"])]
    single = "price_usd_per_t" in rows
    compared = "policy" in rows
    n = int(rows["replications"].max()) if "replications" in rows else 1
    if single or n == 1:
        what = "one run"
    elif compared:
        what = f"baseline: median and P5-P95 across {n:,} replications; each policy: median"
    else:
        what = f"median and P5-P95 across {n:,} replications"
    fig = new_figure(
        info,
        f"{mineral_label(mineral)}: price per t of contained mineral ({what}), USD/t",
        1.2 + 2.6 * len(sides),
    )
    axes = fig.subplots(len(sides), 1, sharex=True, squeeze=False)[:, 0]
    colour, _ = mineral_style(mineral)
    dates = None
    for ax, side in zip(axes, sides, strict=True):
        mine = rows[rows["side"] == side]
        if single:
            dates = _single(ax, mine, colour)
        elif compared:
            dates = _policies(ax, mine, colour, policies)
        else:
            dates = _band(ax, mine, colour, "")
        if base and side in base:
            ax.axhline(base[side], label=f"base price ({base[side]:,.0f} USD/t)", **BASE_LINE)
        shade(ax, windows, label=ax is axes[0])
        grid(ax)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("USD per t")
        ax.set_title(side_label(side), loc="left", fontsize=9)
        thousands(ax.yaxis)
        side_legend(ax)
    date_axis(axes[-1], dates)
    return fig


def _series(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.sort_values("day")
    return rows.set_index(pd.to_datetime(rows["date"]))


def _single(ax: Axes, rows: pd.DataFrame, colour: str) -> pd.Index:
    first = rows[rows["rep"] == rows["rep"].min()]
    wide = _series(first)
    ax.plot(
        wide.index,
        wide["price_usd_per_t"],
        drawstyle="steps-post",
        color=colour,
        linewidth=2.0,
        label="price",
    )
    return wide.index


def _band(ax: Axes, rows: pd.DataFrame, colour: str, who: str) -> pd.Index:
    wide = _series(rows)
    x = wide.index
    ax.fill_between(
        x,
        wide["p5"],
        wide["p95"],
        step="post",
        facecolor=tint(colour, 0.45),
        edgecolor=colour,
        hatch="///",
        linewidth=0,
        alpha=0.6,
        label=f"{who}P5-P95",
    )
    ax.plot(
        x, wide["p50"], drawstyle="steps-post", color="black", linewidth=2.0, label=f"{who}median"
    )
    return x


def _policies(
    ax: Axes, rows: pd.DataFrame, colour: str, policies: Sequence[str] | None
) -> pd.Index:
    names = policies_of(rows, policies)
    x = _band(ax, rows[rows["policy"] == BASELINE], colour, "baseline ")
    baseline = _series(rows[rows["policy"] == BASELINE])["p50"].to_numpy()
    for name in names:
        if name == BASELINE:
            continue
        wide = _series(rows[rows["policy"] == name])
        same = len(wide) == len(baseline) and np.allclose(wide["p50"], baseline, rtol=1e-6)
        style = policy_line(names, name, len(wide))
        ax.plot(
            wide.index,
            wide["p50"],
            drawstyle="steps-post",
            label=f"{name} median" + (" (= baseline)" if same else ""),
            **style,
        )
    return x
