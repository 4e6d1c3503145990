"""The stress test ranks every node, producing country and chokepoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim import cli
from sim.analysis import stress
from sim.scenario import loader as scenario
from tests.conftest import chain


def test_every_target_is_cut_and_ranked() -> None:
    """A single chain: cutting any one of its three producers (or its countries) for longer
    than the 10 days of cover starves the market; the refinery, 60 days down from day 7, runs
    dry after the buffers downstream of it (refinery output, transit, plant, transit, market)."""
    data = chain(horizon_days=150, upstream_cover=10, market_cover=10)
    data["network"]["links"][0]["chokepoints"] = ["malacca"]
    table = stress.run(
        scenario.from_dict(data), start_day=7, ttr_days={"refinery": 60, "chokepoint": 5}
    )
    assert sorted(table["target"]) == sorted(
        ["mine", "refinery", "plant", "AU lithium", "CN lithium", "malacca"]
    )
    assert table["risk_exposure_index"].max() == 1.0
    assert (np.diff(table["risk_exposure_index"]) <= 0).all()
    refinery = table.set_index("target").loc["refinery"]
    assert refinery["exposed"] and refinery["tts_days"] < 60
    assert refinery["hardest_hit_market"] == "ev"
    strait = table.set_index("target").loc["malacca"]
    assert strait["lost_demand"] == pytest.approx(0.0)  # 5 days of wait fit in the cover


def test_stress_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(chain(horizon_days=90, upstream_cover=10)))
    assert (
        cli.main(["stress", "--no-report", str(path), "--out", str(tmp_path), "--ttr", "mine=30"])
        == 0
    )
    assert "risk_exposure_index" in capsys.readouterr().out
    assert (tmp_path / "chain-stress" / "stress.csv").exists()
    assert cli.main(["stress", "--no-report", str(path), "--ttr", "moon=3"]) == cli.EXIT_INPUT


def test_stress_chart_plots_every_target(tmp_path: Path) -> None:
    from sim.output import charts

    data = chain(horizon_days=150, upstream_cover=10, market_cover=10)
    table = stress.run(scenario.from_dict(data), start_day=7)
    info = charts.RunInfo("chain", 0, 1, 1, 150, "test")
    fig = charts.stress_exposure(table, info)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("time to recover, days")
    assert ax.get_ylabel().startswith("time to survive, days")
    plotted = sum(len(c.get_offsets()) for c in ax.collections)
    assert plotted == len(table)


def test_a_network_with_coproducts_is_stress_tested_per_mineral() -> None:
    """A rare-earth deposit and separator make NdPr, Dy/Tb and La/Ce together (no single
    `mineral`): the stress test sorted (country, None) beside (country, 'ndpr') and crashed
    on every element network (cn_ree_* scenarios). Their country targets are now one per
    mineral they make, and the node targets name the minerals they make."""
    from tests.test_coproduction import deposit

    table = stress.run(scenario.from_dict(deposit()), start_day=7, ttr_days={})
    countries = sorted(t for t in table["target"] if t.startswith("CN "))
    assert countries == ["CN dytb", "CN lace", "CN ndpr"]
    mine = table.set_index("target").loc["mine"]
    assert mine["mineral"] == "ndpr+dytb+lace"
