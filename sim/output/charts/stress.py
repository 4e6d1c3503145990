"""The stress test (stress.csv): time to survive against time to recover, in days, of every
node, producing country and chokepoint."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.output.charts.style import grid, new_figure, side_legend
from sim.output.folder import RunInfo


def stress_exposure(stress: pd.DataFrame, info: RunInfo, *, top: int = 12) -> Figure:
    """The stress test: each target's time to survive against its time to recover. Targets
    below the diagonal fail faster than they can be mended (exposed); marker size grows with
    the demand lost. Targets that never cause a shortfall sit on the top edge."""
    fig = new_figure(
        info,
        "Stress test: time to survive against time to recover of each node, "
        "producing country and chokepoint (below the diagonal: exposed)",
        5.6,
    )
    ax = fig.subplots()
    horizon = float(info.horizon_days or max(1.0, float(stress["ttr_days"].max()) * 2))
    tts = stress["tts_days"].astype(float).clip(upper=horizon)
    ttr = stress["ttr_days"].astype(float)
    lost = stress["risk_exposure_index"].astype(float)
    kinds = list(dict.fromkeys(stress["kind"]))
    markers = dict(zip(kinds, "osD^vP*X", strict=False))
    for kind in kinds:
        rows = stress["kind"] == kind
        ax.scatter(
            ttr[rows],
            tts[rows],
            s=20 + 280 * lost[rows],
            marker=markers[kind],
            facecolors="none" if kind == "chokepoint" else "0.55",
            edgecolors="0.1",
            linewidths=0.8,
            label=kind,
            alpha=0.85,
        )
    limit = max(horizon, float(ttr.max()) * 1.1)
    ax.plot(
        [0, limit],
        [0, limit],
        color="0.3",
        linestyle="--",
        linewidth=0.9,
        label="time to survive = time to recover",
    )
    spots: dict[tuple[float, float], list[str]] = {}
    head = stress.head(top)
    for rank, target, ttr_days, tts_days, index in zip(  # one label per spot: points coincide
        head["rank"],
        head["target"],
        head["ttr_days"].astype(float),
        head["tts_days"].astype(float),
        head["risk_exposure_index"].astype(float),
        strict=True,
    ):
        if index > 0:
            spot = (ttr_days, round(min(tts_days, horizon) / 7) * 7)
            spots.setdefault(spot, []).append(f"{rank}. {target}")
    for (x, y), names in spots.items():
        more = f" +{len(names) - 3} more" if len(names) > 3 else ""
        ax.annotate(
            ", ".join(names[:3]) + more,
            (x, y),
            fontsize=7,
            xytext=(6, 2),
            textcoords="offset points",
        )
    ax.set_xlabel("time to recover, days (assumed per kind)")
    ax.set_ylabel("time to survive, days (top edge: no shortfall)")
    ax.set_xlim(0, limit)
    ax.set_ylim(0, horizon * 1.05)
    grid(ax)
    side_legend(ax)
    return fig
