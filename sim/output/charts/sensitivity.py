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
