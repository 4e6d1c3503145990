"""Shocks: what each selects, when it acts and what it changes.

A shock is active on the half-open interval [start, end) in simulation days. Its start, its
duration and its size (severity, fraction, factor, delays) may be numbers or distributions
(`{dist: triangular, low: 30, mode: 60, high: 180}`); a distribution is drawn once per
replication from the shock's own stream, so policies compared on the same replication see the
same shock. The runtime (`modifiers.py`) switches shocks on and off at their exact days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.scenario.network import Mineral, Network
from sim.scenario.randomness import AnyDistribution, Distribution, draws
from sim.scenario.selector import Selector
from sim.scenario.spec import Country, Day, Spec, to_day

Stage = Literal["ore", "refined", "component"]
Amount = float | AnyDistribution
"""A number, or a distribution drawn once per replication."""


class ShockSpec(Spec):
    """Timing shared by every shock."""

    type: str = Field(description="Shock type.")
    name: str | None = Field(
        None, description="A label for tables and charts (default: type and position)."
    )
    start: Day | AnyDistribution = Field(
        description="When it starts: ISO date (YYYY-MM-DD), day from the scenario start, or a "
        "distribution of days."
    )
    end: Day | None = Field(
        None,
        description="When it ends (exclusive): ISO date or day. Give "
        "`end` or `duration_days`, or neither to last to the horizon.",
    )
    duration_days: Amount | None = Field(
        None, description="How long it lasts, days (a number or a distribution)."
    )
    source: str | None = Field(None, description="The real event or debate it represents.")

    @model_validator(mode="after")
    def _one_end(self) -> ShockSpec:
        if self.end is not None and self.duration_days is not None:
            raise ValueError("give either 'end' or 'duration_days', not both")
        if isinstance(self.duration_days, float | int) and self.duration_days < 0:
            raise ValueError(f"duration_days must be >= 0, got {self.duration_days:g}")
        return self

    def window(self, start_date: dt.date, horizon_days: float) -> tuple[float, float] | None:
        """[start, end) in days from the scenario start; None when it is drawn at random."""
        if isinstance(self.start, Distribution) or isinstance(self.duration_days, Distribution):
            return None
        begin = to_day(self.start, start_date)
        if self.end is not None:
            return begin, to_day(self.end, start_date)
        if self.duration_days is not None:
            return begin, begin + self.duration_days
        return begin, float(horizon_days)


class ExportBan(ShockSpec):
    """A country stops (severity 1) or cuts (severity < 1) exports of a mineral."""

    type: Literal["export_ban"]
    country: Country = Field(description="Exporting country, ISO alpha-2.")
    mineral: Mineral = Field(description="Mineral whose exports are cut.")
    stage: Stage | None = Field(None, description="Only this stage (default: every stage).")
    severity: Amount = Field(
        1.0,
        description="Share of normal (shock-free) export volume cut, "
        "[0-1]: each export link is capped at (1 - severity) x its "
        "shock-free flow. 0 with "
        "a `licence_delay_days` is a licence review that delays but "
        "refuses nothing.",
    )
    to_countries: tuple[Country, ...] = Field(
        (), description="Only exports to these countries (default: to every other country)."
    )
    exempt: tuple[Country, ...] = Field((), description="Destination countries exempted.")
    licence_delay_days: Amount = Field(
        0.0, description="Days added to every export shipment that still passes (licence review)."
    )

    def applies_to(self, network: Network, link_index: int) -> bool:
        link = network.links[link_index]
        seller = network.nodes[link.supplier].country
        buyer = network.nodes[link.buyer].country
        return (
            seller == self.country
            and buyer != self.country
            and link.mineral == self.mineral
            and (self.stage is None or link.stage == self.stage)
            and (not self.to_countries or buyer in self.to_countries)
            and buyer not in self.exempt
        )


class CapacityLoss(ShockSpec):
    """Selected nodes lose a share of their capacity."""

    type: Literal["capacity_loss"]
    select: Selector = Field(description="Which nodes.")
    fraction: Amount = Field(description="Share of capacity lost, (0-1].")


class RouteClosure(ShockSpec):
    """A chokepoint is closed: shipments through it wait for it to reopen, or detour."""

    type: Literal["route_closure"]
    chokepoint: str = Field(description="Chokepoint name as used on links, e.g. `malacca`.")
    mode: Literal["wait", "detour"] = Field(
        "detour",
        description="`wait`: shipments sent while it is closed leave when it reopens; "
        "`detour`: they take `detour_days` longer.",
    )
    detour_days: Amount = Field(0.0, description="Days a detour adds (mode `detour`).")


class DemandShock(ShockSpec):
    """Selected markets' demand is multiplied by a factor."""

    type: Literal["demand_shock"]
    select: Selector = Field(description="Which markets (kinds other than market are ignored).")
    factor: Amount = Field(description="Demand multiplier, e.g. 1.3 for +30%.")


Shock = Annotated[
    ExportBan | CapacityLoss | RouteClosure | DemandShock, Field(discriminator="type")
]


def shock_label(shock: ShockSpec, index: int) -> str:
    return shock.name or f"{shock.type}#{index + 1}"


# Bounds each number (or draw) must respect, by field.
_BOUNDS = {
    "severity": (0.0, 1.0),
    "fraction": (0.0, 1.0),
    "factor": (0.0, np.inf),
    "licence_delay_days": (0.0, np.inf),
    "detour_days": (0.0, np.inf),
    "duration_days": (0.0, np.inf),
}


def check_amounts(shock: ShockSpec) -> list[str]:
    """Fixed numbers out of range (draws are clipped into range instead)."""
    problems = []
    for name, (low, high) in _BOUNDS.items():
        value = getattr(shock, name, None)
        if isinstance(value, float | int) and not low <= value <= high:
            problems.append(f"{name} must be between {low:g} and {high:g}, got {value:g}")
    return problems


@dataclass(frozen=True)
class ShockDraws:
    """One shock's timing and size in each replication of a batch (arrays of shape (R,))."""

    shock: ShockSpec
    index: int
    begin: np.ndarray
    end: np.ndarray
    size: np.ndarray
    """severity (export_ban), fraction (capacity_loss), factor (demand_shock), else 0."""
    delay: np.ndarray
    """licence_delay_days (export_ban) or detour_days (route_closure), else 0."""


def draw_shock(
    shock: ShockSpec, index: int, seed: int, reps: range, start_date: dt.date, horizon_days: float
) -> ShockDraws:
    """Resolve every number or distribution of a shock for the replications `reps`."""

    def value(field: str, default: float = 0.0) -> np.ndarray:
        raw = getattr(shock, field, None)
        if raw is None:
            values = np.full(len(reps), default)
        elif isinstance(raw, Distribution):
            values = draws(seed, reps, f"shock:{index}:{field}", raw, 1)[:, 0]
        elif isinstance(raw, dt.date):
            values = np.full(len(reps), to_day(raw, start_date))
        else:
            values = np.full(len(reps), float(raw))
        low, high = _BOUNDS.get(field, (-np.inf, np.inf))
        return np.clip(values, low, high)

    begin = value("start")
    if shock.end is not None:
        end = np.full(len(reps), to_day(shock.end, start_date))
    elif shock.duration_days is not None:
        end = begin + value("duration_days")
    else:
        end = np.full(len(reps), float(horizon_days))
    size_field = {
        "export_ban": "severity",
        "capacity_loss": "fraction",
        "demand_shock": "factor",
    }.get(shock.type)
    delay_field = {"export_ban": "licence_delay_days", "route_closure": "detour_days"}.get(
        shock.type
    )
    size = value(size_field) if size_field else np.zeros(len(reps))
    delay = value(delay_field) if delay_field else np.zeros(len(reps))
    return ShockDraws(shock, index, begin, end, size, delay)


def max_extra_delay_days(draws_: Sequence[ShockDraws], network: Network) -> np.ndarray:
    """Upper bound per link of the days shocks can add to a shipment (sizes transit buffers)."""
    extra = np.zeros(len(network.links))
    for d in draws_:
        shock = d.shock
        for link in network.links:
            if isinstance(shock, ExportBan) and shock.applies_to(network, link.index):
                extra[link.index] += float(d.delay.max(initial=0.0))
            elif isinstance(shock, RouteClosure) and shock.chokepoint in link.chokepoints:
                longest = d.delay if shock.mode == "detour" else d.end - d.begin
                extra[link.index] += float(np.max(longest, initial=0.0))
    return extra
