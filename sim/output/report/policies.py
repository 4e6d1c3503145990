"""What each policy does, its ranking by cost per tonne of shortfall avoided (USD), and
its effect on the markets under stress: paired differences from the baseline (policy -
baseline, negative is less shortfall) with 95% confidence intervals."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.output.focus import comparison_focus
from sim.output.folder import Results
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty, share, value_text


def policy_blocks(results: Results, policies: list[str]) -> list[Block]:
    """What each policy does, its ranking by cost per tonne avoided, and its effect on the
    markets that matter (paired differences from the baseline with 95% CIs)."""
    if not policies:
        return []
    blocks = [Block("h2", "Policies")]
    declared = {str(p.get("name")): p for p in results.scenario.get("policies") or []}
    rows = [
        [
            name,
            "; ".join(_lever(lever) for lever in declared.get(name, {}).get("levers") or []),
            " ".join(str(declared.get(name, {}).get("description") or "").split()),
        ]
        for name in policies
    ]
    blocks.append(Block("table", table=Table(["policy", "levers", "description"], rows)))
    ranking = results.get("ranking")
    if ranking is not None and not ranking.empty:
        records = ranking.to_dict("records")
        rows = [
            [
                str(int(r["rank"])),
                str(r["policy"]),
                str(r["levers"]),
                qty(float(r["cost_usd"])),
                qty(float(r["shortfall_avoided_t"])),
                qty(float(r["shortfall_avoided_units"])),
                qty(float(r["cost_per_t_avoided"])),
                qty(float(r["cost_per_unit_avoided"])),
            ]
            for r in records
        ]
        most = max(records, key=lambda r: float(r["shortfall_avoided_t"]))
        lines = [
            f"Cheapest per tonne of shortfall avoided: {records[0]['policy']} "
            f"({qty(float(records[0]['cost_per_t_avoided']))} USD/t). Most shortfall "
            f"avoided: {most['policy']} ({qty(float(most['shortfall_avoided_t']))} t)."
        ]
        lines += [
            f"{r['policy']}: {r['vs_best_part']}."
            for r in records
            if isinstance(r.get("vs_best_part"), str) and r["vs_best_part"]
        ]
        blocks += [
            Block("h3", "Ranking"),
            Block("p", " ".join(lines)),
            Block(
                "table",
                table=Table(
                    [
                        "rank",
                        "policy",
                        "levers",
                        "cost (USD)",
                        "shortfall avoided (t)",
                        "shortfall avoided (units)",
                        "USD per t avoided",
                        "USD per unit avoided",
                    ],
                    rows,
                    numeric={0, 3, 4, 5, 6, 7},
                    note="Means over the replications, each policy paired with the baseline on "
                    "the same replications. Tonnes avoided are counted in the minerals the policy "
                    "acts on; units avoided are summed over markets in their own units. 'inf': the "
                    "policy avoided nothing. Costs follow the scenario's lever assumptions.",
                ),
            ),
        ]
    comparison = results.get("comparison")
    focus = comparison_focus(results)
    if comparison is not None and not comparison.empty and focus:
        short = comparison[comparison["metric"] == "shortfall_units"]
        moved = [m for m in focus if (short.loc[short["market"] == m, "delta"].abs() > 0).any()]
        still = [m for m in focus if m not in moved]
        blocks.append(Block("h3", "Effect on the markets under stress"))
        if moved:
            blocks.append(Block("table", table=_effects(comparison, moved, policies)))
        if still:
            blocks.append(Block("p", f"No policy changes the shortfall of {', '.join(still)}."))
    return blocks


def _lever(lever: dict[str, Any]) -> str:
    keep = {
        k: v
        for k, v in lever.items()
        if k not in ("type", "node", "source") and v not in (None, [], {})
    }
    node = lever.get("node")
    if isinstance(node, dict):
        keep["node"] = node.get("name")
    return f"{lever.get('type', '?')} ({value_text(keep)})"


def _effects(comparison: pd.DataFrame, focus: list[str], policies: list[str]) -> Table:
    rows = []
    for market in focus:
        mine = comparison[comparison["market"] == market]
        for policy in policies:
            got = {str(r["metric"]): r for r in mine[mine["policy"] == policy].to_dict("records")}
            short = got.get("shortfall_units")
            if short is None:
                continue
            low, high = float(short["ci_low"]), float(short["ci_high"])
            interval = "-" if math.isnan(low) else f"{qty(low)} to {qty(high)}"
            fill = got.get("fill_rate", {}).get("variant_mean", math.nan)
            chance = got.get("any_shortfall", {}).get("variant_mean", math.nan)
            rows.append(
                [
                    market,
                    policy,
                    qty(float(short["baseline_mean"])),
                    qty(float(short["variant_mean"])),
                    qty(float(short["delta"])),
                    interval,
                    share(float(fill)),
                    share(float(chance)),
                ]
            )
    return Table(
        [
            "market",
            "policy",
            "shortfall, baseline",
            "shortfall, policy",
            "change",
            "95% CI of the change",
            "fill rate, policy",
            "P(shortfall), policy",
        ],
        rows,
        numeric={2, 3, 4, 6, 7},
        note="Cumulative shortfall in the market's unit, means over replications. "
        "Change: mean of (policy - baseline) over paired replications (common random "
        "numbers); negative is less shortfall.",
    )
