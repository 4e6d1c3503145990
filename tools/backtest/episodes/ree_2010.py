"""2010-2014 rare earths (scenarios/backtest_2010_ree.yaml, tools/backtest_2010.py): China's
share of Japan's rare-earth imports by year, Japan's imports from China (t), and the price
outside China as a multiple of its 2009 level against Nd oxide's and a basket's recorded
multiples.

The records are tools/backtest_records.py's: shares 2010-2014 from the reference
(minerals-reference.csv japan_imports China_share_of_RE_imports, Japan MoF), 2018, 2020 and
2024 from outside it; prices as that module lists them with their sources. The naive reference
is the 2009 level (85.49%, the recorded 2009 share; multiple 1). Quick: the run ends on
1 Jul 2013 (the shares 2010-2012).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import simulate as engine

from .. import compare
from ..episode import SCENARIOS, Comparison, Episode, remove_shocks, set_run
from ..records import Point

TOOLS = Path(__file__).resolve().parents[2]
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

import backtest_2010 as tool  # noqa: E402
import backtest_records as history  # noqa: E402

START = dt.date(2010, 7, 1)
"""The shock window shaded: the 72% quota cut for H2-2010 (and the halt of 21 Sep - 20 Nov)."""
END = dt.date(2015, 1, 1)
"""Quotas abolished from 1 Jan 2015."""


def overrides(doc: dict[str, Any], quick: bool) -> list[str]:
    return set_run(doc, dt.date(2009, 1, 1), dt.date(2013, 7, 1)) if quick else []


def shares(result: engine.RunResult) -> Comparison:
    recorded = history.all_shares(tool.REFERENCE, transcribed_if_missing=True)
    base = recorded[tool.BASE_YEAR].pct
    simulated = tool.china_share_pct(tool.imports_by_origin(result))
    years = sorted(y for y in recorded if y > tool.BASE_YEAR)
    points = pd.DataFrame(
        {
            "date": [dt.date(y, 7, 1) for y in years],
            "period": years,
            "recorded": [recorded[y].pct for y in years],
            "simulated": [float(simulated.get(y, np.nan)) for y in years],
            "naive": base,
            "in_sample": False,
            "source": [recorded[y].source for y in years],
        }
    )
    path = pd.DataFrame(
        {"date": [dt.date(int(y), 7, 1) for y in simulated.index], "simulated": simulated.values}
    )
    note = "imports dated on arrival; naive: the 2009 share, 85.49%"
    return Comparison("China's share of Japan's RE imports", "%", points, path, note)


REF_CSV = "minerals-reference.csv japan_imports"
FROM_CHINA = [
    Point(
        dt.date(2010, 7, 1),
        20_000.0,
        f"WSJ 6-Jan-2011 citing METI minister Ohata ({REF_CSV} imports_from_China 2010): "
        "~20,000 t, 'basically unchanged from 2009' [approx.]",
    ),
    Point(
        dt.date(2012, 7, 1),
        2 * 3_007.0,
        f"Sina 13-Sep-2012 citing Nikkei ({REF_CSV} imports_from_China_H1 2012): 3,007 t in "
        "H1 x 2 [DERIVED, UNCERTAIN]",
    ),
    Point(
        dt.date(2014, 7, 1),
        22_307 * 0.5964,
        f"Japan MoF via kksoukan ({REF_CSV} total_RE_imports 2014 x China_share 2014): "
        "22,307 t x 59.64% [DERIVED]",
    ),
]
"""Japan's rare-earth imports from China, t/yr. 2011 is left out: the reference's 15,400 t is a
total (Sina citing Nikkei) that the 2010 scenario reads as from China [conflict]."""
FROM_CHINA_2009_T = 15_644.0
"""2009: 18,300 t x 85.49% (network note B1) [DERIVED]: the naive reference."""


def from_china(result: engine.RunResult) -> Comparison:
    imports = tool.imports_by_origin(result)
    china = imports.get(tool.CHINA, pd.Series(dtype=float))
    simulated = [float(china.get(p.day.year, np.nan)) for p in FROM_CHINA]
    points = pd.DataFrame(
        {
            "date": [p.day for p in FROM_CHINA],
            "period": [p.day.year for p in FROM_CHINA],
            "recorded": [p.value for p in FROM_CHINA],
            "simulated": simulated,
            "naive": FROM_CHINA_2009_T,
            "in_sample": False,
            "source": [p.source for p in FROM_CHINA],
        }
    )
    path = pd.DataFrame(
        {"date": [dt.date(int(y), 7, 1) for y in china.index], "simulated": china.to_numpy()}
    )
    note = "imports from China dated on arrival; naive: 2009, 15,644 t [DERIVED]"
    return Comparison("Japan's RE imports from China", "t/yr", points, path, note)


def nd_records() -> list[Point]:
    """Nd oxide (PrNd in 2014) prices comparable with the outside-China price, as multiples of
    the 2009 average, after 2009."""
    table = history.price_table()
    rows = table[(table["oxide"] == "Nd") & table["multiple_of_2009"].notna()]
    rows = rows[pd.to_datetime(rows["date"]) > pd.Timestamp(2009, 12, 31)]
    rows = rows.sort_values("date")
    return [
        Point(day, float(multiple), f"{source} ({what}, {basis})")
        for day, multiple, source, what, basis in zip(
            rows["date"],
            rows["multiple_of_2009"],
            rows["source"],
            rows["what"],
            rows["basis"],
            strict=True,
        )
    ]


def basket_records() -> list[Point]:
    return [Point(day, m, source) for day, m, source in history.BASKET if day.year > 2009]


def comparisons(result: engine.RunResult) -> list[Comparison]:
    out = [shares(result), from_china(result)]
    for name, found in (("Nd oxide price", nd_records()), ("RE basket price", basket_records())):
        out.append(
            compare.price(
                result,
                "rare_earths",
                tool.OUTSIDE,
                found,
                name,
                "simulated: the rare-earth price outside China over its base (2009); recorded: "
                "multiples of the 2009 average",
            )
        )
    return out


EPISODE = Episode(
    name="ree_2010",
    title="2010-2014 rare earths: China's quotas and the halt to Japan",
    scenario=SCENARIOS / "backtest_2010_ree.yaml",
    shock=(START, END),
    overrides=overrides,
    compare=comparisons,
    switch_off=remove_shocks("export_quota", "export_ban"),
    limits=(
        "One basket price for every rare earth (Dy, Nd and La moved differently); the network "
        "is 2009's, so 2018-2024 shares rest on a demand path held flat and Lynas' output; the "
        "2011 spike came from speculation and hoarding in China, which a price driven by "
        "stocks alone does not make."
    ),
)
