"""Backtest of 2010 (scenarios/backtest_2010_ree.yaml, tools/backtest_2010.py).

The simulated share of Japan's rare-earth imports coming from China must be within 10
percentage points of the recorded share (Japan MoF, reference §4.1) in every year that has a
record: 2010, 2011, 2012 and 2014. 2013 has no recorded share, so nothing is claimed for it.
The recorded values are copied here (as tests/test_calibration.py does) so the claim does not
depend on shared/ being present; a separate test checks the copy against the reference CSV.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from sim.scenario import yamlio
from tests.conftest import ROOT

TARGET_PP = 10.0
RECORDED = {2010: 81.61, 2011: 68.37, 2012: 58.0, 2014: 59.64}  # % from China, MoF
BASE_YEAR, BASE_RECORDED = 2009, 85.49


def _tool() -> ModuleType:
    path = ROOT / "tools" / "backtest_2010.py"
    spec = importlib.util.spec_from_file_location("backtest_2010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tool = _tool()


@pytest.fixture(scope="module")
def run() -> engine.RunResult:
    return tool.run()


@pytest.fixture(scope="module")
def imports(run: engine.RunResult) -> pd.DataFrame:
    return tool.imports_by_origin(run)


@pytest.fixture(scope="module")
def table(imports: pd.DataFrame) -> pd.DataFrame:
    return tool.compare(tool.china_share_pct(imports), RECORDED)


@pytest.mark.parametrize("year", sorted(RECORDED))
def test_china_share_within_10pp_of_the_record(table: pd.DataFrame, year: int) -> None:
    row = table.set_index("year").loc[year]
    assert row["recorded_pct"] == RECORDED[year]
    assert abs(row["error_pp"]) <= TARGET_PP, (
        f"{year}: simulated {row['simulated_pct']:.1f}% vs recorded {RECORDED[year]:.1f}%"
    )


def test_2013_is_reported_but_not_scored(table: pd.DataFrame) -> None:
    row = table.set_index("year").loc[2013]
    assert 0 < row["simulated_pct"] < 100
    assert math.isnan(row["recorded_pct"]) and math.isnan(row["error_pp"])


def test_base_year_reproduces_the_2009_share(imports: pd.DataFrame) -> None:
    """2009 is the calibration year (includes the start-up transient): within 3 pp."""
    assert abs(tool.china_share_pct(imports)[BASE_YEAR] - BASE_RECORDED) <= 3.0


def test_only_imports_from_abroad_are_counted(imports: pd.DataFrame) -> None:
    assert "JP" not in imports.columns
    assert set(imports.columns) <= {"CN", "FR", "EE", "VN", "XW", "MY"}
    assert imports.loc[:2012, "MY"].sum() == 0, "Lynas ships nothing before 2013"
    assert imports.loc[2014, "MY"] > 0


def test_the_run_balances_and_japan_is_served(run: engine.RunResult) -> None:
    balance.check(results.balance(run))
    assert results.market_summary(run)["fill_rate"].min() >= 0.95


def test_the_check_can_fail() -> None:
    """The 10 pp bound is not vacuous: with the quota's effect switched off (non-Chinese
    separators kept at their 2009 level to the end) the simulated share misses the record."""
    doc: dict[str, Any] = copy.deepcopy(yamlio.load_file(tool.SCENARIO).data)
    shock = next(s for s in doc["shocks"] if "pre-quota" in s["name"])
    shock["end"] = dt.date(2015, 1, 1)
    share = tool.china_share_pct(tool.imports_by_origin(engine.run(scenario.from_dict(doc))))
    errors = tool.compare(share, RECORDED).dropna()["error_pp"]
    assert errors.abs().max() > TARGET_PP


def test_recorded_values_match_the_reference_csv() -> None:
    if not tool.REFERENCE.is_file():
        pytest.skip(f"reference CSV not present: {tool.REFERENCE}")
    found = tool.recorded_share_pct(tool.REFERENCE)
    assert {y: found[y] for y in RECORDED} == RECORDED
    assert 2013 not in found
    assert found[BASE_YEAR] == BASE_RECORDED


def test_outputs_are_written_whole(
    table: pd.DataFrame, imports: pd.DataFrame, tmp_path: Path
) -> None:
    folder = tool.write(table, imports, RECORDED | {BASE_YEAR: BASE_RECORDED}, tmp_path)
    assert folder == tmp_path / "backtest_2010"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backtest_2010"]  # no partials
    written = pd.read_csv(folder / "backtest.csv")
    assert list(written.columns) == ["year", "simulated_pct", "recorded_pct", "error_pp"]
    assert written["year"].tolist() == [2010, 2011, 2012, 2013, 2014]
    assert (folder / "backtest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (folder / "backtest.svg").read_text()[:500]
