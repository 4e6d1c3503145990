"""The network of one mineral as a flow diagram: columns of node kinds, link widths
proportional to the tonnes shipped over the horizon (flows.csv), nodes coloured by country."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from sim.output.charts.style import country_colour, new_figure, tint
from sim.output.folder import RunInfo
from sim.output.labels import country_name, mineral_label

KIND_COLUMN = {"mine": 0, "refinery": 1, "recycler": 1, "plant": 2, "market": 3}
"""The column of each node kind, left to right (stockpiles sit by the stage they hold)."""
COLUMN_TITLES = (
    "mines (ore)",
    "refineries and recyclers\n(refined)",
    "plants (components)",
    "markets",
)


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
    fig = new_figure(
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
                "facecolor": tint(country_colour(country)),
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
            facecolor=tint(country_colour(c)),
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


def _nice_steps(top: float) -> list[float]:
    """Up to three round tonnages at or below `top` for the width legend."""
    if top <= 0:
        return []
    exponent = 10 ** math.floor(math.log10(top))
    first = max(m * exponent for m in (1, 2, 5) if m * exponent <= top)
    return [first, first / 10, first / 100]
