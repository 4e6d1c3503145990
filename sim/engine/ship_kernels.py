"""The dispatch of a review's shipments when only transit times are random (no shock delays,
no origin tracking), compiled with numba when it is installed: one loop over links x
replications puts each shipment in its transit-ring slot, adds it to the pipeline and to the
recorder's shipments, and clears the outgoing array, with no temporaries.

The numpy version (`dispatch_numpy`) does the same additions, each element once, so both give
bitwise-identical results (tests/test_ship_kernels.py); `SIM_NO_JIT=1` in the environment, or
no numba, selects it (`sim.engine.jit`).

Ring layout: (slots, links, R), t arriving at review k in slot k % slots.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.jit import compiled


def dispatch_numpy(
    ring: np.ndarray,
    in_transit: np.ndarray,
    shipped: np.ndarray,
    qty: np.ndarray,
    period: int,
    static: np.ndarray,
    fixed: np.ndarray,
    drawn: np.ndarray,
    reviews: np.ndarray,
) -> None:
    """Ship `qty` (t, (links, R)) at review `period`: links `fixed` arrive `static[link]`
    reviews later, links `drawn` after their drawn review counts `reviews` ((drawn, R)).
    Adds `qty` to `in_transit` and `shipped` (both (links, R)) and sets it to 0."""
    depth, reps = ring.shape[0], qty.shape[1]
    ring[(period + static[fixed]) % depth, fixed] += qty[fixed]
    slots = (period + reviews.astype(np.intp)) % depth
    ring[slots, drawn[:, None], np.arange(reps)[None, :]] += qty[drawn]
    in_transit += qty
    shipped += qty
    qty[:] = 0.0


def _dispatch_loop(
    ring: np.ndarray,
    in_transit: np.ndarray,
    shipped: np.ndarray,
    qty: np.ndarray,
    period: int,
    static: np.ndarray,
    fixed: np.ndarray,
    drawn: np.ndarray,
    reviews: np.ndarray,
) -> None:  # pragma: no cover - compiled
    depth = ring.shape[0]
    links, reps = qty.shape
    for link in fixed:
        slot = (period + static[link]) % depth
        for r in range(reps):
            ring[slot, link, r] += qty[link, r]
    for i in range(drawn.size):
        link = drawn[i]
        for r in range(reps):
            ring[(period + reviews[i, r]) % depth, link, r] += qty[link, r]
    for link in range(links):
        for r in range(reps):
            in_transit[link, r] += qty[link, r]
            shipped[link, r] += qty[link, r]
            qty[link, r] = 0.0


dispatch: Any = compiled(_dispatch_loop, dispatch_numpy)
"""`dispatch_numpy`, compiled when numba is available."""
