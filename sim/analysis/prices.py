"""Price paths of a run as results tables: every replication's price per review for a single
run (`prices.csv`), and mean and P5/P50/P95 across replications per review for an ensemble.

The prices are the engine's (`sim.engine.prices.PriceBook.history`: USD per t of contained
mineral, one row per priced mineral and side of its market, recorded at each review after
arrivals and before production; the form is in `sim/scenario/prices.py`). Review `period`
falls on day `period x step_days` from the scenario's start.

An ensemble keeps, like the time-series bands, the prices of its first `band_reps`
replications only: each batch sends back its share (`batch_prices`) and the main process
reduces them once (`price_bands`), so memory is bounded whatever the number of replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import metrics
from sim.engine.simulate import RunResult
from sim.scenario.loader import Scenario
from sim.scenario.prices import Prices

PRICES_COLUMNS = ("period", "day", "date", "mineral", "side", "rep", "price_usd_per_t")
"""prices.csv of a single run: the price of each mineral and side per review and replication."""
PRICE_BANDS_COLUMNS = (
    "period",
    "day",
    "date",
    "mineral",
    "side",
    "mean",
    "p5",
    "p50",
    "p95",
    "replications",
)
"""prices.csv of an ensemble: mean and P5/P50/P95 across replications, USD/t, per review."""


def price_labels(prices: Prices) -> list[tuple[str, str]]:
    """(mineral, side) of each price row, in the engine's order (`PriceBook.labels`)."""
    return [(c.mineral, side) for c in prices.commodities for side in c.sides]


def _dates(scenario: Scenario, periods: np.ndarray) -> tuple[np.ndarray, pd.DatetimeIndex]:
    spec = scenario.spec
    days = periods * spec.step_days
    return days, pd.Timestamp(spec.start) + pd.to_timedelta(days, "D")


def price_frame(result: RunResult) -> pd.DataFrame | None:
    """A single run's prices, tidy: one row per review, mineral, side and replication (None
    when the scenario prices nothing)."""
    book = result.prices
    if book is None or not book.labels:
        return None
    history = np.asarray(book.history, dtype=float)  # (periods, P, R)
    grid = np.meshgrid(*(np.arange(n) for n in history.shape), indexing="ij")
    periods, rows, reps = (g.ravel() for g in grid)
    days, dates = _dates(result.scenario, periods)
    minerals = np.array([m for m, _ in book.labels], dtype=object)
    sides = np.array([s for _, s in book.labels], dtype=object)
    return pd.DataFrame(
        {
            "period": periods,
            "day": days,
            "date": dates,
            "mineral": minerals[rows],
            "side": sides[rows],
            "rep": np.asarray(result.reps)[reps],
            "price_usd_per_t": history.ravel(),
        },
        columns=list(PRICES_COLUMNS),
    )


def batch_prices(result: RunResult, band_reps: int) -> np.ndarray | None:
    """The prices a batch sends back: its replications below `band_reps`, (periods, P, kept)
    float32 (None when nothing is priced or no replication is kept)."""
    book = result.prices
    keep = [i for i, rep in enumerate(result.reps) if rep < band_reps]
    if book is None or not book.labels or not keep:
        return None
    return np.ascontiguousarray(book.history[:, :, keep], dtype=np.float32)


def price_bands(scenario: Scenario, parts: list[np.ndarray]) -> pd.DataFrame | None:
    """Mean and P5/P50/P95 (values that occur in the sample: `metrics.quantiles`) of each
    mineral's and side's price per review across the kept replications of every batch, USD/t
    (None when nothing is priced)."""
    labels = price_labels(scenario.spec.prices)
    if not parts or not labels:
        return None
    kept = np.concatenate(parts, axis=2)  # (periods, P, reps), batches in replication order
    periods, count, reps = kept.shape
    values = kept.astype(float)
    mean = values.mean(axis=2)
    p5, p50, p95 = metrics.quantiles(values, axis=2)
    period = np.repeat(np.arange(periods), count)
    row = np.tile(np.arange(count), periods)
    days, dates = _dates(scenario, period)
    return pd.DataFrame(
        {
            "period": period,
            "day": days,
            "date": dates,
            "mineral": [labels[i][0] for i in row],
            "side": [labels[i][1] for i in row],
            "mean": mean.ravel(),
            "p5": np.asarray(p5).ravel(),
            "p50": np.asarray(p50).ravel(),
            "p95": np.asarray(p95).ravel(),
            "replications": reps,
        },
        columns=list(PRICE_BANDS_COLUMNS),
    )
