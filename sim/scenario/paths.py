"""Paths over years: market demand and node capacity that change with time (growth, targets,
announced expansions), as multipliers on the network's base values.

A path is a table of multipliers by year (`by_year`, read at 1 January of each year, linear in
between, flat before the first and after the last year) or a compound growth rate from the
scenario start (`growth_per_year`, factor (1 + g)^(days / 365.25)). Paths are deterministic,
the same in every replication; the engine reads them at every review (DESIGN.md section 4:
"capacity may change over time").

Demand paths also move what the network plans for: expected flows, stock targets and contract
volumes upstream are re-planned every `replan_days` from the demand of that day, so a growing
market pulls a growing supply chain (and a supply chain whose capacity does not grow falls
short).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from sim.scenario.errors import Problem, Where
from sim.scenario.network import Network
from sim.scenario.selector import Selector
from sim.scenario.spec import AtMost, Multiplier, Spec, Year

GrowthRate = Annotated[
    float,
    Field(gt=-1),
    AtMost(2, "per year", "tripling every year for a decade is 59,000-fold: a unit mistake"),
]
"""A compound growth rate per year (0.12 = +12% a year; negative for decline, above -1)."""


class PathSpec(Spec):
    """A multiplier on a base value over time: a table by year or a growth rate."""

    by_year: dict[Year, Multiplier] | None = Field(
        None,
        description="Multiplier by year, e.g. `{2024: 1.0, 2030: 2.5}`: read at 1 January, "
        "linear in between, flat before the first and after the last year.",
    )
    growth_per_year: GrowthRate | None = Field(
        None,
        description="Compound growth per year from the scenario start (0.12 = +12% a year): "
        "factor (1 + g)^(days / 365.25). Give this or `by_year`.",
    )
    source: str = Field("", description="Where the path comes from (a source or 'assumption').")

    @model_validator(mode="after")
    def _one_form(self) -> PathSpec:
        if (self.by_year is None) == (self.growth_per_year is None):
            raise ValueError("give exactly one of `by_year` (a table) or `growth_per_year`")
        if self.by_year is not None and not self.by_year:
            raise ValueError("`by_year` needs at least one year")
        return self

    def curve(self, start: dt.date) -> Curve:
        """The path as days from `start` and factors."""
        if self.growth_per_year is not None:
            return Curve(np.zeros(0), np.zeros(0), self.growth_per_year)
        assert self.by_year is not None
        years = sorted(self.by_year)
        days = np.array([(dt.date(y, 1, 1) - start).days for y in years], dtype=float)
        return Curve(days, np.array([self.by_year[y] for y in years], dtype=float))


class DemandPath(PathSpec):
    """Demand of the selected markets over time."""

    markets: Selector = Field(description="Which markets (a selector; only markets are used).")


class CapacityPath(PathSpec):
    """Capacity of the selected mines, refineries, plants or recyclers over time."""

    nodes: Selector = Field(description="Which nodes (a selector; markets and stockpiles ignored).")


ReplanDays = Annotated[int, Field(ge=1, le=365)]


class Paths(Spec):
    """Demand and capacity paths over years."""

    demand: list[DemandPath] = Field([], description="Demand paths of markets.")
    capacity: list[CapacityPath] = Field([], description="Capacity paths of nodes.")
    replan_days: ReplanDays = Field(
        91,
        description="Days between re-plans of expected flows, stock targets and contracts "
        "while demand paths or projects change the network (default: a quarter).",
    )

    @property
    def any(self) -> bool:
        return bool(self.demand or self.capacity)


@dataclass(frozen=True)
class Curve:
    """A multiplier as a function of the day: linear between knots (flat outside), or compound
    growth when `growth` is set."""

    days: np.ndarray
    factors: np.ndarray
    growth: float | None = None

    def at(self, day: float) -> float:
        if self.growth is not None:
            return float((1.0 + self.growth) ** (day / 365.25))
        return float(np.interp(day, self.days, self.factors))


PRODUCERS = ("mine", "refinery", "plant", "recycler")


def resolve(
    paths: Paths, network: Network, start: dt.date, locate: Callable[[tuple[str | int, ...]], Where]
) -> tuple[dict[str, Curve], dict[str, Curve], list[Problem]]:
    """Demand curves per market and capacity curves per node, and the problems: a path that
    selects nothing, or two paths for the same node (they would be ambiguous: write one)."""
    problems: list[Problem] = []
    out: list[dict[str, Curve]] = [{}, {}]
    groups: tuple[tuple[Sequence[DemandPath | CapacityPath], str, tuple[str, ...]], ...] = (
        (paths.demand, "demand", ("market",)),
        (paths.capacity, "capacity", PRODUCERS),
    )
    for slot, (entries, field, kinds) in enumerate(groups):
        first: dict[str, int] = {}
        for i, entry in enumerate(entries):
            selector = entry.markets if isinstance(entry, DemandPath) else entry.nodes
            names = [n for n in selector.select(network) if network.nodes[n].kind in kinds]
            at = locate(("paths", field, i))
            if not names:
                problems.append(
                    Problem(
                        at,
                        f"this {field} path selects no "
                        + ("market" if field == "demand" else "mine, refinery, plant or recycler"),
                        "a selector that matches nodes of the network, e.g. "
                        + ("{nodes: [jp_ev]}" if field == "demand" else "{countries: [AU]}"),
                    )
                )
            for name in names:
                if name in first:
                    problems.append(
                        Problem(
                            at,
                            f"'{name}' already has a {field} path (paths.{field}[{first[name]}])",
                            "one path per node: merge the two into one table",
                        )
                    )
                    continue
                first[name] = i
                out[slot][name] = entry.curve(start)
    return out[0], out[1], problems
