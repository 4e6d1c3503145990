"""The recorded series of the 2023-2025 episodes, each point with its source (the rows of
shared/reference/minerals-reference*.md/.csv it was read from). The 2010-2014 records are in
tools/backtest_records.py. [UNCERTAIN] and [DERIVED] flags are kept in the notes.

`in_sample` marks a point that was used to set the episode scenario's shock (its severity, end
or delay): it is scored with the others, and counted apart in the skill table, since it is no
independent test of the model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    day: dt.date
    """The day it stands for: the 15th for a month, the day of a spot price."""
    value: float
    source: str
    in_sample: bool = False


def month(year: int, m: int) -> dt.date:
    return dt.date(year, m, 15)


# -- 2023-2024 gallium ------------------------------------------------------------------------

GA_REF = "minerals-reference.md, disruption table row 'China Ga/Ge export licensing'"
GALLIUM_BASE_T = 5.611
"""China's wrought gallium exports in Nov-2022, t: the month a year before the first recorded
controlled month (rawmaterials.net, China customs; 5,611 kg in cn_gallium_controls_2023,
'5.6 t' in the reference row). Taken as the pre-control monthly level (ASSUMPTION: one month
stands for the normal rate; no 2022 monthly series is in hand [GAP])."""

GALLIUM_EXPORTS = [
    Point(month(2023, 7), 5.15, f"Reuters 20-Sep-2023 ({GA_REF}): July pre-control rush"),
    Point(
        month(2023, 8),
        0.0,
        f"Reuters 20-Sep-2023 ({GA_REF}): zero in August",
        in_sample=True,  # the scenario's one-month full stop
    ),
    Point(
        month(2023, 11),
        1.53,
        f"rawmaterials.net, China customs ({GA_REF}): 1.5 t vs 5.6 t a year earlier",
        in_sample=True,  # the scenario's severity 0.73
    ),
]
"""China's wrought gallium exports, t/month."""

GALLIUM_BASE_USD_PER_KG = 240.0
GALLIUM_PRICE = [
    Point(dt.date(2024, 6, 15), 380.0 / 240.0, f"USGS MCS2025 ({GA_REF}): $380/kg Jun-24"),
    Point(dt.date(2024, 10, 15), 420.0 / 240.0, f"USGS MCS2025 ({GA_REF}): $420/kg Oct-24"),
]
"""China's low-purity gallium price, multiple of $240/kg in Jun-2023 [DERIVED ratios]."""

# -- 2025 rare-earth magnets ------------------------------------------------------------------

MAGNET_CSV = "minerals-reference-2026.csv, magnet_trade"
MAGNETS_BASE_T = 58_152 / 12
"""China's RE permanent-magnet exports in 2024, 58,152 t (Adamas Intelligence, 'Record rare
earth magnet exports from China in 2024'; the CSV's 2024 row) / 12 = 4,846 t/month [DERIVED]:
the pre-control monthly level."""

MAGNET_EXPORTS = [
    Point(
        month(2025, 5),
        1_238.0,
        "China customs via WSJ/Automotive World 20-Jun-2025 (minerals-reference.md row 'China "
        "REE + magnet licensing'): 1,238 t, -74% y/y",
        in_sample=True,  # the scenario's severity 0.74
    ),
    Point(
        month(2025, 8),
        6_146.0,
        f"China GAC via Reuters/Telegraph India 20-Oct-2025 ({MAGNET_CSV} exports_Jan_Sep): "
        "Aug 6,146 t (7-month high)",
    ),
    Point(
        month(2025, 9),
        5_774.0,
        f"China GAC via Reuters/Telegraph India 20-Oct-2025 ({MAGNET_CSV} exports_Jan_Sep): "
        "Sep 5,774 t (+17.5% y/y)",
    ),
    Point(
        month(2025, 10),
        4_343.5,
        f"China GAC via Reuters/Tom's Hardware ({MAGNET_CSV} exports_Jan_Oct): Oct 4,343.5 t "
        "(-8.6% y/y) [wownews24x7]; the Jan-Oct total less Jan-Sep gives 5,473 t [UNCERTAIN]",
    ),
]
"""China's RE permanent-magnet exports to the world, t/month. The US series (May 46 t, Jul
619, Aug 589, Sep 420) and the Japan series (Sep-Dec) are not scored: neither country's magnet
buyers are apart in the magnet flows of the network with a sourced base (the US sits in the
rest of the world's magnet markets; Japan's 2025 annual 4,877.6 t [UNCERTAIN] conflicts with
its monthly high of 305 t)."""

# -- 2025 DRC cobalt --------------------------------------------------------------------------

CO_CSV = "minerals-reference-2026.csv"
COBALT_BASE_T = 226_000 / 12
"""DRC cobalt mine output 2024, 226,000 t Co (USGS MCS2026, revised; minerals-reference.md
cobalt table) / 12 = 18,833 t/month, taken as its monthly exports before the ban (ASSUMPTION:
the DRC exports what it mines as hydroxide; its own refining is small)."""

COBALT_EXPORTS = [
    *[
        Point(
            month(2025, m),
            0.0,
            "[DERIVED] from the legal suspension 22-Feb to 15-Oct-2025 (ARECOMS; USGS MCS2026; "
            "minerals-reference.md row 'DRC cobalt export suspension'): no exports",
            in_sample=True,  # the ban itself is the scenario's shock
        )
        for m in range(3, 10)
    ],
    *[
        Point(
            month(2025, m),
            0.0,
            f"SMM 31-Dec-2025; Reuters 22-Dec-2025 ({CO_CSV} export_quota "
            "shipments_by_end_2025): no completed quota exports by 31-Dec-2025 (~0, pilot "
            "cargoes only in early Jan-2026)",
        )
        for m in range(10, 13)
    ],
]
"""DRC cobalt exports, t Co/month (Oct-2025: the ban lasted to the 15th, then quotas)."""

COBALT_BASE_USD_PER_T = 22_000.0
COBALT_PRICE = [
    Point(
        dt.date(2025, 3, 11),
        1.432,
        f"Fastmarkets via Reuters/Africanews 11-Mar-2025 ({CO_CSV} price pre_ban_price): "
        "+43.2% in 12 sessions",
    ),
    Point(
        dt.date(2025, 6, 15),
        1.6,
        "USGS MCS2026 Cobalt (minerals-reference.md row 'DRC cobalt export suspension'): "
        "metal +~60% by June [UNCERTAIN: approximate]",
    ),
    Point(
        dt.date(2025, 7, 11),
        15.725 * 2204.62 / 22_000,
        f"Fastmarkets 11-Jul-2025 ({CO_CSV} price Rotterdam spot): $15.35-16.10/lb, midpoint "
        "x 2,204.62 lb/t / 22,000 [DERIVED]",
    ),
    Point(
        dt.date(2025, 12, 31),
        2.0,
        f"Bloomberg via miningandbusiness 14-Jan-2026 ({CO_CSV} price hydroxide row): "
        "benchmark metal '>2x' since Feb-2025 (a lower bound)",
    ),
]
"""Cobalt metal price, multiple of the 22,000 USD/t before the ban. Hydroxide (~4x by Dec)
is not compared: the model has one cobalt price for every stage."""
