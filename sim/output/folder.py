"""The results folder: which files it holds, what each means, and reading it back.

`results/<name>/` is what `sim.output.writers` writes and what the charts and the report read.
This module names the files with a description each (the `*_FILES` tables, listed in the
report), reads a folder into `Results` (`load`) and offers the views of it the charts and the
report share: the kind of results, when each shock was in force, one row per market, the
network's nodes, and `RunInfo` (what a chart's footer says) from the provenance.

It reads files and nothing else: it imports neither the engine nor the analysis, so that
pictures and the report depend only on what is on disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from sim.output import tables
from sim.output.labels import generated_label
from sim.output.results_files import BASELINE as BASELINE
from sim.output.results_files import COMPARISON_FILES as COMPARISON_FILES
from sim.output.results_files import COMPARISON_WORLD_FILES as COMPARISON_WORLD_FILES
from sim.output.results_files import COVERAGE_FILES as COVERAGE_FILES
from sim.output.results_files import COVERAGE_KINDS as COVERAGE_KINDS
from sim.output.results_files import CSV_FILES as CSV_FILES
from sim.output.results_files import ENSEMBLE_FILES as ENSEMBLE_FILES
from sim.output.results_files import ENSEMBLE_WORLD_FILES as ENSEMBLE_WORLD_FILES
from sim.output.results_files import FILES as FILES
from sim.output.results_files import KEY_COLUMNS as KEY_COLUMNS
from sim.output.results_files import (
    ONE_REPLICATION_COMPARISON_FILES as ONE_REPLICATION_COMPARISON_FILES,
)
from sim.output.results_files import ORIGIN_FILES as ORIGIN_FILES
from sim.output.results_files import PRICES_ON_OFF_FILES as PRICES_ON_OFF_FILES
from sim.output.results_files import STRESS_FILES as STRESS_FILES
from sim.output.results_files import TEXT_COLUMNS_OF as TEXT_COLUMNS_OF
from sim.output.results_files import WORLD_FILES as WORLD_FILES

Kind = Literal["single", "ensemble", "comparison", "stress", "sensitivity", "optimise"]
"""What a results folder holds: one run, replications, policies, a stress test or a tornado."""


@dataclass(frozen=True)
class RunInfo:
    """What every chart's footer says: which scenario, seed and how many replications; the
    review period (days) and horizon (days) that per-review units and date spans use."""

    scenario: str
    seed: int | None = None
    replications: int = 1
    step_days: int = 7
    horizon_days: int | None = None
    version: str = ""
    requested: int = 0
    """Replications asked for when one stood for all (no random inputs); 0 otherwise."""

    @classmethod
    def from_provenance(cls, prov: dict[str, Any]) -> RunInfo:
        """From provenance.json as the writers write it (missing fields take defaults)."""
        return cls(
            scenario=str(prov.get("scenario", "?")),
            seed=prov.get("seed"),
            replications=int(prov.get("replications") or 1),
            step_days=int(prov.get("step_days") or 7),
            horizon_days=prov.get("horizon_days"),
            version=str(prov.get("package_version", "")),
            requested=int(prov.get("replications_requested") or 0),
        )

    def footer(self) -> str:
        """'scenario x   ·   seed 42   ·   20 replications   ·   sim 0.1.0'."""
        reps = f"{self.replications:,} replication" + ("s" if self.replications != 1 else "")
        parts = [f"scenario {self.scenario}", f"seed {self.seed}", reps]
        if self.version:
            parts.append(f"sim {self.version}")
        return "   ·   ".join(parts)

    def per_review(self) -> str:
        """'per week' or 'per 10 days': the period flows are counted over."""
        return (
            "per week"
            if self.step_days == 7
            else ("per day" if self.step_days == 1 else f"per {self.step_days} days")
        )


@dataclass
class Results:
    """The frames of a results folder; a file that is absent is None."""

    folder: Path
    provenance: dict[str, Any]
    scenario: dict[str, Any]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def get(self, name: str) -> pd.DataFrame | None:
        """The table `name` ('markets', 'bands' ...), or None if the folder has none."""
        return self.frames.get(name)

    def metric_values(self) -> tuple[pd.DataFrame | None, str]:
        """The metric rows a report states and the column of their value: an ensemble's
        summary.csv ('mean'), else metrics.csv of the first replication ('value')."""
        if self.ensemble:
            return self.get("summary"), "mean"
        frame = self.get("metrics")
        if frame is not None:
            frame = frame[frame["rep"] == frame["rep"].min()]
        return frame, "value"

    @property
    def info(self) -> RunInfo:
        """The footer facts, the horizon taken from the scenario when provenance lacks it."""
        info = RunInfo.from_provenance(self.provenance)
        if info.horizon_days is None and "horizon_days" in self.scenario:
            info = RunInfo(
                info.scenario,
                info.seed,
                info.replications,
                info.step_days,
                int(self.scenario["horizon_days"]),
                info.version,
                info.requested,
            )
        return info

    @property
    def ensemble(self) -> bool:
        """True for replications summarised across runs (ensembles and comparisons)."""
        return "summary" in self.frames or "bands" in self.frames

    @property
    def policies(self) -> list[str]:
        """A policy comparison's runs, the baseline first, in the scenario's order; [] for
        other results."""
        present: list[str] = []
        for name in ("summary", "bands", "metrics"):
            frame = self.frames.get(name)
            if frame is not None and "policy" in frame:
                present = [str(p) for p in dict.fromkeys(frame["policy"])]
                break
        named = [BASELINE, *(self.provenance.get("policies") or [])]
        return [p for p in named if p in present] + [p for p in present if p not in named]

    @property
    def kind(self) -> Kind:
        """What the folder holds; a sensitivity table or stress ranking wins over the rest."""
        if self.frames.get("trials") is not None:
            return "optimise"
        for name in ("sensitivity", "sensitivity_indices", "stress"):
            frame = self.frames.get(name)
            if frame is not None and len(frame):
                return "stress" if name == "stress" else "sensitivity"
        if self.policies:
            return "comparison"
        return "ensemble" if self.ensemble else "single"

    def for_policy(self, policy: str) -> Results:
        """The results of one run of a policy comparison, as if it were an ensemble alone."""
        frames = {
            name: frame[frame["policy"] == policy].drop(columns="policy")
            for name, frame in self.frames.items()
            if "policy" in frame and name not in ("comparison", "ranking")
        }
        return Results(self.folder, self.provenance, self.scenario, frames)


def load(folder: Path | str) -> Results:
    """Read the provenance, the resolved scenario and every CSV a results folder holds."""
    folder = Path(folder)
    prov_path = folder / "provenance.json"
    if not prov_path.is_file():
        raise FileNotFoundError(f"{folder} is not a results folder: it has no provenance.json")
    provenance = json.loads(prov_path.read_text())
    resolved = folder / "scenario.resolved.yaml"
    scenario = (yaml.safe_load(resolved.read_text()) or {}) if resolved.is_file() else {}
    frames = {}
    for name in CSV_FILES:
        path = folder / f"{name}.csv"
        parquet = folder / f"{name}.parquet"
        text = (*KEY_COLUMNS, *TEXT_COLUMNS_OF.get(name, ()))
        if path.is_file() and path.stat().st_size > 1:
            frames[name] = tables.read_csv(path, text)
        elif parquet.is_file():
            frames[name] = tables.read_parquet(parquet, text)
    return Results(folder, provenance, scenario, frames)


WINDOW_COLUMNS = ["shock", "start", "end", "drawn", "probability"]
"""The columns of `shock_windows`."""
MEDIAN_DRAWS = 20_001
"""Draws (of a fixed generator, so every chart agrees) from which the median of a shock's drawn
start or duration is taken."""


def shock_windows(results: Results) -> pd.DataFrame:
    """When each shock was in force: from events.csv (single runs, drawn dates), else from the
    scenario's dates. A shock whose start or duration is drawn from a distribution (an ensemble)
    gets its median window: the median start to the median start plus the median duration
    (`drawn` True; charts say so in their legend), not the horizon's end.
    Columns shock, start, end (Timestamps; the window is [start, end)), drawn (bool),
    probability (the share of replications in which it happens, as declared; 1 in a single
    run's rows, which list only shocks that happened)."""
    events = results.get("events")
    start = as_date(results.scenario.get("start"))
    horizon = results.info.horizon_days
    if events is not None and not events.empty:
        rows = []
        for shock, group in events.groupby("shock", sort=False):
            begin = group.loc[group["event"] == "start", "date"]
            end = group.loc[group["event"] == "end", "date"]
            if begin.empty:
                continue
            finish = (
                pd.Timestamp(end.iloc[0])
                if not end.empty or start is None
                else start + pd.Timedelta(days=horizon or 0)
            )
            rows.append(
                {
                    "shock": str(shock),
                    "start": pd.Timestamp(begin.iloc[0]),
                    "end": finish,
                    "drawn": False,
                    "probability": 1.0,
                }
            )
        return pd.DataFrame(rows, columns=WINDOW_COLUMNS)
    rows = []
    for i, shock in enumerate(results.scenario.get("shocks") or []):
        drawn_start, drawn_duration = (
            _median_days(shock.get("start")),
            _median_days(shock.get("duration_days")),
        )
        first = _shock_day(shock.get("start"), start)
        if first is None and drawn_start is not None and start is not None:
            first = start + pd.Timedelta(days=drawn_start)
        if first is None:
            continue
        last = _shock_day(shock.get("end"), start)
        duration = shock.get("duration_days")
        if last is None and isinstance(duration, int | float):
            last = first + pd.Timedelta(days=float(duration))
        if last is None and drawn_duration is not None:
            last = first + pd.Timedelta(days=drawn_duration)
        if last is None and start is not None and horizon:
            last = start + pd.Timedelta(days=horizon)
        if last is None:
            continue
        if start is not None and horizon:
            last = min(last, start + pd.Timedelta(days=horizon))
        label = shock.get("name") or f"{shock.get('type', 'shock')}#{i + 1}"
        drawn = drawn_start is not None or drawn_duration is not None
        chance = float(shock.get("probability", 1.0))
        rows.append(
            {
                "shock": str(label),
                "start": first,
                "end": last,
                "drawn": drawn,
                "probability": chance,
            }
        )
    return pd.DataFrame(rows, columns=WINDOW_COLUMNS)


def _median_days(value: Any) -> float | None:
    """The median of a number of days drawn from a distribution (a `{dist: ...}` mapping of
    the resolved scenario), None when the value is not drawn."""
    if not isinstance(value, dict) or "dist" not in value:
        return None
    from pydantic import TypeAdapter

    from sim.scenario.randomness import AnyDistribution

    dist = TypeAdapter(AnyDistribution).validate_python(value)
    return float(np.median(dist.draw(np.random.default_rng(0), MEDIAN_DRAWS)))


def as_date(value: Any) -> pd.Timestamp | None:
    """A scenario date ('2025-01-01') as a Timestamp; None for absent, drawn or bad values."""
    if value is None or isinstance(value, dict):
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        return None


def _shock_day(value: Any, start: pd.Timestamp | None) -> pd.Timestamp | None:
    """A shock's start or end (a date, or days after the scenario's start) as a Timestamp."""
    if isinstance(value, bool) or value is None or isinstance(value, dict):
        return None
    if isinstance(value, int | float):
        return None if start is None else pd.Timestamp(start) + pd.Timedelta(days=float(value))
    return as_date(value)


def market_table(results: Results) -> pd.DataFrame:
    """One row per market: market, country, unit, sector, minerals (tuple) in the results'
    order (markets.csv for single runs, else the first replication's metrics)."""
    metrics = results.get("metrics")
    markets = results.get("markets")
    rows: dict[str, dict[str, Any]] = {}
    if markets is not None:
        for row in markets[markets["rep"] == markets["rep"].min()].itertuples(index=False):
            rows[str(row.market)] = {
                "market": str(row.market),
                "country": str(row.country),
                "unit": str(row.unit),
                "sector": str(row.sector),
            }
    if metrics is not None:
        first = metrics[metrics["rep"] == metrics["rep"].min()]
        for row in first[first["metric"] == "demand_units"].itertuples(index=False):
            rows.setdefault(
                str(row.market),
                {
                    "market": str(row.market),
                    "country": str(row.country),
                    "unit": str(row.unit),
                    "sector": "",
                },
            )
        used = first[first["metric"] == "shortfall_t"].groupby("market", sort=False)["mineral"]
        for market, minerals in used:
            if str(market) in rows:
                rows[str(market)]["minerals"] = tuple(str(m) for m in minerals)
    frame = pd.DataFrame(
        list(rows.values()), columns=["market", "country", "unit", "sector", "minerals"]
    )
    if "minerals" not in frame:
        frame["minerals"] = [()] * len(frame)
    frame["minerals"] = [m if isinstance(m, tuple) else () for m in frame["minerals"]]
    return frame


def market_countries(results: Results) -> dict[str, str]:
    """Market name -> ISO 3166 alpha-2 code of its country."""
    table = market_table(results)
    return {str(m): str(c) for m, c in zip(table["market"], table["country"], strict=True)}


def node_table(results: Results) -> pd.DataFrame | None:
    """name, kind, country, stage and label of every node, from the resolved scenario's
    network (the label as declared, else `labels.generated_label`)."""
    network = results.scenario.get("network") or {}
    nodes = network.get("nodes") or []
    if not nodes:
        return None
    return pd.DataFrame(
        [
            {
                "name": n["name"],
                "kind": n["kind"],
                "country": n["country"],
                "stage": n.get("stage", ""),
                "label": n.get("label") or generated_label(str(n["name"]), str(n["country"])),
            }
            for n in nodes
        ]
    )


def node_labels(results: Results) -> dict[str, str]:
    """Node name -> its name for people (`node_table`'s label); a name the network does not
    hold (an older folder) is absent: use `label_of`."""
    table = node_table(results)
    if table is None:
        return {}
    return dict(zip(table["name"].astype(str), table["label"].astype(str), strict=True))


def label_of(labels: dict[str, str], name: str) -> str:
    """The label of node `name`, the name itself when it has none."""
    return labels.get(name, name)
