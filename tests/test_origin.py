"""Embodied origin: compositions worked out by hand, recycling keeping its origin, mass balance
per origin over generated networks, and the rules that act on content."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.engine.origin import OriginBook
from sim.scenario import loader as scenario
from sim.scenario.errors import ScenarioError
from tests.conftest import chain
from tests.test_properties import scenarios


def two_mines(au_share: float = 0.25, **kwargs: Any) -> dict[str, Any]:
    """AU and CN mines -> MY refinery -> JP plant -> JP market: the refinery buys `au_share`
    of its ore from AU and the rest from CN."""
    data = chain(upstream_cover=7.0, transit=(7, 7, 7), step_days=7, horizon_days=140, **kwargs)
    nodes = data["network"]["nodes"]
    nodes[0]["name"] = "au_mine"
    nodes.insert(1, {**nodes[0], "name": "cn_mine", "country": "CN"})
    nodes[2]["country"] = "MY"
    data["network"]["links"][0] = {
        "from": "au_mine",
        "to": "refinery",
        "transit_days": 7,
        "share": au_share,
    }
    data["network"]["links"].insert(
        1, {"from": "cn_mine", "to": "refinery", "transit_days": 7, "share": 1 - au_share}
    )
    data["origin"] = {"track": True, "bucket_days": 28}
    return data


def book_of(result: engine.RunResult) -> OriginBook:
    book = result.state.origin
    assert isinstance(book, OriginBook)
    return book


def delivered_shares(book: OriginBook, market: str, mineral: str) -> dict[str, np.ndarray]:
    """Per tag: the share of what the market put in use per time bucket, replication 0."""
    q = next(i for i, pair in enumerate(book.pair_names) if pair == (market, mineral))
    total = book.delivered_t[:, q, 0]
    return {
        f"{stage}:{country}": book.delivered[:, q, k, 0] / total
        for k, (stage, country) in enumerate(book.tags)
    }


def test_a_two_source_mix_gives_exact_shares_two_stages_downstream() -> None:
    """The MY refinery buys 25% of its ore from AU and 75% from CN, so in the steady state
    every tonne of refined lithium is 25% AU-mined and 75% CN-mined, 100% MY-refined; the JP
    plant passes it on (two stages downstream) and adds its own tag, so every bucket of the
    JP market's deliveries is exactly ore AU 0.25, CN 0.75, refined MY 1, component JP 1."""
    result = engine.run(scenario.from_dict(two_mines(0.25)))
    shares = delivered_shares(book_of(result), "ev", "lithium")
    np.testing.assert_allclose(shares["ore:AU"], 0.25, rtol=1e-12)
    np.testing.assert_allclose(shares["ore:CN"], 0.75, rtol=1e-12)
    np.testing.assert_allclose(shares["refined:MY"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(shares["component:JP"], 1.0, rtol=1e-12)


def test_a_stopped_source_drains_out_of_the_mix() -> None:
    """Daily reviews, 1-day voyages: the CN mine stops for good on day 0, so the refinery gets
    only AU ore from then on (its buyers do not re-source), and the CN share of what reaches
    the market falls from 75% (the material in the chain before the stop) without ever rising.
    Each stock is a well-mixed pool, so the old material decays geometrically rather than
    leaving at once: by the last 28-day bucket under 0.01% of the deliveries is CN-mined."""
    data = two_mines(0.25)
    data.update(step_days=1, horizon_days=196)
    for link in data["network"]["links"]:
        link["transit_days"] = 1
    data["shocks"] = [
        {"type": "capacity_loss", "select": {"nodes": ["cn_mine"]}, "fraction": 1.0, "start": 0}
    ]
    result = engine.run(scenario.from_dict(data))
    shares = delivered_shares(book_of(result), "ev", "lithium")
    assert 0.5 < shares["ore:CN"][0] < 0.75
    assert 0 < shares["ore:CN"][-1] < 1e-4
    assert np.all(np.diff(shares["ore:CN"][np.isfinite(shares["ore:CN"])]) <= 1e-12)


def test_recycled_material_keeps_its_country_of_mining() -> None:
    """A JP recycler takes all the market's end-of-life lithium (collection 1, legacy flow
    equal to consumption) and, at a 90% yield, sells it back to the plant first: 90% of the
    plant's feed is recycled and 10% comes from the MY refinery. Recycled material keeps its
    mining origin (25% AU, 75% CN, as all that was ever mined) and takes the recycler's
    country at the refined stage: the deliveries are refined 10% in MY and 90% in JP, and
    still 25/75 by mine."""
    data = two_mines(0.25)
    nodes, links = data["network"]["nodes"], data["network"]["links"]
    nodes[-1].update(lifetime_years=0.1, collection_rate=1.0, eol_history_share=1.0)
    nodes.append(
        {
            "name": "recycler",
            "kind": "recycler",
            "country": "JP",
            "mineral": "lithium",
            "capacity_tpa": 1e6,
            "cover_days": 7,
            "yield": 0.9,
        }
    )
    links.append({"from": "ev", "to": "recycler", "transit_days": 7})
    links[2]["share"] = 0.6
    links.append({"from": "recycler", "to": "plant", "transit_days": 7, "share": 0.4})
    result = engine.run(scenario.from_dict(data))
    book = book_of(result)
    shares = delivered_shares(book, "ev", "lithium")
    np.testing.assert_allclose(shares["ore:AU"], 0.25, rtol=1e-9)
    np.testing.assert_allclose(shares["ore:CN"], 0.75, rtol=1e-9)
    np.testing.assert_allclose(shares["refined:JP"], 0.9, rtol=1e-9)
    np.testing.assert_allclose(shares["refined:MY"], 0.1, rtol=1e-9)
    row = result.state.slot[("recycler", ("lithium", "refined"))]
    np.testing.assert_allclose(book.F[row, book.tag_index[("ore", "CN")], 0], 0.75, rtol=1e-9)
    np.testing.assert_allclose(book.F[row, book.tag_index[("refined", "JP")], 0], 1.0)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(scenarios())
def test_mass_balances_per_origin_and_tracking_changes_no_result(data: dict[str, Any]) -> None:
    """On generated networks with shocks: for every mineral and (stage, country) tag, initial
    + tagged = final + untagged + uncollected (to 1e-9 of the mineral's largest term), and a
    run that tracks origin has exactly the stocks and shipments of one that does not."""
    plain = engine.run(scenario.from_dict(copy.deepcopy(data)), 3)
    data["origin"] = {"track": True}
    tracked = engine.run(scenario.from_dict(data), 3)
    assert np.array_equal(plain.state.stocks, tracked.state.stocks)
    assert np.array_equal(plain.recorder.shipped_totals(), tracked.recorder.shipped_totals())
    terms = book_of(tracked).balance(tracked.state)
    scale = max(float(np.abs(t).max(initial=0.0)) for t in terms.values())
    assert np.abs(terms["residual"]).max(initial=0.0) <= 1e-9 * max(scale, 1.0)
    assert np.all(terms["final"] >= -1e-9 * max(scale, 1.0))


def test_tracking_is_on_by_itself_for_a_content_rule_and_off_otherwise() -> None:
    assert engine.run(scenario.from_dict(chain())).state.origin is None
    data = two_mines(0.25)
    del data["origin"]
    data["shocks"] = [content_rule()]
    assert engine.run(scenario.from_dict(data)).state.origin is not None


def content_rule(**extra: Any) -> dict[str, Any]:
    return {
        "type": "content_licensing",
        "origin_country": "CN",
        "origin_stages": ["ore"],
        "minerals": ["lithium"],
        "stages": ["refined"],
        "threshold": 0.5,
        "approval_rate": 0.0,
        "start": 0,
        **extra,
    }


def test_a_content_rule_stops_third_country_shipments_above_the_threshold() -> None:
    """The MY refinery's lithium is 75% CN-mined: a rule with a 50% threshold and nothing
    approved stops its shipments to JP (a third-country flow) for the whole run, so the JP
    market falls short once its cover is gone; with a 90% threshold nothing is licensed."""
    low = two_mines(0.25)
    low["shocks"] = [content_rule(threshold=0.5)]
    stopped = engine.run(scenario.from_dict(low))
    book = book_of(stopped)
    link = next(k.index for k in stopped.scenario.network.links if k.supplier == "refinery")
    assert book.licensed_reviews[link, 0] == stopped.n_periods
    assert stopped.recorder.shipped_totals()[link, 0] == 0.0
    high = two_mines(0.25)
    high["shocks"] = [content_rule(threshold=0.9)]
    free = engine.run(scenario.from_dict(high))
    assert book_of(free).licensed_reviews[link, 0] == 0
    assert free.recorder.shipped_totals()[link, 0] > 0


def test_the_value_basis_divides_the_threshold_by_the_content_value_share() -> None:
    """0.1% of value with content worth 40% of the item: licensed from 0.25% of mass."""
    data = two_mines(0.25)
    data["shocks"] = [content_rule(threshold=0.001, basis="value", content_value_share=0.4)]
    loaded = scenario.from_dict(data)
    assert loaded.spec.shocks[0].threshold_share("lithium") == pytest.approx(0.0025)  # type: ignore[attr-defined]
    data["shocks"] = [content_rule(basis="value")]
    with pytest.raises(ScenarioError, match="content_value_share"):
        scenario.from_dict(data)


def test_a_content_rule_that_covers_no_shipment_is_an_input_error() -> None:
    data = two_mines(0.25)
    data["shocks"] = [content_rule(stages=["component"], to_countries=["AU"])]
    with pytest.raises(ScenarioError, match="no cross-border shipment"):
        scenario.from_dict(data)


def magnet_exports() -> dict[str, Any]:
    """CN lithium and AU cobalt, refined in MY, made into one component in JP (half and half)
    and sold to an Indian market: the JP -> IN links carry one item of two minerals."""
    nodes: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for mineral, country in (("lithium", "CN"), ("cobalt", "AU")):
        nodes += [
            {
                "name": f"{mineral}_mine",
                "kind": "mine",
                "country": country,
                "mineral": mineral,
                "capacity_tpa": 1e6,
                "cover_days": 7,
            },
            {
                "name": f"{mineral}_refinery",
                "kind": "refinery",
                "country": "MY",
                "mineral": mineral,
                "capacity_tpa": 1e6,
                "cover_days": 7,
            },
        ]
        links += [
            {"from": f"{mineral}_mine", "to": f"{mineral}_refinery", "transit_days": 7},
            {"from": f"{mineral}_refinery", "to": "plant", "transit_days": 7},
        ]
    nodes += [
        {
            "name": "plant",
            "kind": "plant",
            "country": "JP",
            "recipe": {"lithium": 0.5, "cobalt": 0.5},
            "capacity_tpa": 1e6,
            "cover_days": 7,
        },
        {
            "name": "ev",
            "kind": "market",
            "country": "IN",
            "sector": "ev",
            "unit": "vehicle",
            "demand_units_per_year": 36500,
            "intensity_kg_per_unit": {"lithium": 10, "cobalt": 10},
            "cover_days": 14,
        },
    ]
    links.append({"from": "plant", "to": "ev", "transit_days": 7})
    return {
        "name": "magnets",
        "start": "2025-01-01",
        "horizon_days": 56,
        "step_days": 7,
        "network": {"nodes": nodes, "links": links},
    }


@pytest.mark.parametrize("whole_item", [True, False])
def test_a_licence_is_for_the_whole_item_unless_said_otherwise(whole_item: bool) -> None:
    """The JP component is 100% CN-mined in its lithium and 0% in its cobalt. A rule testing
    lithium with nothing approved stops the item: both of its links with `whole_item`, only
    the lithium link without."""
    data = magnet_exports()
    data["shocks"] = [content_rule(stages=["component"], threshold=0.5, whole_item=whole_item)]
    result = engine.run(scenario.from_dict(data))
    shipped = {
        k.mineral: result.recorder.shipped_totals()[k.index, 0]
        for k in result.scenario.network.links
        if k.supplier == "plant"
    }
    assert shipped["lithium"] == 0.0
    assert bool(shipped["cobalt"] == 0.0) == whole_item


def test_value_shares_may_differ_by_mineral() -> None:
    data = magnet_exports()
    data["shocks"] = [
        content_rule(
            stages=["component"],
            minerals=["lithium", "cobalt"],
            threshold=0.001,
            basis="value",
            content_value_share={"lithium": 0.5, "cobalt": 0.01},
        )
    ]
    shock = scenario.from_dict(data).spec.shocks[0]
    assert shock.threshold_share("lithium") == pytest.approx(0.002)  # type: ignore[attr-defined]
    assert shock.threshold_share("cobalt") == pytest.approx(0.1)  # type: ignore[attr-defined]
    data["shocks"][0]["content_value_share"] = {"lithium": 0.5}
    with pytest.raises(ScenarioError, match="no value for cobalt"):
        scenario.from_dict(data)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(scenarios(), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.booleans())
def test_mass_balances_per_origin_under_a_content_rule(
    data: dict[str, Any], threshold: float, approval: float, whole_item: bool
) -> None:
    """A content rule on generated networks (origin: each producing country in turn until one
    gives a valid rule) changes flows, never the balance per origin or per mineral."""
    countries = sorted({n["country"] for n in data["network"]["nodes"]})
    minerals = sorted({n["mineral"] for n in data["network"]["nodes"] if "mineral" in n})
    loaded = None
    for country in countries:
        rule = content_rule(
            origin_country=country,
            minerals=minerals,
            stages=["refined", "component"],
            threshold=threshold,
            approval_rate=approval,
            processing_days=7,
            whole_item=whole_item,
        )
        try:
            loaded = scenario.from_dict({**data, "shocks": [*data["shocks"], rule]})
            break
        except ScenarioError:
            continue
    assume(loaded is not None)
    assert loaded is not None
    result = engine.run(loaded, 2)
    balance.check(results.balance(result))
    terms = book_of(result).balance(result.state)
    scale = max(float(np.abs(t).max(initial=0.0)) for t in terms.values())
    assert np.abs(terms["residual"]).max(initial=0.0) <= 1e-9 * max(scale, 1.0)


@pytest.mark.parametrize(("threshold", "refined_in"), [(0.5, "CN"), (0.75, "MY")])
def test_ownership_can_set_the_country_a_stage_tags(threshold: float, refined_in: str) -> None:
    """The MY refinery is 60% owned by a Chinese company: by ownership with a 50% threshold
    (China's affiliates rule) its lithium is refined 'in' China; with 75% it stays MY."""
    data = two_mines(0.25)
    data["network"]["nodes"][2]["owner"] = {"company": "X Corp", "country": "CN", "share": 0.6}
    data["origin"].update(country_of="owner", owner_share=threshold)
    shares = delivered_shares(book_of(engine.run(scenario.from_dict(data))), "ev", "lithium")
    np.testing.assert_allclose(shares[f"refined:{refined_in}"], 1.0)


def test_a_selector_can_choose_nodes_by_their_owner_country() -> None:
    data = two_mines(0.25)
    data["network"]["nodes"][2]["owner"] = {"company": "X Corp", "country": "CN", "share": 0.6}
    data["shocks"] = [
        {
            "type": "capacity_loss",
            "select": {"owner_countries": ["CN"]},
            "fraction": 1.0,
            "start": 0,
        }
    ]
    loaded = scenario.from_dict(data)
    assert loaded.spec.shocks[0].acts_on(loaded.network)[1] == frozenset({"refinery"})
    assert "owned from CN" in loaded.spec.shocks[0].describe()[0]


RETIRED_BELOW_ZERO: dict[str, Any] = {
    "horizon_days": 47,
    "name": "generated",
    "network": {
        "links": [
            {
                "chokepoints": [],
                "from": "mine_lithium_0",
                "share": 1.0,
                "to": "ref_lithium_0",
                "transit_days": 0.0,
            },
            {"from": "ref_lithium_0", "share": 1.0, "to": "plant_0", "transit_days": 0.0},
            {"from": "ref_lithium_0", "share": 1.0, "to": "plant_1", "transit_days": 0.0},
            {"from": "plant_0", "mineral": "lithium", "to": "market_0", "transit_days": 0.0},
            {"from": "plant_0", "mineral": "lithium", "to": "market_1", "transit_days": 0.0},
        ],
        "nodes": [
            {
                "capacity_tpa": 50.0,
                "country": "AU",
                "cover_days": 0.0,
                "kind": "mine",
                "mineral": "lithium",
                "name": "mine_lithium_0",
            },
            {
                "capacity_tpa": 50.0,
                "country": "AU",
                "cover_days": 0.0,
                "kind": "refinery",
                "mineral": "lithium",
                "name": "ref_lithium_0",
                "yield": 1.0,
            },
            {
                "capacity_tpa": 50.0,
                "country": "CN",
                "cover_days": 1.0,
                "kind": "plant",
                "name": "plant_0",
                "recipe": {"lithium": 1.0},
                "yield": 1.0,
            },
            {
                "capacity_tpa": 50.0,
                "country": "AU",
                "cover_days": 0.0,
                "kind": "plant",
                "name": "plant_1",
                "recipe": {"lithium": 1.0},
                "yield": 1.0,
            },
            {
                "collection_rate": 0.0,
                "country": "AU",
                "cover_days": 0.0,
                "demand_units_per_year": 1.0,
                "eol_history_share": 1.0,
                "intensity_kg_per_unit": {"lithium": 1.0},
                "kind": "market",
                "lifetime_years": 0.125,
                "name": "market_0",
                "sector": "ev",
                "unmet": "lost",
            },
            {
                "collection_rate": 0.0,
                "country": "AU",
                "cover_days": 0.0,
                "demand_units_per_year": 0.0,
                "eol_history_share": 0.0,
                "intensity_kg_per_unit": {"lithium": 1.0},
                "kind": "market",
                "lifetime_years": 1.0,
                "name": "market_1",
                "sector": "ev",
                "unmet": "lost",
            },
        ],
    },
    "seed": 0,
    "shocks": [
        {
            "country": "AU",
            "duration_days": 1,
            "licence_delay_days": 0.0,
            "mineral": "lithium",
            "severity": 0.0,
            "start": 0,
            "type": "export_ban",
        }
    ],
    "step_days": 1,
    "uncertainty": {},
}
"""A generated network (hypothesis) where market_1's products sold before the start retire
until its in-use stock ends at -3e-20 t (rounding): mixing once divided by the empty threshold
there and gave compositions of 1e280."""


def test_in_use_a_rounding_below_zero_keeps_shares_within_one() -> None:
    rule = content_rule(
        origin_country="AU",
        minerals=["lithium"],
        stages=["refined", "component"],
        threshold=0.0,
        approval_rate=0.0,
        processing_days=7,
        whole_item=False,
    )
    data = RETIRED_BELOW_ZERO
    result = engine.run(scenario.from_dict({**data, "shocks": [*data["shocks"], rule]}), 2)
    assert result.state.in_use_rows.min() < 0.0  # the case: a rounding below zero
    book = book_of(result)
    assert np.abs(book.U).max() <= 1.0 + 1e-12
    terms = book.balance(result.state)
    assert np.abs(terms["residual"]).max() <= 1e-15
