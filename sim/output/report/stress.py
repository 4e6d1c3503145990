"""The stress-test ranking (stress.csv) as a table, first 25 targets."""

from __future__ import annotations

import pandas as pd

from sim.output.folder import Results
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty


def stress_table(results: Results) -> list[Block]:
    """A 'Stress test' section: the first 25 targets of stress.csv as ranked there."""
    stress = results.get("stress")
    if stress is None or stress.empty:
        return []
    columns = [str(c) for c in stress.columns]
    rows = [
        [qty(v) if isinstance(v, float) else str(v) for v in row]
        for row in stress.head(25).itertuples(index=False)
    ]
    numeric = {i for i, c in enumerate(columns) if pd.api.types.is_numeric_dtype(stress[c])}
    return [
        Block("h2", "Stress test"),
        Block(
            "table",
            table=Table(
                columns,
                rows,
                numeric,
                note=f"The first {len(rows)} of {len(stress)} targets, in the order of stress.csv.",
            ),
        ),
    ]
