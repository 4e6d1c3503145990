"""Every scenario file in scenarios/ validates and runs on a short horizon, mass balance closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.levers import apply
from sim.scenario import loader as scenario
from tests.conftest import ROOT

FILES = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_the_default_scenario_exists() -> None:
    assert ROOT / "scenarios" / "baseline.yaml" in FILES


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario_runs_on_a_short_horizon(path: Path) -> None:
    loaded = scenario.load(path, horizon_days=4 * 7)
    assert loaded.spec.description, "every scenario says what it represents"
    result = engine.run(loaded)
    balance.check(results.balance(result))
    assert (results.market_summary(result)["fill_rate"] >= 0).all()


POLICY_FILES = [p for p in FILES if "policies:" in p.read_text()]


def test_the_rare_earth_scenario_compares_at_least_four_policies() -> None:
    loaded = scenario.load(ROOT / "scenarios" / "cn_ree_controls_2025.yaml")
    assert len(loaded.spec.policies) >= 4


@pytest.mark.parametrize("path", POLICY_FILES, ids=[p.stem for p in POLICY_FILES])
def test_every_policy_runs_on_a_short_horizon(path: Path) -> None:
    loaded = scenario.load(path, horizon_days=4 * 7)
    for policy in loaded.spec.policies:
        result = engine.run(apply(loaded, policy))
        balance.check(results.balance(result))


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario_runs_over_its_full_horizon(path: Path) -> None:
    loaded = scenario.load(path)
    result = engine.run(loaded)
    balance.check(results.balance(result))
    for policy in loaded.spec.policies:
        balance.check(results.balance(engine.run(apply(loaded, policy))))
