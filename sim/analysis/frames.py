"""Result frames of a run: tidy time series, per-market summary, link flows, mass balance.

Definitions (DESIGN.md section 6): shortfall is unmet demand in product units and in tonnes of
each mineral; fill rate = delivered / demanded over the horizon (1.0 when demand is zero).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.analysis import metrics
from sim.analysis.balance import balance_table
from sim.engine.simulate import RunResult
from sim.scenario.network import MarketSpec
from sim.vocabulary import (
    DELIVERED_UNITS,
    DEMAND_UNITS,
    FILL_RATE,
    FIRST_SHORTFALL_DAY,
    MARKETS_COLUMNS,
    PEAK_SHORTFALL_UNITS,
    SHIPMENTS_COLUMNS,
    SHORTFALL_T,
    SHORTFALL_UNITS,
)


def run_metrics(result: RunResult) -> metrics.MetricTable:
    """The run's risk metrics, computed once with the scenario's metric options."""
    if result.metrics_table is None:
        result.metrics_table = metrics.compute(result, result.scenario.spec.metrics)
    table: metrics.MetricTable = result.metrics_table
    return table


def market_summary(result: RunResult) -> pd.DataFrame:
    """One row per market and replication: totals over the horizon and when shortfall began
    (read from the run's metrics, so both tables always agree)."""
    table = run_metrics(result).tidy()
    wanted = [
        DEMAND_UNITS,
        DELIVERED_UNITS,
        SHORTFALL_UNITS,
        FILL_RATE,
        PEAK_SHORTFALL_UNITS,
        FIRST_SHORTFALL_DAY,
    ]
    rows = table[table["metric"].isin(wanted) & (table["market"] != "")]
    wide = rows.pivot_table(
        index=["market", "rep"], columns="metric", values="value", aggfunc="first", observed=True
    )
    grid = wide.reindex(columns=wanted).to_numpy(dtype=float)
    position = {key: i for i, key in enumerate(wide.index)}
    tonnes = (
        table[table["metric"] == SHORTFALL_T]
        .groupby(["market", "rep"], observed=True)["value"]
        .sum()
    )
    start = result.scenario.spec.start
    out = []
    for market in result.scenario.network.of_kind("market"):
        assert isinstance(market, MarketSpec)
        for rep in result.reps:
            row = dict(zip(wanted, grid[position[(market.name, rep)]], strict=True))
            first = row[FIRST_SHORTFALL_DAY]
            out.append(
                {
                    "market": market.name,
                    "rep": rep,
                    "country": market.country,
                    "sector": market.sector,
                    "unit": market.unit,
                    DEMAND_UNITS: row[DEMAND_UNITS],
                    DELIVERED_UNITS: row[DELIVERED_UNITS],
                    SHORTFALL_UNITS: row[SHORTFALL_UNITS],
                    FILL_RATE: row[FILL_RATE],
                    SHORTFALL_T: float(tonnes[(market.name, rep)]),
                    "peak_shortfall_units_per_period": row[PEAK_SHORTFALL_UNITS],
                    FIRST_SHORTFALL_DAY: None if np.isinf(first) else int(first),
                    "first_shortfall_date": None
                    if np.isinf(first)
                    else start + dt.timedelta(days=int(first)),
                }
            )
    return pd.DataFrame(out, columns=list(MARKETS_COLUMNS))


def balance(result: RunResult) -> pd.DataFrame:
    return balance_table(result.state, result.initial_stock, result.reps)


def timeseries(result: RunResult) -> pd.DataFrame:
    spec = result.scenario.spec
    return result.recorder.timeseries(result.scenario.network, spec.start, spec.step_days)


def flows(result: RunResult) -> pd.DataFrame:
    return result.recorder.flows(result.scenario.network)


def events(result: RunResult) -> pd.DataFrame:
    frame = pd.DataFrame(result.events, columns=["day", "shock", "event"])
    frame["date"] = [result.scenario.spec.start + dt.timedelta(days=d) for d in frame["day"]]
    return frame


def shipments(result: RunResult) -> pd.DataFrame:
    """Tonnes shipped per review and link (single runs; tidy, rows with shipments only)."""
    spec, net, rec = result.scenario.spec, result.scenario.network, result.recorder
    periods, links, reps = np.nonzero(rec.shipped)
    label = [net.links[i] for i in links.tolist()]
    days = periods * spec.step_days
    return pd.DataFrame(
        {
            "period": periods,
            "day": days,
            "date": pd.Timestamp(spec.start) + pd.to_timedelta(days, "D"),
            "rep": np.asarray(result.reps)[reps],
            "link": [k.label for k in label],
            "supplier": [k.supplier for k in label],
            "buyer": [k.buyer for k in label],
            "supplier_country": [net.nodes[k.supplier].country for k in label],
            "buyer_country": [net.nodes[k.buyer].country for k in label],
            "mineral": [k.mineral for k in label],
            "stage": [k.stage for k in label],
            "shipped_t": rec.shipped[periods, links, reps],
        },
        columns=list(SHIPMENTS_COLUMNS),
    )
