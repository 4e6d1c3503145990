"""Policy levers on cases whose effect can be predicted on paper, and their comparison."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.analysis import balance, compare, costs
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.levers import LEVERS, CostInputs, PartnerPriority, Policy, StockpileLever, apply
from sim.scenario import loader as scenario
from sim.scenario.costs import CostOptions
from sim.scenario.errors import ScenarioError
from tests.conftest import chain, series

BAN = {
    "type": "export_ban",
    "country": "CN",
    "mineral": "lithium",
    "start": 10,
    "duration_days": 60,
}


def base(**extra: Any) -> dict[str, Any]:
    """The chain (1 t/day, daily reviews, 10 days of cover everywhere) with an idle
    Australian refinery that can serve the plant, and a 60-day ban on CN's lithium."""
    data = chain(horizon_days=120, upstream_cover=10, market_cover=10, shocks=[BAN])
    data["network"]["nodes"].append(
        {
            "name": "au_refinery",
            "kind": "refinery",
            "country": "AU",
            "mineral": "lithium",
            "capacity_tpa": 365,
            "cover_days": 0,
        }
    )
    data["network"]["links"] += [
        {"from": "mine", "to": "au_refinery", "transit_days": 1},
        {"from": "au_refinery", "to": "plant", "transit_days": 1, "share": 0.0},
    ]
    data.update(extra)
    return data


def variant(data: dict[str, Any], *levers: dict[str, Any]) -> engine.RunResult:
    loaded = scenario.from_dict({**data, "policies": [{"name": "p", "levers": list(levers)}]})
    result = engine.run(apply(loaded, loaded.spec.policies[0]))
    balance.check(results.balance(result))
    return result


def first_short(result: engine.RunResult) -> int:
    return int(results.market_summary(result).iloc[0]["first_shortfall_day"])


def test_stockpile_of_d_days_delays_the_first_shortfall_by_about_d_days() -> None:
    baseline = engine.run(scenario.from_dict(base()))
    pile = variant(base(), {"type": "stockpile", "country": "JP", "mineral": "lithium", "days": 20})
    released = series(pile, "reserve_jp_lithium_0", "released_t", "lithium", "refined")
    assert released[:10].sum() == 0.0  # untouched in normal times
    assert 18 <= first_short(pile) - first_short(baseline) <= 22


def test_qualification_time_delays_the_switch_by_its_days() -> None:
    """The plant moves half its orders to the Australian refinery from day 5: with 15 days
    of qualification the first shipment from Australia comes exactly 15 days later than
    without, and then carries half of the 1 t/day."""

    def first_shipment(qualification: int) -> tuple[int, np.ndarray]:
        result = variant(
            base(shocks=[]),
            {
                "type": "diversify",
                "buyers": {"nodes": ["plant"]},
                "mineral": "lithium",
                "from_country": "CN",
                "max_share": 0.5,
                "alternatives": ["au_refinery"],
                "start": 5,
                "qualification_days": qualification,
            },
        )
        link = next(
            k.index
            for k in result.scenario.network.links
            if (k.supplier, k.buyer) == ("au_refinery", "plant")
        )
        shipped = result.recorder.shipped[:, link, 0]
        return int(np.flatnonzero(shipped > 0)[0]), shipped

    at_once, _ = first_shipment(0)
    later, shipped = first_shipment(15)
    assert later - at_once == 15
    np.testing.assert_allclose(shipped[-10:], 0.5, rtol=1e-9)


def test_new_plant_adds_exactly_its_ramped_capacity() -> None:
    """A 73 t/yr (0.2 t/day) refinery in India, online on day 20 with a 10-day ramp, taking
    all of the plant's orders: it makes 0.2 x ramp t/day, no more, once its feed arrives."""
    result = variant(
        base(shocks=[]),
        {
            "type": "new_capacity",
            "online": 20,
            "ramp_up_days": 10,
            "node": {
                "name": "in_ref",
                "kind": "refinery",
                "country": "IN",
                "mineral": "lithium",
                "capacity_tpa": 73,
                "cover_days": 0,
            },
            "buys_from": [{"node": "mine", "share": 1.0, "transit_days": 1}],
            "sells_to": [{"node": "plant", "share": 1.0, "transit_days": 1}],
        },
    )
    made = series(result, "in_ref", "production_t", "lithium", "refined")
    assert made[:20].sum() == 0.0
    ramp = np.clip((np.arange(len(made)) - 20) / 10, 0, 1)
    np.testing.assert_allclose(made[35:], 0.2, rtol=1e-9)
    assert (made <= 0.2 * ramp + 1e-12).all()


def test_demand_efficiency_cuts_intensity_by_its_reduction() -> None:
    result = variant(
        base(shocks=[]),
        {
            "type": "demand_efficiency",
            "select": {"kinds": ["market"]},
            "mineral": "lithium",
            "reduction": 0.25,
            "start": 30,
            "phase_in_days": 10,
        },
    )
    used = series(result, "ev", "demand_t", "lithium", "component")
    np.testing.assert_allclose(used[:30], 1.0)
    np.testing.assert_allclose(used[35], 1.0 - 0.25 * 0.5)
    np.testing.assert_allclose(used[45:], 0.75)
    np.testing.assert_allclose(series(result, "ev", "delivered_units")[45:], 100.0, rtol=1e-9)


def test_partner_priority_serves_the_contracted_buyer_first() -> None:
    """A CN refinery cut to half capacity serves Japan (contracted for its full 1 t/day) and
    India (1 t/day): Japan is served in full, India gets what is left."""
    data = base(
        shocks=[
            {
                "type": "capacity_loss",
                "select": {"nodes": ["refinery"]},
                "fraction": 0.5,
                "start": 0,
            }
        ]
    )
    data["network"]["nodes"][1]["capacity_tpa"] = 730
    data["network"]["nodes"] += [
        {
            "name": "in_plant",
            "kind": "plant",
            "country": "IN",
            "recipe": {"lithium": 1.0},
            "capacity_tpa": 1e6,
            "cover_days": 10,
        },
        {
            "name": "in_ev",
            "kind": "market",
            "country": "IN",
            "sector": "ev",
            "demand_units_per_year": 36500,
            "intensity_kg_per_unit": {"lithium": 10.0},
            "cover_days": 10,
        },
    ]
    data["network"]["links"] += [
        {"from": "refinery", "to": "in_plant", "transit_days": 1},
        {"from": "in_plant", "to": "in_ev", "transit_days": 1},
    ]
    plain = engine.run(scenario.from_dict(data))
    contract = variant(
        data,
        {
            "type": "partner_priority",
            "supplier_country": "CN",
            "buyer_country": "JP",
            "mineral": "lithium",
            "contracted_tpa": 365,
        },
    )
    fill = {
        name: results.market_summary(r).set_index("market")["fill_rate"]
        for name, r in (("plain", plain), ("contract", contract))
    }
    assert fill["contract"]["ev"] == pytest.approx(1.0)
    assert fill["contract"]["in_ev"] < fill["plain"]["in_ev"] < 1.0


def test_recycling_collects_and_recovers() -> None:
    result = variant(
        base(shocks=[]),
        {
            "type": "recycling",
            "market": "ev",
            "mineral": "lithium",
            "collection_rate": 0.5,
            "recycler": {
                "name": "jp_recycler",
                "kind": "recycler",
                "country": "JP",
                "mineral": "lithium",
                "capacity_tpa": 100,
                "yield": 0.9,
            },
            "supplies": [{"node": "plant", "share": 0.05, "transit_days": 1}],
        },
    )
    assert series(result, "jp_recycler", "stock_t", "lithium", "scrap").max() >= 0.0
    assert result.scenario.network.nodes["ev"].collection_rate == 0.5  # type: ignore[attr-defined]


def test_a_policy_that_changes_nothing_differs_by_exactly_zero() -> None:
    data = base(
        policies=[
            {
                "name": "nothing",
                "levers": [
                    {
                        "type": "demand_efficiency",
                        "select": {"kinds": ["market"]},
                        "mineral": "lithium",
                        "reduction": 0.0,
                        "start": 0,
                    }
                ],
            }
        ]
    )
    result = compare.compare_policies(scenario.from_dict(data), 3, workers=1)
    assert (result.table["delta"] == 0.0).all()


def test_comparison_ranks_by_cost_per_tonne_avoided() -> None:
    pile = {
        "type": "stockpile",
        "country": "JP",
        "mineral": "lithium",
        "days": 30,
        "holding_cost_usd_per_t_year": 1000,
        "purchase_price_usd_per_t": 0,
    }
    thrift = {
        "type": "demand_efficiency",
        "select": {"kinds": ["market"]},
        "mineral": "lithium",
        "reduction": 0.3,
        "start": 0,
        "phase_in_days": 10,
        "cost_usd": 1e6,
    }
    data = base(
        policies=[
            {"name": "pile", "levers": [pile]},
            {"name": "thrift", "levers": [thrift]},
            {"name": "both", "levers": [pile, thrift]},
        ]
    )
    result = compare.compare_policies(scenario.from_dict(data), 1, workers=1)
    ranking = result.ranking.set_index("policy")
    assert ranking.loc["pile", "rank"] == 1
    assert ranking.loc["pile", "shortfall_avoided_t"] == pytest.approx(30.0, rel=0.05)
    assert ranking.loc["pile", "cost_usd"] > 0
    assert "better than its best part pile" in ranking.loc["both", "vs_best_part"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 100), st.integers(1, 90), st.floats(0.0, 1.0), st.integers(1, 3))
def test_mass_balance_holds_with_every_lever(
    start: int, days: int, severity: float, step: int
) -> None:
    data = base(shocks=[{**BAN, "start": start, "duration_days": days, "severity": severity}])
    data["step_days"] = step
    data["network"]["nodes"][3].update(
        collection_rate=0.3, eol_history_share=0.5, lifetime_years=0.1
    )
    data["network"]["nodes"].append(
        {
            "name": "recycler",
            "kind": "recycler",
            "country": "JP",
            "mineral": "lithium",
            "capacity_tpa": 50,
        }
    )
    data["network"]["links"].append({"from": "ev", "to": "recycler", "transit_days": 3})
    levers = [
        {"type": "stockpile", "country": "JP", "mineral": "lithium", "days": 20},
        {
            "type": "diversify",
            "buyers": {"nodes": ["plant"]},
            "mineral": "lithium",
            "from_country": "CN",
            "max_share": 0.6,
            "alternatives": ["au_refinery"],
            "qualification_days": 7,
        },
        {
            "type": "new_capacity",
            "online": 15,
            "ramp_up_days": 20,
            "node": {
                "name": "in_ref",
                "kind": "refinery",
                "country": "IN",
                "mineral": "lithium",
                "capacity_tpa": 100,
            },
            "buys_from": [{"node": "mine", "share": 1.0, "transit_days": 2}],
            "sells_to": [{"node": "plant", "share": 0.2, "transit_days": 2}],
        },
        {
            "type": "demand_efficiency",
            "select": {"kinds": ["market"]},
            "mineral": "lithium",
            "reduction": 0.2,
            "start": 20,
            "phase_in_days": 30,
        },
        {
            "type": "partner_priority",
            "supplier_country": "CN",
            "buyer_country": "JP",
            "mineral": "lithium",
            "contracted_tpa": 200,
        },
        {
            "type": "recycling",
            "market": "ev",
            "mineral": "lithium",
            "collection_rate": 0.6,
            "start": 10,
            "ramp_up_days": 20,
            "recycler": {
                "name": "jp_recycler",
                "kind": "recycler",
                "country": "JP",
                "mineral": "lithium",
                "capacity_tpa": 100,
            },
            "supplies": [{"node": "plant", "share": 0.05}],
        },
    ]
    result = variant(copy.deepcopy(data), *levers)
    table = results.balance(result)
    balance.check(table, tolerance=1e-9)
    stocks = [i for i, key in enumerate(result.recorder.keys) if key[3] == "stock_t"]
    assert (result.recorder.values[:, stocks, :] >= 0.0).all()


def test_stockpile_released_during_a_named_shock() -> None:
    """With a cover threshold of 0 the reserve would never release; named after the ban it
    releases from the ban's first review and keeps the market served longer."""
    ban = {**BAN, "name": "cn_ban"}
    baseline = engine.run(scenario.from_dict(base(shocks=[ban])))
    pile = variant(
        base(shocks=[ban]),
        {
            "type": "stockpile",
            "country": "JP",
            "mineral": "lithium",
            "days": 20,
            "release_below_cover_days": 0,
            "release_during": ["cn_ban"],
        },
    )
    released = series(pile, "reserve_jp_lithium_0", "released_t", "lithium", "refined")
    assert released[:10].sum() == 0.0 and released[10:20].sum() > 0.0
    assert first_short(pile) > first_short(baseline) + 15


def test_release_during_an_unknown_shock_is_an_input_error() -> None:
    data = base()
    data["network"]["nodes"].append(
        {
            "name": "reserve",
            "kind": "stockpile",
            "country": "JP",
            "mineral": "lithium",
            "initial_t": 5,
            "release_during": ["cn_bam"],
        }
    )
    data["network"]["links"].append({"from": "reserve", "to": "plant"})
    with pytest.raises(Exception, match="releases during shock 'cn_bam'"):
        scenario.from_dict(data)


def test_recycling_ramps_up_collection_and_recovery() -> None:
    """Collection rises from 0 to 50% over 20 days from day 30 into a new recycler (products
    last 20 days here, so end-of-life flow is 1 t/day); the recycler's capacity and its share
    of the plant's orders ramp alongside."""
    data = base(shocks=[])
    data["network"]["nodes"][3].update(lifetime_years=20 / 365, eol_history_share=1.0)
    result = variant(
        data,
        {
            "type": "recycling",
            "market": "ev",
            "mineral": "lithium",
            "collection_rate": 0.5,
            "start": 30,
            "ramp_up_days": 20,
            "recycler": {
                "name": "jp_recycler",
                "kind": "recycler",
                "country": "JP",
                "mineral": "lithium",
                "capacity_tpa": 365,
                "yield": 0.9,
                "cover_days": 0,
            },
            "supplies": [{"node": "plant", "share": 0.3, "transit_days": 1}],
        },
    )
    collected = series(result, "ev", "collected_t", "lithium", "component")
    np.testing.assert_allclose(collected[:30], 0.0)
    np.testing.assert_allclose(collected[40], 0.25, rtol=1e-9)  # half way up the ramp
    np.testing.assert_allclose(collected[60:], 0.5, rtol=1e-9)
    made = series(result, "jp_recycler", "production_t", "lithium", "refined")
    assert made[:30].sum() == 0.0 and made[70:].min() > 0.0


# --- costs: each lever is charged on the baseline and variant networks explicitly -----------


def india_too(data: dict[str, Any]) -> dict[str, Any]:
    """The base chain plus an Indian plant and EV market (1 t/day) also buying from the CN
    refinery."""
    data["network"]["nodes"] += [
        {
            "name": "in_plant",
            "kind": "plant",
            "country": "IN",
            "recipe": {"lithium": 1.0},
            "capacity_tpa": 1e6,
            "cover_days": 10,
        },
        {
            "name": "in_ev",
            "kind": "market",
            "country": "IN",
            "sector": "ev",
            "demand_units_per_year": 36500,
            "intensity_kg_per_unit": {"lithium": 10.0},
            "cover_days": 10,
        },
    ]
    data["network"]["links"] += [
        {"from": "refinery", "to": "in_plant", "transit_days": 1},
        {"from": "in_plant", "to": "in_ev", "transit_days": 1},
    ]
    return data


def contract(buyer: str) -> dict[str, Any]:
    return {
        "type": "partner_priority",
        "supplier_country": "CN",
        "buyer_country": buyer,
        "mineral": "lithium",
        "contracted_tpa": 1000,
        "premium_usd_per_t": 10,
    }


def shipped_on(result: engine.RunResult, supplier: str, buyer: str) -> float:
    link = next(
        k.index for k in result.scenario.network.links if (k.supplier, k.buyer) == (supplier, buyer)
    )
    return float(result.recorder.shipped_totals()[link, 0])


def paired_cost(data: dict[str, Any], *levers: dict[str, Any]) -> tuple[engine.RunResult, float]:
    """A policy run of `levers` and its cost in replication 0, charged against the baseline run
    of the same replication."""
    result = variant(data, *levers)
    paired = costs.paired_shipments(engine.run(scenario.from_dict(data)))
    return result, float(costs.policy_cost_usd(result, paired)[0])


def test_each_contract_is_charged_on_its_own_flows() -> None:
    """Two contracts from CN (to Japan and to India) paying on every tonne received: each
    premium is paid on its own flows only, so together they cost the sum of each alone (the old
    cost charged every contract on every contracted link of the supplier country: twice the
    premium). No discounting, so the premium is 10 USD x tonnes."""
    data = india_too(base(shocks=[]))
    data["costs"] = {"discount_rate": 0.0}
    received = [{**contract(c), "premium_on": "received"} for c in ("JP", "IN")]
    both, cost = paired_cost(data, *received)
    tonnes = shipped_on(both, "refinery", "plant") + shipped_on(both, "refinery", "in_plant")
    assert tonnes > 200  # 1 t/day each over 120 days, under the 1000 t/yr contracts
    assert cost == pytest.approx(10 * tonnes, rel=1e-12)
    alone = [paired_cost(data, lever)[1] for lever in received]
    assert cost == pytest.approx(sum(alone), rel=1e-12)


def test_a_contract_that_moves_nothing_pays_no_premium_on_moved_volume() -> None:
    """With no shock the contracted links carry what they carry without the contract: the
    default premium (on moved volume) is 0, a premium on received tonnes is not."""
    data = india_too(base(shocks=[]))
    assert paired_cost(data, contract("JP"))[1] == 0.0
    assert paired_cost(data, {**contract("JP"), "premium_on": "received"})[1] > 0.0


def test_the_diversification_premium_is_paid_on_the_capped_buyers_only() -> None:
    """Japan's plants cap China at half of their lithium; a second Japanese plant that already
    buys only from Australia is selected too but not capped: the premium is paid on what the
    alternative ships to the capped plant (it shipped it nothing in the baseline), not on the
    second plant's usual purchases."""
    data = base(shocks=[])
    data["costs"] = {"discount_rate": 0.0}
    data["network"]["nodes"] += [
        {
            "name": "plant2",
            "kind": "plant",
            "country": "JP",
            "recipe": {"lithium": 1.0},
            "capacity_tpa": 1e6,
            "cover_days": 10,
        },
        {
            "name": "ev2",
            "kind": "market",
            "country": "JP",
            "sector": "ev",
            "demand_units_per_year": 7300,
            "intensity_kg_per_unit": {"lithium": 10.0},
            "cover_days": 10,
        },
    ]
    data["network"]["links"] += [
        {"from": "au_refinery", "to": "plant2", "transit_days": 1},
        {"from": "plant2", "to": "ev2", "transit_days": 1},
    ]
    result, cost = paired_cost(
        data,
        {
            "type": "diversify",
            "buyers": {"countries": ["JP"], "kinds": ["plant"]},
            "mineral": "lithium",
            "from_country": "CN",
            "max_share": 0.5,
            "alternatives": ["au_refinery"],
            "premium_usd_per_t": 100,
        },
    )
    capped, usual = (
        shipped_on(result, "au_refinery", "plant"),
        shipped_on(result, "au_refinery", "plant2"),
    )
    assert capped > 0 and usual > 0
    assert cost == pytest.approx(100 * capped, rel=1e-12)


def test_costs_from_stated_inputs() -> None:
    """A lever's cost is a function of the inputs it is given (no discounting): a reserve
    holding 10 t on mean for half a year at 1000 USD per t-year costs 5000; a contract for
    365 t/yr over which 500 t were shipped pays its premium on the 182.5 t contracted in half a
    year, or, on moved volume, on the 500 - 450 = 50 t above the paired baseline run (and on
    none where the baseline shipped more)."""
    loaded = scenario.from_dict(india_too(base(shocks=[])))
    network = loaded.network
    pile = StockpileLever.model_validate(
        {
            "type": "stockpile",
            "country": "JP",
            "mineral": "lithium",
            "days": 10,
            "holding_cost_usd_per_t_year": 1000,
        }
    )
    deal = PartnerPriority.model_validate({**contract("JP"), "contracted_tpa": 365})
    received = deal.model_copy(update={"premium_on": "received"})
    link = next(k.index for k in network.links if (k.supplier, k.buyer) == ("refinery", "plant"))
    shipped = np.zeros((len(network.links), 2))
    shipped[link] = [500.0, 100.0]
    inputs = CostInputs(
        baseline=network,
        variant=network,
        number=3,
        reps=2,
        start=loaded.spec.start,
        horizon_days=182.5,
        step_days=7,
        costs=CostOptions(discount_rate=0.0),
        shipped_t=shipped,
        mean_stock_t={("reserve_jp_lithium_3", "lithium", "refined"): np.array([10.0, 0.0])},
        paired_shipped_t={link: np.array([450.0, 150.0])},
    )
    np.testing.assert_allclose(pile.cost_usd(inputs), [5000.0, 0.0])
    np.testing.assert_allclose(received.cost_usd(inputs), [1825.0, 1000.0])
    np.testing.assert_allclose(deal.cost_usd(inputs), [500.0, 0.0])


# --- the registry -------------------------------------------------------------------------


def test_the_registry_lists_every_lever_once() -> None:
    names = [lever.type_name() for lever in LEVERS]
    assert names == [
        "stockpile",
        "new_capacity",
        "demand_efficiency",
        "diversify",
        "recycling",
        "partner_priority",
        "support_project",
    ]
    policy = Policy.model_validate(
        {
            "name": "p",
            "levers": [{"type": "stockpile", "country": "JP", "mineral": "lithium", "days": 5}],
        }
    )
    assert isinstance(policy.levers[0], StockpileLever)


def test_lever_minerals_are_the_minerals_each_lever_acts_on() -> None:
    plant = {
        "type": "new_capacity",
        "online": 0,
        "node": {
            "name": "x",
            "kind": "plant",
            "country": "JP",
            "recipe": {"lithium": 0.5, "cobalt": 0.5},
            "capacity_tpa": 1,
        },
    }
    policy = Policy.model_validate({"name": "p", "levers": [plant, contract("JP")]})
    assert compare.lever_minerals(policy.levers) == {"lithium", "cobalt"}


# --- checks at load: every policy compiles against the network before anything runs --------

REFINERY = {
    "name": "in_ref",
    "kind": "refinery",
    "country": "IN",
    "mineral": "lithium",
    "capacity_tpa": 100,
}
NEW_REFINERY = {
    "type": "new_capacity",
    "online": 10,
    "node": REFINERY,
    "buys_from": [{"node": "mine", "share": 1.0}],
    "sells_to": [{"node": "plant", "share": 0.2}],
}
RECYCLING = {
    "type": "recycling",
    "market": "ev",
    "mineral": "lithium",
    "collection_rate": 0.5,
    "recycler": {
        "name": "jp_recycler",
        "kind": "recycler",
        "country": "JP",
        "mineral": "lithium",
        "capacity_tpa": 100,
    },
    "supplies": [{"node": "plant", "share": 0.05}],
}


def load_with(*levers: dict[str, Any]) -> scenario.Scenario:
    return scenario.from_dict({**base(), "policies": [{"name": "p", "levers": list(levers)}]})


def test_a_lever_may_build_on_an_earlier_lever_of_its_policy() -> None:
    """A new mine, then a new refinery that buys from it: checked against the draft."""
    mine = {
        "type": "new_capacity",
        "online": 5,
        "node": {
            "name": "in_mine",
            "kind": "mine",
            "country": "IN",
            "mineral": "lithium",
            "capacity_tpa": 200,
        },
    }
    refinery = {**NEW_REFINERY, "buys_from": [{"node": "in_mine", "share": 1.0}]}
    loaded = load_with(mine, refinery)
    network = apply(loaded, loaded.spec.policies[0]).network
    assert [k.supplier for k in network.in_links["in_ref"]] == ["in_mine"]


@pytest.mark.parametrize(
    ("levers", "fragments"),
    [
        (
            [NEW_REFINERY, {**NEW_REFINERY, "online": 20}],
            [
                "policies[0].levers[1].node.name",
                "'in_ref' was already added by policies[0].levers[0]",
            ],
        ),
        (
            [{**NEW_REFINERY, "buys_from": []}],
            ["levers[0].buys_from", "the new refinery 'in_ref' has no suppliers"],
        ),
        (
            [{**RECYCLING, "recycler": {**RECYCLING["recycler"], "mineral": "cobalt"}}],
            ["levers[0].recycler.mineral", "recovers cobalt but the lever collects lithium"],
        ),
        (
            [{**RECYCLING, "mineral": "cobalt"}],
            ["levers[0].mineral", "market 'ev' uses no cobalt"],
        ),
        (
            [
                {
                    "type": "demand_efficiency",
                    "select": {"nodes": ["eev"]},
                    "mineral": "lithium",
                    "reduction": 0.1,
                    "start": 0,
                }
            ],
            ["levers[0].select.nodes[0]", "unknown node 'eev'", "did you mean 'ev'"],
        ),
        (
            [{**NEW_REFINERY, "sells_to": [{"node": "mine", "share": 0.2}]}],
            ["levers[0].sells_to[0]", "'mine' (mine) does not use lithium refined"],
        ),
    ],
)
def test_a_broken_lever_is_a_located_input_error(
    levers: list[dict[str, Any]], fragments: list[str]
) -> None:
    with pytest.raises(ScenarioError) as raised:
        load_with(*levers)
    message = str(raised.value.problems[0])  # the lever's own problem comes first
    for fragment in fragments:
        assert fragment in message


def test_apply_locates_a_policy_that_is_not_in_the_file() -> None:
    loaded = scenario.from_dict(base())
    stray = Policy.model_validate({"name": "stray", "levers": [contract("KR")]})
    with pytest.raises(ScenarioError, match=r"policies\.stray\.levers\[0\]\.buyer_country"):
        apply(loaded, stray)


def test_thrifting_a_mineral_away_entirely_leaves_no_nan() -> None:
    """A 100% demand-efficiency lever makes the market need 0 t per unit: that mineral no
    longer limits what it builds (0 t / 0 t per unit used to give NaN units)."""
    data = chain(horizon_days=30)
    data["policies"] = [
        {
            "name": "thrift",
            "levers": [
                {"type": "demand_efficiency", "select": {"nodes": ["ev"]}, "mineral": "lithium",
                 "reduction": 1.0, "start": 0}
            ],
        }
    ]  # fmt: skip
    loaded = scenario.from_dict(data)
    result = engine.run(apply(loaded, loaded.spec.policies[0]))
    balance.check(results.balance(result))
    assert not np.isnan(result.recorder.values).any()
    assert series(result, "ev", "shortfall_units").sum() == 0.0
