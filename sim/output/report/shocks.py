"""The shocks of the scenario as a table: what each hits, when and how hard (each shock type
describes itself, `sim.shocks.describe`), its probability when it may not happen, and its
source; for single runs, the dates drawn in this run."""

from __future__ import annotations

from sim.output.folder import Results, shock_windows
from sim.output.report.document import Block, Table
from sim.output.report.formats import value_text
from sim.shocks import describe


def shock_table(results: Results) -> list[Block]:
    """A 'Shocks' section: one row per declared shock; single runs add the dates drawn."""
    shocks = results.scenario.get("shocks") or []
    if not shocks:
        return [Block("h2", "Shocks"), Block("p", "None: this run has no shocks.")]
    windows = shock_windows(results).set_index("shock") if not results.ensemble else None
    rows = []
    for i, shock in enumerate(shocks):
        label = shock.get("name") or f"{shock.get('type', 'shock')}#{i + 1}"
        try:
            _, target, size = describe(shock)
        except ValueError:  # a results folder written by another version of the schema
            target, size = "", ""
        when = value_text(shock.get("start", ""))
        if shock.get("end") is not None:
            when += f" to {value_text(shock['end'])}"
        elif shock.get("duration_days") is not None:
            when += f" for {value_text(shock['duration_days'])} days"
        chance = float(shock.get("probability", 1.0))
        if chance < 1.0:
            when += f"; occurs with probability {chance * 100:.3g}%"
        if windows is not None and label in windows.index:
            row = windows.loc[label]
            actual = f"{row['start']:%Y-%m-%d} to {row['end']:%Y-%m-%d}"
            if actual != when:
                when += f" (in this run: {actual})"
        rows.append(
            [
                str(label),
                str(shock.get("type", "")),
                target,
                when,
                size,
                " ".join(str(shock.get("source") or "").split()),
            ]
        )
    return [
        Block("h2", "Shocks"),
        Block(
            "table", table=Table(["shock", "type", "what it hits", "when", "size", "source"], rows)
        ),
    ]
