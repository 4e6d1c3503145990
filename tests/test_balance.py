"""The mass-balance check: non-finite terms fail loudly, and a large stock cannot hide an error
in the flows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import balance
from sim.analysis import ensemble as montecarlo
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from tests.conftest import chain


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """The balance of a small run (it closes)."""
    return results.balance(engine.run(scenario.from_dict(chain(horizon_days=30))))


def _throughput(table: pd.DataFrame) -> pd.Series:
    return table[list(balance.FLOWS)].sum(axis=1)


def test_a_closed_balance_passes(table: pd.DataFrame) -> None:
    balance.check(table)
    assert (_throughput(table) > 0).all()


@pytest.mark.parametrize("term", ["final_stock_t", "mined_t", "process_losses_t", "residual_t"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_term_fails_naming_mineral_and_term(
    table: pd.DataFrame, term: str, bad: float
) -> None:
    broken = table.copy()
    broken.loc[0, term] = bad
    with pytest.raises(balance.MassBalanceError, match=f"lithium {term} = {bad}"):
        balance.check(broken)


def test_a_nan_residual_fails(table: pd.DataFrame) -> None:
    """NaN compares false with any tolerance: it used to pass."""
    broken = table.assign(residual_t=np.nan, relative_residual=np.nan)
    with pytest.raises(balance.MassBalanceError, match="lithium residual_t = nan"):
        balance.check(broken)


def _rescale(table: pd.DataFrame, stock: float, missing: float) -> pd.DataFrame:
    """The table as if `stock` t more sat in the system and `missing` t of flows were lost."""
    out = table.copy()
    out["initial_stock_t"] += stock
    out["final_stock_t"] += stock - missing
    out["residual_t"] = (
        out["initial_stock_t"]
        + out["mined_t"]
        - out["final_stock_t"]
        - out["process_losses_t"]
        - out["uncollected_eol_t"]
    )
    out["relative_residual"] = balance.relative(
        out["residual_t"].to_numpy(),
        _throughput(out).to_numpy(),
        out["initial_stock_t"].to_numpy(),
        out["final_stock_t"].to_numpy(),
    )
    return out


def test_a_large_stock_does_not_hide_an_error_in_the_flows(table: pd.DataFrame) -> None:
    """1% of the flows missing behind 1e10 t of stock: relative to the stock (the old rule) it
    is 1e-10 and passed; relative to the flows it is caught."""
    flows = float(_throughput(table).iloc[0])
    broken = _rescale(table, stock=1e10, missing=flows * 1e-2)
    assert abs(broken["residual_t"].iloc[0]) / (1e10 + flows) < balance.TOLERANCE
    with pytest.raises(balance.MassBalanceError, match="mass balance of lithium is off"):
        balance.check(broken)


def test_rounding_of_a_huge_stock_is_not_an_error() -> None:
    """A real run with a reserve of nearly 1e10 t (the largest stock allowed) and odd numbers
    everywhere closes within the check (over 100 years of daily reviews its rounding is 18 times
    below the tolerance: see balance.STOCK_WEIGHT)."""
    reserve = {
        "name": "reserve",
        "kind": "stockpile",
        "country": "JP",
        "mineral": "lithium",
        "initial_t": 9.87654321e9,
    }
    data = chain(
        horizon_days=3650,
        step_days=7,
        demand_units_per_year=36500 * 0.3719,
        kg_per_unit=10.37,
        yields=(0.931, 0.977),
        transit=(3.3, 5.1, 1.7),
        upstream_cover=17.3,
        extra_nodes=[reserve],
        extra_links=[{"from": "reserve", "to": "plant"}],
        shocks=[{"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5}],
    )
    table = results.balance(engine.run(scenario.from_dict(data)))
    balance.check(table)


def test_the_ensemble_keeps_nan_in_its_worst_residual(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the check off, a NaN residual reaches balance.csv as NaN, never as 0.0."""
    real = balance.balance_table

    def with_nan(*args: object) -> pd.DataFrame:
        out = real(*args)  # type: ignore[arg-type]
        out.loc[out["rep"] == 1, "relative_residual"] = np.nan
        return out

    monkeypatch.setattr(balance, "balance_table", with_nan)
    options = montecarlo.Options(check_balance=False, once_if_exact=False)  # 4 replications
    data = chain(horizon_days=14)
    result = montecarlo.run_ensemble(
        scenario.from_dict(data), 4, workers=1, batch_size=2, options=options
    )
    worst = result.balance.set_index("mineral")["worst_relative_residual"]
    assert np.isnan(worst["lithium"])
