"""The best policy portfolio under a budget: a multi-objective search (Optuna) over the lever
parameters a scenario's `search:` block declares (`sim.scenario.search`).

Each trial is one portfolio (a value per parameter, compiled as one policy) run on the same
replications 0..R-1 as the baseline (common random numbers), in process, one batch. Its two
objectives, both minimised:

- cost: the mean over replications of the policy cost (USD, present value at the scenario start,
  positive for money spent; `sim.analysis.costs`), charged against the baseline runs of the same
  replications;
- risk: a statistic over replications of the total cumulative shortfall, t of mineral summed
  over every market and mineral (`shortfall_t`): `cvar95` (mean of the worst 5%), `mean`, or
  `p_shortfall` (share of replications with any shortfall, > 1e-9 t).

The sampler is Optuna's multi-objective TPE, seeded by the scenario's seed (a run is
reproducible), with the budget as a constraint (cost - budget <= 0 is feasible) so that it
spends its trials mostly within the budget; its first trial is the cheapest portfolio (every
parameter at its off end, else its low), so the frontier always has its cheap end. The
frontier is the Pareto set of every trial (no other trial as cheap and as safe, one of them
strictly). The best portfolio within the budget
(least risk, then least cost) is run again with the baseline on fresh replications (numbers
`FRESH_START` onwards: another seed stream than the search's), and its paired difference of
mean shortfall against the baseline is given with a 95% t interval over those replications.
The scenario's hand-written policies are evaluated on the search's replications too, for
comparison at equal or lower cost.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import ensemble as montecarlo
from sim.analysis.costs import PairedShipments
from sim.analysis.metrics import cvar, paired_delta
from sim.levers import Policy, apply
from sim.scenario.loader import Scenario
from sim.scenario.search import SearchGroup, candidate
from sim.vocabulary import POLICY_COST_USD, RISK_MEASURES, SHORTFALL_T

RISKS = RISK_MEASURES
FRESH_START = 1_000_000
"""First replication of the re-evaluation on fresh draws (each replication's streams are
seeded by its number, so these share no draw with replications 0..R-1)."""
SHORT_T = 1e-9
"""A replication with more than this many t of shortfall counts for `p_shortfall`."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A portfolio on some replications: cost and total cumulative shortfall per replication."""

    cost_usd: np.ndarray
    shortfall_t: np.ndarray

    def risk(self, measure: str) -> float:
        """The risk statistic `measure` (one of `RISKS`) of the shortfall, t or a share."""
        if measure == "cvar95":
            return cvar(self.shortfall_t, 0.95)
        if measure == "mean":
            return float(self.shortfall_t.mean())
        if measure == "p_shortfall":
            return float((self.shortfall_t > SHORT_T).mean())
        raise ValueError(f"unknown risk measure '{measure}'; one of {', '.join(RISKS)}")


def _outcome(table: Any) -> Outcome:
    keys, values = table.keys, table.values
    short = ((keys["metric"] == SHORTFALL_T) & (keys["market"] != "")).to_numpy()
    cost = np.flatnonzero((keys["metric"] == POLICY_COST_USD).to_numpy())
    total = values[short].sum(axis=0) if short.any() else np.zeros(values.shape[1])
    spent = values[cost[0]] if len(cost) else np.zeros(values.shape[1])
    return Outcome(np.asarray(spent, dtype=float), np.asarray(total, dtype=float))


class Evaluator:
    """Runs portfolios on replications `reps`, each against the baseline runs of the same
    replications (their shipments, for premiums on moved volume)."""

    def __init__(self, scenario: Scenario, reps: range, priced: tuple[int, ...]):
        self.scenario, self.reps = scenario, reps
        keep = montecarlo.Options(check_balance=False, band_reps=0, keep_shipped=priced)
        base = montecarlo.run_batch(scenario, reps, keep)
        shipped = base.shipped if base.shipped is not None else np.zeros((0, len(reps)))
        self.paired = PairedShipments(priced, shipped, reps)
        self.baseline = _outcome(base.metrics)

    def run(self, policy: Policy | None) -> Outcome:
        """The portfolio's outcome (the baseline's for None: no lever at all)."""
        if policy is None:
            return self.baseline
        options = montecarlo.Options(check_balance=False, band_reps=0, paired=self.paired)
        variant = apply(self.scenario, policy)
        return _outcome(montecarlo.run_batch(variant, self.reps, options).metrics)


def priced_links(scenario: Scenario) -> tuple[int, ...]:
    """Baseline links any search lever or policy lever charges a premium against."""
    levers = [lv for g in scenario.spec.search for lv in g.levers]
    levers += [lv for p in scenario.spec.policies for lv in p.levers]
    return tuple(sorted({i for lv in levers for i in lv.priced_links(scenario.network)}))


def pareto(cost: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """Mask of the non-dominated points (no other point as cheap and as safe, one strictly)."""
    no_worse = (cost[None, :] <= cost[:, None]) & (risk[None, :] <= risk[:, None])
    better = (cost[None, :] < cost[:, None]) | (risk[None, :] < risk[:, None])
    return np.asarray(~(no_worse & better).any(axis=1))


@dataclasses.dataclass
class Optimisation:
    """What `optimise` found."""

    trials: pd.DataFrame
    """Per trial: trial, cost_usd, risk, the parameters (`<group>.<field>`), within_budget,
    on_frontier, best."""
    policies: pd.DataFrame
    """Per hand-written policy: cost_usd, risk, and the cheapest-safest trial at or below its
    cost (`beaten_by_trial`, its cost and risk; `beaten` if it is safer)."""
    best: pd.DataFrame
    """The best portfolio within the budget against the baseline, on the search's and on fresh
    replications: per measure the portfolio's and baseline's values and the paired difference
    with its 95% interval (empty when no trial is within the budget)."""
    budget_usd: float
    risk: str
    reps: int
    wall_seconds: float

    @property
    def frontier(self) -> pd.DataFrame:
        return self.trials[self.trials["on_frontier"]].sort_values("cost_usd", kind="stable")

    @property
    def trials_per_second(self) -> float:
        return len(self.trials) / self.wall_seconds if self.wall_seconds > 0 else math.inf


def _suggest(trial: Any, groups: list[SearchGroup]) -> dict[str, float]:
    values: dict[str, float] = {}
    for group in groups:
        for p in group.parameters:
            name = group.label(p)
            if all(float(v).is_integer() for v in (p.low, p.high, p.step)):
                values[name] = trial.suggest_int(name, int(p.low), int(p.high), step=int(p.step))
            elif p.high > p.low:
                values[name] = trial.suggest_float(name, p.low, p.high, step=p.step)
            else:
                values[name] = p.low
    return values


def _cheapest(groups: list[SearchGroup]) -> dict[str, float]:
    """Every parameter at its `off_at` end (else its low): the least the search can do."""
    return {
        g.label(p): p.high if p.off_at == "high" else p.low for g in groups for p in g.parameters
    }


def optimise(
    scenario: Scenario,
    budget_usd: float,
    *,
    risk: str = "cvar95",
    trials: int = 50,
    reps: int = 20,
    progress: Callable[[int, int], None] | None = None,
) -> Optimisation:
    """Search the scenario's `search:` portfolios for the cost-risk frontier and the best one
    within `budget_usd` (USD, present value)."""
    import optuna

    groups = list(scenario.spec.search)
    if not groups:
        raise ValueError("the scenario has no `search:` block: nothing to optimise")
    if risk not in RISKS:
        raise ValueError(f"unknown risk measure '{risk}'; one of {', '.join(RISKS)}")
    started = time.perf_counter()
    priced = priced_links(scenario)
    search = Evaluator(scenario, range(reps), priced)
    seen: dict[tuple[tuple[str, float], ...], Outcome] = {}
    rows: list[dict[str, Any]] = []

    def objective(trial: Any) -> tuple[float, float]:
        values = _suggest(trial, groups)
        key = tuple(sorted(values.items()))
        if key not in seen:
            seen[key] = search.run(candidate(groups, values))
        outcome = seen[key]
        cost, level = float(outcome.cost_usd.mean()), outcome.risk(risk)
        trial.set_constraint("budget", cost - budget_usd)
        rows.append({"trial": trial.number, "cost_usd": cost, "risk": level, **values})
        if progress is not None:
            progress(len(rows), trials)
        return cost, level

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=scenario.spec.seed % 2**32, multivariate=True)
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.enqueue_trial(_cheapest(groups))  # the frontier's zero-cost end, tried first
    study.optimize(objective, n_trials=trials)
    table = pd.DataFrame(rows)
    cost, level = table["cost_usd"].to_numpy(), table["risk"].to_numpy()
    table["within_budget"] = cost <= budget_usd
    table["on_frontier"] = pareto(cost, level)
    table["best"] = False
    best = pd.DataFrame()
    inside = table[table["within_budget"]]
    if len(inside):
        chosen = inside.sort_values(["risk", "cost_usd", "trial"], kind="stable").index[0]
        table.loc[chosen, "best"] = True
        names = [g.label(p) for g in groups for p in g.parameters]
        values = {n: float(table.loc[chosen, n]) for n in names}
        fresh = Evaluator(scenario, range(FRESH_START, FRESH_START + reps), priced)
        pairs = {"search": (search, seen[tuple(sorted(values.items()))])}
        pairs["fresh"] = (fresh, fresh.run(candidate(groups, values)))
        best = pd.concat([_versus(d, e.baseline, o, risk) for d, (e, o) in pairs.items()])
    policies = _policies(scenario, search, table, risk)
    return Optimisation(
        table, policies, best, budget_usd, risk, reps, time.perf_counter() - started
    )


def _versus(draws: str, baseline: Outcome, portfolio: Outcome, risk: str) -> pd.DataFrame:
    """The portfolio against the baseline on one set of replications."""
    reps = len(portfolio.shortfall_t)
    rows = [
        {
            "measure": "mean shortfall (t)",
            "portfolio": float(portfolio.shortfall_t.mean()),
            "baseline": float(baseline.shortfall_t.mean()),
            **paired_delta(portfolio.shortfall_t, baseline.shortfall_t),
        },
        {
            "measure": f"risk: {risk}",
            "portfolio": portfolio.risk(risk),
            "baseline": baseline.risk(risk),
            "delta": portfolio.risk(risk) - baseline.risk(risk),
        },
        {
            "measure": "cost (USD)",
            "portfolio": float(portfolio.cost_usd.mean()),
            "baseline": 0.0,
            **paired_delta(portfolio.cost_usd, baseline.cost_usd),
        },
    ]
    return pd.DataFrame(rows).assign(draws=draws, replications=reps)


def _policies(
    scenario: Scenario, search: Evaluator, table: pd.DataFrame, risk: str
) -> pd.DataFrame:
    rows = []
    for policy in scenario.spec.policies:
        outcome = search.run(policy)
        cost, level = float(outcome.cost_usd.mean()), outcome.risk(risk)
        cheaper = table[table["cost_usd"] <= cost]
        row: dict[str, Any] = {"policy": policy.name, "cost_usd": cost, "risk": level}
        if len(cheaper):
            top = cheaper.sort_values(["risk", "cost_usd", "trial"], kind="stable").iloc[0]
            row |= {
                "beaten_by_trial": int(top["trial"]),
                "trial_cost_usd": float(top["cost_usd"]),
                "trial_risk": float(top["risk"]),
                "beaten": bool(
                    top["risk"] < level or (top["risk"] == level and top["cost_usd"] < cost)
                ),
            }
        else:
            row |= {"beaten_by_trial": -1, "trial_cost_usd": math.nan}
            row |= {"trial_risk": math.nan, "beaten": False}
        rows.append(row)
    columns = ["policy", "cost_usd", "risk", "beaten_by_trial", "trial_cost_usd"]
    return pd.DataFrame(rows, columns=[*columns, "trial_risk", "beaten"])


def summary_text(found: Optimisation) -> str:
    """What the terminal prints after a search: speed, the best portfolio, the policies."""
    lines = [
        f"{len(found.trials)} trials in {found.wall_seconds:,.1f} s "
        f"({found.trials_per_second:,.2f} trials/s), {len(found.frontier)} on the frontier"
    ]
    best = found.trials[found.trials["best"]]
    if best.empty:
        lines.append(f"no portfolio costs {found.budget_usd:,.0f} USD or less")
    else:
        fixed = {"trial", "cost_usd", "risk", "within_budget", "on_frontier", "best"}
        row = best.iloc[0]
        params = ", ".join(f"{c} = {row[c]:g}" for c in best.columns if c not in fixed)
        lines.append(
            f"best within the budget: trial {int(row['trial'])}: cost {row['cost_usd']:,.0f} "
            f"USD, {found.risk} {row['risk']:,.4g} ({params})"
        )
        lines.append(found.best.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    if len(found.policies):
        lines.append("hand-written policies (same draws):")
        lines.append(found.policies.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    return "\n".join(lines)
