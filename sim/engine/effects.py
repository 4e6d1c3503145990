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

import heapq
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

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
        """Per shock: the replications in which it is active at this review (bool, (R,))."""
        self.change_days = np.unique(
            np.concatenate([[np.inf], *(d.begin for d in shocks), *(d.end for d in shocks)])
        )
        """Every day some replication's shock starts or ends, sorted, then +inf."""
        self.next_change = 0
        """Position in `change_days` of the first change not yet looked at."""
        self.recompute()

    def review(self, day: float) -> None:
        """Switch the shocks on and off for the review on `day`: each is active where
        `begin <= day < end`, so one starting on day d acts on the review of day d. The effect
        arrays are rebuilt only when some start or end fell since the last review and changed
        what is active."""
        if self.change_days[self.next_change] > day:
            return
        self.next_change = int(np.searchsorted(self.change_days, day, side="right"))
        changed = False
        for number, d in enumerate(self.shocks):
            now = (d.begin <= day) & (day < d.end)
            if not np.array_equal(now, self.active[number]):
                self.active[number], changed = now, True
        if changed:
            self.recompute()

    def recompute(self) -> None:
        """Rebuild the effect arrays from the shocks active now (after some switched)."""
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


def shock_events(shocks: Sequence[ShockDraws], until: float) -> list[dict[str, Any]]:
    """The log of shock starts and ends before day `until`: one entry per shock, day and kind
    (`start`, `end`) with the number of replications switching then.

    Each shock is looked at on day 0 and at each later distinct day of its replications' starts
    and ends, reached as a clock adds the gap to the last day it looked at (so a day is the sum
    SimPy would give); a replication starts at the first such day inside its window and ends at
    the first one at or after its end. Entries follow the days; on a day several shocks share,
    the shock whose previous day came first logs first (day 0: in scenario order), start before
    end.
    """
    seen: list[np.ndarray] = []
    counts: list[tuple[np.ndarray, np.ndarray]] = []
    for d in shocks:
        times = np.unique(np.concatenate([[0.0], d.begin, d.end]))
        days, now = [0.0], 0.0
        for time in times[times > 0].tolist():
            if time > now:
                now = now + (time - now)
                days.append(now)
        looked = np.array([day for day in days if day < until])
        on = np.searchsorted(looked, d.begin, side="left")
        off = np.searchsorted(looked, d.end, side="left")
        acts = on < off
        ends = acts & (off < looked.size)
        seen.append(looked)
        counts.append(
            (
                np.bincount(on[acts], minlength=looked.size),
                np.bincount(off[ends], minlength=looked.size),
            )
        )
    log: list[dict[str, Any]] = []
    order = itertools.count()
    queue: list[tuple[float, int, int, int]] = [
        (0.0, -1, number, 0) for number in range(len(shocks))
    ]
    while queue:
        _, _, number, step = heapq.heappop(queue)
        d, looked = shocks[number], seen[number]
        label = shock_label(d.shock, d.index)
        for event, count in zip(("start", "end"), counts[number], strict=True):
            if count[step]:
                log.append(
                    {
                        "day": float(looked[step]),
                        "shock": label,
                        "event": event,
                        "replications": int(count[step]),
                    }
                )
        if step + 1 < looked.size:
            heapq.heappush(queue, (float(looked[step + 1]), next(order), number, step + 1))
    return log
