"""Global sensitivity (Morris screening, Sobol indices) of cumulative shortfall to a scenario's
uncertain inputs, with SALib.

The inputs are those of the one-at-a-time tornado (`sensitivity.uncertain_inputs`: shock numbers
drawn per replication and the `uncertainty:` rules). Each input is a factor on the quantile
scale: a sample value u in [0, 1] fixes the input at its quantile P(0.5% + 99% u) of its declared
distribution (estimated from a fixed-seed sample; the 0.5% trims keep the unbounded tails of a
normal or lognormal from dominating). Every sample point is one ensemble of the same
replications (common random numbers: replication i draws the same outages, transit times and
noise at every point), and its output is the mean cumulative shortfall (product units) of the
market the tornado measures. Demand noise (a factor drawn afresh every review) is varied as
noise, not fixed at a level: each `uncertainty.demand` rule adds one factor, its `scale` (the
spread around normal demand), from 0 (no noise) to `NOISE_SCALE_MAX` times the declared spread
(ASSUMPTION: a range wide enough to show whether noise matters at all), linear in u.

Sobol (Saltelli sampling, no second-order terms): N (k + 2) evaluations for k inputs; first-order
S1 and total ST indices. Morris (elementary effects, 4 levels): N (k + 1) evaluations; mu* (mean
absolute effect, in the output's unit per unit of quantile scale) and sigma. Every index comes
with SALib's bootstrap 95% confidence half-width (`conf`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import ensemble as montecarlo
from sim.analysis.sensitivity import QUANTILE_DRAWS, Input, fixed_all, uncertain_inputs
from sim.scenario.loader import Scenario, ScenarioSpec
from sim.vocabulary import SHORTFALL_UNITS

METHODS = ("morris", "sobol")
DEFAULT_SAMPLES = {"sobol": 64, "morris": 10}
"""Base sample size N per method (Sobol wants a power of two)."""
MORRIS_LEVELS = 4
TRIM = 0.005
"""Quantile-scale factor u maps to the input's quantile TRIM + (1 - 2 TRIM) u."""
Model = Callable[[np.ndarray], np.ndarray]
"""Sample points (n, k) -> one output per point (n,)."""
NOISE_SCALE_MAX = 2.0
"""Largest noise scale a global study tries (u = 1): twice the declared spread (ASSUMPTION)."""


def noise_scales(spec: ScenarioSpec) -> list[tuple[str, tuple[str | int, ...]]]:
    """One factor per demand-noise rule: its label and the path of its `scale`."""
    return [
        (f"demand[{i}]: noise scale", ("uncertainty", "demand", i, "scale"))
        for i in range(len(spec.uncertainty.demand))
    ]


def factor_count(spec: ScenarioSpec) -> int:
    """How many factors a global study of the scenario varies (inputs and noise scales)."""
    return len(uncertain_inputs(spec)) + len(noise_scales(spec))


@dataclasses.dataclass(frozen=True)
class Factors:
    """What SALib varies: names and bounds (a SALib `problem`)."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    def problem(self) -> dict[str, Any]:
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }


def evaluations(method: str, samples: int, factors: int) -> int:
    """Model evaluations a run costs: N (k + 2) for Sobol, N (k + 1) for Morris."""
    return samples * (factors + 2) if method == "sobol" else samples * (factors + 1)


def indices(
    factors: Factors,
    model: Model,
    method: str,
    samples: int,
    seed: int = 0,
) -> pd.DataFrame:
    """Global indices of `model` over `factors` (the code path `run` uses for a scenario).

    One row per factor and index: `input`, `index` (S1, ST for Sobol; mu_star, sigma for Morris),
    `value`, `conf` (half-width of SALib's 95% bootstrap interval; NaN for Morris sigma).
    Seeded: the same arguments give the same table.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method not in METHODS:
        raise ValueError(f"unknown method '{method}'; one of {', '.join(METHODS)}")
    problem = factors.problem()
    if method == "sobol":
        x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
        y = np.asarray(model(x), dtype=float)
        found = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        columns = (("S1", "S1_conf"), ("ST", "ST_conf"))
    else:
        x = morris_sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
        y = np.asarray(model(x), dtype=float)
        found = morris_analyze.analyze(problem, x, y, num_levels=MORRIS_LEVELS, seed=seed)
        columns = (("mu_star", "mu_star_conf"), ("sigma", ""))
    rows = [
        {
            "input": name,
            "index": index,
            "value": float(found[index][i]),
            "conf": float(found[conf][i]) if conf else float("nan"),
        }
        for index, conf in columns
        for i, name in enumerate(factors.names)
    ]
    return pd.DataFrame(rows).assign(method=method, samples=samples, evaluations=len(y))


def quantile_table(inputs: list[Input]) -> np.ndarray:
    """Per input, its sorted fixed-seed sample (inputs, QUANTILE_DRAWS), to read quantiles from."""
    rng = np.random.default_rng
    return np.stack([np.sort(item.distribution.draw(rng(0), QUANTILE_DRAWS)) for item in inputs])


def at_quantiles(sorted_draws: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Input values (n, k) at quantile-scale points u (n, k) (`TRIM` at both ends)."""
    levels = TRIM + (1.0 - 2.0 * TRIM) * np.clip(u, 0.0, 1.0)
    return np.stack(
        [np.quantile(sorted_draws[j], levels[:, j]) for j in range(sorted_draws.shape[0])], axis=1
    )


def mean_shortfall(scenario: Scenario, reps: int, market: str) -> float:
    """Mean cumulative shortfall (product units) of `market` over replications 0..reps-1, in
    process (one batch)."""
    options = montecarlo.Options(check_balance=False, band_reps=0)
    table = montecarlo.run_batch(scenario, range(reps), options).metrics
    keys = table.keys
    row = np.flatnonzero((keys["metric"] == SHORTFALL_UNITS) & (keys["market"] == market))
    return float(table.values[row[0]].mean())


def run(
    scenario: Scenario,
    method: str,
    samples: int,
    reps: int = 20,
    market: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, str]:
    """The indices table of `method` for the scenario's uncertain inputs, and the market it
    measures (default: the one falling shortest as declared, as in the tornado)."""
    inputs = uncertain_inputs(scenario.spec)
    noise = noise_scales(scenario.spec)
    if not inputs and not noise:
        raise ValueError(
            "the scenario declares no distributions (shock numbers or `uncertainty:` rules) to vary"
        )
    options = montecarlo.Options(check_balance=False, band_reps=0)
    declared = montecarlo.run_batch(scenario, range(reps), options).metrics.tidy()
    short = declared[declared["metric"] == SHORTFALL_UNITS]
    if market is None:
        means = short.groupby("market", sort=False)["value"].mean()
        market = str(means.sort_values(ascending=False, kind="stable").index[0])
    unit = str(short.loc[short["market"] == market, "unit"].iloc[0])
    k = len(inputs)
    draws = quantile_table(inputs) if inputs else np.empty((0, QUANTILE_DRAWS))
    paths = [item.path for item in inputs]
    noise_paths = [path for _, path in noise]

    def model(u: np.ndarray) -> np.ndarray:
        values = at_quantiles(draws, u[:, :k]) if k else np.empty((len(u), 0))
        scales = NOISE_SCALE_MAX * np.clip(u[:, k:], 0.0, 1.0)
        out = np.empty(len(u))
        for n in range(len(u)):
            fixed = fixed_all(
                scenario,
                dict(zip(paths, map(float, values[n]), strict=True)),
                dict(zip(noise_paths, map(float, scales[n]), strict=True)),
            )
            out[n] = mean_shortfall(fixed, reps, market)
            if progress is not None:
                progress(n + 1, len(u))
        return out

    labels = (*(item.label for item in inputs), *(label for label, _ in noise))
    factors = Factors(labels, ((0.0, 1.0),) * len(labels))
    table = indices(factors, model, method, samples, seed=scenario.spec.seed % 2**32)
    p5 = {item.label: item.percentiles() for item in inputs}
    p5 |= {label: (0.05 * NOISE_SCALE_MAX, 1.0, 0.95 * NOISE_SCALE_MAX) for label, _ in noise}
    table.insert(1, "p5", [p5[name][0] for name in table["input"]])
    table.insert(2, "p95", [p5[name][2] for name in table["input"]])
    return table.assign(market=market, unit=unit, replications=reps), market
