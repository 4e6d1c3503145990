"""Export quota: a country caps its exports of a mineral (at one stage or every stage) at a
tonnage per year across all destinations, e.g. the DRC's cobalt export quotas from 16 October
2025 (ARECOMS: 18,125 t for the rest of 2025, 96,600 t/yr for 2026-27).

While active, the country's export links it acts on may ship together at most
`tonnes_per_year` x step_days / 365 t per review. The quota binds in total, not per link: each
link is first allotted its share by history (`pro_rata_history`: its share of the country's
shock-free exports, the way ARECOMS allocates by past exports), and what some links leave
unused is re-offered to the others pro rata to what they still ask. Contracted orders pass
before spot requests. Links it does not act on (domestic sales, exempted destinations) are
not counted against it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.errors import Problem, Where
from sim.scenario.network import Network
from sim.shocks.base import Amount, Bounds, EffectArrays, ExportQuotaCap, ShockDraws, amount_text
from sim.shocks.export_ban import ExportFlows


class ExportQuota(ExportFlows):
    """A country's exports of a mineral may total at most a quota per year."""

    size_field: ClassVar[str | None] = "tonnes_per_year"
    bounds: ClassVar[Bounds] = {"tonnes_per_year": (0.0, 1e9)}

    type: Literal["export_quota"]
    tonnes_per_year: Amount = Field(
        description="Most the country may export in total, t contained per year (spread evenly "
        "over reviews: x step_days / 365 per review), 0-1e9."
    )
    allocation: Literal["pro_rata_history"] = Field(
        "pro_rata_history",
        description="How the quota is shared: `pro_rata_history`, each export link's share of "
        "the country's shock-free exports first, then unused allotments to the links that "
        "still ask, pro rata.",
    )

    def _links(self, network: Network) -> list[int]:
        return [k.index for k in network.links if self.applies_to(network, k.index)]

    def check(self, network: Network, where: Where) -> list[Problem]:
        """The exports exist and flow in a shock-free world (else history allots nothing)."""
        problems = super().check(network, where)
        if problems:
            return problems
        if sum(network.expected_link_tpd[i] for i in self._links(network)) <= 0:
            return [
                Problem(
                    where,
                    f"the exports of {self.mineral} from {self.country} it covers carry "
                    "nothing in a shock-free world, so there is no history to allot it by",
                    "a country and mineral with normal exports",
                )
            ]
        return []

    def apply(self, draws: ShockDraws, active: np.ndarray, arrays: EffectArrays) -> None:
        """Add the group cap of this review (+inf in the replications where it is off)."""
        net = arrays.network
        links = np.array(self._links(net), dtype=np.intp)
        flows = np.array([net.expected_link_tpd[i] for i in links])
        cap = np.where(active, draws.size * arrays.step_days / 365.0, np.inf)
        arrays.export_quotas.append(ExportQuotaCap(links, (flows / flows.sum())[:, None], cap))

    def describe(self) -> tuple[str, str]:
        return (
            self.flows_text() + ", all destinations together",
            f"at most {amount_text(self.tonnes_per_year)} t/yr, allotted pro rata to past exports",
        )
