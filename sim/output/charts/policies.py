"""Policy comparisons: bands.csv, comparison.csv and ranking.csv with a `policy` column.

Each policy keeps one colour, dash pattern and marker (`style.policy_styles`); the baseline is
black and solid. Differences are policy minus baseline on the same replications (negative is
less shortfall); costs are in USD as the scenario's lever assumptions give them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.output.charts.markets import bands_of, market_axes, per_review_scale
from sim.output.charts.style import (
    date_axis,
    grid,
    new_figure,
    policies_of,
    policy_line,
    policy_styles,
    shade,
    side_legend,
    thousands,
    tick,
)
from sim.output.folder import BASELINE, RunInfo
from sim.output.labels import unit_label


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
    name: str = "",
    policies: Sequence[str] | None = None,
) -> Figure:
    """A policy comparison: a market's deliveries (top) and shortfall (bottom) per review under
    the baseline and each policy (medians across replications), with its demand."""
    units = f"{unit_label(unit)} {info.per_review()}"
    n = int(bands["replications"].max())
    fig = new_figure(
        info,
        f"{name or market}{place}: deliveries and shortfall under each policy, "
        f"{units} ({_replications(n)})",
        5.6,
    )
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.0, 1.2))
    names = policies_of(bands, policies)
    labels = _same_as_first(bands, market, names, ("delivered_units", "shortfall_units"))
    dates = None
    for name in names:
        if name not in labels:
            continue
        mine = bands[bands["policy"] == name]
        for variable, ax in (("delivered_units", top), ("shortfall_units", bottom)):
            rows = bands_of(mine, market, variable)
            scale = per_review_scale(rows, info.step_days, info.horizon_days)
            style = policy_line(names, name, len(rows))
            ax.plot(
                rows.index,
                rows["p50"].to_numpy() / scale,
                drawstyle="steps-post",
                label=labels[name],
                **style,
            )
            dates = rows.index
        if name == names[0]:
            rows = bands_of(mine, market, "demand_units")
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
        shade(ax, windows, label=ax is top)
        grid(ax)
        ax.set_ylim(bottom=0)
    assert dates is not None
    market_axes(top, bottom, units, dates)
    top.set_title("deliveries and demand", loc="left", fontsize=9)
    return fig


def cover_policies(
    bands: pd.DataFrame,
    market: str,
    info: RunInfo,
    *,
    windows: pd.DataFrame | None = None,
    place: str = "",
    name: str = "",
    policies: Sequence[str] | None = None,
) -> Figure:
    """A policy comparison: a market's lowest days of cover per time bucket under the baseline
    and each policy (medians across replications)."""
    n = int(bands["replications"].max())
    fig = new_figure(
        info,
        f"{name or market}{place}: lowest days of cover over its minerals under each "
        f"policy ({_replications(n)})",
        4.6,
    )
    ax = fig.subplots()
    names = policies_of(bands, policies)
    labels = _same_as_first(bands, market, names, ("cover_days",))
    rows = None
    for name in names:
        if name not in labels:
            continue
        rows = bands_of(bands[bands["policy"] == name], market, "cover_days")
        ax.plot(
            rows.index,
            rows["p50"],
            drawstyle="steps-post",
            label=labels[name],
            **policy_line(names, name, len(rows)),
        )
    assert rows is not None
    shade(ax, windows)
    grid(ax)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("days of cover (days)")
    side_legend(ax)
    date_axis(ax, rows.index)
    return fig


def _same_as_first(
    bands: pd.DataFrame, market: str, names: list[str], variables: Sequence[str]
) -> dict[str, str]:
    """Legend label per policy to draw; policies whose medians equal the first one's (the
    baseline) are not drawn but named in its label."""

    def medians(name: str) -> np.ndarray:
        mine = bands[bands["policy"] == name]
        return np.concatenate(
            [bands_of(mine, market, v)["p50"].to_numpy(dtype=float) for v in variables]
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
    market_names: Mapping[str, str] | None = None,
) -> Figure:
    """A policy comparison: per market, each policy's mean paired difference from the baseline
    (policy - baseline, same replications) with its 95% confidence interval."""
    rows = comparison[(comparison["metric"] == metric) & comparison["market"].isin(markets)]
    names = [p for p in policies_of(rows, policies) if p != BASELINE]
    moved = rows.groupby("market", sort=False)["delta"].apply(lambda d: bool((d.abs() > 0).any()))
    markets = [m for m in markets if moved.get(m, False)] or list(markets)[:1]
    pairs = int(rows["pairs"].max()) if len(rows) else 0
    what = "cumulative shortfall" if metric == "shortfall_units" else metric.replace("_", " ")
    over = (
        f"over {pairs:,} paired replications, with 95% confidence intervals"
        if pairs > 1
        else "in one run (a confidence interval needs two replications or more)"
    )
    fig = new_figure(
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
            f"{(market_names or {}).get(market, market)}: change in {what} vs baseline "
            f"({unit_label(unit)}); "
            "negative = less shortfall",
            fontsize=8.5,
        )
        thousands(ax.xaxis)
        ax.grid(True, axis="x", color="0.88", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig


def policy_costs(
    ranking: pd.DataFrame, info: RunInfo, *, policies: Sequence[str] | None = None
) -> Figure:
    """A policy comparison: each policy's cost against the shortfall it avoids (tonnes of the
    minerals it acts on), labelled with its rank by cost per tonne avoided."""
    names = policies_of(ranking, policies)
    styles = policy_styles([BASELINE, *names])
    fig = new_figure(
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
    thousands(ax.xaxis)
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
