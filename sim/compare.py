"""Paired comparison of two ensembles run on the same replications (common random numbers).

Replication i of every variant draws the same outages, transit times, demand noise and shock
sizes (each stream is seeded by replication and name, never by variant), so the difference of a
metric between two variants in replication i is due to the variant alone. A variant that changes
nothing has a difference of exactly zero.
"""

from __future__ import annotations

import pandas as pd

from .metrics import KEY_COLUMNS, paired_delta
from .montecarlo import Ensemble


def paired_differences(variant: Ensemble, baseline: Ensemble) -> pd.DataFrame:
    """Per metric key: the variant's mean, the baseline's mean, and the mean paired difference
    (variant - baseline) with its 95% confidence interval."""
    if variant.reps != baseline.reps or variant.scenario.spec.seed != baseline.scenario.spec.seed:
        raise ValueError("paired differences need the same replications and seed on both sides "
                         f"(got {variant.reps} vs {baseline.reps} replications, seeds "
                         f"{variant.scenario.spec.seed} vs {baseline.scenario.spec.seed})")
    joined = variant.runs.merge(baseline.runs, on=[*KEY_COLUMNS, "rep"],
                                suffixes=("_variant", "_baseline"))
    rows: list[dict[str, object]] = []
    for key, group in joined.groupby(KEY_COLUMNS, sort=False, observed=True):
        delta = paired_delta(group["value_variant"].to_numpy(), group["value_baseline"].to_numpy())
        rows.append({**dict(zip(KEY_COLUMNS, key, strict=True)),
                     "variant_mean": group["value_variant"].mean(),
                     "baseline_mean": group["value_baseline"].mean(), **delta})
    return pd.DataFrame(rows)
