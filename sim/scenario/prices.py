"""Prices driven by scarcity, and the responses to them (schema; the engine's side is
`sim/engine/prices.py`).

The price form (stated once, used everywhere). For a commodity on one side of the market
(the whole world, or inside / outside the country named in `split_by`):

    cover ratio  c(t) = [H(t) / H(0)] / [D(t) / D(0)]
    target price P*(t) = base x clip(c(t) ** -flexibility, 1 / max_multiple, max_multiple)
    price        P(t) = P(t - step) + (step / lag_days) x (P*(t) - P(t - step))

H is what the side holds of the mineral (node stocks at the priced stages plus what is in
transit toward its nodes), D the expected use of its markets (base demand x demand paths x
demand shocks x kg per unit now), both relative to the start, when the run is at its steady
state and the price is `base_usd_per_t`. `flexibility` is the price flexibility of the
stock-to-use ratio (the inverse of an elasticity of stock demand): 2 means 10% less cover
raises the target price by about 21%. The first-order lag (mean lag `lag_days`) stands for
contract repricing and thin spot trade.

Responses, each to the price on the side of the node it acts on, smoothed again with its own
`lag_days` (the response's delay), each switched on or off with `enabled`:

- demand: product demand x (P / base) ** elasticity (elasticity <= 0);
- substitution: kg per unit x (1 - max_reduction x ramp), ramp = clip((P / base - 1) /
  (full_at_multiple - 1), 0, 1), kept at its highest level unless `reversible` (recipes and
  tooling do not switch back at once); plants that supply the market change their recipe with
  it;
- restart: idle capacity restarts: availability moves from the node's own towards
  `availability` as P / base goes from `start_multiple` to `full_multiple`;
- recycling: collection rate x (P / base) ** elasticity, at most `max_rate`.

No elasticity is in the reference data (minerals-reference-2026.md, section 7: [GAP]); every
value in a scenario is therefore a declared assumption and belongs in its sensitivity table.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sim.scenario.errors import Problem
from sim.scenario.network import MarketSpec, Network, outputs
from sim.scenario.nodes import Mineral
from sim.scenario.selector import Selector
from sim.scenario.spec import (
    STAGES,
    AtMost,
    Country,
    DayCount,
    Fraction,
    Spec,
)
from sim.scenario.yamlio import Document
from sim.vocabulary import SCRAP

Flexibility = Annotated[
    float, Field(ge=0), AtMost(10, "", "a tenth less cover would multiply the price by 2.9")
]
Elasticity = Annotated[float, Field(ge=-5, le=0)]
SupplyElasticity = Annotated[float, Field(ge=0, le=5)]
Multiple = Annotated[float, Field(ge=1), AtMost(1000, "x", "a thousandfold price is no market")]
Stage = Annotated[str, Field(pattern="^(" + "|".join(s for s in STAGES if s != SCRAP) + ")$")]


class CommodityPrice(Spec):
    """The price of one mineral, driven by how much of it the market holds."""

    mineral: Mineral = Field(description="The mineral priced.")
    stages: tuple[Stage, ...] = Field(
        (),
        description="Stages whose stocks count as what the market holds (ore, refined, "
        "component); default: every stage.",
    )
    base_usd_per_t: Annotated[float, Field(gt=0)] = Field(
        description="Price at the start (steady state), USD per t of contained mineral."
    )
    flexibility: Flexibility = Field(
        description="Price flexibility of the cover ratio: P* = base x ratio^-flexibility."
    )
    max_multiple: Multiple = Field(
        20.0, description="The target price stays within base / max and base x max."
    )
    lag_days: DayCount = Field(30.0, description="Mean lag of the price behind its target, days.")
    split_by: Country | None = Field(
        None,
        description="A separate price inside this country and outside it (where an export "
        "control splits the market); default: one world price.",
    )
    source: str = Field("", description="Sources of the base price; assumptions stated.")

    @property
    def sides(self) -> tuple[str, ...]:
        """Names of its sides: 'world', or the country and 'outside <country>'."""
        if self.split_by is None:
            return ("world",)
        return (self.split_by, f"outside {self.split_by}")

    def side_of(self, country: str) -> str:
        if self.split_by is None:
            return "world"
        return self.split_by if country == self.split_by else f"outside {self.split_by}"


class Response(Spec):
    """What every response has: the mineral whose price it follows, a delay and a switch."""

    mineral: Mineral = Field(description="The mineral whose price it responds to.")
    lag_days: DayCount = Field(
        180.0, description="Mean delay of the response behind the price, days."
    )
    enabled: bool = Field(True, description="Switch the response off without deleting it.")
    source: str = Field("", description="Source of its strength, or 'assumption'.")


class DemandResponse(Response):
    """Product demand falls as the mineral's price rises."""

    markets: Selector = Field(description="Which markets.")
    elasticity: Elasticity = Field(
        description="Elasticity of product demand to the mineral price (-0.05: +100% price "
        "gives -3.4% demand)."
    )


class Substitution(Response):
    """Markets switch to recipes that need less of the mineral as its price rises (LFP for NMC,
    grain-boundary-diffused or Dy-free magnets, ferrite or induction motors)."""

    markets: Selector = Field(description="Which markets.")
    max_reduction: Fraction = Field(description="Share of kg per unit saved at the full switch.")
    full_at_multiple: Annotated[float, Field(gt=1, le=1000)] = Field(
        description="Price multiple at which the full switch is reached (linear from 1x)."
    )
    reversible: bool = Field(
        False, description="Switch back when the price falls (default: the switch stays)."
    )


class Restart(Response):
    """Idle capacity restarts as the price rises."""

    nodes: Selector = Field(description="Which mines, refineries or recyclers.")
    availability: Fraction = Field(1.0, description="Availability reached at the full restart.")
    start_multiple: Multiple = Field(1.5, description="Price multiple at which restarts begin.")
    full_multiple: Multiple = Field(3.0, description="Price multiple of the full restart.")

    @model_validator(mode="after")
    def _ordered(self) -> Restart:
        if self.full_multiple <= self.start_multiple:
            raise ValueError(
                f"full_multiple ({self.full_multiple:g}) must be above start_multiple "
                f"({self.start_multiple:g})"
            )
        return self


class RecyclingResponse(Response):
    """End-of-life collection rises with the price."""

    markets: Selector = Field(description="Which markets' end-of-life products.")
    elasticity: SupplyElasticity = Field(
        description="Elasticity of the collection rate to the price (0.3: +100% gives +23%)."
    )
    max_rate: Fraction = Field(0.9, description="Highest collection rate reached.")


class Prices(Spec):
    """Prices per commodity and the responses to them (see the price form in the format
    reference and `sim/scenario/prices.py`)."""

    commodities: list[CommodityPrice] = Field([], description="The priced minerals.")
    demand: list[DemandResponse] = Field([], description="Demand destruction.")
    substitution: list[Substitution] = Field([], description="Recipe switches.")
    restart: list[Restart] = Field([], description="Idle capacity restarting.")
    recycling: list[RecyclingResponse] = Field([], description="Collection responding to price.")

    @property
    def any(self) -> bool:
        return bool(self.commodities)

    def responses(self) -> list[tuple[str, int, Response]]:
        """(kind, position, response) of every response, switched on or off."""
        groups: list[tuple[str, list[Response]]] = [
            ("demand", list(self.demand)),
            ("substitution", list(self.substitution)),
            ("restart", list(self.restart)),
            ("recycling", list(self.recycling)),
        ]
        return [(kind, i, r) for kind, entries in groups for i, r in enumerate(entries)]


def check(prices: Prices, network: Network, doc: Document) -> list[Problem]:
    """Each mineral priced once and used by the network; each response follows a priced
    mineral and selects nodes it can act on."""
    problems: list[Problem] = []
    priced: dict[str, int] = {}
    used = set(network.minerals)
    for i, c in enumerate(prices.commodities):
        here = doc.where(("prices", "commodities", i, "mineral"))
        if c.mineral in priced:
            problems.append(Problem(here, f"{c.mineral} is priced twice", "one entry per mineral"))
        elif c.mineral not in used:
            problems.append(
                Problem(
                    here,
                    f"no node of the network makes or uses {c.mineral}",
                    "one of " + ", ".join(sorted(used)),
                )
            )
        priced.setdefault(c.mineral, i)
    for kind, i, response in prices.responses():
        at = ("prices", kind, i)
        if response.mineral not in priced:
            problems.append(
                Problem(
                    doc.where((*at, "mineral")),
                    f"the {kind} response follows the price of {response.mineral}, "
                    "which is not priced",
                    "a mineral under prices.commodities: "
                    + (", ".join(priced) if priced else "(none yet)"),
                )
            )
        if not acted_on(kind, response, network):
            problems.append(
                Problem(
                    doc.where(at),
                    f"this {kind} response selects nothing it can act on",
                    "markets that use the mineral"
                    if kind != "restart"
                    else "mines, refineries or recyclers that make the mineral",
                )
            )
    return problems


def acted_on(kind: str, response: Response, network: Network) -> list[str]:
    """The nodes a response acts on: markets that use its mineral, or producers of it."""
    if isinstance(response, Restart):
        return [
            n
            for n in response.nodes.select(network)
            if network.nodes[n].kind in ("mine", "refinery", "recycler")
            and response.mineral in {c[0] for c in outputs(network.nodes[n])}
        ]
    selector = response.markets  # type: ignore[attr-defined]
    return [
        n
        for n in selector.select(network)
        if isinstance(node := network.nodes[n], MarketSpec)
        and response.mineral in node.intensity_kg_per_unit
    ]
