"""One chart per backtest episode: each compared series in its own panel, simulated (line) vs
recorded (points; hollow where the point was used to set the shock), the shock window shaded,
units on the axes, the sources in the footer. Grey-scale for print; the caller saves and
closes the figure (`close`). The only backtest module that imports matplotlib."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from .episode import Outcome


def _footer(outcome: Outcome) -> str:
    spec = outcome.result.scenario.spec
    sources = sorted({s.split(" (")[0] for c in outcome.comparisons for s in c.points["source"]})
    shown = "; ".join(sources)
    if len(shown) > 260:
        shown = shown[:257] + "..."
    return (
        f"Simulated: {outcome.episode.scenario.name} with tools/backtest/parameters.yaml, "
        f"seed {spec.seed}, weekly reviews. Recorded: {shown}"
    )


def episode_chart(outcome: Outcome) -> plt.Figure:
    comparisons = outcome.comparisons
    fig, axes = plt.subplots(
        len(comparisons), 1, figsize=(9, 3.2 * len(comparisons) + 0.8), squeeze=False
    )
    start, end = outcome.episode.shock
    last = pd.Timestamp(outcome.result.scenario.spec.start) + pd.Timedelta(
        days=outcome.result.scenario.spec.horizon_days
    )
    for ax, comparison in zip(axes[:, 0], comparisons, strict=True):
        path = comparison.path
        ax.plot(pd.to_datetime(path["date"]), path["simulated"], color="0.2", label="simulated")
        points = comparison.points
        for in_sample in (False, True):
            rows = points[points["in_sample"] == in_sample]
            if rows.empty:
                continue
            ax.scatter(
                pd.to_datetime(rows["date"]),
                rows["recorded"],
                s=36,
                facecolors="none" if in_sample else "0.0",
                edgecolors="0.0",
                zorder=3,
                label="recorded (used to set the shock)" if in_sample else "recorded",
            )
        ax.axhline(float(points["naive"].iloc[0]), color="0.5", lw=0.8, ls="--", label="naive")
        shaded_end = pd.Timestamp(end) if end is not None else last
        ax.axvspan(pd.Timestamp(start), shaded_end, color="0.9", zorder=0, label="shock")
        ax.set_ylabel(comparison.unit)
        score = comparison.score
        ax.set_title(
            f"{comparison.series}: MAE {score.mae:.3g} {comparison.unit}, "
            f"skill {score.skill:+.2f} vs naive",
            fontsize=10,
        )
        ax.set_xlabel("date")
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(f"Backtest: {outcome.episode.title}", fontsize=12)
    fig.text(0.01, 0.005, _footer(outcome), fontsize=6, wrap=True)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def close(*figures: plt.Figure) -> None:
    for fig in figures:
        plt.close(fig)
