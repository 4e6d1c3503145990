"""2010-2014 rare earths (scenarios/backtest_2010_ree.yaml, tools/backtest_2010.py): China's
share of Japan's rare-earth imports by year, and the price outside China as a multiple of its
2009 level against Nd oxide's and a basket's recorded multiples.

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
    recorded = history.all_shares(tool.REFERENCE)
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
    out = [shares(result)]
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
