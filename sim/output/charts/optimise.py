"""The portfolio search (trials.csv, optimise_policies.csv): cost against risk of every trial,
the Pareto frontier, the budget and the scenario's hand-written policies."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.output.charts.style import grid, new_figure, side_legend, thousands
from sim.output.folder import RunInfo

RISK_LABELS = {
    "cvar95": "CVaR95 of total shortfall, t\n(mean of the worst 5% of replications)",
    "mean": "mean total cumulative shortfall, t",
    "p_shortfall": "probability of any shortfall\n(share of replications)",
}
"""Axis label of each risk measure (`sim.analysis.optimise.RISKS`)."""


def frontier(
    trials: pd.DataFrame,
    policies: pd.DataFrame | None,
    info: RunInfo,
    *,
    budget_usd: float,
    risk: str,
) -> Figure:
    """Cost (million USD, present value) against risk of every trial (grey), the frontier of
    the trials no other beats on both (black line), the best within the budget (star), the
    budget (dashed) and the hand-written policies (labelled squares), on the same draws."""
    reps = f"{int(info.replications)} replications" if info.replications else "same draws"
    fig = new_figure(
        info,
        f"Policy cost against shortfall risk of {len(trials)} searched portfolios, the frontier "
        f"and the budget ({reps}, common random numbers)",
        5.0,
    )
    ax = fig.subplots()
    musd = 1e6
    ax.scatter(
        trials["cost_usd"] / musd, trials["risk"], s=14, color="0.7", label="trial", zorder=2
    )
    front = trials[trials["on_frontier"].astype(bool)].sort_values("cost_usd", kind="stable")
    ax.step(
        front["cost_usd"] / musd,
        front["risk"],
        where="post",
        color="0.1",
        linewidth=1.2,
        marker="o",
        markersize=4,
        label="frontier (Pareto set)",
        zorder=3,
    )
    best = trials[trials["best"].astype(bool)]
    if len(best):
        ax.scatter(
            best["cost_usd"] / musd,
            best["risk"],
            s=140,
            marker="*",
            color="0.1",
            label="best within the budget",
            zorder=5,
        )
    ax.axvline(budget_usd / musd, color="0.3", linestyle="--", linewidth=1.0, label="budget")
    if policies is not None and len(policies):
        ax.scatter(
            policies["cost_usd"] / musd,
            policies["risk"],
            s=36,
            marker="s",
            facecolor="white",
            edgecolor="0.1",
            label="hand-written policy",
            zorder=4,
        )
        points = zip(policies["policy"], policies["cost_usd"], policies["risk"], strict=True)
        for name, cost, level in points:
            ax.annotate(
                str(name),
                (float(cost) / musd, float(level)),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
            )
    ax.set_xlabel("policy cost, million USD (present value at the scenario start)")
    ax.set_ylabel(RISK_LABELS.get(risk, risk))
    thousands(ax.yaxis)
    grid(ax)
    side_legend(ax)
    return fig
