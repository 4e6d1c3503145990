"""The world behind a run as results tables: the demand and capacity paths (`paths.csv`) and
the announced projects with the dates they came online (`projects.csv`).

Paths (`sim.scenario.paths`) are deterministic: `path_table` reads each path at the start,
at 1 January of every year of the horizon and at its end. Each market or node takes the first
path that selects it, as the engine does (a second one is refused by the scenario checks).

Projects (`sim.scenario.projects`) come online on a day drawn per replication (inf: never
built). `online_matrix` redraws those days exactly as the engine does (the project's own
stream per replication, with the policy's `Schedules.project_changes`); `project_table`
summarises them: share of replications built and P5/P50/P95 of the first-production date among
the built ones (values that occur in the sample, `metrics.quantiles`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import metrics
from sim.scenario.loader import Scenario
from sim.scenario.network import MarketSpec, outputs
from sim.scenario.paths import PRODUCERS, CapacityPath, DemandPath
from sim.scenario.projects import online_days
from sim.scenario.randomness import Distribution

PATHS_COLUMNS = (
    "path",
    "node",
    "node_kind",
    "country",
    "minerals",
    "date",
    "day",
    "factor",
    "base",
    "value",
    "unit",
    "source",
)
"""paths.csv: per path, node and date: the multiplier on the node's base demand (units/yr) or
capacity (t/yr), the value it gives, and the path's source."""
PROJECTS_COLUMNS = (
    "project",
    "node",
    "node_kind",
    "country",
    "minerals",
    "capacity_tpa",
    "planned_start",
    "ramp_up_days",
    "p_complete",
    "delay_days",
    "change",
    "replications",
    "share_built",
    "online_p5",
    "online_p50",
    "online_p95",
    "capital_cost_usd",
    "source",
)
"""projects.csv: per project, its plan as run (after any policy change), the share of
replications in which it was built and P5/P50/P95 of its first-production date among them."""


def year_days(scenario: Scenario) -> list[int]:
    """Days from the start at which the paths are tabulated: the start, 1 January of each
    later year within the horizon, and the end of the horizon."""
    spec = scenario.spec
    end = spec.horizon_days
    days = [0]
    for year in range(spec.start.year + 1, spec.start.year + end // 365 + 2):
        day = (dt.date(year, 1, 1) - spec.start).days
        if 0 < day <= end:
            days.append(day)
    if days[-1] != end:
        days.append(end)
    return days


def path_table(scenario: Scenario) -> pd.DataFrame | None:
    """Every market's demand factor and every node's capacity factor per year, with the
    value it gives and its source (None when the scenario has no paths)."""
    spec, network = scenario.spec, scenario.network
    if not spec.paths.any:
        return None
    days = year_days(scenario)
    dates = [spec.start + dt.timedelta(days=d) for d in days]
    rows: list[dict[str, Any]] = []
    groups: tuple[tuple[str, list[DemandPath] | list[CapacityPath], tuple[str, ...]], ...] = (
        ("demand", list(spec.paths.demand), ("market",)),
        ("capacity", list(spec.paths.capacity), PRODUCERS),
    )
    for path, entries, kinds in groups:
        seen: set[str] = set()
        for entry in entries:
            selector = entry.markets if isinstance(entry, DemandPath) else entry.nodes
            curve = entry.curve(spec.start)
            for name in selector.select(network):
                node = network.nodes[name]
                if node.kind not in kinds or name in seen:
                    continue
                seen.add(name)
                if isinstance(node, MarketSpec):
                    base = node.demand_units_per_year
                    unit, minerals = f"{node.unit}/yr", list(node.intensity_kg_per_unit)
                else:
                    base = float(getattr(node, "capacity_tpa", np.nan))
                    unit, minerals = "t/yr", [m for m, _ in outputs(node)]
                for day, date in zip(days, dates, strict=True):
                    factor = curve.at(float(day))
                    rows.append(
                        {
                            "path": path,
                            "node": name,
                            "node_kind": node.kind,
                            "country": node.country,
                            "minerals": ", ".join(dict.fromkeys(minerals)),
                            "date": date,
                            "day": day,
                            "factor": factor,
                            "base": base,
                            "value": base * factor,
                            "unit": unit,
                            "source": " ".join(entry.source.split()),
                        }
                    )
    return pd.DataFrame(rows, columns=list(PATHS_COLUMNS))


def online_matrix(scenario: Scenario, reps: range) -> np.ndarray | None:
    """Day of first production of each project in each replication, (projects, R), inf where
    never built, as the engine draws them (None when the scenario has no projects)."""
    projects = scenario.world.projects
    if not projects:
        return None
    changes = scenario.schedules.project_changes
    return np.stack(
        [online_days(p, scenario.spec.seed, reps, changes.get(p.name)) for p in projects]
    )


def project_table(scenario: Scenario, online: np.ndarray | None) -> pd.DataFrame | None:
    """One row per project: its plan as run, the share of replications that built it and
    P5/P50/P95 of its first-production date among those (blank where none did)."""
    if online is None:
        return None
    spec, network = scenario.spec, scenario.network
    changes = scenario.schedules.project_changes
    rows = []
    for i, (declared, project) in enumerate(
        zip(spec.projects, scenario.world.projects, strict=True)
    ):
        change = changes.get(project.name)
        earlier = change.days_earlier if change else 0.0
        p_complete = (
            change.p_complete if change and change.p_complete is not None else project.p_complete
        )
        node = network.nodes[project.node]
        built = online[i][np.isfinite(online[i])]
        quantiles = metrics.quantiles(built) if len(built) else (np.nan, np.nan, np.nan)
        rows.append(
            {
                "project": project.name,
                "node": project.node,
                "node_kind": node.kind,
                "country": node.country,
                "minerals": ", ".join(m for m, _ in outputs(node)),
                "capacity_tpa": float(getattr(node, "capacity_tpa", np.nan)),
                "planned_start": _date(spec.start, project.online - earlier),
                "ramp_up_days": project.ramp_days,
                "p_complete": p_complete,
                "delay_days": describe_distribution(declared.delay_days),
                "change": _change_text(earlier, change.p_complete if change else None),
                "replications": online.shape[1],
                "share_built": len(built) / online.shape[1] if online.shape[1] else np.nan,
                "online_p5": _date(spec.start, quantiles[0]),
                "online_p50": _date(spec.start, quantiles[1]),
                "online_p95": _date(spec.start, quantiles[2]),
                "capital_cost_usd": declared.capital_cost_usd,
                "source": " ".join(declared.source.split()),
            }
        )
    return pd.DataFrame(rows, columns=list(PROJECTS_COLUMNS))


def _date(start: dt.date, day: float) -> dt.date | None:
    """The date `day` days (rounded to whole days) after `start`; None for NaN or inf."""
    if not np.isfinite(day):
        return None
    return start + dt.timedelta(days=round(float(day)))


def _change_text(earlier: float, p_complete: float | None) -> str:
    """What a policy changed about a project ('' for nothing)."""
    parts = []
    if earlier:
        parts.append(f"{earlier:g} days earlier")
    if p_complete is not None:
        parts.append(f"built with probability {p_complete:g}")
    return "; ".join(parts)


def describe_distribution(dist: Distribution) -> str:
    """'triangular(low=0, mode=120, high=240)' or '0' for a fixed value."""
    values = dist.model_dump(exclude={"dist"}, exclude_none=True)
    if getattr(dist, "dist", "") == "fixed":
        return f"{float(values.get('value', 0.0)):g}"
    args = ", ".join(
        f"{k}={v:g}" if isinstance(v, float | int) else f"{k}={v}" for k, v in values.items()
    )
    return f"{getattr(dist, 'dist', type(dist).__name__)}({args})"
