"""The combined effect of the shocks active now, per replication, and the shock processes.

Arrays have one entry per replication of the batch (link arrays: (links, R)). Overlapping
capacity losses and demand factors multiply; export bans on one link multiply their passing
shares and add their licence delays; detours add days; a closed route in `wait` mode holds
shipments until it reopens.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import numpy as np
import simpy

from sim.scenario.network import MarketSpec, Network
from sim.scenario.schedules import Schedules
from sim.scenario.uncertainty import RandomInputs
from sim.shocks.core import (
    CapacityLoss,
    DemandShock,
    ExportBan,
    RouteClosure,
    ShockDraws,
    shock_label,
)


class Modifiers:
    """What active shocks and outages change, read by the node processes at each review."""

    def __init__(
        self,
        network: Network,
        reps: int,
        shocks: Sequence[ShockDraws],
        randoms: RandomInputs,
        schedules: Schedules | None = None,
    ):
        self.network = network
        self.schedules = schedules or Schedules()
        self.reps = reps
        self.shocks = list(shocks)
        self.randoms = randoms
        self.active = [np.zeros(reps, dtype=bool) for _ in shocks]
        self.any_ban = False
        self.any_delay = False
        self.recompute()

    def recompute(self) -> None:
        net, reps = self.network, self.reps
        n_links = len(net.links)
        self.node_index = {name: i for i, name in enumerate(net.nodes)}
        self.capacity_rows = np.ones((len(net.nodes), reps))
        self.demand_rows = np.ones((len(net.nodes), reps))
        self.capacity = {name: self.capacity_rows[i] for name, i in self.node_index.items()}
        self.demand = {name: self.demand_rows[i] for name, i in self.node_index.items()}
        self.link_pass = np.ones((n_links, reps))
        self.link_delay_days = np.zeros((n_links, reps))
        self.link_hold_until = np.full((n_links, reps), -np.inf)
        for d, active in zip(self.shocks, self.active, strict=True):
            if not active.any():
                continue
            shock = d.shock
            if isinstance(shock, CapacityLoss):
                for name in shock.select.select(net):
                    self.capacity[name] *= np.where(active, 1.0 - d.size, 1.0)
            elif isinstance(shock, DemandShock):
                for name in shock.select.select(net):
                    if isinstance(net.nodes[name], MarketSpec):
                        self.demand[name] *= np.where(active, d.size, 1.0)
            elif isinstance(shock, ExportBan):
                for link in net.links:
                    if shock.applies_to(net, link.index):
                        self.link_pass[link.index] *= np.where(active, 1.0 - d.size, 1.0)
                        self.link_delay_days[link.index] += np.where(active, d.delay, 0.0)
            elif isinstance(shock, RouteClosure):
                for link in net.links:
                    if shock.chokepoint in link.chokepoints:
                        if shock.mode == "detour":
                            self.link_delay_days[link.index] += np.where(active, d.delay, 0.0)
                        else:
                            self.link_hold_until[link.index] = np.maximum(
                                self.link_hold_until[link.index], np.where(active, d.end, -np.inf)
                            )
        self.any_ban = bool((self.link_pass < 1.0).any())
        self.any_delay = bool(
            (self.link_delay_days > 0).any() or np.isfinite(self.link_hold_until).any()
        )

    def capacity_factors(self, rows: np.ndarray, names: list[str], day: float) -> np.ndarray:
        """Capacity factors of several nodes now, shape (nodes, R): shocks x outages x ramps."""
        factors = self.capacity_rows[rows]
        ramps = self.schedules.ramp_factors(names, day)
        if ramps is not None:
            factors *= ramps[:, None]
        for position, name in enumerate(names):
            for starts, ends, fraction in self.randoms.outages.get(name, ()):
                down = ((starts <= day) & (day < ends)).any(axis=1)
                factors[position] *= np.where(down, 1.0 - fraction, 1.0)
        return factors


def shock_process(
    env: simpy.Environment, number: int, mods: Modifiers, log: list[dict[str, Any]]
) -> Generator[simpy.Event, None, None]:
    """Switch one shock on and off at each replication's start and end (SimPy process).

    One event per distinct time: two for a shock whose timing is fixed.
    """
    d = mods.shocks[number]
    label = shock_label(d.shock, d.index)
    times = np.unique(np.concatenate([[0.0], d.begin, d.end]))
    for time in times[times >= 0]:
        if time > env.now:
            yield env.timeout(time - env.now)
        now = (d.begin <= env.now) & (env.now < d.end)
        started, ended = now & ~mods.active[number], ~now & mods.active[number]
        mods.active[number] = now
        mods.recompute()
        for event, mask in (("start", started), ("end", ended)):
            if mask.any():
                log.append(
                    {
                        "day": float(env.now),
                        "shock": label,
                        "event": event,
                        "replications": int(mask.sum()),
                    }
                )
