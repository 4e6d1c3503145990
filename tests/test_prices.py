"""Prices driven by scarcity and the responses to them (sim/scenario/prices.py,
sim/engine/prices.py), and plant recipes that follow their markets (sim/engine/recipes.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.engine import simulate as engine
from sim.engine.prices import PriceBook
from sim.engine.state import initial_state
from sim.levers import apply
from sim.scenario import loader
from sim.scenario.errors import ScenarioError
from tests.conftest import chain, series

LITHIUM = {"mineral": "lithium", "base_usd_per_t": 10_000.0, "flexibility": 2.0, "lag_days": 0}


def book(prices: dict[str, Any], availability: float = 1.0) -> tuple[PriceBook, Any]:
    """A price book on the chain's steady state (one replication), and that state."""
    data = chain(step_days=7, horizon_days=70, upstream_cover=14.0)
    data["network"]["nodes"][0]["availability"] = availability
    data["prices"] = prices
    scenario = loader.from_dict(data)
    state = initial_state(scenario.network, 7, 1, np.zeros(len(scenario.network.links)), 10)
    return PriceBook(scenario.spec.prices, state, scenario.network, 10), state


def test_at_the_steady_state_the_price_is_its_base() -> None:
    prices, state = book({"commodities": [LITHIUM]})
    prices.update(0, state, np.ones((1, 1)))
    assert prices.history[0, 0, 0] == pytest.approx(10_000.0)


def test_half_the_cover_at_flexibility_2_quadruples_the_target_price() -> None:
    """Every stock and shipment halved, use unchanged: cover ratio 0.5, target 0.5^-2 = 4x;
    with no lag the price is 40,000 USD/t at once."""
    prices, state = book({"commodities": [LITHIUM]})
    state.stocks *= 0.5
    state.in_transit *= 0.5
    prices.update(0, state, np.ones((1, 1)))
    assert prices.history[0, 0, 0] == pytest.approx(40_000.0)


def test_demand_doubling_on_the_same_stock_also_halves_cover() -> None:
    prices, state = book({"commodities": [LITHIUM]})
    prices.update(0, state, np.full((1, 1), 2.0))
    assert prices.multiple[0, 0] == pytest.approx(4.0)


def test_the_price_lags_its_target_by_step_over_lag() -> None:
    """lag 28 days, step 7: each review closes a quarter of the gap: 1 + 0.25 x 3 = 1.75,
    then 1.75 + 0.25 x 2.25 = 2.3125 (target 4 both times)."""
    prices, state = book({"commodities": [{**LITHIUM, "lag_days": 28}]})
    state.stocks *= 0.5
    state.in_transit *= 0.5
    prices.update(0, state, np.ones((1, 1)))
    assert prices.multiple[0, 0] == pytest.approx(1.75)
    prices.update(1, state, np.ones((1, 1)))
    assert prices.multiple[0, 0] == pytest.approx(2.3125)


def test_the_target_stays_within_max_multiple() -> None:
    prices, state = book({"commodities": [{**LITHIUM, "max_multiple": 3.0}]})
    state.stocks *= 0.01
    state.in_transit *= 0.01
    prices.update(0, state, np.ones((1, 1)))
    assert prices.multiple[0, 0] == pytest.approx(3.0)


def test_a_split_market_prices_each_side_on_its_own_holdings() -> None:
    """split_by CN: the refinery (CN) is inside, the mine (AU), plant and market (JP) outside.
    Emptying the refinery raises the CN price only (to the cap); outside is unchanged."""
    prices, state = book({"commodities": [{**LITHIUM, "split_by": "CN"}]})
    assert prices.labels == [("lithium", "CN"), ("lithium", "outside CN")]
    for (node, _), row in state.slot.items():
        if node == "refinery":
            state.stocks[row] = 0.0
    prices.update(0, state, np.ones((1, 1)))
    assert prices.multiple[0, 0] == pytest.approx(20.0)  # the default max_multiple
    assert prices.multiple[1, 0] == pytest.approx(1.0)


def test_demand_destruction_follows_its_lagged_price() -> None:
    """Price at 4x at once; the response's lag of 14 days at a 7-day step closes half the gap:
    it sees 2.5x, and demand falls to 2.5^-0.5 = 0.632."""
    response = {"markets": {"nodes": ["ev"]}, "mineral": "lithium", "elasticity": -0.5}
    prices, state = book({"commodities": [LITHIUM], "demand": [{**response, "lag_days": 14}]})
    state.stocks *= 0.5
    state.in_transit *= 0.5
    prices.update(0, state, np.ones((1, 1)))
    assert prices.demand[0, 0] == pytest.approx(2.5**-0.5)


def test_substitution_ramps_with_price_and_does_not_switch_back_unless_reversible() -> None:
    """max_reduction 0.4 reached at 5x; at 3x (target 3 = cover^-2) half of it: kg per unit x
    0.8. When stocks recover the switch stays (x 0.8), or goes back (x 1) if reversible."""
    for reversible, after in ((False, 0.8), (True, 1.0)):
        sub = {
            "markets": {"nodes": ["ev"]},
            "mineral": "lithium",
            "max_reduction": 0.4,
            "full_at_multiple": 5.0,
            "lag_days": 0,
            "reversible": reversible,
        }
        prices, state = book({"commodities": [LITHIUM], "substitution": [sub]})
        full = state.stocks.copy(), state.in_transit.copy()
        scale = 3.0**-0.5
        state.stocks *= scale
        state.in_transit *= scale
        prices.update(0, state, np.ones((1, 1)))
        assert prices.intensity[0, 0] == pytest.approx(0.8)
        state.stocks[:], state.in_transit[:] = full
        prices.update(1, state, np.ones((1, 1)))
        assert prices.intensity[0, 0] == pytest.approx(after)


def test_restart_raises_an_idle_mine_towards_its_full_availability() -> None:
    """A mine at availability 0.5 restarts between 1.5x and 3x: at 2.25x half way, to 0.75,
    so its capacity factor is 0.75 / 0.5 = 1.5."""
    restart = {"nodes": {"nodes": ["mine"]}, "mineral": "lithium", "lag_days": 0}
    prices, state = book({"commodities": [LITHIUM], "restart": [restart]}, availability=0.5)
    assert prices.capacity_factors(["mine", "refinery"]) is None  # nothing restarted yet
    state.stocks *= 2.25**-0.5
    state.in_transit *= 2.25**-0.5
    prices.update(0, state, np.ones((1, 1)))
    factors = prices.capacity_factors(["mine", "refinery"])
    assert factors is not None
    assert factors[:, 0] == pytest.approx([1.5, 1.0])


def test_recycling_collection_follows_price_up_to_its_cap() -> None:
    recycling = {
        "markets": {"nodes": ["ev"]},
        "mineral": "lithium",
        "elasticity": 0.5,
        "max_rate": 0.5,
        "lag_days": 0,
    }
    prices, state = book({"commodities": [LITHIUM], "recycling": [recycling]})
    state.stocks *= 0.5
    state.in_transit *= 0.5
    prices.update(0, state, np.ones((1, 1)))  # 4x: factor 4^0.5 = 2
    rates = prices.collection_rates(np.array([[0.2]]))
    assert rates[0, 0] == pytest.approx(0.4)
    assert prices.collection_rates(np.array([[0.3]]))[0, 0] == pytest.approx(0.5)


def shocked_chain(prices: dict[str, Any] | None) -> dict[str, Any]:
    """The chain's mine loses 70% of a capacity of 1.5 t/day for 250 days from day 14 (a
    deficit of 0.55 t/day against demand of 1 t/day, more than the stocks hold)."""
    data = chain(step_days=7, horizon_days=364, upstream_cover=14.0, market_cover=14.0)
    data["network"]["nodes"][0]["capacity_tpa"] = 1.5 * 365.0
    data["shocks"] = [
        {
            "type": "capacity_loss",
            "select": {"nodes": ["mine"]},
            "fraction": 0.7,
            "start": 14,
            "duration_days": 250,
        }
    ]
    if prices is not None:
        data["prices"] = prices
    return data


def test_prices_on_vs_off_price_rises_in_the_shortage_and_demand_destruction_cuts_it() -> None:
    response = {"markets": {"nodes": ["ev"]}, "mineral": "lithium", "elasticity": -0.3}
    on = engine.run(
        loader.from_dict(
            shocked_chain({"commodities": [{**LITHIUM, "lag_days": 14}], "demand": [response]})
        )
    )
    off = engine.run(loader.from_dict(shocked_chain(None)))
    assert off.prices is None and on.prices is not None
    price = on.prices.history[:, 0, 0]
    assert price[0] == pytest.approx(10_000.0)
    assert price.max() > 1.5 * 10_000.0
    assert price[-1] < price.max()
    short = [series(r, "ev", "shortfall_t", "lithium", "component").sum() for r in (on, off)]
    assert 0 < short[0] < short[1]


def cobalt_chain() -> dict[str, Any]:
    """Two mines (lithium AU, cobalt CD), a cathode plant with a half-and-half recipe and an EV
    market needing 5 kg of each per vehicle (1 t/day of each); the cobalt mine loses half its
    1 t/day capacity from day 0."""
    data = chain(step_days=7, horizon_days=364, upstream_cover=14.0, market_cover=14.0)
    nodes = data["network"]["nodes"]
    nodes[0]["capacity_tpa"] = 365.0
    nodes[1]["capacity_tpa"] = 1e6
    nodes.insert(
        1,
        {
            "name": "co_mine",
            "kind": "mine",
            "country": "CD",
            "mineral": "cobalt",
            "capacity_tpa": 365.0,
            "cover_days": 14.0,
        },
    )
    nodes.insert(
        2,
        {
            "name": "co_refinery",
            "kind": "refinery",
            "country": "CN",
            "mineral": "cobalt",
            "yield": 1.0,
            "capacity_tpa": 1e6,
            "cover_days": 14.0,
        },
    )
    plant = next(n for n in nodes if n["name"] == "plant")
    plant["recipe"] = {"lithium": 0.5, "cobalt": 0.5}
    ev = next(n for n in nodes if n["name"] == "ev")
    ev["intensity_kg_per_unit"] = {"lithium": 5.0, "cobalt": 5.0}
    ev["demand_units_per_year"] = 73_000.0
    data["network"]["links"][0:2] = [
        {"from": "mine", "to": "refinery", "transit_days": 1},
        {"from": "refinery", "to": "plant", "transit_days": 1},
        {"from": "co_mine", "to": "co_refinery", "transit_days": 1},
        {"from": "co_refinery", "to": "plant", "transit_days": 1},
    ]
    data["shocks"] = [
        {
            "type": "capacity_loss",
            "select": {"nodes": ["co_mine"]},
            "fraction": 0.5,
            "start": 0,
            "duration_days": 364,
        }
    ]
    data["policies"] = [
        {
            "name": "low_cobalt",
            "levers": [
                {
                    "type": "demand_efficiency",
                    "select": {"nodes": ["ev"]},
                    "mineral": "cobalt",
                    "reduction": 0.5,
                    "start": 0,
                }
            ],
        }
    ]
    return data


def test_a_lower_cobalt_intensity_lowers_the_cobalt_the_cathode_plant_needs() -> None:
    """Cobalt supply is halved. As written, the plant's half-and-half recipe turns 0.5 t/day of
    cobalt into 1 t/day of cathode: 0.5 t of each mineral, so the market builds half its
    vehicles whatever each vehicle needs. With 2.5 kg of cobalt per vehicle the recipe follows
    the market (cobalt share 0.5 x 0.5): 0.5 t/day of cobalt now makes 2 t/day of batches,
    i.e. 1 t/day of lithium and 0.5 t of cobalt, enough for every vehicle. In the last 20 weeks
    the baseline is ~50% short and the policy (almost) not at all."""
    scenario = loader.from_dict(cobalt_chain())
    base = engine.run(scenario)
    thrift = engine.run(apply(scenario, scenario.spec.policies[0]))
    short = [series(r, "ev", "shortfall_units")[-20:].sum() for r in (base, thrift)]
    demand = series(base, "ev", "demand_units")[-20:].sum()
    assert short[0] == pytest.approx(0.5 * demand, rel=0.02)
    assert short[1] < 0.01 * demand


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        ({"commodities": [LITHIUM, LITHIUM]}, "priced twice"),
        ({"commodities": [{**LITHIUM, "mineral": "cobalt"}]}, "no node of the network"),
        (
            {
                "commodities": [LITHIUM],
                "demand": [{"markets": {"nodes": ["ev"]}, "mineral": "nickel", "elasticity": -0.1}],
            },
            "which is not priced",
        ),
        (
            {
                "commodities": [LITHIUM],
                "demand": [
                    {"markets": {"nodes": ["mine"]}, "mineral": "lithium", "elasticity": -0.1}
                ],
            },
            "selects nothing it can act on",
        ),
        ({"commodities": [{**LITHIUM, "flexibility": 50}]}, "flexibility"),
        (
            {
                "commodities": [LITHIUM],
                "restart": [
                    {
                        "nodes": {"nodes": ["mine"]},
                        "mineral": "lithium",
                        "start_multiple": 3,
                        "full_multiple": 2,
                    }
                ],
            },
            "must be above start_multiple",
        ),
    ],
)
def test_bad_prices_are_located_errors(prices: dict[str, Any], message: str) -> None:
    data = chain()
    data["prices"] = prices
    with pytest.raises(ScenarioError) as error:
        loader.from_dict(data)
    assert message in str(error.value)
