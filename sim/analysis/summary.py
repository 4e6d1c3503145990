"""The short text summaries the command line prints: of a run (per market and per mineral), an
ensemble, a policy comparison, a stress test and a sensitivity run."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from sim.analysis.compare import Comparison
from sim.analysis.ensemble import Ensemble
from sim.analysis.metrics import recycling_totals
from sim.engine.simulate import RunResult
from sim.vocabulary import (
    ANY_SHORTFALL,
    DELIVERED_UNITS,
    DEMAND_UNITS,
    EXACT_NOTE,
    FILL_RATE,
    IDENTICAL_NOTE,
    NOISE_NOTE,
    SHORTFALL_UNITS,
    TTR_DAYS,
    TTS_DAYS,
    identical_replications,
)


def text(result: RunResult, markets: pd.DataFrame, balance: pd.DataFrame) -> str:
    spec = result.scenario.spec
    end = spec.start + dt.timedelta(days=spec.horizon_days)
    lines = [
        f"scenario {spec.name}: {spec.start} to {end} ({spec.horizon_days} days, "
        f"review every {spec.step_days} days), seed {spec.seed}, "
        f"{len(result.scenario.shocks)} shock(s)",
        "",
    ]
    first = markets[markets["rep"] == 0]
    table = pd.DataFrame(
        {
            "market": first["market"],
            "demand": first[DEMAND_UNITS].map("{:,.0f}".format) + " " + first["unit"],
            "delivered": first[DELIVERED_UNITS].map("{:,.0f}".format),
            "shortfall": first[SHORTFALL_UNITS].map("{:,.0f}".format),
            "fill rate": first[FILL_RATE].map("{:.1%}".format),
            "first shortfall": first["first_shortfall_date"].map(
                lambda d: "-" if d is None or pd.isna(d) else str(d)
            ),
        }
    )
    lines.append(table.to_string(index=False))
    lines.append("")
    mass = balance[balance["rep"] == 0]
    lines.append(
        pd.DataFrame(
            {
                "mineral": mass["mineral"],
                "mined t": mass["mined_t"].map("{:,.1f}".format),
                "losses t": mass["process_losses_t"].map("{:,.1f}".format),
                "uncollected EOL t": mass["uncollected_eol_t"].map("{:,.1f}".format),
                "stock change t": (mass["final_stock_t"] - mass["initial_stock_t"]).map(
                    "{:+,.1f}".format
                ),
                "balance residual": mass["relative_residual"].map("{:.1e}".format),
            }
        ).to_string(index=False)
    )
    recycling = recycling_totals(result)
    if recycling:
        lines += ["", "scrap at recyclers over the horizon (t; left: in their stock at the end):"]
        table = pd.DataFrame(
            [
                {
                    "country": country,
                    "mineral": mineral,
                    "collected t": f"{values[0][0]:,.1f}",
                    "recycled t": f"{values[1][0]:,.1f}",
                    "left t": f"{values[2][0]:,.1f}",
                }
                for (country, mineral), values in recycling.items()
            ]
        )
        lines.append(table.to_string(index=False))
    return "\n".join(lines)


def ensemble_text(ensemble: Ensemble) -> str:
    """Per market: the odds and the tail of shortfall; per shock: time to survive and recover."""
    spec, summary = ensemble.scenario.spec, ensemble.summary
    lines = [
        f"scenario {spec.name}: {ensemble.reps} replications, {spec.horizon_days} days, "
        f"seed {spec.seed}, {len(spec.shocks)} shock(s)",
        "",
    ]

    def pick(metric: str) -> pd.DataFrame:
        return summary[summary["metric"] == metric].set_index("market")

    fill, short, anyshort = pick(FILL_RATE), pick(SHORTFALL_UNITS), pick(ANY_SHORTFALL)
    table = pd.DataFrame(
        {
            "fill rate (mean)": fill["mean"].map("{:.1%}".format),
            "P(shortfall)": anyshort["mean"].map("{:.0%}".format),
            "shortfall mean": short["mean"].map("{:,.0f}".format),
            "P95": short["p95"].map("{:,.0f}".format),
            "CVaR95": short["cvar95"].map("{:,.0f}".format),
            "unit": short["unit"],
        }
    )
    order = (
        (anyshort["mean"] + short["mean"].rank(pct=True) / 10)
        .sort_values(ascending=False, kind="stable")
        .index
    )  # markets that fall short first
    lines.append(table.loc[order].to_string())
    timing = summary[summary["metric"].isin([TTS_DAYS, TTR_DAYS])]
    if not timing.empty:
        wide = timing.pivot_table(
            index=["market", "shock"],
            columns="metric",
            values="p50",
            aggfunc="first",
            observed=True,
        )
        hit = wide[np.isfinite(wide.get(TTS_DAYS, pd.Series(dtype=float)))]
        lines += [
            "",
            "median days from each shock's onset (markets that fall short in at "
            "least half the replications; inf: not within the horizon):",
        ]
        lines.append(
            hit.rename(
                columns={TTS_DAYS: "time to survive", TTR_DAYS: "time to recover"}
            ).to_string()
            if not hit.empty
            else "  none"
        )
    worst = ensemble.balance["worst_relative_residual"].max() if len(ensemble.balance) else 0.0
    lines += ["", f"worst mass-balance residual over all replications: {worst:.1e}"]
    if ensemble.exact:
        lines += ["", f"note: {EXACT_NOTE.format(requested=f'{ensemble.requested:,}')}"]
    elif identical_replications(ensemble.runs):
        lines += ["", f"note: {IDENTICAL_NOTE.format(reps=ensemble.reps)}"]
    return "\n".join(lines)


def replications_text(ensemble: Ensemble) -> str:
    """'1,000 replications', or '1 replication (exact: no random inputs; 1,000 asked for)'."""
    if ensemble.exact:
        return f"1 replication (exact: no random inputs; {ensemble.requested:,} asked for)"
    return f"{ensemble.reps:,} replication" + ("s" if ensemble.reps != 1 else "")


def comparison_text(comparison: Comparison) -> str:
    """The ranking, and per policy and market the paired change in shortfall."""
    spec = comparison.baseline.scenario.spec
    lines = [
        f"scenario {spec.name}: baseline and {len(comparison.policies)} policies, "
        f"{comparison.baseline.reps} replication(s) each on the same draws, seed "
        f"{spec.seed}",
        "",
    ]
    ranking = comparison.ranking
    if not ranking.empty:
        shown = pd.DataFrame(
            {
                "rank": ranking["rank"],
                "policy": ranking["policy"],
                "levers": ranking["levers"],
                "cost USD": [
                    f"{cost:,.0f}" + ("" if declared else " (cost not declared)")
                    for cost, declared in zip(
                        ranking["cost_usd"], ranking["cost_declared"], strict=True
                    )
                ],
                "shortfall avoided t": ranking["shortfall_avoided_t"].map("{:,.1f}".format)
                + " "
                + ranking["minerals"],
                "USD per t avoided": ranking["cost_per_t_avoided"].map(
                    lambda c: "- (avoids nothing)" if np.isinf(c) else f"{c:,.0f}"
                ),
            }
        )
        lines.append(shown.to_string(index=False))
        notes = [
            f"  {p}: {v}"
            for p, v in zip(ranking["policy"], ranking["vs_best_part"], strict=True)
            if v
        ]
        if notes:
            lines += ["", "combinations:", *notes]
    table = comparison.table
    short = table[(table["metric"] == SHORTFALL_UNITS) & (table["baseline_mean"] > 0)]
    identical = comparison.baseline.exact or all(
        identical_replications(e.runs) for e in (comparison.baseline, *comparison.policies.values())
    )
    if not short.empty:
        lines += [
            "",
            "change in shortfall (policy - baseline, units"
            + ("" if identical else "; 95% CI")
            + ") where the baseline falls short:",
        ]
        for policy, market, delta, low, high in zip(
            short["policy"],
            short["market"],
            short["delta"].astype(float),
            short["ci_low"].astype(float),
            short["ci_high"].astype(float),
            strict=True,
        ):
            interval = "" if identical or math.isnan(low) else f" [{low:,.0f}, {high:,.0f}]"
            lines.append(f"  {policy!s:<24} {market!s:<18} {delta:>+14,.0f}{interval}")
    if comparison.baseline.exact:
        requested = f"{comparison.baseline.requested:,}"
        lines += ["", f"note: {EXACT_NOTE.format(requested=requested)}"]
    elif identical:
        lines += ["", f"note: {IDENTICAL_NOTE.format(reps=comparison.baseline.reps)}"]
    return "\n".join(lines)


STRESS_SHOWN = [
    "rank",
    "target",
    "kind",
    TTR_DAYS,
    TTS_DAYS,
    "lost_demand",
    "risk_exposure_index",
    "exposed",
    "hardest_hit_market",
]
"""The columns of the stress ranking shown in the terminal (stress.csv has them all)."""


def stress_text(table: pd.DataFrame, scenario: str, start_day: float, top: int) -> str:
    """The `top` rows of a stress-test ranking (`stress.run`); time to survive in whole days,
    or 'never'."""
    shown = table.head(top).copy()
    shown[TTS_DAYS] = shown[TTS_DAYS].map(lambda d: "never" if np.isinf(d) else f"{d:.0f}")
    heading = (
        f"stress test of {scenario}: {len(table)} targets, cut from day {start_day:g} for "
        "their time to recover\n"
    )
    body = shown[STRESS_SHOWN].to_string(index=False, float_format=lambda v: f"{v:.3f}")
    return f"{heading}\n{body}"


def sensitivity_text(table: pd.DataFrame, market: str, reps: int, noise: bool = False) -> str:
    """The tornado table of a sensitivity run (`sensitivity.run`), largest swing first;
    `noise`: the scenario has demand noise, which is not varied (`NOISE_NOTE` says why)."""
    heading = (
        f"sensitivity of {market}'s mean cumulative shortfall ({reps} replications per "
        "variant, same draws):\n"
    )
    columns = ["input", "p5", "p95", "shortfall_at_p5", "shortfall_at_p95", "swing"]
    body = table[columns].to_string(index=False, float_format=lambda v: f"{v:,.3g}")
    return f"{heading}\n{body}" + (f"\n\nnote: {NOISE_NOTE}" if noise else "")
