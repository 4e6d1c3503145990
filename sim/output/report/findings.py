"""Key findings per market: for one run, demand, deliveries, shortfall (product units),
fill rate and first shortfall; for an ensemble, mean fill rate, probability of shortfall,
mean, P95 and CVaR95 of cumulative shortfall, and the lowest days of cover."""

from __future__ import annotations

import math

import pandas as pd

from sim.output.folder import Results, market_table
from sim.output.labels import country_name, unit_label
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty, replications, share


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
                f"{row.market} ({country_name(str(row.country))}, {row.sector}): "
                f"{qty(row.shortfall_units)} {unit} short of {qty(row.demand_units)} demanded "
                f"(fill rate {share(row.fill_rate)}), first shortfall on "
                f"{row.first_shortfall_date}."
            )
    first["order"] = [0 if m in set(short["market"]) else 1 for m in first["market"]]
    first = first.sort_values(["order", "fill_rate"], kind="stable")
    rows = [
        [
            str(r.market),
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
                f"{market}: short in {share(chance[market])} of replications; mean shortfall "
                f"{qty(mean.get(market, math.nan))} {unit}, P95 {qty(p95.get(market, math.nan))}"
                f", CVaR95 {qty(tail.get(market, math.nan))}; mean fill rate "
                f"{share(fill[market])}."
            )
    rows = []
    for market in order:
        country = str(places.at[market, "country"]) if market in places.index else ""
        unit = str(places.at[market, "unit"]) if market in places.index else ""
        rows.append(
            [
                market,
                country,
                unit,
                share(fill[market]),
                share(chance.get(market, 0.0)),
                qty(mean.get(market, math.nan)),
                qty(p95.get(market, math.nan)),
                qty(tail.get(market, math.nan)),
                qty(cover.get(market, math.nan)),
            ]
        )
    table = Table(
        [
            "market",
            "country",
            "unit",
            "mean fill rate",
            "P(shortfall)",
            "mean shortfall",
            "P95 shortfall",
            "CVaR95 shortfall",
            "lowest cover, median (days)",
        ],
        rows,
        numeric={3, 4, 5, 6, 7, 8},
        note=f"Across {replications(n)}. Shortfall: cumulative over the horizon in "
        "the market's unit. P(shortfall): share of replications with any shortfall. "
        "CVaR95: mean of the worst 5% of replications. Markets most likely to fall "
        "short come first.",
    )
    return [Block("p", " ".join(sentences)), Block("table", table=table)]
