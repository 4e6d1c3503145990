"""Ensembles: the distribution of cumulative shortfall (product units) across replications,
per market and, in a policy comparison, per policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.output.charts.style import (
    country_colour,
    country_hatch,
    grid,
    new_figure,
    policies_of,
    policy_styles,
    thousands,
    tint,
)
from sim.output.folder import RunInfo
from sim.output.labels import country_name, unit_label


def shortfall_distribution(
    metrics: pd.DataFrame,
    info: RunInfo,
    *,
    markets: Sequence[str] | None = None,
    policies: Sequence[str] | None = None,
    market_names: Mapping[str, str] | None = None,
) -> Figure:
    """An ensemble: cumulative shortfall per replication for each market that fell short in
    any (box: quartiles, whiskers: P5-P95, triangle: mean, dots: replications); with a
    `policy` column, one box per policy in each market's panel; `market_names`: market -> label."""
    rows = metrics[metrics["metric"] == "shortfall_units"]
    if markets is None:
        short = rows.groupby("market", sort=False, observed=True)["value"].max()
        markets = [str(m) for m in short[short > 0].index]
    n = int(rows["rep"].nunique()) if "rep" in rows else info.replications
    names = policies_of(rows, policies) if "policy" in rows else [""]
    title = f"Cumulative shortfall across {n:,} replications, per market that fell short" + (
        " and policy" if len(names) > 1 else ""
    )
    fig = new_figure(info, title, max(2.6, 1.2 + (0.5 + 0.45 * len(names)) * max(1, len(markets))))
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
                    "facecolor": tint(colour),
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
        where = (market_names or {}).get(str(market)) or (
            f"{market}\n({country_name(country)})" if country else market
        )
        ax.set_yticks(
            range(1, len(names) + 1),
            [where] if names == [""] else [f"{market}: {n}" for n in names],
            fontsize=8,
        )
        ax.set_ylim(len(names) + 0.5, 0.5)
        ax.set_xlabel(f"cumulative shortfall ({unit_label(unit)})", fontsize=8.5)
        ax.set_xlim(left=0, right=top * 1.05)
        thousands(ax.xaxis)
        grid(ax)
        ax.grid(True, axis="x", color="0.88", linewidth=0.6)
    return fig
