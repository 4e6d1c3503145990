"""The 'Embodied origin' section: what the material inside each country's products is made of,
by country of mining, refining and component making (origin.csv), before, during and after the
shocks; which cross-border flows pass on another country's material (origin_flows.csv, with
the share of reviews they needed a licence under a content rule); and the share of units that
eligibility rules count (summary.csv or metrics.csv, `eligible_share`). Nothing when the run
does not track origin.

Every share is that of the countries named in the scenario's `metrics.share_from` (default
China). Semantics of origin (well mixed per node, steady state at the start):
`sim/scenario/origin.py`; the aggregates read here: `sim/output/origin.py`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import cast

import pandas as pd

from sim.output.folder import BASELINE, Results
from sim.output.labels import country_name, is_aggregate, mineral_label
from sim.output.origin import (
    ORIGIN_STAGES,
    STAGE_VERBS,
    WHOLE_RUN,
    Window,
    in_period,
    mass_weighted,
    origin_name,
    periods,
    share_from,
    shock_window,
    tag_share,
)
from sim.output.report.document import Block, Table
from sim.output.report.exact import identical
from sim.output.report.formats import share
from sim.output.report.origin_flows import eligibility_blocks, reexport_blocks

PAIR = ["market", "mineral"]
CHANGED = 0.0005
"""A policy changes a share when it moves it by at least this much (0.05 percentage points)."""
MAX_CHANGES_PER_POLICY = 5
"""At most this many rows per policy in the table of what the policies change."""


def origin_blocks(results: Results) -> list[Block]:
    """The section, or nothing when the folder has no origin.csv."""
    origin = results.get("origin")
    if origin is None or origin.empty:
        return []
    base = results.for_policy(BASELINE) if results.policies else results
    rows = base.get("origin")
    if rows is None or rows.empty:
        return []
    rows = rows[~rows["country"].map(is_aggregate)]
    window = shock_window(results)
    spans = periods(window, float(results.info.horizon_days or rows["day"].max() + 1))
    content = _content(rows, spans, share_from(results))
    blocks = [Block("h2", "Embodied origin"), Block("p", _finding(results, content, window))]
    blocks.append(Block("p", _assumptions(results, rows)))
    if not content.empty:
        blocks += [
            Block("h3", _content_title(share_from(results))),
            Block("table", table=_content_table(results, rows, content, spans, window)),
        ]
    if results.policies and window is not None:
        blocks += _policy_blocks(results, origin, spans)
    blocks += reexport_blocks(results, base)
    blocks += eligibility_blocks(results)
    return blocks


# --- shares per market, mineral, origin and period ---------------------------------------------


def _content(
    rows: pd.DataFrame, spans: Sequence[tuple[str, float, float]], origins: Sequence[str]
) -> pd.DataFrame:
    """Per (market, mineral), origin country in `origins`, stage and period: the mass-weighted
    share. Columns market, country, mineral, origin, stage, period, share."""
    country = rows.drop_duplicates("market").set_index("market")["country"]
    out = []
    for name, first, end in spans:
        shares = mass_weighted(in_period(rows, first, end), PAIR)
        if shares.empty:
            continue
        for origin in origins:
            for stage in ORIGIN_STAGES:
                found = tag_share(shares, PAIR, origin, stage)
                for key, value in found.items():
                    market, mineral = _pair(key)
                    out.append((market, country[market], mineral, origin, stage, name, value))
    columns = ["market", "country", "mineral", "origin", "stage", "period", "share"]
    return pd.DataFrame(out, columns=columns)


def _order(content: pd.DataFrame, origins: Sequence[str]) -> list[tuple[str, str, str]]:
    """(market, mineral, origin) rows: countries outside `origins` first (in the order their
    markets come), then the origin countries' own markets."""
    triples = zip(content["market"], content["mineral"], content["origin"], strict=True)
    keys = list(dict.fromkeys(triples))
    country = dict(zip(content["market"], content["country"], strict=True))
    countries = list(dict.fromkeys(country[m] for m, _, _ in keys))
    rank = {c: (c in origins, i) for i, c in enumerate(countries)}
    return sorted(keys, key=lambda k: rank[country[k[0]]])


def _content_title(origins: Sequence[str]) -> str:
    names = " or ".join(country_name(c) for c in origins)
    return f"Origin inside each country's products: the share mined, refined and made in {names}"


def _content_table(
    results: Results,
    rows: pd.DataFrame,
    content: pd.DataFrame,
    spans: Sequence[tuple[str, float, float]],
    window: Window | None,
) -> Table:
    origins = share_from(results)
    names = [name for name, _, _ in spans if name in set(content["period"])]
    bands = _during_bands(results, rows, spans)
    value = content.set_index(["market", "mineral", "origin", "stage", "period"])["share"]
    several = len(origins) > 1
    out = []
    for market, mineral, origin in _order(content, origins):
        country = str(content.loc[content["market"] == market, "country"].iloc[0])
        cells = [country_name(country), market, mineral_label(mineral)]
        if several:
            cells.append(country_name(origin))
        for stage in ORIGIN_STAGES:
            for name in names:
                found = value.get((market, mineral, origin, stage, name), math.nan)
                cell = share(float(found))
                band = bands.get((market, mineral, origin, stage))
                if name == "during" and band is not None:
                    cell += f" ({share(band[0])} to {share(band[1])})"
                cells.append(cell)
        out.append(cells)
    columns = ["country", "market", "mineral", *(["from"] if several else [])]
    columns += [f"{STAGE_VERBS[s]} {n}" for s in ORIGIN_STAGES for n in names]
    first = 4 if several else 3
    return Table(
        columns,
        out,
        numeric=set(range(first, len(columns))),
        note=_content_note(results, rows, spans, window, banded=bool(bands)),
    )


def _during_bands(
    results: Results, rows: pd.DataFrame, spans: Sequence[tuple[str, float, float]]
) -> dict[tuple[str, str, str, str], tuple[float, float]]:
    """P5 and P95 across replications of the share during the shocks, per (market, mineral,
    origin, stage), when that period is one time bucket (a mean over several buckets has no
    quantile that the buckets' quantiles give); {} otherwise or for exact replications."""
    during = [s for s in spans if s[0] == "during"]
    if not during or results.info.replications < 2 or identical(results):
        return {}
    inside = in_period(rows, during[0][1], during[0][2])
    if inside["bucket"].nunique() != 1:
        return {}
    out: dict[tuple[str, str, str, str], tuple[float, float]] = {}
    for origin in share_from(results):
        for key, group in inside.groupby(PAIR, sort=False):
            market, mineral = _pair(key)
            for stage in ORIGIN_STAGES:
                found = group[
                    (group["origin_stage"] == stage) & (group["origin_country"] == origin)
                ]
                if found.empty:
                    out[(market, mineral, origin, stage)] = (0.0, 0.0)
                else:
                    row = found.iloc[0]
                    out[(market, mineral, origin, stage)] = (float(row["p5"]), float(row["p95"]))
    return out


def _content_note(
    results: Results,
    rows: pd.DataFrame,
    spans: Sequence[tuple[str, float, float]],
    window: Window | None,
    banded: bool,
) -> str:
    days = int(rows["days"].max())
    text = (
        "Share of the mineral each market put in use that was mined, refined or made into a "
        f"component (magnet, cathode, wafer ...) there: the mass-weighted mean over the {days}-day "
        "time buckets of origin.csv"
        + (" and over replications" if results.info.replications > 1 else "")
        + ", a bucket counting in the period that holds its midpoint. "
    )
    if window is None:
        return text + "The run has no shock: one period, the whole run."
    what = "controls" if window.controls else "shocks"
    one = what[:-1]
    if window.count == 1:
        begins, ends = f"when the {one} starts", "when it ends"
    else:
        begins = f"when the first of the {window.count} {what} starts"
        ends = "when the last one ends"
    if window.end >= float(results.info.horizon_days or math.inf):
        ends = "the end of the run"
    names = {name for name, _, _ in spans}
    text += (
        f"During: from {window.first:%d %b %Y}, {begins}, to {window.last:%d %b %Y}, {ends}"
        + (" (the median window: the dates are drawn per replication)" if window.drawn else "")
        + ("; before and after: the rest of the run. " if names != {"during"} else ". ")
    )
    present = set(zip(rows["day"], rows["days"], strict=True))
    missing = [
        name for name, first, end in spans if not any(first <= d + n / 2 < end for d, n in present)
    ]
    if missing:
        text += (
            f"No time bucket has its midpoint {' or '.join(missing)} the {what}, so the table "
            "has no such column: a shorter `origin.bucket_days` would show it. "
        )
    if "during" in names and results.info.replications > 1 and not identical(results):
        text += (
            "In brackets: P5 to P95 across replications of the one bucket in the period. "
            if banded
            else "The period spans several time buckets, whose P5-P95 bands are in the "
            "'Embodied origin' charts. "
        )
    return text + "Countries of the origin's own markets come last."


# --- the key sentence ------------------------------------------------------------------------


def _finding(results: Results, content: pd.DataFrame, window: Window | None) -> str:
    """The market and mineral whose content of one origin the shocks moved most (largest change
    from before to during over the stages; else the most content, mean over stages and periods)
    in one sentence: among the markets outside the origin countries, and among the minerals the
    shocks name when they name any the table has."""
    origins = share_from(results)
    abroad = content[~content["country"].isin(origins)]
    if abroad.empty:
        return (
            "Every market of a named country is in "
            + " or ".join(country_name(c) for c in origins)
            + " itself: the table shows their own content."
        )
    named = _shocked_minerals(results) & set(abroad["mineral"])
    if named:
        abroad = abroad[abroad["mineral"].isin(named)]
    keys = ["market", "mineral", "origin"]
    score = abroad.groupby(keys, sort=False)["share"].mean()
    periods = set(abroad["period"])
    if {"before", "during"} <= periods:  # the content that the shocks moved most
        wide = abroad.pivot_table(index=[*keys, "stage"], columns="period", values="share")
        moved = (wide["during"] - wide["before"]).abs().groupby(level=keys).max()
        if moved.max() > 0:
            score = moved + 1e-6 * score.reindex(moved.index).fillna(0.0)
    market, mineral, origin = (str(k) for k in cast(tuple[str, str, str], score.idxmax()))
    mine = abroad[
        (abroad["market"] == market) & (abroad["mineral"] == mineral) & (abroad["origin"] == origin)
    ]
    value = mine.set_index(["stage", "period"])["share"]
    stages = [s for s in ORIGIN_STAGES if value.xs(s, level="stage").fillna(0).max() > 0]
    country = str(mine["country"].iloc[0])
    sector = _sector(results, str(market))
    who = f"{country_name(country)}'s {sector} market ({market})" if sector else market
    what = "controls" if window is not None and window.controls else "shocks"
    clauses: list[str] = []
    for name in [p for p in ("before", "during", "after", WHOLE_RUN) if p in set(mine["period"])]:
        shares = [value.get((s, name), math.nan) for s in stages]
        if name == WHOLE_RUN:
            when = "over the run"
        elif name == "during":
            when = f"during the {what}" if not clauses else "during them"
        else:
            when = f"{name} the {what}" if not clauses else f"{name} them"
        if not clauses:
            parts = [f"{share(v)} {STAGE_VERBS[s]}" for s, v in zip(stages, shares, strict=True)]
            parts[0] = parts[0].replace(" ", " was ", 1)
            clauses.append(f"{_listed(parts)} in {origin_name(str(origin))} {when}")
        else:
            clauses.append(f"{_listed([share(v) for v in shares])} {when}")
    return (
        f"Of the {mineral_label(str(mineral))} that {who} put in use, " + "; ".join(clauses) + "."
    )


def _shocked_minerals(results: Results) -> set[str]:
    """The minerals the scenario's shocks name (`mineral`, `minerals`, `select.minerals`)."""
    found: set[str] = set()
    for shock in results.scenario.get("shocks") or []:
        if shock.get("mineral"):
            found.add(str(shock["mineral"]))
        found |= {str(m) for m in shock.get("minerals") or []}
        found |= {str(m) for m in (shock.get("select") or {}).get("minerals") or []}
    return found


def _pair(key: Hashable) -> tuple[str, str]:
    """A (market, mineral) index key as two strings."""
    market, mineral = cast(tuple[str, str], key)
    return str(market), str(mineral)


def _listed(parts: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _sector(results: Results, market: str) -> str:
    for node in (results.scenario.get("network") or {}).get("nodes") or []:
        if node.get("name") == market:
            return str(node.get("sector") or "")
    return ""


def _assumptions(results: Results, rows: pd.DataFrame) -> str:
    pooled = (results.scenario.get("origin") or {}).get("countries") or []
    return (
        "Origin travels with the material: every stock, shipment and pool of products in use "
        "carries the share of its mass mined, refined and made into a component in each "
        "country. Each node's stock of a commodity is one well-mixed pool, so what leaves it has "
        "the pool's composition at that moment. Every pool starts at the composition of the "
        "shock-free steady state. A recycler re-refines: recycled material takes the "
        "recycler's country as its country of refining and keeps its country of mining. "
        "End-of-life material returns with the average composition of the market's pool in "
        "use, not that of the products sold a lifetime before"
        + (
            "; countries outside `origin.countries` are pooled as 'other countries'"
            if pooled
            else ""
        )
        + " (sim/scenario/origin.py). Aggregate markets such as the rest of the world are left "
        "out of the tables; the charts 'Embodied origin' show the shares over time and the "
        "countries at each stage."
    )


# --- what the policies change ----------------------------------------------------------------


def _policy_blocks(
    results: Results, origin: pd.DataFrame, spans: Sequence[tuple[str, float, float]]
) -> list[Block]:
    """Per policy, the shares during the shocks that it moves most against the baseline (per
    market, mineral and stage of origin), one row each."""
    during = [s for s in spans if s[0] == "during"]
    if not during or "policy" not in origin:
        return []
    rows = in_period(origin[~origin["country"].map(is_aggregate)], during[0][1], during[0][2])
    keys = ["policy", *PAIR]
    shares = mass_weighted(rows, keys)
    names = [p for p in results.policies if p != BASELINE and p in set(shares["policy"])]
    moves = []
    for origin_country in share_from(results):
        for stage in ORIGIN_STAGES:
            wide = tag_share(shares, keys, origin_country, stage).unstack("policy")
            if BASELINE not in wide:
                continue
            base = wide[BASELINE].to_numpy(dtype=float)
            for policy in names:
                change = wide[policy].to_numpy(dtype=float) - base
                for key, before, delta in zip(wide.index, base, change, strict=True):
                    market, mineral = _pair(key)
                    if abs(delta) >= CHANGED:
                        moves.append(
                            (policy, delta, market, mineral, origin_country, stage, before)
                        )
    heading = Block("h3", "Origin during the shocks under each policy")
    if not moves:
        text = (
            "No policy moves the share of any market by 0.05 percentage points or more during "
            "the shocks."
        )
        return [heading, Block("p", text)]
    order = {p: i for i, p in enumerate(names)}
    moves.sort(key=lambda m: (order[m[0]], -abs(m[1])))
    out, left = [], 0
    for policy in names:
        mine = [m for m in moves if m[0] == policy]
        left += max(0, len(mine) - MAX_CHANGES_PER_POLICY)
        for _, delta, market, mineral, origin_country, stage, before in mine[
            :MAX_CHANGES_PER_POLICY
        ]:
            out.append(
                [
                    policy,
                    market,
                    mineral_label(mineral),
                    f"{STAGE_VERBS[stage]} in {country_name(origin_country)}",
                    share(before),
                    share(before + delta),
                    f"{delta * 100:+.1f}",
                ]
            )
    return [
        heading,
        Block(
            "table",
            table=Table(
                [
                    "policy",
                    "market",
                    "mineral",
                    "content",
                    "baseline",
                    "policy share",
                    "change (pp)",
                ],
                out,
                numeric={4, 5, 6},
                note="Mass-weighted share during the shocks (as in the table above) under the "
                "baseline and under the policy, on the same replications; per policy the "
                f"{MAX_CHANGES_PER_POLICY} shares it moves most (by 0.05 percentage points or "
                "more; pp: percentage points)"
                + (
                    f"; {left} smaller moves are left out (origin.csv has every share)."
                    if left
                    else "."
                ),
            ),
        ),
    ]
