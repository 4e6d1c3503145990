"""Planned changes over time that policies make: new capacity ramping up, sourcing shares that
switch (after a qualification time), intensities that fall (thrifting, substitution), and
offtake contracts that give a buyer priority when a supplier is short.

They are deterministic (the same in every replication) and read by the engine at each review.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Ramp:
    """A node's capacity is 0 before `online` and reaches 100% `days` later, linearly."""

    online: float
    days: float

    def factor(self, day: float) -> float:
        if day < self.online:
            return 0.0
        return 1.0 if self.days <= 0 else min(1.0, (day - self.online) / self.days)


@dataclass(frozen=True)
class Phase:
    """A multiplier that moves from 1 to `1 - reduction` over `days` from `start`."""

    start: float
    days: float
    reduction: float

    def factor(self, day: float) -> float:
        if day < self.start:
            return 1.0
        done = 1.0 if self.days <= 0 else min(1.0, (day - self.start) / self.days)
        return 1.0 - self.reduction * done


@dataclass(frozen=True)
class Shift:
    """A rate that moves linearly from `before` to `after` over `days` from `start`."""

    start: float
    days: float
    before: float
    after: float

    def value(self, day: float) -> float:
        if day < self.start:
            return self.before
        done = 1.0 if self.days <= 0 else min(1.0, (day - self.start) / self.days)
        return self.before + (self.after - self.before) * done


@dataclass(frozen=True)
class Priority:
    """Orders on a link are served first, up to `tpd` t/day, while a supplier is short."""

    tpd: float
    start: float = 0.0
    end: float = float("inf")


@dataclass(frozen=True)
class ProjectChange:
    """What levers change about an announced project (`sim.scenario.projects`): days earlier,
    and a new completion probability (None: as announced)."""

    days_earlier: float = 0.0
    p_complete: float | None = None


@dataclass
class Schedules:
    """Everything a scenario's policies plan over time; empty for the baseline."""

    ramps: dict[str, Ramp] = field(default_factory=dict)
    """Per node name."""
    share_switches: list[tuple[float, dict[int, float]]] = field(default_factory=list)
    """(day, {link index: new share}), applied in day order."""
    intensity: dict[tuple[str, str], Phase] = field(default_factory=dict)
    """Per (market, mineral): a factor on kg per unit."""
    priority: dict[int, Priority] = field(default_factory=dict)
    """Per link index."""
    collection: dict[str, Shift] = field(default_factory=dict)
    """Per market: its end-of-life collection rate over time."""
    project_changes: dict[str, ProjectChange] = field(default_factory=dict)
    """Per announced project: what the policy's levers change about it."""

    def ramp_factors(self, names: list[str], day: float) -> np.ndarray | None:
        """Capacity factors of `names` now (None when none of them ramps)."""
        if not any(name in self.ramps for name in names):
            return None
        return np.array([self.ramps[n].factor(day) if n in self.ramps else 1.0 for n in names])

    def __bool__(self) -> bool:
        return bool(
            self.ramps
            or self.share_switches
            or self.intensity
            or self.priority
            or self.collection
            or self.project_changes
        )
