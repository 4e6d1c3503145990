"""What covered a targeted country during a shock (coverage.csv, `sim.analysis.coverage`):
stacked bars of the tonnes its markets got, by kind of source and supplier country, before the
shock and during it, one panel per shock and mineral."""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.output.charts.style import country_colour, country_hatch, new_figure, thousands, tint
from sim.output.folder import COVERAGE_KINDS, RunInfo
from sim.output.labels import country_name, mineral_label

KIND_STYLES: dict[str, dict[str, Any]] = {
    "stock_drawn": {"facecolor": "#999999", "hatch": ""},
    "reserve_drawn": {"facecolor": "#444444", "hatch": "xx"},
    "mined": {"facecolor": "#8C564B", "hatch": "**"},
    "end_of_life": {"facecolor": "#009E73", "hatch": "++"},
    "domestic_transit_drawn": {"facecolor": "#DDDDDD", "hatch": "--"},
    "exports": {"facecolor": "#CC79A7", "hatch": "\\\\"},
    "losses": {"facecolor": "#F0E442", "hatch": "oo"},
}
"""Fill and hatch of the kinds that have no supplier country (grey-scale print)."""
WHEN = (("before_t", "before (same length)"), ("during_t", "during the shock"))


def source_label(kind: str, supplier: str) -> str:
    """'imports from Malaysia', 'stock drawn' ..."""
    return COVERAGE_KINDS.get(kind, kind).format(country_name(supplier) if supplier else "")


def _style(kind: str, supplier: str) -> dict[str, Any]:
    if supplier:
        colour = country_colour(supplier)
        if kind == "in_transit_at_start":
            return {"facecolor": tint(colour, 0.55), "hatch": "...", "edgecolor": colour}
        return {"facecolor": colour, "hatch": country_hatch(supplier), "edgecolor": "white"}
    return {"edgecolor": "white", **KIND_STYLES.get(kind, {"facecolor": "#BBBBBB"})}


def coverage_sources(coverage: pd.DataFrame, country: str, info: RunInfo) -> Figure:
    """Per (shock, mineral) aimed at `country`: one bar before the shock (the same number of
    reviews just before it, scaled to the window's length) and one during it, each stacked
    from the sources of the tonnes its markets put in use (right of zero) and what left the
    country or was built up (left of zero); a black tick marks the markets' demand.

    `coverage` is coverage.csv: shock, country, mineral, hit, kind, supplier_country,
    before_t, during_t (t of contained mineral)."""
    rows = coverage[coverage["country"] == country]
    if rows.empty:
        raise ValueError(f"no coverage rows for {country}")
    groups = list(rows.groupby(["shock", "mineral"], sort=False))
    name = country_name(country)
    fig = new_figure(
        info,
        f"What covered {name}'s markets during each shock aimed at it: t of contained mineral "
        f"they put in use, by source and supplier country, before and during the shock",
        1.6 + 1.35 * len(groups) + 0.2 * math.ceil((rows["kind"].nunique() + 4) / 3),
    )
    axes = np.atleast_1d(fig.subplots(len(groups), 1, squeeze=False)[:, 0])
    seen: dict[str, Patch] = {}
    for ax, ((shock, mineral), group) in zip(axes, groups, strict=True):
        sources = group[~group["kind"].isin(("delivered", "demand", "shortfall"))]
        totals = group.set_index("kind")
        for y, (column, _) in enumerate(WHEN):
            right = left = 0.0
            for row in sources.itertuples(index=False):
                value = float(cast(float, getattr(row, column)))
                if not np.isfinite(value) or abs(value) < 1e-9:
                    continue
                label = source_label(str(row.kind), str(row.supplier_country))
                style = _style(str(row.kind), str(row.supplier_country))
                start = right if value > 0 else left + value
                ax.barh(y, abs(value), left=start, height=0.6, linewidth=0.5, **style)
                seen.setdefault(label, Patch(label=label, linewidth=0.5, **style))
                right, left = (right + value, left) if value > 0 else (right, left + value)
            wanted = totals.loc["demand", column] if "demand" in totals.index else np.nan
            demand = float(cast(float, wanted))
            if np.isfinite(demand):
                ax.plot([demand, demand], [y - 0.38, y + 0.38], color="black", linewidth=2.2)
        hit = bool(group["hit"].iloc[0])
        ax.set_yticks(range(len(WHEN)), [label for _, label in WHEN], fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="0.2", linewidth=0.8)
        ax.set_title(
            f"{mineral_label(str(mineral))}: {shock}" + (" (fell short)" if hit else " (not hit)"),
            loc="left",
            fontsize=9,
        )
        ax.spines[["top", "right"]].set_visible(False)
        thousands(ax.xaxis)
    axes[-1].set_xlabel("t of contained mineral (left of zero: sent abroad, lost or stocked)")
    tick_mark = Line2D([], [], color="black", marker="|", markersize=12, linestyle="", mew=2.2)
    tick_mark.set_label("demand of its markets")
    axes[-1].legend(
        handles=[*seen.values(), tick_mark],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.45),
        ncols=3,
        frameon=False,
        fontsize=7.5,
        title="source",
        title_fontsize=8,
    )
    return fig
