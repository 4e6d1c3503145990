"""Costs that add up, checked on paper: discounting, the annuity factor, capital counted for the
years of service inside the horizon, holding per review period, reserves bought and sold,
premiums on moved volume only, and the flag and rank of a policy whose cost is not declared."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.analysis import compare, costs
from sim.engine import simulate as engine
from sim.levers import CostInputs, DemandEfficiency, NewCapacity, StockpileLever, apply
from sim.output import report as report_page
from sim.output import writers
from sim.output.folder import load
from sim.scenario import loader as scenario
from sim.scenario.costs import (
    CostOptions,
    annuity_factor,
    capital_charge_pv,
    capital_recovery_factor,
    discount_factor,
)
from sim.scenario.errors import ScenarioError
from sim.scenario.network import Network
from tests.conftest import chain

YEAR = 365.0


def inputs(network: Network, variant: Network | None = None, **given: Any) -> CostInputs:
    """Cost inputs on `network` for one replication: a year's horizon, weekly reviews, 5% a
    year, nothing shipped and no stock unless `given`."""
    variant = variant or network
    fields: dict[str, Any] = {
        "baseline": network,
        "variant": variant,
        "number": 0,
        "reps": 1,
        "start": scenario.from_dict(chain()).spec.start,
        "horizon_days": YEAR,
        "step_days": 7,
        "costs": CostOptions(discount_rate=0.05),
        "shipped_t": np.zeros((len(variant.links), 1)),
        "mean_stock_t": {},
    }
    return CostInputs(**{**fields, **given})


def chain_network() -> Network:
    return scenario.from_dict(chain()).network


# --- discounting and annuities ------------------------------------------------------------------


def test_a_cost_at_year_t_is_worth_x_over_one_plus_r_to_the_t() -> None:
    """At 5%: 1 USD in two years is worth 1 / 1.05^2 = 0.907029 today; a 1,000,000 USD
    programme paid one year after the start costs 1e6 / 1.05 = 952,380.95; one that started
    before the scenario is paid at its start (1e6); one that starts after the horizon costs
    nothing inside it."""
    assert float(discount_factor(0.05, 2 * YEAR)) == pytest.approx(0.9070294784580498, rel=1e-12)
    assert float(discount_factor(0.0, 10 * YEAR)) == 1.0

    def programme(start: int) -> float:
        lever = DemandEfficiency.model_validate(
            {
                "type": "demand_efficiency",
                "select": {"nodes": ["ev"]},
                "mineral": "lithium",
                "reduction": 0.1,
                "start": start,
                "cost_usd": 1e6,
            }
        )
        return float(lever.cost_usd(inputs(chain_network(), horizon_days=2 * YEAR))[0])

    assert programme(365) == pytest.approx(952_380.9523809523, rel=1e-12)
    assert programme(-30) == pytest.approx(1e6, rel=1e-12)
    assert programme(800) == 0.0


def test_the_annuity_factor_and_the_capital_recovery_factor() -> None:
    """10 years at 5%: (1 - 1.05^-10) / 0.05 = 7.721735; CRF = 1 / 7.721735 = 0.129505. At 0%
    the annuity factor is the years and the CRF one over them."""
    assert annuity_factor(0.05, 10) == pytest.approx(7.721734929184818, rel=1e-12)
    assert capital_recovery_factor(0.05, 10) == pytest.approx(0.1295045749654566, rel=1e-12)
    assert annuity_factor(0.0, 10) == 10.0
    assert capital_recovery_factor(0.0, 20) == pytest.approx(0.05, rel=1e-12)


def test_capital_is_charged_for_the_years_of_service_inside_the_horizon() -> None:
    """A 1,000,000 USD asset with a 10-year life at 5% pays A = 1e6 x CRF = 129,504.57 a year.

    - online on day 0, 3-year horizon: A (1/1.05 + 1/1.05^2 + 1/1.05^3) = A x 2.723248 =
      352,673.08 (not the whole 1e6 the old cost charged at any horizon);
    - a 2.5-year horizon: the half year inside pays A / 2 at the horizon's end,
      A (1/1.05 + 1/1.05^2 + 0.5/1.05^2.5) = 298,118.95;
    - a horizon longer than the life: exactly the capital (the annuity's present value);
    - at 0%: 1e6 / 10 per year of service; online on day 365 of a 730-day horizon: 100,000;
      online half a year before the horizon's end: 50,000; online a year before the start:
      its second year, 100,000; online 10 years before the start: its life is over, 0.
    """
    assert capital_charge_pv(1e6, 0.05, 10, 0.0, 3 * YEAR) == pytest.approx(352_673.0785691411)
    assert capital_charge_pv(1e6, 0.05, 10, 0.0, 2.5 * YEAR) == pytest.approx(298_118.9485325759)
    assert capital_charge_pv(1e6, 0.05, 10, 0.0, 12 * YEAR) == pytest.approx(1e6, rel=1e-12)
    assert capital_charge_pv(1e6, 0.0, 10, YEAR, 2 * YEAR) == pytest.approx(100_000.0)
    assert capital_charge_pv(1e6, 0.0, 10, YEAR / 2, YEAR) == pytest.approx(50_000.0)
    assert capital_charge_pv(1e6, 0.0, 10, -YEAR, YEAR) == pytest.approx(100_000.0)
    assert capital_charge_pv(1e6, 0.0, 10, -10 * YEAR, YEAR) == 0.0


def test_a_new_plant_is_charged_from_online_including_its_ramp_up() -> None:
    """A plant online on day 365 of a two-year horizon with a 180-day ramp-up, 20-year life
    at 0%: one year of service, 1e6 / 20 = 50,000 (the ramp-up counts as service)."""
    plant = NewCapacity.model_validate(
        {
            "type": "new_capacity",
            "online": 365,
            "ramp_up_days": 180,
            "capital_cost_usd": 1e6,
            "asset_life_years": 20,
            "node": {
                "name": "new_plant",
                "kind": "plant",
                "country": "IN",
                "recipe": {"lithium": 1.0},
                "capacity_tpa": 10,
            },
        }
    )
    given = inputs(chain_network(), horizon_days=2 * YEAR, costs=CostOptions(discount_rate=0))
    assert float(plant.cost_usd(given)[0]) == pytest.approx(50_000.0, rel=1e-12)
    assert plant.cost_gaps() == []
    assert plant.model_copy(update={"capital_cost_usd": None}).cost_gaps() == ["capital_cost_usd"]


def test_a_capital_cost_needs_an_asset_life() -> None:
    data = chain()
    lever = {
        "type": "new_capacity",
        "online": 10,
        "capital_cost_usd": 5e6,
        "node": {
            "name": "x",
            "kind": "mine",
            "country": "IN",
            "mineral": "lithium",
            "capacity_tpa": 9,
        },
        "sells_to": [{"node": "refinery", "share": 0.1}],
    }
    data["policies"] = [{"name": "p", "levers": [lever]}]
    with pytest.raises(ScenarioError) as caught:
        scenario.from_dict(data)
    text = str(caught.value)
    assert "policies[0].levers[0].capital_cost_usd" in text
    assert "capital cost of 5,000,000 USD needs the asset's life" in text
    assert "asset_life_years" in text


def test_the_discount_rate_is_declared_with_a_default_and_bounded() -> None:
    assert scenario.from_dict(chain()).spec.costs.discount_rate == 0.035
    loaded = scenario.from_dict({**chain(), "costs": {"discount_rate": 0.07}})
    assert loaded.spec.costs.discount_rate == 0.07
    with pytest.raises(ScenarioError, match=r"costs\.discount_rate"):
        scenario.from_dict({**chain(), "costs": {"discount_rate": 0.5}})


# --- flows per review period ------------------------------------------------------------------


def test_holding_and_spread_flows_are_discounted_per_review_period() -> None:
    """Two weekly reviews at 5%: 10 t held at 1000 USD per t-year pays 10 x 1000 x 7/365 at the
    end of each week: 191.78 x (1.05^(-7/365) + 1.05^(-14/365)) = 383.02 (383.56 undiscounted).
    1000 USD spread from day 7 over three weeks falls half in week 2 and half in week 3:
    500 / 1.05^(14/365) + 500 / 1.05^(21/365) = 997.66."""
    two_weeks = inputs(chain_network(), horizon_days=14.0)
    held = two_weeks.holding_pv(np.array([10.0]), 1000.0)
    assert float(held[0]) == pytest.approx(383.0237144099493, rel=1e-12)
    flat = inputs(chain_network(), horizon_days=14.0, costs=CostOptions(discount_rate=0))
    assert float(flat.holding_pv(np.array([10.0]), 1000.0)[0]) == pytest.approx(10_000 * 14 / 365)
    three_weeks = inputs(chain_network(), horizon_days=21.0)
    spread = three_weeks.spread_pv(np.array([1000.0]), 7.0)
    assert float(spread[0]) == pytest.approx(997.663588663522, rel=1e-12)
    assert float(three_weeks.spread_pv(np.array([1000.0]), 30.0)[0]) == 0.0


def _reserve(price: float | None) -> tuple[StockpileLever, Network, Network]:
    """A 10-day Japanese lithium reserve on the chain (1 t/day: 10 t), the baseline and its
    variant network."""
    lever: dict[str, Any] = {
        "type": "stockpile",
        "country": "JP",
        "mineral": "lithium",
        "days": 10,
        "holding_cost_usd_per_t_year": 0,
    }
    if price is not None:
        lever["purchase_price_usd_per_t"] = price
    loaded = scenario.from_dict({**chain(), "policies": [{"name": "p", "levers": [lever]}]})
    policy = loaded.spec.policies[0]
    pile = policy.levers[0]
    assert isinstance(pile, StockpileLever)
    return pile, loaded.network, apply(loaded, policy).network


def test_a_reserve_bought_and_kept_costs_the_money_tied_up() -> None:
    """10 t bought on day 0 at 1000 USD/t and still owned at the end of a year at 5%:
    10,000 - 10,000 / 1.05 = 476.19 USD. At 0% buying, selling and the credit at the end
    cancel, whatever it refilled (3 t) and released (5 t): only holding is left (none here)."""
    pile, network, variant = _reserve(1000.0)
    stock = {("reserve_jp_lithium_0", "lithium", "refined"): np.array([10.0])}
    assert variant.nodes["reserve_jp_lithium_0"].initial_t == pytest.approx(10.0)  # type: ignore[union-attr]
    kept = inputs(network, variant, mean_stock_t=stock)
    assert float(pile.cost_usd(kept)[0]) == pytest.approx(476.1904761904767, rel=1e-9)
    shipped = np.zeros((len(variant.links), 1))
    refill = variant.in_links["reserve_jp_lithium_0"][0].index
    release = variant.out_links["reserve_jp_lithium_0"][0].index
    shipped[refill], shipped[release] = 3.0, 5.0
    flat = inputs(
        network, variant, mean_stock_t=stock, shipped_t=shipped, costs=CostOptions(discount_rate=0)
    )
    assert float(pile.cost_usd(flat)[0]) == pytest.approx(0.0, abs=1e-9)
    assert pile.cost_gaps() == []
    assert _reserve(None)[0].cost_gaps() == ["purchase_price_usd_per_t"]


def test_a_reserve_is_valued_at_the_simulated_price_where_the_mineral_is_priced() -> None:
    """The same 10 t reserve at 1000 USD/t, 0%, a 28-day horizon of weekly reviews, with the
    simulated lithium price outside China at 1x, 1x, 2x, 3x its base at the four reviews (the
    reserve is in Japan; China's side stays at 1x). Bought on day 0 at 1x: 10,000; still owned
    at the horizon's end (day 28, the last review, 3x): credited 30,000. Cost: -20,000, a gain.
    Refilling 4 t spread over the four weeks (each week's part at its end: days 7, 14, 21 and
    28 -> reviews 1, 2, 3 and 3) adds 1,000 x (1 + 2 + 3 + 3) = 9,000 and, owned at the end,
    4 x 3,000 = 12,000 of credit: -23,000."""
    pile, network, variant = _reserve(1000.0)
    stock = {("reserve_jp_lithium_0", "lithium", "refined"): np.array([10.0])}
    loaded = scenario.from_dict(
        {
            **chain(),
            "prices": {
                "commodities": [
                    {
                        "mineral": "lithium",
                        "base_usd_per_t": 9000,
                        "flexibility": 1,
                        "split_by": "CN",
                    }
                ]
            },
        }
    )
    outside = np.array([[1.0], [1.0], [2.0], [3.0]])
    priced = inputs(
        network,
        variant,
        mean_stock_t=stock,
        horizon_days=28.0,
        costs=CostOptions(discount_rate=0),
        price_multiple={("lithium", "CN"): np.ones((4, 1)), ("lithium", "outside CN"): outside},
        priced={c.mineral: c for c in loaded.spec.prices.commodities},
    )
    assert float(pile.cost_usd(priced)[0]) == pytest.approx(-20_000.0)
    shipped = np.zeros((len(variant.links), 1))
    shipped[variant.in_links["reserve_jp_lithium_0"][0].index] = 4.0
    refilled = dataclasses.replace(priced, shipped_t=shipped)
    assert float(pile.cost_usd(refilled)[0]) == pytest.approx(-23_000.0)


def test_the_run_s_simulated_prices_reach_the_cost_inputs() -> None:
    """A priced run: the cost inputs carry each side's price relative to its base at every
    review (1 at the steady state)."""
    data = chain(step_days=7, horizon_days=70, upstream_cover=14.0)
    data["prices"] = {
        "commodities": [{"mineral": "lithium", "base_usd_per_t": 10_000.0, "flexibility": 2.0}]
    }
    data["policies"] = [{"name": "p", "levers": [{**PILE, "days": 10}]}]
    loaded = scenario.from_dict(data)
    result = engine.run(apply(loaded, loaded.spec.policies[0]))
    assert result.prices is not None
    given = costs.cost_inputs(result)
    path = given.price_multiple[("lithium", "world")]
    np.testing.assert_allclose(path, result.prices.history[:, 0, :] / 10_000.0)
    assert path[0, 0] == pytest.approx(1.0, abs=1e-6)
    assert set(given.priced) == {"lithium"}


# --- premiums on moved volume -----------------------------------------------------------------


def test_the_diversification_premium_is_paid_on_the_volume_it_moved_only() -> None:
    """The plant buys 1 t/day, 60% from the CN refinery and 40% from the AU refinery. From day
    10 it caps China at 20%, so Australia's share goes from 0.4 to 0.8; orders placed at the
    day-10 review under the new shares ship from the day-11 review.

    Baseline: AU ships 0.4 t/day x 120 days = 48 t. Policy: 0.4 x 11 days + 0.8 x 109 days =
    91.6 t. Moved: 91.6 - 48 = 43.6 t, at 100 USD/t and no discounting 4,360 USD. The old rule
    charged every tonne the alternative shipped to the capped plant: 9,160 USD, more than twice
    as much, for volume Australia supplied anyway."""
    data = chain(horizon_days=120, upstream_cover=10, market_cover=10)
    data["costs"] = {"discount_rate": 0.0}
    data["network"]["nodes"].append(
        {
            "name": "au_refinery",
            "kind": "refinery",
            "country": "AU",
            "mineral": "lithium",
            "capacity_tpa": 365,
            "cover_days": 10,
        }
    )
    data["network"]["links"][1]["share"] = 0.6  # refinery -> plant
    data["network"]["links"] += [
        {"from": "mine", "to": "au_refinery", "transit_days": 1},
        {"from": "au_refinery", "to": "plant", "transit_days": 1, "share": 0.4},
    ]
    lever = {
        "type": "diversify",
        "buyers": {"nodes": ["plant"]},
        "mineral": "lithium",
        "from_country": "CN",
        "max_share": 0.2,
        "alternatives": ["au_refinery"],
        "start": 10,
        "premium_usd_per_t": 100,
    }
    loaded = scenario.from_dict({**data, "policies": [{"name": "p", "levers": [lever]}]})
    baseline = engine.run(loaded)
    policy = engine.run(apply(loaded, loaded.spec.policies[0]))
    link = next(
        k.index for k in loaded.network.links if (k.supplier, k.buyer) == ("au_refinery", "plant")
    )
    assert baseline.recorder.shipped_totals()[link, 0] == pytest.approx(48.0)
    assert policy.recorder.shipped_totals()[link, 0] == pytest.approx(91.6)
    paired = costs.paired_shipments(baseline)
    assert float(costs.policy_cost_usd(policy, paired)[0]) == pytest.approx(4_360.0)
    assert costs.priced_links(loaded) == (link,)
    with pytest.raises(ValueError, match="paired baseline run's shipments"):
        costs.policy_cost_usd(policy)


# --- a cost that is not declared --------------------------------------------------------------

THRIFT = {
    "type": "demand_efficiency",
    "select": {"nodes": ["ev"]},
    "mineral": "lithium",
    "reduction": 0.5,
    "start": 0,
}
PILE = {
    "type": "stockpile",
    "country": "JP",
    "mineral": "lithium",
    "days": 20,
    "holding_cost_usd_per_t_year": 100,
    "purchase_price_usd_per_t": 1000,
}


def _compared(*policies: tuple[str, dict[str, Any]], criterion: str = "cost_per_t_avoided") -> Any:
    """The chain under a 30-day ban on China's lithium, with `policies` (name, lever)."""
    ban = {"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 10}
    data = chain(horizon_days=90, upstream_cover=3, shocks=[{**ban, "duration_days": 30}])
    data["policies"] = [{"name": name, "levers": [lever]} for name, lever in policies]
    return compare.compare_policies(scenario.from_dict(data), 1, workers=1, criterion=criterion)


def test_a_policy_with_no_declared_cost_is_flagged_and_ranked_after_the_declared() -> None:
    """Halving lithium per vehicle with no `cost_usd` costs 0 USD 'per tonne avoided' and
    would rank first; it is flagged and ranked after the reserve, whose costs are declared.
    Declared as free (`cost_usd: 0`) it ranks first. Ranked by shortfall avoided, the flag
    does not move it."""
    result = _compared(("free_thrift", THRIFT), ("reserve", PILE))
    ranking = result.ranking.set_index("policy")
    assert ranking.loc["free_thrift", "shortfall_avoided_t"] > 0
    assert ranking.loc["free_thrift", "cost_usd"] == 0.0
    assert list(result.ranking["policy"]) == ["reserve", "free_thrift"]
    assert not ranking.loc["free_thrift", "cost_declared"]
    assert ranking.loc["free_thrift", "cost_not_declared"] == "demand_efficiency: cost_usd"
    assert ranking.loc["reserve", "cost_declared"]
    assert ranking.loc["reserve", "cost_not_declared"] == ""
    declared = _compared(("free_thrift", {**THRIFT, "cost_usd": 0}), ("reserve", PILE))
    assert list(declared.ranking["policy"]) == ["free_thrift", "reserve"]
    by_effect = _compared(
        ("free_thrift", THRIFT), ("reserve", PILE), criterion="shortfall_avoided_t"
    )
    avoided = by_effect.ranking["shortfall_avoided_t"].to_numpy()
    assert (np.diff(avoided) <= 0).all()


def test_the_report_flags_undeclared_costs_and_states_the_cost_conventions(tmp_path: Path) -> None:
    result = _compared(("free_thrift", THRIFT), ("reserve", PILE))
    folder = writers.write_comparison(result, tmp_path, ["test"])
    _, blocks = report_page.document(load(folder), [])
    texts = [b.text for b in blocks if b.kind == "p"]
    ranking = next(
        b.table for b in blocks if b.table is not None and "cost declared" in b.table.columns
    )
    rows = {row[1]: row for row in ranking.rows}
    assert rows["free_thrift"][4] == "cost not declared (demand_efficiency: cost_usd)"
    assert rows["reserve"][4] == "yes"
    sentence = next(t for t in texts if "Cheapest per tonne" in t)
    assert sentence.startswith("Ranked by cost per tonne of shortfall avoided (lowest first)")
    assert "whose costs are declared: reserve" in sentence
    assert "free_thrift: cost not declared (demand_efficiency: cost_usd); ranked after" in sentence
    headings = [b.text for b in blocks if b.kind == "h3"]
    assert "Cost assumptions" in headings
    assert any("real discount rate of 3.5% a year" in t for t in texts)
    assert any("only on the tonnes a lever moved" in t for t in texts)
    assert any("annualised over the asset's life" in t for t in texts)
