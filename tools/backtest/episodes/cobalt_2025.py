"""2025: the DRC's cobalt export ban and quotas (scenarios/drc_cobalt_prices_2025.yaml: the
shocks of drc_cobalt_export_ban_2025 with a scarcity-driven cobalt price).

Compared: the DRC's monthly cobalt exports (its mine to the Chinese and Finnish refineries) as
a ratio to their pre-ban level times the DRC's 2024 monthly output, against the recorded
exports (zero in the ban, ~zero in the first quota quarter); and the world cobalt price as a
multiple of 22,000 USD/t against the recorded metal price multiples.

Backtest overrides (declared): the run starts on 3 Jan 2025 (the scenario's 8 Feb leaves two
weeks before the ban) and ends on 1 Jan 2026 (quick: 1 Aug 2025). The shared licence review
(63 days) replaces the scenario's 80-day hold-up of the first quota shipments, which was read
off the very record compared here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sim.engine import simulate as engine

from .. import compare, records, series
from ..episode import SCENARIOS, Comparison, Episode, remove_shocks, set_run

START = dt.date(2025, 2, 22)
END = dt.date(2025, 10, 16)


def overrides(doc: dict[str, Any], quick: bool) -> list[str]:
    end = dt.date(2025, 8, 1) if quick else dt.date(2026, 1, 1)
    return set_run(doc, dt.date(2025, 1, 3), end)


def comparisons(result: engine.RunResult) -> list[Comparison]:
    return [
        compare.monthly_exports(
            result,
            series.exports_of("CD", "cobalt"),
            START,
            records.COBALT_EXPORTS,
            records.COBALT_BASE_T,
            "DRC cobalt exports",
            "simulated: cobalt leaving the DRC (dated after its licence review), ratio to "
            "before 22 Feb 2025 x the 2024 monthly output (18,833 t)",
        ),
        compare.price(
            result,
            "cobalt",
            "world",
            records.COBALT_PRICE,
            "Cobalt price",
            "simulated: the world cobalt price over 22,000 USD/t; recorded: cobalt metal",
        ),
    ]


EPISODE = Episode(
    name="cobalt_2025",
    title="2025 DRC cobalt: export ban, then quotas",
    scenario=SCENARIOS / "drc_cobalt_prices_2025.yaml",
    shock=(START, None),
    overrides=overrides,
    compare=comparisons,
    switch_off=remove_shocks("export_ban", "export_quota", "export_licensing"),
    limits=(
        "The ban months are the legal suspension itself (in sample); only Oct-Dec test the "
        "model: its first quota tonnes leave in mid-December after the shared 63-day review, "
        "the record's in early January. The price has no expectations: the record's +43% in "
        "the first weeks comes from traders pricing the ban, the model's only from stocks "
        "running down. "
        "Hydroxide (~4x by December) is not compared: one price serves every stage."
    ),
)
