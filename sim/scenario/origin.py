"""Embodied origin: where the material inside each stock, shipment and product came from
(schema; the engine's side is `sim/engine/origin.py`).

Every tonne carries, for each processing stage it has passed, the country where that stage
happened: `ore` is the country of mining, `refined` the country of separation or refining (a
recycler re-refines, so recycled material takes the recycler's country at that stage and keeps
its country of mining), `component` the country where the magnet, cathode or wafer was made.
A composition is the share of a stock's mass by (stage, country) tag; for each stage the shares
of the material that has passed it add up to 1.

Assumptions, stated once:

- **Well mixed per node**: each stock row (a node's holding of one commodity) is one pool; what
  leaves it has the pool's composition at that moment. Material in use in a market is one pool
  per market and mineral, so end-of-life material returns with the pool's average composition,
  not that of the cohort sold a lifetime ago.
- **At the start** every stock, shipment and in-use pool has the composition of the shock-free
  steady state (the expected flows propagated from mine to market until they no longer change).
- With `country_of: owner`, a stage tags the home country of the node's owner (where it holds
  at least `owner_share`) instead of the country the node is in: a Chinese-owned refinery in
  Indonesia then refines "in" China, as ownership rules count it.
- A country outside `countries` (when given) is pooled into the aggregate tag `XO` ("other
  countries") of each stage.

Rules that act on content: the `content_licensing` shock (`sim/shocks/content_licensing.py`) and
the eligibility rules below, which count a market's product units as eligible only while the
content of one origin in the components it uses stays at or below a share.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sim.scenario.errors import Problem
from sim.scenario.network import MarketSpec, Network
from sim.scenario.nodes import Mineral, NodeSpec
from sim.scenario.selector import Selector
from sim.scenario.spec import Country, Fraction, Name, Spec
from sim.scenario.yamlio import Document
from sim.vocabulary import COMPONENT, ORE, REFINED

OriginStage = Literal["ore", "refined", "component"]
"""A stage at which material takes the country it passes through: mined, refined, made."""
ORIGIN_STAGES: tuple[str, ...] = (ORE, REFINED, COMPONENT)
TAGGED_AT = {"mine": ORE, "refinery": REFINED, "recycler": REFINED, "plant": COMPONENT}
"""The stage whose country each producing node kind sets on what it makes."""
OTHER_COUNTRIES = "XO"
"""The aggregate tag of countries not tracked on their own (`origin.countries`)."""

BucketDays = Annotated[int, Field(ge=1, le=3650)]


class EligibilityRule(Spec):
    """Product units count as eligible (for a subsidy, a credit, a procurement rule) only
    while the components they are built from hold at most `max_share` of material of one
    origin at the stages named (the largest share over those stages is compared)."""

    name: Name = Field(description="A label for tables and charts.")
    markets: Selector = Field(description="The markets the rule applies to.")
    minerals: tuple[Mineral, ...] = Field(
        (), description="Minerals whose content counts (default: every mineral of the market)."
    )
    origin_country: Country = Field(description="The origin whose content is limited.")
    origin_stages: tuple[OriginStage, ...] = Field(
        ("ore", "refined"),
        min_length=1,
        description="Stages at which that origin counts: ore (mined), refined, component.",
    )
    max_share: Fraction = Field(
        description="Largest share of the content (by mass) that may come from the origin for "
        "a unit to count, [0-1]."
    )
    source: str | None = Field(None, description="The rule this stands for.")


class OriginOptions(Spec):
    """Embodied-origin tracking: off unless switched on here or needed by a content rule."""

    track: bool = Field(
        False,
        description="Track the origin of material through the network (switched on by itself "
        "when a shock or eligibility rule acts on content).",
    )
    countries: tuple[Country, ...] = Field(
        (),
        description="Countries tracked on their own (default: every country with a mine, "
        "refinery, recycler or plant); the others are pooled as XO, 'other countries'.",
    )
    country_of: Literal["location", "owner"] = Field(
        "location",
        description="Whose country a stage tags: where the node is (default), or its owner's "
        "home country where the owner holds at least `owner_share` of it (for rules that act "
        "by ownership: China's 50% affiliates rule, the US 25% foreign-entity-of-concern test).",
    )
    owner_share: Fraction = Field(
        0.5,
        description="With country_of owner: the share an owner must hold for its country to "
        "count, [0-1] (0.5: China's affiliates rule; 0.25: the US FEOC test).",
    )
    bucket_days: BucketDays = Field(
        91, description="Width of the time buckets of origin shares over time, days."
    )
    eligibility: tuple[EligibilityRule, ...] = Field(
        (), description="Rules that count a market's units as eligible by their content."
    )

    def on(self, content_rules: bool) -> bool:
        """Whether a run tracks origin (`content_rules`: a shock acts on content)."""
        return self.track or bool(self.eligibility) or content_rules


def check(options: OriginOptions, network: Network, doc: Document) -> list[Problem]:
    """Tracked countries have producing nodes; eligibility rules select markets and name
    minerals those markets use."""
    problems: list[Problem] = []
    producing = {node_country(options, n) for n in network.nodes.values() if n.kind in TAGGED_AT}
    for i, country in enumerate(options.countries):
        if country not in producing:
            problems.append(
                Problem(
                    doc.where(("origin", "countries", i)),
                    f"no mine, refinery, recycler or plant is in {country}",
                    "one of " + ", ".join(sorted(producing)),
                )
            )
    for i, rule in enumerate(options.eligibility):
        at = ("origin", "eligibility", i)
        markets = [
            n
            for n in network.nodes.values()
            if isinstance(n, MarketSpec) and rule.markets.matches(n)
        ]
        if not markets:
            problems.append(
                Problem(doc.where((*at, "markets")), "selects no market", "select market nodes")
            )
            continue
        used = {m for n in markets for m in n.intensity_kg_per_unit}
        for j, mineral in enumerate(rule.minerals):
            if mineral not in used:
                problems.append(
                    Problem(
                        doc.where((*at, "minerals", j)),
                        f"no selected market uses {mineral}",
                        "one of " + ", ".join(sorted(used)),
                    )
                )
    return problems


def node_country(options: OriginOptions, node: NodeSpec) -> str:
    """The country a node's stage tags on what it makes: where it is, or (`country_of:
    owner`) its owner's home country when the owner holds at least `owner_share`."""
    owner = node.owner
    if options.country_of == "owner" and owner is not None and owner.share >= options.owner_share:
        return owner.country
    return node.country


def tag_countries(options: OriginOptions, network: Network) -> dict[str, list[str]]:
    """The countries of each origin stage's tags, in a fixed order: the countries of the
    nodes that tag material at that stage (sorted), restricted to `options.countries` with
    the rest pooled as `XO` when those are given."""
    found: dict[str, set[str]] = {stage: set() for stage in ORIGIN_STAGES}
    for node in network.nodes.values():
        stage = TAGGED_AT.get(node.kind)
        if stage is not None:
            found[stage].add(node_country(options, node))
    out: dict[str, list[str]] = {}
    for stage in ORIGIN_STAGES:
        countries = sorted(found[stage])
        if options.countries:
            kept = [c for c in countries if c in options.countries]
            countries = kept + ([OTHER_COUNTRIES] if len(kept) < len(countries) else [])
        out[stage] = countries
    return out


def tag_of(options: OriginOptions, country: str) -> str:
    """The tag country of a node in `country` (itself, or XO when it is pooled)."""
    if options.countries and country not in options.countries:
        return OTHER_COUNTRIES
    return country
