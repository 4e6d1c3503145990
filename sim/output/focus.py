"""What deserves a chart or a table row: the markets under stress, and the countries and
minerals whose sourcing is worth showing. Reads `Results` only (no matplotlib)."""

from __future__ import annotations

import pandas as pd

from sim.output.folder import BASELINE, Results, market_table
from sim.output.labels import is_aggregate

MAX_MARKETS = 8
"""At most this many focus markets get charts of their own."""


def focus_markets(results: Results, limit: int = MAX_MARKETS) -> list[str]:
    """The markets worth a chart of their own, worst first: those that fell short (in any
    replication), those whose days of cover fell below 90% of where they started, and those in
    a country a shock targets (`to_countries`) that use the shocked mineral."""
    table = market_table(results)
    if table.empty:
        return []
    score: dict[str, float] = {}
    summary, markets, bands = results.get("summary"), results.get("markets"), results.get("bands")
    if summary is not None:
        short = summary[summary["metric"] == "any_shortfall"].set_index("market")["mean"]
        fill = summary[summary["metric"] == "fill_rate"].set_index("market")["mean"]
        for market, p in short.items():
            if p > 0:
                score[str(market)] = 2.0 + p + (1.0 - float(fill.get(market, 1.0)))
    elif markets is not None:
        first = markets[markets["rep"] == markets["rep"].min()]
        for row in first.itertuples(index=False):
            if row.shortfall_units > 1e-9 * max(float(row.demand_units), 1.0):
                score[str(row.market)] = 2.0 + (1.0 - float(row.fill_rate))
    for market, ratio in cover_dips(results.get("timeseries"), bands).items():
        if ratio < 0.9:
            score[market] = max(score.get(market, 0.0), 1.0 + (1.0 - ratio))
    targets = {c for s in results.scenario.get("shocks") or [] for c in s.get("to_countries") or []}
    shocked = {s.get("mineral") for s in results.scenario.get("shocks") or []}
    for market, country, minerals in zip(
        table["market"], table["country"], table["minerals"], strict=True
    ):
        if country in targets and shocked & set(minerals):
            score.setdefault(str(market), 0.5)
    order = [m for m in table["market"] if m in score]
    return sorted(order, key=lambda m: -score[m])[:limit]


def cover_dips(timeseries: pd.DataFrame | None, bands: pd.DataFrame | None) -> dict[str, float]:
    """Per market: lowest days of cover / days of cover at the start (1.0: never below the
    start). From the median band of an ensemble, else from the first replication's series."""
    out: dict[str, float] = {}
    if bands is not None and not bands.empty:
        rows = bands[bands["variable"] == "cover_days"]
        for market, group in rows.groupby("market", sort=False):
            series = group.sort_values("day")["p50"].to_numpy(dtype=float)
            if series.size and series[0] > 0:
                out[str(market)] = float(series.min() / series[0])
    elif timeseries is not None and "kind" in timeseries:
        rows = timeseries[
            (timeseries["kind"] == "market")
            & (timeseries["variable"] == "cover_days")
            & (timeseries["rep"] == timeseries["rep"].min())
        ]
        per = rows.groupby(["node", "period"], sort=False)["value"].min()
        for market, series in per.groupby(level=0, sort=False):
            values = series.to_numpy(dtype=float)
            if values.size and values[0] > 0:
                out[str(market)] = float(values.min() / values[0])
    return out


def comparison_focus(results: Results) -> list[str]:
    """The markets of a policy comparison worth charts: the baseline's focus markets and those
    whose shortfall any policy changes."""
    focus = focus_markets(results.for_policy(BASELINE))
    comparison = results.get("comparison")
    if comparison is not None and not comparison.empty:
        rows = comparison[
            (comparison["metric"] == "shortfall_units") & (comparison["delta"].abs() > 1e-9)
        ]
        focus += [str(m) for m in dict.fromkeys(rows["market"]) if m not in focus]
    return focus[:MAX_MARKETS]


def chart_markets(results: Results) -> list[str]:
    """The markets that get charts: a comparison's `comparison_focus`, else `focus_markets`."""
    return comparison_focus(results) if results.policies else focus_markets(results)


def network_minerals(results: Results, flows: pd.DataFrame) -> list[str]:
    """The minerals the shocks name, else every mineral that flows."""
    every = [str(m) for m in dict.fromkeys(flows["mineral"])]
    shocked = {s.get("mineral") for s in results.scenario.get("shocks") or []}
    for shock in results.scenario.get("shocks") or []:
        shocked |= set((shock.get("select") or {}).get("minerals") or [])
    return [m for m in every if m in shocked] or every


def consumers(results: Results) -> list[str]:
    """Countries with a market, aggregates (XA-XZ) left out, in the order markets appear."""
    table = market_table(results)
    return [c for c in dict.fromkeys(table["country"]) if not is_aggregate(c)] if len(table) else []


def sourcing_pairs(results: Results, focus: list[str]) -> list[tuple[str, str]]:
    """(country, mineral) pairs worth a sourcing-over-time chart: the countries of the focus
    markets and of shock targets, for the shocked minerals (else the minerals they use)."""
    table = market_table(results)
    country_of = dict(zip(table["market"], table["country"], strict=True))
    minerals_of = dict(zip(table["market"], table["minerals"], strict=True))
    shocks = results.scenario.get("shocks") or []
    shocked = [str(s["mineral"]) for s in shocks if s.get("mineral")]
    countries = [str(country_of[m]) for m in focus]
    countries += [str(c) for s in shocks for c in s.get("to_countries") or []]
    pairs = []
    for country in dict.fromkeys(countries):
        if is_aggregate(country):
            continue
        used = [
            str(m) for market in focus if country_of[market] == country for m in minerals_of[market]
        ]
        for mineral in dict.fromkeys(shocked or used):
            pairs.append((country, mineral))
    return pairs
