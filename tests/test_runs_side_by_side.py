"""`sim report --compare A B ...`: several runs side by side (runs.csv and a report page) in a
folder of their own; the folders compared are never written to."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim import cli
from tests.test_charts import compared, single  # noqa: F401  (fixtures)


def _listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_two_runs_side_by_side_in_a_new_folder(
    single: Path,  # noqa: F811
    compared: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = {f: _listing(f) for f in (single, compared)}
    root = tmp_path / "side"
    assert cli.main(["report", "--compare", str(single), str(compared), "--out", str(root)]) == 0
    (out,) = root.iterdir()
    assert out.name == f"compare_{single.name}_{compared.name}"
    assert "runs side by side" in capsys.readouterr().out
    assert {f: _listing(f) for f in (single, compared)} == before
    table = pd.read_csv(out / "runs.csv", keep_default_na=False)
    assert list(table["kind"]) == ["single", "comparison"]
    one, policies = table.to_dict("records")
    # the banned chain: first shortfall on day 17 of 2025 (tests/test_handchecked.py)
    assert one["market"] == "EVs (Japan)" and one["first_shortfall_date"] == "2025-01-18"
    assert float(one["p_shortfall"]) == 1.0 and one["best_policy"] == ""
    # the comparison: pile leaves its purchase price undeclared, so thrift is ranked first
    assert policies["best_policy"] == "thrift"
    assert float(policies["cost_per_t_avoided"]) == pytest.approx(1e6 / 6.6)
    assert float(policies["shortfall_units"]) == pytest.approx(900.0)
    page = (out / "report.html").read_text()
    assert "Runs side by side" in page and "thrift" in page and "EVs (Japan)" in page
    assert "<img" not in page and "http" not in page


def test_the_default_folder_is_beside_the_first_run_and_inputs_are_refused_as_out(
    single: Path,  # noqa: F811
    compared: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sim.output.report.runs import default_folder

    assert default_folder([single, compared]) == Path("results") / (
        f"compare_{single.name}_{compared.name}"
    )
    inside = single / "x"
    assert cli.main(["report", "--compare", str(single), str(compared), "--out", str(inside)]) == 2
    assert "is inside the results folder" in capsys.readouterr().err
    assert not inside.exists()
    # a root that is a compared folder would put the comparison inside it
    assert cli.main(["report", "--compare", str(single), str(compared), "--out", str(single)]) == 2
    assert not (single / f"compare_{single.name}_{compared.name}").exists()
    assert cli.main(["report", "--compare", str(single), str(single.parent / "nope")]) == 2
    assert "not a results folder" in capsys.readouterr().err
