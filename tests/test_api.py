"""The Python API (`import sim`): light to import, tables as DataFrames, charts without a
hand-built RunInfo, the same folder as the command line writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

import sim
from sim import cli
from sim.scenario import loader
from tests.conftest import ROOT, chain
from tests.test_montecarlo import random_chain


def _file(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    "code", ["import sim; sim.__version__", "import sim.cli; sim.cli.build_parser()"]
)
def test_importing_sim_stays_light(code: str) -> None:
    probe = (
        f"{code}; import sys; print(sorted({{'pandas', 'matplotlib', 'numba'}} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


def test_the_api_names_are_there() -> None:
    for name in ("load", "run", "run_ensemble", "compare", "open_results", "Results", "charts"):
        assert name in dir(sim) and getattr(sim, name) is not None
    assert callable(sim.charts.draw)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = sim.nothing  # type: ignore[attr-defined]


def test_load_overrides_fields_and_locates_bad_ones(tmp_path: Path) -> None:
    path = _file(tmp_path, chain(horizon_days=30))
    loaded = sim.load(path, horizon_days=20, seed=9, replications=5)
    assert (loaded.spec.horizon_days, loaded.spec.seed, loaded.spec.replications) == (20, 9, 5)
    assert loaded.input_sha256 != sim.load(path).input_sha256  # the overrides are part of it
    with pytest.raises(
        sim.ScenarioError, match=r"s\.yaml(:1)?: replications: Input should be greater"
    ):
        sim.load(path, replications=0)


def test_a_single_run_writes_what_the_cli_writes(tmp_path: Path) -> None:
    path = _file(tmp_path, chain(horizon_days=30))
    single = sim.run(path, out=tmp_path / "api")
    assert cli.main(["run", "--no-report", str(path), "--out", str(tmp_path / "cli")]) == 0
    assert single.kind == "single" and single.folder == tmp_path / "api" / "chain"
    written = sorted(p.name for p in single.folder.iterdir())
    assert written == sorted(p.name for p in (tmp_path / "cli" / "chain").iterdir())
    on_disk = pd.read_csv(tmp_path / "cli" / "chain" / "markets.csv")
    pd.testing.assert_frame_equal(
        single.markets.drop(columns="rep"), on_disk.drop(columns="rep"), check_dtype=False
    )
    assert single.bands is None and "markets" in single.tables
    assert "sim.run(" in single.provenance["command"][0]
    with pytest.raises(AttributeError, match="no attribute or table 'market'"):
        _ = single.market


def test_an_ensemble_and_its_charts(tmp_path: Path) -> None:
    many = sim.run_ensemble(loader.from_dict(random_chain()), reps=4, out=tmp_path, workers=1)
    assert many.kind == "ensemble" and set(many.summary["replications"]) == {4}
    assert isinstance(many.chart("fill_rate"), Figure)  # the start of fill_rate_overview
    assert isinstance(many.chart("supply_demand", subject="ev"), Figure)
    assert isinstance(sim.charts.draw(many, "cover_ev"), Figure)
    assert "supply_demand_ev" in many.charts()
    with pytest.raises(KeyError, match="charts there are: fill_rate_overview"):
        many.chart("tornado")
    assert not (many.folder / "charts").exists()  # charts are drawn, not written
    again = sim.open_results(many.folder)
    pd.testing.assert_frame_equal(again.summary, many.summary)


def test_compare_ranks_policies_and_refuses_a_scenario_without(tmp_path: Path) -> None:
    data = random_chain(horizon_days=60)
    lever = {"type": "demand_efficiency", "select": {"nodes": ["ev"]}, "mineral": "lithium",
             "reduction": 0.3, "start": 0}  # fmt: skip
    data["policies"] = [{"name": "thrift", "levers": [lever]}]
    compared = sim.compare(loader.from_dict(data), reps=2, out=tmp_path, workers=1)
    assert compared.kind == "comparison" and compared.policies == ["baseline", "thrift"]
    assert list(compared.ranking["policy"]) == ["thrift"]
    assert compared.for_policy("thrift").summary is not None
    with pytest.raises(ValueError, match="declares no `policies:`"):
        sim.compare(loader.from_dict(random_chain()), reps=2, out=tmp_path)
