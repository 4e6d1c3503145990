"""Demand shock: selected markets' demand is multiplied by a factor (a subsidy, a boom, a bust).

While active, each selected market's demand factor is multiplied by `factor`; overlapping shocks
on one market multiply. Selected nodes that are not markets are left alone.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.errors import Problem, Where
from sim.scenario.network import MarketSpec, Network
from sim.scenario.selector import Selector
from sim.shocks.base import (
    Amount,
    Bounds,
    EffectArrays,
    ShockDraws,
    ShockSpec,
    amount_text,
    check_selection,
    selection_text,
)


class DemandShock(ShockSpec):
    """Selected markets' demand is multiplied by a factor."""

    size_field: ClassVar[str | None] = "factor"
    bounds: ClassVar[Bounds] = {
        "factor": (0.0, 100.0)
    }  # as the Multiplier type: x100 is not a shock

    type: Literal["demand_shock"]
    select: Selector = Field(description="Which markets (kinds other than market are ignored).")
    factor: Amount = Field(description="Demand multiplier, e.g. 1.3 for +30%.")

    def check(self, network: Network, where: Where) -> list[Problem]:
        """It names known nodes and selects at least one market."""
        return check_selection(
            self.select, network, where, lambda node: isinstance(node, MarketSpec), "market"
        )

    def apply(self, draws: ShockDraws, active: np.ndarray, arrays: EffectArrays) -> None:
        """Multiply each selected market's demand factor by `factor`."""
        net = arrays.network
        for name in self.select.select(net):
            if isinstance(net.nodes[name], MarketSpec):
                arrays.demand[arrays.node_index[name]] *= np.where(active, draws.size, 1.0)

    def acts_on(self, network: Network) -> tuple[frozenset[int], frozenset[str]]:
        markets = (n for n in self.select.select(network) if network.nodes[n].kind == "market")
        return frozenset(), frozenset(markets)

    def describe(self) -> tuple[str, str]:
        return (
            "demand of " + selection_text(self.select, "markets"),
            f"demand x{amount_text(self.factor)}",
        )
