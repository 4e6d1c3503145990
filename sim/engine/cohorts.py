"""End-of-life flow of products whose lifetimes follow a distribution (cohorts, as MFA tools
model them: ODYM's dynamic stock model, flodym's survival models).

Discretisation. A product put in use at review t with a lifetime of x days returns at review
t + a, a = max(1, round(x / step_days)): at the review nearest to its end of life, never the
review it was built in (so a fixed lifetime gives today's ring exactly). The share returning
after a reviews is then

    pdf[1] = F(1.5 step),   pdf[a] = F((a + 0.5) step) - F((a - 0.5) step)   for a >= 2,

with F the lifetime's cumulative distribution (`sim/scenario/lifetimes.py`), and the share
still in use after a reviews is S(a) = 1 - F((a + 0.5) step) (S(0) = 1).

End-of-life flow at review t, t, per (market, mineral) pair:

    eol(t) = legacy x S(t) + sum over reviews s < t of used(s) x pdf[t - s]

where `legacy` is the flow of products sold before the start, at the steady rate
consumption x eol_history_share a review (their outflow at review t is legacy x the share of
all earlier cohorts due then, sum over j >= 1 of pdf[t + j] = S(t)). A fixed lifetime makes S a
step, so this is the legacy flow for a lifetime, then the products sold in the run. The
in-use stock at the start is legacy x the mean return time in reviews (sum of S over all
reviews, Little's law).

Cost: material put in use is spread over a future-outflow ring at once (`used x pdf`), one
(lags, pairs, R) multiply-add per review over the lags that can still return within the horizon;
reading a review's outflow is one row. Only pairs with a spread lifetime and some return within
the horizon have a ring, and only those whose flow something reads review by review (collected
for recyclers, or recorded per review, as in a single run): for the others (an ensemble's
markets that collect nothing) each cohort's returns within the horizon are booked when it is put
in use, one multiply per review, with the same totals at the end (`Cohorts.defer`). Fixed
lifetimes keep the cheap one-slot ring in `state.py`.
"""

from __future__ import annotations

import functools

import numpy as np

from sim.scenario.lifetimes import DAYS_PER_YEAR, Lifetime
from sim.scenario.nodes import MarketSpec

MEAN_SURVIVAL = 1e-12
"""The mean return time sums S until it falls below this (or `MEAN_REVIEWS_CAP` reviews)."""
MEAN_REVIEWS_CAP = 2**20
"""Most reviews summed for the mean return time: beyond them, material stays in use."""


@functools.lru_cache(maxsize=256)
def _cdf_at_edges(lifetime: Lifetime, mean_years: float, step_days: int, n: int) -> np.ndarray:
    """F((a + 0.5) step) for a = 0 .. n-1."""
    edges = (np.arange(n) + 0.5) * step_days
    return np.clip(lifetime.cdf_days(mean_years, edges), 0.0, 1.0)


def discretise(
    lifetime: Lifetime, mean_years: float, step_days: int, periods: int
) -> tuple[np.ndarray, np.ndarray]:
    """The return shares pdf[a] (pdf[0] = 0) and the shares still in use S[a], a = 0 ..
    periods-1 (module docstring), as arrays of length `periods`."""
    cumulative = np.maximum.accumulate(_cdf_at_edges(lifetime, mean_years, step_days, periods))
    cumulative[0] = 0.0  # nothing returns at the review it was built in
    pdf = np.diff(cumulative, prepend=0.0)
    return pdf, 1.0 - cumulative


@functools.lru_cache(maxsize=256)
def mean_reviews(lifetime: Lifetime, mean_years: float, step_days: int) -> float:
    """The mean return time in reviews of the discretised lifetime: the sum over a >= 0 of
    S(a), summed until S < MEAN_SURVIVAL (at most MEAN_REVIEWS_CAP reviews)."""
    n = max(64, int(4 * mean_years * DAYS_PER_YEAR / step_days))
    while True:
        n = min(n, MEAN_REVIEWS_CAP)
        _, survival = discretise(lifetime, mean_years, step_days, n)
        if survival[-1] < MEAN_SURVIVAL or n == MEAN_REVIEWS_CAP:
            return float(survival.sum())
        n *= 4


def spread_pdf(market: MarketSpec, step_days: int, periods: int) -> tuple[np.ndarray, np.ndarray]:
    """`discretise` for a market with a spread lifetime."""
    assert market.lifetime is not None
    return discretise(market.lifetime, market.lifetime_years, step_days, periods)


class Cohorts:
    """The future-outflow ring of the pairs with spread lifetimes, and its step."""

    def __init__(
        self,
        rows: list[int],
        pdfs: list[np.ndarray],
        survivals: list[np.ndarray],
        legacy: np.ndarray,
        reps: int,
    ):
        self.rows = np.array(rows, dtype=np.intp)
        """The pairs (rows of the state's pair arrays) with spread lifetimes."""
        self.reps = reps
        self.full_pdf = np.stack(pdfs, axis=1)  # (periods, pairs)
        self.periods = self.full_pdf.shape[0]
        self.survival = np.stack(survivals, axis=1)
        self.legacy = legacy
        """End-of-life flow per review of the products sold before the start, t, (pairs, 1)."""
        self._split(np.zeros(len(rows), dtype=bool))

    def defer(self, settled: np.ndarray) -> None:
        """Book the pairs marked in `settled` (a mask over `rows`) at once: nothing reads their
        end-of-life flow review by review (nothing collected, nothing recorded per review), so
        each cohort's outflow within the horizon is booked when it is put in use. Totals at the
        end of the run (end-of-life flow, in-use stock, uncollected) are those of the ring;
        the values in between are not, so a recorded pair must never be settled."""
        self._split(np.asarray(settled, dtype=bool))

    def _split(self, settled: np.ndarray) -> None:
        self.settled = settled
        self.ringed = ~settled
        pdf = self.full_pdf[:, self.ringed]
        reach = np.flatnonzero(pdf.any(axis=1))
        self.reach = int(reach.max()) if reach.size else 0
        """The longest lag with a return within the horizon, reviews, of the ring's pairs."""
        self.pdf = np.ascontiguousarray(pdf[1 : self.reach + 1, :, None])
        """Return shares of the ring's pairs at lags 1 .. reach, shape (reach, pairs, 1)."""
        self.slots = self.reach + 1
        self.future = np.zeros((self.slots, int(self.ringed.sum()), self.reps))
        """Outflow still to come from products put in use in the run: review k in slot
        k % slots."""
        returned = np.cumsum(self.full_pdf[:, settled], axis=0)  # returned within a lags
        self.within = returned[::-1]
        """Per review t: the share of a cohort put in use then that returns within the
        horizon, pdf[1] + ... + pdf[periods - 1 - t], for the settled pairs."""

    def step(self, period: int, used: np.ndarray) -> np.ndarray:
        """This review's end-of-life flow of the pairs, (pairs, R), after spreading `used` (t put
        in use now, (pairs, R)) over the coming reviews (settled pairs: see `defer`)."""
        eol = np.repeat(self.legacy * self.survival[period][:, None], used.shape[1], axis=1)
        if self.settled.any():
            eol[self.settled] += used[self.settled] * self.within[period][:, None]
        if not self.ringed.any():
            return eol
        slot = period % self.slots
        eol[self.ringed] += self.future[slot]
        self.future[slot] = 0.0
        lags = min(self.reach, self.periods - 1 - period)
        if lags > 0:
            now = used[self.ringed]
            first = slot + 1
            head = min(lags, self.slots - first)  # slots first .. first + head - 1, no wrap
            self.future[first : first + head] += self.pdf[:head] * now
            if head < lags:
                self.future[: lags - head] += self.pdf[head:lags] * now
        return eol


def unread_pairs(
    recorded: list[tuple[np.ndarray, ...]], collection: np.ndarray, shifted: list[int]
) -> np.ndarray:
    """Per (market, mineral) pair: whether nothing reads its end-of-life flow review by review:
    no recorder keeps its end-of-life or in-use series (`recorded`: `Recorder.locate` results),
    it collects nothing (`collection` per pair, (pairs, 1)) and no policy shifts its collection
    (`shifted` pairs)."""
    read = collection[:, 0] > 0
    read[shifted] = True
    for where in recorded:
        for mask in where[0::2]:
            read = read | mask
    return ~read
