"""Array sums in a fixed order, so that a replication's result does not depend on how many
replications share its batch (numpy's pairwise summation along a contiguous axis would)."""

from __future__ import annotations

import numpy as np

from sim.engine.jit import JIT, compiled


class SegmentSum:
    """Adds rows of values into target rows, several values per target, in a fixed order.

    `targets[i]` is the row that value row i goes to. Values are added level by level (the
    first value of each target, then the second, ...), each level a plain indexed add, so every
    replication's sum is taken in the same order whatever the batch: np.add.at would do, but
    several times slower. Compiled with numba (`sim.engine.jit`), one loop over the values in
    their order adds the same numbers in the same order.
    """

    def __init__(self, targets: np.ndarray):
        self.targets = np.ascontiguousarray(targets, dtype=np.intp)
        seen: dict[int, int] = {}
        levels: list[list[tuple[int, int]]] = []
        for item, target in enumerate(targets.tolist()):
            level = seen.get(target, 0)
            seen[target] = level + 1
            if level == len(levels):
                levels.append([])
            levels[level].append((item, target))
        self.levels = [
            (
                np.array([i for i, _ in lv], dtype=np.intp),
                np.array([t for _, t in lv], dtype=np.intp),
            )
            for lv in levels
        ]

    def add_into(self, out: np.ndarray, values: np.ndarray) -> None:
        """Add `values` (items, R) into `out[targets]` (rows, R), in item order per row."""
        if JIT:
            _add_rows(out, values, self.targets)
            return
        for items, rows in self.levels:
            out[rows] += values[items]


def _add_rows_loop(out: np.ndarray, values: np.ndarray, targets: np.ndarray) -> None:
    """out[targets[i]] += values[i] for each item i in turn."""
    for i in range(targets.size):
        row = targets[i]
        for r in range(values.shape[1]):
            out[row, r] += values[i, r]


_add_rows = compiled(_add_rows_loop, _add_rows_loop)


def rows_sum(values: np.ndarray) -> np.ndarray:
    """Sum over rows in row order, (n, R) -> (R,): the same for a replication in any batch."""
    total = np.zeros(values.shape[1:])
    for row in values:
        total += row
    return total
