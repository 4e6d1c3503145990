"""The lever registry: every lever type a scenario's `policies:` may use, and compiling a policy
into its variant of the scenario.

A new lever is one module (its schema, check, compile, cost and minerals; see `base.py`) plus
one entry in `Lever` below.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Annotated

from pydantic import Field

from sim.levers.base import BaseLever as BaseLever
from sim.levers.base import CostInputs as CostInputs
from sim.levers.base import LinkPlan as LinkPlan
from sim.levers.base import Place
from sim.levers.base import Policy as Policy
from sim.levers.demand_efficiency import DemandEfficiency as DemandEfficiency
from sim.levers.diversify import Diversify as Diversify
from sim.levers.new_capacity import NewCapacity as NewCapacity
from sim.levers.partner_priority import PartnerPriority as PartnerPriority
from sim.levers.recycling import Recycling as Recycling
from sim.levers.stockpile import StockpileLever as StockpileLever
from sim.levers.support_project import SupportProject as SupportProject
from sim.levers.variant import check_policies as check_policies
from sim.levers.variant import compile_policy
from sim.scenario.errors import ScenarioError
from sim.scenario.yamlio import Document

if typing.TYPE_CHECKING:
    from sim.scenario.loader import Scenario

Lever = Annotated[
    StockpileLever
    | NewCapacity
    | DemandEfficiency
    | Diversify
    | Recycling
    | PartnerPriority
    | SupportProject,
    Field(discriminator="type"),
]
"""A lever as declared in a scenario file, chosen by its `type:`."""

LEVERS: tuple[type[BaseLever], ...] = typing.get_args(typing.get_args(Lever)[0])
"""The lever classes, in the order of `Lever` (and of the format reference)."""

Policy.model_rebuild(_types_namespace={"Lever": Lever})


def apply(scenario: Scenario, policy: Policy) -> Scenario:
    """The scenario's variant with `policy`'s levers in place; `ScenarioError` with every
    problem if it does not fit the network (a loaded scenario's policies were checked already)."""
    index = next((i for i, p in enumerate(scenario.spec.policies) if p == policy), None)
    loc: tuple[str | int, ...] = ("policies", policy.name if index is None else index)
    doc = Document(None, {}, scenario.path or Path("<scenario>"))
    variant, problems = compile_policy(scenario, policy, Place(doc, loc))
    if variant is None:
        raise ScenarioError(problems)
    return variant
