"""One-at-a-time sensitivity (the tornado chart's data)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
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
    assert len(table) == 5  # ban start, duration, severity; transit; outage duration
    assert not [i for i in table["input"] if i.startswith("demand")]  # noise is not a level
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


def test_demand_noise_is_left_out_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Weekly demand noise fixed at its P95 for every review would be a lasting +-16% demand
    level: the tornado leaves it out and the terminal and the report say so."""
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(random_chain(horizon_days=60)))
    argv = ["sensitivity", str(path), "--out", str(tmp_path), "--reps", "3", "--workers", "1"]
    assert cli.main(argv) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Demand noise (`uncertainty.demand`, a factor drawn afresh at every review)" in out
    page = " ".join((tmp_path / "chain-sensitivity" / "report.md").read_text().split())
    assert "is not varied: fixed at a percentile for every review" in page
    only_noise = random_chain(horizon_days=60)
    only_noise["shocks"] = []
    only_noise["uncertainty"] = {"demand": only_noise["uncertainty"]["demand"]}
    path.write_text(yaml.safe_dump(only_noise))
    assert cli.main([*argv, "--no-report"]) == cli.EXIT_INPUT
    assert "(demand noise is not varied)" in capsys.readouterr().err


def test_tornado_tick_labels_do_not_overlap() -> None:
    """A tornado of shortfalls in the millions (ree_controls_risk_2025's in_ice_pv: 685,655 to
    1,808,855 vehicles) printed its x tick labels on top of each other (issue 16)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    table = pd.DataFrame(
        {
            "input": [
                "CN Dy/Tb and magnet licensing -> JP and IN: duration_days",
                "CN Dy/Tb and magnet licensing -> JP and IN: severity",
                "outages[0]: duration_days",
            ],
            "market": "in_ice_pv",
            "p5": [85.2, 0.52, 8.62],
            "p95": [230.0, 0.88, 48.5],
            "shortfall_as_declared": 1_361_795.0,
            "shortfall_at_p5": [685_655.0, 1_136_975.0, 1_361_795.0],
            "shortfall_at_p95": [1_808_855.0, 1_608_370.0, 1_361_795.0],
        }
    )
    fig = charts.tornado(table, charts.RunInfo("x", 1, 10), unit="vehicle")
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    boxes = [
        t.get_window_extent(renderer)
        for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
        if low <= x <= high and t.get_text()
    ]
    assert len(boxes) >= 3
    for left, right in itertools.pairwise(boxes):
        assert left.x1 < right.x0, "x tick labels overlap"
