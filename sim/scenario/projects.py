"""Announced projects: a mine, refinery, plant or recycler that may come online on a planned
date, later, or never.

A project is part of the scenario's world (not a policy): its node and links are in the
network from the start with no share of any buyer's orders. In each replication it is
completed with probability `p_complete`; if it is, it comes online `planned_start` plus a
random delay (`delay_days`, days, negative draws count as 0) and ramps linearly to full
capacity over `ramp_up_days`. While it ramps, each buyer in `sells_to` moves that share of its
orders, times the ramp fraction, to it, and its other suppliers' shares shrink in proportion.
Shares move at the re-plans (every `paths.replan_days`); capacity follows the ramp at every
review. Levers can bring a project forward or finance it (a higher completion probability).

Draws come from the stream "project:<name>" of each replication, so adding a project or a
policy never shifts any other random number (DESIGN.md section 5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import Field

from sim.scenario.network import (
    LinkSpec,
    Mineral,
    MineSpec,
    Network,
    NodeSpec,
    PlantSpec,
    RecyclerSpec,
    RefinerySpec,
    StockpileSpec,
    outputs,
)
from sim.scenario.randomness import AnyDistribution, Fixed, generator
from sim.scenario.schedules import ProjectChange
from sim.scenario.spec import (
    Day,
    DayCount,
    Fraction,
    Name,
    Spec,
    TransitDays,
    UsdAmount,
    to_day,
)

ProjectNode = Annotated[
    MineSpec | RefinerySpec | PlantSpec | RecyclerSpec, Field(discriminator="kind")
]


class ProjectLink(Spec):
    """A supplier or buyer of a project."""

    node: Name = Field(description="The other node.")
    mineral: Mineral | None = Field(
        None,
        description="The mineral carried, where the two nodes share several (a magnet plant "
        "buying NdPr and Dy/Tb from one separator: one entry each).",
    )
    share: Fraction = Field(
        description="For a supplier: the share of the project's orders it gets. For a buyer: "
        "the share of the buyer's orders the project takes at full capacity."
    )
    transit_days: TransitDays = Field(0.0, description="Days in transit.")
    chokepoints: tuple[str, ...] = Field((), description="Straits passed.")


class ProjectSpec(Spec):
    """An announced project: planned start, ramp-up, completion probability and delay."""

    name: Name = Field(description="Project name (unique; levers refer to it).")
    node: ProjectNode = Field(description="Its node, as in a network file.")
    buys_from: list[ProjectLink] = Field([], description="Its suppliers (shares sum to 1).")
    sells_to: list[ProjectLink] = Field(
        description="Its buyers and the share of their orders it takes at full capacity."
    )
    planned_start: Day = Field(description="Planned first production: ISO date or day.")
    ramp_up_days: DayCount = Field(365.0, description="Days from first production to full.")
    p_complete: Fraction = Field(
        1.0, description="Probability that it is ever built (drawn per replication)."
    )
    delay_days: AnyDistribution = Field(
        Fixed(dist="fixed", value=0.0),
        description="Delay after the planned start, days (a distribution; negative draws are 0).",
    )
    capital_cost_usd: UsdAmount = Field(0.0, description="Capital cost, USD (for reference).")
    source: str = Field("", description="Sources of its figures, and which are assumptions.")

    def links(self) -> list[LinkSpec]:
        """Its supply links (shares as given) and sales links (share 0 at the start)."""
        made = _made(self.node)
        bought = [
            LinkSpec.model_validate(
                {
                    "from": p.node,
                    "to": self.node.name,
                    "share": p.share,
                    "transit_days": p.transit_days,
                    "chokepoints": p.chokepoints,
                    "mineral": p.mineral,
                }
            )
            for p in self.buys_from
        ]
        sold = [
            LinkSpec.model_validate(
                {
                    "from": self.node.name,
                    "to": p.node,
                    "share": 0.0,
                    "transit_days": p.transit_days,
                    "chokepoints": p.chokepoints,
                    "mineral": p.mineral or made,
                }
            )
            for p in self.sells_to
        ]
        return bought + sold


def _made(node: NodeSpec) -> str | None:
    """The mineral a plant's sales carry (None: the link works it out)."""
    return next(iter(node.recipe)) if isinstance(node, PlantSpec) else None


@dataclass(frozen=True)
class Project:
    """A project resolved on the network: its planned timing and the links whose shares move."""

    name: str
    node: str
    online: float
    """Planned first production, days from the start."""
    ramp_days: float
    p_complete: float
    delay: AnyDistribution
    sales: tuple[tuple[int, float, tuple[int, ...]], ...]
    """(link index, share at full capacity, the buyer's other supply links of that mineral)."""


def resolve(specs: list[ProjectSpec], network: Network, start: dt.date) -> tuple[Project, ...]:
    """The projects on the resolved network (their nodes and links are in it)."""
    projects = []
    for spec in specs:
        sales = []
        for link in network.out_links[spec.node.name]:
            plan = next(
                (
                    p
                    for p in spec.sells_to
                    if p.node == link.buyer and p.mineral in (None, link.mineral)
                ),
                None,
            )
            if plan is None:
                continue  # another project buying from this one: a supply link of its own
            others = tuple(
                k.index
                for k in network.in_links[link.buyer]
                if k.commodity == link.commodity
                and k.supplier != spec.node.name
                and not isinstance(network.nodes[k.supplier], StockpileSpec)
            )
            sales.append((link.index, plan.share, others))
        projects.append(
            Project(
                spec.name,
                spec.node.name,
                to_day(spec.planned_start, start),
                spec.ramp_up_days,
                spec.p_complete,
                spec.delay_days,
                tuple(sales),
            )
        )
    return tuple(projects)


def online_days(
    project: Project, seed: int, reps: range, change: ProjectChange | None = None
) -> np.ndarray:
    """Day of first production in each replication, shape (R,); inf where it is never built.

    The completion draw and the delay draw come from the project's own stream, in that order,
    so a lever that changes the probability or the date keeps every replication's draws (a
    financed project is built in every replication where it was built before, and more).
    """
    change = change or ProjectChange()
    p = project.p_complete if change.p_complete is None else change.p_complete
    out = np.empty(len(reps))
    for row, rep in enumerate(reps):
        rng = generator(seed, rep, f"project:{project.name}")
        built = rng.uniform() < p
        delay = max(float(project.delay.draw(rng, 1)[0]), 0.0)
        out[row] = project.online - change.days_earlier + delay if built else np.inf
    return out


def ramp_fraction(online: np.ndarray, ramp_days: float, day: float) -> np.ndarray:
    """Fraction of full capacity reached on `day`, per replication (0 before online)."""
    if ramp_days <= 0:
        return (day >= online).astype(float)
    with np.errstate(invalid="ignore"):
        return np.clip((day - online) / ramp_days, 0.0, 1.0)


def made_by(node: NodeSpec) -> list[str]:
    """The minerals a project node makes (for messages)."""
    return [c[0] for c in outputs(node)]
