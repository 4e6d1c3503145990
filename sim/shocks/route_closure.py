"""Route closure: a chokepoint (a strait, a canal) is closed to shipments that pass it.

While active, a shipment sent on a link through the chokepoint either detours (`detour`: it
takes `detour_days` longer; overlapping detours add up) or waits (`wait`: it cannot leave before
the closure ends; overlapping closures hold it until the last one ends).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.errors import Problem, Where
from sim.scenario.network import Network
from sim.shocks.base import (
    Amount,
    Bounds,
    EffectArrays,
    ShockDraws,
    ShockSpec,
    amount_text,
    did_you_mean,
)


class RouteClosure(ShockSpec):
    """A chokepoint is closed: shipments through it wait for it to reopen, or detour."""

    delay_field: ClassVar[str | None] = "detour_days"
    bounds: ClassVar[Bounds] = {"detour_days": (0.0, 3650.0)}

    type: Literal["route_closure"]
    chokepoint: str = Field(description="Chokepoint name as used on links, e.g. `malacca`.")
    mode: Literal["wait", "detour"] = Field(
        "detour",
        description="`wait`: shipments sent while it is closed leave when it reopens; "
        "`detour`: they take `detour_days` longer.",
    )
    detour_days: Amount = Field(0.0, description="Days a detour adds (mode `detour`).")

    def check(self, network: Network, where: Where) -> list[Problem]:
        """Some link passes the chokepoint."""
        chokepoints = sorted({c for link in network.links for c in link.chokepoints})
        if self.chokepoint in chokepoints:
            return []
        return [
            Problem(
                where,
                f"no link passes chokepoint '{self.chokepoint}'",
                did_you_mean(self.chokepoint, chokepoints, "chokepoint")
                if chokepoints
                else "a chokepoint named on some link",
            )
        ]

    def apply(self, draws: ShockDraws, active: np.ndarray, arrays: EffectArrays) -> None:
        """Add the detour days to, or hold until the end, every link through the chokepoint."""
        for link in arrays.network.links:
            if self.chokepoint not in link.chokepoints:
                continue
            if self.mode == "detour":
                arrays.link_delay_days[link.index] += np.where(active, draws.delay, 0.0)
            else:
                arrays.link_hold_until[link.index] = np.maximum(
                    arrays.link_hold_until[link.index], np.where(active, draws.end, -np.inf)
                )

    def acts_on(self, network: Network) -> tuple[frozenset[int], frozenset[str]]:
        links = frozenset(k.index for k in network.links if self.chokepoint in k.chokepoints)
        return links, frozenset()

    def adds_delays(self) -> bool:
        return True

    def max_delay_days(self, draws: ShockDraws, network: Network) -> np.ndarray:
        longest = draws.delay if self.mode == "detour" else draws.end - draws.begin
        most = float(np.max(longest, initial=0.0))
        return np.array(
            [most if self.chokepoint in link.chokepoints else 0.0 for link in network.links]
        )

    def describe(self) -> tuple[str, str]:
        hits = f"shipments through {self.chokepoint}"
        if self.mode == "wait":
            return hits, "shipments wait for reopening"
        return hits, f"detour +{amount_text(self.detour_days)} days"
