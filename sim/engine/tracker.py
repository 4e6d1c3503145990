"""Market risk metrics accumulated review by review, so that no run keeps its time series just
to compute them (DESIGN.md section 6; the definitions are in `metrics.py`).

Per market and replication: horizon sums of demand and deliveries, the peak shortfall of a
review, the first review short, and for every shock the time to survive (TTS) and the time to
recover (TTR); per time bucket: sums of demand, deliveries and shortfall for the quantile bands.
A review counts as short when its shortfall exceeds 1e-9 of its demand (or of one unit).
"""

from __future__ import annotations

import numpy as np

from sim.vocabulary import BAND_SUMS


class MarketTracker:
    """Running market metrics over a batch: arrays (markets, R), or (shocks, markets, R)."""

    def __init__(
        self,
        markets: int,
        reps: int,
        step_days: int,
        onsets: np.ndarray,
        ends: np.ndarray,
        threshold: float,
        settle_reviews: int,
        bucket_of: np.ndarray,
        buckets: int,
    ):
        """`onsets`, `ends`: each shock's start and end per replication, shape (shocks, R)."""
        shape = (markets, reps)
        self.step = step_days
        self.threshold = threshold
        self.settle = max(1, settle_reviews)
        # The first review at or after each shock's end (reviews fall on multiples of step).
        first = np.ceil(ends / step_days) * step_days
        first = np.where(first < ends, first + step_days, first)  # exact for tiny ends too
        self.bounds = np.stack([np.clip(onsets, 0.0, None), first])[:, :, None, :]
        """Each shock's onset and the first review from which it may recover, (2, shocks, 1, R)."""
        self.running = np.zeros((5, *shape))
        """Demand and delivery sums, peak shortfall, first day short, start of the calm run."""
        self.demand, self.delivered, self.peak, self.first_short, self.run_start = self.running
        self.first_short[:] = np.inf
        self.run_length = np.zeros(shape, dtype=np.int64)
        self.times = np.full((2, onsets.shape[0], *shape), np.inf)
        """Time to survive and time to recover per shock, days."""
        self.tts, self.ttr = self.times
        self.bucket_of = bucket_of
        self.bands = np.zeros((buckets, len(BAND_SUMS), *shape))

    def update(self, period: int, day: float, units: np.ndarray) -> None:
        """One review: its demand, deliveries and shortfall (units), (3, markets, R)."""
        from sim.engine import market_kernels  # here: numba's import is not for `sim --help`

        market_kernels.track(
            self.running,
            self.run_length,
            self.times,
            self.bounds,
            self.bands[self.bucket_of[period]],
            units,
            day,
            float(self.step),
            float(self.settle),
            float(self.threshold),
        )

    def recovery(self) -> np.ndarray:
        """Time to recover per shock, market and replication: days, inf when the market fell
        below the threshold and did not recover within the horizon, NaN when it never fell
        below it after the shock's onset (recovery is then undefined, DESIGN.md s. 6)."""
        return np.where(np.isinf(self.tts), np.nan, self.ttr)
