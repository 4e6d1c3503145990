"""`--format parquet`: the tidy tables as .parquet (pyarrow, the optional extra `[parquet]`),
read back by the results reader into the same frames as CSV, so the report works from either."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import cli
from sim.faults import MissingExtra
from sim.output import folder as results_folder
from sim.output import store
from tests.conftest import chain
from tests.test_montecarlo import random_chain


def _file(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_only_tables_change_format() -> None:
    writers = {
        "markets.csv": store.Table(lambda: pd.DataFrame({"a": [1]})),
        "provenance.json": lambda p: None,
    }
    assert store.in_format(writers, "csv") is writers
    renamed = store.in_format(writers, "parquet")
    assert list(renamed) == ["markets.parquet", "provenance.json"]
    assert renamed["provenance.json"] is writers["provenance.json"]


def test_without_pyarrow_the_error_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    path = _file(tmp_path, chain(horizon_days=20))
    args = ["run", "--no-report", str(path), "--out", str(tmp_path / "out"), "--format", "parquet"]
    with pytest.raises(SystemExit) as stopped:
        cli.main(args)
    assert stopped.value.code == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "pip install 'sim[parquet]'" in err and "nothing was run or written" in err
    assert not (tmp_path / "out").exists()
    with pytest.raises(MissingExtra, match=r"pip install 'sim\[parquet\]'"):
        store.write_atomically(tmp_path / "x", {}, "parquet")  # the API's writers check too


def _same_frames(a: Path, b: Path) -> None:
    csv, parquet = results_folder.load(a), results_folder.load(b)
    assert sorted(csv.frames) == sorted(parquet.frames)
    for name, frame in csv.frames.items():
        pd.testing.assert_frame_equal(parquet.frames[name], frame, obj=name)


@pytest.mark.parametrize(
    ("command", "data", "name"),
    [
        (
            ["run"],
            chain(
                horizon_days=40,
                shocks=[
                    {
                        "type": "export_ban",
                        "country": "CN",
                        "mineral": "lithium",
                        "start": 5,
                        "duration_days": 20,
                    }
                ],
            ),
            "chain",
        ),
        (["run", "--reps", "3", "--workers", "1"], random_chain(horizon_days=40), "chain"),
        (["stress"], chain(horizon_days=30), "chain-stress"),
    ],
)
def test_parquet_tables_read_back_as_their_csv(
    command: list[str], data: dict[str, object], name: str, tmp_path: Path
) -> None:
    pytest.importorskip("pyarrow")
    path = _file(tmp_path, data)
    for fmt in ("csv", "parquet"):
        args = [*command, "--no-report", "--quiet", str(path), "--out", str(tmp_path / fmt)]
        assert cli.main([*args, "--format", fmt]) == 0
    written = tmp_path / "parquet" / name
    assert not list(written.glob("*.csv"))
    tables = sorted(written.glob("*.parquet"))
    assert tables and all(len(pd.read_parquet(t).columns) for t in tables)
    _same_frames(tmp_path / "csv" / name, written)


def test_the_report_works_from_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    path = _file(tmp_path, chain(horizon_days=30))
    assert (
        cli.main(["run", "--quiet", str(path), "--out", str(tmp_path), "--format", "parquet"]) == 0
    )
    page = (tmp_path / "chain" / "report.html").read_text()
    assert "markets.parquet: per market" in page and "markets.csv" not in page
    assert "provenance.json: " in page
    assert list((tmp_path / "chain" / "charts").glob("*.svg"))


def test_the_api_writes_parquet_too(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import sim

    single = sim.run(_file(tmp_path, chain(horizon_days=20)), out=tmp_path, table_format="parquet")
    assert (single.folder / "markets.parquet").is_file() and single.markets is not None
