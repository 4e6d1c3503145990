"""Random inputs declared in a scenario: node outages, transit-time variability and demand noise.

Each is drawn per replication from its own named stream (`randomness.py`), for the whole horizon
at the start of a batch, so that one SimPy event advances every replication of the batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pydantic import Field, field_validator

from sim.scenario.network import Kind, Link, Mineral, Network
from sim.scenario.randomness import AnyDistribution, Distribution, draws, generator
from sim.scenario.selector import Selector
from sim.scenario.spec import Country, Fraction, Name, RatePerYear, Spec

MAX_TRANSIT_DAYS = 3_650
"""Longest random transit time, days (the bound of `TransitDays`: no shipment takes ten years)."""
MAX_FACTOR = 100.0
"""Largest demand factor a draw may take (the bound of `Multiplier`); larger draws of an
unbounded distribution are lowered to it."""


class LinkSelector(Spec):
    """Chooses links: every criterion given must match; an empty selector matches every link."""

    suppliers: tuple[Name, ...] = Field((), description="Supplier node names.")
    buyers: tuple[Name, ...] = Field((), description="Buyer node names.")
    from_kinds: tuple[Kind, ...] = Field((), description="Supplier kinds.")
    to_kinds: tuple[Kind, ...] = Field((), description="Buyer kinds.")
    from_countries: tuple[Country, ...] = Field((), description="Supplier countries.")
    to_countries: tuple[Country, ...] = Field((), description="Buyer countries.")
    minerals: tuple[Mineral, ...] = Field((), description="Minerals carried.")
    chokepoints: tuple[str, ...] = Field((), description="Chokepoints passed (any of them).")

    def matches(self, network: Network, link: Link) -> bool:
        supplier, buyer = network.nodes[link.supplier], network.nodes[link.buyer]
        return (
            (not self.suppliers or link.supplier in self.suppliers)
            and (not self.buyers or link.buyer in self.buyers)
            and (not self.from_kinds or supplier.kind in self.from_kinds)
            and (not self.to_kinds or buyer.kind in self.to_kinds)
            and (not self.from_countries or supplier.country in self.from_countries)
            and (not self.to_countries or buyer.country in self.to_countries)
            and (not self.minerals or link.mineral in self.minerals)
            and (not self.chokepoints or bool(set(link.chokepoints) & set(self.chokepoints)))
        )

    def select(self, network: Network) -> list[Link]:
        return [link for link in network.links if self.matches(network, link)]


class Outages(Spec):
    """Random outages of the selected producers (a Poisson process per node)."""

    select: Selector = Field(description="Which nodes (mines, refineries, plants, recyclers).")
    rate_per_year: RatePerYear = Field(description="Expected outages per node per year.")
    duration_days: AnyDistribution = Field(description="How long each outage lasts, days.")
    fraction: Fraction = Field(1.0, description="Share of capacity lost while out.")


class TransitVariability(Spec):
    """Each shipment on the selected links takes a random transit time."""

    links: LinkSelector = Field(LinkSelector(), description="Which links (default: all).")
    transit_days: AnyDistribution = Field(
        description="Transit time of each shipment, days; "
        "bounded (uniform, triangular) or with a `max`, at most 3650 days."
    )

    @field_validator("transit_days")
    @classmethod
    def _at_most_ten_years(cls, dist: Distribution) -> Distribution:
        upper = dist.upper
        if math.isfinite(upper) and upper > MAX_TRANSIT_DAYS:
            raise ValueError(
                f"transit_days can reach {upper:g} days, above the limit of "
                f"{MAX_TRANSIT_DAYS} days (no shipment takes ten years)"
            )
        return dist


class DemandNoise(Spec):
    """Each review's demand of the selected markets is multiplied by a random factor."""

    select: Selector = Field(description="Which markets.")
    factor: AnyDistribution = Field(
        description="Multiplier per review, e.g. uniform 0.5-1.5 around a mean of 1; draws are "
        "kept within 0-100."
    )

    @field_validator("factor")
    @classmethod
    def _at_most_a_hundredfold(cls, dist: Distribution) -> Distribution:
        upper = dist.upper
        if math.isfinite(upper) and upper > MAX_FACTOR:
            raise ValueError(
                f"factor can reach {upper:g}, above the limit of {MAX_FACTOR:g} "
                "(a hundred times normal demand is another world, not noise)"
            )
        return dist


class CoverVariability(Spec):
    """The selected nodes' inventory cover, drawn once per replication.

    One draw per rule and replication, shared by every node the rule selects: cover is the
    practice of an industry (vehicle makers' 2-4 weeks of magnets), so its nodes move together.
    A later rule overrides an earlier one for the same node.
    """

    select: Selector = Field(description="Which nodes.")
    cover_days: AnyDistribution = Field(
        description="Their `cover_days` (target inventory in days of expected use; producers: "
        "of expected shipments) in this replication, e.g. `{dist: triangular, low: 14, mode: "
        "21, high: 28}`. The run starts at the drawn cover, so each replication starts at its "
        "own steady state."
    )


class Uncertainty(Spec):
    """Random inputs; without any, every replication is the same."""

    outages: list[Outages] = Field([], description="Random outages.")
    transit: list[TransitVariability] = Field([], description="Random transit times.")
    demand: list[DemandNoise] = Field([], description="Random demand.")
    cover: list[CoverVariability] = Field([], description="Random inventory cover.")

    @property
    def any(self) -> bool:
        return bool(self.outages or self.transit or self.demand or self.cover)


@dataclass
class RandomInputs:
    """The draws of one batch. Arrays have replications first."""

    transit_links: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    """Links whose transit time is random."""
    transit: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), dtype=np.float32))
    """Days in transit of a shipment sent at each review, shape (periods, random links, R)."""
    transit_reviews: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.int16))
    """The same as whole reviews until the shipment is usable (at least 1). When no shock can
    add days to a shipment, only these are kept (`transit` is then empty)."""
    demand: dict[str, np.ndarray] = field(default_factory=dict)
    """Per market: demand factor, shape (periods, R), float32 (draws are kept for the whole
    horizon, so they are stored at half size)."""
    outages: dict[str, list[tuple[np.ndarray, np.ndarray, float]]] = field(default_factory=dict)
    """Per node: (starts, ends, fraction) with starts/ends of shape (R, K), NaN-padded."""
    cover_days: dict[str, np.ndarray] = field(default_factory=dict)
    """Per node whose cover is random: its cover in each replication, days, shape (R,)."""


def draw_inputs(
    spec: Uncertainty,
    network: Network,
    seed: int,
    reps: range,
    periods: int,
    horizon_days: float,
    step_days: int,
    keep_days: bool = True,
) -> RandomInputs:
    """Draw every random input of a batch of replications."""
    inputs = RandomInputs()
    rules = {}
    for rule in spec.transit:  # a later rule overrides an earlier one for the same link
        for link in rule.links.select(network):
            rules[link.index] = (link, rule)
    inputs.transit_links = np.array(sorted(rules), dtype=np.intp)
    shape = (periods, len(rules), len(reps))
    inputs.transit = np.empty(shape if keep_days else (0, 0, 0), dtype=np.float32)
    inputs.transit_reviews = np.empty(shape, dtype=np.int16)
    for column, index in enumerate(inputs.transit_links):
        link, rule = rules[int(index)]
        drawn = np.maximum(
            draws(seed, reps, f"transit:{link.label}", rule.transit_days, periods), 0.0
        ).T
        if keep_days:
            inputs.transit[:, column, :] = drawn
        reviews = np.maximum(np.ceil(drawn / step_days - 1e-9), 1)
        inputs.transit_reviews[:, column, :] = np.minimum(reviews, np.iinfo(np.int16).max)
    for number, noise in enumerate(spec.demand):
        for name in noise.select.select(network):
            if network.nodes[name].kind == "market":
                stream = f"demand:{number}:{name}"
                factor = np.clip(draws(seed, reps, stream, noise.factor, periods), 0.0, MAX_FACTOR)
                total = inputs.demand.get(name, 1.0) * np.ascontiguousarray(factor.T)
                inputs.demand[name] = np.asarray(total, dtype=np.float32)
    for number, outage in enumerate(spec.outages):
        for name in outage.select.select(network):
            if network.nodes[name].kind in ("mine", "refinery", "plant", "recycler"):
                starts, ends = _outage_times(
                    outage, seed, reps, f"outage:{number}:{name}", horizon_days
                )
                inputs.outages.setdefault(name, []).append((starts, ends, outage.fraction))
    for number, varied in enumerate(spec.cover):
        drawn = np.maximum(draws(seed, reps, f"cover:{number}", varied.cover_days, 1)[:, 0], 0.0)
        for name in varied.select.select(network):
            inputs.cover_days[name] = drawn
    return inputs


def _outage_times(
    rule: Outages, seed: int, reps: range, stream: str, horizon_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson outage starts over the horizon and their ends, per replication (NaN-padded)."""
    rows = []
    for rep in reps:
        rng = generator(seed, rep, stream)
        count = rng.poisson(rule.rate_per_year * horizon_days / 365.0)
        starts = np.sort(rng.uniform(0.0, horizon_days, count))
        durations = np.maximum(rule.duration_days.draw(rng, count), 0.0)
        rows.append((starts, starts + durations))
    width = max(1, max(len(s) for s, _ in rows))
    starts = np.full((len(reps), width), np.nan)
    ends = np.full((len(reps), width), np.nan)
    for row, (s, e) in enumerate(rows):
        starts[row, : len(s)], ends[row, : len(e)] = s, e
    return starts, ends


def transit_upper(spec: Uncertainty, network: Network) -> np.ndarray:
    """Largest possible transit per link (its fixed transit where not random)."""
    upper = np.array([link.transit_days for link in network.links], dtype=float)
    for rule in spec.transit:
        for link in rule.links.select(network):
            upper[link.index] = rule.transit_days.upper
    return upper


def unbounded_transit(spec: Uncertainty) -> list[int]:
    """Positions of transit rules whose distribution has no upper bound."""
    return [i for i, rule in enumerate(spec.transit) if math.isinf(rule.transit_days.upper)]
