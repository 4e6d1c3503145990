"""Market risk metrics accumulated review by review, so that no run keeps its time series just
to compute them (DESIGN.md section 6; the definitions are in `metrics.py`).

Per market and replication: horizon sums of demand and deliveries, the peak shortfall of a
review, the first review short, and for every shock the time to survive (TTS) and the time to
recover (TTR); per time bucket: sums of demand, deliveries and shortfall for the quantile bands.
A review counts as short when its shortfall exceeds 1e-9 of its demand (or of one unit).
"""

from __future__ import annotations

import numpy as np

from sim.vocabulary import BAND_SUMS, fill_rate


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
        self.onsets = np.clip(onsets, 0.0, None)[:, None, :]
        # The first review at or after each shock's end (reviews fall on multiples of step).
        first = np.ceil(ends / step_days) * step_days
        first = np.where(first < ends, first + step_days, first)  # exact for tiny ends too
        self.recover_from = first[:, None, :]
        self.demand = np.zeros(shape)
        self.delivered = np.zeros(shape)
        self.peak = np.zeros(shape)
        self.first_short = np.full(shape, np.inf)
        self.run_start = np.zeros(shape)
        self.run_length = np.zeros(shape, dtype=np.int64)
        self.tts = np.full((onsets.shape[0], *shape), np.inf)
        self.ttr = np.full((onsets.shape[0], *shape), np.inf)
        self.bucket_of = bucket_of
        self.bands = np.zeros((buckets, len(BAND_SUMS), *shape))

    def update(
        self,
        period: int,
        day: float,
        demand: np.ndarray,
        delivered: np.ndarray,
        shortfall: np.ndarray,
    ) -> None:
        """One review: its demand, deliveries and shortfall (units), each (markets, R)."""
        self.demand += demand
        self.delivered += delivered
        np.maximum(self.peak, shortfall, out=self.peak)
        short = shortfall > 1e-9 * np.maximum(demand, 1.0)
        self.first_short[short & np.isinf(self.first_short)] = day
        band = self.bands[self.bucket_of[period]]
        band[0] += demand
        band[1] += delivered
        band[2] += shortfall
        below = fill_rate(delivered, demand) < self.threshold
        self.run_start = np.where(self.run_length == 0, day, self.run_start)
        self.run_length = np.where(below, 0, self.run_length + 1)
        if not self.tts.shape[0]:
            return
        survived = below & (day >= self.onsets) & np.isinf(self.tts)
        self.tts[survived] = np.broadcast_to(day - self.onsets, self.tts.shape)[survived]
        # Recovery is counted only once the market has fallen below the threshold after the
        # onset (finite TTS): the calm run then started after that review, so TTR > TTS.
        start = np.maximum(self.run_start, self.recover_from)
        steady = (
            (self.run_length > 0)
            & np.isfinite(self.tts)
            & (day >= start)
            & ((day - start) / self.step + 1 >= self.settle - 1e-9)
            & np.isinf(self.ttr)
        )
        self.ttr[steady] = (start - self.onsets)[steady]

    def recovery(self) -> np.ndarray:
        """Time to recover per shock, market and replication: days, inf when the market fell
        below the threshold and did not recover within the horizon, NaN when it never fell
        below it after the shock's onset (recovery is then undefined, DESIGN.md s. 6)."""
        return np.where(np.isinf(self.tts), np.nan, self.ttr)
