"""Key findings per market: for one run, demand, deliveries, shortfall (product units),
fill rate and first shortfall; for an ensemble, mean fill rate, probability of shortfall,
mean, P95 and CVaR95 of cumulative shortfall, and the lowest days of cover."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.output.folder import Results, label_of, market_table, node_labels
from sim.output.labels import country_name, unit_label
from sim.output.report.document import Block, Table
from sim.output.report.formats import named, qty, replications, share
from sim.output.report.uncertainty import warnings, wide, with_interval

DASH = "\u2013"
"""Joins the bounds of an interval in a table cell ('2,355 (1,924\u20133,057)')."""


def key_findings(results: Results) -> list[Block]:
    """Sentences on the markets that fell short and a table of every market (none for a
    stress test)."""
    if results.get("stress") is not None:
        return []
    return _ensemble_findings(results) if results.ensemble else _single_findings(results)


def _places(results: Results) -> pd.DataFrame:
    return market_table(results).set_index("market")


def _single_findings(results: Results) -> list[Block]:
    markets = results.get("markets")
    if markets is None:
        return [Block("p", "This results folder has no markets.csv.")]
    first = markets[markets["rep"] == markets["rep"].min()].copy()
    cover = _metric(results, "min_cover_days")
    short = first[first["shortfall_units"] > 1e-9 * first["demand_units"].clip(lower=1.0)]
    labels = node_labels(results)
    sentences = []
    if short.empty:
        sentences.append(
            f"Every one of the {len(first)} markets was fully served over the horizon."
        )
    else:
        sentences.append(f"{len(short)} of {len(first)} markets fell short.")
        for row in short.sort_values("fill_rate").itertuples(index=False):
            unit = unit_label(str(row.unit))
            sentences.append(
                f"{label_of(labels, str(row.market))} ({country_name(str(row.country))}, "
                f"{row.sector}): "
                f"{qty(row.shortfall_units)} {unit} short of {qty(row.demand_units)} demanded "
                f"(fill rate {share(row.fill_rate)}), first shortfall on "
                f"{row.first_shortfall_date}."
            )
    first["order"] = [0 if m in set(short["market"]) else 1 for m in first["market"]]
    first = first.sort_values(["order", "fill_rate"], kind="stable")
    rows = [
        [
            named(labels, str(r.market)),
            str(r.country),
            str(r.sector),
            str(r.unit),
            qty(r.demand_units),
            qty(r.delivered_units),
            qty(r.shortfall_units),
            share(r.fill_rate),
            str(r.first_shortfall_date)
            if isinstance(r.first_shortfall_date, str) and r.first_shortfall_date
            else "-",
            qty(cover.get(str(r.market), math.nan)),
        ]
        for r in first.itertuples(index=False)
    ]
    table = Table(
        [
            "market",
            "country",
            "sector",
            "unit",
            "demand",
            "delivered",
            "shortfall",
            "fill rate",
            "first shortfall",
            "lowest cover (days)",
        ],
        rows,
        numeric={4, 5, 6, 7, 9},
        note="Totals over the horizon in the market's unit. Fill rate = delivered / "
        "demand. Lowest cover: the lowest days of cover over the horizon and the "
        "market's minerals. Markets that fell short come first.",
    )
    return [Block("p", " ".join(sentences)), Block("table", table=table)]


def _metric(results: Results, metric: str, column: str = "value") -> dict[str, float]:
    """Per market: a metric of the first replication (single runs) or a summary column."""
    if results.ensemble:
        summary = results.get("summary")
        if summary is None:
            return {}
        rows = summary[(summary["metric"] == metric) & (summary["market"] != "")]
        return {str(m): float(v) for m, v in zip(rows["market"], rows[column], strict=True)}
    metrics = results.get("metrics")
    if metrics is None:
        return {}
    rows = metrics[
        (metrics["metric"] == metric)
        & (metrics["rep"] == metrics["rep"].min())
        & (metrics["market"] != "")
    ]
    return {str(m): float(v) for m, v in zip(rows["market"], rows["value"], strict=True)}


def _ensemble_findings(results: Results) -> list[Block]:
    summary = results.get("summary")
    if summary is None:
        return [Block("p", "This results folder has no summary.csv.")]
    places = _places(results)
    n = results.info.replications
    fill = _metric(results, "fill_rate", "mean")
    chance = _metric(results, "any_shortfall", "mean")
    mean, p95 = (
        _metric(results, "shortfall_units", "mean"),
        _metric(results, "shortfall_units", "p95"),
    )
    tail = _metric(results, "shortfall_units", "cvar95")
    cover = _metric(results, "min_cover_days", "p50")
    order = sorted(fill, key=lambda m: (-chance.get(m, 0.0), fill[m]))
    short = [m for m in order if chance.get(m, 0.0) > 0]
    labels = node_labels(results)
    chance_rows, short_rows = _rows(summary, "any_shortfall"), _rows(summary, "shortfall_units")
    sentences = []
    if not short:
        sentences.append(
            "No market fell short" + (f" in any of the {n:,} replications." if n > 1 else ".")
        )
    else:
        sentences.append(
            f"{len(short)} of {len(fill)} markets fell short"
            + (f" in at least one of {n:,} replications." if n > 1 else ".")
        )
        for market in short:
            unit = unit_label(str(places.at[market, "unit"])) if market in places.index else "units"
            sentences.append(
                f"{label_of(labels, market)}: short in "
                f"{with_interval(chance[market], chance_rows.get(market), 'prob_positive', share)}"
                f" of replications; mean shortfall {qty(mean.get(market, math.nan))} {unit}, P95 "
                f"{qty(p95.get(market, math.nan))}, CVaR95 {qty(tail.get(market, math.nan))}; "
                "mean fill rate "
                f"{share(fill[market])}."
            )
    rows = []
    for market in order:
        country = str(places.at[market, "country"]) if market in places.index else ""
        unit = str(places.at[market, "unit"]) if market in places.index else ""
        rows.append(
            [
                named(labels, market),
                country,
                unit,
                share(fill[market]),
                with_interval(
                    chance.get(market, 0.0), chance_rows.get(market), "prob_positive", share, DASH
                ),
                qty(mean.get(market, math.nan)),
                with_interval(p95.get(market, math.nan), short_rows.get(market), "p95", qty, DASH),
                with_interval(
                    tail.get(market, math.nan), short_rows.get(market), "cvar95", qty, DASH
                ),
                qty(cover.get(market, math.nan)),
            ]
        )
    table = Table(
        [
            "market",
            "country",
            "unit",
            "mean fill rate",
            "P(shortfall) (95% CI)",
            "mean shortfall",
            "P95 shortfall (95% CI)",
            "CVaR95 shortfall (95% CI)",
            "lowest cover, median (days)",
        ],
        rows,
        numeric={3, 4, 5, 6, 7, 8},
        note=f"Across {replications(n)}. Shortfall: cumulative over the horizon in "
        "the market's unit. P(shortfall): share of replications with any shortfall. "
        "CVaR95: mean of the worst 5% of replications. In brackets: 95% percentile-bootstrap "
        "intervals over the replications (1,000 resamples; none where every replication "
        "agrees). Markets most likely to fall short come first.",
    )
    loose = [label_of(labels, m) for m in short if wide(chance_rows.get(m))]
    cautions = warnings(results, loose)
    return [
        Block("p", " ".join(sentences)),
        Block("table", table=table),
        *([Block("p", " ".join(cautions))] if cautions else []),
    ]


def _rows(summary: pd.DataFrame, metric: str) -> dict[str, dict[Any, Any]]:
    """Per market: its summary.csv row of `metric` (statistics and their intervals)."""
    rows = summary[(summary["metric"] == metric) & (summary["market"] != "")]
    return {str(r["market"]): r for r in rows.to_dict("records")}
