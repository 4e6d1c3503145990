"""The one-at-a-time sensitivity (sensitivity.csv) as a table, largest swing first: per
uncertain input its P5/P50/P95 and the market's mean cumulative shortfall (in the market's
unit) with the input fixed at its P5 and at its P95, and the swing between them."""

from __future__ import annotations

from sim.output.folder import Results
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty
from sim.vocabulary import NOISE_NOTE


def sensitivity_table(results: Results) -> list[Block]:
    """A 'Sensitivity' section: every input of sensitivity.csv in its order (largest swing
    first), or nothing for other results."""
    table = results.get("sensitivity")
    if table is None or table.empty:
        return []
    market, unit = str(table["market"].iloc[0]), str(table["unit"].iloc[0])
    reps = int(table["replications"].iloc[0])
    rows = [
        [
            str(r["input"]),
            f"{qty(float(r['p5']))} / {qty(float(r['p50']))} / {qty(float(r['p95']))}",
            qty(float(r["shortfall_at_p5"])),
            qty(float(r["shortfall_at_p95"])),
            qty(float(r["swing"])),
        ]
        for r in table.to_dict("records")
    ]
    declared = float(table["shortfall_as_declared"].iloc[0])
    return [
        Block("h2", f"Sensitivity of {market}'s shortfall"),
        Block(
            "p",
            f"Mean cumulative shortfall of {market} with every input as declared: "
            f"{qty(declared)} (unit: {unit}; {reps:,} replications per variant, the same draws for "
            "every variant).",
        ),
        Block(
            "table",
            table=Table(
                [
                    "input",
                    "input P5 / P50 / P95",
                    f"shortfall, input at P5 ({unit})",
                    f"shortfall, input at P95 ({unit})",
                    f"swing ({unit})",
                ],
                rows,
                numeric={2, 3, 4},
                note="Each input is fixed in turn at its 5th and 95th percentile while the "
                "others keep their distributions; swing = |shortfall at P95 - shortfall at P5|, "
                "largest first." + (f" {NOISE_NOTE}" if _noise(results) else ""),
            ),
        ),
    ]


def _noise(results: Results) -> bool:
    """Whether the scenario has demand noise (not varied in the tornado)."""
    return bool((results.scenario.get("uncertainty") or {}).get("demand"))
