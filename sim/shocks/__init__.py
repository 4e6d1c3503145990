"""The shock registry: the only place besides its own module that names a shock type.

A new type is one module (a `ShockSpec` subclass, see `base.py`) and one member of `Shock`.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from pydantic import Field, TypeAdapter, ValidationError

from sim.shocks.base import ShockSpec
from sim.shocks.capacity_loss import CapacityLoss
from sim.shocks.content_licensing import ContentLicensing
from sim.shocks.demand_shock import DemandShock
from sim.shocks.export_ban import ExportBan
from sim.shocks.export_licensing import ExportLicensing
from sim.shocks.export_quota import ExportQuota
from sim.shocks.production_quota import ProductionQuota
from sim.shocks.route_closure import RouteClosure

Shock = Annotated[
    ExportBan
    | ExportLicensing
    | ExportQuota
    | ContentLicensing
    | CapacityLoss
    | RouteClosure
    | DemandShock
    | ProductionQuota,
    Field(discriminator="type"),
]
"""Any shock, told apart by its `type:` (the scenario schema's `shocks:` entries)."""

TYPES: tuple[type[ShockSpec], ...] = get_args(get_args(Shock)[0])
"""Every shock class, in the order of `Shock` (the order the documentation lists them)."""

_ADAPTER: TypeAdapter[ShockSpec] = TypeAdapter(Shock)


def parse(raw: dict[str, Any]) -> ShockSpec:
    """A shock from its mapping as in a scenario file or `scenario.resolved.yaml`."""
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as error:
        label = raw.get("name") or raw.get("type", "?")
        raise ValueError(f"shock '{label}' is not a valid shock: {error}") from error


def describe(raw: dict[str, Any]) -> tuple[str, str, str]:
    """Type, what it hits and its size, in plain words, of a shock given as a mapping."""
    shock = parse(raw)
    return (shock.type, *shock.describe())
