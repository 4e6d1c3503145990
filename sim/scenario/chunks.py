"""Random inputs per review, drawn a chunk of reviews at a time.

Each replication keeps one generator per named stream (`randomness.generator`) and draws the
next `CHUNK_REVIEWS` reviews when the run reaches them. A numpy generator hands out its numbers
in sequence, so the draws are the ones a single draw for the whole horizon would give, bit for
bit, and a batch holds a chunk per replication instead of its whole horizon (memory per
replication does not grow with the horizon).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.scenario.randomness import Distribution, generator

CHUNK_REVIEWS = 512
"""Reviews drawn at a time per stream and replication."""
GENERATOR_BYTES = 1_000
"""About what one kept generator (its bit generator and seed sequence) costs, bytes."""


class Stream:
    """One named stream's generators, one per replication of a batch, drawn forward."""

    def __init__(self, seed: int, reps: range, name: str, dist: Distribution):
        self.generators = [generator(seed, rep, name) for rep in reps]
        self.dist = dist

    def next(self, size: int) -> np.ndarray:
        """The next `size` draws of each replication, shape (R, size)."""
        out = np.empty((len(self.generators), size))
        for row, rng in enumerate(self.generators):
            out[row] = self.dist.draw(rng, size)
        return out


Fill = Callable[[Sequence[Stream], int], np.ndarray]
"""Makes the next `size` reviews' array, shape (size, ...), from fresh draws of the streams."""


class PeriodDraws:
    """A random array per review, indexed by review (`draws[period]`), drawn in chunks.

    Reviews must be asked for in order (a chunk once passed is gone); `whole` draws every
    review again from fresh generators."""

    def __init__(
        self,
        periods: int,
        streams: Callable[[], list[Stream]],
        fill: Fill,
        chunk: int = CHUNK_REVIEWS,
    ):
        self.periods = periods
        self.make_streams = streams
        self.fill = fill
        self.chunk = chunk
        self.streams = streams()
        self.start = 0
        self.block = fill(self.streams, min(chunk, periods))
        """The drawn reviews `start`..`start + len(block) - 1`."""

    def __getitem__(self, period: int) -> np.ndarray:
        while period >= self.start + len(self.block):
            self.start += len(self.block)
            self.block = self.fill(self.streams, min(self.chunk, self.periods - self.start))
        if period < self.start:
            raise IndexError(f"review {period} was drawn and dropped (reviews go forward)")
        return self.block[period - self.start]

    @property
    def size(self) -> int:
        """Values over the whole horizon (as an array of every review would hold)."""
        return self.periods * int(np.prod(self.block.shape[1:]))

    def whole(self) -> np.ndarray:
        """Every review's array at once, shape (periods, ...), drawn from fresh generators."""
        return self.fill(self.make_streams(), self.periods)
