"""Export ban: a country stops or cuts its exports of a mineral, or delays them by a licence
review.

While active, each export link it applies to may carry at most (1 - severity) x its shock-free
flow, and every shipment that still passes takes `licence_delay_days` longer. Bans on one link
multiply their passing shares and add their delays.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.errors import Problem, Where
from sim.scenario.network import Mineral, Network
from sim.scenario.randomness import Distribution
from sim.scenario.spec import Country, Name
from sim.shocks.base import (
    Amount,
    Bounds,
    EffectArrays,
    ShockDraws,
    ShockSpec,
    Stage,
    amount_text,
    did_you_mean,
)


class ExportFlows(ShockSpec):
    """Which export links a trade measure acts on: a country's exports of a mineral (one stage
    or every stage), to every other country or to some, with exempted destinations. Shared by
    the export ban, export licensing and export quota shocks."""

    country: Country = Field(description="Exporting country, ISO alpha-2.")
    mineral: Mineral = Field(description="Mineral whose exports it acts on.")
    stage: Stage | None = Field(None, description="Only this stage (default: every stage).")
    to_countries: tuple[Country, ...] = Field(
        (), description="Only exports to these countries (default: to every other country)."
    )
    exempt: tuple[Country, ...] = Field((), description="Destination countries exempted.")
    exempt_suppliers: tuple[Name, ...] = Field(
        (),
        description="Exporting nodes exempted, e.g. motor plants whose sub-assemblies the "
        "control does not cover (default: none).",
    )

    def applies_to(self, network: Network, link_index: int) -> bool:
        """Whether the link is one of the exports this measure acts on."""
        link = network.links[link_index]
        seller = network.nodes[link.supplier].country
        buyer = network.nodes[link.buyer].country
        return (
            seller == self.country
            and buyer != self.country
            and link.mineral == self.mineral
            and (self.stage is None or link.stage == self.stage)
            and (not self.to_countries or buyer in self.to_countries)
            and buyer not in self.exempt
            and link.supplier not in self.exempt_suppliers
        )

    def check(self, network: Network, where: Where) -> list[Problem]:
        """The country has nodes, exempted suppliers are its nodes, and it has exports of the
        mineral that the measure could act on."""
        countries = sorted({n.country for n in network.nodes.values()})
        own = sorted(n.name for n in network.nodes.values() if n.country == self.country)
        unknown = [
            Problem(
                where,
                f"exempt_suppliers names '{name}', which is not a node in {self.country}",
                did_you_mean(name, own, f"node in {self.country}"),
            )
            for name in self.exempt_suppliers
            if name not in own
        ]
        if unknown:
            return unknown
        if self.country not in countries:
            return [
                Problem(
                    where,
                    f"no node of the network is in {self.country}",
                    "one of " + ", ".join(countries),
                )
            ]
        if not any(self.applies_to(network, link.index) for link in network.links):
            return [
                Problem(
                    where,
                    f"the network has no exports of {self.mineral} "
                    f"from {self.country} that this {self.type.replace('_', ' ')} could "
                    "act on",
                    "a country and mineral with export links",
                )
            ]
        return []

    def acts_on(self, network: Network) -> tuple[frozenset[int], frozenset[str]]:
        links = frozenset(k.index for k in network.links if self.applies_to(network, k.index))
        return links, frozenset()

    def flows_text(self) -> str:
        """What it acts on, in plain words: `exports of dytb (refined) from CN to JP`."""
        hits = f"exports of {self.mineral}"
        if self.stage is not None:
            hits += f" ({self.stage})"
        hits += f" from {self.country}"
        if self.to_countries:
            hits += " to " + ", ".join(self.to_countries)
        if self.exempt:
            hits += " except to " + ", ".join(self.exempt)
        if self.exempt_suppliers:
            hits += " except from " + ", ".join(self.exempt_suppliers)
        return hits


class ExportBan(ExportFlows):
    """A country stops (severity 1) or cuts (severity < 1) exports of a mineral."""

    size_field: ClassVar[str | None] = "severity"
    delay_field: ClassVar[str | None] = "licence_delay_days"
    bounds: ClassVar[Bounds] = {"severity": (0.0, 1.0), "licence_delay_days": (0.0, 3650.0)}

    type: Literal["export_ban"]
    severity: Amount = Field(
        1.0,
        description="Share of normal (shock-free) export volume cut, "
        "[0-1]: each export link is capped at (1 - severity) x its "
        "shock-free flow. 0 with "
        "a `licence_delay_days` is a licence review that delays but "
        "refuses nothing.",
    )
    licence_delay_days: Amount = Field(
        0.0, description="Days added to every export shipment that still passes (licence review)."
    )

    def apply(self, draws: ShockDraws, active: np.ndarray, arrays: EffectArrays) -> None:
        """Multiply each banned link's passing share by 1 - severity; add the licence delay."""
        net = arrays.network
        for link in net.links:
            if self.applies_to(net, link.index):
                arrays.link_pass[link.index] *= np.where(active, 1.0 - draws.size, 1.0)
                arrays.link_delay_days[link.index] += np.where(active, draws.delay, 0.0)

    def adds_delays(self) -> bool:
        return isinstance(self.licence_delay_days, Distribution) or self.licence_delay_days != 0

    def max_delay_days(self, draws: ShockDraws, network: Network) -> np.ndarray:
        longest = float(draws.delay.max(initial=0.0))
        return np.array(
            [longest if self.applies_to(network, link.index) else 0.0 for link in network.links]
        )

    def describe(self) -> tuple[str, str]:
        size = f"severity {amount_text(self.severity, percent=True)}"
        if self.adds_delays():
            size += f", licence review +{amount_text(self.licence_delay_days)} days"
        return self.flows_text(), size
