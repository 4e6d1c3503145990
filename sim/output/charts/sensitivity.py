"""One-at-a-time sensitivity (sensitivity.csv) as a tornado: the mean cumulative shortfall with
each uncertain input fixed at its 5th and at its 95th percentile."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.output.charts.style import grid, new_figure, side_legend, thousands
from sim.output.folder import RunInfo
from sim.output.labels import unit_label


def tornado(table: pd.DataFrame, info: RunInfo, *, unit: str = "units", top: int = 12) -> Figure:
    """One-at-a-time sensitivity: for each uncertain input, the mean cumulative shortfall with
    the input fixed at its 5th (light) and 95th (dark, hatched) percentile; the line is the
    scenario as declared. Longest bars first."""
    rows = table.head(top).iloc[::-1]
    market = str(rows["market"].iloc[0]) if len(rows) else ""
    fig = new_figure(
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
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))  # millions with separators stay apart
    thousands(ax.xaxis)
    grid(ax)
    side_legend(ax)
    return fig


GLOBAL_INDICES = {
    "sobol": (("S1", "first order S1", "0.75", ""), ("ST", "total ST", "0.35", "//")),
    "morris": (("mu_star", "mu* (mean |elementary effect|)", "0.55", ""),),
}
"""Per method, the indices drawn as bars: (index, legend label, grey, hatch)."""


def global_indices(
    table: pd.DataFrame, info: RunInfo, *, unit: str = "units", top: int = 12
) -> Figure:
    """Global sensitivity (sensitivity_indices.csv): per uncertain input, the Sobol first-order
    and total indices (share of the variance of the mean cumulative shortfall, 0-1) or the Morris
    mu* (units of shortfall per unit of quantile scale), with SALib's 95% confidence interval as
    whiskers. Largest (total or mu*) first."""
    method = str(table["method"].iloc[0])
    drawn = GLOBAL_INDICES[method]
    ranked = table[table["index"] == drawn[-1][0]].sort_values(
        "value", ascending=False, kind="stable"
    )
    inputs = [str(name) for name in ranked["input"].head(top)][::-1]
    market = str(table["market"].iloc[0])
    samples, reps = int(table["samples"].iloc[0]), int(table["replications"].iloc[0])
    what = "Sobol indices" if method == "sobol" else "Morris screening"
    fig = new_figure(
        info,
        f"Which uncertain inputs drive the mean cumulative shortfall of {market} "
        f"({what}, N = {samples}, {reps} replications per point)",
        1.6 + 0.42 * len(inputs),
    )
    ax = fig.subplots()
    y = np.arange(len(inputs))
    width = 0.8 / len(drawn)
    for n, (index, label, shade, hatch) in enumerate(drawn):
        rows = table[table["index"] == index].set_index("input").loc[inputs]
        values = rows["value"].astype(float).to_numpy()
        conf = rows["conf"].astype(float).to_numpy()
        ax.barh(
            y + (n - (len(drawn) - 1) / 2) * width,
            values,
            height=width * 0.9,
            xerr=np.nan_to_num(conf),
            color=shade,
            hatch=hatch,
            edgecolor="0.1",
            linewidth=0.6,
            error_kw={"ecolor": "0.1", "capsize": 2, "linewidth": 0.8},
            label=f"{label}, 95% interval",
        )
    ax.axvline(0.0, color="0.1", linewidth=0.8)
    ax.set_yticks(y, inputs, fontsize=7.5)
    if method == "sobol":
        ax.set_xlabel("share of the variance of the mean cumulative shortfall (0-1)")
    else:
        ax.set_xlabel(
            f"mu*: change of mean cumulative shortfall, {unit_label(unit)}, per unit of "
            "quantile scale (P0.5 to P99.5)"
        )
        thousands(ax.xaxis)
    grid(ax)
    side_legend(ax)
    return fig
