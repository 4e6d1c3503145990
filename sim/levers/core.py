"""Policy levers as declared in a scenario's `policies:` block (schema only; `policies.py`
compiles them into a variant of the scenario).

Costs are in US dollars over the horizon: holding a stockpile (per tonne-year held), capital of
new capacity and recycling plants, the cost of a demand-efficiency programme, and premiums per
tonne bought through diversified or contracted sourcing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.network import Mineral, MineSpec, PlantSpec, RecyclerSpec, RefinerySpec
from sim.scenario.selector import Selector
from sim.scenario.spec import Country, Day, Fraction, Name, NonNegative, Positive, Spec


class StockpileLever(Spec):
    """A country's strategic reserve of a refined mineral or component (JOGMEC model)."""

    type: Literal["stockpile"]
    country: Country = Field(description="Owner and where it is held.")
    mineral: Mineral = Field(description="The mineral held.")
    stage: Literal["refined", "component"] = Field("refined", description="The stage held.")
    days: Positive = Field(
        description="Size in days of the country's consumption of it "
        "(JOGMEC: 60, up to 180 for high-risk minerals)."
    )
    initial_fill: Fraction = Field(1.0, description="Share of the size filled at the start.")
    release_below_cover_days: NonNegative | None = Field(
        None,
        description="Releases to a buyer in the country whose cover falls below this "
        "many days (default: half the buyers' normal cover, so it is untouched in normal "
        "times).",
    )
    release_during: tuple[str, ...] = Field(
        (), description="Names of the scenario's shocks during which it also releases."
    )
    max_release_share: Positive | None = Field(
        None,
        description="Most it releases per day, as a share of the country's daily "
        "consumption (default: no limit).",
    )
    refill: bool = Field(
        True,
        description="Refill from the country's suppliers after a "
        "release, when no buyer is below the threshold.",
    )
    holding_cost_usd_per_t_year: NonNegative = Field(
        0.0, description="Storage and capital cost of holding a tonne for a year, USD."
    )


class LinkPlan(Spec):
    """A supply link of a new node."""

    node: Name = Field(description="The other end (a node of the network).")
    share: Fraction = Field(
        description="For `sells_to`: the share of that buyer's orders the "
        "new node takes (the buyer's other shares shrink in proportion). "
        "For `buys_from`: the share of the new node's orders."
    )
    transit_days: NonNegative = Field(0.0, description="Transit time, days.")
    chokepoints: tuple[str, ...] = Field((), description="Chokepoints passed.")


NewNode = Annotated[MineSpec | RefinerySpec | PlantSpec | RecyclerSpec, Field(discriminator="kind")]


class NewCapacity(Spec):
    """A new mine, refinery, plant or recycler: online on a date, ramping up, with its links."""

    type: Literal["new_capacity"]
    node: NewNode = Field(description="The new node, as in a network file.")
    online: Day = Field(description="When it starts producing: ISO date or day.")
    ramp_up_days: NonNegative = Field(
        0.0, description="Days from online to full capacity; its buyers' shares move with the ramp."
    )
    buys_from: list[LinkPlan] = Field([], description="Its suppliers (shares sum to 1).")
    sells_to: list[LinkPlan] = Field(
        [], description="Its buyers and the share of their orders it takes at full capacity."
    )
    capital_cost_usd: NonNegative = Field(0.0, description="Capital cost, USD.")


class DemandEfficiency(Spec):
    """Markets need less of a mineral per product unit from a date (thrifting, substitution)."""

    type: Literal["demand_efficiency"]
    select: Selector = Field(description="Which markets.")
    mineral: Mineral = Field(description="The mineral thrifted.")
    reduction: Fraction = Field(description="Share of kg per unit saved when phased in.")
    start: Day = Field(description="When the phase-in starts.")
    phase_in_days: NonNegative = Field(0.0, description="Days to reach the full reduction.")
    cost_usd: NonNegative = Field(0.0, description="Programme cost, USD.")


class Diversify(Spec):
    """A buyer caps the share from one supplier country and moves volume to alternatives."""

    type: Literal["diversify"]
    buyers: Selector = Field(description="Which buyer nodes.")
    mineral: Mineral = Field(description="The mineral sourced.")
    from_country: Country = Field(description="The country whose share is capped.")
    max_share: Fraction = Field(description="Largest share of the buyer's orders it may keep.")
    alternatives: tuple[Name, ...] = Field(
        description="Supplier nodes that take the volume moved, in equal parts."
    )
    start: Day = Field(0, description="When the buyer starts qualifying new suppliers.")
    qualification_days: NonNegative = Field(0.0, description="Days before the switch happens.")
    transit_days: NonNegative = Field(0.0, description="Transit time of new links, days.")
    premium_usd_per_t: NonNegative = Field(
        0.0, description="Extra price per tonne bought from the alternatives, USD."
    )


class Recycling(Spec):
    """Raise the collection of a market's end-of-life material into a (new) recycler."""

    type: Literal["recycling"]
    market: Name = Field(description="The market whose end-of-life flow is collected.")
    mineral: Mineral = Field(description="The mineral recovered.")
    collection_rate: Fraction = Field(description="New collection rate.")
    recycler: RecyclerSpec = Field(description="The recycler (new node) that recovers it.")
    share_of_collected: Fraction = Field(
        1.0,
        description="Share of the market's collected "
        "flow of the mineral it receives (existing recyclers "
        "keep the rest in proportion).",
    )
    supplies: list[LinkPlan] = Field(
        description="Buyers of the recovered material and the share of their orders it takes."
    )
    start: Day = Field(
        0,
        description="When collection starts to rise (0 with no ramp-up: in "
        "place from the start, part of the steady state).",
    )
    ramp_up_days: NonNegative = Field(
        0.0,
        description="Days for the collection rate, the "
        "recycler's capacity and its buyers' shares to reach "
        "their targets.",
    )
    capital_cost_usd: NonNegative = Field(0.0, description="Capital cost, USD.")


class PartnerPriority(Spec):
    """An offtake contract: a buyer country is served first by a supplier country when short."""

    type: Literal["partner_priority"]
    supplier_country: Country = Field(description="Where the contracted supply comes from.")
    buyer_country: Country = Field(description="Who is served first.")
    mineral: Mineral = Field(description="The mineral contracted.")
    contracted_tpa: Positive = Field(description="Contracted volume, t/year.")
    start: Day = Field(0, description="When the contract starts.")
    premium_usd_per_t: NonNegative = Field(
        0.0, description="Premium per tonne received under the contract, USD."
    )


Lever = Annotated[
    StockpileLever | NewCapacity | DemandEfficiency | Diversify | Recycling | PartnerPriority,
    Field(discriminator="type"),
]


class Policy(Spec):
    """A named set of levers compared with the baseline."""

    name: Name = Field(description="Policy name.")
    description: str = Field("", description="What it represents.")
    levers: list[Lever] = Field(min_length=1, description="The levers, applied together.")

    @model_validator(mode="after")
    def _not_baseline(self) -> Policy:
        if self.name == "baseline":
            raise ValueError("'baseline' is the scenario without policies; pick another name")
        return self
