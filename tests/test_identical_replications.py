"""Replications of a scenario without random inputs are all the same: such a scenario runs one
replication whatever `--reps` (`sim.scenario.exactness`), and the terminal and the report say so
instead of showing a zero-width '95% CI' as if it measured uncertainty."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import cli
from sim.output.folder import load
from sim.output.report.contents import document
from sim.vocabulary import identical_replications
from tests.test_montecarlo import random_chain
from tests.test_policies import base

THRIFT = {
    "type": "demand_efficiency",
    "select": {"kinds": ["market"]},
    "mineral": "lithium",
    "reduction": 0.3,
    "start": 0,
    "phase_in_days": 10,
    "cost_usd": 1e6,
}


def _runs(values: list[float], policy: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"rep": range(len(values)), "metric": "shortfall_units", "market": "ev", "value": values}
    )
    return frame if policy is None else frame.assign(policy=policy)


def test_identical_replications_needs_two_runs_that_agree_on_every_metric() -> None:
    assert identical_replications(_runs([5.0, 5.0, 5.0]))
    assert identical_replications(_runs([float("inf")] * 2))
    assert not identical_replications(_runs([5.0, 5.0, 6.0]))
    assert not identical_replications(_runs([5.0]))  # one replication: nothing to compare
    assert identical_replications(_runs([1.0, 1.0, 2.0, 2.0], ["a", "a", "b", "b"]))
    assert not identical_replications(_runs([1.0, 2.0, 1.0, 2.0], ["a", "a", "b", "b"]))


def _run(tmp_path: Path, data: dict, reps: int) -> None:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    argv = ["run", "--no-report", str(path), "--out", str(tmp_path / "r"), "--workers", "1"]
    assert cli.main([*argv, "--reps", str(reps)]) == 0


def test_a_comparison_without_random_inputs_shows_no_interval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(tmp_path, base(policies=[{"name": "thrift", "levers": [THRIFT]}]), 4)
    out = capsys.readouterr().out
    assert "no random inputs, so 1 replication was run instead of the 4 asked for" in out
    assert "1 replication (exact: no random inputs; 4 asked for) each" in out
    assert "95% CI" not in out and "[" not in out.split("change in shortfall")[1]
    _, blocks = document(load(tmp_path / "r" / "chain"), [])
    texts = [b.text for b in blocks if b.text]
    assert any("1 replication was run instead of the 4 asked for" in t for t in texts)
    (effects,) = [b.table for b in blocks if b.table and "95% CI of the change" in b.table.columns]
    assert {row[5] for row in effects.rows} == {"exact (identical replications)"}


def test_an_ensemble_without_random_inputs_says_so_and_one_with_them_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(tmp_path / "fixed", base(), 3)
    out = capsys.readouterr().out
    assert "1 replication was run instead of the 3 asked for" in out
    assert load(tmp_path / "fixed" / "r" / "chain").get("metrics")["rep"].nunique() == 1
    _run(tmp_path / "random", random_chain(), 3)
    out = capsys.readouterr().out
    assert "identical" not in out and "exact" not in out and "3 replications in" in out
    _, blocks = document(load(tmp_path / "random" / "r" / "chain"), [])
    assert not any("identical" in (b.text or "") for b in blocks)
