"""The executive summary at the top of every report page (sim.output.report.summary): its
sentences come from the results and stay right in the edge cases (nothing falls short, no
policies, ties, costs not declared, no interval), and its headline chart is placed under them
and not repeated among the other charts."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.output.folder import Results
from sim.output.report.summary import (
    policy_sentence,
    sensitivity_sentences,
    shortfall_sentences,
    shortfalls,
    stress_sentences,
)
from tests.test_charts import compared  # noqa: F401  (fixture)

NETWORK = {
    "nodes": [
        {"name": "in_ev", "kind": "market", "country": "IN", "label": "India EVs"},
        {"name": "xw_co_other", "kind": "market", "country": "XW"},
        {"name": "mine", "kind": "mine", "country": "AU"},
    ]
}
SCENARIO = {"start": "2025-01-01", "network": NETWORK}


def _single(short_in_ev: float, short_xw: float = 0.0) -> Results:
    markets = pd.DataFrame(
        [
            {
                "market": "in_ev",
                "rep": 0,
                "country": "IN",
                "sector": "ev",
                "unit": "vehicle",
                "demand_units": 1000.0,
                "shortfall_units": short_in_ev,
                "first_shortfall_day": 70.0 if short_in_ev else math.nan,
            },
            {
                "market": "xw_co_other",
                "rep": 0,
                "country": "XW",
                "sector": "other cobalt uses",
                "unit": "t",
                "demand_units": 500.0,
                "shortfall_units": short_xw,
                "first_shortfall_day": 10.0 if short_xw else math.nan,
            },
        ]
    )
    return Results(Path("."), {"replications": 1}, SCENARIO, {"markets": markets})


def test_one_run_says_who_falls_short_when_and_how_much() -> None:
    results = _single(125.0)
    text = " ".join(shortfall_sentences(results, shortfalls(results)))
    assert text == (
        "One of 2 markets falls short, India EVs, by 125 vehicles, 12.5% of its demand. "
        "Its first shortfall comes on 12 Mar 2025 (day 70)."
    )


def test_the_worst_market_is_the_one_losing_the_largest_share_and_others_are_counted() -> None:
    results = _single(125.0, short_xw=100.0)  # 12.5% against 20%
    text = " ".join(shortfall_sentences(results, shortfalls(results)))
    assert text.startswith(
        "2 of 2 markets fall short; the worst is Cobalt, other uses (rest of world), by 100 t, "
        "20.0% of its demand. Its first shortfall comes on 11 Jan 2025 (day 10)."
    )


def test_nothing_short_in_one_run_or_in_any_replication() -> None:
    results = _single(0.0)
    assert shortfall_sentences(results, shortfalls(results)) == [
        "No market falls short over the horizon."
    ]
    ensemble = _ensemble([0.0] * 20)
    assert shortfall_sentences(ensemble, shortfalls(ensemble)) == [
        "No market falls short in any replication (20 replications)."
    ]


def _metric_rows(policy: str, values: list[float], first: list[float]) -> list[dict[str, Any]]:
    key = {"market": "in_ev", "country": "IN", "mineral": "", "stage": "", "shock": "",
           "partner": "", "policy": policy}  # fmt: skip
    rows = []
    for rep, (value, day) in enumerate(zip(values, first, strict=True)):
        rows += [
            {**key, "rep": rep, "metric": "demand_units", "unit": "vehicle", "value": 1000.0},
            {**key, "rep": rep, "metric": "shortfall_units", "unit": "vehicle", "value": value},
            {**key, "rep": rep, "metric": "first_shortfall_day", "unit": "day", "value": day},
        ]
    return rows


def _summary_rows(policy: str, values: list[float], ci: tuple[float, float]) -> list[dict]:
    key = {"market": "in_ev", "country": "IN", "mineral": "", "stage": "", "shock": "",
           "partner": "", "policy": policy, "replications": len(values)}  # fmt: skip
    chance = sum(v > 0 for v in values) / len(values)
    mean = sum(values) / len(values)
    return [
        {**key, "metric": "demand_units", "unit": "vehicle", "mean": 1000.0},
        {**key, "metric": "shortfall_units", "unit": "vehicle", "mean": mean},
        {**key, "metric": "any_shortfall", "unit": "0/1", "mean": chance,
         "prob_positive": chance, "prob_positive_ci_low": ci[0],
         "prob_positive_ci_high": ci[1]},
    ]  # fmt: skip


def _ensemble(
    values: list[float],
    ci: tuple[float, float] = (0.1, 0.2),
    ranking: list[dict[str, Any]] | None = None,
    command: list[str] | None = None,
) -> Results:
    first = [30.0 + 10 * i if v > 0 else math.inf for i, v in enumerate(values)]
    policies = ["baseline", *(r["policy"] for r in ranking or [])]
    metrics = pd.DataFrame([r for p in policies for r in _metric_rows(p, values, first)])
    summary = pd.DataFrame([r for p in policies for r in _summary_rows(p, values, ci)])
    frames = {"metrics": metrics, "summary": summary}
    if ranking is None:
        frames = {k: v.drop(columns="policy") for k, v in frames.items()}
    else:
        frames["ranking"] = pd.DataFrame(ranking)
    provenance = {"replications": len(values), "command": command or ["sim", "compare"]}
    return Results(Path("."), provenance, SCENARIO, frames)


def test_an_ensemble_gives_the_chance_with_its_interval_and_the_median_first_date() -> None:
    values = [0.0] * 6 + [50.0, 100.0, 150.0, 200.0]  # short in 4 of 10, first on day 90-120
    results = _ensemble(values, ci=(0.1, 0.7))
    text = " ".join(shortfall_sentences(results, shortfalls(results)))
    assert text.startswith(
        "The only market, India EVs, falls short in 40.0% (10.0% to 70.0%) of 10 replications "
        "(too few replications to state it firmly)"
    )
    assert "by a mean 50 vehicles, 5.0% of its demand" in text
    # median (lower) of days 90, 100, 110, 120 over the replications that fall short: 100
    assert "Its first shortfall comes on 11 Apr 2025 (day 100; median over the replications " in (
        text
    )
    narrow = _ensemble(values, ci=(0.3, 0.45))
    assert "too few" not in " ".join(shortfall_sentences(narrow, shortfalls(narrow)))


def _rank(policy: str, per_t: float, avoided: float, **extra: Any) -> dict[str, Any]:
    return {
        "rank": 0,
        "policy": policy,
        "cost_usd": per_t * avoided if math.isfinite(per_t) else 1000.0,
        "cost_declared": True,
        "cost_not_declared": "",
        "shortfall_avoided_t": avoided,
        "cost_per_t_avoided": per_t,
        "cost_per_t_ci_low": per_t * 0.8 if math.isfinite(per_t) else math.inf,
        "cost_per_t_ci_high": per_t * 1.5 if math.isfinite(per_t) else math.inf,
        **extra,
    }


VALUES = [0.0, 10.0, 20.0, 30.0]


def test_the_best_policy_by_the_criterion_with_its_cost_per_tonne_interval() -> None:
    ranking = [_rank("pile", 1000.0, 50.0), _rank("thrift", 20000.0, 80.0)]
    text = policy_sentence(_ensemble(VALUES, ranking=ranking))
    assert text == (
        "The best policy by cost per tonne of shortfall avoided (lowest first) is pile: 1,000 "
        "USD per tonne of shortfall avoided (95% CI 800 to 1,500), 50 t avoided for 50,000 USD "
        "(present value)."
    )
    by_tonnes = policy_sentence(
        _ensemble(
            VALUES,
            ranking=ranking[::-1],
            command=["sim", "compare", "x.yaml", "--criterion", "shortfall_avoided_t"],
        )
    )
    assert by_tonnes.startswith(
        "The best policy by shortfall avoided in tonnes (most first) is thrift: 20,000 USD per "
        "tonne of shortfall avoided (95% CI 16,000 to 30,000), 80 t avoided"
    )


def test_policy_edge_cases_ties_undeclared_costs_nothing_avoided_none_compared() -> None:
    tie = [_rank("pile", 1000.0, 50.0), _rank("stock", 1000.0, 20.0), _rank("x", 9e3, 5.0)]
    assert policy_sentence(_ensemble(VALUES, ranking=tie)).startswith(
        "Ranked by cost per tonne of shortfall avoided (lowest first), pile and stock tie as "
        "best: 1,000 USD per tonne"
    )
    missing = [_rank("pile", 1000.0, 50.0, cost_declared=False, cost_not_declared="capex")]
    assert "its cost is not declared in full (capex), so the cost per tonne is a lower bound" in (
        policy_sentence(_ensemble(VALUES, ranking=missing))
    )
    nothing = [_rank("pile", math.inf, 0.0), _rank("thrift", math.inf, -3.0)]
    assert policy_sentence(_ensemble(VALUES, ranking=nothing)) == (
        "None of the 2 policies avoids any shortfall in the minerals it acts on, so none is "
        "named best."
    )
    cheap_but_useless = [_rank("none", math.inf, 0.0), _rank("some", 500.0, 4.0)]
    text = policy_sentence(_ensemble(VALUES, ranking=cheap_but_useless))
    assert "is some (none ranks first but avoids no shortfall): 500 USD" in text
    old = [{k: v for k, v in _rank("pile", 1000.0, 50.0).items() if "_ci_" not in k}]
    assert "(no 95% interval: too few replications)" in policy_sentence(
        _ensemble(VALUES, ranking=old)
    )
    assert policy_sentence(_ensemble(VALUES)) == (
        "No policy was compared: the scenario declares none."
    )


def _stress(lost: list[float], tts: list[float], exposed: list[bool]) -> Results:
    table = pd.DataFrame(
        {
            "rank": range(1, len(lost) + 1),
            "target": ["mine", "CN lithium"][: len(lost)],
            "kind": ["mine", "country"][: len(lost)],
            "mineral": ["lithium"] * len(lost),
            "ttr_days": [180.0] * len(lost),
            "tts_days": tts,
            "lost_demand": lost,
            "hardest_hit_market": ["in_ev"] * len(lost),
            "hardest_hit_lost_share": lost,
            "risk_exposure_index": [v / max(max(lost), 1e-9) for v in lost],
            "exposed": exposed,
        }
    )
    return Results(Path("."), {}, SCENARIO, {"stress": table})


def test_the_stress_summary_names_the_top_exposure() -> None:
    text = " ".join(stress_sentences(_stress([0.4, 0.1], [21.0, math.inf], [True, False])))
    assert text.startswith("The top exposure is Mine (Australia) (mine, lithium): losing it")
    assert "hardest hit is India EVs, which loses 40.0% of its demand" in text
    assert (
        "Markets start falling short 21 days after the cut, before it recovers (180 days)" in text
    )
    assert text.endswith("1 of 2 targets are exposed (they fail before they recover).")
    none = stress_sentences(_stress([0.0, 0.0], [math.inf, math.inf], [False, False]))
    assert none == ["None of the 2 targets cut costs any demand: every market is served."]


def _sensitivity(swings: list[float]) -> Results:
    n = len(swings)
    table = pd.DataFrame(
        {
            "input": [f"input{i}" for i in range(n)],
            "p5": [1.0] * n,
            "p50": [2.0] * n,
            "p95": [3.0] * n,
            "shortfall_at_p5": [10.0] * n,
            "shortfall_at_p95": [10.0 + s for s in swings],
            "shortfall_as_declared": [12.0] * n,
            "swing": swings,
            "market": ["in_ev"] * n,
            "unit": ["vehicle"] * n,
            "replications": [4] * n,
        }
    )
    return Results(Path("."), {}, SCENARIO, {"sensitivity": table})


def test_the_sensitivity_summary_names_the_input_that_moves_the_result_most() -> None:
    assert sensitivity_sentences(_sensitivity([300.0, 40.0])) == [
        "input0 moves the shortfall of India EVs most: from 10 vehicles with it at its P5 (1) "
        "to 310 at its P95 (3), a swing of 300.",
        "Next is input1 (swing 40 vehicles).",
        "With every input as declared, the mean shortfall of India EVs is 12 vehicles.",
    ]
    tie = sensitivity_sentences(_sensitivity([300.0, 300.0, 5.0]))
    assert tie[0].startswith("input0 and input1 move the shortfall of India EVs most, equally")
    assert tie[1] == "Next is input2 (swing 5 vehicles)."
    assert sensitivity_sentences(_sensitivity([0.0, 0.0]))[0] == (
        "None of the 2 uncertain inputs moves the shortfall of India EVs."
    )


@pytest.fixture(scope="module")
def compared_page(compared: Path) -> str:  # noqa: F811
    from sim.output.report import write_report

    write_report(compared)
    return (compared / "report.md").read_text()


def test_the_summary_and_its_chart_open_the_page_and_the_chart_is_not_repeated(
    compared_page: str,
) -> None:
    headings = [line for line in compared_page.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Summary"
    summary = compared_page.split("## Summary", 1)[1].split("\n## ", 1)[0]
    # pile does not declare its purchase price, so thrift, whose costs are declared, is first
    assert "The best policy by cost per tonne of shortfall avoided (lowest first) is thrift" in (
        summary
    )
    assert "charts/policy_effects.png" in summary
    assert compared_page.count("charts/policy_effects.png") == 1
