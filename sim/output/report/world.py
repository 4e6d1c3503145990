"""The 'Paths and projects' section: the demand and capacity paths behind a run with their
sources (paths.csv), and the announced projects with their plan, how often and when they came
online, and their sources (projects.csv); under a policy comparison, also the projects each
policy changes."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.output.folder import BASELINE, Results
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty, replications, share
from sim.output.report.sources import ASSUMPTION_NOTE, assumption, source_text


def world_blocks(results: Results) -> list[Block]:
    """The section, or nothing when the run has neither paths nor projects."""
    paths, projects = results.get("paths"), results.get("projects")
    if (paths is None or paths.empty) and (projects is None or projects.empty):
        return []
    blocks = [Block("h2", "Paths and projects")]
    if paths is not None and not paths.empty:
        blocks += [
            Block(
                "p",
                "Demand and capacity change over the years along these paths: multipliers on "
                "the network's demand or capacity at the start, read at 1 January of each year "
                "and linear in between, the same in every replication (charts: 'Demand, "
                "capacity and projects').",
            ),
            Block("table", table=path_table(paths)),
        ]
    else:
        blocks.append(Block("p", "No demand or capacity paths: the network's values hold."))
    if projects is not None and not projects.empty:
        base = projects[projects["policy"] == BASELINE] if "policy" in projects else projects
        blocks += [
            Block("h3", "Announced projects"),
            Block("table", table=project_table(base)),
            Block("table", table=project_sources(base)),
        ]
        changed = projects[projects["policy"] != BASELINE] if "policy" in projects else None
        if changed is not None and not changed.empty:
            blocks += [
                Block("h3", "Projects the policies change"),
                Block("table", table=changed_table(changed)),
            ]
    return blocks


def path_table(paths: pd.DataFrame) -> Table:
    """One row per path (its markets or nodes share a kind and source): what it moves, the
    multiplier at the end of the run, and its source."""
    rows = []
    for (kind, source), group in paths.groupby(["path", "source"], sort=False):
        last = group[group["day"] == group["day"].max()]
        low, high = float(last["factor"].min()), float(last["factor"].max())
        nodes = list(dict.fromkeys(str(n) for n in group["node"]))
        rows.append(
            [
                str(kind),
                ", ".join(nodes),
                _multiple(low)
                if math.isclose(low, high)
                else f"{_multiple(low)} to {_multiple(high)}",
                source_text(source),
                assumption(source),
            ]
        )
    end = pd.Timestamp(paths["date"].max())
    return Table(
        ["path", "markets or nodes", "multiple at the end", "source", "assumption"],
        rows,
        numeric={2},
        note=f"Multiple: demand or capacity at the end of the run ({end:%d %b %Y}) over its "
        "value at the start "
        "(paths.csv has every year, the base value and the value it gives). " + ASSUMPTION_NOTE,
    )


def _multiple(value: float) -> str:
    return f"x{value:.3g}"


def _when(value: Any) -> str:
    text = str(value if value is not None else "")
    return "" if text in ("", "nan", "NaT") else text


def _online(row: dict[Any, Any]) -> str:
    dates = [_when(row[k]) for k in ("online_p5", "online_p50", "online_p95")]
    if not all(dates):
        return "never built"
    return dates[1] if dates[0] == dates[2] else f"{dates[1]} ({dates[0]} to {dates[2]})"


def project_table(projects: pd.DataFrame) -> Table:
    """One row per announced project: its plan and what came of it (sources: below it)."""
    rows = []
    for row in projects.to_dict("records"):
        rows.append(
            [
                str(row["project"]),
                f"{row['node']} ({row['country']})",
                str(row["minerals"]),
                qty(float(row["capacity_tpa"])),
                _when(row["planned_start"]),
                share(float(row["p_complete"])),
                str(row["delay_days"]),
                share(float(row["share_built"])),
                _online(row),
            ]
        )
    n = int(projects["replications"].max()) if len(projects) else 0
    return Table(
        [
            "project",
            "node",
            "makes",
            "capacity (t/yr)",
            "planned start",
            "P(complete)",
            "delay (days)",
            "built in",
            "first production: median (P5 to P95)",
        ],
        rows,
        numeric={3, 5, 7},
        note=f"Built in: share of the {replications(n)} in which the project was completed; "
        "first production: among those replications (then a linear ramp to full capacity). "
        "Delay: the distribution drawn per replication after the planned start.",
    )


def project_sources(projects: pd.DataFrame) -> Table:
    """Where each project's figures come from."""
    rows = [
        [str(row["project"]), source_text(row["source"]), assumption(row["source"])]
        for row in projects.to_dict("records")
    ]
    return Table(["project", "source", "assumption"], rows, note=ASSUMPTION_NOTE)


def changed_table(changed: pd.DataFrame) -> Table:
    """One row per policy and project it changes."""
    rows = [
        [
            str(row["policy"]),
            str(row["project"]),
            str(row["change"]),
            _when(row["planned_start"]),
            share(float(row["p_complete"])),
            share(float(row["share_built"])),
            _online(row),
        ]
        for row in changed.to_dict("records")
    ]
    return Table(
        [
            "policy",
            "project",
            "what the policy changes",
            "planned start",
            "P(complete)",
            "built in",
            "first production: median (P5 to P95)",
        ],
        rows,
        numeric={4, 5},
        note="The same replications as the baseline (each keeps its own completion and delay "
        "draws), so differences come from the policy alone.",
    )
