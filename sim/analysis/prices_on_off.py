"""Prices on vs off: a scenario run as written and without its price mechanism, on the same
replications (common random numbers), side by side (`sim run FILE --prices compare`).

Switching prices off is running the scenario without its `prices:` block (`without_prices`):
the engine builds its price book only when the scenario prices a mineral (`spec.prices.any`),
and every response (demand destruction, substitution, restart, recycling collection) reads its
factors from that book, so with no `prices:` there is neither a price nor any response. Nothing
else changes: the same network, shocks, policies, seed and random streams (each stream is seeded
by replication and name, never by the price block), so the paired difference of a metric in
replication i is due to the price mechanism alone. Policy costs are each run's own
(`policy_cost_usd` per replication), so a lever cost that follows the simulated price differs
between the two sides, and any other cost only through what the lever did.

`prices_on_off.csv` (one row per policy and metric key, `PRICES_ON_OFF_COLUMNS`):

- `prices_on`, `prices_off`: the mean over the replications of the run with and without prices
  (for `first_shortfall_day`, the mean over the replications that fell short; inf: none did),
  in the metric's unit;
- `delta`, `ci_low`, `ci_high`, `pairs`: the mean of (on - off) over paired replications with
  its 95% t interval (`metrics.paired_delta`: a pair with one infinite side is left out, two
  count as no change, so a first-shortfall change is over the replications short in both runs
  or in neither); negative is less;
- `prices_on_date`, `prices_off_date`: for `first_shortfall_day`, that day as an ISO date.

Metrics: per market demand and shortfall in units, shortfall in t per mineral, fill rate, the
chance of any shortfall and the first shortfall day (DESIGN.md section 6); per policy (not the
baseline) its cost in USD.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import balance
from sim.analysis import frames as results
from sim.analysis.compare import Comparison, compare_policies
from sim.analysis.ensemble import Ensemble, Options, run_ensemble
from sim.analysis.metrics import paired_delta
from sim.engine import simulate as engine
from sim.engine.simulate import RunResult
from sim.scenario.loader import Scenario
from sim.scenario.prices import Prices
from sim.vocabulary import (
    ANY_SHORTFALL,
    DEMAND_UNITS,
    FILL_RATE,
    FIRST_SHORTFALL_DAY,
    METRIC_KEY,
    POLICY_COST_USD,
    SHORTFALL_T,
    SHORTFALL_UNITS,
)

BASELINE = "baseline"
"""The policy name of the scenario as written (no policy)."""
MARKET_METRICS = (
    DEMAND_UNITS,
    SHORTFALL_UNITS,
    SHORTFALL_T,
    FILL_RATE,
    ANY_SHORTFALL,
    FIRST_SHORTFALL_DAY,
)
"""Market metrics compared (demand too: demand destroyed by price is not shortfall)."""
PRICES_ON_OFF_COLUMNS = (
    "policy",
    "market",
    "country",
    "mineral",
    "metric",
    "unit",
    "prices_on",
    "prices_off",
    "delta",
    "ci_low",
    "ci_high",
    "pairs",
    "prices_on_date",
    "prices_off_date",
)
"""The columns of prices_on_off.csv."""
MODES = ("on", "off", "compare")
"""`--prices`: as written, without the price mechanism, or both side by side."""


def without_prices(scenario: Scenario) -> Scenario:
    """The scenario with no price and no response to price: its `prices:` block removed.
    Policy variants made from it (`sim.levers.apply`) keep it removed."""
    return dataclasses.replace(scenario, spec=scenario.spec.model_copy(update={"prices": Prices()}))


def prices_off(scenario: Scenario) -> Scenario:
    """`without_prices`, writing its results to `<name>-prices-off/` (`--prices off`), so that
    a run with prices off never replaces the results of the scenario as written."""
    spec = without_prices(scenario).spec
    named = spec.outputs.model_copy(update={"name": f"{spec.results_name}-prices-off"})
    return dataclasses.replace(scenario, spec=spec.model_copy(update={"outputs": named}))


Runs = RunResult | Ensemble | Comparison
"""What one side is: a single run, an ensemble, or a policy comparison."""


@dataclass
class OnOff:
    """The scenario with prices (`on`, as written) and without (`off`), the same replications."""

    scenario: Scenario
    on: Runs
    off: Runs
    table: pd.DataFrame
    """prices_on_off.csv (`PRICES_ON_OFF_COLUMNS`)."""
    baseline_run: RunResult | None = None
    """For a policy comparison of one replication: a single run of the baseline with prices
    (its flows per link for the network charts)."""

    @property
    def reps(self) -> int:
        on = self.on
        if isinstance(on, RunResult):
            return len(on.reps)
        return on.baseline.reps if isinstance(on, Comparison) else on.reps


def run_on_off(
    scenario: Scenario,
    reps: int,
    *,
    criterion: str = "cost_per_t_avoided",
    check_balance: bool = True,
    **run: Any,
) -> OnOff:
    """Run `scenario` with and without its prices on replications 0..reps-1 and compare.

    A scenario with policies is compared policy by policy (`compare_policies` on each side,
    ranked by `criterion`); one replication without policies (and no scheduler) is a single
    run on each side, like `sim run`; otherwise an ensemble on each side. `run` goes to
    `run_ensemble` (workers, batch_size, scheduler, progress). Raises `ValueError` if the
    scenario prices nothing (there would be nothing to switch off), and
    `balance.MassBalanceError` if a run does not close its mass balance (with `check_balance`).
    """
    refused = refusal(scenario)
    if refused is not None:
        raise ValueError(f"scenario {scenario.spec.name}: {refused}")
    off = without_prices(scenario)
    start = scenario.spec.start
    if scenario.spec.policies:
        options = Options(check_balance=check_balance)
        on_c = compare_policies(scenario, reps, criterion=criterion, options=options, **run)
        off_c = compare_policies(off, reps, criterion=criterion, options=options, **run)
        table = on_off_table(_policy_runs(on_c), _policy_runs(off_c), start)
        single = engine.run(scenario) if reps == 1 else None
        return OnOff(scenario, on_c, off_c, table, single)
    if reps == 1 and run.get("scheduler") is None:
        on_r, off_r = engine.run(scenario), engine.run(off)
        if check_balance:
            for result in (on_r, off_r):
                balance.check(results.balance(result))
        table = on_off_table(
            {BASELINE: results.run_metrics(on_r).tidy()},
            {BASELINE: results.run_metrics(off_r).tidy()},
            start,
        )
        return OnOff(scenario, on_r, off_r, table)
    options = Options(check_balance=check_balance)
    on_e = run_ensemble(scenario, reps, options=options, **run)
    off_e = run_ensemble(off, reps, options=options, **run)
    table = on_off_table({BASELINE: on_e.runs}, {BASELINE: off_e.runs}, start)
    return OnOff(scenario, on_e, off_e, table)


def refusal(scenario: Scenario) -> str | None:
    """Why the scenario cannot be run with prices on and off (None: it can)."""
    if scenario.spec.prices.any:
        return None
    return (
        "it prices no mineral (no `prices:` block with `commodities`), so prices on and off "
        "would be the same run; add a `prices:` block or run without --prices"
    )


def _policy_runs(comparison: Comparison) -> dict[str, pd.DataFrame]:
    return {
        BASELINE: comparison.baseline.runs,
        **{name: e.runs for name, e in comparison.policies.items()},
    }


def on_off_table(
    on: Mapping[str, pd.DataFrame], off: Mapping[str, pd.DataFrame], start: dt.date
) -> pd.DataFrame:
    """prices_on_off.csv from the tidy per-replication metrics (`rep`, METRIC_KEY, `value`) of
    each policy with prices (`on`) and without (`off`); `start` dates the first shortfall."""
    rows: list[dict[str, Any]] = []
    key = list(METRIC_KEY)
    for policy, on_runs in on.items():
        wanted = [_compared(frame) for frame in (on_runs, off[policy])]
        joined = wanted[0].merge(wanted[1], on=[*key, "rep"], suffixes=("_on", "_off"))
        for values, group in joined.groupby(key, sort=False, observed=True):
            where = dict(zip(key, (str(v) for v in values), strict=True))
            metric = where["metric"]
            on_v = group["value_on"].to_numpy(dtype=float)
            off_v = group["value_off"].to_numpy(dtype=float)
            delta = paired_delta(on_v, off_v)
            first = metric == FIRST_SHORTFALL_DAY
            on_mean, off_mean = (_first_day(v) if first else float(v.mean()) for v in (on_v, off_v))
            rows.append(
                {
                    "policy": policy,
                    **{k: where[k] for k in ("market", "country", "mineral", "metric", "unit")},
                    "prices_on": on_mean,
                    "prices_off": off_mean,
                    **delta,
                    "prices_on_date": _date(start, on_mean) if first else "",
                    "prices_off_date": _date(start, off_mean) if first else "",
                }
            )
    return pd.DataFrame(rows, columns=list(PRICES_ON_OFF_COLUMNS))


def _compared(runs: pd.DataFrame) -> pd.DataFrame:
    market = (runs["market"] != "") & runs["metric"].isin(MARKET_METRICS)
    return runs[market | (runs["metric"] == POLICY_COST_USD)]


def _first_day(days: np.ndarray) -> float:
    """Mean first shortfall day over the replications that fell short (inf: none did)."""
    short = days[np.isfinite(days)]
    return float(short.mean()) if short.size else math.inf


def _date(start: dt.date, day: float) -> str:
    return "" if not math.isfinite(day) else (start + dt.timedelta(days=int(day))).isoformat()


def text(result: OnOff) -> str:
    """The side-by-side table the command line prints: per policy, the markets that fall short
    with prices on or off; then each policy's cost."""
    spec, table = result.scenario.spec, result.table
    priced = [c.mineral for c in spec.prices.commodities]
    reps = result.reps
    lines = [
        f"scenario {spec.name}: prices on vs off, {reps} replication(s) each on the same draws, "
        f"seed {spec.seed}; change = on - off (mean over paired replications, 95% CI)",
        "",
    ]
    shown = short_markets(table, priced)
    if shown.empty:
        lines.append("no market falls short with prices on or off")
    else:
        lines.append(
            pd.DataFrame(
                {
                    "policy": shown["policy"],
                    "market": shown["market"],
                    "shortfall off": shown["off"].map("{:,.0f}".format) + " " + shown["unit"],
                    "on": shown["on"].map("{:,.0f}".format),
                    "change": [_change(r) for r in shown.to_dict("records")],
                    "fill off": shown["fill_off"].map("{:.1%}".format),
                    "fill on": shown["fill_on"].map("{:.1%}".format),
                    "first short off": shown["first_off"].map(_or_dash),
                    "first short on": shown["first_on"].map(_or_dash),
                    f"{'+'.join(priced)} t off": shown["t_off"].map("{:,.0f}".format),
                    f"{'+'.join(priced)} t on": shown["t_on"].map("{:,.0f}".format),
                }
            ).to_string(index=False)
        )
    costs = table[table["metric"] == POLICY_COST_USD]
    if not costs.empty:
        lines += ["", "policy cost, USD over the horizon (prices off -> on, change [95% CI]):"]
        lines += [
            f"  {r['policy']!s:<28} {r['prices_off']:>16,.0f} -> {r['prices_on']:>16,.0f}  "
            f"{_change({'delta': r['delta'], 'ci_low': r['ci_low'], 'ci_high': r['ci_high']})}"
            for r in costs.to_dict("records")
        ]
    return "\n".join(lines)


def short_markets(table: pd.DataFrame, minerals: list[str] | None = None) -> pd.DataFrame:
    """One row per policy and market that falls short with prices on or off: shortfall in
    units off and on with the paired change, fill rate, first shortfall date and shortfall in t
    of `minerals` (default: every mineral the market uses), off and on."""
    if table.empty:
        return pd.DataFrame()

    def metric(name: str) -> pd.DataFrame:
        return table[table["metric"] == name].set_index(["policy", "market"])

    units = metric(SHORTFALL_UNITS)
    units = units[(units["prices_on"] > 0) | (units["prices_off"] > 0)]
    if units.empty:
        return pd.DataFrame()
    fill, first = metric(FILL_RATE), metric(FIRST_SHORTFALL_DAY)
    tonnes = table[table["metric"] == SHORTFALL_T]
    if minerals is not None:
        tonnes = tonnes[tonnes["mineral"].isin(minerals)]
    t = tonnes.groupby(["policy", "market"], sort=False)[["prices_on", "prices_off"]].sum()
    index = units.index
    frame = pd.DataFrame(
        {
            "unit": units["unit"],
            "off": units["prices_off"],
            "on": units["prices_on"],
            "delta": units["delta"],
            "ci_low": units["ci_low"],
            "ci_high": units["ci_high"],
            "fill_off": fill["prices_off"].reindex(index),
            "fill_on": fill["prices_on"].reindex(index),
            "first_off": first["prices_off_date"].reindex(index),
            "first_on": first["prices_on_date"].reindex(index),
            "t_off": t["prices_off"].reindex(index).fillna(0.0),
            "t_on": t["prices_on"].reindex(index).fillna(0.0),
        },
        index=index,
    )
    return frame.reset_index()


def _change(row: Mapping[Any, Any]) -> str:
    delta, low, high = (float(row[k]) for k in ("delta", "ci_low", "ci_high"))
    if math.isnan(delta):
        return "-"
    interval = "" if math.isnan(low) else f" [{low:+,.0f}, {high:+,.0f}]"
    return f"{delta:+,.0f}{interval}"


def _or_dash(value: Any) -> str:
    return str(value) if isinstance(value, str) and value else "-"
