"""Simulated series in the shape of the records: monthly exports of a country and price
multiples, from one run (replication 0; the backtest scenarios have no random inputs).

A shipment is dated on the review that sends it (customs count exports on departure). A
month's exports are the tonnes sent at its reviews scaled to its days (t/month), since a month
holds four or five weekly reviews. Ratios are to the mean rate of the reviews before the shock
(the model's own pre-shock level), so a series whose level the network does not hold in the
record's unit (t of magnets vs t of RE oxide in them) is compared as a change from before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.engine import simulate as engine
from sim.scenario.network import Link

LinkFilter = Callable[[Link, engine.RunResult], bool]


def review_days(result: engine.RunResult) -> pd.DatetimeIndex:
    """Calendar day of each review."""
    spec = result.scenario.spec
    start = pd.Timestamp(spec.start)
    return pd.DatetimeIndex(
        [start + pd.Timedelta(days=p * spec.step_days) for p in range(result.n_periods)]
    )


def exports_of(country: str, mineral: str | None = None) -> LinkFilter:
    """Links from `country` to any other country (of `mineral`, or every mineral)."""

    def keep(link: Link, result: engine.RunResult) -> bool:
        nodes = result.scenario.network.nodes
        return (
            nodes[link.supplier].country == country
            and nodes[link.buyer].country != country
            and (mineral is None or link.mineral == mineral)
        )

    return keep


def shipped(result: engine.RunResult, keep: LinkFilter) -> pd.Series:
    """Tonnes sent per review on the links `keep` selects (replication 0), indexed by day."""
    links = [link.index for link in result.scenario.network.links if keep(link, result)]
    if not links:
        raise ValueError("no link of the network matches the series: check the filter")
    sent = result.recorder.shipped[: result.n_periods, links, 0].sum(axis=1)
    return pd.Series(sent.astype(float), index=review_days(result), name="t")


def monthly(per_review: pd.Series, step_days: int) -> pd.Series:
    """t per calendar month: each month's reviews' tonnes x days in month / days they cover."""
    months = pd.DatetimeIndex(per_review.index).to_period("M")
    grouped = per_review.groupby(months)
    covered = grouped.size() * step_days
    days = np.array([p.days_in_month for p in grouped.sum().index])
    return (grouped.sum() / covered * days).rename("t_per_month")


def pre_shock_rate(per_review: pd.Series, shock_start: dt.date, step_days: int) -> float:
    """Mean t/day sent at the reviews that end before `shock_start`."""
    ends = pd.DatetimeIndex(per_review.index).shift(step_days, freq="D")
    before = per_review[ends <= pd.Timestamp(shock_start)]
    if before.empty:
        raise ValueError(f"the run starts too late: no review before the shock on {shock_start}")
    return float(before.mean()) / step_days


def monthly_ratio(result: engine.RunResult, keep: LinkFilter, shock_start: dt.date) -> pd.Series:
    """Each month's exports over the pre-shock level (1.0 = as before), indexed by month."""
    step = result.scenario.spec.step_days
    per_review = shipped(result, keep)
    rate = pre_shock_rate(per_review, shock_start, step)
    series = monthly(per_review, step)
    days = np.array([p.days_in_month for p in series.index])
    return (series / (rate * days)).rename("ratio")


def price_multiple(result: engine.RunResult, mineral: str, side: str) -> pd.Series:
    """The simulated price of `mineral` on `side` ('world', a country, 'outside XX') at each
    review, as a multiple of its base price."""
    book = result.prices
    if book is None:
        raise ValueError(f"the scenario prices nothing: no {mineral} price on {side}")
    if (mineral, side) not in book.labels:
        raise ValueError(f"no {mineral} price on side {side!r}; sides: {book.labels}")
    i = list(book.labels).index((mineral, side))
    usd = book.history[: result.n_periods, i, 0].astype(float)
    return pd.Series(usd / float(book.base[i, 0]), index=review_days(result), name="multiple")


def at_days(path: pd.Series, days: list[dt.date]) -> list[float]:
    """The path's value at the review nearest each day (NaN outside the run)."""
    index = pd.DatetimeIndex(path.index)
    out = []
    for day in days:
        stamp = pd.Timestamp(day)
        if stamp < index[0] or stamp > index[-1] + pd.Timedelta(days=7):
            out.append(np.nan)
            continue
        out.append(float(path.iloc[int(np.argmin(np.abs((index - stamp).days)))]))
    return out
