"""The network definition: nodes, links, places and chokepoints. No behaviour lives here.

Units: every mass is tonnes (t) of *contained* mineral; rates are tonnes per year (tpa) in the input
and tonnes per day inside the engine; times are days. A commodity is a (mineral, stage) pair and
the stage a node makes follows from its kind (mine -> ore, refinery and recycler -> refined,
plant -> component, market -> scrap, stockpile -> the stage it holds).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.spec import (
    MINERALS,
    Country,
    CoverDays,
    Fraction,
    KgPerUnit,
    Name,
    PositiveFraction,
    Spec,
    Tonnes,
    TonnesPerDay,
    TonnesPerYear,
    TransitDays,
    UnitsPerYear,
    Years,
)

Mineral = Literal[MINERALS]  # type: ignore[valid-type]
MAX_DEMAND_TPA = 1e9
"""A market's yearly use of a mineral, t: the capacity limit (`TonnesPerYear`)."""
Commodity = tuple[str, str]
"""(mineral, stage)."""


class NodeSpec(Spec):
    """Fields every node has."""

    name: Name = Field(description="Unique node name (letters, digits, `_`, `-`, `.`).")
    kind: str = Field(
        description="Node kind: mine, refinery, plant, recycler, market or stockpile."
    )
    country: Country = Field(
        description="ISO 3166 alpha-2 code of the country the node is in "
        "(XA-XZ for aggregates such as the rest of the world)."
    )
    region: str | None = Field(None, description="State or province, e.g. `Odisha`.")
    cover_days: CoverDays = Field(
        30.0,
        description="Target inventory, in days of the node's expected use (buyers: of its "
        "input; producers: of its expected shipments). The engine starts every node at this "
        "cover, with pipelines full, so that a run without shocks starts at steady state.",
    )
    source: str | None = Field(None, description="Where the node's numbers come from.")


class MineSpec(NodeSpec):
    """A mine: draws ore from outside the system boundary, up to its capacity."""

    kind: Literal["mine"]
    mineral: Mineral = Field(description="The mineral mined.")
    capacity_tpa: TonnesPerYear = Field(
        description="Output capacity, t contained mineral per year."
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")


class RefinerySpec(NodeSpec):
    """A refinery: ore -> refined, with a recovery yield; the rest is a process loss."""

    kind: Literal["refinery"]
    mineral: Mineral = Field(description="The mineral refined.")
    capacity_tpa: TonnesPerYear = Field(
        description="Output capacity, t refined (contained) per year."
    )
    yield_: PositiveFraction = Field(
        0.95,
        alias="yield",
        description="Recovery yield: t refined out per t contained in ore in (0-1].",
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")


class PlantSpec(NodeSpec):
    """A component plant: refined minerals -> component in fixed proportions (a recipe)."""

    kind: Literal["plant"]
    product: str = Field("component", description="What it makes, e.g. `NdFeB magnet`.")
    recipe: dict[Mineral, PositiveFraction] = Field(
        description="Mass share of each mineral in the contained-mineral content of the output "
        "(sums to 1). A magnet plant: `{rare_earths: 1.0}`."
    )
    capacity_tpa: TonnesPerYear = Field(
        description="Output capacity, t contained minerals per year (sum over the recipe)."
    )
    yield_: PositiveFraction = Field(
        0.95,
        alias="yield",
        description="Share of refined input that "
        "ends in the component; the rest is a process loss.",
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")

    @field_validator("recipe")
    @classmethod
    def _shares_sum_to_one(cls, recipe: dict[str, float]) -> dict[str, float]:
        if not recipe:
            raise ValueError("needs at least one mineral, e.g. {rare_earths: 1.0}")
        total = sum(recipe.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, they sum to {total:g}")
        return recipe


class RecyclerSpec(NodeSpec):
    """A recycler: collected end-of-life scrap -> refined, with a recovery yield."""

    kind: Literal["recycler"]
    mineral: Mineral = Field(description="The mineral recovered.")
    capacity_tpa: TonnesPerYear = Field(description="Output capacity, t refined per year.")
    yield_: PositiveFraction = Field(
        0.9, alias="yield", description="t refined out per t scrap in."
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")


class MarketSpec(NodeSpec):
    """A demand sector in a country, e.g. EVs in Japan. Demand is in product units."""

    kind: Literal["market"]
    sector: str = Field(description="Demand sector, e.g. `ev`, `semiconductor`, `wind`.")
    unit: str = Field("unit", description="Product unit, e.g. `vehicle`, `wafer`, `MW`.")
    demand_units_per_year: UnitsPerYear = Field(description="Product units demanded per year.")
    intensity_kg_per_unit: dict[Mineral, KgPerUnit] = Field(
        description="kg of each contained mineral (in components) per product unit."
    )
    unmet: Literal["lost", "backlog"] = Field(
        "lost", description="`lost`: unmet demand is a lost sale; `backlog`: it waits."
    )
    lifetime_years: Years = Field(
        12.0,
        description="Product lifetime in years; material returns as end-of-life flow after it.",
    )
    collection_rate: Fraction = Field(
        0.0,
        description="Share of end-of-life material collected "
        "and sent to recyclers; the rest leaves the system.",
    )
    eol_history_share: Fraction = Field(
        0.0,
        description="End-of-life flow from products sold before the start, as a share of "
        "today's consumption (0: no legacy products return within the horizon).",
    )

    @field_validator("intensity_kg_per_unit")
    @classmethod
    def _not_empty(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("needs at least one mineral, e.g. {rare_earths: 0.5}")
        return value

    @model_validator(mode="after")
    def _demand_in_range(self) -> MarketSpec:
        for mineral, kg in self.intensity_kg_per_unit.items():
            tpa = self.demand_units_per_year * kg / 1e3
            if tpa > MAX_DEMAND_TPA:
                raise ValueError(
                    f"demand of {tpa:.3g} t/yr of {mineral} (demand_units_per_year x "
                    f"intensity_kg_per_unit / 1000) is above the limit of {MAX_DEMAND_TPA:g} "
                    "t/yr, the most any capacity can be"
                )
        return self


class StockpileSpec(NodeSpec):
    """A strategic reserve owned by a country; it ships only when a buyer it serves runs low."""

    kind: Literal["stockpile"]
    mineral: Mineral = Field(description="The mineral held.")
    stage: Literal["refined", "component"] = Field("refined", description="The stage held.")
    initial_t: Tonnes = Field(description="Stock at the start, t contained.")
    target_t: Tonnes | None = Field(
        None, description="Level it refills to from its suppliers (default: `initial_t`)."
    )
    release_below_cover_days: CoverDays = Field(
        15.0, description="Releases to a buyer whose on-hand cover falls below this many days."
    )
    max_release_tpd: TonnesPerDay | None = Field(
        None, description="Most it can release per day, t/day (default: no limit)."
    )
    release_during: tuple[str, ...] = Field(
        (),
        description="Names of shocks during which it also releases, to keep its buyers "
        "at their normal cover (whatever their cover).",
    )


Producer = MineSpec | RefinerySpec | RecyclerSpec | PlantSpec
"""Nodes with a capacity that make something."""

NodeUnion = Annotated[
    MineSpec | RefinerySpec | PlantSpec | RecyclerSpec | MarketSpec | StockpileSpec,
    Field(discriminator="kind"),
]
KINDS = ("mine", "refinery", "plant", "recycler", "market", "stockpile")
Kind = Literal[KINDS]  # type: ignore[valid-type]


class LinkSpec(Spec):
    """A supply relationship: `from` ships one commodity to `to`."""

    from_: Name = Field(alias="from", description="Supplier node name.")
    to: Name = Field(description="Buyer node name.")
    mineral: Mineral | None = Field(
        None,
        description="Mineral shipped; needed only when the supplier makes several that "
        "the buyer uses.",
    )
    share: Fraction = Field(
        1.0,
        description="Share of the buyer's orders of this commodity placed with this "
        "supplier; a buyer's shares sum to 1 per commodity. For end-of-life links (market -> "
        "recycler) the share of the collected flow. Ignored on links from a stockpile.",
    )
    transit_days: TransitDays = Field(0.0, description="Transit time, days.")
    chokepoints: tuple[str, ...] = Field(
        (), description="Straits or routes passed, e.g. `[malacca]`."
    )
    source: str | None = Field(None, description="Where the link's numbers come from.")


# ---------------------------------------------------------------------------------------------
# The resolved network: plain data the engine reads, with expected (steady-state) flows.

OUTPUT_STAGE = {
    "mine": "ore",
    "refinery": "refined",
    "recycler": "refined",
    "plant": "component",
    "market": "scrap",
}
INPUT_STAGE = {"refinery": "ore", "recycler": "scrap", "plant": "refined", "market": "component"}


def outputs(node: NodeSpec) -> list[Commodity]:
    """Commodities a node can ship."""
    if isinstance(node, StockpileSpec):
        return [(node.mineral, node.stage)]
    if isinstance(node, PlantSpec):
        return [(m, "component") for m in node.recipe]
    if isinstance(node, MarketSpec):
        return [(m, "scrap") for m in node.intensity_kg_per_unit]
    assert isinstance(node, MineSpec | RefinerySpec | RecyclerSpec)
    return [(node.mineral, OUTPUT_STAGE[node.kind])]


def inputs(node: NodeSpec) -> list[Commodity]:
    """Commodities a node can receive."""
    if isinstance(node, StockpileSpec):
        return [(node.mineral, node.stage)]
    if isinstance(node, PlantSpec):
        return [(m, "refined") for m in node.recipe]
    if isinstance(node, MarketSpec):
        return [(m, "component") for m in node.intensity_kg_per_unit]
    if isinstance(node, MineSpec):
        return []
    assert isinstance(node, RefinerySpec | RecyclerSpec)
    return [(node.mineral, INPUT_STAGE[node.kind])]


@dataclass(frozen=True)
class Link:
    """A resolved link: its commodity is known and its index is its position in `Network.links`."""

    index: int
    supplier: str
    buyer: str
    mineral: str
    stage: str
    share: float
    transit_days: float
    chokepoints: tuple[str, ...]

    @property
    def commodity(self) -> Commodity:
        return (self.mineral, self.stage)

    @property
    def label(self) -> str:
        return f"{self.supplier}->{self.buyer}:{self.mineral}"


@dataclass
class Network:
    """Nodes and links with graph queries and the expected daily flows of a shock-free world."""

    nodes: dict[str, NodeSpec]
    links: list[Link]
    out_links: dict[str, list[Link]] = field(default_factory=dict)
    in_links: dict[str, list[Link]] = field(default_factory=dict)
    expected_link_tpd: list[float] = field(default_factory=list)
    """Expected flow on each link, t/day, from base demand propagated upstream."""

    def __post_init__(self) -> None:
        self.out_links = {n: [] for n in self.nodes}
        self.in_links = {n: [] for n in self.nodes}
        for link in self.links:
            self.out_links[link.supplier].append(link)
            self.in_links[link.buyer].append(link)
        self.expected_link_tpd = expected_flows(self)

    def with_shares(self, shares: dict[int, float]) -> Network:
        """The same network with some links' shares changed (by link index)."""
        links = [dataclasses.replace(k, share=shares.get(k.index, k.share)) for k in self.links]
        return Network(self.nodes, links)

    @property
    def minerals(self) -> list[str]:
        found = {c[0] for node in self.nodes.values() for c in outputs(node) + inputs(node)}
        return [m for m in MINERALS if m in found]

    def of_kind(self, kind: str) -> list[NodeSpec]:
        return [n for n in self.nodes.values() if n.kind == kind]

    def supply_links(self, buyer: str, commodity: Commodity) -> list[Link]:
        """Links on which `buyer` orders `commodity` (stockpile links excluded)."""
        return [
            link
            for link in self.in_links[buyer]
            if link.commodity == commodity
            and not isinstance(self.nodes[link.supplier], StockpileSpec)
        ]

    def expected_out_tpd(self, name: str, commodity: Commodity) -> float:
        """Expected shipments of `commodity` from `name`, t/day."""
        return sum(
            self.expected_link_tpd[link.index]
            for link in self.out_links[name]
            if link.commodity == commodity
        )

    def expected_use_tpd(self, name: str, commodity: Commodity) -> float:
        """Expected use of input `commodity` at `name`, t/day (what its suppliers must ship)."""
        node = self.nodes[name]
        mineral = commodity[0]
        if isinstance(node, MarketSpec):
            return node.demand_units_per_year / 365.0 * node.intensity_kg_per_unit[mineral] / 1e3
        if isinstance(node, PlantSpec):
            return plant_rate_tpd(self, node) * node.recipe[mineral] / node.yield_
        if isinstance(node, RefinerySpec | RecyclerSpec):
            return self.expected_out_tpd(name, outputs(node)[0]) / node.yield_
        return 0.0  # mines draw from outside; stockpiles refill only to their target


def plant_rate_tpd(network: Network, plant: PlantSpec) -> float:
    """Expected total output of a plant, t/day, enough for its most-demanded mineral."""
    return max(
        (network.expected_out_tpd(plant.name, c) / plant.recipe[c[0]] for c in outputs(plant)),
        default=0.0,
    )


# Upstream order in which expected flows are known: buyers before their suppliers.
_PROPAGATION_ORDER = ("market", "stockpile", "plant", "refinery", "recycler")


def expected_flows(network: Network) -> list[float]:
    """Expected t/day on each link: each buyer's expected use split by sourcing share.

    End-of-life links (market -> recycler) carry the steady legacy flow
    (consumption x eol_history_share x collection_rate x share).
    """
    flows = [0.0] * len(network.links)
    network.expected_link_tpd = flows  # filled in place, read by expected_out_tpd below
    # Component stockpiles sit between plants and markets: propagate markets first, then
    # stockpiles (which expect no use), then plants, refineries and recyclers.
    for kind in _PROPAGATION_ORDER:
        for node in network.of_kind(kind):
            for commodity in inputs(node):
                use = network.expected_use_tpd(node.name, commodity)
                for link in network.supply_links(node.name, commodity):
                    flows[link.index] = use * link.share
    for market in network.of_kind("market"):
        assert isinstance(market, MarketSpec)
        for link in network.out_links[market.name]:
            consumption = network.expected_use_tpd(market.name, (link.mineral, "component"))
            flows[link.index] = (
                consumption * market.eol_history_share * market.collection_rate * link.share
            )
    return flows


def link_mineral(supplier: NodeSpec, buyer: NodeSpec, given: str | None) -> str | None:
    """The mineral a link carries: as given, else the only one the supplier makes, else the
    only one both ends handle; None when that is ambiguous."""
    if given is not None:
        return given
    made = [m for m, _ in outputs(supplier)]
    if len(made) == 1:
        return made[0]
    common = [m for m in made if m in {c[0] for c in inputs(buyer)}]
    return common[0] if len(common) == 1 else None


def resolve_links(nodes: dict[str, NodeSpec], specs: Iterable[LinkSpec]) -> list[Link]:
    """Turn link specs into links with a known commodity; assumes `checks` passed."""
    links = []
    for i, spec in enumerate(specs):
        supplier = nodes[spec.from_]
        mineral = link_mineral(supplier, nodes[spec.to], spec.mineral)
        assert mineral is not None
        stage = next(s for m, s in outputs(supplier) if m == mineral)
        links.append(
            Link(
                i,
                spec.from_,
                spec.to,
                mineral,
                stage,
                spec.share,
                spec.transit_days,
                tuple(spec.chokepoints),
            )
        )
    return links


def transit_periods(days: float, step_days: int) -> int:
    """Reviews a shipment spends in transit: usable at the first review at or after arrival,
    and never at the review it was sent in."""
    return max(1, math.ceil(days / step_days - 1e-9))
