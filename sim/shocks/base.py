"""What every shock shares: timing, sizes drawn per replication, bounds, labels, and the arrays
the engine lets a shock act on.

A shock is active on the half-open interval [start, end) in simulation days. Its start, its
duration and its size (severity, fraction, factor, delays, ...) may be numbers or distributions
(`{dist: triangular, low: 30, mode: 60, high: 180}`); a distribution is drawn once per
replication from the shock's own stream, so policies compared on the same replication see the
same shock. A shock may also not happen at all: with `probability` p < 1 each replication draws
once, from the shock's own stream, whether it occurs; where it does not, its window is empty
(it starts and ends at the horizon) and it acts on nothing. The engine (`sim.engine.effects`)
switches shocks on and off at their exact days and asks each active one to `apply` itself to a
fresh `EffectArrays`.

A shock type is one module (`export_ban.py`, ...) with a subclass of `ShockSpec` that declares
which of its fields is its size and which its delay (`size_field`, `delay_field`), the bounds of
its numbers (`bounds`), and implements `check`, `apply` and `describe`; plus one line in the
registry (`sim/shocks/__init__.py`).
"""

from __future__ import annotations

import abc
import datetime as dt
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, get_args

import numpy as np
from pydantic import Field, model_validator

from sim.scenario.errors import Problem, Where
from sim.scenario.network import Network, NodeSpec
from sim.scenario.randomness import AnyDistribution, Distribution, Uniform, draws
from sim.scenario.selector import Selector
from sim.scenario.spec import Day, Fraction, Spec, to_day

Stage = Literal["ore", "refined", "component"]
Amount = float | AnyDistribution
"""A number, or a distribution drawn once per replication."""

Bounds = dict[str, tuple[float, float]]
"""Inclusive (low, high) per field: fixed numbers outside are input errors, draws are clipped.
Upper bounds follow the bounded types of `sim.scenario.spec`: delays at most 3,650 days (no
shipment takes ten years), durations at most 36,500 (the longest horizon), factors at most 100,
tonnages at most 1e9 t/yr (40 times world copper output)."""


@dataclass(frozen=True)
class ExportQuotaCap:
    """A cap on the sum of several links' shipments at a review, allocated by history.

    Each link first gets up to `cap_t x history` (its share of the group's shock-free flow);
    what some links leave unused is re-offered to the others pro rata to what they still ask.
    """

    links: np.ndarray
    """Link indices of the group, shape (n,)."""
    history: np.ndarray
    """Each link's share of the group's shock-free flow, shape (n, 1), summing to 1."""
    cap_t: np.ndarray
    """Most the group may ship at this review, t, shape (R,) (+inf where not active)."""


@dataclass(frozen=True)
class ContentRule:
    """Links whose shipments need a licence while their content of one origin reaches a share
    (`content_licensing`): the engine compares each link's source composition with
    `threshold_share` at every review (`sim.engine.origin`)."""

    tested: np.ndarray
    """Links whose content is tested, shape (n,)."""
    tested_item: np.ndarray
    """The item (supplier and buyer) of each tested link, (n,)."""
    links: np.ndarray
    """Links a licence acts on, (m,)."""
    item: np.ndarray
    """The item of each of them, (m,)."""
    origin_country: str
    origin_stages: tuple[str, ...]
    threshold_share: np.ndarray
    """Per tested link, the share of its mass of that origin (largest over the stages) from
    which its item needs a licence, (n, 1)."""
    passing: np.ndarray
    """Share of normal volume licensed, per replication (1 where the shock is not active)."""
    delay_days: np.ndarray
    """Days the review adds, per replication (0 where not active)."""
    active: np.ndarray
    """Replications in which the shock is active (bool, (R,))."""


@dataclass
class EffectArrays:
    """What the shocks active now change, per replication: the engine builds a neutral one,
    every active shock acts on it in scenario order, and the review phases read it.

    Node rows follow `network.nodes` (`node_index`), link rows `network.links`; columns are the
    replications of the batch. Every array has shape (nodes or links, R).
    """

    network: Network
    step_days: float
    """Days per review (converts per-year amounts into per-review ones)."""
    node_index: dict[str, int]
    """Row of each node name."""
    capacity: np.ndarray
    """Capacity factor per node, 1 = no loss, 0 = nothing can be made."""
    demand: np.ndarray
    """Demand factor per node (markets), 1 = normal demand."""
    link_pass: np.ndarray
    """Share of its shock-free flow a link may carry, in [0, 1]; 1 = nothing refused."""
    link_delay_days: np.ndarray
    """Days added to each shipment sent on a link now (licence reviews, detours), >= 0."""
    link_hold_until: np.ndarray
    """Day before which a shipment sent on a link now cannot leave; -inf = no hold."""
    production_cap_t: np.ndarray
    """Most a node may produce at this review, t (a plant: its total output); +inf = no cap."""
    export_quotas: list[ExportQuotaCap] = field(default_factory=list)
    """Caps shared by groups of links (a country's exports across all destinations)."""
    content_rules: list[ContentRule] = field(default_factory=list)
    """Licensing that depends on what a shipment contains, decided at each review."""

    @classmethod
    def neutral(
        cls, network: Network, reps: int, step_days: float, node_index: dict[str, int]
    ) -> EffectArrays:
        """The arrays of a shock-free moment."""
        nodes, links = len(network.nodes), len(network.links)
        return cls(
            network=network,
            step_days=step_days,
            node_index=node_index,
            capacity=np.ones((nodes, reps)),
            demand=np.ones((nodes, reps)),
            link_pass=np.ones((links, reps)),
            link_delay_days=np.zeros((links, reps)),
            link_hold_until=np.full((links, reps), -np.inf),
            production_cap_t=np.full((nodes, reps), np.inf),
        )


class ShockSpec(Spec, abc.ABC):
    """Timing shared by every shock."""

    size_field: ClassVar[str | None] = None
    """The field that sizes the shock (drawn into `ShockDraws.size`), if any."""
    delay_field: ClassVar[str | None] = None
    """The field of days it adds to shipments (drawn into `ShockDraws.delay`), if any."""
    bounds: ClassVar[Bounds] = {}
    """Bounds of the type's own numbers (`field_bounds` adds the shared ones)."""

    type: str = Field(description="Shock type.")
    name: str | None = Field(
        None, description="A label for tables and charts (default: type and position)."
    )
    start: Day | AnyDistribution = Field(
        description="When it starts: ISO date (YYYY-MM-DD), day from the scenario start, or a "
        "distribution of days."
    )
    end: Day | None = Field(
        None,
        description="When it ends (exclusive): ISO date or day. Give "
        "`end` or `duration_days`, or neither to last to the horizon.",
    )
    duration_days: Amount | None = Field(
        None, description="How long it lasts, days (a number or a distribution)."
    )
    probability: Fraction = Field(
        1.0,
        description="Chance that it happens at all, 0-1: each replication draws once whether "
        "it occurs (from the shock's own stream, the same for every policy); where it does "
        "not, it has no effect. Default 1: it always happens.",
    )
    source: str | None = Field(None, description="The real event or debate it represents.")

    @model_validator(mode="after")
    def _one_end(self) -> ShockSpec:
        if self.end is not None and self.duration_days is not None:
            raise ValueError("give either 'end' or 'duration_days', not both")
        if isinstance(self.duration_days, float | int) and self.duration_days < 0:
            raise ValueError(f"duration_days must be >= 0, got {self.duration_days:g}")
        return self

    @classmethod
    def type_name(cls) -> str:
        """The `type:` a scenario file gives for this class, e.g. `export_ban`."""
        return str(get_args(cls.model_fields["type"].annotation)[0])

    @classmethod
    def field_bounds(cls) -> Bounds:
        """Bounds of every bounded number of the type: its own, then the shared ones."""
        return {**cls.bounds, "duration_days": (0.0, 36_500.0)}

    def window(self, start_date: dt.date, horizon_days: float) -> tuple[float, float] | None:
        """[start, end) in days from the scenario start, should it happen; None when it is
        drawn at random."""
        if isinstance(self.start, Distribution) or isinstance(self.duration_days, Distribution):
            return None
        begin = to_day(self.start, start_date)
        if self.end is not None:
            return begin, to_day(self.end, start_date)
        if self.duration_days is not None:
            return begin, begin + self.duration_days
        return begin, float(horizon_days)

    @abc.abstractmethod
    def check(self, network: Network, where: Where) -> list[Problem]:
        """Problems with what it hits on `network` (located at `where`, the shock's entry)."""

    @abc.abstractmethod
    def apply(self, draws: ShockDraws, active: np.ndarray, arrays: EffectArrays) -> None:
        """Act on `arrays` in the replications where `active` (bool, shape (R,)) is true."""

    @abc.abstractmethod
    def describe(self) -> tuple[str, str]:
        """What it hits and its size, in plain words for the report."""

    @abc.abstractmethod
    def acts_on(self, network: Network) -> tuple[frozenset[int], frozenset[str]]:
        """The links (indices) and nodes (names) it acts on: where a shortfall it causes
        starts (`sim.analysis.drivers` walks from there to the market that falls short)."""

    def acts_on_content(self) -> bool:
        """Whether it acts on what shipments contain (the run then tracks origin)."""
        return False

    def adds_delays(self) -> bool:
        """Whether it can delay shipments (the engine then keeps per-shipment transit days)."""
        return False

    def max_delay_days(self, draws: ShockDraws, network: Network) -> np.ndarray:
        """Most days it can add to a shipment on each link, shape (links,) (sizes buffers)."""
        return np.zeros(len(network.links))


def shock_label(shock: ShockSpec, index: int) -> str:
    """The shock's name, or its type and 1-based position (`export_ban#2`)."""
    return shock.name or f"{shock.type}#{index + 1}"


def check_amounts(shock: ShockSpec) -> list[str]:
    """Fixed numbers out of range (draws are clipped into range instead)."""
    problems = []
    for name, (low, high) in shock.field_bounds().items():
        value = getattr(shock, name, None)
        if isinstance(value, float | int) and not low <= value <= high:
            problems.append(f"{name} must be between {low:g} and {high:g}, got {value:g}")
    return problems


@dataclass(frozen=True)
class ShockDraws:
    """One shock's timing and size in each replication of a batch (arrays of shape (R,))."""

    shock: ShockSpec
    index: int
    begin: np.ndarray
    """Day it starts."""
    end: np.ndarray
    """Day it ends (exclusive)."""
    size: np.ndarray
    """Its `size_field` (severity, fraction, factor, t/yr ...), else 0."""
    delay: np.ndarray
    """Its `delay_field` (licence or detour days), else 0."""
    occurs: np.ndarray
    """Whether it happens at all in each replication (bool; all true when `probability` is 1).
    Where it does not, `begin` and `end` are both the horizon: an empty window."""


OCCURS = "occurs"
"""Suffix of the stream that decides whether a shock happens: `shock:<label>:occurs`."""


def occurrence(shock: ShockSpec, index: int, seed: int, reps: range) -> np.ndarray:
    """Whether the shock happens in each replication of `reps` (bool, shape (R,)).

    One uniform draw per replication from the stream `shock:<label>:occurs` (label: its name,
    else type and position, `shock_label`), compared with `probability`: the same replication
    decides the same way whatever the batch, the policy or the other shocks (common random
    numbers), and a higher probability only adds replications in which it occurs. A shock of
    probability 1 draws nothing.
    """
    if shock.probability >= 1.0:
        return np.ones(len(reps), dtype=bool)
    unit = Uniform(dist="uniform", low=0.0, high=1.0)
    stream = f"shock:{shock_label(shock, index)}:{OCCURS}"
    return draws(seed, reps, stream, unit, 1)[:, 0] < shock.probability


def draw_shock(
    shock: ShockSpec, index: int, seed: int, reps: range, start_date: dt.date, horizon_days: float
) -> ShockDraws:
    """Resolve every number or distribution of a shock for the replications `reps`."""
    bounds = shock.field_bounds()

    def value(field: str | None) -> np.ndarray:
        raw = getattr(shock, field, None) if field else None
        if raw is None:
            values = np.zeros(len(reps))
        elif isinstance(raw, Distribution):
            values = draws(seed, reps, f"shock:{index}:{field}", raw, 1)[:, 0]
        elif isinstance(raw, dt.date):
            values = np.full(len(reps), to_day(raw, start_date))
        else:
            values = np.full(len(reps), float(raw))
        low, high = bounds.get(field or "", (-np.inf, np.inf))
        return np.clip(values, low, high)

    begin = value("start")
    if shock.end is not None:
        end = np.full(len(reps), to_day(shock.end, start_date))
    elif shock.duration_days is not None:
        end = begin + value("duration_days")
    else:
        end = np.full(len(reps), float(horizon_days))
    occurs = occurrence(shock, index, seed, reps)
    if not occurs.all():  # an empty window at the horizon: never active, no onset
        begin = np.where(occurs, begin, float(horizon_days))
        end = np.where(occurs, end, float(horizon_days))
    size, delay = value(shock.size_field), value(shock.delay_field)
    return ShockDraws(shock, index, begin, end, size, delay, occurs)


def max_extra_delay_days(draws_: Sequence[ShockDraws], network: Network) -> np.ndarray:
    """Upper bound per link of the days shocks can add to a shipment (sizes transit buffers)."""
    extra = np.zeros(len(network.links))
    for d in draws_:
        extra += d.shock.max_delay_days(d, network)
    return extra


def amount_text(value: Amount, percent: bool = False) -> str:
    """A number (as a percentage of 1 when `percent`) or a distribution, for the report:
    `60%`, `4`, `uniform(low=0.3, high=1)`."""
    if isinstance(value, Distribution):
        args = value.model_dump(exclude_none=True)
        kind = args.pop("dist")
        return f"{kind}(" + ", ".join(f"{k}={v:g}" for k, v in args.items()) + ")"
    return f"{value * 100:g}%" if percent else f"{value:g}"


_PLURAL = {
    "mine": "mines",
    "refinery": "refineries",
    "plant": "plants",
    "recycler": "recyclers",
    "market": "markets",
    "stockpile": "stockpiles",
}


def selection_text(select: Selector, noun: str = "nodes") -> str:
    """A selector in plain words: `mines or refineries in CN handling rare_earths`."""
    words = [" or ".join(_PLURAL[k] for k in select.kinds) if select.kinds else noun]
    if select.nodes:
        words.append("named " + ", ".join(select.nodes))
    if select.countries:
        words.append("in " + ", ".join(select.countries))
    if select.regions:
        words.append("in region " + ", ".join(select.regions))
    if select.minerals:
        words.append("handling " + ", ".join(select.minerals))
    if select.owner_countries:
        words.append("owned from " + ", ".join(select.owner_countries))
    return " ".join(words)


def did_you_mean(name: str, known: Sequence[str], what: str) -> str:
    """The closest known name as a suggestion, else what kind of name is expected."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else f"the name of a {what}"


def check_selection(
    select: Selector,
    network: Network,
    where: Where,
    accepts: Callable[[NodeSpec], bool],
    none_found: str,
    expected: str = "a selection that matches at least one",
) -> list[Problem]:
    """Unknown node names (with a did-you-mean), else a selection with no node it acts on."""
    unknown = [name for name in select.nodes if name not in network.nodes]
    if unknown:
        return [
            Problem(
                where,
                f"selects unknown node '{name}'",
                did_you_mean(name, sorted(network.nodes), "node"),
            )
            for name in unknown
        ]
    if not any(accepts(network.nodes[name]) for name in select.select(network)):
        return [Problem(where, f"selects no {none_found}", expected)]
    return []
