"""Random inputs declared in a scenario: outages (of producers, links or chokepoints), transit-time
variability and demand noise.

Each is drawn per replication from its own named stream (`randomness.py`): outages for the whole
horizon at the start of a batch, per-review inputs (transit times, demand noise) a chunk of
reviews at a time (`chunks.py`), for every replication of the batch at once.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import Field, field_validator, model_validator

from sim.scenario.chunks import PeriodDraws, Stream
from sim.scenario.errors import Problem, Where
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
    """Random outages: a Poisson process of outages per selected producer, per selected link,
    or one for a chokepoint shared by every link through it.

    Give exactly one of `select` (producers: capacity falls by `fraction` while out), `links`
    (each selected link may carry only (1 - fraction) of its shock-free flow while out, as under
    an export ban: what it cannot carry stays with the supplier) or `chokepoint` (as `links`,
    for every link that passes it at once, e.g. a strait closed by a storm or an accident).
    """

    select: Selector | None = Field(
        None, description="Which nodes (mines, refineries, plants, recyclers)."
    )
    links: LinkSelector | None = Field(
        None, description="Which links (by supplier, buyer, kinds, countries, mineral)."
    )
    chokepoint: str | None = Field(
        None,
        description="A chokepoint named on links, e.g. `malacca`: one outage process for "
        "every link through it.",
    )
    rate_per_year: RatePerYear = Field(
        description="Expected outages per year, per node or link (or of the chokepoint)."
    )
    duration_days: AnyDistribution = Field(description="How long each outage lasts, days.")
    fraction: Fraction = Field(
        1.0, description="Share of capacity (of a link: of its flow) lost while out; 1 = blocked."
    )

    @model_validator(mode="after")
    def _one_target(self) -> Outages:
        given = [k for k in ("select", "links", "chokepoint") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'select' (producers), 'links' or 'chokepoint', "
                f"got {', '.join(given) if given else 'none'}"
            )
        return self

    def check_links(self, network: Network, where: Where) -> list[Problem]:
        """A link rule selects a link; a chokepoint rule names a chokepoint some link passes."""
        if self.chokepoint is None:
            found = self.link_targets(network)
            return [] if found else [Problem(where, "selects no link", "a selection of a link")]
        known = sorted({c for link in network.links for c in link.chokepoints})
        if self.chokepoint in known:
            return []
        close = difflib.get_close_matches(self.chokepoint, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "a chokepoint named on some link"
        return [Problem(where, f"no link passes chokepoint '{self.chokepoint}'", hint)]

    def link_targets(self, network: Network) -> list[tuple[str, list[Link]]]:
        """(stream suffix, links that go down together) of a link or chokepoint rule."""
        if self.links is not None:
            return [(f"link:{k.label}", [k]) for k in self.links.select(network)]
        if self.chokepoint is not None:
            through = [k for k in network.links if self.chokepoint in k.chokepoints]
            return [(f"chokepoint:{self.chokepoint}", through)] if through else []
        return []


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
    scale: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="Spread of the noise around normal demand: each draw x becomes 1 + scale "
        "(x - 1) (1: as declared, 0: no noise, 2: twice the deviation). Global sensitivity "
        "(`sim sensitivity --method sobol|morris`) varies it as the noise's factor.",
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


@dataclass(frozen=True)
class LinkOutages:
    """Outage windows of links: one outage process per link of a link rule, one per chokepoint
    rule, and one row per (rule, link) pointing at its process. A link hit by several rules has
    several rows, and their passing shares multiply."""

    links: np.ndarray
    """Link index of each row, shape (n,)."""
    process: np.ndarray
    """The outage process of each row (a row of `starts`), shape (n,)."""
    starts: np.ndarray
    """Day each outage of a process starts, shape (processes, R, K), NaN-padded."""
    ends: np.ndarray
    """Day each ends (exclusive), shape (processes, R, K), NaN-padded."""
    keep: np.ndarray
    """Share of the row's link flow that may pass while out (1 - fraction), shape (n, 1)."""
    distinct: bool
    """Whether every row is a different link (then the rows multiply in one indexed step)."""

    def passing(self, day: float) -> np.ndarray | None:
        """Share of its shock-free flow each row's link may carry on `day`, shape (n, R):
        1 where no outage of the row's process is in force; None when none is anywhere."""
        down = np.any((self.starts <= day) & (day < self.ends), axis=2)
        if not down.any():
            return None
        return np.where(down[self.process], self.keep, 1.0)

    def apply(self, link_pass: np.ndarray, day: float) -> np.ndarray:
        """`link_pass` (links, R) times the outages in force on `day` (a new array, or
        `link_pass` itself when no outage is in force)."""
        cut = self.passing(day)
        if cut is None:
            return link_pass
        passing = link_pass.copy()
        if self.distinct:
            passing[self.links] *= cut
        else:
            np.multiply.at(passing, self.links, cut)
        return passing


@dataclass
class RandomInputs:
    """The draws of one batch. Arrays have replications first."""

    transit_links: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    """Links whose transit time is random."""
    transit: PeriodDraws | np.ndarray = field(
        default_factory=lambda: np.zeros((0, 0, 0), dtype=np.float32)
    )
    """Days in transit of a shipment sent at each review: `transit[period]` has shape (random
    links, R), float32."""
    transit_reviews: PeriodDraws | np.ndarray = field(
        default_factory=lambda: np.zeros((0, 0, 0), np.int16)
    )
    """The same as whole reviews until the shipment is usable (at least 1), int16. When no
    shock can add days to a shipment, only these are drawn (`transit` is then empty)."""
    demand: dict[str, PeriodDraws] = field(default_factory=dict)
    """Per market: demand factor, `demand[name][period]` of shape (R,), float32."""
    outages: dict[str, list[tuple[np.ndarray, np.ndarray, float]]] = field(default_factory=dict)
    """Per node: (starts, ends, fraction) with starts/ends of shape (R, K), NaN-padded."""
    link_outages: LinkOutages | None = None
    """Outages of links and chokepoints (None: the scenario declares none)."""
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
    chosen = [rules[int(index)] for index in inputs.transit_links]

    def transit_streams() -> list[Stream]:
        return [Stream(seed, reps, f"transit:{k.label}", rule.transit_days) for k, rule in chosen]

    def transit_days(streams: Sequence[Stream], size: int) -> np.ndarray:
        out = np.empty((size, len(streams), len(reps)), dtype=np.float32)
        for column, stream in enumerate(streams):
            out[:, column, :] = np.maximum(stream.next(size), 0.0).T
        return out

    def transit_reviews(streams: Sequence[Stream], size: int) -> np.ndarray:
        out = np.empty((size, len(streams), len(reps)), dtype=np.int16)
        for column, stream in enumerate(streams):
            drawn = np.maximum(stream.next(size), 0.0).T
            reviews = np.maximum(np.ceil(drawn / step_days - 1e-9), 1)
            out[:, column, :] = np.minimum(reviews, np.iinfo(np.int16).max)
        return out

    if chosen and keep_days:
        inputs.transit = PeriodDraws(periods, transit_streams, transit_days)
    inputs.transit_reviews = PeriodDraws(periods, transit_streams, transit_reviews)
    noises: dict[str, list[tuple[str, DemandNoise]]] = {}
    for number, noise in enumerate(spec.demand):
        for name in noise.select.select(network):
            if network.nodes[name].kind == "market":
                noises.setdefault(name, []).append((f"demand:{number}:{name}", noise))
    for name, rules_of in noises.items():
        inputs.demand[name] = _demand(rules_of, seed, reps, periods)
    for number, outage in enumerate(spec.outages):
        for name in outage.select.select(network) if outage.select is not None else ():
            if network.nodes[name].kind in ("mine", "refinery", "plant", "recycler"):
                starts, ends = _outage_times(
                    outage, seed, reps, f"outage:{number}:{name}", horizon_days
                )
                inputs.outages.setdefault(name, []).append((starts, ends, outage.fraction))
    inputs.link_outages = _link_outages(spec, network, seed, reps, horizon_days)
    for number, varied in enumerate(spec.cover):
        drawn = np.maximum(draws(seed, reps, f"cover:{number}", varied.cover_days, 1)[:, 0], 0.0)
        for name in varied.select.select(network):
            inputs.cover_days[name] = drawn
    return inputs


def _demand(
    rules: list[tuple[str, DemandNoise]], seed: int, reps: range, periods: int
) -> PeriodDraws:
    """One market's demand factor per review, shape (R,) per review: the product of its noise
    rules' draws (each spread by its `scale`, kept within 0-100), float32."""

    def streams() -> list[Stream]:
        return [Stream(seed, reps, name, noise.factor) for name, noise in rules]

    def fill(streams: Sequence[Stream], size: int) -> np.ndarray:
        total: float | np.ndarray = 1.0
        for stream, (_, noise) in zip(streams, rules, strict=True):
            factor = stream.next(size)
            if noise.scale != 1.0:  # the spread around normal demand (1)
                factor = 1.0 + noise.scale * (factor - 1.0)
            factor = np.clip(factor, 0.0, MAX_FACTOR)
            total = np.asarray(total * np.ascontiguousarray(factor.T), dtype=np.float32)
        return np.asarray(total)

    return PeriodDraws(periods, streams, fill)


def _link_outages(
    spec: Uncertainty, network: Network, seed: int, reps: range, horizon_days: float
) -> LinkOutages | None:
    """The outage windows of every link and chokepoint rule, or None when there are none.

    A link rule draws per link (stream `outage:<rule>:link:<link>`), a chokepoint rule once for
    all the links through it (`outage:<rule>:chokepoint:<name>`)."""
    windows: list[tuple[np.ndarray, np.ndarray]] = []
    rows: list[tuple[int, int, float]] = []  # (link, process, fraction)
    for number, outage in enumerate(spec.outages):
        for suffix, links in outage.link_targets(network):
            stream = f"outage:{number}:{suffix}"
            windows.append(_outage_times(outage, seed, reps, stream, horizon_days))
            rows += [(link.index, len(windows) - 1, outage.fraction) for link in links]
    if not rows:
        return None
    shape = (len(windows), len(reps), max(starts.shape[1] for starts, _ in windows))
    starts_all, ends_all = np.full(shape, np.nan), np.full(shape, np.nan)
    for process, (starts, ends) in enumerate(windows):
        starts_all[process, :, : starts.shape[1]] = starts
        ends_all[process, :, : ends.shape[1]] = ends
    link_rows = np.array([link for link, _, _ in rows], dtype=np.intp)
    return LinkOutages(
        links=link_rows,
        process=np.array([process for _, process, _ in rows], dtype=np.intp),
        starts=starts_all,
        ends=ends_all,
        keep=np.array([[1.0 - fraction] for _, _, fraction in rows]),
        distinct=len(np.unique(link_rows)) == len(link_rows),
    )


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
