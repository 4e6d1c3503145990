"""What changes over time in a scenario's own world, not by policy: demand and capacity paths
(`sim.scenario.paths`) and announced projects (`sim.scenario.projects`), resolved on its
network. The engine reads it through `sim.engine.world.Planner`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sim.scenario.paths import Curve
from sim.scenario.projects import Project


@dataclass(frozen=True)
class World:
    """What changes over time in the scenario's own world (not by policy): demand and capacity
    paths and announced projects (`sim.scenario.paths`, `sim.scenario.projects`)."""

    demand: dict[str, Curve] = dataclasses.field(default_factory=dict)
    """Per market: a multiplier on its base demand over time."""
    capacity: dict[str, Curve] = dataclasses.field(default_factory=dict)
    """Per node: a multiplier on its capacity over time."""
    projects: tuple[Project, ...] = ()
    replan_days: int = 91

    @property
    def replans(self) -> bool:
        """Whether the network must be re-planned during a run (demand or shares move)."""
        return bool(self.demand or self.projects)

    def __bool__(self) -> bool:
        return bool(self.demand or self.capacity or self.projects)
