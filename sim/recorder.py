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


class Recorder:
    """Per-period values of every series, shape (periods, series, replications)."""

    def __init__(self, network: Network, n_periods: int, reps: int):
        self.keys = series_keys(network)
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.values = np.zeros((n_periods, len(self.keys), reps))
        self.shipped = np.zeros((n_periods, len(network.links), reps))
        self.period = 0

    def put(self, key: SeriesKey, value: np.ndarray | float) -> None:
        self.values[self.period, self.index[key]] = value

    def timeseries(self, network: Network, start: dt.date, step_days: int) -> pd.DataFrame:
        """Tidy long table: one row per period, series and replication."""
        n_periods, n_series, reps = self.values.shape
        period = np.repeat(np.arange(n_periods), n_series * reps)
        keys = pd.DataFrame(self.keys, columns=["node", "mineral", "stage", "variable"])
        frame = keys.iloc[np.tile(np.repeat(np.arange(n_series), reps), n_periods)]
        frame = frame.reset_index(drop=True)
        frame.insert(0, "rep", np.tile(np.arange(reps), n_periods * n_series))
        frame.insert(0, "date", [start + dt.timedelta(days=int(p) * step_days) for p in period])
        frame.insert(0, "day", period * step_days)
        frame.insert(0, "period", period)
        frame["value"] = self.values.reshape(-1)
        frame["kind"] = frame["node"].map({n: v.kind for n, v in network.nodes.items()})
        frame["country"] = frame["node"].map({n: v.country for n, v in network.nodes.items()})
        return frame

    def flows(self, network: Network) -> pd.DataFrame:
        """Shipments per link, summed over the horizon, per replication."""
        totals = self.shipped.sum(axis=0)
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
