"""What every lever shares: the policy that groups levers, the draft network a policy edits,
changes of sourcing shares over time, and the interface of a lever.

A lever is a change a user could make by hand (a node, links, shares, dates), so a policy run is
an ordinary run of its variant with the baseline's replications and random draws. A lever

- `check`s itself against the baseline network and the draft (what the policy's earlier levers
  did), returning located problems;
- `compile`s into the draft (its change to the variant);
- states its `cost_usd` per replication from `CostInputs` (the baseline network, the variant
  network, what the variant run and its paired baseline run did, the discount rate), never
  from "a network the lever already changed"; names the baseline links it charges a premium
  on (`priced_links`: their shipments in the paired baseline run are the counterfactual) and
  the cost fields the scenario left out (`cost_gaps`: a policy with gaps is flagged and ranked
  after those whose costs are declared);
- names the `minerals` it acts on (tonnes of shortfall avoided are counted in these).

The variant keeps the baseline's links first and in order (levers append links or change
shares), so a link index of the baseline network names the same link in the variant.

Costs are present values at the scenario start, US dollars, positive for money spent
(conventions in `sim.scenario.costs`).
"""

from __future__ import annotations

import abc
import collections
import dataclasses
import datetime as dt
import difflib
import math
import typing
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field, model_validator

from sim.levers.costing import CostInputs
from sim.scenario.errors import Problem, Where
from sim.scenario.network import LinkSpec, Network, NodeSpec, StockpileSpec
from sim.scenario.projects import Project
from sim.scenario.schedules import Schedules
from sim.scenario.spec import Day, Fraction, Name, Spec, TransitDays, to_day
from sim.scenario.yamlio import Document, Loc

if typing.TYPE_CHECKING:
    from sim.levers import Lever


class LinkPlan(Spec):
    """A supply link of a new node."""

    node: Name = Field(description="The other end (a node of the network).")
    share: Fraction = Field(
        description="For `sells_to`: the share of that buyer's orders the "
        "new node takes (the buyer's other shares shrink in proportion). "
        "For `buys_from`: the share of the new node's orders."
    )
    transit_days: TransitDays = Field(0.0, description="Transit time, days.")
    chokepoints: tuple[str, ...] = Field((), description="Chokepoints passed.")


@dataclasses.dataclass(frozen=True)
class Place:
    """Where something is in the scenario file: the document and the field path to it."""

    doc: Document
    loc: Loc

    def at(self, *parts: str | int) -> Where:
        """The file, line and dotted field path of `parts` below this place."""
        return self.doc.where((*self.loc, *parts))

    def child(self, *parts: str | int) -> Place:
        return Place(self.doc, (*self.loc, *parts))


@dataclasses.dataclass
class _Draft:
    """A variant network being edited: nodes, link specs and planned changes, with where each
    node and link came from (the lever that added it, or the policy for the baseline's)."""

    nodes: dict[str, NodeSpec]
    links: list[LinkSpec]
    schedules: Schedules
    start: dt.date
    """The scenario's day 0."""
    step_days: int
    """The review period, days."""
    here: Where
    """The lever being compiled: new nodes and links are located there."""
    node_origin: dict[str, Where] = dataclasses.field(default_factory=dict)
    link_origin: list[Where] = dataclasses.field(default_factory=list)
    ops: dict[tuple[str, str], list[_ShareOp]] = dataclasses.field(default_factory=dict)
    """Per (buyer, mineral): share changes, applied in lever order at every change day."""
    contracts: dict[int, Where] = dataclasses.field(default_factory=dict)
    """Per link index: the lever that gave it contract priority."""

    @classmethod
    def of(cls, network: Network, start: dt.date, step_days: int, here: Where) -> _Draft:
        """A draft that starts as a copy of `network`, every part located at `here`."""
        links = [
            LinkSpec.model_validate(
                {
                    "from": k.supplier,
                    "to": k.buyer,
                    "mineral": k.mineral,
                    "share": k.share,
                    "transit_days": k.transit_days,
                    "chokepoints": k.chokepoints,
                    "flex": None if math.isinf(k.flex) else k.flex,
                }
            )
            for k in network.links
        ]
        return cls(
            dict(network.nodes),
            links,
            Schedules(),
            start,
            step_days,
            here,
            dict.fromkeys(network.nodes, here),
            [here] * len(links),
        )

    def usual_flex(self) -> float | None:
        """The contract flexibility most links of the network have (its `contract_flex`): a
        link a lever adds gets the same terms; None (no limit) if most have none."""
        counts = collections.Counter(k.flex for k in self.links)
        return counts.most_common(1)[0][0] if counts else None

    def day(self, value: Day) -> float:
        """Days from the scenario start of an ISO date or day number."""
        return to_day(value, self.start)

    def add_node(self, node: NodeSpec) -> None:
        self.nodes[node.name] = node
        self.node_origin[node.name] = self.here

    def add_link(
        self,
        supplier: str,
        buyer: str,
        share: float,
        transit: float = 0.0,
        chokepoints: tuple[str, ...] = (),
        mineral: str | None = None,
    ) -> int:
        """Append a link (transit in days); return its index."""
        self.links.append(
            LinkSpec.model_validate(
                {
                    "from": supplier,
                    "to": buyer,
                    "share": share,
                    "transit_days": transit,
                    "chokepoints": chokepoints,
                    "mineral": mineral,
                    "flex": self.usual_flex(),
                }
            )
        )
        self.link_origin.append(self.here)
        return len(self.links) - 1

    def plan(self, buyer: str, mineral: str, op: _ShareOp) -> None:
        self.ops.setdefault((buyer, mineral), []).append(op)

    def switches(self) -> list[tuple[float, dict[int, float]]]:
        """Every buyer's full share vector at every day one of its levers changes it."""
        events: dict[float, dict[int, float]] = {}
        for (buyer, mineral), ops in self.ops.items():
            group = links_of(self, buyer, mineral)
            base = {i: self.links[i].share for i in group}
            for day in sorted({d for op in ops for d in op.days}):
                shares = dict(base)
                for op in ops:
                    shares = op.apply(day, shares)
                events.setdefault(day, {}).update(shares)
        return sorted(events.items())


@dataclasses.dataclass(frozen=True)
class _ShareOp:
    """One lever's change to a buyer's sourcing shares, as a function of the day.

    `take`: `link` gets `share` x the fraction reached by `steps` (day, fraction), the other
    links shrink in proportion. `cap`: from `days[0]`, the `capped` links keep at most
    `share` together and the rest moves to `alternatives` in equal parts.
    """

    kind: str
    days: tuple[float, ...]
    share: float
    link: int = -1
    steps: tuple[tuple[float, float], ...] = ()
    capped: frozenset[int] = frozenset()
    alternatives: tuple[int, ...] = ()

    def apply(self, day: float, shares: dict[int, float]) -> dict[int, float]:
        shares = dict(shares)
        if self.kind == "take":
            fraction = max((f for d, f in self.steps if d <= day), default=0.0)
            taken = self.share * fraction
            others = {i: v for i, v in shares.items() if i != self.link}
            total = sum(others.values())
            for i, value in others.items():
                shares[i] = value / total * (1.0 - taken) if total > 0 else 0.0
            shares[self.link] = taken if total > 0 else 1.0
            return shares
        if day < self.days[0]:
            return shares
        held = sum(shares[i] for i in self.capped)
        if held <= self.share:
            return shares
        for i in self.capped:
            shares[i] *= self.share / held
        for i in self.alternatives:
            shares[i] += (held - self.share) / len(self.alternatives)
        return shares


def links_of(draft: _Draft, buyer: str, mineral: str) -> list[int]:
    """Supply links (not from stockpiles) into `buyer` carrying `mineral`, by position."""
    return [
        i
        for i, k in enumerate(draft.links)
        if k.to == buyer
        and (k.mineral or made(draft.nodes[k.from_])) == mineral
        and not isinstance(draft.nodes[k.from_], StockpileSpec)
    ]


def made(node: NodeSpec) -> str:
    """The (first) mineral a node makes."""
    return getattr(node, "mineral", None) or next(iter(getattr(node, "recipe", {"": 0})))


def move_share(
    draft: _Draft,
    buyer: str,
    mineral: str,
    new_link: int,
    share: float,
    steps: list[tuple[float, float]],
) -> None:
    """Give `new_link` `share` of the buyer's orders along `steps` (day, fraction of share),
    shrinking the buyer's other links in proportion."""
    draft.plan(
        buyer,
        mineral,
        _ShareOp("take", tuple(d for d, _ in steps), share, link=new_link, steps=tuple(steps)),
    )


def ramp_steps(online: float, days: float, step: int) -> list[tuple[float, float]]:
    """Share fractions along a ramp of `days` from day `online`: one switch per review of
    `step` days, at most 26."""
    if days <= 0:
        return [(online, 1.0)]
    count = max(1, min(26, round(days / step)))
    return [(online + days * k / count, k / count) for k in range(1, count + 1)]


def suggest(name: str, known: Sequence[str], what: str) -> str:
    """'did you mean ...?' for a close known name, else what a right value would be."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else f"the name of a {what}"


@dataclasses.dataclass(frozen=True)
class Context:
    """What a lever is checked against before it compiles."""

    baseline: Network
    """The scenario's own network."""
    draft: _Draft
    """The variant as the policy's earlier levers left it."""
    shocks: tuple[str, ...]
    """Labels of the scenario's shocks (their names, or `type#n`)."""
    place: Place
    """Where the lever is in the file (`policies[i].levers[j]`)."""
    number: int
    """The lever's position in its policy."""
    projects: tuple[Project, ...] = ()
    """The scenario's announced projects."""

    def at(self, *parts: str | int) -> Where:
        return self.place.at(*parts)

    def unknown_nodes(
        self, names: Sequence[str], field: str, key: tuple[str, ...] = ()
    ) -> list[Problem]:
        """A problem for each name that is no node of the draft, located at `field[k]` (and
        `key` below it: `buys_from[k].node`)."""
        known = sorted(self.draft.nodes)
        return [
            Problem(
                self.at(*field.split("."), k, *key),
                f"unknown node '{name}'",
                suggest(name, known, "node"),
            )
            for k, name in enumerate(names)
            if name not in self.draft.nodes
        ]

    def taken_name(self, name: str, *field: str) -> list[Problem]:
        """A problem if a node the lever adds has the name of a node already in the draft."""
        if name not in self.draft.nodes:
            return []
        if name in self.baseline.nodes:
            what = f"node '{name}' is already a node of the network"
        else:
            what = f"node '{name}' was already added by {self.draft.node_origin[name].field}"
        return [Problem(self.at(*field), what, "a new name for the node this lever adds")]


def capital_without_life(
    context: Context, capital_usd: float | None, life_years: int | None
) -> list[Problem]:
    """A problem if a capital cost is declared with no asset life to annualise it over."""
    if not capital_usd or life_years is not None:
        return []
    return [
        Problem(
            context.at("capital_cost_usd"),
            f"a capital cost of {capital_usd:,.0f} USD needs the asset's life to be annualised "
            "over",
            "asset_life_years: the whole years the asset serves (1 to 100)",
        )
    ]


class BaseLever(Spec, abc.ABC):
    """The interface every lever implements (see the module docstring)."""

    documented_with: typing.ClassVar[tuple[tuple[type[BaseModel], str], ...]] = ()
    """Models the format reference shows after the lever's own table, with their titles."""

    @classmethod
    def type_name(cls) -> str:
        """The `type:` that selects this lever in a scenario file."""
        return str(typing.get_args(cls.model_fields["type"].annotation)[0])

    @abc.abstractmethod
    def check(self, context: Context) -> list[Problem]:
        """Problems with the lever on this network, each located at its field."""

    @abc.abstractmethod
    def compile(self, draft: _Draft, baseline: Network, number: int) -> None:
        """Make the lever's change to the variant `draft` (`number`: its place in the policy)."""

    @abc.abstractmethod
    def cost_usd(self, inputs: CostInputs) -> np.ndarray:
        """What the lever costs over the horizon per replication, USD at the scenario start
        (present value), shape (R,)."""

    @abc.abstractmethod
    def cost_gaps(self) -> list[str]:
        """The lever's cost fields the scenario did not set (a field set to 0 is declared:
        'this costs nothing'); [] when its cost is declared in full."""

    def priced_links(self, baseline: Network) -> list[int]:
        """Links of `baseline` whose shipments in the paired baseline run the lever's cost is
        charged against (premiums on moved volume); none by default."""
        return []

    @abc.abstractmethod
    def minerals(self) -> set[str]:
        """The minerals the lever acts on."""


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
