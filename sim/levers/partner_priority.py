"""An offtake contract: a buyer country is served first by a supplier country when short.

Compiles into contract priority on every link of the baseline that carries the mineral from the
supplier country to the buyer country (end-of-life links excluded), the contracted t/year split
over them by their expected flows. Cost: the premium per tonne on the volume the contract
moved (`premium_on: moved`, the default): what those links shipped in the variant run above
what they shipped in the paired baseline run (same replication), never below zero; or on every
tonne they shipped (`premium_on: received`, a premium paid on all contracted deliveries). Either
is capped at the contracted volume from `start` to the horizon's end and spread over those
review periods, present value.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.levers.base import BaseLever, Context, CostInputs, _Draft
from sim.scenario.errors import Problem
from sim.scenario.network import Link, Mineral, Network
from sim.scenario.schedules import Priority
from sim.scenario.spec import (
    Country,
    Day,
    PositiveTonnesPerYear,
    UsdPerTonne,
)


class PartnerPriority(BaseLever):
    """An offtake contract: a buyer country is served first by a supplier country when short."""

    type: Literal["partner_priority"]
    supplier_country: Country = Field(description="Where the contracted supply comes from.")
    buyer_country: Country = Field(description="Who is served first.")
    mineral: Mineral = Field(description="The mineral contracted.")
    contracted_tpa: PositiveTonnesPerYear = Field(description="Contracted volume, t/year.")
    start: Day = Field(0, description="When the contract starts.")
    premium_usd_per_t: UsdPerTonne | None = Field(
        None,
        description="Premium per tonne under the contract, USD. Not set: not declared (the "
        "policy is flagged in the ranking).",
    )
    premium_on: Literal["moved", "received"] = Field(
        "moved",
        description="Tonnes the premium is paid on: `moved`, those the contracted links "
        "carried above the paired baseline run (what the contract secured); `received`, "
        "every tonne they carried (a premium on all contracted deliveries).",
    )

    def contracted(self, network: Network) -> list[Link]:
        """The links the contract covers: the mineral from the supplier country to the buyer
        country, end-of-life links excluded."""
        return [
            k
            for k in network.links
            if k.mineral == self.mineral
            and network.nodes[k.supplier].country == self.supplier_country
            and network.nodes[k.buyer].country == self.buyer_country
            and k.stage != "scrap"
        ]

    def check(self, context: Context) -> list[Problem]:
        baseline = context.baseline
        links = self.contracted(baseline)
        if not links:
            buyers = sorted(
                {
                    baseline.nodes[k.buyer].country
                    for k in baseline.links
                    if k.mineral == self.mineral
                    and k.stage != "scrap"
                    and baseline.nodes[k.supplier].country == self.supplier_country
                    and baseline.nodes[k.buyer].country != self.supplier_country
                }
            )
            return [
                Problem(
                    context.at("buyer_country"),
                    f"no {self.mineral} flows from {self.supplier_country} to "
                    f"{self.buyer_country} to contract",
                    f"a buyer country that buys {self.mineral} from {self.supplier_country}: "
                    + ", ".join(buyers)
                    if buyers
                    else f"a supplier country that sells {self.mineral} abroad",
                )
            ]
        earlier = [
            context.draft.contracts[k.index] for k in links if k.index in context.draft.contracts
        ]
        if not earlier:
            return []
        line = f" (line {earlier[0].line})" if earlier[0].line is not None else ""
        return [
            Problem(
                context.at(),
                f"contracts the same {self.mineral} flows from {self.supplier_country} to "
                f"{self.buyer_country} as {earlier[0].field}{line}; the second contract would "
                "replace the first",
                "one partner_priority lever per supplier country, buyer country and mineral "
                "(add up their contracted_tpa)",
            )
        ]

    def compile(self, draft: _Draft, baseline: Network, number: int) -> None:
        links = self.contracted(baseline)
        flows = np.array([baseline.expected_link_tpd[k.index] for k in links])
        weights = flows / flows.sum() if flows.sum() > 0 else np.full(len(links), 1 / len(links))
        for link, weight in zip(links, weights, strict=True):
            draft.schedules.priority[link.index] = Priority(
                self.contracted_tpa / 365.0 * float(weight), draft.day(self.start)
            )
            draft.contracts[link.index] = draft.here

    def priced_links(self, baseline: Network) -> list[int]:
        return [k.index for k in self.contracted(baseline)] if self.premium_on == "moved" else []

    def premium_t(self, inputs: CostInputs) -> np.ndarray:
        """Per replication, the tonnes the premium is paid on (`premium_on`), up to
        contracted_tpa x the years from `start` to the horizon's end."""
        begin = max(inputs.day(self.start), 0.0)
        cap = self.contracted_tpa * max(inputs.horizon_days - begin, 0.0) / 365.0
        links = self.contracted(inputs.baseline)
        tonnes = sum((inputs.shipped_t[k.index] for k in links), np.zeros(inputs.reps))
        if self.premium_on == "moved":
            before = sum((inputs.paired(k.index) for k in links), np.zeros(inputs.reps))
            tonnes = np.maximum(tonnes - before, 0.0)
        return np.minimum(tonnes, cap)

    def cost_usd(self, inputs: CostInputs) -> np.ndarray:
        """Premium per tonne x `premium_t`, spread from `start` to the horizon's end."""
        if not self.premium_usd_per_t:
            return np.zeros(inputs.reps)
        tonnes = self.premium_t(inputs)
        return inputs.spread_pv(tonnes * self.premium_usd_per_t, inputs.day(self.start))

    def cost_gaps(self) -> list[str]:
        return ["premium_usd_per_t"] if self.premium_usd_per_t is None else []

    def minerals(self) -> set[str]:
        return {self.mineral}
