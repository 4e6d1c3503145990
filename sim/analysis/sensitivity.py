"""One-at-a-time sensitivity of cumulative shortfall to a scenario's uncertain inputs (the data
of the tornado chart).

Uncertain inputs are the distributions a scenario declares: shock numbers drawn per replication
(start, duration, severity, fraction, factor, delays) and the `uncertainty:` rules (transit
times, outage durations). Each is fixed in turn at its 5th and at its 95th percentile while
every other input keeps its declared distribution; both variants run on the same replications
(common random numbers), and the swing of the mean cumulative shortfall of the market that falls
shortest in the scenario as declared measures the input's influence.

Demand noise (`uncertainty.demand`, a factor drawn afresh at every review) is left out
(`sim.vocabulary.NOISE_NOTE`): fixed at its 95th percentile for every review it would turn
week-to-week noise into a lasting demand level (+-16% for a normal of sd 0.1), another question;
it keeps its declared distribution in every variant.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import ensemble as montecarlo
from sim.analysis import progress as progress_bar
from sim.scenario.loader import Scenario, ScenarioSpec
from sim.scenario.randomness import Distribution
from sim.vocabulary import SHORTFALL_UNITS

QUANTILE_DRAWS = 20_000


@dataclasses.dataclass(frozen=True)
class Input:
    """An uncertain input: where it sits in the scenario and its distribution."""

    label: str
    path: tuple[str | int, ...]
    distribution: Distribution

    def percentiles(self) -> tuple[float, float, float]:
        """P5, P50, P95 estimated from a fixed-seed sample (exact for fixed/uniform ends)."""
        draws = self.distribution.draw(np.random.default_rng(0), QUANTILE_DRAWS)
        p5, p50, p95 = np.quantile(draws, [0.05, 0.5, 0.95])
        return float(p5), float(p50), float(p95)


def uncertain_inputs(spec: ScenarioSpec) -> list[Input]:
    """Every distribution the scenario declares, with a readable label, except demand noise
    (`sim.vocabulary.NOISE_NOTE`)."""
    found = []
    for i, shock in enumerate(spec.shocks):
        name = shock.name or f"{shock.type}#{i + 1}"
        for field in type(shock).model_fields:
            value = getattr(shock, field)
            if isinstance(value, Distribution):
                found.append(Input(f"{name}: {field}", ("shocks", i, field), value))
    rules: Iterator[tuple[str, int, str, Any]] = (
        (kind, i, field, getattr(rule, field))
        for kind, field in (
            ("transit", "transit_days"),
            ("outages", "duration_days"),
        )
        for i, rule in enumerate(getattr(spec.uncertainty, kind))
    )
    for kind, i, field, value in rules:
        found.append(Input(f"{kind}[{i}]: {field}", ("uncertainty", kind, i, field), value))
    return found


def _fixed(scenario: Scenario, path: tuple[str | int, ...], value: float) -> Scenario:
    return fixed_all(scenario, {path: value})


def fixed_all(
    scenario: Scenario,
    values: dict[tuple[str | int, ...], float],
    numbers: dict[tuple[str | int, ...], float] | None = None,
) -> Scenario:
    """The scenario with the input at each path of `values` fixed at its value (a `fixed`
    distribution), and each plain number at a path of `numbers` set to its value."""
    data = scenario.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    settings = [(p, {"dist": "fixed", "value": v}) for p, v in values.items()]
    for path, setting in [*settings, *(numbers or {}).items()]:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = setting
    spec = ScenarioSpec.model_validate(data)
    windows = tuple(s.window(spec.start, spec.horizon_days) for s in spec.shocks)
    return dataclasses.replace(scenario, spec=spec, windows=windows)


def run(
    scenario: Scenario,
    reps: int = 20,
    market: str | None = None,
    progress: bool = False,
    **ensemble: Any,
) -> tuple[pd.DataFrame, str]:
    """The tornado table (largest swing first) and the market it measures.

    `progress` shows one bar over the ensembles (the scenario as declared, then two per input);
    `ensemble` goes to `montecarlo.run_ensemble` (workers, batch size ...).
    """
    inputs = uncertain_inputs(scenario.spec)
    if not inputs:
        noise = " (demand noise is not varied)" if scenario.spec.uncertainty.demand else ""
        raise ValueError(
            "the scenario declares no distributions (shock numbers or `uncertainty:` rules) to "
            f"vary{noise}"
        )
    bar = progress_bar.bar(1 + 2 * len(inputs), "sensitivity", "variant", progress)
    base = montecarlo.run_ensemble(scenario, reps, **ensemble)
    bar.update()
    short = base.summary[base.summary["metric"] == SHORTFALL_UNITS]
    if market is None:
        market = str(short.sort_values("mean", ascending=False)["market"].iloc[0])
    unit = str(short.loc[short["market"] == market, "unit"].iloc[0])

    def mean_shortfall(ensemble_: montecarlo.Ensemble) -> float:
        runs = ensemble_.runs
        rows = runs[(runs["metric"] == SHORTFALL_UNITS) & (runs["market"] == market)]
        return float(rows["value"].mean())

    reference = mean_shortfall(base)
    rows = []
    for item in inputs:
        p5, p50, p95 = item.percentiles()
        low = mean_shortfall(
            montecarlo.run_ensemble(_fixed(scenario, item.path, p5), reps, **ensemble)
        )
        bar.update()
        high = mean_shortfall(
            montecarlo.run_ensemble(_fixed(scenario, item.path, p95), reps, **ensemble)
        )
        bar.update()
        rows.append(
            {
                "input": item.label,
                "p5": p5,
                "p50": p50,
                "p95": p95,
                "shortfall_at_p5": low,
                "shortfall_at_p95": high,
                "shortfall_as_declared": reference,
                "swing": abs(high - low),
                "market": market,
                "unit": unit,
                "replications": reps,
            }
        )
    bar.close()
    table = pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable")
    return table.reset_index(drop=True), market
