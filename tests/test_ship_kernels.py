"""The compiled dispatch kernel against its numpy version, bitwise, on random inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import ship_kernels as K


def _case(seed: int, links: int, reps: int, depth: int, period: int) -> tuple:
    rng = np.random.default_rng(seed)
    drawn = np.sort(rng.choice(links, rng.integers(0, links + 1), replace=False)).astype(np.intp)
    fixed = np.setdiff1d(np.arange(links), drawn).astype(np.intp)
    static = rng.integers(1, depth, links).astype(np.intp)
    reviews = rng.integers(1, depth, (drawn.size, reps)).astype(np.int16)
    ring = rng.random((depth, links, reps))
    in_transit = rng.random((links, reps))
    shipped = rng.random((links, reps))
    qty = rng.random((links, reps)) * 1e3
    return ring, in_transit, shipped, qty, period, static, fixed, drawn, reviews


@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 2**31),
    st.integers(1, 7),
    st.integers(1, 9),
    st.integers(2, 40),
    st.integers(0, 5000),
)
def test_dispatch_kernel_is_bitwise_numpy(
    seed: int, links: int, reps: int, depth: int, period: int
):
    numpy_args = _case(seed, links, reps, depth, period)
    kernel_args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in numpy_args)
    K.dispatch_numpy(*numpy_args)
    K.dispatch(*kernel_args)
    for expected, got in zip(numpy_args[:4], kernel_args[:4], strict=True):
        assert np.array_equal(expected, got)
    assert not kernel_args[3].any()  # the outgoing array is cleared
