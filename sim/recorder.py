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

from .network import MarketSpec, Network, StockpileSpec, inputs, outputs

SeriesKey = tuple[str, str, str, str]

MARKET_UNIT_VARIABLES = ("demand_units", "delivered_units", "shortfall_units", "backlog_units")
MARKET_MINERAL_VARIABLES = (
    "cover_days",
    "demand_t",
    "delivered_t",
    "shortfall_t",
    "eol_t",
    "collected_t",
    "in_use_t",
)


def series_keys(network: Network) -> list[SeriesKey]:
    """Every series a run records, in a fixed order."""
    keys: list[SeriesKey] = []
    for name, node in network.nodes.items():
        for mineral, stage in dict.fromkeys(inputs(node) + outputs(node)):
            if stage != "scrap" or node.kind == "recycler":
                keys.append((name, mineral, stage, "stock_t"))
        if isinstance(node, MarketSpec):
            keys += [(name, "", "", v) for v in MARKET_UNIT_VARIABLES]
            keys += [
                (name, m, "component", v)
                for m in node.intensity_kg_per_unit
                for v in MARKET_MINERAL_VARIABLES
            ]
        elif isinstance(node, StockpileSpec):
            keys.append((name, node.mineral, node.stage, "released_t"))
        else:
            keys += [(name, m, s, "production_t") for m, s in outputs(node)]
    return keys


TRACE_VARIABLES = frozenset({*MARKET_UNIT_VARIABLES, "shortfall_t", "cover_days"})
"""What an ensemble run keeps per review (markets only); everything else it keeps as totals."""


class Recorder:
    """Per-review values of the tracked series, shape (periods, series, replications), and
    horizon totals of the rest.

    `full=True` (single runs, or when traces are asked for) tracks every series and every
    link's shipments per review. `full=False` (ensembles) tracks only the market series that
    risk metrics need and sums production and link shipments over the horizon, so memory grows
    with the batch, not with the number of reviews times nodes.
    """

    def __init__(self, network: Network, n_periods: int, reps: int, full: bool = True):
        every = series_keys(network)
        self.full = full
        self.keys = every if full else [k for k in every if k[3] in TRACE_VARIABLES]
        self.index = {key: i for i, key in enumerate(self.keys)}
        total_keys = [] if full else [k for k in every if k[3] == "production_t"]
        self.total_index = {key: i for i, key in enumerate(total_keys)}
        self.total_keys = total_keys
        self.values = np.zeros((n_periods, len(self.keys), reps))
        self.totals = np.zeros((len(total_keys), reps))
        n_links = len(network.links)
        self.shipped = np.zeros((n_periods if full else 1, n_links, reps))
        self.period = 0

    def put(self, key: SeriesKey, value: np.ndarray | float) -> None:
        i = self.index.get(key)
        if i is not None:
            self.values[self.period, i] = value
        else:
            j = self.total_index.get(key)
            if j is not None:
                self.totals[j] += value

    def locate(self, keys: list[SeriesKey]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                      np.ndarray]:
        """For `put_rows`: which of `keys` are tracked per review or as totals, and where."""
        tracked = np.array([k in self.index for k in keys], dtype=bool)
        totalled = np.array([k in self.total_index for k in keys], dtype=bool)
        return (tracked, np.array([self.index[k] for k in keys if k in self.index], dtype=int),
                totalled, np.array([self.total_index[k] for k in keys if k in self.total_index],
                                   dtype=int))

    def put_rows(self, where: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                 values: np.ndarray) -> None:
        """Record several series at once (`where` from `locate`), values shape (n, R)."""
        tracked, rows, totalled, total_rows = where
        if rows.size:
            self.values[self.period, rows] = values[tracked]
        if total_rows.size:
            self.totals[total_rows] += values[totalled]

    def ship_all(self, qty: np.ndarray) -> None:
        """Shipments of this review on every link, shape (links, R)."""
        self.shipped[self.period if self.full else 0] += qty

    def shipped_totals(self) -> np.ndarray:
        """t shipped per link over the horizon, shape (links, R)."""
        return self.shipped.sum(axis=0) if self.full else self.shipped[0]

    def production_totals(self) -> dict[SeriesKey, np.ndarray]:
        """t made per producer output over the horizon, per replication."""
        if self.full:
            return {k: self.values[:, i].sum(axis=0) for k, i in self.index.items()
                    if k[3] == "production_t"}
        return {k: self.totals[i] for k, i in self.total_index.items()}

    def timeseries(self, network: Network, start: dt.date, step_days: int) -> pd.DataFrame:
        """Tidy long table: one row per period, series and replication."""
        n_periods, n_series, reps = self.values.shape
        period = np.repeat(np.arange(n_periods), n_series * reps)
        keys = pd.DataFrame(self.keys, columns=["node", "mineral", "stage", "variable"])
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
        return pd.DataFrame(rows)
