"""A new mine, refinery, plant or recycler: online on a date, ramping up, with its links.

Compiles into the new node, a capacity ramp (0 before `online`, full `ramp_up_days` later), its
supply links, and links to its buyers whose share of each buyer's orders grows with the ramp
(the buyer's other shares shrink in proportion). Cost: its capital cost annualised over
`asset_life_years` at the discount rate, for each year of service from `online` (ramp-up
included) inside the horizon, present value (`sim.scenario.costs.capital_charge_pv`).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.levers.base import (
    BaseLever,
    Context,
    CostInputs,
    LinkPlan,
    _Draft,
    capital_without_life,
    made,
    move_share,
    ramp_steps,
)
from sim.scenario import checks
from sim.scenario.costs import AssetLifeYears
from sim.scenario.errors import Problem
from sim.scenario.network import (
    LinkSpec,
    MineSpec,
    Network,
    PlantSpec,
    RecyclerSpec,
    RefinerySpec,
)
from sim.scenario.network import inputs as uses
from sim.scenario.network import outputs as makes
from sim.scenario.schedules import Ramp
from sim.scenario.spec import Day, DayCount, UsdAmount

NewNode = Annotated[MineSpec | RefinerySpec | PlantSpec | RecyclerSpec, Field(discriminator="kind")]


class NewCapacity(BaseLever):
    """A new mine, refinery, plant or recycler: online on a date, ramping up, with its links."""

    documented_with = ((LinkPlan, "`buys_from` / `sells_to` / `supplies` entries"),)

    type: Literal["new_capacity"]
    node: NewNode = Field(description="The new node, as in a network file.")
    online: Day = Field(description="When it starts producing: ISO date or day.")
    ramp_up_days: DayCount = Field(
        0.0, description="Days from online to full capacity; its buyers' shares move with the ramp."
    )
    buys_from: list[LinkPlan] = Field([], description="Its suppliers (shares sum to 1).")
    sells_to: list[LinkPlan] = Field(
        [], description="Its buyers and the share of their orders it takes at full capacity."
    )
    capital_cost_usd: UsdAmount | None = Field(
        None,
        description="Capital cost, USD, annualised over `asset_life_years` and charged for "
        "each year of service from `online` (ramp-up included) inside the horizon. Not set: "
        "not declared (the policy is flagged in the ranking).",
    )
    asset_life_years: AssetLifeYears | None = Field(
        None, description="Whole years the asset serves (needed with a capital cost)."
    )

    def _sale(self, plan: LinkPlan) -> LinkSpec:
        mineral = made(self.node) if isinstance(self.node, PlantSpec) else None
        return LinkSpec.model_validate(
            {"from": self.node.name, "to": plan.node, "mineral": mineral}
        )

    def check(self, context: Context) -> list[Problem]:
        node = self.node
        problems = context.taken_name(node.name, "node", "name")
        problems += context.unknown_nodes([p.node for p in self.buys_from], "buys_from", ("node",))
        problems += context.unknown_nodes([p.node for p in self.sells_to], "sells_to", ("node",))
        if uses(node) and not self.buys_from and not isinstance(node, RecyclerSpec):
            problems.append(
                Problem(
                    context.at("buys_from"),
                    f"the new {node.kind} '{node.name}' has no suppliers, so it would make nothing",
                    "`buys_from` entries whose shares sum to 1",
                )
            )
        nodes = {**context.draft.nodes, node.name: node}
        planned = [
            (LinkSpec.model_validate({"from": p.node, "to": node.name}), context.at("buys_from", k))
            for k, p in enumerate(self.buys_from)
            if p.node in context.draft.nodes
        ] + [
            (self._sale(p), context.at("sells_to", k))
            for k, p in enumerate(self.sells_to)
            if p.node in context.draft.nodes
        ]
        problems += checks.check_links(nodes, planned)
        return problems + capital_without_life(
            context, self.capital_cost_usd, self.asset_life_years
        )

    def compile(self, draft: _Draft, baseline: Network, number: int) -> None:
        node = self.node
        draft.add_node(node)
        online = draft.day(self.online)
        draft.schedules.ramps[node.name] = Ramp(online, self.ramp_up_days)
        for plan in self.buys_from:
            draft.add_link(plan.node, node.name, plan.share, plan.transit_days, plan.chokepoints)
        mineral = made(node)
        steps = ramp_steps(online, self.ramp_up_days, draft.step_days)
        for plan in self.sells_to:
            sale = self._sale(plan)
            link = draft.add_link(
                node.name, plan.node, 0.0, plan.transit_days, plan.chokepoints, sale.mineral
            )
            move_share(draft, plan.node, mineral, link, plan.share, steps)

    def cost_usd(self, inputs: CostInputs) -> np.ndarray:
        """The capital charges for its service inside the horizon, the same in every
        replication."""
        if not self.capital_cost_usd or self.asset_life_years is None:
            return np.zeros(inputs.reps)
        return inputs.capital_pv(self.capital_cost_usd, self.asset_life_years, self.online)

    def cost_gaps(self) -> list[str]:
        return ["capital_cost_usd"] if self.capital_cost_usd is None else []

    def minerals(self) -> set[str]:
        return {m for m, _ in uses(self.node) + makes(self.node)}
