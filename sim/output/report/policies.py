"""What each policy does, its ranking by cost per tonne of shortfall avoided (USD, present
value; policies whose cost is not declared in full come after the others and are flagged "cost
not declared"), the cost assumptions (discount rate, annualised capital, reserves bought and
sold, premiums on moved volume), and its effect on the markets under stress: paired
differences from the baseline (policy - baseline, negative is less shortfall) with 95%
confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from sim.output.focus import comparison_focus
from sim.output.folder import Results, label_of, node_labels
from sim.output.report.document import Block, Table
from sim.output.report.exact import identical
from sim.output.report.formats import named, qty, share, value_text


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
                "yes" if _declared(r) else f"cost not declared ({r['cost_not_declared']})",
                qty(float(r["shortfall_avoided_t"])),
                qty(float(r["shortfall_avoided_units"])),
                qty(float(r["cost_per_t_avoided"])),
                qty(float(r["cost_per_unit_avoided"])),
            ]
            for r in records
        ]
        blocks += [
            Block("h3", "Ranking"),
            Block("p", " ".join(_ranking_sentences(records, ranked_by(results.provenance)))),
            Block(
                "table",
                table=Table(
                    [
                        "rank",
                        "policy",
                        "levers",
                        "cost (USD, present value)",
                        "cost declared",
                        "shortfall avoided (t)",
                        "shortfall avoided (units)",
                        "USD per t avoided",
                        "USD per unit avoided",
                    ],
                    rows,
                    numeric={0, 3, 5, 6, 7, 8},
                    note="Means over the replications, each policy paired with the baseline on "
                    "the same replications. Tonnes avoided are counted in the minerals the policy "
                    "acts on; units avoided are summed over markets in their own units. 'inf': the "
                    "policy avoided nothing. Costs follow the scenario's lever assumptions and "
                    "the conventions below; a policy whose cost is not declared in full is "
                    "ranked after those whose cost is (its cost counts only what is declared).",
                ),
            ),
            *cost_conventions(results),
        ]
    comparison = results.get("comparison")
    focus = comparison_focus(results)
    if comparison is not None and not comparison.empty and focus:
        short = comparison[comparison["metric"] == "shortfall_units"]
        moved = [m for m in focus if (short.loc[short["market"] == m, "delta"].abs() > 0).any()]
        still = [m for m in focus if m not in moved]
        blocks.append(Block("h3", "Effect on the markets under stress"))
        if moved:
            exact = identical(results)
            table = _effects(comparison, moved, policies, exact, node_labels(results))
            blocks.append(Block("table", table=table))
        if still:
            names = ", ".join(label_of(node_labels(results), m) for m in still)
            blocks.append(Block("p", f"No policy changes the shortfall of {names}."))
    return blocks


def _declared(record: Mapping[Any, Any]) -> bool:
    """Whether a ranking row's policy declares every cost (rankings written before the flag
    existed count as declared)."""
    return bool(record.get("cost_declared", True))


CRITERION_TEXT = {
    "cost_per_t_avoided": "cost per tonne of shortfall avoided (lowest first)",
    "shortfall_avoided_t": "shortfall avoided in tonnes (most first)",
    "cost_usd": "cost (lowest first)",
}
"""What each `--criterion` of `sim compare` / `sim run` ranks by, as the report says it."""


def ranked_by(provenance: Mapping[str, Any]) -> str:
    """The `--criterion` the ranking was made with, read from the command line recorded in
    the provenance (the default, cost per tonne avoided, when the command does not name one)."""
    command = [str(word) for word in provenance.get("command") or []]
    for i, word in enumerate(command):
        if word == "--criterion" and i + 1 < len(command):
            return command[i + 1]
        if word.startswith("--criterion="):
            return word.split("=", 1)[1]
    return "cost_per_t_avoided"


def _ranking_sentences(
    records: Sequence[Mapping[Any, Any]], criterion: str = "cost_per_t_avoided"
) -> list[str]:
    """What the ranking is by and which policy it puts first; the cheapest policy per tonne
    avoided among those whose cost is declared and that avoid some shortfall (a policy that
    avoids nothing costs 'inf' per tonne and is never named cheapest); the one that avoids
    most; those whose cost is not declared; and how each combination does."""
    lines = [
        f"Ranked by {CRITERION_TEXT.get(criterion, criterion)}: first is {records[0]['policy']}."
    ]
    declared = [r for r in records if _declared(r)]
    priced = [r for r in declared if math.isfinite(float(r["cost_per_t_avoided"]))]
    if priced:
        cheapest = min(priced, key=lambda r: float(r["cost_per_t_avoided"]))
        lines.append(
            f"Cheapest per tonne of shortfall avoided among the policies whose costs are "
            f"declared: {cheapest['policy']} ({qty(float(cheapest['cost_per_t_avoided']))} USD/t)."
        )
    elif declared:
        lines.append(
            "No policy whose costs are declared avoids any shortfall, so none is named cheapest "
            "per tonne avoided."
        )
    else:
        lines.append("No policy declares all its costs, so none is named cheapest.")
    most = max(records, key=lambda r: float(r["shortfall_avoided_t"]))
    if float(most["shortfall_avoided_t"]) > 0:
        lines.append(
            f"Most shortfall avoided: {most['policy']} "
            f"({qty(float(most['shortfall_avoided_t']))} t)."
        )
    else:
        lines.append("No policy avoids any shortfall in the minerals it acts on.")
    lines += [
        f"{r['policy']}: cost not declared ({r['cost_not_declared']}); ranked after the "
        "policies whose costs are declared."
        for r in records
        if not _declared(r)
    ]
    lines += [
        f"{r['policy']}: {r['vs_best_part']}."
        for r in records
        if isinstance(r.get("vs_best_part"), str) and r["vs_best_part"]
    ]
    return lines


def cost_conventions(results: Results) -> list[Block]:
    """The cost assumptions: the discount rate the costs were valued at and the conventions
    of `sim.scenario.costs` and the levers."""
    rate = (results.scenario.get("costs") or {}).get("discount_rate")
    start = results.scenario.get("start", "the scenario start")
    valued = (
        f"Costs are present values at the scenario start ({start}), in US dollars, at a real "
        f"discount rate of {float(rate):.1%} a year (`costs.discount_rate`; the default is the "
        "social time preference rate of HM Treasury's Green Book, 3.5%): a cost X paid t years "
        "after the start counts X / (1 + r)^t."
        if rate is not None
        else "The discount rate is not recorded in this folder (written before costs were "
        "discounted): its costs are undiscounted totals over the horizon."
    )
    items = [
        valued,
        "Capital (new capacity, recyclers): annualised over the asset's life at the discount "
        "rate (capital recovery factor) and charged for each year of service from the day the "
        "asset comes online, ramp-up included, to the horizon's end; the rest of its life is "
        "not charged to this horizon.",
        "Reserves: the initial fill and refills are bought, and releases sold to the country's "
        "buyers, at the declared purchase price; what the reserve still owns at the horizon's "
        "end is credited at it. Holding is storage, insurance and handling of the mean stock.",
        "Premiums (diversification, contracts): paid only on the tonnes a lever moved, above "
        "what the same suppliers shipped to the same buyers in the baseline run of the same "
        "replication.",
        "Refills, releases and premium tonnes are known as totals over the horizon and are "
        "spread over the review periods from the lever's start, each period paid at its end.",
    ]
    return [Block("h3", "Cost assumptions"), *(Block("p", item) for item in items)]


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


def _effects(
    comparison: pd.DataFrame,
    focus: list[str],
    policies: list[str],
    exact: bool = False,
    labels: dict[str, str] | None = None,
) -> Table:
    """The paired change in each market's shortfall per policy; `exact`: the replications are
    identical, so the change is exact and no (zero-width) interval is shown."""
    rows = []
    for market in focus:
        mine = comparison[comparison["market"] == market]
        for policy in policies:
            got = {str(r["metric"]): r for r in mine[mine["policy"] == policy].to_dict("records")}
            short = got.get("shortfall_units")
            if short is None:
                continue
            low, high = float(short["ci_low"]), float(short["ci_high"])
            interval = (
                "exact (identical replications)"
                if exact
                else "-"
                if math.isnan(low)
                else f"{qty(low)} to {qty(high)}"
            )
            fill = got.get("fill_rate", {}).get("variant_mean", math.nan)
            chance = got.get("any_shortfall", {}).get("variant_mean", math.nan)
            rows.append(
                [
                    named(labels or {}, market),
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
