"""Simulated series in the shape of the records: monthly exports of a country and price
multiples, from one run (replication 0; the backtest scenarios have no random inputs).

A shipment is dated on the day it leaves the country (customs count exports on departure): the
review that sends it plus any licence review it waits for. A month's exports are the tonnes
leaving in it scaled to its days (t/month), since a month holds four or five weekly reviews.
Ratios are to the mean rate of the reviews before the shock (the model's own pre-shock level),
so a series whose level the network does not hold in the record's unit (t of magnets vs t of
RE oxide in them) is compared as a change from before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.engine import simulate as engine
from sim.scenario.network import Link
from sim.shocks.export_ban import ExportFlows

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


def licence_delays(result: engine.RunResult, links: list[int]) -> np.ndarray:
    """Days of licence review added at each review to a shipment on each of `links` (export
    bans' licence delays and export licensing's processing, summed as the engine adds them;
    replication 0), shape (reviews, links)."""
    net, step = result.scenario.network, result.scenario.spec.step_days
    days = np.arange(result.n_periods) * step
    out = np.zeros((result.n_periods, len(links)))
    for draws in result.shocks:
        delay = float(draws.delay[0])
        if not isinstance(draws.shock, ExportFlows) or delay == 0:
            continue
        active = (days >= float(draws.begin[0])) & (days < float(draws.end[0]))
        for j, index in enumerate(links):
            if draws.shock.applies_to(net, index):
                out[active, j] += delay
    return out


def shipped(result: engine.RunResult, keep: LinkFilter) -> pd.Series:
    """Tonnes leaving the country on the links `keep` selects (replication 0), indexed by the
    day they leave: the review that sends them plus any licence review they wait for (customs
    count an export when it leaves; a shipment held in review has not left)."""
    links = [link.index for link in result.scenario.network.links if keep(link, result)]
    if not links:
        raise ValueError("no link of the network matches the series: check the filter")
    sent = result.recorder.shipped[: result.n_periods, links, 0].astype(float)
    sent_on = review_days(result).to_numpy()[:, None]
    leave = sent_on + (licence_delays(result, links) * 86_400e9).astype("timedelta64[ns]")
    return pd.Series(sent.ravel(), index=pd.DatetimeIndex(leave.ravel()), name="t")


def monthly(per_review: pd.Series, reviews: pd.DatetimeIndex, step_days: int) -> pd.Series:
    """t per calendar month of the run: the tonnes dated in each month x days in month / days
    the month's reviews cover (a month holds four or five weekly reviews)."""
    covered = pd.Series(1, index=reviews.to_period("M")).groupby(level=0).size() * step_days
    dated = pd.DatetimeIndex(per_review.index).to_period("M")
    tonnes = per_review.groupby(dated).sum().reindex(covered.index, fill_value=0.0)
    days = np.array([p.days_in_month for p in covered.index])
    return (tonnes / covered * days).rename("t_per_month")


def pre_shock_rate(per_review: pd.Series, shock_start: dt.date, step_days: int) -> float:
    """Mean t/day of what left at the reviews that end before `shock_start`."""
    ends = pd.DatetimeIndex(per_review.index).shift(step_days, freq="D")
    before = per_review[ends <= pd.Timestamp(shock_start)]
    if before.empty:
        raise ValueError(f"the run starts too late: no review before the shock on {shock_start}")
    return float(before.groupby(level=0).sum().mean()) / step_days


def monthly_ratio(result: engine.RunResult, keep: LinkFilter, shock_start: dt.date) -> pd.Series:
    """Each month's exports over the pre-shock level (1.0 = as before), indexed by month."""
    step = result.scenario.spec.step_days
    per_review = shipped(result, keep)
    rate = pre_shock_rate(per_review, shock_start, step)
    series = monthly(per_review, review_days(result), step)
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
