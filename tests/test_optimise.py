"""The portfolio search (`sim optimise`, `search:` blocks): a stockpile sized by hand to a known
ban, the frontier, fresh re-evaluation, and located errors for bad search blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from sim import cli
from sim.analysis import optimise as search
from sim.scenario import loader
from sim.scenario.errors import ScenarioError
from sim.scenario.search import candidate
from tests.conftest import chain

BAN_DAYS = 40
STEP = 2


def banned(**search_parameter: Any) -> dict[str, Any]:
    """The chain (1 t/day of lithium to Japan, 10 days of cover at the plant and the market)
    with China's exports banned for BAN_DAYS from day 5, and one search group: a Japanese
    lithium reserve of 0 to 40 days of the plant's use (0: no reserve), holding cost 1,000 USD
    per t-year (ASSUMPTION, a test figure)."""
    spec = chain(
        horizon_days=120,
        upstream_cover=10,
        shocks=[
            {
                "type": "export_ban",
                "name": "ban",
                "country": "CN",
                "mineral": "lithium",
                "start": 5,
                "duration_days": BAN_DAYS,
            }
        ],
    )
    parameter = {"field": "days", "low": 0, "high": 40, "step": STEP, "off_at": "low"}
    spec["search"] = [
        {
            "name": "jp_reserve",
            "levers": [
                {
                    "type": "stockpile",
                    "country": "JP",
                    "mineral": "lithium",
                    "days": 10,
                    "holding_cost_usd_per_t_year": 1000,
                }
            ],
            "parameters": [parameter | search_parameter],
        }
    ]
    return spec


def test_the_best_reserve_within_a_budget_is_the_hand_optimum() -> None:
    """Without a reserve the ban leaves 10 t unmet (its 40 days less the 30 days the plant's and
    market's stocks and the pipeline bridge): the hand optimum is the smallest reserve with no
    shortfall, 10 t = 10 days of the plant's 1 t/day. Any budget above its cost finds it (or the
    next grid point); a budget below it buys the largest reserve it affords."""
    scenario = loader.from_dict(banned())
    groups = list(scenario.spec.search)
    evaluate = search.Evaluator(scenario, range(2), search.priced_links(scenario))
    assert evaluate.baseline.shortfall_t.mean() == pytest.approx(10.0, abs=0.01)
    hand = 10
    at_hand = evaluate.run(candidate(groups, {"jp_reserve.days": hand}))
    below = evaluate.run(candidate(groups, {"jp_reserve.days": hand - STEP}))
    assert at_hand.shortfall_t.max() == pytest.approx(0.0, abs=1e-6)
    assert below.shortfall_t.mean() > 1.0
    found = search.optimise(scenario, 1e6, risk="mean", trials=30, reps=2)
    best = found.trials[found.trials["best"]].iloc[0]
    assert abs(best["jp_reserve.days"] - hand) <= STEP
    assert best["risk"] == pytest.approx(0.0, abs=1e-6)
    fresh = found.best[
        (found.best["draws"] == "fresh") & (found.best["measure"].str.startswith("mean"))
    ]
    assert float(fresh["delta"].iloc[0]) == pytest.approx(-10.0, abs=0.01)
    tight = float(at_hand.cost_usd.mean()) * 0.99
    capped = search.optimise(scenario, tight, risk="mean", trials=30, reps=2)
    chosen = capped.trials[capped.trials["best"]].iloc[0]
    assert chosen["cost_usd"] <= tight
    assert hand - 2 * STEP <= chosen["jp_reserve.days"] < hand


def test_a_group_is_left_out_at_its_off_end_and_set_elsewhere() -> None:
    low = loader.from_dict(banned()).spec.search[0]
    assert low.with_values({"jp_reserve.days": 0}) == []
    assert low.with_values({"jp_reserve.days": 14})[0].days == 14
    high = loader.from_dict(banned(low=2, off_at="high")).spec.search[0]
    assert high.with_values({"jp_reserve.days": 40}) == []
    assert high.with_values({"jp_reserve.days": 2})[0].days == 2
    assert candidate([high], {"jp_reserve.days": 40}) is None  # the baseline


def test_the_frontier_is_the_pareto_set_and_the_run_is_reproducible() -> None:
    scenario = loader.from_dict(banned())
    one = search.optimise(scenario, 1e6, risk="mean", trials=12, reps=2)
    two = search.optimise(scenario, 1e6, risk="mean", trials=12, reps=2)
    pd.testing.assert_frame_equal(one.trials, two.trials)
    first = one.trials.iloc[0]  # the cheapest portfolio (no reserve) anchors the frontier
    assert first["jp_reserve.days"] == 0 and first["cost_usd"] == 0 and first["on_frontier"]
    front = one.frontier.drop_duplicates(["cost_usd", "risk"])
    assert (front["risk"].diff().dropna() < 0).all()  # cheaper frontier points are riskier
    for _, row in one.trials[~one.trials["on_frontier"]].iterrows():
        dominated = front[(front["cost_usd"] <= row["cost_usd"]) & (front["risk"] <= row["risk"])]
        assert len(dominated)


def test_optimise_writes_frontier_best_chart_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = banned()
    spec["policies"] = [
        {
            "name": "jp_reserve_30d",
            "levers": [
                {
                    "type": "stockpile",
                    "country": "JP",
                    "mineral": "lithium",
                    "days": 30,
                    "holding_cost_usd_per_t_year": 1000,
                }
            ],
        }
    ]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    argv = ["optimise", str(path), "--budget", "1e6", "--trials", "8", "--reps", "2"]
    assert cli.main([*argv, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "trials/s" in out
    folder = tmp_path / "chain-optimise"
    for name in ("trials", "frontier", "best_portfolio", "optimise_policies"):
        assert len(pd.read_csv(folder / f"{name}.csv")), name
    policies = pd.read_csv(folder / "optimise_policies.csv")
    assert list(policies["policy"]) == ["jp_reserve_30d"]
    assert (folder / "charts" / "frontier.png").exists()
    page = (folder / "report.md").read_text()
    assert "## Best portfolio within the budget" in page
    assert "## Hand-written policies against the search" in page


@pytest.mark.parametrize(
    ("change", "where", "what"),
    [
        ({"field": "dayz"}, "search[0].parameters[0].field", "no lever of group 'jp_reserve' has"),
        ({"low": 50}, "search[0].parameters[0]", "low (50) is above high (40)"),
        ({"step": 3}, "search[0].parameters[0]", "step 3 does not divide high - low"),
        ({"off_at": None}, "search[0].parameters[0].low", "at its low end the lever refuses"),
        ({"step": 0}, "search[0].parameters[0].step", "greater than 0"),
    ],
)
def test_bad_search_blocks_give_located_errors(
    change: dict[str, Any], where: str, what: str, tmp_path: Path
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(banned(**change), sort_keys=False))
    with pytest.raises(ScenarioError) as raised:
        loader.load(path)
    text = str(raised.value)
    assert where in text and what in text, text
    assert f"{path}:" in text  # the file and a line


def test_a_scenario_without_search_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(chain()))
    assert cli.main(["optimise", str(path), "--budget", "1", "--out", str(tmp_path)]) == 2
    assert "no `search:` block" in capsys.readouterr().err
