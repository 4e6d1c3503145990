"""Deterministic shocks: what each selects, when it acts and what it changes.

A shock is active on the half-open interval [start, end) in simulation days. Its SimPy process
switches it on and off at those exact times; nodes see the change at their next review. While
shocks are active, `Modifiers` holds their combined effect: capacity factors per node (overlapping
losses multiply), the share of each link's orders that may pass export controls, the licence and
detour days added to shipments, the day until which a closed route holds shipments, and demand
factors per market.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
import simpy
from pydantic import Field, model_validator

from .network import KINDS, MarketSpec, Mineral, Network, NodeSpec
from .spec import Country, Day, Finite, Fraction, NonNegative, PositiveFraction, Spec

Stage = Literal["ore", "refined", "component"]


class ShockSpec(Spec):
    """Timing shared by every shock."""

    type: str = Field(description="Shock type.")
    name: str | None = Field(
        None, description="A label for tables and charts (default: type and position)."
    )
    start: Day = Field(
        description="When it starts: ISO date (YYYY-MM-DD) or day from the scenario start."
    )
    end: Day | None = Field(
        None,
        description="When it ends (exclusive): ISO date or day. Give "
        "`end` or `duration_days`, or neither to last to the horizon.",
    )
    duration_days: NonNegative | None = Field(None, description="How long it lasts, days.")
    source: str | None = Field(None, description="The real event or debate it represents.")

    @model_validator(mode="after")
    def _one_end(self) -> ShockSpec:
        if self.end is not None and self.duration_days is not None:
            raise ValueError("give either 'end' or 'duration_days', not both")
        return self

    def window(self, start_date: dt.date, horizon_days: float) -> tuple[float, float]:
        """[start, end) in days from the scenario start."""
        begin = to_day(self.start, start_date)
        if self.end is not None:
            return begin, to_day(self.end, start_date)
        if self.duration_days is not None:
            return begin, begin + self.duration_days
        return begin, float(horizon_days)


class Selector(Spec):
    """Chooses nodes: every criterion given must match; a list matches any of its entries."""

    nodes: tuple[str, ...] = Field((), description="Node names.")
    kinds: tuple[Literal[KINDS], ...] = Field((), description="Node kinds.")  # type: ignore[valid-type]
    countries: tuple[Country, ...] = Field((), description="ISO alpha-2 country codes.")
    regions: tuple[str, ...] = Field((), description="Regions (states, provinces).")
    minerals: tuple[Mineral, ...] = Field((), description="Minerals the node makes or uses.")

    @model_validator(mode="after")
    def _not_empty(self) -> Selector:
        if not (self.nodes or self.kinds or self.countries or self.regions or self.minerals):
            raise ValueError(
                "select by at least one of: nodes, kinds, countries, regions, minerals"
            )
        return self

    def matches(self, node: NodeSpec) -> bool:
        from .network import inputs, outputs

        minerals = {c[0] for c in inputs(node) + outputs(node)}
        return (
            (not self.nodes or node.name in self.nodes)
            and (not self.kinds or node.kind in self.kinds)
            and (not self.countries or node.country in self.countries)
            and (not self.regions or node.region in self.regions)
            and (not self.minerals or bool(minerals & set(self.minerals)))
        )

    def select(self, network: Network) -> list[str]:
        return [name for name, node in network.nodes.items() if self.matches(node)]


class ExportBan(ShockSpec):
    """A country stops (severity 1) or cuts (severity < 1) exports of a mineral."""

    type: Literal["export_ban"]
    country: Country = Field(description="Exporting country, ISO alpha-2.")
    mineral: Mineral = Field(description="Mineral whose exports are cut.")
    stage: Stage | None = Field(None, description="Only this stage (default: every stage).")
    severity: Fraction = Field(
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
    licence_delay_days: NonNegative = Field(
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
    fraction: PositiveFraction = Field(description="Share of capacity lost, (0-1].")


class RouteClosure(ShockSpec):
    """A chokepoint is closed: shipments through it wait for it to reopen, or detour."""

    type: Literal["route_closure"]
    chokepoint: str = Field(description="Chokepoint name as used on links, e.g. `malacca`.")
    mode: Literal["wait", "detour"] = Field(
        "detour",
        description="`wait`: shipments sent while it is closed leave when it reopens; "
        "`detour`: they take `detour_days` longer.",
    )
    detour_days: NonNegative = Field(0.0, description="Days a detour adds (mode `detour`).")


class DemandShock(ShockSpec):
    """Selected markets' demand is multiplied by a factor."""

    type: Literal["demand_shock"]
    select: Selector = Field(description="Which markets (kinds other than market are ignored).")
    factor: Annotated[Finite, Field(ge=0)] = Field(
        description="Demand multiplier, e.g. 1.3 for +30%."
    )


Shock = Annotated[
    ExportBan | CapacityLoss | RouteClosure | DemandShock, Field(discriminator="type")
]


def to_day(value: Day, start_date: dt.date) -> float:
    """Days from the scenario start for a day number or an ISO date."""
    if isinstance(value, dt.date):
        return float((value - start_date).days)
    return float(value)


def shock_label(shock: ShockSpec, index: int) -> str:
    return shock.name or f"{shock.type}#{index + 1}"


# ---------------------------------------------------------------------------------------------
# Runtime


@dataclass
class Modifiers:
    """The combined effect of the shocks active now. Arrays are indexed by link position."""

    network: Network
    capacity: dict[str, float] = field(default_factory=dict)
    demand: dict[str, float] = field(default_factory=dict)
    link_pass: np.ndarray = field(init=False)
    link_delay_days: np.ndarray = field(init=False)
    link_hold_until: np.ndarray = field(init=False)
    active: dict[int, ShockSpec] = field(default_factory=dict)
    windows: dict[int, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.recompute()

    def recompute(self) -> None:
        net = self.network
        n_links = len(net.links)
        self.capacity = {name: 1.0 for name in net.nodes}
        self.demand = {name: 1.0 for name in net.nodes}
        self.link_pass = np.ones(n_links)
        self.link_delay_days = np.zeros(n_links)
        self.link_hold_until = np.full(n_links, -np.inf)
        for index in sorted(self.active):
            shock = self.active[index]
            if isinstance(shock, CapacityLoss):
                for name in shock.select.select(net):
                    self.capacity[name] *= 1.0 - shock.fraction
            elif isinstance(shock, DemandShock):
                for name in shock.select.select(net):
                    if isinstance(net.nodes[name], MarketSpec):
                        self.demand[name] *= shock.factor
            elif isinstance(shock, ExportBan):
                for link in net.links:
                    if shock.applies_to(net, link.index):
                        self.link_pass[link.index] *= 1.0 - shock.severity
                        self.link_delay_days[link.index] += shock.licence_delay_days
            elif isinstance(shock, RouteClosure):
                for link in net.links:
                    if shock.chokepoint in link.chokepoints:
                        if shock.mode == "detour":
                            self.link_delay_days[link.index] += shock.detour_days
                        else:
                            end = self.windows[index][1]
                            self.link_hold_until[link.index] = max(
                                self.link_hold_until[link.index], end
                            )


def max_extra_delay_days(
    shocks: Sequence[ShockSpec], windows: Sequence[tuple[float, float]], network: Network
) -> np.ndarray:
    """Upper bound per link of the days shocks can add to a shipment (sizes transit buffers)."""
    extra = np.zeros(len(network.links))
    for shock, (begin, end) in zip(shocks, windows, strict=True):
        for link in network.links:
            if isinstance(shock, ExportBan) and shock.applies_to(network, link.index):
                extra[link.index] += shock.licence_delay_days
            elif isinstance(shock, RouteClosure) and shock.chokepoint in link.chokepoints:
                extra[link.index] += shock.detour_days if shock.mode == "detour" else end - begin
    return extra


def shock_process(
    env: simpy.Environment,
    index: int,
    shock: ShockSpec,
    window: tuple[float, float],
    modifiers: Modifiers,
    log: list[dict[str, Any]],
) -> Generator[simpy.Event, None, None]:
    """Switch one shock on at its start and off at its end (SimPy process)."""
    begin, end = window
    yield env.timeout(max(0.0, begin))
    modifiers.active[index] = shock
    modifiers.recompute()
    log.append({"day": env.now, "shock": shock_label(shock, index), "event": "start"})
    if end <= env.now or end == float("inf"):
        return
    yield env.timeout(end - env.now)
    del modifiers.active[index]
    modifiers.recompute()
    log.append({"day": env.now, "shock": shock_label(shock, index), "event": "end"})
