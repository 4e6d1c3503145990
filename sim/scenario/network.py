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
from typing import Annotated, Literal, TypeVar

from pydantic import Field, field_validator, model_validator

from sim.scenario.spec import (
    MINERALS,
    Country,
    Fraction,
    Name,
    NonNegative,
    Positive,
    PositiveFraction,
    Spec,
)
from sim.vocabulary import COMPONENT, ORE, REFINED, SCRAP

Mineral = Literal[MINERALS]  # type: ignore[valid-type]
T = TypeVar("T")
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
    cover_days: NonNegative = Field(
        30.0,
        description="Target inventory, in days of the node's expected use (buyers: of its "
        "input; producers: of its expected shipments). The engine starts every node at this "
        "cover, with pipelines full, so that a run without shocks starts at steady state.",
    )
    source: str | None = Field(None, description="Where the node's numbers come from.")


COPRODUCTS_DOC = (
    "Co-production instead of one `mineral`: the mass share of each mineral in the output "
    "(sums to 1), e.g. {example}: they are made together at these ratios, so cutting one frees "
    "none of the others and more of one comes only with more of the rest (output follows the "
    "most-needed one; the others build up in stock)."
)


def _check_products(node: MineSpec | RefinerySpec) -> None:
    """Exactly one of `mineral` and `coproducts`; co-product shares sum to 1."""
    if (node.mineral is None) == (node.coproducts is None):
        raise ValueError("give either `mineral` or `coproducts` (one of them)")
    if node.coproducts is not None:
        _shares_sum_to_one(node.coproducts, "{ndpr: 0.2, dytb: 0.02, lace: 0.78}")


def _shares_sum_to_one(shares: dict[str, float], example: str) -> dict[str, float]:
    if not shares:
        raise ValueError(f"needs at least one mineral, e.g. {example}")
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"shares must sum to 1, they sum to {total:g}")
    return shares


class MineSpec(NodeSpec):
    """A mine: draws ore from outside the system boundary, up to its capacity."""

    kind: Literal["mine"]
    mineral: Mineral | None = Field(None, description="The mineral mined (or `coproducts`).")
    coproducts: dict[Mineral, PositiveFraction] | None = Field(
        None, description=COPRODUCTS_DOC.format(example="a rare-earth deposit's basket")
    )
    capacity_tpa: NonNegative = Field(
        description="Output capacity, t contained mineral per year (sum over co-products)."
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")

    @model_validator(mode="after")
    def _one_product(self) -> MineSpec:
        _check_products(self)
        return self


class RefinerySpec(NodeSpec):
    """A refinery: ore -> refined, with a recovery yield; the rest is a process loss."""

    kind: Literal["refinery"]
    mineral: Mineral | None = Field(None, description="The mineral refined (or `coproducts`).")
    coproducts: dict[Mineral, PositiveFraction] | None = Field(
        None,
        description=COPRODUCTS_DOC.format(example="a separation plant's output")
        + " Its ore feed is used in the same proportions; feed of one element beyond them "
        "waits in its input stock.",
    )
    capacity_tpa: NonNegative = Field(
        description="Output capacity, t refined (contained) per year (sum over co-products)."
    )

    @model_validator(mode="after")
    def _one_product(self) -> RefinerySpec:
        _check_products(self)
        return self

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
    capacity_tpa: NonNegative = Field(
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
    def _recipe_sums_to_one(cls, recipe: dict[str, float]) -> dict[str, float]:
        return _shares_sum_to_one(recipe, "{rare_earths: 1.0}")


class RecyclerSpec(NodeSpec):
    """A recycler: collected end-of-life scrap -> refined, with a recovery yield."""

    kind: Literal["recycler"]
    mineral: Mineral = Field(description="The mineral recovered.")
    capacity_tpa: NonNegative = Field(description="Output capacity, t refined per year.")
    yield_: PositiveFraction = Field(
        0.9, alias="yield", description="t refined out per t scrap in."
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")


class MarketSpec(NodeSpec):
    """A demand sector in a country, e.g. EVs in Japan. Demand is in product units."""

    kind: Literal["market"]
    sector: str = Field(description="Demand sector, e.g. `ev`, `semiconductor`, `wind`.")
    unit: str = Field("unit", description="Product unit, e.g. `vehicle`, `wafer`, `MW`.")
    demand_units_per_year: NonNegative = Field(description="Product units demanded per year.")
    intensity_kg_per_unit: dict[Mineral, Positive] = Field(
        description="kg of each contained mineral (in components) per product unit."
    )
    unmet: Literal["lost", "backlog"] = Field(
        "lost", description="`lost`: unmet demand is a lost sale; `backlog`: it waits."
    )
    lifetime_years: Positive = Field(
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


class StockpileSpec(NodeSpec):
    """A strategic reserve owned by a country; it ships only when a buyer it serves runs low."""

    kind: Literal["stockpile"]
    mineral: Mineral = Field(description="The mineral held.")
    stage: Literal["refined", "component"] = Field("refined", description="The stage held.")
    initial_t: NonNegative = Field(description="Stock at the start, t contained.")
    target_t: NonNegative | None = Field(
        None, description="Level it refills to from its suppliers (default: `initial_t`)."
    )
    release_below_cover_days: NonNegative = Field(
        15.0, description="Releases to a buyer whose on-hand cover falls below this many days."
    )
    max_release_tpd: Positive | None = Field(
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
    transit_days: NonNegative = Field(0.0, description="Transit time, days.")
    chokepoints: tuple[str, ...] = Field(
        (), description="Straits or routes passed, e.g. `[malacca]`."
    )
    flex: NonNegative | None = Field(
        None,
        description="Contract flexibility: the most a buyer may order on this link per review "
        "above its contracted (normal, shock-free) flow, as a share of it (0.2: up to 120%). "
        "Orders beyond it are spot requests, served only from the supplier's uncommitted "
        "stock and capacity after every contract. Default: the network's `contract_flex`, "
        "else no limit (every order counts as contracted).",
    )
    source: str | None = Field(None, description="Where the link's numbers come from.")


# ---------------------------------------------------------------------------------------------
# The resolved network: plain data the engine reads, with expected (steady-state) flows.

OUTPUT_STAGE = {
    "mine": ORE,
    "refinery": REFINED,
    "recycler": REFINED,
    "plant": COMPONENT,
    "market": SCRAP,
}
INPUT_STAGE = {"refinery": ORE, "recycler": SCRAP, "plant": REFINED, "market": COMPONENT}


def outputs(node: NodeSpec) -> list[Commodity]:
    """Commodities a node can ship."""
    if isinstance(node, StockpileSpec):
        return [(node.mineral, node.stage)]
    if isinstance(node, PlantSpec):
        return [(m, COMPONENT) for m in node.recipe]
    if isinstance(node, MarketSpec):
        return [(m, SCRAP) for m in node.intensity_kg_per_unit]
    assert isinstance(node, MineSpec | RefinerySpec | RecyclerSpec)
    return [(m, OUTPUT_STAGE[node.kind]) for m in basket(node)]


def inputs(node: NodeSpec) -> list[Commodity]:
    """Commodities a node can receive."""
    if isinstance(node, StockpileSpec):
        return [(node.mineral, node.stage)]
    if isinstance(node, PlantSpec):
        return [(m, REFINED) for m in node.recipe]
    if isinstance(node, MarketSpec):
        return [(m, COMPONENT) for m in node.intensity_kg_per_unit]
    if isinstance(node, MineSpec):
        return []
    assert isinstance(node, RefinerySpec | RecyclerSpec)
    return [(m, INPUT_STAGE[node.kind]) for m in basket(node)]


def basket(node: NodeSpec) -> dict[str, float]:
    """Mass share of each mineral in what a producing node makes: a plant's recipe, a mine's
    or refinery's co-products, else its one mineral with share 1."""
    if isinstance(node, PlantSpec):
        return dict(node.recipe)
    coproducts = getattr(node, "coproducts", None)
    if coproducts:
        return dict(coproducts)
    mineral = getattr(node, "mineral", None)
    return {mineral: 1.0} if mineral is not None else {}


def is_joint(node: NodeSpec) -> bool:
    """Whether a node makes several minerals together (a plant, or a co-producing mine or
    refinery): its output follows the most-needed one and its inputs are used in proportion."""
    return isinstance(node, PlantSpec) or bool(getattr(node, "coproducts", None))


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
    flex: float = math.inf
    """Contract flexibility (share above the contracted flow a buyer may order); inf: none."""

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
        if is_joint(node) and not isinstance(node, MineSpec):
            share = basket(node)[mineral]
            return joint_rate_tpd(self, node) * share / node.yield_  # type: ignore[attr-defined]
        if isinstance(node, RefinerySpec | RecyclerSpec):
            return self.expected_out_tpd(name, outputs(node)[0]) / node.yield_
        return 0.0  # mines draw from outside; stockpiles refill only to their target


def joint_rate_tpd(network: Network, node: NodeSpec) -> float:
    """Expected total output of a node that makes several minerals together, t/day: enough for
    its most-demanded one (a plant's recipe, a mine's or refinery's co-products)."""
    shares = basket(node)
    return max(
        (network.expected_out_tpd(node.name, c) / shares[c[0]] for c in outputs(node)),
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
            consumption = network.expected_use_tpd(market.name, (link.mineral, COMPONENT))
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


def expand_links(
    nodes: dict[str, NodeSpec], specs: Iterable[tuple[LinkSpec, T]]
) -> list[tuple[LinkSpec, T]]:
    """A link with no `mineral` whose supplier makes several minerals that its buyer uses (a
    co-producing mine feeding a separation plant, a plant feeding a market) carries each of
    them: one link per mineral, with the same share and transit. Others are kept as given;
    links naming unknown nodes are left for `checks.check_links` to report."""
    out: list[tuple[LinkSpec, T]] = []
    for spec, tag in specs:
        supplier, buyer = nodes.get(spec.from_), nodes.get(spec.to)
        if spec.mineral is not None or supplier is None or buyer is None:
            out.append((spec, tag))
            continue
        used = set(inputs(buyer))
        common = [m for m, stage in outputs(supplier) if (m, stage) in used]
        if len(common) < 2:
            out.append((spec, tag))
            continue
        out += [(spec.model_copy(update={"mineral": m}), tag) for m in common]
    return out


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
                math.inf if spec.flex is None else spec.flex,
            )
        )
    return links


def transit_periods(days: float, step_days: int) -> int:
    """Reviews a shipment spends in transit: usable at the first review at or after arrival,
    and never at the review it was sent in."""
    return max(1, math.ceil(days / step_days - 1e-9))
