"""The network definition: links, and the resolved network with its expected flows (the node
kinds are in `nodes.py`). No behaviour lives here.

Units: every mass is tonnes (t) of *contained* mineral; rates are tonnes per year (tpa) in the input
and tonnes per day inside the engine; times are days.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from pydantic import Field

# The node kinds live in `nodes.py`; re-exported here, where a network's readers look for them.
from sim.scenario.nodes import COPRODUCTS_DOC as COPRODUCTS_DOC
from sim.scenario.nodes import INPUT_STAGE as INPUT_STAGE
from sim.scenario.nodes import KINDS as KINDS
from sim.scenario.nodes import OUTPUT_STAGE as OUTPUT_STAGE
from sim.scenario.nodes import Commodity as Commodity
from sim.scenario.nodes import Kind as Kind
from sim.scenario.nodes import MarketSpec as MarketSpec
from sim.scenario.nodes import Mineral as Mineral
from sim.scenario.nodes import MineSpec as MineSpec
from sim.scenario.nodes import NodeSpec as NodeSpec
from sim.scenario.nodes import NodeUnion as NodeUnion
from sim.scenario.nodes import PlantSpec as PlantSpec
from sim.scenario.nodes import Producer as Producer
from sim.scenario.nodes import RecyclerSpec as RecyclerSpec
from sim.scenario.nodes import RefinerySpec as RefinerySpec
from sim.scenario.nodes import StockpileSpec as StockpileSpec
from sim.scenario.nodes import basket as basket
from sim.scenario.nodes import inputs as inputs
from sim.scenario.nodes import is_joint as is_joint
from sim.scenario.nodes import link_commodity as link_commodity
from sim.scenario.nodes import outputs as outputs
from sim.scenario.nodes import scrap_outputs as scrap_outputs
from sim.scenario.secondary import SecondaryFlows
from sim.scenario.spec import MINERALS, Fraction, Name, NonNegative, Spec, TransitDays
from sim.vocabulary import COMPONENT, SCRAP

T = TypeVar("T")


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

    def with_shares(self, shares: Mapping[int, float | np.ndarray]) -> Network:
        """The same network with some links' shares changed (by link index). A share may be
        an array over replications (announced projects, `sim.engine.world`): expected flows
        and everything planned from them are then per replication too."""
        links = [
            dataclasses.replace(k, share=shares.get(k.index, k.share))  # type: ignore[arg-type]
            for k in self.links
        ]
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
    rates = [network.expected_out_tpd(node.name, c) / shares[c[0]] for c in outputs(node)]
    if not rates:
        return 0.0
    if all(isinstance(r, float | int) for r in rates):
        return max(rates)
    return functools.reduce(np.maximum, rates)  # per replication: shares differ between them


# Upstream order in which expected flows are known: buyers before their suppliers.
_PROPAGATION_ORDER = ("market", "stockpile", "plant", "refinery", "recycler")


def expected_flows(network: Network) -> list[float]:
    """Expected t/day on each link: each buyer's expected use split by sourcing share.

    End-of-life links (market -> recycler) carry the steady legacy flow
    (consumption x eol_history_share x collection_rate x share); process-scrap links and the
    links of recyclers that offer first follow `secondary.py` (iterated to a fixed point when
    there are any).
    """
    flows = [0.0] * len(network.links)
    network.expected_link_tpd = flows  # filled in place, read by expected_out_tpd below
    secondary = SecondaryFlows(network)
    for market in network.of_kind("market"):
        assert isinstance(market, MarketSpec)
        for link in network.out_links[market.name]:
            consumption = network.expected_use_tpd(market.name, (link.mineral, COMPONENT))
            flows[link.index] = (
                consumption * market.eol_history_share * market.collection_rate * link.share
            )
    for _ in range(secondary.rounds):
        before = list(flows)
        # Component stockpiles sit between plants and markets: propagate markets first, then
        # stockpiles (which expect no use), then plants, refineries and recyclers.
        for kind in _PROPAGATION_ORDER:
            for node in network.of_kind(kind):
                for commodity in inputs(node):
                    if commodity[1] == SCRAP:
                        continue  # scrap flows follow from what its senders lose or collect
                    use = network.expected_use_tpd(node.name, commodity)
                    supply = network.supply_links(node.name, commodity)
                    if secondary.splits(supply):
                        secondary.split(use, supply, flows)
                        continue
                    for link in supply:
                        flows[link.index] = use * link.share
        secondary.scrap_flows(flows)
        if secondary.settled(before, flows):
            break
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
        commodity = link_commodity(supplier, nodes[spec.to], mineral)
        assert commodity is not None
        stage = commodity[1]
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
