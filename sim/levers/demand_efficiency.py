"""Markets need less of a mineral per product unit from a date (thrifting, substitution).

Compiles into a phase-in of each selected market's kg per unit: 1 before `start`, falling
linearly to 1 - `reduction` over `phase_in_days`. Cost: the programme cost, paid once at
`start` (at the scenario start if it started before; nothing if it starts after the horizon), or,
with `asset_life_years`, annualised like a capital cost from `start`; present value.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.levers.base import BaseLever, Context, CostInputs, _Draft
from sim.scenario.costs import AssetLifeYears
from sim.scenario.errors import Problem
from sim.scenario.network import MarketSpec, Mineral, Network
from sim.scenario.schedules import Phase
from sim.scenario.selector import Selector
from sim.scenario.spec import Day, DayCount, Fraction, UsdAmount


class DemandEfficiency(BaseLever):
    """Markets need less of a mineral per product unit from a date (thrifting, substitution)."""

    type: Literal["demand_efficiency"]
    select: Selector = Field(description="Which markets.")
    mineral: Mineral = Field(description="The mineral thrifted.")
    reduction: Fraction = Field(description="Share of kg per unit saved when phased in.")
    start: Day = Field(description="When the phase-in starts.")
    phase_in_days: DayCount = Field(0.0, description="Days to reach the full reduction.")
    cost_usd_: UsdAmount | None = Field(
        None,
        alias="cost_usd",
        description="Programme cost, USD (0: its cost is counted elsewhere, say where). Not "
        "set: not declared (the policy is flagged in the ranking).",
    )
    asset_life_years: AssetLifeYears | None = Field(
        None,
        description="If set, the programme cost is capital annualised over these years from "
        "`start` (like new capacity); if not, it is paid once at `start`.",
    )

    def markets(self, network: Network) -> list[str]:
        """The selected markets that use the mineral."""
        return [
            name
            for name in self.select.select(network)
            if isinstance(market := network.nodes[name], MarketSpec)
            and self.mineral in market.intensity_kg_per_unit
        ]

    def check(self, context: Context) -> list[Problem]:
        problems = context.unknown_nodes(self.select.nodes, "select.nodes")
        if not problems and not self.markets(context.baseline):
            users = [
                m.name
                for m in context.baseline.of_kind("market")
                if isinstance(m, MarketSpec) and self.mineral in m.intensity_kg_per_unit
            ]
            problems.append(
                Problem(
                    context.at("select"),
                    f"selects no market that uses {self.mineral}, so it would change nothing",
                    "a selection that matches one of " + ", ".join(users)
                    if users
                    else f"a mineral some market uses (none uses {self.mineral})",
                )
            )
        return problems

    def compile(self, draft: _Draft, baseline: Network, number: int) -> None:
        for name in self.markets(baseline):
            draft.schedules.intensity[(name, self.mineral)] = Phase(
                draft.day(self.start), self.phase_in_days, self.reduction
            )

    def cost_usd(self, inputs: CostInputs) -> np.ndarray:
        """The programme cost (present value), the same in every replication."""
        cost = self.cost_usd_ or 0.0
        if self.asset_life_years is not None:
            return inputs.capital_pv(cost, self.asset_life_years, self.start)
        paid = max(inputs.day(self.start), 0.0)
        if paid >= inputs.horizon_days:
            return np.zeros(inputs.reps)
        return np.full(inputs.reps, cost * inputs.discount(paid))

    def cost_gaps(self) -> list[str]:
        return ["cost_usd"] if self.cost_usd_ is None else []

    def minerals(self) -> set[str]:
        return {self.mineral}
