"""The compiled market loops give bitwise the results of their numpy versions, on random
inputs with the cases they must treat as numpy does: zeros, ties, NaN and inf, factors shared
by every replication ((n, 1)) or per replication, backlogs, demand noise, shocks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from sim.engine import market_kernels as kernels
from sim.vocabulary import fill_rate, fill_ratio

pytestmark = [
    pytest.mark.skipif(not kernels.JIT, reason="numba is not installed"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),  # numpy's warnings on NaN and inf
]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal, NaN where NaN, and the same sign of zero (a NaN's sign carries nothing)."""
    numbers = ~np.isnan(a)
    return np.array_equal(a, b, equal_nan=True) and np.array_equal(
        np.signbit(a[numbers]), np.signbit(b[numbers])
    )


def _sprinkle(rng: np.random.Generator, x: np.ndarray, share: float = 0.1) -> np.ndarray:
    """`x` with some zeros, negative zeros, NaN and inf."""
    x = x.copy()
    for value in (0.0, -0.0, np.nan, np.inf):
        x[rng.random(x.shape) < share / 4] = value
    return x


@given(seed=st.integers(0, 2**32 - 1), each=st.booleans())
@settings(max_examples=30, deadline=None)
def test_build_matches_numpy_bitwise(seed: int, each: bool) -> None:
    rng = np.random.default_rng(seed)
    M, R, S = 3, 17, 9
    counts = rng.integers(1, 4, M)
    Q = int(counts.sum())
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pair_market = np.repeat(np.arange(M), counts)
    pair_slot = rng.permutation(S)[:Q]
    index = np.zeros((4, Q), dtype=np.intp)
    index[0], index[1], index[2, :M] = pair_slot, pair_market, starts
    index[3, :M] = rng.integers(0, 2, M)
    stocks = _sprinkle(rng, rng.exponential(5.0, (S, R)))
    backlog = _sprinkle(rng, rng.exponential(1.0, (M, R)))
    demand = _sprinkle(rng, rng.random((6, R if each else 1)) * 2)
    t = _sprinkle(rng, rng.random((Q, R if each else 1)), 0.3)
    base = rng.random((M, 1)) * 10
    noisy = np.array([0, 2], dtype=np.intp)
    noise = rng.random((2, R))
    rows = rng.integers(0, 6, M).astype(np.intp)
    outs = []
    for build in (kernels.build, kernels.build_numpy):
        s, b = stocks.copy(), backlog.copy()
        units, pair_t = np.zeros((4, M, R)), np.zeros((3, Q, R))
        build(s, b, units, pair_t, demand, rows, base, noise, noisy, t, index)
        outs.append((s, b, units, pair_t))
    for got, want in zip(*outs, strict=True):
        assert _same(got, want)


@given(seed=st.integers(0, 2**32 - 1), each=st.booleans())
@settings(max_examples=30, deadline=None)
def test_retire_matches_numpy_bitwise(seed: int, each: bool) -> None:
    rng = np.random.default_rng(seed)
    Q, R, L, X = 7, 13, 5, 3
    used = rng.random((Q, R))
    legacy = rng.random((Q, 1))
    keep = rng.random(Q) < 0.3
    eol0 = rng.random((Q, R))
    collection = _sprinkle(rng, rng.random((Q, R if each else 1)), 0.2)
    target = rng.integers(0, X, Q).astype(np.intp)  # several pairs per mineral
    scrap = np.array([[4, 0, 2], [1, 6, 1]], dtype=np.intp)
    share = rng.random((3, 1))
    outs = []
    for retire in (kernels.retire, kernels.retire_numpy):
        eol, collected = eol0.copy(), np.zeros((Q, R))
        in_use, uncollected, outgoing = np.ones((Q, R)), rng.random((X, R)), np.ones((L, R))
        uncollected[:] = np.arange(X)[:, None] * 0.1
        args = (used, legacy, keep, collection, target, scrap, share)
        retire(eol, collected, in_use, uncollected, outgoing, *args)
        outs.append((eol, collected, in_use, uncollected, outgoing))
    for got, want in zip(*outs, strict=True):
        assert _same(got, want)


@given(seed=st.integers(0, 2**32 - 1), shocks=st.integers(0, 3))
@settings(max_examples=30, deadline=None)
def test_track_matches_numpy_bitwise_over_reviews(seed: int, shocks: int) -> None:
    rng = np.random.default_rng(seed)
    M, R, step = 3, 11, 7.0
    bounds = np.stack([rng.random((shocks, R)) * 50, rng.random((shocks, R)) * 100])[:, :, None]
    states = []
    for _ in range(2):
        running = np.zeros((5, M, R))
        running[3] = np.inf
        length = np.zeros((M, R), dtype=np.int64)
        states.append((running, length, np.full((2, shocks, M, R), np.inf), np.zeros((2, 3, M, R))))
    for period in range(30):
        demand = rng.random((M, R)) * (rng.random((M, R)) > 0.1)
        delivered = demand * np.where(rng.random((M, R)) < 0.3, rng.random((M, R)), 1.0)
        units = np.stack([demand, delivered, demand - delivered])
        day = period * step
        for track, (running, length, times, bands) in zip(
            (kernels.track, kernels.track_numpy), states, strict=True
        ):
            track(running, length, times, bounds, bands[period // 15], units, day, step, 3.0, 0.95)
    for got, want in zip(*states, strict=True):
        assert _same(got, want)


@given(seed=st.integers(0, 2**32 - 1), each=st.booleans(), period=st.integers(0, 20))
@example(seed=1269219, each=False, period=0)  # every cover inf: still compared bitwise
@settings(max_examples=40, deadline=None)
def test_cover_matches_numpy_bitwise(seed: int, each: bool, period: int) -> None:
    rng = np.random.default_rng(seed)
    Q, R, S, L, depth, step = 5, 19, 8, 6, 7, 3.0
    ring = rng.exponential(3.0, (depth, L, R)) * (rng.random((depth, L, R)) < 0.5)
    feeding = [[0], [1, 4], [], [2, 3, 5], []]  # pairs fed by 0-3 links, in link order
    links = np.array([k for v in feeding for k in v], dtype=np.intp)
    index = np.zeros((3, Q + 1), dtype=np.intp)
    index[0, :Q] = rng.permutation(S)[:Q]
    index[1, :Q] = rng.integers(0, 4, Q)
    index[2] = np.cumsum([0] + [len(v) for v in feeding])
    stocks = _sprinkle(rng, rng.exponential(10.0, (S, R)), 0.05)
    inbound = rng.exponential(10.0, (S, R))
    demand = rng.random((4, R if each else 1)) * (rng.random((4, R if each else 1)) > 0.1)
    expected_use = rng.random((Q, 1))
    ratio = rng.random((Q, R if each else 1))
    covers = [np.zeros((Q, R)), np.zeros((Q, R))]
    for cover, out in zip((kernels.cover, kernels.cover_numpy), covers, strict=True):
        cover(out, stocks, inbound, ring, demand, expected_use, ratio, index, links, period, step)
    assert _same(covers[0], covers[1])
    assume(np.isfinite(covers[1]).any())  # a draw where every pair's cover is inf tells little


def test_scalar_fill_rates_match_the_vocabulary() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0, np.inf, 1e300])
    y = np.array([0.0, 2.0, 0.0, -1.0, 1.0, 1e-300])
    pairs = [(a, b) for a in x for b in y]
    rates = [kernels.fill_rate_value(a, b) for a, b in pairs]
    ratios = [kernels.fill_ratio_value(a, b) for a, b in pairs]
    with np.errstate(over="ignore"):
        assert _same(np.array(rates), fill_rate([a for a, _ in pairs], [b for _, b in pairs]))
    a, b = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    assert _same(np.array(ratios), fill_ratio(a, b))
