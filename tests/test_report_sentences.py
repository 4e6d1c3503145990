"""The sentences the report writes about a policy ranking: they say what the ranking is by,
and never name a policy that avoids nothing 'cheapest' at 'inf' USD/t."""

from __future__ import annotations

import math

from sim.output.report.policies import _ranking_sentences, ranked_by


def _row(policy: str, cost_per_t: float, avoided_t: float) -> dict[str, object]:
    return {
        "policy": policy,
        "cost_per_t_avoided": cost_per_t,
        "shortfall_avoided_t": avoided_t,
        "cost_declared": True,
        "cost_not_declared": "",
        "vs_best_part": "",
    }


def test_ranking_by_shortfall_avoided_names_its_criterion_and_its_first() -> None:
    rows = [_row("big", 252_181.0, 900.0), _row("cheap", 12_348.0, 100.0)]
    text = " ".join(_ranking_sentences(rows, "shortfall_avoided_t"))
    assert "Ranked by shortfall avoided in tonnes (most first): first is big." in text
    assert "declared: cheap (12,348 USD/t)" in text
    assert "declared: big" not in text


def test_nothing_avoided_names_no_cheapest_policy() -> None:
    rows = [_row("a", math.inf, 0.0), _row("b", math.inf, 0.0)]
    text = " ".join(_ranking_sentences(rows))
    assert "inf" not in text
    assert "Cheapest" not in text
    assert "none is named cheapest" in text
    assert "No policy avoids any shortfall" in text


def test_a_policy_that_avoids_nothing_is_not_the_cheapest() -> None:
    rows = [_row("none", math.inf, 0.0), _row("some", 5_000.0, 10.0)]
    text = " ".join(_ranking_sentences(rows))
    assert "declared: some (5,000 USD/t)" in text


def test_the_criterion_is_read_from_the_recorded_command() -> None:
    assert ranked_by({"command": ["sim", "compare", "f.yaml", "--criterion", "cost_usd"]}) == (
        "cost_usd"
    )
    assert ranked_by({"command": ["sim", "compare", "--criterion=shortfall_avoided_t"]}) == (
        "shortfall_avoided_t"
    )
    assert ranked_by({"command": ["sim", "compare", "f.yaml"]}) == "cost_per_t_avoided"
    assert ranked_by({}) == "cost_per_t_avoided"
