"""Production quota: a government caps the output of selected producers (a mining quota, a
smelting quota), e.g. China's rare-earth mining and separation quotas.

While active, each selected mine, refinery, plant or recycler may produce at most
`tonnes_per_year` x step_days / 365 t per review (a plant: its total output over its recipe),
on top of its capacity and its inputs. Overlapping quotas on one node keep the smallest cap.
Selected nodes of other kinds (markets, stockpiles) are left alone.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.errors import Problem, Where
from sim.scenario.network import Network, NodeSpec
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

PRODUCERS = ("mine", "refinery", "plant", "recycler")


def _produces(node: NodeSpec) -> bool:
    return node.kind in PRODUCERS


class ProductionQuota(ShockSpec):
    """Selected producers may make at most a quota per year, spread evenly over reviews."""

    size_field: ClassVar[str | None] = "tonnes_per_year"
    bounds: ClassVar[Bounds] = {"tonnes_per_year": (0.0, 1e9)}

    type: Literal["production_quota"]
    select: Selector = Field(
        description="Which producers: mines, refineries, plants, recyclers (other kinds are "
        "ignored)."
    )
    tonnes_per_year: Amount = Field(
        description="Most each selected node may produce, t per year (a plant: its total output "
        "over its recipe), spread evenly over reviews (x step_days / 365 per review), >= 0."
    )

    def check(self, network: Network, where: Where) -> list[Problem]:
        """It names known nodes and selects at least one producer."""
        return check_selection(
            self.select,
            network,
            where,
            _produces,
            "mine, refinery, plant or recycler",
            "a selection that matches at least one producer",
        )

    def apply(self, draws: ShockDraws, active: np.ndarray, arrays: EffectArrays) -> None:
        """Lower each selected producer's cap per review to the quota, if that is smaller."""
        net = arrays.network
        cap = np.where(active, draws.size * arrays.step_days / 365.0, np.inf)
        for name in self.select.select(net):
            if _produces(net.nodes[name]):
                row = arrays.node_index[name]
                arrays.production_cap_t[row] = np.minimum(arrays.production_cap_t[row], cap)

    def acts_on(self, network: Network) -> tuple[frozenset[int], frozenset[str]]:
        return frozenset(), frozenset(self.select.select(network))

    def describe(self) -> tuple[str, str]:
        return (
            "output of " + selection_text(self.select, "producers"),
            f"at most {amount_text(self.tonnes_per_year)} t/yr per node",
        )
