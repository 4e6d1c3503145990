"""Ensembles: the same results whatever the workers, batches or executor; common random
numbers; clean interruption."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import cli
from sim.analysis import compare, metrics
from sim.analysis import ensemble as montecarlo
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from tests.conftest import chain


def random_chain(**extra: Any) -> dict[str, Any]:
    data = chain(horizon_days=120, step_days=1, market_cover=10, upstream_cover=5)
    data["seed"] = 7
    data["uncertainty"] = {
        "outages": [
            {
                "select": {"kinds": ["mine", "refinery"]},
                "rate_per_year": 6,
                "duration_days": {"dist": "triangular", "low": 3, "mode": 10, "high": 30},
            }
        ],
        "transit": [
            {
                "links": {"from_kinds": ["mine"]},
                "transit_days": {"dist": "uniform", "low": 1, "high": 12},
            }
        ],
        "demand": [
            {
                "select": {"kinds": ["market"]},
                "factor": {"dist": "uniform", "low": 0.5, "high": 1.5},
            }
        ],
    }
    data["shocks"] = [
        {
            "type": "export_ban",
            "country": "CN",
            "mineral": "lithium",
            "start": {"dist": "uniform", "low": 10, "high": 60},
            "duration_days": {"dist": "triangular", "low": 5, "mode": 20, "high": 40},
            "severity": {"dist": "uniform", "low": 0.5, "high": 1.0},
        }
    ]
    data.update(extra)
    return data


@pytest.fixture(scope="module")
def loaded() -> scenario.Scenario:
    return scenario.from_dict(random_chain())


@pytest.fixture(scope="module")
def reference(loaded: scenario.Scenario) -> montecarlo.Ensemble:
    return montecarlo.run_ensemble(loaded, 24, workers=1, batch_size=24)


def test_replications_differ(reference: montecarlo.Ensemble) -> None:
    short = reference.runs[reference.runs["metric"] == "shortfall_units"]["value"]
    assert short.nunique() > 10


@pytest.mark.parametrize(("workers", "batch_size"), [(1, 5), (2, 7), (2, None)])
def test_results_do_not_depend_on_workers_or_batches(
    loaded: scenario.Scenario, reference: montecarlo.Ensemble, workers: int, batch_size: int | None
) -> None:
    other = montecarlo.run_ensemble(loaded, 24, workers=workers, batch_size=batch_size)
    pd.testing.assert_frame_equal(other.runs, reference.runs)
    pd.testing.assert_frame_equal(other.bands, reference.bands)


def test_dask_local_cluster_gives_the_same_results(
    loaded: scenario.Scenario, reference: montecarlo.Ensemble
) -> None:
    """... and does not need Dask's default dashboard port 8787 (taken here on purpose)."""
    pytest.importorskip("distributed")
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(OSError):  # already taken by someone else: just as good
            taken.bind(("0.0.0.0", 8787))
            taken.listen()
        other = montecarlo.run_ensemble(loaded, 24, workers=2, batch_size=6, scheduler="local")
    assert other.executor == "dask (local)"
    pd.testing.assert_frame_equal(other.runs, reference.runs)


def test_a_replication_equals_its_single_run(
    loaded: scenario.Scenario, reference: montecarlo.Ensemble
) -> None:
    single = metrics.compute(engine.run(loaded, range(5, 6))).tidy()
    from_ensemble = reference.runs[reference.runs["rep"] == 5].reset_index(drop=True)
    pd.testing.assert_frame_equal(single, from_ensemble)


def test_a_variant_that_changes_nothing_differs_by_exactly_zero(
    reference: montecarlo.Ensemble,
) -> None:
    same = scenario.from_dict(random_chain(description="same network, other words"))
    deltas = compare.paired_differences(montecarlo.run_ensemble(same, 24, workers=1), reference)
    assert (deltas["delta"] == 0.0).all()
    assert (deltas["ci_high"] == 0.0).all() and (deltas["ci_low"] == 0.0).all()


def test_more_cover_reduces_shortfall_in_every_pair(reference: montecarlo.Ensemble) -> None:
    data = random_chain()
    data["network"]["nodes"][3]["cover_days"] = 40
    deltas = compare.paired_differences(
        montecarlo.run_ensemble(scenario.from_dict(data), 24, workers=1), reference
    )
    short = deltas[deltas["metric"] == "shortfall_units"].iloc[0]
    assert short["delta"] < 0 and short["ci_high"] < 0
    assert short["pairs"] == 24


def test_ensemble_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mc.yaml"
    path.write_text(yaml.safe_dump(random_chain(replications=12)))
    assert (
        cli.main(["run", "--no-report", str(path), "--out", str(tmp_path), "--workers", "1"]) == 0
    )
    captured = capsys.readouterr()
    assert "12 replications" in captured.out and "CVaR95" in captured.out
    assert "replications:" not in captured.err  # no progress bar when not on a terminal
    folder = tmp_path / "chain"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f for f in cli_files() if f != "timeseries.csv"
    )
    summary = pd.read_csv(folder / "summary.csv")
    row = summary[summary["metric"] == "shortfall_units"].iloc[0]
    assert row["replications"] == 12 and row["p5"] <= row["p50"] <= row["p95"] <= row["cvar95"]


def cli_files() -> list[str]:
    from sim.output import writers as report

    return list(report.ENSEMBLE_FILES)


def test_interrupted_ensemble_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mc.yaml"
    path.write_text(yaml.safe_dump(random_chain(replications=12)))

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(montecarlo, "run_batch", interrupted)
    code = cli.main(
        ["run", "--no-report", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]
    )
    assert code == cli.EXIT_INTERRUPTED
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_large_batch_equals_its_single_replications() -> None:
    """Index arithmetic must not overflow with many links x replications (a bug seen once:
    int16 review counts times the batch size)."""
    data = random_chain()
    data["horizon_days"] = 60
    links = data["network"]["links"]
    data["network"]["nodes"] += [
        {
            "name": f"extra_mine_{i}",
            "kind": "mine",
            "country": "CL",
            "mineral": "lithium",
            "capacity_tpa": 1e6,
            "cover_days": 5,
        }
        for i in range(20)
    ]
    links[0]["share"] = 0.5
    links += [
        {"from": f"extra_mine_{i}", "to": "refinery", "share": 0.025, "transit_days": 5}
        for i in range(20)
    ]
    data["uncertainty"]["transit"][0]["links"] = {"to_kinds": ["refinery"]}
    loaded = scenario.from_dict(data)
    batch = engine.run(loaded, range(0, 300), full=False)
    whole = metrics.compute(batch).values
    for rep in (0, 151, 299):
        single = metrics.compute(engine.run(loaded, range(rep, rep + 1), full=False)).values
        np.testing.assert_array_equal(whole[:, rep], single[:, 0])
