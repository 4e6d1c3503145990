"""A buyer caps the share of its orders from one supplier country and moves the volume it
takes away to alternative suppliers, in equal parts, after a qualification time.

The capped buyers are the selected nodes that buy the mineral from `from_country` in the
baseline network. Cost: the premium per tonne on the volume the lever moved: per capped buyer,
what the alternatives shipped to it in the variant run (links alternative -> buyer for the
mineral, new or existing) above what they shipped to it in the paired baseline run (same
replication: the counterfactual), never below zero; spread over the review periods from the
switch to the horizon's end, present value.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.levers.base import BaseLever, Context, CostInputs, _Draft, _ShareOp, links_of
from sim.scenario import checks
from sim.scenario.errors import Problem
from sim.scenario.network import Link, LinkSpec, Mineral, Network, StockpileSpec
from sim.scenario.selector import Selector
from sim.scenario.spec import (
    Country,
    Day,
    DayCount,
    Fraction,
    Name,
    TransitDays,
    UsdPerTonne,
)


class Diversify(BaseLever):
    """A buyer caps the share from one supplier country and moves volume to alternatives."""

    type: Literal["diversify"]
    buyers: Selector = Field(description="Which buyer nodes.")
    mineral: Mineral = Field(description="The mineral sourced.")
    from_country: Country = Field(description="The country whose share is capped.")
    max_share: Fraction = Field(description="Largest share of the buyer's orders it may keep.")
    alternatives: tuple[Name, ...] = Field(
        description="Supplier nodes that take the volume moved, in equal parts."
    )
    start: Day = Field(0, description="When the buyer starts qualifying new suppliers.")
    qualification_days: DayCount = Field(0.0, description="Days before the switch happens.")
    transit_days: TransitDays = Field(0.0, description="Transit time of new links, days.")
    premium_usd_per_t: UsdPerTonne | None = Field(
        None,
        description="Extra price per tonne a capped buyer pays for what it buys from the "
        "alternatives beyond what they sold it in the baseline, USD. Not set: not declared "
        "(the policy is flagged in the ranking).",
    )

    def _from_country(self, network: Network, link: Link) -> bool:
        """Whether `link` is a supply (not a stockpile release) of the mineral from the
        capped country."""
        supplier = network.nodes[link.supplier]
        return (
            link.mineral == self.mineral
            and link.stage != "scrap"
            and not isinstance(supplier, StockpileSpec)
            and supplier.country == self.from_country
        )

    def held_share(self, network: Network, buyer: str) -> float:
        """The share of `buyer`'s orders of the mineral placed in `from_country` (0-1)."""
        return sum(k.share for k in network.in_links[buyer] if self._from_country(network, k))

    def capped_buyers(self, network: Network) -> list[str]:
        """The selected nodes that buy the mineral from `from_country` in `network`."""
        return [
            name
            for name in self.buyers.select(network)
            if any(self._from_country(network, k) for k in network.in_links[name])
        ]

    def check(self, context: Context) -> list[Problem]:
        problems = context.unknown_nodes(self.buyers.nodes, "buyers.nodes")
        problems += context.unknown_nodes(self.alternatives, "alternatives")
        if problems:
            return problems
        capped = self.capped_buyers(context.baseline)
        if not capped:
            return [self._no_buyer(context)]
        return self._check_cap(context, capped) + self._check_alternatives(context, capped)

    def _no_buyer(self, context: Context) -> Problem:
        baseline = context.baseline
        buying = sorted({k.buyer for k in baseline.links if self._from_country(baseline, k)})
        hint = (
            f"a selection that matches a node buying {self.mineral} from {self.from_country} ("
            + ", ".join(buying[:6])
            + (", ..." if len(buying) > 6 else "")
            + ")"
            if buying
            else f"a mineral and country with supply links ({self.from_country} sells no "
            f"{self.mineral} in this network)"
        )
        selected = self.buyers.select(baseline)
        if not selected:
            return Problem(context.at("buyers"), "selects no node of the network", hint)
        shown = ", ".join(selected[:4]) + (", ..." if len(selected) > 4 else "")
        return Problem(
            context.at("buyers"),
            f"none of the selected nodes ({shown}) buys {self.mineral} from "
            f"{self.from_country}, so it would change nothing",
            hint,
        )

    def _check_cap(self, context: Context, capped: list[str]) -> list[Problem]:
        held = max(self.held_share(context.baseline, name) for name in capped)
        if held > self.max_share:
            return []
        return [
            Problem(
                context.at("max_share"),
                f"{self.from_country} holds at most {held:g} of the selected buyers' "
                f"{self.mineral} orders, so a cap of {self.max_share:g} would change nothing",
                f"a max_share below {held:g}",
            )
        ]

    def _check_alternatives(self, context: Context, capped: list[str]) -> list[Problem]:
        problems = []
        for k, name in enumerate(self.alternatives):
            where = context.at("alternatives", k)
            if context.draft.nodes[name].country == self.from_country:
                problems.append(
                    Problem(
                        where,
                        f"'{name}' is in {self.from_country}, the country whose share is capped",
                        f"a supplier outside {self.from_country}",
                    )
                )
                continue
            sale = {"from": name, "mineral": self.mineral}
            problems += checks.check_links(
                context.draft.nodes,
                [(LinkSpec.model_validate({**sale, "to": buyer}), where) for buyer in capped],
            )
        return problems

    def compile(self, draft: _Draft, baseline: Network, number: int) -> None:
        day = draft.day(self.start) + self.qualification_days
        for name in self.capped_buyers(baseline):
            current = links_of(draft, name, self.mineral)
            capped = frozenset(
                i for i in current if draft.nodes[draft.links[i].from_].country == self.from_country
            )
            alternatives = []
            for alternative in self.alternatives:
                existing = [i for i in current if draft.links[i].from_ == alternative]
                alternatives.append(
                    existing[0]
                    if existing
                    else draft.add_link(
                        alternative, name, 0.0, self.transit_days, mineral=self.mineral
                    )
                )
            op = _ShareOp(
                "cap", (day,), self.max_share, capped=capped, alternatives=tuple(alternatives)
            )
            draft.plan(name, self.mineral, op)

    def _sales(self, network: Network, buyer: str) -> list[int]:
        """The links alternative -> `buyer` for the mineral in `network`."""
        return [
            k.index
            for k in network.in_links[buyer]
            if k.supplier in self.alternatives and k.mineral == self.mineral
        ]

    def priced_links(self, baseline: Network) -> list[int]:
        return [i for buyer in self.capped_buyers(baseline) for i in self._sales(baseline, buyer)]

    def moved_t(self, inputs: CostInputs) -> np.ndarray:
        """Per replication, t the alternatives shipped to the capped buyers above what they
        shipped to each in the paired baseline run (per buyer, never below zero)."""
        moved = np.zeros(inputs.reps)
        for buyer in self.capped_buyers(inputs.baseline):
            now = sum((inputs.shipped_t[i] for i in self._sales(inputs.variant, buyer)), 0.0)
            before = sum((inputs.paired(i) for i in self._sales(inputs.baseline, buyer)), 0.0)
            moved += np.maximum(np.asarray(now) - before, 0.0)
        return moved

    def cost_usd(self, inputs: CostInputs) -> np.ndarray:
        """Premium per tonne x the tonnes moved (`moved_t`), spread from the switch."""
        if not self.premium_usd_per_t:
            return np.zeros(inputs.reps)
        switch = inputs.day(self.start) + self.qualification_days
        return inputs.spread_pv(self.moved_t(inputs) * self.premium_usd_per_t, switch)

    def cost_gaps(self) -> list[str]:
        return ["premium_usd_per_t"] if self.premium_usd_per_t is None else []

    def minerals(self) -> set[str]:
        return {self.mineral}
