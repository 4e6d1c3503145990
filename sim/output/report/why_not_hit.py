"""'Why <country> was not hit': what covered a country a shock aimed at (coverage.csv, from
`sim.analysis.coverage`), as a sentence, a table and the coverage chart per country. A country
that did fall short gets the same table under 'How <country> was covered until it fell short'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import pandas as pd

from sim.output.folder import COVERAGE_KINDS, Results
from sim.output.labels import country_name, mineral_label
from sim.output.report.document import Block, Table
from sim.output.report.formats import days, qty

if TYPE_CHECKING:
    from sim.output.charts import Chart

TOTALS = ("delivered", "demand", "shortfall")
"""coverage.csv's kinds that are totals of the country's markets, not sources."""
SHOWN_T = 0.005
"""Rows whose before and during are both smaller than this (t) are left out of the table."""


def why_not_hit_blocks(results: Results, drawn: Sequence[Chart] = ()) -> list[Block]:
    """Per targeted country in coverage.csv: a heading, what covered it per shock and
    mineral (a sentence each), the table and its coverage chart (from `drawn`)."""
    frame = results.get("coverage")
    if frame is None or frame.empty:
        return []
    charts = {c.name: c for c in drawn}
    blocks: list[Block] = []
    for country, rows in frame.groupby("country", sort=False):
        name = country_name(str(country))
        hit = bool(rows["hit"].astype(str).isin(("True", "true", "1")).any())
        heading = (
            f"How {name} was covered until it fell short" if hit else f"Why {name} was not hit"
        )
        blocks.append(Block("h2", heading))
        for (shock, mineral), group in rows.groupby(["shock", "mineral"], sort=False):
            blocks.append(Block("p", _sentence(name, str(shock), str(mineral), group)))
        blocks.append(Block("table", table=_table(rows, results.kind != "single")))
        chart = charts.get(f"coverage_{country}")
        if chart is not None:
            blocks.append(Block("figure", chart=chart))
    return blocks


def _value(group: pd.DataFrame, kind: str, column: str = "during_t") -> float:
    found = group.loc[group["kind"] == kind, column]
    return float(found.sum()) if len(found) else math.nan


def _sentence(name: str, shock: str, mineral: str, group: pd.DataFrame) -> str:
    """'CN halt (21 Sep 2010 to 20 Nov 2010): Japan's markets put 1,659 t of ndpr in use and
    were not short: stock drawn 754 t, imports from Malaysia 658 t (+134 t) ...'."""
    first = group.iloc[0]
    start, end = pd.Timestamp(str(first["start"])), pd.Timestamp(str(first["end"]))
    delivered, short = _value(group, "delivered"), _value(group, "shortfall")
    hit = str(first["hit"]) in ("True", "true", "1")
    parts = [(t, text) for t, text in _suppliers(group)]
    others = group[~group["kind"].isin((*TOTALS, "imports", "in_transit_at_start"))]
    for row in others.itertuples(index=False):
        if _num(row.during_t) > SHOWN_T:
            parts.append(
                (_num(row.during_t), f"{_label(str(row.kind), '')} {qty(_num(row.during_t))} t")
            )
    parts.sort(key=lambda part: -part[0])
    outcome = (
        f"and were {qty(short)} t short in the window (they fell short before the run ended)"
        if hit
        else "and were never short from its start to the end of the run"
    )
    cover = float(first["cover_left_days"])
    left = (
        f" {days(cover, 'unlimited')} days of stock were left in {name} at its end (all stages, "
        f"over its markets' demand)."
        if math.isfinite(cover)
        else ""
    )
    covered = "Until they fell short they were covered by" if hit else "What covered them"
    return (
        f"{shock} ({start:%d %b %Y} to {end:%d %b %Y}): {name}'s markets put "
        f"{qty(delivered)} t of {mineral_label(mineral)} in use {outcome}. {covered}: "
        + ("; ".join(text for _, text in parts[:5]) if parts else "nothing")
        + "."
        + left
    )


def _suppliers(group: pd.DataFrame) -> list[tuple[float, str]]:
    """(t, 'from Malaysia 774 t (+134 t on the same time before; 116 t of it in transit at
    the start)') per supplier country that sent anything in the window."""
    out = []
    moved = group[group["kind"].isin(("imports", "in_transit_at_start"))]
    for supplier, rows in moved.groupby("supplier_country", sort=False):
        during = float(rows["during_t"].sum())
        if during <= SHOWN_T:
            continue
        before = float(rows["before_t"].sum(min_count=len(rows)))
        early = _value(rows, "in_transit_at_start")
        notes = []
        if math.isfinite(before) and abs(during - before) > SHOWN_T:
            change = during - before
            notes.append(f"{'+' if change > 0 else '-'}{qty(abs(change))} t on the time before")
        if early > SHOWN_T:
            notes.append(f"{qty(early)} t of it in transit at the start")
        text = f"from {country_name(str(supplier))} {qty(during)} t"
        out.append((during, text + (f" ({'; '.join(notes)})" if notes else "")))
    return out


def _num(value: object) -> float:
    """A number of a coverage.csv row (pandas types its cells loosely)."""
    return float(cast(float, value))


def _label(kind: str, supplier: str) -> str:
    return COVERAGE_KINDS.get(kind, kind).format(country_name(supplier) if supplier else "")


def _table(rows: pd.DataFrame, from_one_run: bool) -> Table:
    """One row per shock, mineral and source (and the totals), before, during and change."""
    out = []
    for row in rows.itertuples(index=False):
        before, during = _num(row.before_t), _num(row.during_t)
        if (
            row.kind not in TOTALS
            and max(abs(during), abs(before) if math.isfinite(before) else 0) < SHOWN_T
        ):
            continue
        out.append(
            [
                mineral_label(str(row.mineral)),
                str(row.shock),
                _label(str(row.kind), str(row.supplier_country)),
                qty(before),
                qty(during),
                qty(_num(row.change_t)),
            ]
        )
    note = (
        "t of contained mineral at every stage, in the country's nodes, over the shock's window "
        "(from the first review at or after its start to the last before its end). The "
        "sources add up to what the markets put in use: imports by supplier country (what "
        "arrived, less what was already in transit when the shock began), what was in transit "
        "then (first in, first out per link), stocks and strategic reserves drawn (negative: "
        "built up), mining, end-of-life scrap collected and the pipeline between the country's "
        "own nodes; less exports and process losses (the rest of the mass balance). 'Before' is "
        "the same number of reviews just before the window (scaled when the run starts sooner)."
    )
    if from_one_run:
        note += (
            " From one run at the scenario's seed (replication 0, the baseline): ensembles and "
            "comparisons keep no per-review shipments."
        )
    return Table(
        ["mineral", "shock", "source", "before (t)", "during (t)", "change (t)"],
        out,
        numeric={3, 4, 5},
        note=note,
    )
