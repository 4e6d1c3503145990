"""Recording into preallocated arrays during a run; conversion to tidy frames once at the end.

A series is keyed by (node, mineral, stage, variable); mineral and stage are "" where they do
not apply (a market's product units). Variables ending in `_t` are tonnes of contained mineral
per review period (flows) or at the end of the review (stocks, `stock_t`, `in_use_t`); those
ending in `_units` are product units per period.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.engine.tracker import MarketTracker
from sim.scenario.network import MarketSpec, Network, StockpileSpec, inputs, outputs
from sim.vocabulary import (
    COMPONENT,
    COVER_DAYS,
    FLOWS_COLUMNS,
    MARKET_MINERAL_VARIABLES,
    MARKET_UNIT_VARIABLES,
    PRODUCTION_T,
    RELEASED_T,
    SCRAP,
    SERIES_KEY,
    SHORTFALL_T,
    STOCK_T,
)

SeriesKey = tuple[str, str, str, str]


def series_keys(network: Network) -> list[SeriesKey]:
    """Every series a run records, in a fixed order."""
    keys: list[SeriesKey] = []
    for name, node in network.nodes.items():
        for mineral, stage in dict.fromkeys(inputs(node) + outputs(node)):
            if stage != SCRAP or node.kind == "recycler":
                keys.append((name, mineral, stage, STOCK_T))
        if isinstance(node, MarketSpec):
            keys += [(name, "", "", v) for v in MARKET_UNIT_VARIABLES]
            keys += [
                (name, m, COMPONENT, v)
                for m in node.intensity_kg_per_unit
                for v in MARKET_MINERAL_VARIABLES
            ]
        elif isinstance(node, StockpileSpec):
            keys.append((name, node.mineral, node.stage, RELEASED_T))
        else:
            keys += [(name, m, s, PRODUCTION_T) for m, s in outputs(node)]
    return keys


PER_REVIEW_IN_ENSEMBLES: frozenset[str] = frozenset()
"""What an ensemble run keeps per review: nothing (market metrics accumulate in a tracker)."""
SUMMED = frozenset({PRODUCTION_T, SHORTFALL_T})
"""Kept as horizon sums (and, for shortfall_t, the last value) in ensemble runs."""
MINIMUM = COVER_DAYS
"""Kept as its lowest value over the horizon and per time bucket in ensemble runs."""


class Recorder:
    """What a run records, in preallocated arrays over replications.

    `full=True` (single runs, or when traces are asked for) keeps every series at every review,
    shape (periods, series, R), and every link's shipments per review. `full=False`
    (ensembles) keeps nothing per review and reduces as it goes: sums of production and
    shortfall, the last shortfall, the lowest days of cover over the horizon and per time
    bucket, link shipments summed over the horizon, and the market metrics of its `tracker`.
    Memory then grows with the batch, not with the number of reviews.

    Read results through `per_review`, `horizon_sum`, `horizon_last` and `horizon_min`, which
    work in both modes.
    """

    def __init__(
        self,
        network: Network,
        n_periods: int,
        reps: int,
        full: bool = True,
        bucket_starts: np.ndarray | None = None,
        tracker: MarketTracker | None = None,
    ):
        every = series_keys(network)
        self.full = full
        self.n_periods = n_periods
        if full:
            self.keys = every
            self.values = np.zeros((n_periods, len(every), reps))
            self.shipped = np.zeros((n_periods, len(network.links), reps))
            self.arrived: np.ndarray | None = np.zeros_like(self.shipped)
        else:
            self.arrived = None
            self.keys = [k for k in every if k[3] in PER_REVIEW_IN_ENSEMBLES]
            self.values = np.zeros((n_periods, len(self.keys), reps))
            self.shipped = np.zeros((1, len(network.links), reps))
        self.index = {key: i for i, key in enumerate(self.keys)}
        summed = (
            []
            if full
            else [
                k
                for k in every
                if k[3] in SUMMED or (k[3] == STOCK_T and network.nodes[k[0]].kind == "stockpile")
            ]
        )
        lowest = [] if full else [k for k in every if k[3] == MINIMUM]
        self.total_keys = summed
        self.total_index = {key: i for i, key in enumerate(summed)}
        self.totals = np.zeros((len(summed), reps))
        self.lasts = np.zeros((len(summed), reps))
        self.min_index = {key: i for i, key in enumerate(lowest)}
        self.mins = np.full((len(lowest), reps), np.inf)
        starts = bucket_starts if bucket_starts is not None else np.zeros(1, dtype=int)
        self.bucket_of = np.searchsorted(starts, np.arange(n_periods), side="right") - 1
        self.bucket_mins = np.full((len(starts), len(lowest), reps), np.inf, dtype=np.float32)
        self.tracker = tracker
        self.period = 0
        self.opening_transit: np.ndarray | None = None
        """Full mode: t in transit per link at the start, (links, R) (`open`)."""
        self.opening_stock: dict[SeriesKey, np.ndarray] = {}
        """Full mode: each stock series' value at the start, (R,) (`open`)."""

    def open(self, stocks: dict[SeriesKey, np.ndarray], in_transit: np.ndarray) -> None:
        """Full mode: keep the stocks and the transit pipeline as the run starts (what a window
        that opens at the first review starts from)."""
        if self.full:
            self.opening_stock = {k: v.copy() for k, v in stocks.items() if k in self.index}
            self.opening_transit = in_transit.copy()

    def put(self, key: SeriesKey, value: np.ndarray | float) -> None:
        i = self.index.get(key)
        if i is not None:
            self.values[self.period, i] = value
        else:
            j = self.total_index.get(key)
            if j is not None:
                self.totals[j] += value
                self.lasts[j] = value

    def locate(self, keys: list[SeriesKey]) -> tuple[np.ndarray, ...]:
        """For `put_rows`: where each of `keys` goes (per review, summed, or minimum)."""

        def where(index: dict[SeriesKey, int]) -> tuple[np.ndarray, np.ndarray]:
            mask = np.array([k in index for k in keys], dtype=bool)
            return mask, np.array([index[k] for k in keys if k in index], dtype=np.intp)

        return (*where(self.index), *where(self.total_index), *where(self.min_index))

    def put_rows(self, where: tuple[np.ndarray, ...], values: np.ndarray) -> None:
        """Record several series at once (`where` from `locate`), values shape (n, R)."""
        tracked, rows, summed, total_rows, lowest, min_rows = where
        if rows.size:
            self.values[self.period, rows] = values[tracked]
        if total_rows.size:
            self.totals[total_rows] += values[summed]
            self.lasts[total_rows] = values[summed]
        if min_rows.size:
            low = values[lowest]
            self.mins[min_rows] = np.minimum(self.mins[min_rows], low)
            bucket = self.bucket_of[self.period]
            self.bucket_mins[bucket, min_rows] = np.minimum(self.bucket_mins[bucket, min_rows], low)

    def shipments(self) -> np.ndarray:
        """Where this review's shipments on every link add up, t, shape (links, R)."""
        return self.shipped[self.period if self.full else 0]

    def ship_all(self, qty: np.ndarray) -> None:
        """Shipments of this review on every link, shape (links, R)."""
        self.shipments()[...] += qty

    def arrive_all(self, qty: np.ndarray) -> None:
        """Full mode: what arrived on every link at this review (usable from it), (links, R)."""
        if self.arrived is not None:
            self.arrived[self.period] += qty

    def shipped_totals(self) -> np.ndarray:
        """t shipped per link over the horizon, shape (links, R)."""
        return self.shipped.sum(axis=0) if self.full else self.shipped[0]

    def per_review(self, key: SeriesKey) -> np.ndarray:
        """A series kept at every review, shape (periods, R)."""
        return self.values[:, self.index[key], :]

    def horizon_sum(self, key: SeriesKey) -> np.ndarray:
        if self.full:
            return self.values[:, self.index[key], :].sum(axis=0)
        return self.totals[self.total_index[key]]

    def horizon_last(self, key: SeriesKey) -> np.ndarray:
        if self.full:
            return self.values[-1, self.index[key], :]
        return self.lasts[self.total_index[key]]

    def horizon_min(self, key: SeriesKey) -> np.ndarray:
        if self.full:
            return self.values[:, self.index[key], :].min(axis=0)
        return self.mins[self.min_index[key]]

    def production_totals(self) -> dict[SeriesKey, np.ndarray]:
        """t made per producer output over the horizon, per replication."""
        keys = self.keys if self.full else self.total_keys
        return {k: self.horizon_sum(k) for k in keys if k[3] == PRODUCTION_T}

    def timeseries(self, network: Network, start: dt.date, step_days: int) -> pd.DataFrame:
        """Tidy long table: one row per period, series and replication."""
        n_periods, n_series, reps = self.values.shape
        period = np.repeat(np.arange(n_periods), n_series * reps)
        keys = pd.DataFrame(self.keys, columns=list(SERIES_KEY))
        frame = keys.iloc[np.tile(np.repeat(np.arange(n_series), reps), n_periods)]
        frame = frame.reset_index(drop=True)
        frame.insert(0, "rep", np.tile(np.arange(reps), n_periods * n_series))
        frame.insert(0, "date", pd.Timestamp(start) + pd.to_timedelta(period * step_days, "D"))
        frame.insert(0, "day", period * step_days)
        frame.insert(0, "period", period)
        frame["value"] = self.values.reshape(-1)
        frame["kind"] = frame["node"].map({n: v.kind for n, v in network.nodes.items()})
        frame["country"] = frame["node"].map({n: v.country for n, v in network.nodes.items()})
        return frame

    def flows(self, network: Network) -> pd.DataFrame:
        """Shipments per link, summed over the horizon, per replication."""
        totals = self.shipped_totals()
        rows = []
        for link in network.links:
            for rep in range(totals.shape[1]):
                rows.append(
                    {
                        "rep": rep,
                        "link": link.label,
                        "supplier": link.supplier,
                        "buyer": link.buyer,
                        "supplier_country": network.nodes[link.supplier].country,
                        "buyer_country": network.nodes[link.buyer].country,
                        "mineral": link.mineral,
                        "stage": link.stage,
                        "shipped_t": float(totals[link.index, rep]),
                    }
                )
        return pd.DataFrame(rows, columns=list(FLOWS_COLUMNS))
