"""Support an announced project (`projects:` in the scenario): bring it forward (a faster
permit, early works) and/or finance it (a higher probability that it is ever built).

Compiles into a change of the project's draws (`Schedules.project_changes`): every replication
keeps its own completion and delay draws, so a supported project is built wherever it was built
before (and, financed, in more replications), `days_earlier` sooner. An offtake of its output
for a buyer is the `partner_priority` lever on the project's sales link. Cost: the declared
support, paid once at the scenario start (its present value is itself).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from sim.levers.base import BaseLever, Context, CostInputs, _Draft, suggest
from sim.scenario.errors import Problem
from sim.scenario.network import Mineral, Network, outputs
from sim.scenario.schedules import ProjectChange
from sim.scenario.spec import DayCount, Fraction, Name, UsdAmount


class SupportProject(BaseLever):
    """Bring an announced project forward and/or raise its chance of being built."""

    type: Literal["support_project"]
    projects: tuple[Name, ...] = Field(
        min_length=1, description="The projects supported (names under `projects:`)."
    )
    minerals_: tuple[Mineral, ...] = Field(
        alias="minerals",
        min_length=1,
        description="The minerals they make whose shortfall the support is judged on.",
    )
    days_earlier: DayCount = Field(0.0, description="Days by which their start comes forward.")
    p_complete: Fraction | None = Field(
        None,
        description="Their probability of being built with the support (at least the announced "
        "one; default: unchanged).",
    )
    cost_usd_: UsdAmount | None = Field(
        None,
        alias="cost_usd",
        description="Cost of the support, USD, paid at the scenario start. Not set: not "
        "declared (the policy is flagged in the ranking).",
    )

    @model_validator(mode="after")
    def _changes_something(self) -> SupportProject:
        if self.days_earlier == 0 and self.p_complete is None:
            raise ValueError("give `days_earlier` or `p_complete`, or the lever changes nothing")
        return self

    def check(self, context: Context) -> list[Problem]:
        known = {p.name: p for p in context.projects}
        problems = []
        for k, name in enumerate(self.projects):
            project = known.get(name)
            if project is None:
                problems.append(
                    Problem(
                        context.at("projects", k),
                        f"unknown project '{name}'",
                        suggest(name, sorted(known), "project under `projects:`")
                        if known
                        else "a project declared under `projects:` (the scenario has none)",
                    )
                )
                continue
            made = [c[0] for c in outputs(context.baseline.nodes[project.node])]
            if not set(self.minerals_) & set(made):
                problems.append(
                    Problem(
                        context.at("minerals"),
                        f"project '{name}' makes {', '.join(made)}, none of "
                        + ", ".join(self.minerals_),
                        "minerals the supported projects make: " + ", ".join(made),
                    )
                )
            if self.p_complete is not None and self.p_complete < project.p_complete:
                problems.append(
                    Problem(
                        context.at("p_complete"),
                        f"support would lower the chance that '{name}' is built "
                        f"({project.p_complete:g} announced, {self.p_complete:g} here)",
                        f"a probability of at least {project.p_complete:g}",
                    )
                )
            if name in context.draft.schedules.project_changes or name in self.projects[:k]:
                problems.append(
                    Problem(
                        context.at("projects", k),
                        f"project '{name}' is already supported in this policy",
                        "each project supported once per policy",
                    )
                )
        return problems

    def compile(self, draft: _Draft, baseline: Network, number: int) -> None:
        for name in self.projects:
            draft.schedules.project_changes[name] = ProjectChange(
                self.days_earlier, self.p_complete
            )

    def cost_usd(self, inputs: CostInputs) -> np.ndarray:
        """The declared support, paid at the start, in every replication."""
        return np.full(inputs.reps, self.cost_usd_ or 0.0)

    def cost_gaps(self) -> list[str]:
        return ["cost_usd"] if self.cost_usd_ is None else []

    def minerals(self) -> set[str]:
        return set(self.minerals_)
