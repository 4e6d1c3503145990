"""Array sums in a fixed order, so that a replication's result does not depend on how many
replications share its batch (numpy's pairwise summation along a contiguous axis would)."""

from __future__ import annotations

import numpy as np


class SegmentSum:
    """Adds rows of values into target rows, several values per target, in a fixed order.

    `targets[i]` is the row that value row i goes to. Values are added level by level (the
    first value of each target, then the second, ...), each level a plain indexed add, so every
    replication's sum is taken in the same order whatever the batch: np.add.at would do, but
    several times slower.
    """

    def __init__(self, targets: np.ndarray):
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
        for items, rows in self.levels:
            out[rows] += values[items]


def rows_sum(values: np.ndarray) -> np.ndarray:
    """Sum over rows in row order, (n, R) -> (R,): the same for a replication in any batch."""
    total = np.zeros(values.shape[1:])
    for row in values:
        total += row
    return total
