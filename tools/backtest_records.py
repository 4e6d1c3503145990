"""The record the 2010 backtest is compared with (tools/backtest_2010.py), with its sources.

China's share of Japan's rare-earth imports for 2009-2014 is read from the reference dataset
(shared/reference/minerals-reference.csv, metric China_share_of_RE_imports; reference §4.1).
Later shares, Japan's import totals and the oxide prices are copied here from the public
pages named beside each figure; figures from outside the reference are marked so, and
[LOW-QUALITY] / [UNCERTAIN] flags are kept. Prices are USD per kg of oxide, FOB China (what
buyers outside China pay) unless the note says otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REFERENCE_SHARE = "minerals-reference.csv"


@dataclass(frozen=True)
class ShareRecord:
    """A recorded share of Japan's rare-earth imports from China, % of tonnes."""

    pct: float
    tier: str
    """'reference' (scored), 'outside the reference' or 'outside the reference, LOW-QUALITY'."""
    source: str


LATER_SHARES: dict[int, ShareRecord] = {
    2018: ShareRecord(
        58.0,
        "outside the reference, LOW-QUALITY",
        "METI annual statistics 2018 (China 58%, Vietnam 14%, France 11%, Malaysia 10%) as "
        "quoted by um-material.com [LOW-QUALITY]",
    ),
    2020: ShareRecord(
        58.0,
        "outside the reference",
        "METI in the Diet (answer by Urata Hideyuki, via gizilog.jp): the share of imports "
        "from China fell from 85% in 2009 to 58% in 2020",
    ),
    2024: ShareRecord(
        71.0,
        "outside the reference",
        "Toyo Keizai 2025 (toyokeizai.net/articles/-/916252, figure 4, MoF data): 84% in "
        "2009, 57% at its lowest, 71% in 2024",
    ),
}
"""Shares after 2014 (none is in the reference)."""

RECORDED_TOTALS: dict[int, tuple[float, str]] = {
    2008: (34_330, "MoF via kksoukan (reference §4.1)"),
    2009: (18_300, "[DERIVED] network note B1"),
    2010: (28_564, "MoF via Reuters/IBTimes Jan-2011 (outside the reference)"),
    2011: (22_524, "[DERIVED, UNCERTAIN] 15,400 t from China / 68.37% (scenario note)"),
    2012: (12_198, "[DERIVED, UNCERTAIN] H1-2012 x 2 (Nikkei via Sina, reference §4.1)"),
    2014: (22_307, "MoF via kksoukan (reference §4.1)"),
}
"""Japan's total rare-earth imports, t (for the chart and the printed totals)."""

RECORDED_MALAYSIA = {2013: 9.0, 2014: 1_218.0}
"""t imported from Malaysia (Lynas), MoF via kksoukan (reference §4.1)."""

OXIDES = ("Nd", "Dy", "La")
BASE_2009_USD_PER_KG = {"Nd": 19.12, "Dy": 115.67, "La": 4.88}
"""2009 annual averages, 99% oxide FOB China (Lynas price table, lynascorp.com, quoted by
raremetalblog.com 27-Jul-2010; outside the reference, same table as the reference's 2008
averages). The backtest's one rare-earth price is mapped to each oxide as its 2009 average x
the simulated multiple of the base price."""

LYNAS_TABLE = "Lynas price table via raremetalblog.com Jul-2010 (outside the reference)"
LYNAS_2011 = "Lynas price table via mining.com Oct/Nov-2011 (reference §4.2)"
MCS2016 = "USGS MCS2016 yearend range, midpoint (docslib copy; reference §4.2 for 2011)"
MCS2019 = "USGS MCS2019 annual average (docslib copy; outside the reference)"
MCS2025 = "USGS MCS2025 annual average, Argus (reference §1.5)"
MCS2026 = "USGS MCS2026 annual average, Argus (minerals-reference-2026.md §7)"


@dataclass(frozen=True)
class PriceRecord:
    """One recorded price: the day it stands for, the oxide, USD/kg and where it comes from."""

    day: dt.date
    oxide: str
    usd_per_kg: float
    what: str
    """'annual average', 'quarter average', 'yearend', 'spot' (a point in time)."""
    source: str
    basis: str = "oxide, FOB China"


COMPARABLE = ("oxide, FOB China", "oxide, international", "PrNd oxide, FOB China")
"""Bases compared with the simulated price outside China (PrNd with Nd: their 2009 averages,
19.12 and 18.03 USD/kg, are 6% apart)."""


def _annual(year: int, values: dict[str, float], source: str) -> list[PriceRecord]:
    return [
        PriceRecord(dt.date(year, 7, 1), o, v, "annual average", source) for o, v in values.items()
    ]


def _yearend(year: int, values: dict[str, float]) -> list[PriceRecord]:
    return [PriceRecord(dt.date(year, 12, 31), o, v, "yearend", MCS2016) for o, v in values.items()]


PRICES: list[PriceRecord] = [
    *_annual(2009, BASE_2009_USD_PER_KG, LYNAS_TABLE),
    *[
        PriceRecord(dt.date(2010, 2, 15), o, v, "quarter average", LYNAS_TABLE)
        for o, v in {"Nd": 27.56, "Dy": 156.50, "La": 6.08}.items()
    ],
    *[
        PriceRecord(dt.date(2010, 7, 26), o, v, "spot", LYNAS_TABLE)
        for o, v in {"Nd": 42.0, "Dy": 280.0, "La": 12.0}.items()
    ],
    PriceRecord(dt.date(2011, 1, 15), "Nd", 130.0, "spot", LYNAS_2011),
    PriceRecord(dt.date(2011, 5, 15), "Dy", 921.2, "quarter average", LYNAS_2011),
    PriceRecord(dt.date(2011, 5, 15), "La", 135.0, "quarter average", LYNAS_2011),
    PriceRecord(dt.date(2011, 10, 15), "Dy", 2_300.0, "spot", LYNAS_2011),
    PriceRecord(dt.date(2011, 10, 15), "La", 80.0, "spot", LYNAS_2011),
    PriceRecord(dt.date(2011, 10, 15), "Nd", 260.0, "spot", LYNAS_2011),
    PriceRecord(
        dt.date(2011, 9, 15),
        "La",
        20.63,
        "spot",
        "Lynas price table via mining.com Oct/Nov-2011 (the same article as reference §4.2)",
        "oxide, inside China",
    ),
    *_yearend(2011, {"Nd": 195.0, "Dy": 1_410.0, "La": 51.0}),
    PriceRecord(
        dt.date(2012, 2, 15),
        "La",
        40.5,
        "spot",
        "Japan Metal Bulletin early 2012 (minerals-reference-2026.md §7)",
        "oxide, international",
    ),
    PriceRecord(
        dt.date(2012, 2, 15),
        "Dy",
        2_400.0,
        "spot",
        "Japan Metal Bulletin early 2012 (minerals-reference-2026.md §7)",
        "metal, international",
    ),
    PriceRecord(
        dt.date(2012, 2, 15),
        "Nd",
        215.0,
        "spot",
        "Japan Metal Bulletin early 2012 (minerals-reference-2026.md §7)",
        "metal, international",
    ),
    *_yearend(2012, {"Nd": 77.5, "Dy": 615.0, "La": 10.0}),
    *_yearend(2013, {"Nd": 67.5, "Dy": 465.0, "La": 6.0}),
    PriceRecord(
        dt.date(2014, 10, 2),
        "Nd",
        67.5,
        "spot",
        "Argus Rare Earths 2-Oct-2014, PrNd oxide $65-70/kg (minerals-reference-2026.md §7)",
        "PrNd oxide, FOB China",
    ),
    PriceRecord(
        dt.date(2014, 10, 2),
        "La",
        4.85,
        "spot",
        "Argus Rare Earths 2-Oct-2014, La oxide $4.5-5.2/kg (minerals-reference-2026.md §7)",
    ),
    *_yearend(2014, {"Nd": 58.0, "Dy": 340.0, "La": 5.0}),
    *_annual(2015, {"Nd": 48.0, "Dy": 279.0, "La": 3.0}, MCS2019),
    *_annual(2016, {"Nd": 40.0, "Dy": 198.0, "La": 2.0}, MCS2019),
    *_annual(2017, {"Nd": 50.0, "Dy": 187.0, "La": 2.0}, MCS2019),
    *_annual(2018, {"Nd": 51.0, "Dy": 180.0, "La": 2.0}, MCS2019),
    *_annual(2020, {"Nd": 49.0, "Dy": 261.0}, MCS2025),
    *_annual(2021, {"Nd": 98.0, "Dy": 410.0}, MCS2025),
    *_annual(2022, {"Nd": 134.0, "Dy": 382.0}, MCS2025),
    *_annual(2023, {"Nd": 78.0, "Dy": 330.0}, MCS2025),
    *_annual(2024, {"Nd": 56.0, "Dy": 260.0}, MCS2025),
    *_annual(2021, {"La": 1.51}, MCS2026),
    *_annual(2022, {"La": 1.39}, MCS2026),
    *_annual(2023, {"La": 0.96}, MCS2026),
    *_annual(2024, {"La": 0.97}, MCS2026),
]
"""Recorded oxide prices, 2009-2024 (2019 is not in hand [GAP]; La 2020 neither)."""

BASKET: list[tuple[dt.date, float, str]] = [
    (dt.date(2009, 12, 31), 1.0, "end-2009 level (the multiples below are relative to it)"),
    (
        dt.date(2010, 7, 1),
        939.72e6 / 39_813 / 7_065,
        "unit value of China's 2010 exports, US$939.72 m / 39,813 t (China Customs via WSJ, "
        "outside the reference), over the 2009 value 7,065 USD/t [DERIVED]",
    ),
    (
        dt.date(2011, 8, 15),
        12.0,
        "REO 99% FOB China +1,100% end-2009 to Q3-2011 (Rare Element Resources 10-K 2014 "
        "citing Metal-Pages; minerals-reference-2026.md §7)",
    ),
    (
        dt.date(2014, 11, 15),
        1.8,
        "Q4-2014 85% below the 2011 peak: 12 x 0.15 [DERIVED] (same source)",
    ),
]
"""Recorded multiples of a rare-earth basket price (the simulated price is one basket)."""


TRANSCRIBED_SHARES = {2008: 90.0, 2009: 85.49, 2010: 81.61, 2011: 68.37, 2012: 58.0, 2014: 59.64}
"""The reference CSV's rows japan_imports / China_share_of_RE_imports (%, Japan MoF via kksoukan
and NHK; 2008 is 'more than' 90, 2012 approx.), transcribed so that the backtest harness runs
where shared/reference/ is absent (a clean checkout); tests/test_backtest.py checks them against
the CSV whenever it is present."""


def reference_shares(path: Path, transcribed_if_missing: bool = False) -> dict[int, float]:
    """China's share of Japan's rare-earth imports by year, %, from the reference CSV (or,
    when asked and the CSV is absent, its transcription `TRANSCRIBED_SHARES`)."""
    if not path.is_file():
        if transcribed_if_missing:
            return dict(TRANSCRIBED_SHARES)
        raise FileNotFoundError(f"reference data not found: {path} (pass --reference)")
    table = pd.read_csv(path, dtype=str)
    rows = table[
        (table["category"] == "japan_imports")
        & (table["metric"] == "China_share_of_RE_imports")
        & (table["region"] == "Japan")
    ]
    return {
        int(year): float(value)
        for year, value in zip(rows["year"], rows["value"], strict=True)
        if str(year).isdigit()
    }


def all_shares(path: Path, transcribed_if_missing: bool = False) -> dict[int, ShareRecord]:
    """Every recorded share: the reference's (2009-2014) and the later ones above."""
    found = {
        year: ShareRecord(pct, "reference", "Japan MoF via kksoukan / NHK (reference §4.1)")
        for year, pct in reference_shares(path, transcribed_if_missing).items()
    }
    return found | LATER_SHARES


def price_table() -> pd.DataFrame:
    """The recorded prices as rows: date, oxide, usd_per_kg, multiple of its 2009 average
    (blank for a different basis), what, basis, source."""
    rows = []
    for r in PRICES:
        comparable = r.basis in COMPARABLE
        rows.append(
            {
                "date": r.day,
                "oxide": r.oxide,
                "usd_per_kg": r.usd_per_kg,
                "multiple_of_2009": r.usd_per_kg / BASE_2009_USD_PER_KG[r.oxide]
                if comparable
                else float("nan"),
                "what": r.what,
                "basis": r.basis,
                "source": r.source,
            }
        )
    return pd.DataFrame(rows)
