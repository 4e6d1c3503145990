"""Result frames of a run: tidy time series, per-market summary, link flows, mass balance.

Definitions (DESIGN.md section 6): shortfall is unmet demand in product units and in tonnes of
each mineral; fill rate = delivered / demanded over the horizon (1.0 when demand is zero).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .balance import balance_table
from .engine import RunResult
from .network import MarketSpec


def market_summary(result: RunResult) -> pd.DataFrame:
    """One row per market and replication: totals over the horizon and when shortfall began."""
    rec, spec = result.recorder, result.scenario.spec
    rows = []
    for market in result.scenario.network.of_kind("market"):
        assert isinstance(market, MarketSpec)

        def series(
            variable: str, mineral: str = "", stage: str = "", name: str = market.name
        ) -> np.ndarray:
            return rec.values[:, rec.index[(name, mineral, stage, variable)], :]

        demand, delivered = series("demand_units"), series("delivered_units")
        short = series("shortfall_units")
        short_t = sum(series("shortfall_t", m, "component") for m in market.intensity_kg_per_unit)
        for rep in range(rec.values.shape[2]):
            total_demand = float(demand[:, rep].sum())
            total_delivered = float(delivered[:, rep].sum())
            hit = np.flatnonzero(short[:, rep] > 1e-9 * max(total_demand, 1.0))
            first_day = int(hit[0]) * spec.step_days if hit.size else None
            rows.append(
                {
                    "market": market.name,
                    "rep": rep,
                    "country": market.country,
                    "sector": market.sector,
                    "unit": market.unit,
                    "demand_units": total_demand,
                    "delivered_units": total_delivered,
                    "shortfall_units": total_demand - total_delivered,
                    "fill_rate": total_delivered / total_demand if total_demand > 0 else 1.0,
                    "shortfall_t": float(np.asarray(short_t)[:, rep].sum())
                    if market.unmet == "lost"
                    else float(np.asarray(short_t)[-1, rep]),
                    "peak_shortfall_units_per_period": float(short[:, rep].max()),
                    "first_shortfall_day": first_day,
                    "first_shortfall_date": spec.start + dt.timedelta(days=first_day)
                    if first_day is not None
                    else None,
                }
            )
    return pd.DataFrame(rows)


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
