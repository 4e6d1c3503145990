"""2025: China's licensing of heavy rare earths and magnets (scenarios/cn_ree_controls_2025.yaml).

Compared: China's monthly exports of magnets (the network's Chinese magnet plants to every
other country: NdPr and Dy/Tb in component form, t of oxide contained) as a ratio to their
pre-control level, times China's recorded 2024 monthly average (t of magnets), against the
recorded monthly exports. Motor sub-assemblies (the network's Chinese motor plants) are not
magnets in customs data and are left out.

Backtest overrides (declared): the April 2025 rule licensed exports to every destination, and
the record is China's exports to the world, so the scenario's two Japan shocks (severity 0.74,
4 Apr - 30 Jun, a 63-day review) are applied to every destination and its India shocks (set
from India's import record, Apr-Sep) are dropped; the run starts on 3 Jan 2025 (the scenario's
21 Mar leaves two weeks before the controls) and ends on 1 Jan 2026 (quick: 1 Sep 2025);
origin tracking is off (not needed here).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sim.engine import simulate as engine
from sim.scenario.network import Link

from .. import compare, records
from ..episode import SCENARIOS, Comparison, Episode, remove_shocks, set_run

START = dt.date(2025, 4, 4)
END = dt.date(2025, 7, 1)


def overrides(doc: dict[str, Any], quick: bool) -> list[str]:
    end = dt.date(2025, 9, 1) if quick else dt.date(2026, 1, 1)
    changes = set_run(doc, dt.date(2025, 1, 3), end)
    doc.pop("origin", None)
    kept = []
    for shock in doc["shocks"]:
        if shock.get("to_countries") == ["JP"]:
            shock = {k: v for k, v in shock.items() if k != "to_countries"}
            shock["name"] = shock["name"].replace("-> Japan", "-> every destination")
            kept.append(shock)
    doc["shocks"] = kept
    changes.append("shocks: the Japan terms to every destination; the India terms dropped")
    return changes


def magnets(link: Link, result: engine.RunResult) -> bool:
    nodes = result.scenario.network.nodes
    return (
        link.supplier.startswith("cn_magnet_")
        and nodes[link.buyer].country != "CN"
        and link.stage == "component"
    )


def comparisons(result: engine.RunResult) -> list[Comparison]:
    return [
        compare.monthly_exports(
            result,
            magnets,
            START,
            records.MAGNET_EXPORTS,
            records.MAGNETS_BASE_T,
            "China's magnet exports",
            "simulated: NdPr + Dy/Tb in magnets from CN magnet plants abroad, ratio to before "
            "4 Apr 2025 x the 2024 monthly mean (4,846 t)",
        )
    ]


EPISODE = Episode(
    name="magnets_2025",
    title="2025 rare-earth magnets: China's licensing",
    scenario=SCENARIOS / "cn_ree_controls_2025.yaml",
    shock=(START, END),
    overrides=overrides,
    compare=comparisons,
    switch_off=remove_shocks("export_ban"),
    limits=(
        "Severity 0.74 was read off the May point, and the end on 1 Jul from the reference's "
        "'2-3 months': May is in sample, and still missed: with every licensed tonne waiting the "
        "shared 63 days, nothing leaves in May (recorded 1,238 t; some licences were granted "
        "sooner). The model's exports come back to orders after the "
        "cap, with the backlog of licences that passed late; a surge above normal (Aug-Sep) "
        "needs the buyers to rebuild stocks, which follows only from their cover targets. "
        "One network year (2024) stands for 2025 demand."
    ),
)
