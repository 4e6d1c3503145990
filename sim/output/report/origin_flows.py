"""Two tables of the 'Embodied origin' section: re-exports (cross-border flows of material
whose origin at a stage is not the supplier's country, origin_flows.csv), with the share of
reviews in which each needed a licence under a content rule; and the share of units that the
scenario's eligibility rules count (`eligible_share` in summary.csv or metrics.csv)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sim.output.folder import Results, market_countries
from sim.output.labels import country_name, is_aggregate, mineral_label
from sim.output.origin import STAGE_VERBS, origin_name, share_from
from sim.output.report.document import Block, Table
from sim.output.report.exact import identical
from sim.output.report.formats import qty, share
from sim.vocabulary import ELIGIBLE_SHARE

MAX_REEXPORTS = 25
"""At most this many re-export rows; origin_flows.csv has them all."""


def content_rules(results: Results) -> list[str]:
    """The names of the scenario's content_licensing shocks."""
    return [
        str(s.get("name") or f"content_licensing#{i + 1}")
        for i, s in enumerate(results.scenario.get("shocks") or [])
        if s.get("type") == "content_licensing"
    ]


def reexport_blocks(results: Results, base: Results) -> list[Block]:
    """Flows that pass on material of a `share_from` country to a country with markets, the
    most of that origin first (`base`: the baseline of a comparison)."""
    flows = base.get("origin_flows")
    if flows is None or flows.empty:
        return []
    origins = share_from(results)
    buyers = {c for c in market_countries(results).values() if not is_aggregate(c)}
    rows = flows[
        flows["re_export"].astype(bool)
        & flows["origin_country"].isin(origins)
        & flows["buyer_country"].isin(buyers)
    ].sort_values("origin_t", ascending=False, kind="stable")
    names = " or ".join(country_name(c) for c in origins)
    rules = content_rules(results)
    title = f"Re-exports: material from {names} that third countries ship on"
    if rules:
        quoted = " and ".join(f"'{r}'" for r in rules)
        title += f"; a flow with reviews under licence needed a licence under {quoted}"
    if rows.empty:
        return [
            Block("h3", title),
            Block(
                "p",
                f"No cross-border flow into a country with markets carries material of "
                f"{names} that the supplier's country did not mine, refine or make.",
            ),
        ]
    table = [_reexport_row(row, bool(rules)) for row in rows.head(MAX_REEXPORTS).to_dict("records")]
    columns = [
        "supplier -> buyer",
        "mineral",
        "stage shipped",
        "origin inside",
        "shipped (t)",
        "of that origin (t)",
        "share",
    ]
    if rules:
        columns += ["reviews under licence", "shipped under licence (t)"]
    left = len(rows) - MAX_REEXPORTS
    mean = "Means across replications; " if results.info.replications > 1 else ""
    note = (
        f"{mean}t of contained mineral over the horizon. Origin inside: the stage at which the "
        "material was mined, refined or made in the origin country, which is not the "
        "supplier's. Share: of what the link shipped."
    )
    if rules:
        note += (
            " Reviews under licence: share of reviews in which what the link would ship reached "
            "the rule's threshold, so that it needed a licence; shipped under licence: t it "
            "shipped in those reviews."
        )
    note += (
        f" The {len(table)} flows with the most material of that origin; {left} more are in "
        "origin_flows.csv."
        if left > 0
        else f" All {len(table)} such flows, the most material of that origin first."
    )
    return [
        Block("h3", title),
        Block("table", table=Table(columns, table, numeric=set(range(4, len(columns))), note=note)),
    ]


def _reexport_row(row: dict[Hashable, Any], licensed: bool) -> list[str]:
    supplier = f"{row['supplier']} ({country_name(str(row['supplier_country']))})"
    buyer = f"{row['buyer']} ({country_name(str(row['buyer_country']))})"
    cells = [
        f"{supplier} -> {buyer}",
        mineral_label(str(row["mineral"])),
        str(row["stage"]),
        f"{STAGE_VERBS.get(str(row['origin_stage']), row['origin_stage'])} in "
        f"{origin_name(str(row['origin_country']))}",
        qty(float(row["shipped_t"])),
        qty(float(row["origin_t"])),
        share(float(row["share"])),
    ]
    if licensed:
        cells += [share(float(row["licensed_share"])), qty(float(row["licensed_t"]))]
    return cells


def eligibility_blocks(results: Results) -> list[Block]:
    """Per eligibility rule and market: the share of units it counts (mean, P5/P95 across
    replications for ensembles), and the rule in words."""
    frame, value = results.metric_values()
    if frame is None:
        return []
    rows = frame[frame["metric"] == ELIGIBLE_SHARE]
    if rows.empty:
        return []
    rules = {
        str(r.get("name")): r
        for r in (results.scenario.get("origin") or {}).get("eligibility") or []
    }
    bands = results.ensemble and results.info.replications > 1 and not identical(results)
    compared = "policy" in rows
    out = []
    for row in rows.to_dict("records"):
        rule = rules.get(str(row["shock"]), {})
        cells = [str(row["policy"])] if compared else []
        cells += [
            str(row["shock"]),
            _rule_text(rule, str(row["partner"])),
            f"{row['market']} ({country_name(str(row['country']))})",
            share(float(row[value])),
        ]
        if bands:
            cells += [share(float(row["p5"])), share(float(row["p95"]))]
        out.append(cells)
    columns = ["policy"] if compared else []
    columns += ["rule", "a unit counts while", "market", "units eligible"]
    if bands:
        columns += ["P5", "P95"]
    first = 3 + (1 if compared else 0)
    mean = "Mean across replications; " if results.info.replications > 1 else ""
    return [
        Block("h3", "Units that count under the eligibility rules"),
        Block(
            "table",
            table=Table(
                columns,
                out,
                numeric=set(range(first, len(columns))),
                note=f"{mean}share of the units the market built over the horizon whose "
                "components held at most the rule's share of the origin at the stages named "
                "(the largest share over those stages is compared), at the review they were "
                "built.",
            ),
        ),
    ]


def _rule_text(rule: dict[str, Any], partner: str) -> str:
    """'at most 10% of its content is mined or refined in China'."""
    if not rule:
        return f"content limit on {origin_name(partner)}"
    stages = [STAGE_VERBS.get(str(s), str(s)) for s in rule.get("origin_stages") or ["ore"]]
    minerals = [f"of its {mineral_label(str(m))}" for m in rule.get("minerals") or []]
    what = " and ".join(minerals) if minerals else "of each mineral it holds"
    limit = float(rule.get("max_share", 0.0))
    return f"at most {limit:.1%} {what} was {' or '.join(stages)} in {origin_name(partner)}"
