"""What an episode is and how one is run: its scenario document (an existing scenario with the
harness's declared overrides), the shared parameters written over it, the run, and the
comparisons of simulated with recorded series.

Every episode module (ree_2010, gallium_2023, magnets_2025, cobalt_2025) defines one `Episode`.
`switch_off` removes the episode's driving mechanism (its export controls), for the tests that
show each threshold fails without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine import simulate as engine
from sim.scenario import loader, yamlio

from . import parameters as shared
from .skill import Score, score

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@dataclass(frozen=True)
class Comparison:
    """One recorded series against its simulated counterpart.

    `points`: one row per recorded point with columns date, period, recorded, simulated, naive,
    in_sample (the point was used to set the scenario's shock, so it is no independent test),
    source. `path`: the simulated series at every review or month (date, simulated), in the
    record's unit, for the chart."""

    series: str
    unit: str
    points: pd.DataFrame
    path: pd.DataFrame
    note: str

    @property
    def score(self) -> Score:
        return score(self.points)

    @property
    def in_sample(self) -> int:
        """How many of the scored points were used to set the shock."""
        scored = self.points.dropna(subset=["recorded", "simulated"])
        return int(scored["in_sample"].sum())


@dataclass(frozen=True)
class Episode:
    name: str
    title: str
    scenario: Path
    shock: tuple[dt.date, dt.date | None]
    """The shock window shaded on the chart: its start and end (None: to the end of the run)."""
    overrides: Callable[[dict[str, Any], bool], list[str]]
    """Edit the scenario document for the backtest (quick: a shorter run); return what changed."""
    compare: Callable[[engine.RunResult], list[Comparison]]
    switch_off: Callable[[dict[str, Any]], None]
    limits: str
    """What the model cannot do in this episode (printed and in the summary)."""


@dataclass(frozen=True)
class Outcome:
    episode: Episode
    comparisons: list[Comparison]
    changes: list[str]
    result: engine.RunResult


def document(path: Path) -> dict[str, Any]:
    """The scenario file as a plain dict (its network named by `base`, a built-in one)."""
    data = yamlio.load_file(path).data
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario is a mapping")
    return data


def months_since_2000(day: dt.date) -> int:
    """Month index: consecutive months differ by one."""
    return (day.year - 2000) * 12 + day.month - 1


def run(
    episode: Episode,
    params: shared.Parameters,
    quick: bool = False,
    mechanism: bool = True,
) -> Outcome:
    """Run the episode with the shared parameters (and its mechanism, or with it removed)."""
    doc = document(episode.scenario)
    doc.pop("policies", None)  # the backtest is the history, without any policy
    changes = episode.overrides(doc, quick)
    changes += shared.apply(doc, params)
    if not mechanism:
        episode.switch_off(doc)
        changes.append("mechanism switched off (the episode's export controls removed)")
    scenario = loader.from_dict(doc, f"{episode.scenario.name} (backtest {episode.name})")
    result = engine.run(scenario)
    return Outcome(episode, episode.compare(result), changes, result)


def remove_shocks(*types: str) -> Callable[[dict[str, Any]], None]:
    """A switch_off that drops the scenario's shocks of the given types."""

    def switch_off(doc: dict[str, Any]) -> None:
        doc["shocks"] = [s for s in doc.get("shocks", []) if s["type"] not in types]

    return switch_off


def set_run(doc: dict[str, Any], start: dt.date, end: dt.date) -> list[str]:
    """Make the run go from `start` to `end` (exclusive); shocks dated on or after `end` are
    dropped (a shorter run)."""
    old = (doc.get("start"), doc.get("horizon_days"))
    doc["start"] = start.isoformat()
    doc["horizon_days"] = (end - start).days
    changes = [f"start, horizon_days: {old[0]}, {old[1]} -> {doc['start']}, {doc['horizon_days']}"]
    kept = [s for s in doc.get("shocks", []) if dt.date.fromisoformat(str(s["start"])) < end]
    if len(kept) < len(doc.get("shocks", [])):
        changes.append(f"shocks starting on or after {end}: dropped (a shorter run)")
        doc["shocks"] = kept
    return changes
