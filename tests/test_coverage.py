"""Why a targeted country was not hit (issue 16): the coverage table on a chain worked out on
paper (`sim.analysis.coverage`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.analysis import balance, coverage
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.output import charts, writers
from sim.output.folder import load
from sim.output.report.why_not_hit import why_not_hit_blocks
from sim.scenario import loader as scenario
from tests.conftest import chain


def two_suppliers(ban_days: tuple[int, int], kr_capacity_tpa: float = 182.5) -> dict[str, Any]:
    """An AU mine feeds refineries in CN and KR; a JP plant buys half its refined lithium from
    each (1-day voyages; KR's refinery can make `kr_capacity_tpa`, by default exactly its half,
    0.5 t a day); the JP market needs 1 t a day and holds 10 days; daily reviews, no other
    stock, yields 1. CN bans exports to JP over `ban_days` (days [start, end))."""
    refinery = {"kind": "refinery", "mineral": "lithium", "cover_days": 0, "yield": 1.0}
    return {
        "name": "two_suppliers",
        "start": "2025-01-01",
        "horizon_days": 30,
        "step_days": 1,
        "network": {
            "nodes": [
                {
                    "name": "mine",
                    "kind": "mine",
                    "country": "AU",
                    "mineral": "lithium",
                    "capacity_tpa": 1e6,
                    "cover_days": 0,
                },
                {"name": "ref_cn", "country": "CN", "capacity_tpa": 1e6, **refinery},
                {"name": "ref_kr", "country": "KR", "capacity_tpa": kr_capacity_tpa, **refinery},
                {
                    "name": "plant",
                    "kind": "plant",
                    "country": "JP",
                    "recipe": {"lithium": 1.0},
                    "capacity_tpa": 1e6,
                    "cover_days": 0,
                    "yield": 1.0,
                },
                {
                    "name": "ev",
                    "kind": "market",
                    "country": "JP",
                    "sector": "ev",
                    "unit": "vehicle",
                    "demand_units_per_year": 36500.0,
                    "intensity_kg_per_unit": {"lithium": 10.0},
                    "cover_days": 10,
                },
            ],
            "links": [
                {"from": "mine", "to": "ref_cn", "transit_days": 1},
                {"from": "mine", "to": "ref_kr", "transit_days": 1},
                {"from": "ref_cn", "to": "plant", "transit_days": 1, "share": 0.5},
                {"from": "ref_kr", "to": "plant", "transit_days": 1, "share": 0.5},
                {"from": "plant", "to": "ev", "transit_days": 1},
            ],
        },
        "shocks": [
            {
                "name": "CN ban to JP",
                "type": "export_ban",
                "country": "CN",
                "mineral": "lithium",
                "to_countries": ["JP"],
                "start": ban_days[0],
                "end": ban_days[1],
            }
        ],
    }


def table(data: dict[str, Any]) -> tuple[pd.DataFrame, engine.RunResult]:
    result = engine.run(scenario.from_dict(data))
    balance.check(results.balance(result))
    frame = coverage.coverage_frame(result)
    assert frame is not None
    return frame, result


def during(frame: pd.DataFrame, kind: str, supplier: str = "") -> float:
    rows = frame[(frame["kind"] == kind) & (frame["supplier_country"] == supplier)]
    assert len(rows) == 1, (kind, supplier, len(rows))
    return float(rows["during_t"].iloc[0])


def test_a_ban_covered_by_the_other_supplier_and_the_stock_by_hand() -> None:
    """CN bans lithium to JP on days 5-14 (10 daily reviews). KR's refinery makes no more than
    its contract, 0.5 t a day: 5 t arrive in the window, as before (change 0), 0.5 t of them
    sent on day 4 and in transit when the ban began. CN's last shipment, 0.5 t sent on day 4,
    was in transit at the ban's start and arrives on day 5; nothing else comes from CN. The
    market needs 10 t in the window and gets them all (not hit): 5 t from KR, 0.5 t that was in
    transit from CN, and the rest from JP's own stocks and pipeline: the plant -> market link
    held 1 t at the start (day 4's shipment) and 0.5 t at the end (day 14's), 0.5 t drawn, so
    the market's stock gave 10 - 5 - 0.5 - 0.5 = 4 t (from 10 t to 6 t: 6 days of cover
    left). Nothing is mined, recycled or exported in JP and yields are 1: no losses."""
    frame, result = table(two_suppliers((5, 15)))
    assert set(frame["hit"]) == {False}
    assert during(frame, "imports", "KR") == pytest.approx(4.5)
    assert list(frame.loc[frame["supplier_country"] == "KR", "change_t"]) == pytest.approx([0, 0])
    assert during(frame, "imports", "CN") == pytest.approx(0.0)
    assert during(frame, "in_transit_at_start", "CN") == pytest.approx(0.5)
    assert during(frame, "in_transit_at_start", "KR") == pytest.approx(0.5)
    assert during(frame, "domestic_transit_drawn") == pytest.approx(0.5)
    assert during(frame, "stock_drawn") == pytest.approx(4.0)
    for kind in ("reserve_drawn", "mined", "end_of_life", "exports", "losses"):
        assert during(frame, kind) == pytest.approx(0.0, abs=1e-9), kind
    assert during(frame, "delivered") == pytest.approx(10.0)
    assert during(frame, "shortfall") == pytest.approx(0.0, abs=1e-9)
    assert float(frame["cover_left_days"].iloc[0]) == pytest.approx(6.0)
    # The sources add up to what the market put in use, as the run's own series say.
    sources = frame[frame["kind"].isin(coverage.SOURCES)]["during_t"].sum()
    delivered = result.recorder.per_review(("ev", "lithium", "component", "delivered_t"))[5:15]
    assert sources == pytest.approx(float(delivered.sum()))


def test_a_hit_country_shows_what_covered_it_before_it_fell_short() -> None:
    """The chain of test_handchecked's reserve test (AU mine -> CN refinery -> JP plant -> JP
    market, 1 t a day, 10 days of stock at the market and of the plant's input and of its
    output, 1-day voyages, a 20 t JP reserve released once the plant's cover falls below 5
    days) with CN's total ban to JP from day 5 to the end of the 60-day run (55 days, 55 t
    wanted). JP runs dry and falls short (hit). What its market got in the window: the 1 t sent
    by CN on day 4 (in transit at the start), the 20 t of the reserve, the 30 t of JP's stocks
    (10 t each) and the 1 t on its way from the plant to the market at the start: 52 t, 3 t
    short, nothing left."""
    pile = {
        "name": "jp_reserve",
        "kind": "stockpile",
        "country": "JP",
        "mineral": "lithium",
        "stage": "refined",
        "initial_t": 20.0,
        "release_below_cover_days": 5,
    }
    ban = {
        "type": "export_ban",
        "country": "CN",
        "mineral": "lithium",
        "to_countries": ["JP"],
        "start": 5,
    }
    data = chain(
        horizon_days=60,
        upstream_cover=10,
        shocks=[ban],
        extra_nodes=[pile],
        extra_links=[{"from": "jp_reserve", "to": "plant", "transit_days": 1}],
    )
    frame, result = table(data)
    assert set(frame["hit"]) == {True}
    assert during(frame, "imports", "CN") == pytest.approx(0.0)
    assert during(frame, "in_transit_at_start", "CN") == pytest.approx(1.0)
    assert during(frame, "reserve_drawn") == pytest.approx(20.0)
    assert during(frame, "stock_drawn") == pytest.approx(30.0)
    assert during(frame, "domestic_transit_drawn") == pytest.approx(1.0)
    assert during(frame, "delivered") == pytest.approx(52.0)
    assert during(frame, "shortfall") == pytest.approx(3.0)
    assert float(frame["cover_left_days"].iloc[0]) == pytest.approx(0.0)
    delivered = result.recorder.per_review(("ev", "lithium", "component", "delivered_t"))[5:]
    sources = frame[frame["kind"].isin(coverage.SOURCES)]["during_t"].sum()
    assert sources == pytest.approx(float(delivered.sum()))


def test_the_report_says_why_japan_was_not_hit(tmp_path: Path) -> None:
    """The run of the hand-checked ban written as `sim run` writes it: coverage.csv is in the
    folder, the report has a 'Why Japan was not hit' section whose sentence names KR's 5 t
    (0.5 t in transit at the start) and the market's stock, and the coverage chart is drawn
    into it. Without a shock aimed at a country there is neither file nor section."""
    result = engine.run(scenario.from_dict(two_suppliers((5, 15))))
    folder = load(writers.write_results(result, tmp_path, ["test"]))
    frame = folder.get("coverage")
    assert frame is not None and set(frame["country"]) == {"JP"}
    drawn = charts.draw_all(folder)
    assert "coverage_JP" in [c.name for c in drawn]
    blocks = why_not_hit_blocks(folder, drawn)
    assert [b.text for b in blocks if b.kind == "h2"] == ["Why Japan was not hit"]
    sentence = next(b.text for b in blocks if b.kind == "p")
    assert "were never short" in sentence
    assert "from South Korea 5 t (0.5 t of it in transit at the start)" in sentence
    assert "stock drawn 4 t" in sentence
    assert any(b.kind == "figure" and b.chart.name == "coverage_JP" for b in blocks if b.chart)
    untargeted = two_suppliers((5, 15))
    untargeted["shocks"][0].pop("to_countries")
    plain = engine.run(scenario.from_dict(untargeted))
    again = load(writers.write_results(plain, tmp_path / "plain", ["test"]))
    assert again.get("coverage") is None
    assert why_not_hit_blocks(again, charts.draw_all(again)) == []
