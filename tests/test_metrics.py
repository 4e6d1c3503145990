"""Metric definitions on cases computed by hand (DESIGN.md section 6)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis import metrics
from sim.engine import simulate as engine
from sim.engine.tracker import MarketTracker
from sim.scenario import loader as scenario
from tests.conftest import chain


def test_fill_rate_is_one_without_demand() -> None:
    np.testing.assert_array_equal(
        metrics.fill_rate(np.array([0.0, 5.0]), np.array([0.0, 10.0])), [1.0, 0.5]
    )


def test_time_to_survive_and_recover_by_hand() -> None:
    """Weekly reviews; a shock from day 10 to day 40. Fill rate drops below 0.99 at the review
    of day 21 and is back for good from day 42: TTS = 21 - 10 = 11 days, and with a 14-day
    settling window TTR = 42 - 10 = 32 days. A second replication never drops (TTS = inf): it
    has nothing to recover from, so its TTR is undefined (NaN), not 32. A third drops only at
    day 56, after the shock ended: TTS = 46, and it does not recover within the horizon
    (TTR inf), rather than "recovering" at day 42, before it ever fell short."""
    days = np.arange(10) * 7.0  # 0, 7, ..., 63
    fill = np.ones((10, 3))
    fill[3:6, 0] = [0.5, 0.9, 0.995]  # days 21, 28, 35 (0.995 is above the threshold)
    fill[4, 0] = 0.9
    fill[8, 2] = 0.5  # day 56
    onset, end = np.full(3, 10.0), np.full(3, 40.0)
    tts = metrics.time_to_survive(fill, days, onset, 0.99)
    np.testing.assert_array_equal(tts, [11.0, np.inf, 46.0])
    ttr = metrics.time_to_recover(fill, days, onset, end, 0.99, settle_reviews=2)
    np.testing.assert_array_equal(ttr, [32.0, np.nan, np.inf])


def test_time_to_recover_is_infinite_when_not_seen() -> None:
    days = np.arange(5) * 7.0
    fill = np.full((5, 1), 0.5)
    ttr = metrics.time_to_recover(fill, days, np.array([0.0]), np.array([7.0]), 0.99, 1)
    assert ttr[0] == math.inf


def test_concentration_by_hand() -> None:
    hhi, cr3, outside = metrics.concentration(np.array([[0.5], [0.3], [0.1], [0.1]]))
    assert hhi[0] == pytest.approx(0.25 + 0.09 + 0.01 + 0.01)
    assert cr3[0] == pytest.approx(0.9)
    assert outside[0] == 0.0


def test_concentration_leaves_the_aggregate_out() -> None:
    """{CN 0.5, XW 0.3, AU 0.2}: named countries CN and AU only, shares of the whole kept:
    CR3 = 0.5 + 0.2 = 0.7, HHI = 0.25 + 0.04 = 0.29; XW's 0.3 reported apart."""
    shares = np.array([[0.5, 1.0], [0.3, 0.0], [0.2, 0.0]])
    hhi, cr3, outside = metrics.concentration(shares, np.array([False, True, False]))
    np.testing.assert_allclose(cr3, [0.7, 1.0])
    np.testing.assert_allclose(hhi, [0.29, 1.0])
    np.testing.assert_allclose(outside, [0.3, 0.0])


def test_world_and_sourcing_metrics_flag_the_aggregate() -> None:
    """A rest-of-world mine (XW) with 30% of the ore: world CR3 over AU alone is 0.7, and the
    refinery's country gets 30% of its ore from the aggregate."""
    data = chain(horizon_days=28)
    data["network"]["nodes"].append(
        {
            "name": "xw_mine",
            "kind": "mine",
            "country": "XW",
            "mineral": "lithium",
            "capacity_tpa": 1e6,
            "cover_days": 0,
        }
    )
    data["network"]["links"][0]["share"] = 0.7
    data["network"]["links"].append(
        {"from": "xw_mine", "to": "refinery", "share": 0.3, "transit_days": 1}
    )
    table = metrics.compute(engine.run(scenario.from_dict(data)))
    assert _metric(table, "world_cr3", mineral="lithium", stage="ore")[0] == pytest.approx(0.7)
    assert _metric(table, "world_hhi", mineral="lithium", stage="ore")[0] == pytest.approx(0.49)
    outside = _metric(table, "world_aggregate_share", mineral="lithium", stage="ore")[0]
    assert outside == pytest.approx(0.3)


def test_cvar_is_the_mean_of_the_worst_five_percent() -> None:
    assert metrics.cvar(np.arange(1.0, 101.0), 0.95) == pytest.approx((96 + 97 + 98 + 99 + 100) / 5)
    assert metrics.cvar(np.array([3.0]), 0.95) == 3.0


def test_paired_delta_with_t_interval() -> None:
    """Differences 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), t(4) = 2.776,
    half-width = 2.776 x 1.5811 / sqrt(5) = 1.963."""
    base = np.zeros(5)
    out = metrics.paired_delta(base + np.arange(1.0, 6.0), base)
    assert out["delta"] == pytest.approx(3.0)
    assert out["ci_high"] - out["delta"] == pytest.approx(2.776 * math.sqrt(2.5) / math.sqrt(5))
    assert out["pairs"] == 5
    same = metrics.paired_delta(np.array([np.inf, 2.0]), np.array([np.inf, 2.0]))
    assert same["delta"] == 0.0 and same["ci_low"] == 0.0 and same["ci_high"] == 0.0


def test_t_quantiles_match_the_tables() -> None:
    assert metrics.t95(1) == 12.706
    assert metrics.t95(40) == pytest.approx(2.021, abs=0.002)
    assert metrics.t95(120) == pytest.approx(1.980, abs=0.002)


def _metric(table: metrics.MetricTable, name: str, **key: str) -> np.ndarray:
    mask = table.keys["metric"] == name
    for column, value in key.items():
        mask &= table.keys[column] == value
    assert mask.sum() == 1, f"{name} {key}: {mask.sum()} rows"
    return table.values[int(np.flatnonzero(mask)[0])]


def test_run_metrics_for_the_hand_checked_ban() -> None:
    """The ban of test_handchecked (from day 5; first shortfall on day 17): TTS = 12 days,
    never recovered within 40 days; 23 days x 100 vehicles short; JP's refined lithium all
    comes from CN until the ban, so its import reliance and share from CN are 1."""
    ban = {"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5}
    result = engine.run(scenario.from_dict(chain(horizon_days=40, shocks=[ban])))
    table = metrics.compute(result)
    assert _metric(table, "tts_days", market="ev")[0] == 12.0
    assert _metric(table, "ttr_days", market="ev")[0] == math.inf
    assert _metric(table, "shortfall_units", market="ev")[0] == pytest.approx(2300.0)
    assert _metric(table, "shortfall_t", market="ev", mineral="lithium")[0] == pytest.approx(23.0)
    assert _metric(table, "first_shortfall_day", market="ev")[0] == 17.0
    assert _metric(table, "any_shortfall", market="ev")[0] == 1.0
    assert _metric(table, "min_cover_days", market="ev")[0] == pytest.approx(0.0)
    where = {"country": "JP", "mineral": "lithium", "stage": "refined"}
    assert _metric(table, "import_reliance", **where)[0] == 1.0
    assert _metric(table, "share_from", partner="CN", **where)[0] == 1.0
    assert _metric(table, "sourcing_hhi", **where)[0] == 1.0


def test_world_concentration_from_simulated_production() -> None:
    """Two mines (AU 70%, CL 30% of the refinery's ore): world ore HHI = 0.49 + 0.09."""
    data = chain(horizon_days=28)
    data["network"]["nodes"].append(
        {
            "name": "cl_mine",
            "kind": "mine",
            "country": "CL",
            "mineral": "lithium",
            "capacity_tpa": 1e6,
            "cover_days": 0,
        }
    )
    data["network"]["links"][0]["share"] = 0.7
    data["network"]["links"].append(
        {"from": "cl_mine", "to": "refinery", "share": 0.3, "transit_days": 1}
    )
    table = metrics.compute(engine.run(scenario.from_dict(data)))
    hhi = _metric(table, "world_hhi", mineral="lithium", stage="ore")[0]
    assert hhi == pytest.approx(0.58)
    assert _metric(table, "world_cr3", mineral="lithium", stage="refined")[0] == 1.0


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(1, 10), st.integers(1, 6), st.data())
def test_running_tracker_matches_the_definitions(
    periods: int, step: int, settle: int, data: st.DataObject
) -> None:
    """The tracker, fed one review at a time, gives the TTS and TTR of the array definitions."""
    reps = 3
    fill = np.array(
        data.draw(
            st.lists(
                st.lists(st.sampled_from([0.0, 0.5, 0.995, 1.0]), min_size=reps, max_size=reps),
                min_size=periods,
                max_size=periods,
            )
        )
    )
    onset = np.array(
        data.draw(st.lists(st.floats(0, periods * step), min_size=reps, max_size=reps))
    )
    end = onset + np.array(
        data.draw(st.lists(st.floats(0, periods * step), min_size=reps, max_size=reps))
    )
    days = np.arange(periods, dtype=float) * step
    tracker = MarketTracker(
        1, reps, step, onset[None, :], end[None, :], 0.99, settle, np.zeros(periods, dtype=int), 1
    )
    for p in range(periods):
        tracker.update(
            p, days[p], np.stack([np.ones((1, reps)), fill[p][None, :], 1.0 - fill[p][None, :]])
        )
    np.testing.assert_array_equal(
        tracker.tts[0, 0], metrics.time_to_survive(fill, days, onset, 0.99)
    )
    np.testing.assert_array_equal(
        tracker.recovery()[0, 0], metrics.time_to_recover(fill, days, onset, end, 0.99, settle)
    )


def test_a_policy_that_removes_the_shortfall_changes_time_to_survive_to_never() -> None:
    """Baseline short after 10 and 20 days, never short under the policy: the change in time
    to survive is +inf (no longer falls short), not a blank."""
    delta = metrics.paired_delta([np.inf, np.inf], [10.0, 20.0])
    assert delta["delta"] == np.inf and delta["pairs"] == 0
    assert metrics.paired_delta([np.inf, np.inf], [np.inf, np.inf])["delta"] == 0.0


def test_summaries_of_time_to_recover_leave_out_replications_that_never_fell_short() -> None:
    table = pd.DataFrame(
        {
            "rep": [0, 1, 2, 0, 1, 2],
            "metric": ["ttr_days"] * 3 + ["tts_days"] * 3,
            "unit": "days",
            **{k: "" for k in ("country", "mineral", "stage", "partner")},
            "market": "ev",
            "shock": "ban",
            "value": [40.0, np.nan, np.nan, 12.0, np.inf, np.inf],
        }
    )
    rows = metrics.summarize(table).set_index("metric")
    assert rows.loc["ttr_days", "replications"] == 3 and rows.loc["ttr_days", "p50"] == 40.0
    assert rows.loc["ttr_days", "mean"] == 40.0
    assert rows.loc["tts_days", "replications"] == 3 and rows.loc["tts_days", "p50"] == np.inf


def test_days_of_cover_falls_to_zero_while_the_market_is_short() -> None:
    """A 365 t/yr mine (1 t/day, the market's daily use) loses 60% of its capacity from day 0;
    the plant -> market voyage takes 30 days, daily reviews. Once the buffers are gone the
    market gets 0.4 t a day and is short by 60 vehicles every day, while 30 days x 0.4 t = 12 t
    are always on the water toward it. DESIGN's (on hand + in transit) / use would read 12
    days of cover; what the market can draw on is what reaches it in time: nothing on hand and
    0.4 t arriving next review, 0.4 days (issue 16: cover stayed at 28-38 days while a market
    was short by ~750 vehicles a week). In steady state (no shock) cover is the market's own
    10 days plus the 30 days on the water."""
    loss = {"type": "capacity_loss", "select": {"kinds": ["mine"]}, "fraction": 0.6, "start": 0}
    data = chain(horizon_days=150, capacity_tpa=365, transit=(1, 1, 30), shocks=[loss])
    result = engine.run(scenario.from_dict(data))
    rec = result.recorder
    short = rec.per_review(("ev", "", "", "shortfall_units"))[:, 0]
    cover = rec.per_review(("ev", "lithium", "component", "cover_days"))[:, 0]
    assert short[-20:] == pytest.approx(60.0)
    assert cover[-20:] == pytest.approx(0.4)
    steady = engine.run(scenario.from_dict(chain(horizon_days=20, transit=(1, 1, 30))))
    assert steady.recorder.per_review(("ev", "lithium", "component", "cover_days"))[
        :, 0
    ] == pytest.approx(40.0)


def test_first_short_review_scan_matches_the_whole_ring_computation() -> None:
    """The review-by-review scan with its early stop gives, element by element, the first
    review at which on hand + arrivals fall short: the same as summing the whole ring and
    taking the smallest short review (random rings, two links feeding one pair)."""
    from sim.engine.market_kernels import first_short_numpy

    rng = np.random.default_rng(7)
    depth, links, reps, step = 9, 3, 50, 7
    ring = rng.exponential(5.0, (depth, links, reps)) * (rng.random((depth, links, reps)) < 0.4)
    first, feed = np.array([0, 1, 3]), np.array([0, 1, 2])  # link 0 feeds pair 0, 1 and 2 pair 1
    on_hand = rng.exponential(20.0, (2, reps))
    per_day = np.full((2, reps), 1.5)
    for period in (0, 4, 8):
        got = first_short_numpy(ring, first, feed, on_hand, per_day, period, step)
        arrivals = np.zeros((depth - 1, 2, reps))
        for j in range(1, depth):
            slot = (period + j) % depth
            arrivals[j - 1, 0] = ring[slot, 0]
            arrivals[j - 1, 1] = ring[slot, 1] + ring[slot, 2]
        days = (on_hand + np.cumsum(arrivals, axis=0)) / per_day
        due = (np.arange(1, depth) * step)[:, None, None]
        expected = np.where(days < due - 1e-9, days, np.inf).min(axis=0)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        assert np.isfinite(expected).any() and np.isinf(expected).any()  # both cases seen
