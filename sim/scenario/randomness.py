"""Named distributions and the seeding scheme.

Seeds (DESIGN.md section 5): replication i of a scenario with master seed s draws each random
stream from `SeedSequence(s, spawn_key=(i, crc32(stream name)))`. A stream is named after what
it drives ("transit:<link>", "demand:<market>", "outage:<node>", "shock:<index>"), so adding a
node, a policy or more replications never shifts anyone else's numbers, and replication i sees
the same draws whatever the batch it runs in, the worker or the executor: the basis of common
random numbers. Global random state is never touched.
"""

from __future__ import annotations

import math
import zlib
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.scenario.spec import AtMost, Spec

PARAMETER_LIMIT = 1_000_000
"""Largest magnitude of a distribution's parameters: what is drawn is days (at most 36,500 in a
horizon), shares (at most 1) or multipliers (at most 100), so a million is a typo or a unit
mistake, never a judgement."""
_WHY = "no drawn quantity (days, shares, multipliers) comes near a million"
Parameter = Annotated[float, Field(ge=-PARAMETER_LIMIT), AtMost(PARAMETER_LIMIT, "", _WHY)]
"""A location or scale parameter of a distribution, in the unit of what it draws."""
Spread = Annotated[float, Field(ge=0), AtMost(PARAMETER_LIMIT, "", _WHY)]
"""A standard deviation, in the unit of what it draws."""
Scale = Annotated[float, Field(gt=0), AtMost(PARAMETER_LIMIT, "", _WHY)]
"""A median or mean that must be positive, in the unit of what it draws."""
LogSigma = Annotated[
    float,
    Field(ge=0),
    AtMost(5, "", "at a log-sd of 5 the 95th percentile is already 3,700 times the median"),
]
"""The standard deviation of a lognormal's log (unit-less)."""


class Distribution(Spec):
    """Base of the named distributions. `min`/`max` clip draws to a range."""

    min: Parameter | None = Field(None, description="Draws below are raised to this.")
    max: Parameter | None = Field(None, description="Draws above are lowered to this.")

    @model_validator(mode="after")
    def _clip_ordered(self) -> Distribution:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is above max ({self.max:g})")
        return self

    def draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        values = self._draw(rng, size)
        if self.min is not None or self.max is not None:
            values = np.clip(values, self.min, self.max)
        return values

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    @property
    def upper(self) -> float:
        """The largest value a draw can take (inf when unbounded)."""
        natural = self._upper()
        return natural if self.max is None else min(natural, self.max)

    def _upper(self) -> float:
        return math.inf


class Fixed(Distribution):
    """Always `value`."""

    dist: Literal["fixed"]
    value: Parameter = Field(description="The value.")

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return np.full(size, self.value, dtype=float)

    def _upper(self) -> float:
        return self.value


class Uniform(Distribution):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: Parameter = Field(description="Lower bound.")
    high: Parameter = Field(description="Upper bound.")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high:g}) is below low ({self.low:g})")
        return self

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)

    def _upper(self) -> float:
        return self.high


class Triangular(Distribution):
    """Triangular with lower bound, mode and upper bound."""

    dist: Literal["triangular"]
    low: Parameter = Field(description="Lower bound.")
    mode: Parameter = Field(description="Most likely value.")
    high: Parameter = Field(description="Upper bound.")

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(
                f"needs low <= mode <= high and low < high, got {self.low:g}, "
                f"{self.mode:g}, {self.high:g}"
            )
        return self

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, size)

    def _upper(self) -> float:
        return self.high


class Lognormal(Distribution):
    """Lognormal given by its median and the sigma of the log."""

    dist: Literal["lognormal"]
    median: Scale = Field(description="Median (exp of the log-mean).")
    sigma: LogSigma = Field(description="Standard deviation of the log.")

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return rng.lognormal(math.log(self.median), self.sigma, size)


class Exponential(Distribution):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mean: Scale = Field(description="Mean.")

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return rng.exponential(self.mean, size)


class Normal(Distribution):
    """Normal with mean and standard deviation (clip with `min` where negatives make no
    sense)."""

    dist: Literal["normal"]
    mean: Parameter = Field(description="Mean.")
    sd: Spread = Field(description="Standard deviation.")

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return rng.normal(self.mean, self.sd, size)


AnyDistribution = Annotated[
    Fixed | Uniform | Triangular | Lognormal | Exponential | Normal, Field(discriminator="dist")
]


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32; Python's hash() is salted per process)."""
    return zlib.crc32(name.encode())


def generator(seed: int, rep: int, stream: str) -> np.random.Generator:
    """The generator of one stream in one replication."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep, stream_key(stream))))


def draws(seed: int, reps: range, stream: str, dist: Distribution, size: int) -> np.ndarray:
    """`size` draws per replication, shape (len(reps), size), each row from its own stream."""
    out = np.empty((len(reps), size))
    for row, rep in enumerate(reps):
        out[row] = dist.draw(generator(seed, rep, stream), size)
    return out
