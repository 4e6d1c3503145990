"""The world over time in a run: demand and capacity paths, announced projects, and the network
the engine plans with (`sim.scenario.paths`, `sim.scenario.projects`).

- Demand: each market's demand per review is its base demand x its path factor that day
  (`demand_factors`).
- Capacity: a node's capacity per review is multiplied by its path factor and, for a project,
  by its ramp fraction in each replication (0 before it comes online, 0 where it is never
  built) (`capacity_factors`).
- Planning: expected flows, stock targets and contract volumes come from the network the
  `Planner` returns for a day: the variant's network with the policy's share switches so far,
  every market's demand at its path factor of that day, and each project's sales share x its
  ramp fraction per replication, the buyer's other supply links shrinking in proportion (so
  link shares, and with them expected flows, may differ between replications). The engine asks
  for it at the start and every `replan_days`.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.scenario.loader import Scenario
from sim.scenario.network import Network, NodeSpec, StockpileSpec
from sim.scenario.paths import Curve
from sim.scenario.projects import Project, online_days, ramp_fraction

Share = float | np.ndarray


class Planner:
    """Demand, capacity and planning network of a batch of replications over time."""

    def __init__(self, scenario: Scenario, reps: range):
        self.world = world = scenario.world
        self.plain = scenario.network
        """The variant's network with the policy's share switches applied so far."""
        changes = scenario.schedules.project_changes
        self.online = {
            p.name: online_days(p, scenario.spec.seed, reps, changes.get(p.name))
            for p in world.projects
        }
        """Per project: the day it comes online in each replication (inf: never built)."""
        self.project_of = {p.node: p for p in world.projects}
        self.sale_links = {link for p in world.projects for link, _, _ in p.sales}
        self.reps = len(reps)
        self._moving: dict[tuple[str, ...], list[tuple[int, Curve | None, Project | None]]] = {}
        """Per list of node names asked for: the positions that have a path or a project."""

    @property
    def active(self) -> bool:
        return bool(self.world)

    def demand_factors(self, names: list[str], day: float) -> np.ndarray | None:
        """Each market's demand factor on `day`, shape (M, 1) (None: no market has a path)."""
        curves = self.world.demand
        if not any(name in curves for name in names):
            return None
        return np.array([curves[n].at(day) if n in curves else 1.0 for n in names])[:, None]

    def capacity_factors(self, names: list[str], day: float) -> np.ndarray | None:
        """Each node's capacity factor on `day` from paths and project ramps, shape (n, R) or
        (n, 1) (None: no node of `names` has a path or is a project)."""
        key = tuple(names)
        moving = self._moving.get(key)
        if moving is None:
            curves, projects = self.world.capacity, self.project_of
            moving = [
                (position, curves.get(name), projects.get(name))
                for position, name in enumerate(names)
                if name in curves or name in projects
            ]
            self._moving[key] = moving
        if not moving:
            return None
        width = self.reps if any(project for _, _, project in moving) else 1
        out = np.ones((len(names), width))
        for position, curve, project in moving:
            factor: Share = curve.at(day) if curve is not None else 1.0
            if project is not None:
                factor = factor * ramp_fraction(self.online[project.name], project.ramp_days, day)
            out[position] = factor
        return out

    def switch_shares(self, shares: dict[int, float]) -> None:
        """A policy's planned share switch (`Schedules.share_switches`)."""
        self.plain = self.plain.with_shares(shares)

    def network(self, day: float) -> Network:
        """The network to plan with on `day` (the plain network when nothing moves)."""
        if not self.world.replans:
            return self.plain
        net = self.plain
        nodes: dict[str, NodeSpec] = dict(net.nodes)
        for name, curve in self.world.demand.items():
            node = net.nodes[name]
            base = node.demand_units_per_year  # type: ignore[attr-defined]
            nodes[name] = node.model_copy(update={"demand_units_per_year": base * curve.at(day)})
        shares: dict[int, Share] = {}
        taken: dict[tuple[str, tuple[str, str]], Share] = defaultdict(float)
        for project in self.world.projects:
            reached = ramp_fraction(self.online[project.name], project.ramp_days, day)
            for link, share, _ in project.sales:
                k = net.links[link]
                shares[link] = share * reached
                taken[(k.buyer, k.commodity)] = taken[(k.buyer, k.commodity)] + share * reached
        for (buyer, commodity), moved in taken.items():
            for k in net.in_links[buyer]:
                if (
                    k.commodity == commodity
                    and k.index not in self.sale_links
                    and not isinstance(net.nodes[k.supplier], StockpileSpec)
                ):
                    shares[k.index] = k.share * (1.0 - moved)
        return (
            Network(nodes, net.links).with_shares(shares) if shares else Network(nodes, net.links)
        )
