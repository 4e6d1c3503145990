"""The `search:` block: lever parameters an optimiser may vary (`sim optimise`).

Each group is a set of levers written as in a policy (their fields as a starting point) and the
parameters that vary them: a parameter names a field (dotted for a nested one, such as
`node.capacity_tpa`) and a grid from `low` to `high` in steps of `step`, and sets that field in
every lever of the group that has it (the two levers of an NdPr and a Dy/Tb reserve share their
`days`). With `off_at: low` (or `high`), the group's levers are left out when the parameter is at
that end (a reserve of 0 days is no reserve; a cap of 100% on a supplier is no cap). A
candidate portfolio is one value per parameter; its levers are the groups' levers with those
values, compiled as one policy.

Checked at two levels: each parameter's grid (low <= high, a step that divides the range, not
more than `MAX_GRID` points); then against the group's levers (the field exists in at least one
lever and both ends of the grid are values the lever accepts) and the network (each group
compiles at both ends, as a policy would).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, model_validator

from sim.levers import Lever, Policy
from sim.levers.base import Place
from sim.levers.variant import compile_policy
from sim.scenario.errors import Problem
from sim.scenario.spec import Name, Spec
from sim.scenario.yamlio import Document

MAX_GRID = 10_000
"""Most grid points one parameter may have."""
LEVER = TypeAdapter(Lever)


class SearchParameter(Spec):
    """A lever field the optimiser varies over a grid."""

    field: str = Field(
        min_length=1,
        description="The lever field it sets, dotted for a nested field (`days`, `max_share`, "
        "`collection_rate`, `node.capacity_tpa`); in every lever of the group that has it.",
    )
    low: float = Field(description="Smallest value, in the field's unit.")
    high: float = Field(description="Largest value, in the field's unit.")
    step: float = Field(gt=0, description="Grid step, in the field's unit (> 0).")
    off_at: Literal["low", "high"] | None = Field(
        None,
        description="At this end of the grid the group's levers are left out (`low`: a 0-day "
        "reserve is none; `high`: a 100% cap is no cap).",
    )

    @model_validator(mode="after")
    def _grid(self) -> SearchParameter:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        points = (self.high - self.low) / self.step
        if abs(points - round(points)) > 1e-6 * max(1.0, points):
            raise ValueError(
                f"step {self.step:g} does not divide high - low ({self.high - self.low:g}); "
                "pick a step that lands on high"
            )
        if points + 1 > MAX_GRID:
            raise ValueError(f"{points + 1:,.0f} grid points; at most {MAX_GRID:,}")
        return self

    def is_off(self, value: float) -> bool:
        """Whether `value` is the end at which the group's levers are left out."""
        tolerance = 1e-9 * max(1.0, abs(self.step))
        end = {"low": self.low, "high": self.high}.get(self.off_at or "")
        return end is not None and abs(value - end) <= tolerance

    def grid(self) -> list[float]:
        """The grid values, low to high."""
        count = round((self.high - self.low) / self.step)
        return [self.low + i * self.step for i in range(count + 1)]


class SearchGroup(Spec):
    """Levers that vary together, and the parameters that vary them."""

    name: Name = Field(description="Group name (prefix of its parameters in frontier.csv).")
    description: str = Field("", description="What it represents, with the sources of ranges.")
    levers: list[Lever] = Field(min_length=1, description="The levers, as in a policy.")
    parameters: list[SearchParameter] = Field(min_length=1, description="What varies.")

    def label(self, parameter: SearchParameter) -> str:
        """The parameter's column name in the results: `<group>.<field>`."""
        return f"{self.name}.{parameter.field}"

    def with_values(self, values: dict[str, float]) -> list[Any]:
        """The group's levers with each parameter at its value (keyed by `label`); [] when an
        `off_at` parameter is at that end."""
        for parameter in self.parameters:
            if parameter.is_off(values[self.label(parameter)]):
                return []
        levers = []
        for lever in self.levers:
            data = lever.model_dump(mode="json", by_alias=True, exclude_none=True)
            for parameter in self.parameters:
                _set(data, parameter.field, values[self.label(parameter)])
            levers.append(LEVER.validate_python(data))
        return levers


def _has(data: dict[str, Any], path: str, lever: Any) -> bool:
    *parents, last = path.split(".")
    node: Any = data
    model: Any = type(lever)
    for key in parents:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    fields = getattr(model, "model_fields", {})
    return isinstance(node, dict) and (last in node or (not parents and last in fields))


def _set(data: dict[str, Any], path: str, value: float) -> None:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        if isinstance(node, dict) and isinstance(node.get(key), dict):
            node = node[key]
        else:
            return  # a lever without this field keeps its own
    if last in node or not parents:
        node[last] = int(value) if float(value).is_integer() else value


def candidate(groups: list[SearchGroup], values: dict[str, float]) -> Policy | None:
    """The portfolio of `values` as one policy (named `candidate`), or None when every group is
    left out (the baseline)."""
    levers = [lever for group in groups for lever in group.with_values(values)]
    return Policy(name="candidate", levers=levers) if levers else None


def ends(group: SearchGroup) -> Iterator[tuple[str, dict[str, float]]]:
    """The group's values at both ends of every grid (an `off_at` end moves one step in)."""
    for side in ("low", "high"):
        values = {}
        for parameter in group.parameters:
            value = getattr(parameter, side)
            if parameter.off_at == side and parameter.high > parameter.low:
                value += parameter.step if side == "low" else -parameter.step
            values[group.label(parameter)] = value
        yield side, values


def check_search(scenario: Any, doc: Document) -> list[Problem]:
    """Every problem of the scenario's `search:` groups: fields no lever has, ends of a grid
    a lever refuses, and groups that do not compile against the network."""
    problems: list[Problem] = []
    for i, group in enumerate(scenario.spec.search):
        place = Place(doc, ("search", i))
        dumped = [(lv, lv.model_dump(mode="json", by_alias=True)) for lv in group.levers]
        for j, parameter in enumerate(group.parameters):
            if not any(_has(data, parameter.field, lv) for lv, data in dumped):
                known = sorted({k for _, data in dumped for k in data if k != "type"})
                problems.append(
                    Problem(
                        place.at("parameters", j, "field"),
                        f"no lever of group '{group.name}' has a field '{parameter.field}'",
                        f"one of {', '.join(known)} (dotted for a nested field)",
                    )
                )
        if problems:
            continue
        for side, values in ends(group):
            try:
                levers = group.with_values(values)
            except ValidationError as error:
                first = error.errors()[0]
                field = ".".join(str(p) for p in first["loc"][1:]) or "?"
                fields = [p.field for p in group.parameters]
                number = next((j for j, f in enumerate(fields) if field.startswith(f)), 0)
                problems.append(
                    Problem(
                        place.at("parameters", number, side),
                        f"at its {side} end the lever refuses {field}: {first['msg']}",
                        f"a {side} end the lever accepts (or `off_at: {side}` to leave the "
                        "levers out there)",
                    )
                )
                break
            if not levers:
                continue
            policy = Policy(name=f"search-{group.name}", levers=levers)
            _, found = compile_policy(scenario, policy, place)
            if found:
                problems += found
                break
    return problems


def grid_points(groups: list[SearchGroup]) -> float:
    """How many portfolios the grids span (a float: it can be astronomically large)."""
    return math.prod(len(p.grid()) for g in groups for p in g.parameters)
