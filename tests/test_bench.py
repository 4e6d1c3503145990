"""`make bench`'s statistics and lines (bench/bench_stats.py, bench/bench.py) on made-up timings:
medians with min-max, interleaved pairs, the ratios and the summary line's format. Only the
`slow` test runs a workload (one peer replication)."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


stats = _module("bench_stats")
bench = _module("bench")


def test_spread_is_median_with_min_max() -> None:
    odd = stats.spread([3.0, 1.0, 10.0])
    assert (odd.median, odd.low, odd.high, odd.runs) == (3.0, 1.0, 10.0, 3)
    even = stats.spread([4.0, 1.0, 2.0, 100.0])
    assert even.median == 3.0  # mean of the middle two, not pulled by the 100
    assert even.range_text() == "1.00-100.00"
    assert stats.spread([2.5]).range_text() == "1 run"
    with pytest.raises(ValueError, match="no runs"):
        stats.spread([])


def test_schedule_alternates_ours_and_peer_with_equal_counts() -> None:
    order = stats.schedule(["ours", "peer"], 3)
    assert [job for _, job in order] == ["ours", "peer"] * 3
    assert [r for r, _ in order] == [0, 0, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="at least 1"):
        stats.schedule(["ours", "peer"], 0)
    with pytest.raises(ValueError, match="twice"):
        stats.schedule(["ours", "ours"], 1)


def test_paired_keeps_only_rounds_where_both_ran() -> None:
    rounds = [{"a": 1.0, "b": 2.0}, {"a": 5.0, "b": None}, {"b": 7.0}, {"a": 3.0, "b": 4.0}]
    assert stats.paired(rounds, "a", "b") == ([1.0, 3.0], [2.0, 4.0])


def test_time_ratio_is_the_ratio_of_medians_with_per_round_spread() -> None:
    # medians 20 / 10 = 2; the per-round ratios are 1, 3 and 2.5 (median 2.5, not the answer)
    ratio, rounds = stats.time_ratio([10.0, 30.0, 20.0], [10.0, 10.0, 8.0])
    assert ratio == pytest.approx(2.0)
    assert (rounds.low, rounds.high, rounds.runs) == (1.0, 3.0, 3)
    assert stats.per_round(rounds) == " (per round 1.00-3.00x)"
    assert stats.ratio_range(stats.spread([87.349, 1234.4])) == "87.3-1,234"
    assert stats.per_round(stats.spread([2.0])) == ""
    with pytest.raises(ValueError, match="unequal"):
        stats.time_ratio([1.0, 2.0], [1.0])


def test_per_core_ratio_is_our_rate_over_the_peers() -> None:
    # ours: 1,000 reps in a median 20 s = 50 reps/s; peer: a median 2 s per rep = 0.5 reps/s
    ratio, rounds = stats.per_core_ratio([18.0, 20.0, 50.0], 1000, [2.2, 2.0, 1.0])
    assert ratio == pytest.approx(100.0)
    assert rounds.low == pytest.approx(20.0)  # round 3: 1,000 x 1.0 / 50
    assert rounds.high == pytest.approx(1000 * 2.2 / 18.0)


def test_peer_ratio_line_format() -> None:
    line = stats.peer_ratio_line(1234.4, "weekly-sized orders")
    assert line == "peer ratio per core: 1,234 x (weekly-sized orders)"
    assert (
        stats.peer_ratio_line(87.349, "daily orders")
        == "peer ratio per core: 87.3 x (daily orders)"
    )
    assert (
        stats.peer_ratio_line(4.567, "daily orders") == "peer ratio per core: 4.57 x (daily orders)"
    )
    assert re.fullmatch(r"peer ratio per core: [\d,.]+ x \(weekly-sized orders\)", line)


def test_load_warning_only_above_the_cores() -> None:
    assert stats.load_warning((2.0, 9.0, 9.0), 2) is None
    warning = stats.load_warning((2.01, 0.0, 0.0), 2)
    assert warning is not None and "not comparable" in warning and "2.01" in warning
    line = stats.load_line("before", (1.5, 0.25, 3.0), 4)
    assert line == "load before: 1.50 0.25 3.00 (1/5/15 min) on 4 cores"


def _fake_bench(rounds: list[dict[str, float | None]]) -> Any:
    """A Bench holding made-up results: `rounds` of label -> wall seconds (peer: per rep)."""
    made = bench.Bench(peer_reps=2)
    jobs = {job.label: job for job in bench.compared_jobs(True, "old", Path("/nowhere"))}
    for r, measured in enumerate(rounds):
        for label, value in measured.items():
            job = jobs[label]
            result: dict[str, Any] | None
            if value is None:
                result = None
            elif job.is_peer:
                result = {"reps": 2, "workers": 1, "wall": 2 * value, "seconds_per_rep": value}
                result |= {"nodes": 15, "events_per_rep": 1e5}
            else:
                result = {"reps": 1000, "workers": 1, "wall": value, "nodes": 15}
                result |= {"batch": 500, "peak_mb": 300.0, "balance": 1e-14}
            made.run_result(job, r, result)
    return made


def test_ratio_lines_from_interleaved_medians() -> None:
    weekly, daily = "peer, weekly-sized orders", "peer, daily orders"
    rounds: list[dict[str, float | None]] = [
        {"reference": 12.0, "reference @old": 10.0, "1 worker": 18.0, weekly: 2.2, daily: 4.0},
        {"reference": 10.0, "reference @old": 10.0, "1 worker": 20.0, weekly: 2.0, daily: 5.0},
        {"reference": 30.0, "reference @old": 40.0, "1 worker": 50.0, weekly: 1.0, daily: None},
    ]
    lines = bench.ratio_lines(_fake_bench(rounds), "old")
    assert "speed-up from 1 to 2 workers: 1.67x" in lines[0]  # 20 / 12
    assert lines[1] == "peer ratio per core: 100 x (weekly-sized orders)"  # 1000 x 2.0 / 20
    # daily: only the first two rounds have both sides: 1000 x 4.5 / 19
    assert lines[2] == f"peer ratio per core: {1000 * 4.5 / 19:,.0f} x (daily orders)"
    assert lines[-1].startswith("time of this version / old: reference 1.20x")  # 12 / 10


def test_table_has_one_row_per_job_with_median_and_range() -> None:
    rounds: list[dict[str, float | None]] = [{"reference": 12.0}, {"reference": 10.0}, {}]
    rows = bench.table(_fake_bench(rounds))
    assert len(rows) == 2
    assert re.search(r"reference\s+15\s+1000\s+1\s+11\.00\s+10\.00-12\.00\s+90\.9\s+1\.00", rows[1])


def test_runs_import_the_sim_of_the_checkout_they_run_on(tmp_path: Path) -> None:
    assert bench.child_env(None)["PYTHONPATH"].split(os.pathsep)[0] == str(BENCH.parent)
    assert bench.child_env(tmp_path)["PYTHONPATH"].split(os.pathsep)[0] == str(tmp_path)


@pytest.mark.slow
def test_one_peer_run_in_a_fresh_process() -> None:
    pytest.importorskip("SupplyNetPy")
    got = bench.in_subprocess(bench.Job("peer", ("--peer", "7", "--peer-reps", "1")))
    assert got is not None and got["reps"] == 1 and got["nodes"] == 15
    assert got["seconds_per_rep"] == pytest.approx(got["wall"]) and got["events_per_rep"] > 0
