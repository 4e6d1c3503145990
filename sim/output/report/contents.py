"""What the report says, in reading order: the title and the blocks of every section."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from sim.output.folder import BASELINE, Results, as_date
from sim.output.report.concentration import concentration_table
from sim.output.report.document import Block
from sim.output.report.drivers import drivers_table
from sim.output.report.drivers_inputs import drivers_inputs
from sim.output.report.exact import identical_note
from sim.output.report.figures import figure_blocks
from sim.output.report.findings import key_findings
from sim.output.report.optimise import optimise_blocks
from sim.output.report.origin import origin_blocks
from sim.output.report.policies import policy_blocks
from sim.output.report.prices import OFF, price_blocks, priced
from sim.output.report.prices_on_off import on_off_blocks
from sim.output.report.provenance import provenance_blocks
from sim.output.report.sensitivity import sensitivity_table
from sim.output.report.shocks import shock_table
from sim.output.report.stress import stress_table
from sim.output.report.summary import summary_blocks
from sim.output.report.timing import timing_table
from sim.output.report.why_not_hit import why_not_hit_blocks
from sim.output.report.world import world_blocks

if TYPE_CHECKING:
    from sim.output.charts import Chart


def document(results: Results, drawn: Sequence[Chart]) -> tuple[str, list[Block]]:
    """The title and the blocks of the report, in reading order."""
    spec, info = results.scenario, results.info
    name = spec.get("name") or info.scenario
    reps = f"{info.replications:,} replication" + ("s" if info.replications != 1 else "")
    if info.requested > info.replications:
        reps += " (exact: no random inputs)"
    policies = [p for p in results.policies if p != BASELINE]
    study = results.kind in ("stress", "sensitivity", "optimise")  # no markets.csv, findings
    if policies:
        kind = f"baseline and {len(policies)} policies, {reps} each"
    elif results.kind == "stress":
        kind = "stress test"
    elif results.kind == "optimise":
        kind = f"portfolio search, {reps} per portfolio"
    elif results.kind == "sensitivity":
        kind = f"sensitivity, {reps} per variant"
        if results.get("sensitivity_indices") is not None:
            method = results.provenance.get("method", "global")
            kind = f"global sensitivity ({method}), {reps} per sample point"
    else:
        kind = f"ensemble of {reps}" if results.ensemble else "single run"
    base = results.for_policy(BASELINE) if policies else results
    blocks, headline = summary_blocks(results, drawn)
    blocks += [
        Block("h2", "Scenario"),
        Block("p", _run_line(results)),
        Block("p", " ".join(str(spec.get("description") or "").split())),
        Block("p", identical_note(results)),
    ]
    world = world_blocks(results)
    prices = price_blocks(results, world=bool(world))
    if not prices and not study and not priced(results).get("commodities"):
        blocks.append(Block("p", OFF))
    if not study:
        blocks += shock_table(results)
        blocks.append(
            Block("h2", "Key findings" + (" without a policy (baseline)" if policies else ""))
        )
        blocks += key_findings(base)
        blocks += drivers_inputs(base)
    blocks += timing_table(base)
    blocks += drivers_table(base)
    blocks += prices
    blocks += policy_blocks(results, policies)
    blocks += concentration_table(base)
    blocks += why_not_hit_blocks(base, drawn)
    blocks += world
    blocks += origin_blocks(results)
    blocks += stress_table(results)
    blocks += sensitivity_table(results)
    blocks += optimise_blocks(results)
    blocks += on_off_blocks(results)
    blocks += figure_blocks([c for c in drawn if c.name != headline])
    blocks += provenance_blocks(results)
    return f"{name}: {kind}", [b for b in blocks if b.text or b.table or b.chart or b.items]


def _run_line(results: Results) -> str:
    spec, info = results.scenario, results.info
    start = as_date(spec.get("start"))
    horizon = info.horizon_days or 0
    period = ""
    if start is not None:
        end = start + pd.Timedelta(days=horizon)
        period = f"{start:%d %b %Y} to {end:%d %b %Y} ({horizon:,} days), "
    base = (
        (spec.get("network") or {}).get("base")
        or (spec.get("network") or {}).get("resolved_from")
        or "inline network"
    )
    reps = f"{info.replications:,} replication" + ("s" if info.replications != 1 else "")
    return (
        f"{period}reviewed every {info.step_days} days; network {base}; seed {info.seed}; "
        f"{reps}; {len(spec.get('shocks') or [])} shock(s)."
    )
