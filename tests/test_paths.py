"""Demand and capacity paths over years, and announced projects (sim/scenario/paths.py,
sim/scenario/projects.py, sim/engine/world.py), on the one-mineral chain of conftest.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.analysis import balance
from sim.engine import simulate as engine
from sim.scenario import loader
from sim.scenario.errors import ScenarioError
from tests.conftest import chain, series


def grown_chain(**changes: Any) -> dict[str, Any]:
    """The chain (1 t/day at base demand) over a year, weekly, with plenty of stock upstream."""
    data = chain(step_days=7, horizon_days=365, upstream_cover=14.0, market_cover=14.0)
    data.update(changes)
    return data


def test_a_demand_table_is_read_at_1_january_and_linear_in_between() -> None:
    """{2025: 1, 2026: 2} from 2025-01-01: on day d the factor is 1 + d / 365 (2025 has 365
    days), so the review on day 182 asks 7 x (1 + 182/365) = 10.49 t-worth of vehicles."""
    data = grown_chain(
        paths={"demand": [{"markets": {"nodes": ["ev"]}, "by_year": {2025: 1.0, 2026: 2.0}}]}
    )
    result = engine.run(loader.from_dict(data))
    demand = series(result, "ev", "demand_t", "lithium", "component")
    day = 182
    assert demand[day // 7] == pytest.approx(7.0 * (1.0 + day / 365.0))


def test_a_growing_market_pulls_a_growing_chain_when_capacity_allows() -> None:
    """Demand doubles over the year and every node has a million t/yr: the network re-plans
    (targets and contracts grow) so the market is served in full after the first weeks, and
    mass balance holds."""
    data = grown_chain(
        paths={"demand": [{"markets": {"nodes": ["ev"]}, "by_year": {2025: 1.0, 2026: 2.0}}]}
    )
    data["network"]["contract_flex"] = 0.1
    result = engine.run(loader.from_dict(data))
    short = series(result, "ev", "shortfall_t", "lithium", "component")
    demand = series(result, "ev", "demand_t", "lithium", "component")
    assert short.sum() < 0.01 * demand.sum()
    balance.check(balance.balance_table(result.state, result.initial_stock))


def test_without_growth_of_capacity_a_growing_market_falls_short_when_it_passes_capacity() -> None:
    """Capacity of 1.5 t/day everywhere and demand growing from 1 to 2 t/day over 2025: demand
    passes capacity on day 182 (1 + d/365 = 1.5). Before that nothing is short; after it the mine
    runs flat out (10.5 t a week) and the stocks along the chain (14 days of cover at three
    nodes, which grew with demand) run down, so the market falls short before the year ends and
    the last review is short by about 7 x (2 - 1.5) = 3.5 t less what stock is left."""
    data = grown_chain(
        paths={"demand": [{"markets": {"nodes": ["ev"]}, "by_year": {2025: 1.0, 2026: 2.0}}]}
    )
    for node in data["network"]["nodes"][:3]:
        node["capacity_tpa"] = 1.5 * 365
    result = engine.run(loader.from_dict(data))
    short = series(result, "ev", "shortfall_t", "lithium", "component")
    made = series(result, "mine", "production_t", "lithium", "ore")
    assert short[: 182 // 7].sum() == 0.0
    assert short[-1] == pytest.approx(7.0 * (1.0 + 357 / 365 - 1.5), rel=0.05)
    assert made[200 // 7 :] == pytest.approx(np.full(len(made) - 200 // 7, 10.5))


def test_a_capacity_path_multiplies_capacity() -> None:
    """The mine's capacity halves at 2025-07-01 (by_year {2025: 1, 2026: 0} is linear, so use
    a growth rate of -0.5 instead: factor 0.5^(d/365.25)); production on day 350 is capped at
    1.5 x 0.5^(350/365.25) t/day when demand is 1 t/day and capacity 1.5 t/day."""
    data = grown_chain(
        paths={"capacity": [{"nodes": {"nodes": ["mine"]}, "growth_per_year": -0.5}]}
    )
    data["network"]["nodes"][0]["capacity_tpa"] = 1.5 * 365
    result = engine.run(loader.from_dict(data))
    made = series(result, "mine", "production_t", "lithium", "ore")
    cap = 1.5 * 0.5 ** (350 / 365.25) * 7
    assert made[350 // 7] == pytest.approx(cap, rel=1e-9)


def project(**changes: Any) -> dict[str, Any]:
    """A second mine that takes half of the refinery's orders once built."""
    spec: dict[str, Any] = {
        "name": "second_mine",
        "node": {
            "name": "mine2",
            "kind": "mine",
            "country": "CL",
            "mineral": "lithium",
            "capacity_tpa": 1e6,
            "cover_days": 14.0,
        },
        "sells_to": [{"node": "refinery", "share": 0.5, "transit_days": 1}],
        "planned_start": 91,
        "ramp_up_days": 0,
    }
    spec.update(changes)
    return spec


def test_a_built_project_takes_its_share_from_the_replan_after_it_comes_online() -> None:
    """Online on day 91, no ramp, re-plans every 91 days: from the review after day 91 the
    refinery orders half from mine2, so mine2 makes half of the 7 t a week and mine the rest."""
    data = grown_chain(projects=[project()])
    result = engine.run(loader.from_dict(data))
    second = series(result, "mine2", "production_t", "lithium", "ore")
    first = series(result, "mine", "production_t", "lithium", "ore")
    assert second[: 91 // 7].sum() == 0.0
    assert second[-10:].mean() == pytest.approx(3.5, rel=0.02)
    assert first[-10:].mean() == pytest.approx(3.5, rel=0.02)
    balance.check(balance.balance_table(result.state, result.initial_stock))


def test_a_project_that_is_never_built_makes_nothing_and_takes_no_orders() -> None:
    data = grown_chain(projects=[project(p_complete=0.0)])
    result = engine.run(loader.from_dict(data))
    assert series(result, "mine2", "production_t", "lithium", "ore").sum() == 0.0
    assert series(result, "ev", "shortfall_t", "lithium", "component").sum() == 0.0


def test_completion_and_delay_are_drawn_per_replication_and_financing_keeps_the_draws() -> None:
    """p = 0.5 over 400 replications: about half are built (binomial sd 2.5%), each built one
    at its own delayed date; at p = 0.9 every replication built at 0.5 is built too, online on
    the same day (one stream per project: the uniform draw, then the delay)."""
    from sim.scenario.projects import online_days

    spec = project(p_complete=0.5, delay_days={"dist": "uniform", "low": 0, "high": 100})
    scenario = loader.from_dict(grown_chain(projects=[spec]))
    plan = scenario.world.projects[0]
    days = online_days(plan, 0, range(400))
    built = np.isfinite(days)
    assert 0.42 < built.mean() < 0.58
    assert ((days[built] >= 91) & (days[built] <= 191)).all()
    from sim.scenario.schedules import ProjectChange

    financed = online_days(plan, 0, range(400), ProjectChange(p_complete=0.9))
    assert np.array_equal(financed[built], days[built])
    assert np.isfinite(financed).mean() > 0.85
    earlier = online_days(plan, 0, range(400), ProjectChange(days_earlier=30))
    assert np.allclose(earlier[built], days[built] - 30)


def test_project_shares_differ_between_replications_in_one_batch() -> None:
    """Two replications of one batch, one where the project is built and one where it is not:
    the refinery orders from mine2 only where it exists, and both serve the market in full."""
    spec = project(p_complete=0.5)
    scenario = loader.from_dict(grown_chain(projects=[spec]))
    from sim.scenario.projects import online_days

    days = online_days(scenario.world.projects[0], 0, range(20))
    built, unbuilt = int(np.argmax(np.isfinite(days))), int(np.argmax(~np.isfinite(days)))
    result = engine.run(scenario, 20)
    second = result.recorder.values[
        :, result.recorder.index[("mine2", "lithium", "ore", "production_t")], :
    ]
    assert second[-10:, built].mean() == pytest.approx(3.5, rel=0.02)
    assert second[:, unbuilt].sum() == 0.0
    short = result.recorder.values[
        :, result.recorder.index[("ev", "lithium", "component", "shortfall_t")], :
    ]
    assert short.sum() == 0.0


@pytest.mark.parametrize(
    ("paths", "projects", "message"),
    [
        ({"demand": [{"markets": {"nodes": ["mine"]}, "by_year": {2025: 1}}]}, [], "selects no"),
        (
            {
                "demand": [
                    {"markets": {"nodes": ["ev"]}, "growth_per_year": 0.1},
                    {"markets": {"kinds": ["market"]}, "growth_per_year": 0.2},
                ]
            },
            [],
            "already has a demand path",
        ),
        (
            {
                "demand": [
                    {"markets": {"nodes": ["ev"]}, "growth_per_year": 0.1, "by_year": {2025: 1}}
                ]
            },
            [],
            "exactly one of",
        ),
        ({"demand": [{"markets": {"nodes": ["ev"]}, "growth_per_year": -1.5}]}, [], "greater than"),
        ({}, [project(), project(node={**project()["node"], "name": "mine3"})], "project name"),
        (
            {},
            [
                project(),
                project(
                    name="third",
                    node={**project()["node"], "name": "mine3"},
                    sells_to=[{"node": "refinery", "share": 0.6}],
                ),
            ],
            "would take 1.1",
        ),
        ({}, [project(sells_to=[])], "sells to nobody"),
    ],
)
def test_bad_paths_and_projects_are_located_errors(
    paths: dict[str, Any], projects: list[dict[str, Any]], message: str
) -> None:
    data = grown_chain(paths=paths, projects=projects)
    with pytest.raises(ScenarioError) as error:
        loader.from_dict(data)
    assert message in str(error.value)


def test_supporting_a_project_brings_it_forward_and_builds_it_more_often() -> None:
    """A project built with p = 0.3, supported to p = 0.9 and 60 days earlier: over 50
    replications the supported variant's mine2 makes more in total, and in every replication
    where the unsupported project was built, the supported one starts 60 days sooner."""
    from sim.levers import apply

    spec = project(p_complete=0.3, planned_start=120)
    lever = {
        "type": "support_project",
        "projects": ["second_mine"],
        "minerals": ["lithium"],
        "days_earlier": 60,
        "p_complete": 0.9,
        "cost_usd": 1e6,
    }
    data = grown_chain(
        projects=[spec], policies=[{"name": "support", "levers": [lever]}], step_days=7
    )
    scenario = loader.from_dict(data)
    variant = apply(scenario, scenario.spec.policies[0])
    key = ("mine2", "lithium", "ore", "production_t")
    plain, supported = engine.run(scenario, 50), engine.run(variant, 50)
    made = [r.recorder.values[:, r.recorder.index[key], :].sum(axis=0) for r in (plain, supported)]
    assert made[1].sum() > 2 * made[0].sum()
    assert (made[1] >= made[0] - 1e-9).all()


@pytest.mark.parametrize(
    ("lever", "message"),
    [
        ({"projects": ["nope"], "minerals": ["lithium"], "days_earlier": 10}, "unknown project"),
        ({"projects": ["second_mine"], "minerals": ["cobalt"], "days_earlier": 10}, "none of"),
        ({"projects": ["second_mine"], "minerals": ["lithium"], "p_complete": 0.1}, "lower the"),
        ({"projects": ["second_mine"], "minerals": ["lithium"]}, "changes nothing"),
        (
            {"projects": ["second_mine", "second_mine"], "minerals": ["lithium"], "p_complete": 1},
            "already supported",
        ),
    ],
)
def test_bad_project_support_is_a_located_error(lever: dict[str, Any], message: str) -> None:
    data = grown_chain(
        projects=[project(p_complete=0.5)],
        policies=[{"name": "support", "levers": [{"type": "support_project", **lever}]}],
    )
    with pytest.raises(ScenarioError) as error:
        loader.from_dict(data)
    assert message in str(error.value)
