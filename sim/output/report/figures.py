"""The charts of the report, grouped by topic, in the catalogue's reading order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.output.report.document import Block

if TYPE_CHECKING:
    from sim.output.charts import Chart

GROUPS = {
    "stress": "Stress test",
    "sensitivity": "Sensitivity (tornado)",
    "global_sensitivity": "Global sensitivity",
    "optimise": "Portfolio search",
    "overview": "Overview",
    "policies": "Policies",
    "markets": "Markets under stress",
    "risk": "Risk across replications",
    "prices": "Prices",
    "paths": "Demand, capacity and projects",
    "sourcing": "Sourcing by country",
    "origin": "Embodied origin",
    "network": "The network",
    "coverage": "What covered the targeted countries",
}
"""Chart group (`Entry.group`) -> its heading, in the order the report shows them."""
IN_THEIR_SECTION = frozenset({"coverage"})
"""Groups whose charts their own section places ('Why <country> was not hit'), not 'Charts'."""


def figure_blocks(drawn: Sequence[Chart]) -> list[Block]:
    """A 'Charts' section: one heading per group with charts, the charts in drawn order."""
    if not drawn:
        return []
    blocks = [Block("h2", "Charts")]
    for group, heading in GROUPS.items():
        mine = [c for c in drawn if c.group == group and group not in IN_THEIR_SECTION]
        if mine:
            blocks.append(Block("h3", heading))
            blocks += [Block("figure", chart=c) for c in mine]
    return blocks
