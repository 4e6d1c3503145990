"""The compiled review loops give bitwise the numpy results, on random inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import review_kernels as kernels
from sim.engine.arrays import SegmentSum
from sim.engine.jit import JIT

pytestmark = pytest.mark.skipif(not JIT, reason="numba is not installed")

R = 17


def both(loop: Callable[..., None], numpy: Callable[..., None], *args: Any) -> None:
    """Run `loop` and `numpy` on copies of `args`; every array must come out bitwise equal."""
    runs = [[a.copy() if isinstance(a, np.ndarray) else a for a in args] for _ in range(2)]
    loop(*runs[0])
    numpy(*runs[1])
    for a, b in zip(*runs, strict=True):
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b, equal_nan=True)


def stocks_with_shortages(rng: np.random.Generator, rows: int) -> np.ndarray:
    """Stocks (rows, R), some empty, some small: every min and max branch is taken."""
    stocks = rng.random((rows, R)) * rng.choice([0.0, 0.1, 1.0, 10.0], (rows, R))
    return stocks


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans(), st.booleans())
def test_produce(seed: int, converts: bool, per_replication: bool) -> None:
    rng = np.random.default_rng(seed)
    n, rows = 5, 14
    out = rng.permutation(rows)[:n].astype(np.intp)
    feed = rng.permutation(np.setdiff1d(np.arange(rows), out))[:n].astype(np.intp)
    target = rng.random((n, R if per_replication else 1))
    args = (
        rng.random((n, R)) * 2,
        target,
        rng.random((rows, R)),
        stocks_with_shortages(rng, rows),
        out,
        feed if converts else np.zeros(0, dtype=np.intp),
        0.5 + rng.random((n, 1)) / 2,
        rng.random((3, R)),
        rng.integers(0, 3, n).astype(np.intp),
        np.zeros((n, R)),
    )
    both(kernels.produce, kernels.produce_numpy, *args)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_produce_joint(seed: int, converts: bool) -> None:
    rng = np.random.default_rng(seed)
    first = np.array([0, 3, 5, 8], dtype=np.intp)
    E, rows = 8, 20
    order = rng.permutation(rows).astype(np.intp)
    feed = order[E : 2 * E] if converts else np.full(E, -1, dtype=np.intp)
    share = rng.random(E)
    share[rng.integers(0, E)] = 0.0  # a mineral out of the recipe
    args = (
        rng.random((3, R)) * 3,
        rng.random((E, 1)),
        rng.random((rows, R)),
        stocks_with_shortages(rng, rows),
        first,
        order[:E],
        feed,
        share,
        0.5 + rng.random(3) / 2,
        rng.integers(0, 3, E).astype(np.intp),
        rng.random((3, R)),
        rng.random((3, R)),
        np.zeros((E, R)),
    )
    both(kernels.produce_joint, kernels.produce_joint_numpy, *args)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_fill(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, S, L = 12, 4, 15
    sellers = np.sort(rng.permutation(rows)[:S]).astype(np.intp)
    seller_of_sale = rng.integers(0, S, 7).astype(np.intp)
    due = rng.random((7, R))
    due_by_row = np.zeros((rows, R))
    SegmentSum(sellers[seller_of_sale]).add_into(due_by_row, due)
    args = (
        due,
        due_by_row,
        stocks_with_shortages(rng, rows),
        sellers,
        seller_of_sale,
        rng.permutation(L)[:7].astype(np.intp),
        rng.random((L, R)),
        rng.random((rows, R)),
    )
    both(kernels.fill, kernels.fill_numpy, *args)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans(), st.booleans())
def test_order(seed: int, spot: bool, per_replication: bool) -> None:
    rng = np.random.default_rng(seed)
    P, rows, L, links = 9, 16, 12, 14
    cols = R if per_replication else 1
    plans = rng.permutation(P).astype(np.intp)
    markets = np.stack([plans[:2], [3, 1], [0, 1]], axis=1).astype(np.intp)
    refineries = np.stack([plans[2:4], [5, 9]], axis=1).astype(np.intp)
    plants = np.array([[0, 3, 0, 3], [3, 4, 3, 5]], dtype=np.intp)
    supply = np.stack([rng.integers(0, P, L), rng.permutation(links)[:L]], axis=1).astype(np.intp)
    args = (
        rng.random((P, cols)) * 5,
        markets,
        rng.random((2, 1)),
        rng.random((4, R)),
        rng.random((2, R)),
        refineries,
        0.5 + rng.random((2, 1)) / 2,
        plants,
        rng.integers(0, rows, 4).astype(np.intp),
        0.1 + rng.random(4),
        plans[4:9],
        rng.random(5),
        rng.random((rows, R)),
        stocks_with_shortages(rng, rows),
        rng.random((rows, R)),
        rng.integers(0, rows, P).astype(np.intp),
        supply,
        rng.random((L, cols)),
        rng.random((L, cols)) * 2,
        rng.random((links, R)),
        rng.random((links, R)) if spot else np.zeros((0, R)),
    )
    both(kernels.order, kernels.order_numpy, *args)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=0, max_size=30))
def test_segment_sum_adds_in_the_order_of_its_levels(targets: list[int]) -> None:
    rng = np.random.default_rng(len(targets))
    values = rng.random((len(targets), R)) * 10.0 ** rng.integers(-8, 8, (len(targets), 1))
    by = SegmentSum(np.array(targets, dtype=np.intp))
    compiled, levels = rng.random((6, R)), np.zeros((6, R))
    levels[:] = compiled
    by.add_into(compiled, values)
    for items, rows in by.levels:
        levels[rows] += values[items]
    assert np.array_equal(compiled, levels)
