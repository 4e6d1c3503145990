"""The compiled origin loops give bitwise the numpy results, on their own and in a whole run."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.engine import origin_kernels as kernels
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from tests.test_origin import magnet_exports, two_mines

pytestmark = pytest.mark.skipif(not kernels.JIT, reason="numba is not installed")


def test_each_compiled_loop_matches_its_numpy_version_bitwise() -> None:
    rng = np.random.default_rng(7)
    L, K, R, depth = 9, 5, 33, 6
    qty = rng.random((L, R))
    source = rng.random((12, K, R))
    src = rng.integers(0, 12, L).astype(np.intp)
    eol = np.full(L, -1, dtype=np.intp)
    eol[[2, 5]] = [0, 1]  # two end-of-life links
    eol_comp = rng.random((2, K, R))
    slots = rng.integers(0, depth, (L, R)).astype(np.intp)
    rings = [rng.random((depth, L, R, K)) for _ in range(2)]
    rings[1][:] = rings[0]
    totals = [np.ones((L, K)), np.ones((L, K))]
    const = np.full(L, -1, dtype=np.intp)
    const[[0, 7]] = [3, 1]  # two links from mines: one tag each, no ring
    kernels.dispatch(rings[0], totals[0], qty, source, src, eol, eol_comp, slots, const)
    kernels.dispatch_numpy(rings[1], totals[1], qty, source, src, eol, eol_comp, slots, const)
    assert np.array_equal(rings[0], rings[1])
    # totals over replications: summed in order by the loop, pairwise by numpy
    np.testing.assert_allclose(totals[0], totals[1], rtol=1e-13)
    pools = [rng.random((12, K, R)) for _ in range(2)]
    pools[1][:] = pools[0]
    rows = np.array([1, 4, 7], dtype=np.intp)
    before = rng.random((3, R))
    before[0, :4] = 0.0  # an empty pool
    feed, tag = np.array([0, 2, 5], dtype=np.intp), np.array([1, 0, 4], dtype=np.intp)
    keep = (rng.random((3, K)) > 0.3).astype(float)
    made, lost = rng.random((3, R)), rng.random((3, R))
    removed = [np.zeros((3, K, R)), np.zeros((3, K, R))]
    args = (feed, rows, tag, keep, made, before, lost)
    kernels.convert(pools[0], *args, removed[0], 1e-300)
    kernels.convert_numpy(pools[1], *args, removed[1], 1e-300)
    assert np.array_equal(pools[0], pools[1]) and np.array_equal(removed[0], removed[1])
    ring_slots = [rng.random((L, R, K)) for _ in range(2)]
    ring_slots[1][:] = ring_slots[0]
    first, links = np.array([0, 2, 5], dtype=np.intp), np.array([4, 0, 1, 8, 3], dtype=np.intp)
    total = held_rows = rng.random((2, R))
    total = held_rows + rng.random((2, R))
    into = np.array([6, 9], dtype=np.intp)
    mass = rng.random((L, R))
    args = (into, first, links, held_rows, total, 1e-300, mass, const)
    kernels.arrive(pools[0], ring_slots[0], *args)
    kernels.arrive_numpy(pools[1], ring_slots[1], *args)
    assert np.array_equal(pools[0], pools[1]) and np.array_equal(ring_slots[0], ring_slots[1])
    Q = 4
    in_use = [rng.random((Q, K, R)) for _ in range(2)]
    in_use[1][:] = in_use[0]
    books = [[np.zeros((Q, K, R)), np.zeros((Q, K, R))] for _ in range(2)]
    slots_q = np.array([3, 0, 8, 8], dtype=np.intp)
    used, gone, held = rng.random((Q, R)), rng.random((Q, R)), rng.random((Q, R))
    for run, fn in ((0, kernels.market), (1, kernels.market_numpy)):
        fn(in_use[run], pools[0], slots_q, used, gone, held, *books[run], 1e-300)
    assert np.array_equal(in_use[0], in_use[1])
    assert np.array_equal(books[0][0], books[1][0]) and np.array_equal(books[0][1], books[1][1])


@pytest.mark.parametrize("build", [two_mines, magnet_exports])
def test_a_run_is_bitwise_the_same_without_the_compiled_loops(
    build: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = build()
    data["origin"] = {"track": True}
    data["uncertainty"] = {"transit": [{"transit_days": {"dist": "uniform", "low": 5, "high": 20}}]}
    compiled = engine.run(scenario.from_dict(data), 4)
    monkeypatch.setattr(kernels, "dispatch", kernels.dispatch_numpy)
    monkeypatch.setattr(kernels, "convert", kernels.convert_numpy)
    monkeypatch.setattr(kernels, "market", kernels.market_numpy)
    monkeypatch.setattr(kernels, "arrive", kernels.arrive_numpy)
    plain = engine.run(scenario.from_dict(data), 4)
    a, b = compiled.state.origin, plain.state.origin
    for name in ("F", "U", "ring", "delivered", "uncollected"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    np.testing.assert_allclose(a.link_totals, b.link_totals, rtol=1e-13)
