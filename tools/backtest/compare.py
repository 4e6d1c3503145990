"""Build comparisons (tools/backtest/episode.Comparison) from a run and a list of records.

Monthly exports: the simulated month's ratio to its pre-shock level x the record's pre-shock
level (t/month), so both are in the record's unit; the naive reference is the pre-shock level.
Prices: the simulated multiple of the base price at the review nearest each recorded day
against the recorded multiple; the naive reference is 1 (no change). Sparse price records are
indexed by rank (each recorded point is the next period), so the direction share compares the
change between successive recorded points.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sim.engine import simulate as engine

from . import series
from .episode import Comparison, months_since_2000
from .records import Point


def _points(
    records: list[Point], simulated: list[float], naive: float, periods: list[int]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [r.day for r in records],
            "period": periods,
            "recorded": [r.value for r in records],
            "simulated": simulated,
            "naive": naive,
            "in_sample": [r.in_sample for r in records],
            "source": [r.source for r in records],
        }
    )


def monthly_exports(
    result: engine.RunResult,
    keep: series.LinkFilter,
    shock_start: dt.date,
    records: list[Point],
    base_t: float,
    name: str,
    note: str,
) -> Comparison:
    ratio = series.monthly_ratio(result, keep, shock_start)
    mapped = ratio * base_t
    by_month = {
        dt.date(p.year, p.month, 15): float(v)
        for p, v in zip(pd.PeriodIndex(mapped.index), mapped.to_numpy(), strict=True)
    }
    simulated = [by_month.get(r.day, float("nan")) for r in records]
    path = pd.DataFrame({"date": list(by_month), "simulated": list(by_month.values())})
    points = _points(records, simulated, base_t, [months_since_2000(r.day) for r in records])
    return Comparison(name, "t/month", points, path, note)


def price(
    result: engine.RunResult,
    mineral: str,
    side: str,
    records: list[Point],
    name: str,
    note: str,
) -> Comparison:
    multiple = series.price_multiple(result, mineral, side)
    simulated = series.at_days(multiple, [r.day for r in records])
    days = pd.DatetimeIndex(multiple.index).date
    path = pd.DataFrame({"date": days, "simulated": multiple.to_numpy()})
    points = _points(records, simulated, 1.0, list(range(len(records))))
    return Comparison(name, "x pre-shock price", points, path, note)
