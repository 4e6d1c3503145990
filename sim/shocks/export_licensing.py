"""Export licensing: exports of a mineral need a licence, reviewed at an approval rate and a
processing time per destination, with general licences for named buyers.

While active, each export link it acts on may carry at most `approval_rate` x its shock-free
flow (the share of normal export volume licensed), and what passes takes `processing_days`
longer (the review). Buyers named in `general_licences` hold a general licence: their links
are neither cut nor delayed. A control that treats destinations differently (MOFCOM approved
EU applications faster than Indian ones in 2025) is one `export_licensing` shock per
destination. Both numbers may be distributions, drawn once per replication (not per
shipment): a replication is one possible course of the licensing regime.
"""

from __future__ import annotations

from typing import ClassVar, Literal, Protocol

import numpy as np
from pydantic import Field

from sim.scenario.errors import Problem, Where
from sim.scenario.network import Network
from sim.scenario.randomness import Distribution
from sim.scenario.spec import Name
from sim.shocks.base import Amount, Bounds, EffectArrays, ShockDraws, amount_text, did_you_mean
from sim.shocks.export_ban import ExportFlows


class ExportLicensing(ExportFlows):
    """Exports need a licence: a share of normal volume is approved, after a review."""

    size_field: ClassVar[str | None] = "approval_rate"
    delay_field: ClassVar[str | None] = "processing_days"
    bounds: ClassVar[Bounds] = {"approval_rate": (0.0, 1.0), "processing_days": (0.0, 3650.0)}

    type: Literal["export_licensing"]
    approval_rate: Amount = Field(
        1.0,
        description="Share of normal (shock-free) export volume licensed, [0-1]: each export "
        "link may carry at most this share of its shock-free flow (0: nothing approved).",
    )
    processing_days: Amount = Field(
        0.0,
        description="Days the review adds to every licensed shipment (MOFCOM: up to 45 working "
        "days, about 63 calendar days), 0-3650.",
    )
    general_licences: tuple[Name, ...] = Field(
        (),
        description="Buyer nodes holding a general licence: their imports pass in full, "
        "without review.",
    )

    def licensed(self, network: Network, link_index: int) -> bool:
        """Whether the link needs a licence (an export it acts on, to a buyer without a
        general licence)."""
        link = network.links[link_index]
        return self.applies_to(network, link_index) and link.buyer not in self.general_licences

    def check(self, network: Network, where: Where) -> list[Problem]:
        """The exports exist, and every general licensee is a node that buys them."""
        problems = super().check(network, where)
        if problems:
            return problems
        buyers = sorted(
            {
                network.links[k.index].buyer
                for k in network.links
                if self.applies_to(network, k.index)
            }
        )
        return [
            Problem(
                where,
                f"general licence for '{name}', which buys no {self.mineral} exports from "
                f"{self.country} that this licensing covers",
                did_you_mean(name, buyers, "buyer of these exports"),
            )
            for name in self.general_licences
            if name not in buyers
        ]

    def apply(self, draws: ShockDraws, active: np.ndarray, arrays: EffectArrays) -> None:
        """Cap each licensed link at the approval rate and add the review time."""
        net = arrays.network
        for link in net.links:
            if self.licensed(net, link.index):
                arrays.link_pass[link.index] *= np.where(active, draws.size, 1.0)
                arrays.link_delay_days[link.index] += np.where(active, draws.delay, 0.0)

    def acts_on(self, network: Network) -> tuple[frozenset[int], frozenset[str]]:
        links = frozenset(k.index for k in network.links if self.licensed(network, k.index))
        return links, frozenset()

    def adds_delays(self) -> bool:
        return isinstance(self.processing_days, Distribution) or self.processing_days != 0

    def max_delay_days(self, draws: ShockDraws, network: Network) -> np.ndarray:
        longest = float(draws.delay.max(initial=0.0))
        return np.array(
            [longest if self.licensed(network, link.index) else 0.0 for link in network.links]
        )

    def describe(self) -> tuple[str, str]:
        return licence_terms(self.flows_text(), self)


class LicenceTerms(Protocol):
    """What licensing shocks share: approval, review time, general licences."""

    @property
    def general_licences(self) -> tuple[str, ...]: ...
    @property
    def approval_rate(self) -> Amount: ...
    @property
    def processing_days(self) -> Amount: ...
    def adds_delays(self) -> bool: ...


def licence_terms(hits: str, shock: LicenceTerms) -> tuple[str, str]:
    """What a licensing shock hits (with its general licences) and its terms, in words."""
    if shock.general_licences:
        hits += "; general licences: " + ", ".join(shock.general_licences)
    size = f"approval {amount_text(shock.approval_rate, percent=True)}"
    if shock.adds_delays():
        size += f", review +{amount_text(shock.processing_days)} days"
    return hits, size
