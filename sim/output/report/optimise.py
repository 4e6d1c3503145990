"""The portfolio search (`sim optimise`) as report sections: the best portfolio within the
budget against the baseline (on the search's and on fresh replications), the frontier and the
hand-written policies at equal or lower cost."""

from __future__ import annotations

import math

import pandas as pd

from sim.output.folder import Results
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty

FIXED = ("trial", "cost_usd", "risk", "within_budget", "on_frontier", "best")
"""Columns of trials.csv that are not search parameters."""


def _usd(value: float) -> str:
    return f"{value / 1e6:,.3g} M" if math.isfinite(value) and abs(value) >= 1e5 else qty(value)


def _interval(row: pd.Series) -> str:
    low, high = row.get("ci_low", math.nan), row.get("ci_high", math.nan)
    if pd.isna(low) or pd.isna(high):
        return "n/a"
    return f"{qty(float(low))} to {qty(float(high))}"


def optimise_blocks(results: Results) -> list[Block]:
    """The sections of a portfolio search, or nothing for other results."""
    trials = results.get("trials")
    if trials is None or trials.empty:
        return []
    prov = results.provenance
    budget, risk = float(prov.get("budget_usd", math.nan)), str(prov.get("risk", ""))
    names = [c for c in trials.columns if c not in FIXED]
    blocks = [
        Block("h2", "Best portfolio within the budget"),
        Block(
            "p",
            f"{len(trials):,} portfolios searched (Optuna multi-objective TPE, seeded) for a "
            f"budget of {_usd(budget)} USD (present value), risk measure {risk}, "
            f"{int(prov.get('replications', 0)):,} replications per portfolio, the same for "
            f"every one; {float(prov.get('trials_per_second', math.nan)):,.2g} trials per "
            f"second, {float(prov.get('wall_seconds', math.nan)):,.0f} s in all.",
        ),
    ]
    best = trials[trials["best"].astype(bool)]
    versus = results.get("best_portfolio")
    if best.empty or versus is None or versus.empty:
        blocks.append(Block("p", "No searched portfolio costs the budget or less."))
    else:
        chosen = best.iloc[0]
        blocks.append(
            Block("p", "Parameters: " + "; ".join(f"{n} = {qty(float(chosen[n]))}" for n in names))
        )
        rows = [
            [
                str(r["draws"]),
                str(r["measure"]),
                qty(float(r["portfolio"])),
                qty(float(r["baseline"])),
                qty(float(r["delta"])),
                _interval(r),
            ]
            for _, r in versus.iterrows()
        ]
        blocks.append(
            Block(
                "table",
                table=Table(
                    ["draws", "measure", "portfolio", "baseline", "difference", "95% interval"],
                    rows,
                    numeric={2, 3, 4},
                    note="search: the replications the optimiser saw; fresh: as many other "
                    "replications (another seed stream), the guard against a portfolio fitted "
                    "to the search's draws. Difference = portfolio - baseline, paired by "
                    "replication; the interval is a t interval over replications.",
                ),
            )
        )
    blocks += _frontier(trials, names) + _policies(results.get("optimise_policies"))
    return blocks


def _frontier(trials: pd.DataFrame, names: list[str]) -> list[Block]:
    front = trials[trials["on_frontier"].astype(bool)].sort_values("cost_usd", kind="stable")
    front = front.drop_duplicates(subset=["cost_usd", "risk"])
    rows = [
        [_usd(float(r["cost_usd"])), qty(float(r["risk"]))] + [qty(float(r[n])) for n in names]
        for _, r in front.iterrows()
    ]
    return [
        Block("h2", "Cost-risk frontier"),
        Block(
            "table",
            table=Table(
                ["cost (USD)", "risk", *names],
                rows,
                numeric=set(range(len(names) + 2)),
                note="The searched portfolios no other beats on both cost and risk "
                "(frontier.csv), cheapest first.",
            ),
        ),
    ]


def _policies(policies: pd.DataFrame | None) -> list[Block]:
    if policies is None or policies.empty:
        return []
    rows = [
        [
            str(r["policy"]),
            _usd(float(r["cost_usd"])),
            qty(float(r["risk"])),
            "none" if int(r["beaten_by_trial"]) < 0 else f"trial {int(r['beaten_by_trial'])}",
            _usd(float(r["trial_cost_usd"])),
            qty(float(r["trial_risk"])),
            "yes" if bool(r["beaten"]) else "no",
        ]
        for _, r in policies.iterrows()
    ]
    return [
        Block("h2", "Hand-written policies against the search"),
        Block(
            "table",
            table=Table(
                [
                    "policy",
                    "cost (USD)",
                    "risk",
                    "best trial at <= cost",
                    "its cost",
                    "its risk",
                    "beaten",
                ],
                rows,
                numeric={1, 2, 4, 5},
                note="Each policy of the scenario on the search's replications, and the "
                "least-risk searched portfolio costing no more; beaten: that portfolio has "
                "less risk, or the same risk for less money.",
            ),
        ),
    ]
