"""What drives the date, hand-checked on the chain of tests/conftest.py (AU mine -> CN refinery
-> JP plant -> JP EV market, daily reviews, 1-day transits, 10 days of cover at the market)."""

from __future__ import annotations

import pandas as pd

from sim.analysis import frames as results
from sim.analysis.drivers import shortfall_drivers
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from tests.conftest import chain

BAN = {"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5, "name": "ban"}


def drivers(**options: object) -> pd.DataFrame:
    result = engine.run(scenario.from_dict(chain(**options)))  # type: ignore[arg-type]
    return shortfall_drivers(result, results.market_summary(result))


def test_a_total_ban_is_felt_after_the_cover_and_transit_on_the_way() -> None:
    """The ban cuts refinery -> plant from day 5; the plant holds nothing, so the market lives
    on 1 + 1 days in transit and its 10 days of cover: short from day 17, 12 days after."""
    row = drivers(horizon_days=40, shocks=[BAN]).iloc[0]
    assert row["market"] == "ev" and row["shock"] == "ban" and row["mineral"] == "lithium"
    assert row["path"] == "ev <- plant <- refinery"
    assert row["days_after_start"] == 12
    assert (row["market_cover_days"], row["cover_on_the_way_days"], row["transit_days"]) == (
        10,
        0,
        2,
    )
    assert row["first_shortfall_date"] == "2025-01-18"  # day 17 from 1 Jan 2025


def test_cover_held_by_the_nodes_on_the_way_is_counted_in_and_out() -> None:
    """With 5 days of cover at every stage the plant holds 5 days of input and 5 of output:
    10 days more on the way, and the shortfall comes 10 days later (day 27)."""
    row = drivers(horizon_days=60, upstream_cover=5, shocks=[BAN]).iloc[0]
    assert row["cover_on_the_way_days"] == 10
    assert row["days_after_start"] == 22


def test_markets_that_do_not_fall_short_have_no_driver() -> None:
    assert drivers(horizon_days=40).empty
    assert drivers(horizon_days=12, shocks=[BAN]).empty  # the cover outlasts the horizon
