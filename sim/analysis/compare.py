"""Paired comparison of two ensembles run on the same replications (common random numbers).

Replication i of every variant draws the same outages, transit times, demand noise and shock
sizes (each stream is seeded by replication and name, never by variant), so the difference of a
metric between two variants in replication i is due to the variant alone. A variant that changes
nothing has a difference of exactly zero.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import bootstrap, costs
from sim.analysis.ensemble import Ensemble
from sim.analysis.metrics import paired_delta
from sim.levers import BaseLever, apply
from sim.scenario import exactness
from sim.scenario.loader import Scenario
from sim.vocabulary import (
    ANY_SHORTFALL,
    FILL_RATE,
    METRIC_KEY,
    PEAK_SHORTFALL_UNITS,
    POLICY_COST_USD,
    SHORTFALL_T,
    SHORTFALL_UNITS,
    TTR_DAYS,
    TTS_DAYS,
)


def paired_differences(variant: Ensemble, baseline: Ensemble) -> pd.DataFrame:
    """Per metric key: the variant's mean, the baseline's mean, and the mean paired difference
    (variant - baseline) with its 95% confidence interval."""
    if variant.reps != baseline.reps or variant.scenario.spec.seed != baseline.scenario.spec.seed:
        raise ValueError(
            "paired differences need the same replications and seed on both sides "
            f"(got {variant.reps} vs {baseline.reps} replications, seeds "
            f"{variant.scenario.spec.seed} vs {baseline.scenario.spec.seed})"
        )
    joined = variant.runs.merge(
        baseline.runs, on=[*METRIC_KEY, "rep"], suffixes=("_variant", "_baseline")
    )
    rows: list[dict[str, object]] = []
    for key, group in joined.groupby(list(METRIC_KEY), sort=False, observed=True):
        delta = paired_delta(group["value_variant"].to_numpy(), group["value_baseline"].to_numpy())
        rows.append(
            {
                **dict(zip(METRIC_KEY, key, strict=True)),
                "variant_mean": group["value_variant"].mean(),
                "baseline_mean": group["value_baseline"].mean(),
                **delta,
            }
        )
    return pd.DataFrame(rows)


COMPARED = (
    SHORTFALL_UNITS,
    SHORTFALL_T,
    FILL_RATE,
    TTS_DAYS,
    TTR_DAYS,
    PEAK_SHORTFALL_UNITS,
    ANY_SHORTFALL,
)
"""Market metrics in the policy comparison table."""
CRITERIA = ("cost_per_t_avoided", "shortfall_avoided_t", "cost_usd")


@dataclass
class Comparison:
    """Every policy of a scenario against its baseline on the same replications."""

    baseline: Ensemble
    policies: dict[str, Ensemble]
    table: pd.DataFrame
    """Per policy, market and metric: values and paired differences with 95% CIs."""
    ranking: pd.DataFrame
    """Per policy: cost, whether it is declared, shortfall avoided, cost per tonne / unit
    avoided, rank (`rank_policies`)."""


def compare_policies(
    scenario: Scenario, reps: int, *, criterion: str = "cost_per_t_avoided", **run: Any
) -> Comparison:
    """Run the baseline and every policy of `scenario` on replications 0..reps-1 and compare.

    The baseline keeps, per replication, what it shipped on the links the policies' premiums
    are charged against; each policy's costs are charged against the baseline run of the same
    replication (`sim.analysis.costs`). `run` goes to `montecarlo.run_ensemble` (workers,
    batch_size, scheduler, options, progress).
    """
    from sim.analysis import ensemble as montecarlo

    if criterion not in CRITERIA:
        raise ValueError(f"unknown ranking criterion '{criterion}'; one of {', '.join(CRITERIA)}")
    options = run.pop("options", None) or montecarlo.Options()
    policies = {policy.name: apply(scenario, policy) for policy in scenario.spec.policies}
    if any(exactness.random_inputs(s) for s in [scenario, *policies.values()]):
        options = dataclasses.replace(options, once_if_exact=False)  # the same reps for all
    keep = dataclasses.replace(options, keep_shipped=costs.priced_links(scenario))
    baseline = montecarlo.run_ensemble(scenario, reps, options=keep, **run)
    paired = dataclasses.replace(options, paired=baseline.shipped)
    variants = {
        name: montecarlo.run_ensemble(variant, reps, options=paired, **run)
        for name, variant in policies.items()
    }
    rows = []
    for name, ensemble in variants.items():
        deltas = paired_differences(ensemble, baseline)
        chosen = deltas[deltas["metric"].isin(COMPARED) & (deltas["market"] != "")]
        rows.append(chosen.assign(policy=name))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return Comparison(
        baseline,
        variants,
        table,
        rank_policies(scenario, variants, table, criterion, baseline=baseline),
    )


def rank_policies(
    scenario: Scenario,
    variants: dict[str, Ensemble],
    table: pd.DataFrame,
    criterion: str,
    baseline: Ensemble | None = None,
) -> pd.DataFrame:
    """The ranking table: per policy its mean cost (USD, present value), whether every lever
    declares its cost (`cost_declared`; `cost_not_declared` lists the missing fields), the
    shortfall avoided in its minerals (t) and in product units, and the cost per tonne and
    per unit avoided (inf when it avoids nothing); given the `baseline`, the 95% percentile
    bootstrap interval of the cost per tonne avoided over paired replications
    (`cost_per_t_ci_low`, `cost_per_t_ci_high`; `sim.analysis.bootstrap.ratio_interval`).

    Rule: by `criterion`, lowest first for costs and highest first for shortfall avoided; on a
    cost criterion (`cost_per_t_avoided`, `cost_usd`) every policy whose cost is not declared
    in full comes after all those whose cost is (its cost is a lower bound), so a lever left
    without a cost never ranks first on its missing cost. Ties keep the scenario's order.
    """
    rows = []
    levers = {p.name: p.levers for p in scenario.spec.policies}
    for name, ensemble in variants.items():
        runs = ensemble.runs
        cost = float(runs.loc[runs["metric"] == POLICY_COST_USD, "value"].mean())
        mine = table[table["policy"] == name]
        concerned = lever_minerals(levers[name])
        tonnes = mine[(mine["metric"] == SHORTFALL_T) & mine["mineral"].isin(concerned)]
        units = mine[mine["metric"] == SHORTFALL_UNITS]
        avoided_t = 0.0 - float(tonnes["delta"].sum())
        avoided_units = 0.0 - float(units["delta"].sum())
        gaps = costs.cost_gaps(levers[name])
        rows.append(
            {
                "policy": name,
                "levers": "+".join(lever.type for lever in levers[name]),
                "minerals": "+".join(sorted(lever_minerals(levers[name]))),
                "cost_usd": cost,
                "cost_declared": not gaps,
                "cost_not_declared": "; ".join(gaps),
                "shortfall_avoided_t": avoided_t,
                "shortfall_avoided_units": avoided_units,
                "cost_per_t_avoided": cost / avoided_t if avoided_t > 0 else math.inf,
                "cost_per_unit_avoided": cost / avoided_units if avoided_units > 0 else math.inf,
                **_cost_per_t_interval(scenario, ensemble, baseline, concerned),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    if criterion == "shortfall_avoided_t":
        frame = frame.sort_values(criterion, ascending=False, kind="stable")
    else:
        undeclared = ~frame["cost_declared"].astype(bool)
        frame = frame.assign(_undeclared=undeclared).sort_values(
            ["_undeclared", criterion], kind="stable"
        )
        frame = frame.drop(columns="_undeclared")
    frame = frame.reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    frame["vs_best_part"] = [_versus_parts(name, levers, frame) for name in frame["policy"]]
    return frame


def _cost_per_t_interval(
    scenario: Scenario, variant: Ensemble, baseline: Ensemble | None, concerned: set[str]
) -> dict[str, float]:
    """The 95% bootstrap interval of a policy's cost per tonne avoided in its minerals, over
    paired replications (NaN without the baseline or with fewer than two replications)."""
    if baseline is None:
        return {"cost_per_t_ci_low": math.nan, "cost_per_t_ci_high": math.nan}

    def tonnes(runs: pd.DataFrame) -> pd.Series:
        rows = runs[
            (runs["metric"] == SHORTFALL_T)
            & runs["mineral"].isin(concerned)
            & (runs["market"] != "")
        ]
        return rows.groupby("rep")["value"].sum()

    runs = variant.runs
    cost = runs[runs["metric"] == POLICY_COST_USD].groupby("rep")["value"].mean()
    reps = cost.index
    avoided = tonnes(baseline.runs).reindex(reps, fill_value=0.0) - tonnes(runs).reindex(
        reps, fill_value=0.0
    )
    low, high = bootstrap.ratio_interval(
        cost.to_numpy(dtype=float),
        avoided.to_numpy(dtype=float),
        bootstrap.generator(scenario.spec.seed),
    )
    return {"cost_per_t_ci_low": low, "cost_per_t_ci_high": high}


def lever_minerals(levers: Sequence[BaseLever]) -> set[str]:
    """The minerals a policy acts on: tonnes of shortfall avoided are counted in these only
    (a market short of magnets is also 'short' of the battery metals it could not use)."""
    return set().union(*(lever.minerals() for lever in levers))


def _versus_parts(name: str, levers: dict[str, list[Any]], frame: pd.DataFrame) -> str:
    """For a combination whose levers are all policies of their own: does it avoid more
    shortfall than its best part?"""
    mine = levers[name]
    parts = [
        other
        for other, theirs in levers.items()
        if other != name and len(theirs) < len(mine) and all(lever in mine for lever in theirs)
    ]
    covered = [lever for part in parts for lever in levers[part]]
    if len(mine) < 2 or not parts or not all(lever in covered for lever in mine):
        return ""
    avoided = frame.set_index("policy")["shortfall_avoided_t"]
    best = max(parts, key=lambda part: avoided[part])
    verdict = "better" if avoided[name] > avoided[best] else "not better"
    return (
        f"{verdict} than its best part {best} ({avoided[name]:,.0f} t vs "
        f"{avoided[best]:,.0f} t avoided)"
    )
