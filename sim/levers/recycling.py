"""Raise the collection of a market's end-of-life material into a (new) recycler.

Compiles into the new recycler, the market's new collection rate (at once, or ramping from
`start`), the recycler's share of the market's collected flow of the mineral (existing
recyclers keep the rest in proportion), and links to the recycler's buyers. By default they take
what the recycler offers ahead of primary supply (`recycled_first`, engine/recycled.py), so
what they take grows with the collection and capacity ramps by itself; with `recycled_first:
false` their share of orders is set and grows with the ramp. Cost: its capital cost annualised
over `asset_life_years` at the discount rate, for each year of service from `start` (ramp-up
included) inside the horizon, present value.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.levers.base import (
    BaseLever,
    Context,
    CostInputs,
    LinkPlan,
    _Draft,
    capital_without_life,
    links_of,
    move_share,
    ramp_steps,
    suggest,
)
from sim.scenario import checks
from sim.scenario.costs import AssetLifeYears
from sim.scenario.errors import Problem
from sim.scenario.network import LinkSpec, MarketSpec, Mineral, Network, RecyclerSpec
from sim.scenario.schedules import Ramp, Shift
from sim.scenario.spec import Day, DayCount, Fraction, Name, UsdAmount


class Recycling(BaseLever):
    """Raise the collection of a market's end-of-life material into a (new) recycler."""

    type: Literal["recycling"]
    market: Name = Field(description="The market whose end-of-life flow is collected.")
    mineral: Mineral = Field(description="The mineral recovered.")
    collection_rate: Fraction = Field(description="New collection rate.")
    recycler: RecyclerSpec = Field(description="The recycler (new node) that recovers it.")
    share_of_collected: Fraction = Field(
        1.0,
        description="Share of the market's collected "
        "flow of the mineral it receives (existing recyclers "
        "keep the rest in proportion).",
    )
    supplies: list[LinkPlan] = Field(
        description="Buyers of the recovered material. By default (the recycler's "
        "`recycled_first`) they take all it can offer before ordering elsewhere and `share` "
        "is not used; with `recycled_first: false`, `share` is the share of their orders it "
        "takes (ramping with the recycler)."
    )
    start: Day = Field(
        0,
        description="When collection starts to rise (0 with no ramp-up: in "
        "place from the start, part of the steady state).",
    )
    ramp_up_days: DayCount = Field(
        0.0,
        description="Days for the collection rate, the "
        "recycler's capacity and its buyers' shares to reach "
        "their targets.",
    )
    capital_cost_usd: UsdAmount | None = Field(
        None,
        description="Capital cost of the recycler, USD, annualised over `asset_life_years` "
        "and charged for each year of service from `start` (ramp-up included) inside the "
        "horizon. Not set: not declared (the policy is flagged in the ranking).",
    )
    asset_life_years: AssetLifeYears | None = Field(
        None, description="Whole years the recycler serves (needed with a capital cost)."
    )

    def check(self, context: Context) -> list[Problem]:
        problems = self._check_market(context)
        recycler = self.recycler
        problems += context.taken_name(recycler.name, "recycler", "name")
        if recycler.mineral != self.mineral:
            problems.append(
                Problem(
                    context.at("recycler", "mineral"),
                    f"the recycler recovers {recycler.mineral} but the lever collects "
                    f"{self.mineral}",
                    f"a recycler of {self.mineral}",
                )
            )
        problems += context.unknown_nodes([p.node for p in self.supplies], "supplies", ("node",))
        nodes = {**context.draft.nodes, recycler.name: recycler}
        sales = [
            (
                LinkSpec.model_validate({"from": recycler.name, "to": p.node}),
                context.at("supplies", k),
            )
            for k, p in enumerate(self.supplies)
            if p.node in context.draft.nodes
        ]
        problems += capital_without_life(context, self.capital_cost_usd, self.asset_life_years)
        return problems + checks.check_links(nodes, sales)

    def _check_market(self, context: Context) -> list[Problem]:
        where = context.at("market")
        markets = sorted(n.name for n in context.draft.nodes.values() if n.kind == "market")
        market = context.draft.nodes.get(self.market)
        if market is None:
            what = f"unknown market '{self.market}'"
            return [Problem(where, what, suggest(self.market, markets, "market"))]
        if not isinstance(market, MarketSpec):
            what = f"'{self.market}' is a {market.kind}, not a market"
            return [Problem(where, what, "one of the markets: " + ", ".join(markets))]
        if self.mineral not in market.intensity_kg_per_unit:
            return [
                Problem(
                    context.at("mineral"),
                    f"market '{self.market}' uses no {self.mineral}, so there is none to collect",
                    "one of " + ", ".join(market.intensity_kg_per_unit),
                )
            ]
        links = context.draft.links
        missing = [
            other
            for other in market.intensity_kg_per_unit
            if other != self.mineral
            and not any(k.from_ == self.market and k.mineral == other for k in links)
        ]
        return [
            Problem(
                where,
                f"market '{self.market}' would collect {other} with no recycler for it",
                "a recycling lever (or a link to a recycler) for each mineral it collects",
            )
            for other in missing
        ]

    def compile(self, draft: _Draft, baseline: Network, number: int) -> None:
        market = draft.nodes[self.market]
        assert isinstance(market, MarketSpec)
        start = draft.day(self.start)
        at_once = start <= 0 and self.ramp_up_days <= 0
        if at_once:
            draft.nodes[self.market] = market.model_copy(
                update={"collection_rate": self.collection_rate}
            )
        else:
            draft.schedules.collection[self.market] = Shift(
                start, self.ramp_up_days, market.collection_rate, self.collection_rate
            )
            draft.schedules.ramps[self.recycler.name] = Ramp(start, self.ramp_up_days)
        draft.add_node(self.recycler)
        existing = [
            i
            for i, k in enumerate(draft.links)
            if k.from_ == self.market and (k.mineral or self.mineral) == self.mineral
        ]
        for i in existing:  # existing recyclers keep the rest of the collected flow
            draft.links[i] = draft.links[i].model_copy(
                update={"share": draft.links[i].share * (1.0 - self.share_of_collected)}
            )
        share = self.share_of_collected if existing else 1.0
        draft.add_link(self.market, self.recycler.name, share, 2.0, mineral=self.mineral)
        steps = [(0.0, 1.0)] if at_once else ramp_steps(start, self.ramp_up_days, draft.step_days)
        for plan in self.supplies:
            link = draft.add_link(self.recycler.name, plan.node, 0.0, plan.transit_days)
            if self.recycler.recycled_first:
                continue  # its buyers take what it offers first; no share to move
            move_share(draft, plan.node, self.mineral, link, plan.share, steps)
            if at_once:
                self._in_place(draft, plan, link)

    def _in_place(self, draft: _Draft, plan: LinkPlan, link: int) -> None:
        """In place from the start: the steady state includes recycling, so the buyer's shares
        are set in the network itself, not only switched at day 0."""
        draft.links[link] = draft.links[link].model_copy(update={"share": plan.share})
        others = [i for i in links_of(draft, plan.node, self.mineral) if i != link]
        total = sum(draft.links[i].share for i in others)
        for i in others:
            draft.links[i] = draft.links[i].model_copy(
                update={"share": draft.links[i].share / total * (1.0 - plan.share)}
            )

    def cost_usd(self, inputs: CostInputs) -> np.ndarray:
        """The capital charges for the recycler's service inside the horizon, the same in
        every replication."""
        if not self.capital_cost_usd or self.asset_life_years is None:
            return np.zeros(inputs.reps)
        return inputs.capital_pv(self.capital_cost_usd, self.asset_life_years, self.start)

    def cost_gaps(self) -> list[str]:
        return ["capital_cost_usd"] if self.capital_cost_usd is None else []

    def minerals(self) -> set[str]:
        return {self.mineral}
