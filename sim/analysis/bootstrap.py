"""Percentile bootstrap confidence intervals over replications (Efron and Tibshirani, An
Introduction to the Bootstrap, 1993, ch. 13): resample the replications with replacement
`RESAMPLES` times, compute the statistic on every resample, and take its 2.5th and 97.5th
percentiles as the 95% interval.

The resamples are drawn from a generator seeded by the scenario's seed and a fixed stream
number (`generator`), so the same results always give the same intervals, and no other random
stream moves. All resamples are one index array (resamples, n): a statistic is computed on
every resample at once, with no Python loop per resample.

When intervals are honest (`thin_tail`, `wide_chance`): P95 and CVaR95 rest on the worst 5% of
replications, so they need at least `MIN_TAIL` replications in that tail (20 / 0.05 = 400
replications); a probability whose interval is wider than `MAX_CHANCE_WIDTH` is too loose to
state without a warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.vocabulary import MAX_CHANCE_CI_WIDTH, MIN_TAIL_REPLICATIONS

RESAMPLES = 1000
"""Bootstrap resamples per interval: enough for stable 2.5/97.5 percentiles (Efron and
Tibshirani recommend at least 1,000 for percentile intervals)."""
STREAM = 0xB0075
"""Added to the scenario seed's entropy so the bootstrap has a stream of its own."""
LEVEL = 0.95
MIN_TAIL = MIN_TAIL_REPLICATIONS
"""Replications beyond the 95th percentile that P95 and CVaR95 need to be stated without a
warning (a tail of fewer outcomes is a handful of draws, not a distribution)."""
MAX_CHANCE_WIDTH = MAX_CHANCE_CI_WIDTH
"""A P(shortfall) whose 95% interval is wider than this is flagged as resting on too few
replications."""


def generator(seed: int | None) -> np.random.Generator:
    """The bootstrap's own generator for a scenario seed (None: seed 0)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed or 0), STREAM]))


def indices(n: int, rng: np.random.Generator, resamples: int = RESAMPLES) -> np.ndarray:
    """(resamples, n) indexes of replications drawn with replacement."""
    return rng.integers(0, n, size=(resamples, n))


def interval(stats: np.ndarray) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of a statistic over resamples, as values that occur
    among them (inverse empirical CDF, so infinite values give no NaN); NaN for no resamples."""
    if stats.size == 0:
        return math.nan, math.nan
    low, high = np.quantile(stats, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], method="inverted_cdf")
    return float(low), float(high)


def tail_mean(resampled: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """CVaR at `level` of every row of a (resamples, n) array: the mean of its worst
    (1 - level) share (at least one value), as `sim.analysis.metrics.cvar`."""
    n = resampled.shape[1]
    tail = max(1, math.ceil(n * (1.0 - level) - 1e-9))
    ordered = np.sort(resampled, axis=1)
    return np.asarray(ordered[:, -tail:].mean(axis=1))


def upper_quantile(resampled: np.ndarray) -> np.ndarray:
    """P95 of every row of a (resamples, n) array (inverse empirical CDF, as `quantiles`)."""
    return np.asarray(np.quantile(resampled, 0.95, axis=1, method="inverted_cdf"))


def chance(resampled: np.ndarray) -> np.ndarray:
    """The share of positive values in every row of a (resamples, n) array."""
    return np.asarray((resampled > 0).mean(axis=1))


STATISTICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "prob_positive": chance,
    "p95": upper_quantile,
    "cvar95": tail_mean,
}
"""Summary column -> the statistic whose interval `shortfall_intervals` adds beside it."""


def shortfall_intervals(values: np.ndarray, idx: np.ndarray) -> dict[str, float]:
    """95% intervals of P(shortfall) (`prob_positive`), P95 and CVaR95 of one metric's values
    over replications, as `<column>_ci_low` / `<column>_ci_high`; `idx` is `indices(len(values),
    ...)`. Values that are all equal give the value itself (no resampling needed); fewer than two
    replications give NaN."""
    out: dict[str, float] = {}
    n = len(values)
    if n > 1 and idx.shape[1] != n:
        raise ValueError(f"bootstrap indexes for {idx.shape[1]} replications, values for {n}")
    same = n > 0 and bool(np.all(values == values[0]))
    if n < 2 or same:
        for column, statistic in STATISTICS.items():
            value = math.nan if n < 2 else float(statistic(values[None, :])[0])
            out[f"{column}_ci_low"], out[f"{column}_ci_high"] = value, value
        return out
    resampled = values[idx]
    # One partial sort serves both tail statistics: the P95 (inverse empirical CDF: the
    # ceil(0.95 n)-th smallest) and the mean of the worst ceil(0.05 n), as `tail_mean`.
    tail = max(1, math.ceil(n * (1.0 - LEVEL) - 1e-9))
    at = max(0, math.ceil(LEVEL * n - 1e-9) - 1)
    parted = np.partition(resampled, sorted({at, n - tail}), axis=1)
    stats = {
        "prob_positive": (resampled > 0).mean(axis=1),
        "p95": parted[:, at],
        "cvar95": parted[:, n - tail :].mean(axis=1),
    }
    for column, values_ in stats.items():
        out[f"{column}_ci_low"], out[f"{column}_ci_high"] = interval(values_)
    return out


def ratio_interval(
    numerator: np.ndarray, denominator: np.ndarray, rng: np.random.Generator
) -> tuple[float, float]:
    """95% interval of mean(numerator) / mean(denominator) over paired replications (cost per
    tonne avoided: cost and tonnes avoided of the same replication resampled together); a
    resample whose mean denominator is not positive counts as infinite. NaN for fewer than two
    replications."""
    n = len(numerator)
    if n < 2:
        return math.nan, math.nan
    idx = indices(n, rng)
    top, bottom = numerator[idx].mean(axis=1), denominator[idx].mean(axis=1)
    ratio = np.full(len(idx), math.inf)
    np.divide(top, bottom, out=ratio, where=bottom > 0)
    return interval(ratio)


def thin_tail(replications: int) -> bool:
    """Whether P95 and CVaR95 rest on fewer than `MIN_TAIL` replications beyond the 95th
    percentile."""
    return replications * (1.0 - LEVEL) < MIN_TAIL


def wide_chance(low: float, high: float) -> bool:
    """Whether a P(shortfall) interval is wider than `MAX_CHANCE_WIDTH`."""
    return bool(math.isfinite(low) and math.isfinite(high) and high - low > MAX_CHANCE_WIDTH)
