"""Support an announced project (`projects:` in the scenario): bring it forward (a faster
permit, early works) and/or finance it (a higher probability that it is ever built).

Compiles into a change of the project's draws (`Schedules.project_changes`): every replication
keeps its own completion and delay draws, so a supported project is built wherever it was built
before (and, financed, in more replications), `days_earlier` sooner. An offtake of its output
for a buyer is the `partner_priority` lever on the project's sales link. Cost: the declared
support, once.
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
    project: Name = Field(description="The project (a name under `projects:`).")
    mineral: Mineral = Field(
        description="The mineral it makes whose shortfall the support is judged on."
    )
    days_earlier: DayCount = Field(0.0, description="Days by which its start comes forward.")
    p_complete: Fraction | None = Field(
        None,
        description="Its probability of being built with the support (at least the announced "
        "one; default: unchanged).",
    )
    cost_usd_: UsdAmount = Field(0.0, alias="cost_usd", description="Cost of the support, USD.")

    @model_validator(mode="after")
    def _changes_something(self) -> SupportProject:
        if self.days_earlier == 0 and self.p_complete is None:
            raise ValueError("give `days_earlier` or `p_complete`, or the lever changes nothing")
        return self

    def check(self, context: Context) -> list[Problem]:
        projects = {p.name: p for p in context.projects}
        project = projects.get(self.project)
        if project is None:
            return [
                Problem(
                    context.at("project"),
                    f"unknown project '{self.project}'",
                    suggest(self.project, sorted(projects), "project under `projects:`")
                    if projects
                    else "a project declared under `projects:` (the scenario has none)",
                )
            ]
        problems = []
        made = [c[0] for c in outputs(context.baseline.nodes[project.node])]
        if self.mineral not in made:
            problems.append(
                Problem(
                    context.at("mineral"),
                    f"project '{self.project}' makes {', '.join(made)}, not {self.mineral}",
                    "one of " + ", ".join(made),
                )
            )
        if self.p_complete is not None and self.p_complete < project.p_complete:
            problems.append(
                Problem(
                    context.at("p_complete"),
                    f"support would lower the project's chance of being built "
                    f"({project.p_complete:g} announced, {self.p_complete:g} here)",
                    f"a probability of at least {project.p_complete:g}",
                )
            )
        if self.project in context.draft.schedules.project_changes:
            problems.append(
                Problem(
                    context.at("project"),
                    f"project '{self.project}' is already supported by an earlier lever",
                    "one support_project lever per project and policy",
                )
            )
        return problems

    def compile(self, draft: _Draft, baseline: Network, number: int) -> None:
        draft.schedules.project_changes[self.project] = ProjectChange(
            self.days_earlier, self.p_complete
        )

    def cost_usd(self, inputs: CostInputs) -> np.ndarray:
        """The declared support, once, in every replication."""
        return np.full(inputs.reps, self.cost_usd_)

    def minerals(self) -> set[str]:
        return {self.mineral}
