"""A scenario without random inputs runs one replication whatever is asked, because every
replication would give the same numbers (`sim.scenario.exactness`); one with any random input,
or a comparison where any policy variant has one, runs them all."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sim.analysis import compare
from sim.analysis import ensemble as montecarlo
from sim.levers import apply
from sim.scenario import loader
from sim.scenario.exactness import random_inputs
from tests.test_montecarlo import random_chain
from tests.test_policies import BAN, base

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
RANDOM_FILES = {
    "cn_jp_dual_use_ban_2026": "projects[1].p_complete",
    "cn_ree_reimposition_2026": "shocks[5].probability",
    "in_jp_partnership_2026": "projects[0].p_complete",
    "outlook_2024_2035": "projects[1].delay_days",
    "outlook_2024_2035_controls": "projects[2].p_complete",
    "ree_controls_risk_2025": "uncertainty.outages",
}
"""The scenario files with random inputs, and one of each's (checked by hand in the files)."""


def _with_ban(**changes: Any) -> dict[str, Any]:
    data = base()
    data["shocks"] = [{**copy.deepcopy(BAN), **changes}]
    return data


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, None),
        ({"start": {"dist": "fixed", "value": 10}}, None),
        ({"probability": 1.0}, None),
        ({"probability": 0.5}, "shocks[0].probability"),
        ({"start": {"dist": "uniform", "low": 5, "high": 20}}, "shocks[0].start"),
        ({"duration_days": {"dist": "triangular", "low": 30, "mode": 60, "high": 90}}, None),
    ],
)
def test_each_kind_of_draw_is_found_and_fixed_values_are_not(
    changes: dict[str, Any], reason: str | None
) -> None:
    found = random_inputs(loader.from_dict(_with_ban(**changes)))
    if "duration_days" in changes:
        assert found == ["shocks[0].duration_days"]
    else:
        assert found == ([reason] if reason else [])


def test_the_uncertainty_section_is_random() -> None:
    found = random_inputs(loader.from_dict(random_chain()))
    assert "uncertainty.outages" in found and "uncertainty.transit" in found


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_scenario_file_is_classified(path: Path) -> None:
    scenario = loader.load(path)
    found = random_inputs(scenario)
    if path.stem in RANDOM_FILES:
        assert RANDOM_FILES[path.stem] in found
    else:
        assert found == [], found
        for policy in scenario.spec.policies:  # no policy of these files adds a draw
            assert random_inputs(apply(scenario, policy)) == []


def test_an_exact_ensemble_runs_one_replication_and_keeps_what_was_asked() -> None:
    run = montecarlo.run_ensemble(loader.from_dict(base()), 5, workers=1)
    assert (run.reps, run.requested, run.exact) == (1, 5, True)
    assert run.runs["rep"].nunique() == 1
    every = montecarlo.run_ensemble(
        loader.from_dict(base()), 5, workers=1, options=montecarlo.Options(once_if_exact=False)
    )
    assert (every.reps, every.exact) == (5, False)
    # the one replication stands for the five: the same means
    one = run.summary.set_index(["metric", "market", "mineral"])["mean"]
    five = every.summary.set_index(["metric", "market", "mineral"])["mean"]
    assert one.sort_index().equals(five.sort_index())


def test_a_random_ensemble_runs_every_replication() -> None:
    run = montecarlo.run_ensemble(loader.from_dict(random_chain()), 4, workers=1)
    assert (run.reps, run.exact) == (4, False)


THRIFT = {
    "name": "thrift",
    "levers": [
        {
            "type": "demand_efficiency",
            "select": {"kinds": ["market"]},
            "mineral": "lithium",
            "reduction": 0.3,
            "start": 0,
        }
    ],
}


def test_a_comparison_runs_one_replication_only_when_no_run_is_random() -> None:
    exact = compare.compare_policies(
        loader.from_dict(_with_ban() | {"policies": [THRIFT]}), 4, workers=1
    )
    assert exact.baseline.exact and exact.policies["thrift"].reps == 1
    # a random baseline with an exact policy: every run has all the replications (paired)
    mixed = compare.compare_policies(
        loader.from_dict(_with_ban(probability=0.5) | {"policies": [THRIFT]}), 4, workers=1
    )
    assert mixed.baseline.reps == 4 and mixed.policies["thrift"].reps == 4
    assert not mixed.policies["thrift"].exact
