"""Small cases whose answers are worked out by hand in each docstring."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from tests.conftest import chain, series


def run(data: dict) -> engine.RunResult:
    result = engine.run(scenario.from_dict(data))
    balance.check(results.balance(result))
    return result


def test_steady_state_delivers_exactly_demand() -> None:
    """Without shocks the run starts and stays at steady state: 1 t/day of lithium = 100
    vehicles a day are delivered every day, and every stock stays where it started."""
    result = run(
        chain(
            horizon_days=90, upstream_cover=20, yields=(0.9, 0.95), transit=(20, 7, 3), step_days=7
        )
    )
    delivered = series(result, "ev", "delivered_units")
    np.testing.assert_allclose(delivered, 700.0, rtol=1e-12)
    assert series(result, "ev", "shortfall_units").max() == pytest.approx(0.0, abs=1e-9)
    stock = series(result, "ev", "stock_t", "lithium", "component")
    np.testing.assert_allclose(stock, 10.0, rtol=1e-12)  # 10 days of 1 t/day
    # The mine supplies 1 / 0.95 / 0.9 t of ore a day, 7 days a period.
    np.testing.assert_allclose(
        series(result, "mine", "production_t", "lithium", "ore"), 7 / 0.95 / 0.9, rtol=1e-12
    )


def test_export_ban_without_alternative_gives_hand_computed_shortfall() -> None:
    """A total ban on CN refined lithium from day 5, daily reviews, 1-day transits, no
    upstream stock, 10 days of cover at the market.

    The refinery's last shipment leaves on day 4, reaches the plant on day 5 and the market on
    day 6. The market then lives on its 10 days of cover (days 7-16) and is short of its full
    100 vehicles a day from day 17 = 5 + 1 + 1 + 10 to the end of the 40-day horizon.
    """
    ban = {"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5}
    result = run(chain(horizon_days=40, shocks=[ban]))
    short = series(result, "ev", "shortfall_units")
    assert short[:17].max() == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(short[17:], 100.0, rtol=1e-12)
    summary = results.market_summary(result).iloc[0]
    assert summary["first_shortfall_day"] == 17
    assert summary["shortfall_units"] == pytest.approx(23 * 100.0)
    assert summary["shortfall_t"] == pytest.approx(23 * 1.0)


def test_partial_ban_cuts_supply_by_its_severity() -> None:
    """With severity 0.25 three quarters of each export order passes; once the 10-day cover
    is gone the market gets 75 of its 100 vehicles a day (the refinery has ample capacity)."""
    ban = {
        "type": "export_ban",
        "country": "CN",
        "mineral": "lithium",
        "start": 5,
        "severity": 0.25,
    }
    result = run(chain(horizon_days=200, shocks=[ban]))
    short = series(result, "ev", "shortfall_units")
    np.testing.assert_allclose(short[-20:], 25.0, rtol=1e-9)


def test_exempt_destination_is_not_banned() -> None:
    ban = {
        "type": "export_ban",
        "country": "CN",
        "mineral": "lithium",
        "start": 5,
        "exempt": ["JP"],
    }
    with pytest.raises(Exception, match="no exports of lithium from CN"):
        scenario.from_dict(chain(shocks=[ban]))


def test_licence_delay_shifts_arrivals_by_exactly_its_days() -> None:
    """Transit refinery -> plant is 5 days; a 10-day licence delay (nothing refused) applies
    to shipments sent from day 20. The shipment of day 19 arrives on day 24 and the next one,
    sent on day 20, on day 35: the plant (no stock of its own) makes nothing on days 25-34."""
    review = {
        "type": "export_ban",
        "country": "CN",
        "mineral": "lithium",
        "start": 20,
        "severity": 0.0,
        "licence_delay_days": 10,
    }
    result = run(chain(horizon_days=60, transit=(1, 5, 1), market_cover=30, shocks=[review]))
    made = series(result, "plant", "production_t", "lithium", "component")
    assert made[24] > 0.99 and made[35] > 0.99
    np.testing.assert_allclose(made[25:35], 0.0, atol=1e-12)


def test_capacity_loss_caps_output() -> None:
    """Losing 60% of a 365 t/yr mine (1 t/day) leaves 0.4 t/day: after the buffers run dry
    the market gets 40 of its 100 vehicles a day."""
    loss = {"type": "capacity_loss", "select": {"kinds": ["mine"]}, "fraction": 0.6, "start": 0}
    result = run(chain(horizon_days=120, capacity_tpa=365, shocks=[loss]))
    np.testing.assert_allclose(series(result, "ev", "delivered_units")[-10:], 40.0, rtol=1e-9)


def test_demand_shock_multiplies_demand() -> None:
    surge = {
        "type": "demand_shock",
        "select": {"countries": ["JP"], "kinds": ["market"]},
        "factor": 1.5,
        "start": 10,
        "end": 20,
    }
    result = run(chain(horizon_days=30, shocks=[surge]))
    demand = series(result, "ev", "demand_units")
    np.testing.assert_allclose(demand[10:20], 150.0)
    np.testing.assert_allclose(demand[:10], 100.0)
    np.testing.assert_allclose(demand[20:], 100.0)


@pytest.mark.parametrize(("mode", "arrival_gap"), [("detour", 7), ("wait", 0)])
def test_route_closure(mode: str, arrival_gap: int) -> None:
    """Malacca is closed on days 10-20 for the mine -> refinery leg (transit 3 days).
    detour: shipments sent on days 10-19 take 7 days longer. wait: they leave on day 20."""
    closure = {
        "type": "route_closure",
        "chokepoint": "malacca",
        "start": 10,
        "end": 20,
        "mode": mode,
        "detour_days": 7,
    }
    data = chain(horizon_days=60, transit=(3, 1, 1), market_cover=60, shocks=[closure])
    data["network"]["links"][0]["chokepoints"] = ["malacca"]
    result = run(data)
    # Arrivals at the refinery show as its production (no stock of its own, yield 1).
    made = series(result, "refinery", "production_t", "lithium", "refined")
    assert made[12] > 0.99  # sent on day 9, before the closure
    first_blocked_arrival = 13
    if mode == "detour":
        np.testing.assert_allclose(
            made[first_blocked_arrival : first_blocked_arrival + 7], 0.0, atol=1e-12
        )
        assert made[first_blocked_arrival + 7] > 0.99
    else:
        np.testing.assert_allclose(made[first_blocked_arrival:23], 0.0, atol=1e-12)
        assert made[23] > 0.99  # everything held leaves on day 20 and lands on day 23


def test_backlog_is_caught_up_after_the_shock() -> None:
    """With backlog, every vehicle is eventually built once supply returns."""
    ban = {
        "type": "export_ban",
        "country": "CN",
        "mineral": "lithium",
        "start": 5,
        "duration_days": 20,
    }
    result = run(chain(horizon_days=200, unmet="backlog", shocks=[ban]))
    summary = results.market_summary(result).iloc[0]
    assert summary["shortfall_units"] == pytest.approx(0.0, abs=1e-6)
    assert series(result, "ev", "shortfall_units").max() > 100.0  # it did wait


def test_stockpile_delays_first_shortfall_by_its_size() -> None:
    """A 20 t reserve in Japan holds 20 days of the plant's 1 t/day. It releases only when the
    plant's cover (normally 10 days) falls below 5 days, so it stays untouched in normal times
    and, once CN's exports stop, moves the market's first shortfall about 20 days later."""
    pile = {
        "name": "jp_reserve",
        "kind": "stockpile",
        "country": "JP",
        "mineral": "lithium",
        "stage": "refined",
        "initial_t": 20.0,
        "release_below_cover_days": 5,
    }
    ban = {"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5}
    link = {"from": "jp_reserve", "to": "plant", "transit_days": 1}
    without = run(chain(horizon_days=120, upstream_cover=10, shocks=[ban]))
    with_pile = run(
        chain(
            horizon_days=120,
            upstream_cover=10,
            shocks=[ban],
            extra_nodes=[pile],
            extra_links=[link],
        )
    )
    released = series(with_pile, "jp_reserve", "released_t", "lithium", "refined")
    assert released[:10].sum() == 0.0  # untouched before the ban bites
    assert released.sum() == pytest.approx(20.0)
    first = [results.market_summary(r).iloc[0]["first_shortfall_day"] for r in (without, with_pile)]
    assert 18 <= first[1] - first[0] <= 22


def test_recycling_returns_end_of_life_material() -> None:
    """Legacy products return 50% of today's use as end-of-life flow; 40% of it is collected
    and recycled at 90%: 1 t/day x 0.5 x 0.4 x 0.9 = 0.18 t/day of refined lithium."""
    recycler = {
        "name": "recycler",
        "kind": "recycler",
        "country": "JP",
        "mineral": "lithium",
        "capacity_tpa": 1000,
        "yield": 0.9,
        "cover_days": 0,
    }
    data = chain(
        horizon_days=60,
        extra_nodes=[recycler],
        extra_links=[
            {"from": "ev", "to": "recycler", "transit_days": 2},
            {"from": "recycler", "to": "plant", "transit_days": 1, "share": 0.18},
        ],
    )
    data["network"]["links"][1]["share"] = 0.82
    market = data["network"]["nodes"][3]
    market.update(collection_rate=0.4, eol_history_share=0.5)
    result = run(data)
    np.testing.assert_allclose(series(result, "ev", "collected_t", "lithium", "component"), 0.2)
    np.testing.assert_allclose(
        series(result, "recycler", "production_t", "lithium", "refined")[5:], 0.18, rtol=1e-9
    )
    np.testing.assert_allclose(series(result, "ev", "delivered_units"), 100.0, rtol=1e-9)
