"""Prices on vs off (sim/analysis/prices_on_off.py, `sim run --prices`): the same scenario with
and without its price mechanism on the same replications, side by side."""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from sim import cli
from sim.analysis import prices_on_off as P
from sim.analysis.metrics import t95
from sim.output import folder as results_folder
from sim.output.report import contents
from sim.scenario import loader
from sim.scenario.network import outputs
from sim.vocabulary import METRIC_KEY
from tests.conftest import ROOT, chain

LITHIUM = {"mineral": "lithium", "base_usd_per_t": 10_000.0, "flexibility": 2.0, "lag_days": 14}
DEMAND = {"markets": {"nodes": ["ev"]}, "mineral": "lithium", "elasticity": -0.3}
MARKET_ROWS = ["demand_units", "shortfall_units", "shortfall_t", "fill_rate", "any_shortfall"]


def shocked(prices: dict[str, Any] | None, horizon_days: int = 364) -> dict[str, Any]:
    """AU mine -> CN refinery -> JP plant -> JP EV market (1 t of lithium a day); the mine,
    1.5 t/day, loses 70% of its capacity for 250 days from day 14: 0.45 t/day against 1 t/day,
    more than the 14 days of stock at every stage can cover."""
    data = chain(step_days=7, horizon_days=horizon_days, upstream_cover=14.0, market_cover=14.0)
    data["network"]["nodes"][0]["capacity_tpa"] = 1.5 * 365.0
    data["shocks"] = [
        {
            "type": "capacity_loss",
            "select": {"nodes": ["mine"]},
            "fraction": 0.7,
            "start": 14,
            "duration_days": 250,
        }
    ]
    if prices is not None:
        data["prices"] = copy.deepcopy(prices)  # tests may edit it; LITHIUM and DEMAND stay
    return data


def rows(table: pd.DataFrame, metric: str, market: str = "ev") -> pd.DataFrame:
    return table[(table["metric"] == metric) & (table["market"] == market)]


def test_switching_prices_off_removes_the_block_and_nothing_else() -> None:
    scenario = loader.from_dict(shocked({"commodities": [LITHIUM], "demand": [DEMAND]}))
    off = P.without_prices(scenario)
    assert scenario.spec.prices.any and not off.spec.prices.any
    assert off.spec.model_copy(update={"prices": scenario.spec.prices}) == scenario.spec
    assert off.network is scenario.network and off.windows == scenario.windows
    named = P.prices_off(scenario)
    assert named.spec.results_name == "chain-prices-off" and not named.spec.prices.any


def test_with_every_response_off_the_price_alone_changes_nothing_physical() -> None:
    """The price rises in the shortage (it is recorded), but with its one response switched
    off (`enabled: false`) no phase reads it: every market metric is the same with prices on
    and off, a paired difference of exactly zero."""
    prices = {"commodities": [LITHIUM], "demand": [{**DEMAND, "enabled": False}]}
    result = P.run_on_off(loader.from_dict(shocked(prices)), 1)
    assert isinstance(result.on, P.RunResult) and result.on.prices is not None
    assert result.on.prices.history[:, 0, 0].max() > 1.5 * 10_000.0  # the price did move
    market = result.table[result.table["metric"].isin(MARKET_ROWS)]
    assert len(market) == 5 and (rows(result.table, "shortfall_units")["prices_off"] > 0).all()
    assert (market["delta"] == 0.0).all()
    assert (market["prices_on"] == market["prices_off"]).all()
    first = rows(result.table, "first_shortfall_day").iloc[0]
    assert first["prices_on_date"] == first["prices_off_date"] != ""


def test_demand_destruction_lowers_both_demand_and_shortfall_with_prices_on() -> None:
    """Demand of 700 vehicles a week over 52 reviews is 36,400 with prices off; with prices on
    the price rises in the shortage and demand (elasticity -0.3) falls below it, and so does
    the shortfall, to more than zero (the response lags the price by 180 days)."""
    result = P.run_on_off(
        loader.from_dict(shocked({"commodities": [LITHIUM], "demand": [DEMAND]})), 1
    )
    short = rows(result.table, "shortfall_units").iloc[0]
    demand = rows(result.table, "demand_units").iloc[0]
    assert 0 < short["prices_on"] < short["prices_off"]
    assert short["delta"] == pytest.approx(short["prices_on"] - short["prices_off"])
    assert demand["prices_on"] < demand["prices_off"] == pytest.approx(52 * 700.0)
    assert math.isnan(short["ci_low"]) and short["pairs"] == 1  # one replication: no interval


def test_the_table_is_means_and_paired_differences_by_hand() -> None:
    """Three replications. Shortfall on 1, 2, 3 and off 2, 2, 5: means 2 and 3; differences
    -1, 0, -2: mean -1, standard deviation 1, 95% half-width t(2) x 1 / sqrt(3) = 2.484.
    First shortfall on days 10, inf, 20 (mean over the short replications: 15, 16 Jan) and
    off never (inf, no date); only replication 1 pairs (neither short: no change)."""

    def frame(metric: str, values: list[float]) -> pd.DataFrame:
        key = dict.fromkeys(METRIC_KEY, "") | {"metric": metric, "market": "ev", "unit": "x"}
        return pd.DataFrame([{"rep": i, **key, "value": v} for i, v in enumerate(values)])

    inf = math.inf
    on = pd.concat(
        [frame("shortfall_units", [1, 2, 3]), frame("first_shortfall_day", [10, inf, 20])]
    )
    off = pd.concat([frame("shortfall_units", [2, 2, 5]), frame("first_shortfall_day", [inf] * 3)])
    table = P.on_off_table({"baseline": on}, {"baseline": off}, dt.date(2025, 1, 1))
    short = rows(table, "shortfall_units").iloc[0]
    half = t95(2) / math.sqrt(3)
    assert (short["prices_on"], short["prices_off"], short["delta"]) == (2.0, 3.0, -1.0)
    assert (short["ci_low"], short["ci_high"]) == pytest.approx((-1 - half, -1 + half))
    assert half == pytest.approx(2.484, abs=1e-3)
    first = rows(table, "first_shortfall_day").iloc[0]
    assert first["prices_on"] == 15.0 and math.isinf(first["prices_off"])
    assert (first["prices_on_date"], first["prices_off_date"]) == ("2025-01-16", "")
    assert first["pairs"] == 1 and first["delta"] == 0.0


def test_an_ensemble_pairs_the_same_random_draws_on_both_sides() -> None:
    """Random demand noise differs between replications but not between prices on and off:
    with the response switched off every paired difference is zero in all three replications;
    switched on, the shortfall falls in every one of them."""
    noise = [
        {"select": {"kinds": ["market"]}, "factor": {"dist": "uniform", "low": 0.5, "high": 1.5}}
    ]
    for enabled in (False, True):
        data = shocked({"commodities": [LITHIUM], "demand": [{**DEMAND, "enabled": enabled}]})
        data["uncertainty"] = {"demand": noise}
        result = P.run_on_off(loader.from_dict(data), 3, workers=1)
        assert isinstance(result.on, P.Ensemble)
        runs = [e.runs for e in (result.on, result.off)]
        short = [r[(r["metric"] == "shortfall_units") & (r["market"] == "ev")] for r in runs]
        on, off = (s.sort_values("rep")["value"].to_numpy() for s in short)
        assert len(set(off.round(6))) == 3  # the replications do differ
        row = rows(result.table, "shortfall_units").iloc[0]
        assert row["pairs"] == 3
        if enabled:
            assert (on < off).all() and row["ci_high"] < 0
        else:
            assert (on == off).all() and row["delta"] == 0.0


def reserve_chain(prices: bool = True) -> dict[str, Any]:
    data = shocked({"commodities": [LITHIUM], "demand": [DEMAND]} if prices else None)
    lever = {
        "type": "stockpile",
        "country": "JP",
        "mineral": "lithium",
        "days": 20,
        "holding_cost_usd_per_t_year": 1000.0,
    }
    data["policies"] = [{"name": "reserve", "levers": [lever]}]
    return data


def test_policies_are_compared_on_both_sides_with_their_costs() -> None:
    result = P.run_on_off(loader.from_dict(reserve_chain()), 1, workers=1)
    assert isinstance(result.on, P.Comparison) and result.baseline_run is not None
    assert set(result.table["policy"]) == {"baseline", "reserve"}
    costs = result.table[result.table["metric"] == "policy_cost_usd"]
    assert list(costs["policy"]) == ["reserve"] and (costs[["prices_on", "prices_off"]] > 0).all(
        axis=None
    )
    assert "policy cost" in P.text(result) and "reserve" in P.text(result)


def test_a_reserve_bought_at_the_simulated_price_costs_differently_on_and_off() -> None:
    """With its one response off the price changes nothing physical: the reserve releases the
    same tonnes and every market metric is the same. But it is bought and sold at the price of
    the day (purchase_price 10,000 USD/t moved by the simulated price), which rises in the
    shortage, so its cost differs between prices on and off."""
    data = reserve_chain()
    data["prices"]["demand"][0]["enabled"] = False
    data["policies"][0]["levers"][0]["purchase_price_usd_per_t"] = 10_000.0
    result = P.run_on_off(loader.from_dict(data), 1, workers=1)
    market = result.table[result.table["metric"].isin(MARKET_ROWS)]
    assert (market["delta"] == 0.0).all()
    (cost,) = result.table[result.table["metric"] == "policy_cost_usd"].to_dict("records")
    assert cost["prices_on"] != pytest.approx(cost["prices_off"], rel=1e-3)


def test_a_scenario_without_prices_cannot_be_compared() -> None:
    with pytest.raises(ValueError, match="prices no mineral"):
        P.run_on_off(loader.from_dict(shocked(None)), 1)


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_cli_compare_writes_the_run_and_the_side_by_side_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, shocked({"commodities": [LITHIUM], "demand": [DEMAND]}))
    out = tmp_path / "results"
    assert cli.main(["run", str(path), "--prices", "compare", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "prices on vs off" in printed and "shortfall off" in printed and "ev" in printed
    folder = out / "chain"
    assert {p.name for p in folder.iterdir()} >= {*results_folder.FILES, "prices_on_off.csv"}
    table = pd.read_csv(folder / "prices_on_off.csv")
    assert list(table.columns) == list(P.PRICES_ON_OFF_COLUMNS)
    assert [p.name for p in out.iterdir()] == ["chain"]
    report = (folder / "report.md").read_text()
    assert "## Prices on vs off" in report and "demand destruction (lithium)" in report
    assert "Demand priced out with prices on (not counted as shortfall): ev " in report
    assert "prices_on_off.csv" in report  # listed among the files


def test_cli_prices_off_runs_without_the_block_into_its_own_folder(tmp_path: Path) -> None:
    path = write(tmp_path, shocked({"commodities": [LITHIUM], "demand": [DEMAND]}))
    out = tmp_path / "results"
    args = ["run", str(path), "--out", str(out), "--no-report", "--quiet"]
    assert cli.main([*args, "--prices", "off"]) == 0
    assert cli.main(args) == 0
    off, on = (pd.read_csv(out / name / "markets.csv") for name in ("chain-prices-off", "chain"))
    resolved = yaml.safe_load((out / "chain-prices-off" / "scenario.resolved.yaml").read_text())
    assert resolved["prices"]["commodities"] == [] and resolved["prices"]["demand"] == []
    assert off["shortfall_units"].iloc[0] > on["shortfall_units"].iloc[0] > 0


def test_cli_a_bad_prices_value_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["run", "x.yaml", "--prices", "of"])
    assert done.value.code == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "--prices: invalid choice: 'of'" in err and "'on', 'off', 'compare'" in err


def test_cli_compare_without_prices_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, shocked(None))
    out = tmp_path / "results"
    assert cli.main(["run", str(path), "--prices", "compare", "--out", str(out)]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "--prices compare" in err and "prices no mineral" in err and "`prices:`" in err
    assert not out.exists()


def test_the_report_section_shows_the_table_only_when_present(tmp_path: Path) -> None:
    path = write(tmp_path, reserve_chain())
    out = tmp_path / "results"
    args = ["run", str(path), "--out", str(out), "--no-report", "--quiet", "--workers", "1"]
    assert cli.main([*args, "--prices", "compare"]) == 0
    _, blocks = contents.document(results_folder.load(out / "chain"), [])
    headings = [b.text for b in blocks if b.kind in ("h2", "h3")]
    assert "Prices on vs off" in headings and "Policy costs with prices on and off" in headings
    (table,) = [
        b.table for b in blocks if b.table is not None and "shortfall, prices on" in b.table.columns
    ]
    assert table.columns[0] == "policy" and {r[0] for r in table.rows} == {"baseline", "reserve"}
    assert cli.main(args) == 0  # the same scenario as written: no side-by-side table
    _, blocks = contents.document(results_folder.load(out / "chain"), [])
    assert "Prices on vs off" not in [b.text for b in blocks]


def test_the_new_scenario_prices_cobalt_and_every_response_is_declared() -> None:
    """Its description says there is no restart response because no cobalt producer is idle:
    every mine, refinery and recycler of cobalt has availability 1."""
    scenario = loader.load(ROOT / "scenarios" / "drc_cobalt_prices_2025.yaml")
    prices = scenario.spec.prices
    assert [c.mineral for c in prices.commodities] == ["cobalt"]
    assert prices.commodities[0].base_usd_per_t == 22_000.0
    kinds = {kind for kind, _, response in prices.responses() if response.enabled}
    assert kinds == {"demand", "substitution", "recycling"}
    assert all(response.source for _, _, response in prices.responses())
    producers = [
        node
        for node in scenario.network.nodes.values()
        if node.kind in ("mine", "refinery", "recycler")
        and "cobalt" in {c[0] for c in outputs(node)}
    ]
    # 9: DRC, Indonesia, US and rest-of-world mines, four refineries, one recycler.
    assert len(producers) == 9 and all(node.availability == 1.0 for node in producers)
