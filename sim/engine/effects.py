"""The combined effect of the shocks active now, per replication, and the shock processes.

Arrays have one entry per replication of the batch (link arrays: (links, R)). Each active shock
acts on a fresh `EffectArrays` in scenario order (its own module says how: `sim/shocks/`), so
overlapping capacity losses and demand factors multiply, export bans on one link multiply their
passing shares and add their licence delays, detours add days, a closed route in `wait` mode
holds shipments until it reopens, and production quotas on one node keep the smallest cap.
Random outages of producers lower capacity factors; those of links and chokepoints cut the
links' passing shares at each review they are in force (`apply_link_outages`).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.scenario.network import Network
from sim.scenario.schedules import Schedules
from sim.scenario.uncertainty import RandomInputs
from sim.shocks.base import EffectArrays, ShockDraws, shock_label

if TYPE_CHECKING:
    from sim.engine.origin import OriginBook
    from sim.engine.prices import PriceBook
    from sim.engine.world import Planner


class Modifiers:
    """What active shocks and outages change, read by the node processes at each review."""

    def __init__(
        self,
        network: Network,
        reps: int,
        shocks: Sequence[ShockDraws],
        randoms: RandomInputs,
        schedules: Schedules | None = None,
        *,
        step_days: float,
        planner: Planner | None = None,
    ):
        self.network = network
        """The network as the scenario (or its policy variant) defines it, before the world's
        paths and projects move demand and shares (`planner`)."""
        self.planner = planner
        self.prices: PriceBook | None = None
        """Prices and their response factors (set by the run once the state exists)."""
        self.schedules = schedules or Schedules()
        self.reps = reps
        self.step_days = step_days
        self.shocks = list(shocks)
        self.randoms = randoms
        self.node_index = {name: i for i, name in enumerate(network.nodes)}
        self.active = [np.zeros(reps, dtype=bool) for _ in shocks]
        self.recompute()

    def recompute(self) -> None:
        """Rebuild the effect arrays from the shocks active now (after one switched)."""
        arrays = EffectArrays.neutral(self.network, self.reps, self.step_days, self.node_index)
        for d, active in zip(self.shocks, self.active, strict=True):
            if active.any():
                d.shock.apply(d, active, arrays)
        self.effects = arrays
        self.capacity_rows = arrays.capacity
        self.demand_rows = arrays.demand
        self.link_pass = arrays.link_pass
        self.link_delay_days = arrays.link_delay_days
        self.link_hold_until = arrays.link_hold_until
        self.production_cap_t = arrays.production_cap_t
        self.export_quotas = arrays.export_quotas
        self.any_ban = bool((self.link_pass < 1.0).any())
        self.any_delay = bool(
            (self.link_delay_days > 0).any() or np.isfinite(self.link_hold_until).any()
        )
        self.any_cap = bool(np.isfinite(self.production_cap_t).any())
        self.content_rules = arrays.content_rules

    def apply_content(self, origin: OriginBook) -> None:
        """Decide which links need a licence now from what they would ship (content rules of
        the active `content_licensing` shocks), on top of every other effect. Called at each
        review once arrivals are in (the composition of what leaves is then known)."""
        arrays = self.effects
        passing, delay = arrays.link_pass.copy(), arrays.link_delay_days.copy()
        subject = np.zeros(passing.shape, dtype=bool)
        for rule in self.content_rules:
            hit = origin.needs_licence(rule)
            passing[rule.links] *= np.where(hit, rule.passing, 1.0)
            delay[rule.links] += np.where(hit, rule.delay_days, 0.0)
            subject[rule.links] |= hit & rule.active
        origin.subject = subject
        origin.licensed_reviews += subject
        self.link_pass, self.link_delay_days = passing, delay
        self.any_ban = bool((passing < 1.0).any())
        self.any_delay = bool((delay > 0).any() or np.isfinite(self.link_hold_until).any())

    def apply_link_outages(self, day: float) -> None:
        """Cut the links whose random outages (of the link or of a chokepoint it passes) are in
        force on `day`, on top of every shock (and content rule, already applied this review).
        Called at each review, only when the scenario declares link or chokepoint outages."""
        outages = self.randoms.link_outages
        assert outages is not None
        base = self.link_pass if self.content_rules else self.effects.link_pass
        self.link_pass = outages.apply(base, day)
        self.any_ban = bool((self.link_pass < 1.0).any())

    def capacity_factors(self, rows: np.ndarray, names: list[str], day: float) -> np.ndarray:
        """Capacity factors of several nodes now, shape (nodes, R): shocks x outages x ramps x
        capacity paths x project ramps x restarts."""
        factors = self.capacity_rows[rows]
        ramps = self.schedules.ramp_factors(names, day)
        if ramps is not None:
            factors *= ramps[:, None]
        if self.planner is not None:
            paths = self.planner.capacity_factors(names, day)
            if paths is not None:
                factors *= paths
        if self.prices is not None and self.prices.restart:  # idle capacity restarting
            restart = self.prices.capacity_factors(names)
            if restart is not None:
                factors *= restart
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
