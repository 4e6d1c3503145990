"""Whether a scenario has random inputs at all: if none, every replication gives the same
numbers, so an ensemble runs one replication and says its figures are exact.

Randomness enters a run only through draws (`sim.scenario.randomness`): the `uncertainty`
section (outages, transit times, demand noise, cover), a shock field or start given as a
distribution, a shock's `probability` below 1, and an announced project's completion
probability below 1 or random delay (also as a policy changes it). `random_inputs` walks the
scenario's resolved spec and the schedules of its policy and names each such input; a policy variant
(`sim.levers.apply`) is checked as its own scenario.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel

from sim.scenario.loader import Scenario
from sim.scenario.randomness import Distribution, Fixed
from sim.scenario.uncertainty import Uncertainty

CHANCES = ("probability", "p_complete")
"""Fields that are a probability of something happening: random below 1."""


def random_inputs(scenario: Scenario) -> list[str]:
    """The random inputs of `scenario` (its policies excluded: each variant is its own
    scenario), as field paths such as `shocks[0].start` or `uncertainty.demand`; empty when
    every replication would give the same numbers."""
    found: list[str] = []
    spec = {name: getattr(scenario.spec, name) for name in type(scenario.spec).model_fields}
    spec.pop("policies", None)
    _walk(spec, "", found)  # the resolved spec holds the world's projects too
    _walk(scenario.schedules, "policy", found)
    return found


def _walk(value: Any, path: str, found: list[str]) -> None:
    if isinstance(value, Distribution):
        if not isinstance(value, Fixed):
            found.append(path)
        return
    if isinstance(value, Uncertainty):
        found += [f"{path}.{name}" for name in type(value).model_fields if getattr(value, name)]
        return
    if isinstance(value, BaseModel):
        items: Any = ((name, getattr(value, name)) for name in type(value).model_fields)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
    elif isinstance(value, dict):
        items = ((str(k), v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", found)
        return
    else:
        return
    for name, item in items:
        where = f"{path}.{name}" if path else name
        if name in CHANCES and isinstance(item, int | float) and item < 1.0:
            found.append(where)
        else:
            _walk(item, where, found)
