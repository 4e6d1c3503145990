"""The memory and output estimate of an ensemble and its budget: an ensemble beyond it is
refused before anything runs; the estimate covers the real metrics, output and memory."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim import cli
from sim.analysis import ensemble as montecarlo
from sim.analysis import executors, footprint
from sim.scenario import loader as scenario
from tests.conftest import ROOT
from tests.test_faults import never, run, scenario_file
from tests.test_montecarlo import random_chain


@pytest.mark.parametrize(("reps", "setting"), [("1000000", "500M"), ("1000000000", None)])
def test_an_absurd_ensemble_is_refused_before_any_work(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reps: str,
    setting: str | None,
) -> None:
    monkeypatch.setattr(montecarlo, "run_batch", never)
    monkeypatch.setattr(executors, "ProcessPoolExecutor", never)
    if setting is None:
        monkeypatch.delenv(footprint.MEMORY_ENV, raising=False)
    else:
        monkeypatch.setenv(footprint.MEMORY_ENV, setting)
    started = time.monotonic()
    assert run(str(scenario_file(tmp_path)), "--reps", reps, "--out", str(tmp_path)) == 2
    assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert f"{int(reps):,} replications of chain" in err and "need an estimated" in err
    limit = "(limit 500.0 MiB: SIM_MEMORY_LIMIT=500M)" if setting else "% of the "
    assert limit in err and "Nothing was run or written" in err and "fit)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mc.yaml"]


def test_results_that_would_not_fit_on_the_disk_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.output import atomic

    monkeypatch.setattr(montecarlo, "run_batch", never)
    monkeypatch.setattr(atomic, "free_bytes", lambda root: 10_000)
    assert run(str(scenario_file(tmp_path)), "--reps", "200", "--out", str(tmp_path)) == 2
    assert "would not fit on the disk" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("setting", "limit"), [("800M", 800 * 2**20), ("1.5g", int(1.5 * 2**30)), ("off", None)]
)
def test_the_memory_budget_setting(setting: str, limit: int | None) -> None:
    assert footprint.budget({footprint.MEMORY_ENV: setting}).memory_bytes == limit


def test_the_default_budget_is_a_share_of_the_available_memory() -> None:
    available = footprint.available_memory()
    assert available is not None and available > 0
    half = footprint.budget({footprint.MEMORY_ENV: "50%"}).memory_bytes
    assert half is not None and abs(half - available / 2) < 0.05 * available
    assert footprint.budget({}).memory_bytes is not None


@pytest.mark.parametrize("setting", ["lots", "-1G", "0", "150%"])
def test_a_bad_budget_setting_is_an_input_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    setting: str,
) -> None:
    monkeypatch.setenv(footprint.MEMORY_ENV, setting)
    assert run(str(scenario_file(tmp_path)), "--out", str(tmp_path)) == cli.EXIT_INPUT
    assert f"SIM_MEMORY_LIMIT='{setting}' is not" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["ree_controls_risk_2025", "cn_gallium_controls_2023", "au_lithium_outage"]
)
def test_the_estimated_metric_keys_cover_the_real_ones(name: str) -> None:
    loaded = scenario.load(ROOT / "scenarios" / f"{name}.yaml")
    real = montecarlo.run_batch(loaded, range(1), montecarlo.Options()).metrics.keys
    actual = set(real.astype(str).itertuples(index=False, name=None))
    estimated = footprint.metric_keys(loaded)
    assert actual <= set(estimated)
    assert len(estimated) <= 1.1 * len(actual)


def test_the_output_estimate_is_close_to_the_files_written(tmp_path: Path) -> None:
    loaded = scenario.from_dict(random_chain())
    ensemble = montecarlo.run_ensemble(loaded, 300, workers=1)
    size = len(ensemble.runs.to_csv(index=False))
    need = footprint.estimate(
        loaded,
        300,
        batch_size=300,
        batch_bytes_per_rep=montecarlo.batch_bytes_per_rep(loaded),
        worker_processes=0,
        band_buckets=260,
        band_reps=2000,
        traces=False,
    )
    assert 0.7 * size < need.output_bytes < 1.6 * size


@pytest.mark.slow
def test_the_memory_estimate_bounds_the_measured_peak(tmp_path: Path) -> None:
    """The resident memory of the whole process tree, sampled every 50 ms, stays under the
    estimate, which is not more than twice the peak."""
    psutil = pytest.importorskip("psutil")
    reps, path = 6000, ROOT / "scenarios" / "ree_controls_risk_2025.yaml"
    command = [sys.executable, "-m", "sim", "run", str(path), "--reps", str(reps)]
    command += ["--workers", "2", "--no-report", "--quiet", "--out", str(tmp_path)]
    run_ = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    tree, peak = psutil.Process(run_.pid), 0
    while run_.poll() is None:
        with contextlib.suppress(psutil.Error):
            total = 0
            for process in [tree, *tree.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += process.memory_info().rss
            peak = max(peak, total)
        time.sleep(0.05)
    assert run_.returncode == 0
    loaded = scenario.load(path)
    need = footprint.estimate(
        loaded,
        reps,
        batch_size=montecarlo.default_batch_size(reps, 2, loaded),
        batch_bytes_per_rep=montecarlo.batch_bytes_per_rep(loaded),
        worker_processes=2,
        band_buckets=260,
        band_reps=2000,
        traces=False,
    )
    assert peak < need.memory_bytes < 2 * peak
