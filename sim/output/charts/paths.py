"""The world behind a run: demand and capacity paths (paths.csv) and announced projects
(projects.csv).

Paths are multipliers on a node's demand or capacity at the start (1 = the network's value),
read at the start, at each 1 January and at the end of the horizon, linear in between (a
growth rate is compound: its straight segments between years are a close reading). Projects
are drawn as dot and whisker: the median first-production date among the replications that built the
project, its P5-P95 range, the planned start (open diamond) and the share of replications in
which it was built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.output.charts.style import (
    country_colour,
    grid,
    new_figure,
    policy_styles,
    side_legend,
)
from sim.output.folder import BASELINE, RunInfo
from sim.output.labels import country_name, mineral_label

LINE_STYLES: tuple[Any, ...] = ("-", (0, (5, 2)), (0, (1, 1.2)), (0, (6, 2, 1, 2)), (0, (3, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
STAGE_ORDER = ("mine", "refinery", "recycler", "plant")
KIND_TITLES = {
    "mine": "mines",
    "refinery": "refineries",
    "recycler": "recyclers",
    "plant": "plants",
}


def _factor_axis(ax: Axes) -> None:
    """A y axis for multipliers from 0, with the start's level (1) drawn."""
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.axhline(1.0, color="0.55", linewidth=0.8, zorder=1)
    grid(ax)


def _year_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    for label in ax.get_xticklabels():
        label.set_rotation(0)
        label.set_fontsize(8)


def _lines(ax: Axes, rows: pd.DataFrame, by_country: bool) -> None:
    """One line per node: coloured by country (`by_country`) or by position, with its own
    dash pattern and marker so that lines stay apart in grey print."""
    for i, (node, mine) in enumerate(rows.groupby("node", sort=False)):
        mine = mine.sort_values("day")
        country = str(mine["country"].iloc[0])
        ax.plot(
            pd.to_datetime(mine["date"]),
            mine["factor"],
            color=country_colour(country) if by_country else f"C{i % 10}",
            linestyle=LINE_STYLES[i % len(LINE_STYLES)],
            marker=MARKERS[i % len(MARKERS)],
            markersize=3.5,
            linewidth=1.6,
            label=f"{node} ({country})" if by_country else str(node),
        )


def demand_paths(paths: pd.DataFrame, info: RunInfo) -> Figure:
    """Each market's demand as a multiple of its demand at the start, one panel per country
    Raises ValueError if the frame has no demand path."""
    rows = paths[paths["path"] == "demand"]
    if rows.empty:
        raise ValueError("no demand paths in the frame")
    countries = [str(c) for c in dict.fromkeys(rows["country"])]
    start = pd.Timestamp(rows["date"].min())
    fig = new_figure(
        info,
        f"Demand paths: each market's demand as a multiple of its level on {start:%d %b %Y}",
        1.0 + 2.5 * len(countries),
    )
    axes = fig.subplots(len(countries), 1, sharex=True, squeeze=False)[:, 0]
    for ax, country in zip(axes, countries, strict=True):
        mine = rows[rows["country"] == country]
        _lines(ax, mine, by_country=False)
        _factor_axis(ax)
        ax.set_ylabel("x demand at start")
        ax.set_title(f"markets in {country_name(country)}", loc="left", fontsize=9)
        side_legend(ax)
    _year_axis(axes[-1])
    axes[-1].set_xlabel("1 January of each year", fontsize=8.5)
    return fig


def capacity_groups(paths: pd.DataFrame) -> list[str]:
    """The minerals that capacity charts are drawn for: each node's first mineral."""
    rows = paths[paths["path"] == "capacity"]
    return [str(m) for m in dict.fromkeys(rows["minerals"].map(_first))]


def _first(minerals: str) -> str:
    return str(minerals).split(",")[0].strip()


def capacity_paths(paths: pd.DataFrame, mineral: str, info: RunInfo) -> Figure:
    """Capacity of the nodes whose first mineral is `mineral`, as a multiple of their capacity
    at the start, one panel per kind of node (colour: the node's country). Raises
    ValueError if no such node has a capacity path."""
    rows = paths[(paths["path"] == "capacity") & (paths["minerals"].map(_first) == mineral)]
    if rows.empty:
        raise ValueError(f"no capacity paths of '{mineral}' nodes in the frame")
    kinds = [k for k in STAGE_ORDER if k in set(rows["node_kind"])]
    others = sorted({str(m) for ms in rows["minerals"] for m in str(ms).split(", ")} - {mineral})
    also = f" (some with {', '.join(mineral_label(m) for m in others)})" if others else ""
    start = pd.Timestamp(rows["date"].min())
    fig = new_figure(
        info,
        f"Capacity paths of the nodes making {mineral_label(mineral)}{also}: capacity as a "
        f"multiple of its level on {start:%d %b %Y}",
        1.0 + 2.5 * len(kinds),
    )
    axes = fig.subplots(len(kinds), 1, sharex=True, squeeze=False)[:, 0]
    for ax, kind in zip(axes, kinds, strict=True):
        mine = rows[rows["node_kind"] == kind]
        _lines(ax, mine, by_country=True)
        _factor_axis(ax)
        ax.set_ylabel("x capacity at start")
        ax.set_title(KIND_TITLES.get(kind, kind), loc="left", fontsize=9)
        side_legend(ax, ncols=1 if mine["node"].nunique() <= 12 else 2)
    _year_axis(axes[-1])
    axes[-1].set_xlabel("1 January of each year", fontsize=8.5)
    return fig


def project_online(
    projects: pd.DataFrame,
    info: RunInfo,
    *,
    end: pd.Timestamp | None = None,
    policies: Sequence[str] | None = None,
) -> Figure:
    """Each project's first-production date: median among the replications that built it
    (dot), P5-P95 (whisker), planned start (open diamond) and the share built (label); under
    a policy comparison, the policies that change a project get a row of their own beneath it.
    `end`: the end of the horizon (a vertical line)."""
    frame = projects.copy()
    if "policy" not in frame:
        frame["policy"] = BASELINE
    order = [str(p) for p in dict.fromkeys(frame["project"])]
    names = [p for p in (policies or []) if p in set(frame["policy"])] or [
        str(p) for p in dict.fromkeys(frame["policy"])
    ]
    styles = policy_styles(names)
    rows: list[tuple[str, dict[str, Any]]] = []
    for project in order:
        mine = frame[frame["project"] == project]
        for name in names:
            found = mine[mine["policy"] == name]
            if len(found):
                rows.append((name, {str(k): v for k, v in found.iloc[0].items()}))
    n = int(frame["replications"].max())
    fig = new_figure(
        info,
        f"Announced projects: first-production date across {n:,} replication"
        + ("s" if n != 1 else "")
        + " (median and P5-P95 among those that built it) and share built",
        1.4 + 0.34 * len(rows),
    )
    ax = fig.subplots()
    labels = []
    for y, (name, row) in enumerate(rows):
        style = styles.get(name, styles[names[0]])
        colour = style["color"]
        planned = _when(row["planned_start"])
        if planned is not None:
            ax.plot(
                planned,
                y,
                marker="D",
                markerfacecolor="white",
                markeredgecolor=colour,
                linestyle="",
                markersize=5,
                label="planned start" if y == 0 else None,
            )
        low, mid, high = (_when(row[k]) for k in ("online_p5", "online_p50", "online_p95"))
        if mid is not None and low is not None and high is not None:
            ax.plot([low, high], [y, y], color=colour, linestyle=style["linestyle"], linewidth=1.6)
            ax.plot(mid, y, marker="o", color=colour, linestyle="", markersize=6)
        share = float(row["share_built"])
        count = round(share * int(row["replications"]))
        text = f"built in {count:,} of {int(row['replications']):,} ({share:.0%})"
        if share == 0:
            text = "never built"
        ax.annotate(
            text,
            (1.0, y),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
        )
        labels.append(str(row["project"]) + ("" if name == BASELINE else f" [{name}]"))
    ax.plot([], [], marker="o", color="black", linestyle="-", label="median, P5-P95 (built)")
    for name in names[1:] if len(names) > 1 else []:
        style = styles[name]
        ax.plot([], [], color=style["color"], linestyle=style["linestyle"], label=name)
    if end is not None:
        ax.axvline(
            float(mdates.date2num(end)),
            color="0.4",
            linewidth=1.0,
            linestyle=(0, (4, 2)),
            label="end of run",
        )
    ax.set_yticks(range(len(rows)), labels, fontsize=7.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(True, axis="x", color="0.88", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel("first-production date (year)", fontsize=8.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, frameon=False, fontsize=8)
    return fig


def _when(value: Any) -> float | None:
    """A date cell as a matplotlib date number (None when blank)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == "":
        return None
    return float(mdates.date2num(pd.Timestamp(value)))
