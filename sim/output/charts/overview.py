"""Every market at a glance: fill rate (delivered / demand, 0-1) per review or time bucket as
a heat map, with the shock windows marked."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.output.charts.style import date_axis, new_figure, shock_spans
from sim.output.folder import RunInfo


def _heatmap(
    ax: Axes, dates: pd.DatetimeIndex, labels: list[str], values: np.ndarray, step_days: int
) -> Any:
    edges = dates.append(pd.DatetimeIndex([dates[-1] + pd.Timedelta(days=step_days)]))
    low = float(np.nanmin(values)) if np.isfinite(values).any() else 1.0
    vmin = min(0.9, math.floor(low * 10) / 10)
    mesh = ax.pcolormesh(
        edges,
        np.arange(len(labels) + 1),
        values,
        cmap="magma",
        vmin=vmin,
        vmax=1.0,
        shading="flat",
        rasterized=True,
    )
    ax.set_yticks(np.arange(len(labels)) + 0.5, labels, fontsize=7.5)
    ax.set_ylim(len(labels), 0)
    date_axis(ax, dates)
    return mesh


def fill_rate_overview(
    timeseries: pd.DataFrame,
    info: RunInfo,
    *,
    windows: pd.DataFrame | None = None,
    rep: int = 0,
    names: Mapping[str, str] | None = None,
) -> Figure:
    """One run: every market's fill rate (delivered / demand) in each review, as a heat map;
    rows named by `names` (market -> label), else 'id (country code)'."""
    rows = timeseries[
        (timeseries["rep"] == rep)
        & (timeseries["kind"] == "market")
        & timeseries["variable"].isin(["demand_units", "delivered_units"])
    ]
    wide = rows.pivot_table(
        index=["node", "country"],
        columns=["variable", "date"],
        values="value",
        aggfunc="sum",
        sort=False,
    )
    demand, delivered = wide["demand_units"], wide["delivered_units"]
    fill = np.divide(
        delivered.to_numpy(),
        demand.to_numpy(),
        out=np.ones(demand.shape),
        where=demand.to_numpy() > 0,
    )
    labels = [
        (names or {}).get(str(node)) or f"{node} ({country})" for node, country in demand.index
    ]
    return _overview(
        fill,
        pd.DatetimeIndex(pd.to_datetime(demand.columns)),
        labels,
        info,
        windows,
        f"Fill rate of every market per review (delivered / demand, {info.per_review()})",
        "fill rate in the review",
    )


def fill_rate_overview_bands(
    bands: pd.DataFrame,
    info: RunInfo,
    *,
    windows: pd.DataFrame | None = None,
    countries: dict[str, str] | None = None,
    policy: str = "",
    names: Mapping[str, str] | None = None,
) -> Figure:
    """An ensemble: every market's mean deliveries / mean demand per time bucket; `countries`
    (market -> ISO code) labels the rows."""
    keep = bands[bands["variable"].isin(["demand_units", "delivered_units"])]
    wide = keep.pivot_table(
        index="market", columns=["variable", "date"], values="mean", aggfunc="sum", sort=False
    )
    demand, delivered = wide["demand_units"], wide["delivered_units"]
    fill = np.divide(
        delivered.to_numpy(),
        demand.to_numpy(),
        out=np.ones(demand.shape),
        where=demand.to_numpy() > 0,
    )
    n = int(bands["replications"].max())
    countries = countries or {}
    labels = [
        (names or {}).get(str(m)) or (f"{m} ({countries[m]})" if m in countries else str(m))
        for m in demand.index
    ]
    return _overview(
        fill,
        pd.DatetimeIndex(pd.to_datetime(demand.columns)),
        labels,
        info,
        windows,
        f"Fill rate of every market over time{f' ({policy})' if policy else ''}, "
        + (
            "in one run (delivered / demand per time bucket)"
            if n == 1
            else f"across {n:,} replications (mean delivered / mean demand per time bucket)"
        ),
        "fill rate (ratio of means)",
    )


def _overview(
    fill: np.ndarray,
    dates: pd.DatetimeIndex,
    labels: list[str],
    info: RunInfo,
    windows: pd.DataFrame | None,
    title: str,
    bar_label: str,
) -> Figure:
    fig = new_figure(info, title, max(3.2, 1.4 + 0.22 * len(labels)))
    ax = fig.subplots()
    step = int((dates[1] - dates[0]).days) if len(dates) > 1 else info.step_days
    mesh = _heatmap(ax, dates, labels, fill, step)
    if windows is not None:
        for i, (_, start, end) in enumerate(shock_spans(windows)):
            for edge in (start, end):
                ax.axvline(edge, color="#56B4E9", linewidth=1.0, linestyle=("--", ":", "-.")[i % 3])
    bar = fig.colorbar(mesh, ax=ax, fraction=0.04, pad=0.01)
    bar.set_label(bar_label)
    bar.ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylabel("market")
    if windows is not None and not windows.empty:
        drawn = "drawn" in windows and bool(windows["drawn"].any())
        where = " (median where drawn per replication)" if drawn else ""
        ax.set_xlabel(
            f"{ax.get_xlabel()}; blue lines: start and end of each shock{where}", fontsize=8.5
        )
    return fig
