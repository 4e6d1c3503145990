"""Capacity loss: selected nodes lose a share of their capacity (a flood, a strike, a fire).

While active, each selected node's capacity factor is multiplied by 1 - fraction; overlapping
losses on one node multiply.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.errors import Problem, Where
from sim.scenario.network import Network
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


class CapacityLoss(ShockSpec):
    """Selected nodes lose a share of their capacity."""

    size_field: ClassVar[str | None] = "fraction"
    bounds: ClassVar[Bounds] = {"fraction": (0.0, 1.0)}

    type: Literal["capacity_loss"]
    select: Selector = Field(description="Which nodes.")
    fraction: Amount = Field(description="Share of capacity lost, (0-1].")

    def check(self, network: Network, where: Where) -> list[Problem]:
        """It names known nodes and selects at least one."""
        return check_selection(self.select, network, where, lambda node: True, "node")

    def apply(self, draws: ShockDraws, active: np.ndarray, arrays: EffectArrays) -> None:
        """Multiply each selected node's capacity factor by 1 - fraction."""
        for name in self.select.select(arrays.network):
            arrays.capacity[arrays.node_index[name]] *= np.where(active, 1.0 - draws.size, 1.0)

    def acts_on(self, network: Network) -> tuple[frozenset[int], frozenset[str]]:
        return frozenset(), frozenset(self.select.select(network))

    def describe(self) -> tuple[str, str]:
        return (
            "capacity of " + selection_text(self.select),
            f"{amount_text(self.fraction, percent=True)} of capacity lost",
        )
