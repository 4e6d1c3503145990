"""Global sensitivity (Morris, Sobol) with SALib: the wrapper against a function with known
indices, and a small scenario's run end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from SALib.test_functions import Ishigami

from sim import cli
from sim.analysis import sensitivity_global
from tests.test_montecarlo import random_chain

ISHIGAMI_S1 = (0.314, 0.442, 0.000)
ISHIGAMI_ST = (0.558, 0.442, 0.244)
"""Ishigami function (a = 7, b = 0.1), inputs uniform on [-pi, pi]: analytic indices (Sobol'
and Levitan 1999; Saltelli et al. 2008, Global Sensitivity Analysis: The Primer)."""


def test_sobol_first_order_indices_of_ishigami_contain_the_known_values() -> None:
    factors = sensitivity_global.Factors(("x1", "x2", "x3"), ((-np.pi, np.pi),) * 3)
    table = sensitivity_global.indices(factors, Ishigami.evaluate, "sobol", 1024, seed=1)
    assert int(table["evaluations"].iloc[0]) == 1024 * (3 + 2)
    for index, known in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
        rows = table[table["index"] == index]
        found, conf = rows["value"].to_numpy(), rows["conf"].to_numpy()
        assert (np.abs(found - np.asarray(known)) <= conf).all(), (index, found, conf)
        assert (conf < 0.1).all()  # informative intervals, not anything-goes


def test_morris_ranks_ishigami_x3_alone_as_least_influential() -> None:
    factors = sensitivity_global.Factors(("x1", "x2", "x3"), ((-np.pi, np.pi),) * 3)
    table = sensitivity_global.indices(factors, Ishigami.evaluate, "morris", 50, seed=1)
    mu = table[table["index"] == "mu_star"].set_index("input")["value"]
    assert mu.idxmin() == "x3" and mu.idxmax() == "x1"
    assert int(table["evaluations"].iloc[0]) == 50 * (3 + 1)


def test_quantile_scale_maps_to_the_declared_distribution() -> None:
    draws = np.sort(np.random.default_rng(0).uniform(10.0, 20.0, 20_000))[None, :]
    values = sensitivity_global.at_quantiles(draws, np.array([[0.0], [0.5], [1.0]]))
    assert values[:, 0] == pytest.approx([10.05, 15.0, 19.95], abs=0.05)


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_a_small_scenario_writes_indices_chart_and_report(
    method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(random_chain(horizon_days=60)))
    argv = ["sensitivity", str(path), "--method", method, "--samples", "2", "--reps", "2"]
    assert cli.main([*argv, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    inputs, per_point = 6, {"morris": 1, "sobol": 2}[method]  # 5 declared + the noise scale
    assert f"{2 * (inputs + per_point)} evaluations of 2 replications" in out
    folder = tmp_path / f"chain-sensitivity-{method}"
    table = pd.read_csv(folder / "sensitivity_indices.csv")
    assert table["input"].nunique() == inputs
    assert "demand[0]: noise scale" in set(table["input"])  # noise varied as noise
    assert set(table["index"]) == ({"S1", "ST"} if method == "sobol" else {"mu_star", "sigma"})
    assert (table["market"] == "ev").all()
    assert (folder / "charts" / "global_sensitivity.png").exists()
    page = (folder / "report.md").read_text()
    assert f"## Global sensitivity of ev's shortfall ({method})" in page
    assert "95% bootstrap confidence interval" in page


def test_common_random_numbers_make_a_repeated_point_identical() -> None:
    from sim.scenario import loader

    scenario = loader.from_dict(random_chain(horizon_days=60))
    a = sensitivity_global.mean_shortfall(scenario, 3, "ev")
    assert a == sensitivity_global.mean_shortfall(scenario, 3, "ev")


def test_noise_scale_spreads_each_draw_around_normal_demand() -> None:
    """scale 1 is the declared noise bit for bit, 0 removes it, 2 doubles every deviation from
    normal demand (1); the draws themselves stay the same (common random numbers)."""
    from sim.scenario import loader
    from sim.scenario.uncertainty import draw_inputs

    def factors(scale: float | None) -> np.ndarray:
        data = random_chain(horizon_days=60)
        if scale is not None:
            data["uncertainty"]["demand"][0]["scale"] = scale
        scenario = loader.from_dict(data)
        spec = scenario.spec
        drawn = draw_inputs(spec.uncertainty, scenario.network, spec.seed, range(3), 9, 60, 7)
        return drawn.demand["ev"].whole().astype(float)

    declared = factors(None)
    assert np.array_equal(factors(1.0), declared)
    np.testing.assert_allclose(factors(0.0), 1.0)
    np.testing.assert_allclose(factors(2.0), 1.0 + 2.0 * (declared - 1.0), rtol=1e-6)
    assert declared.std() > 0.1


def test_a_study_of_noise_alone_finds_its_scale_matters() -> None:
    """With demand noise the only random input (a fixed ban), Sobol's total index of its scale
    is positive: the spread changes how much of the demand the short stocks leave unmet."""
    from sim.scenario import loader

    data = random_chain(horizon_days=60)
    data["uncertainty"] = {"demand": data["uncertainty"]["demand"]}
    data["shocks"] = [
        {
            "type": "export_ban",
            "country": "CN",
            "mineral": "lithium",
            "start": 10,
            "duration_days": 40,
        }
    ]
    scenario = loader.from_dict(data)
    table, _ = sensitivity_global.run(scenario, "sobol", 4, reps=4, market="ev")
    total = table[(table["input"] == "demand[0]: noise scale") & (table["index"] == "ST")]
    assert float(total["value"].iloc[0]) > 0.0
