"""What drives the date: per market that falls short, the shock that set it off and the days
of cover, transit and review between the two (from drivers.csv, `sim.analysis.drivers`)."""

from __future__ import annotations

from sim.output.folder import Results, node_labels
from sim.output.report.document import Block, Table
from sim.output.report.formats import days, named


def drivers_table(results: Results) -> list[Block]:
    """A table per market that falls short in the run (single runs and one-replication
    comparisons; ensembles draw their own dates and have no single answer)."""
    frame = results.get("drivers")
    if frame is None or frame.empty:
        return []
    labels = node_labels(results)
    rows = [
        [
            named(labels, str(r["market"])),
            str(r["first_shortfall_date"]),
            f"{r['shock']} ({r['shock_start_date']})"
            + (f"; then {r['then']}" if str(r.get("then") or "") not in ("", "nan") else ""),
            days(float(r["days_after_start"]), "-"),
            days(float(r["market_cover_days"]), "-"),
            days(float(r["cover_on_the_way_days"]), "-"),
            days(float(r["transit_days"]), "-"),
            days(float(r["held_back_days"]), "-"),
            str(r["path"]),
        ]
        for _, r in frame.iterrows()
    ]
    note = (
        "The first shortfall comes when the material between the cut and the market is used "
        "up: the market's own cover, the input and output cover of each node on the way (in "
        "days of their expected use), what was in transit, and any licence review or detour "
        "that holds back what still passes. A partial cut drains these stocks more slowly, "
        "so the date comes later than their sum. Cover and transit are inputs of the network "
        "(see each node's `source`); the path follows the largest supply at each step from "
        "the market up to where the shock acts."
    )
    return [
        Block("h3", "What drives the date of the first shortfall"),
        Block(
            "table",
            table=Table(
                [
                    "market",
                    "first shortfall",
                    "set off by",
                    "days after its start",
                    "market cover (days)",
                    "cover on the way (days)",
                    "in transit (days)",
                    "held back (days)",
                    "path (market <- ... <- where the shock acts)",
                ],
                rows,
                numeric={3, 4, 5, 6, 7},
                note=note,
            ),
        ),
    ]
