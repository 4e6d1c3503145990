"""One-at-a-time sensitivity (the tornado chart's data)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim import cli
from sim.analysis import sensitivity
from sim.output import charts
from sim.scenario import loader as scenario
from tests.conftest import chain
from tests.test_montecarlo import random_chain


def test_every_declared_distribution_is_varied_and_ranked() -> None:
    loaded = scenario.from_dict(random_chain())
    table, market = sensitivity.run(loaded, reps=6, workers=1)
    assert market == "ev"
    assert len(table) == 6  # ban start, duration, severity; transit; demand; outage duration
    assert (table["swing"].diff().dropna() <= 0).all()
    duration = table.set_index("input").loc["export_ban#1: duration_days"]
    assert duration["shortfall_at_p95"] > duration["shortfall_at_p5"]
    fig = charts.tornado(table, charts.RunInfo("chain", 7, 6))
    bars = [p for p in fig.axes[0].patches if p.get_height() > 0]
    assert len(bars) == 2 * len(table)


def test_a_scenario_without_distributions_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(chain(horizon_days=20)))
    code = cli.main(["sensitivity", str(path), "--out", str(tmp_path), "--no-report"])
    assert code == cli.EXIT_INPUT
    assert "declares no distributions" in capsys.readouterr().err
