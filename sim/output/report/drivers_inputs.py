"""What drives this result: the declared inputs behind the headline, next to it (issue 14
scope 5). Built only from the resolved scenario in the results folder: the terms of each shock
(share cut or approved, licence delay, general licences, quota), the days of cover of every
market that fell short and its share of supply from the shocked countries, the same for its
largest supplier, the reserves (their size in days and release trigger), random cover inputs and
the price responses when prices are on. Inputs, not results: each comes with the file's own
`source`, which the shock table and the network's nodes carry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sim.output.folder import Results
from sim.output.report.document import Block, Table
from sim.output.report.formats import share, value_text

EXPORT_SHOCKS = ("export_ban", "export_licensing", "export_quota")
MAX_MARKETS = 8
"""Most short markets listed one by one (the rest are counted in the note)."""


def drivers_inputs(results: Results) -> list[Block]:
    """A compact table of the assumptions that drive the headline; empty for a run with no
    shock, no short market and no reserve."""
    spec = results.scenario
    network = spec.get("network") or {}
    nodes = {str(n["name"]): n for n in network.get("nodes") or []}
    links = list(network.get("links") or [])
    shocks = list(spec.get("shocks") or [])
    sources, minerals = _shock_countries(shocks), _shock_minerals(shocks)
    short = short_markets(results)
    rows = _shock_rows(shocks)
    for market in short[:MAX_MARKETS]:
        rows += _market_rows(market, nodes, links, sources, minerals)
    rows += _reserve_rows(nodes, spec.get("policies") or [])
    rows += _random_cover_rows((spec.get("uncertainty") or {}).get("cover") or [])
    rows += _price_rows(spec.get("prices") or {})
    if not rows:
        return []
    more = len(short) - MAX_MARKETS
    note = (
        "Declared inputs of this run (from scenario.resolved.yaml), not results: change one "
        "and the headline above may move. Cover is in days of the holder's expected use; a "
        "share from a country is the sum of the link shares (share of orders) from its nodes. "
        "The sources of each figure are in the shock table and in each node's `source`."
        + (f" {more} more markets fell short with the same kind of inputs." if more > 0 else "")
    )
    return [
        Block("h3", "What drives this result"),
        Block("table", table=Table(["for", "input", "value"], rows, note=note)),
    ]


def short_markets(results: Results) -> list[str]:
    """Markets that fell short: in the run (single runs) or in any replication (ensembles),
    most short first."""
    if results.ensemble:
        summary = results.get("summary")
        if summary is None:
            return []
        rows = summary[(summary["metric"] == "any_shortfall") & (summary["market"] != "")]
        rows = rows[rows["mean"] > 0].sort_values("mean", ascending=False, kind="stable")
        return [str(m) for m in rows["market"]]
    markets = results.get("markets")
    if markets is None:
        return []
    first = markets[markets["rep"] == markets["rep"].min()]
    short = first[first["shortfall_units"] > 1e-9 * first["demand_units"].clip(lower=1.0)]
    return [str(m) for m in short.sort_values("fill_rate", kind="stable")["market"]]


def _shock_countries(shocks: Iterable[dict[str, Any]]) -> set[str]:
    countries = {str(s["country"]) for s in shocks if s.get("type") in EXPORT_SHOCKS}
    countries |= {str(s["origin_country"]) for s in shocks if s.get("origin_country")}
    return countries


def _shock_minerals(shocks: Iterable[dict[str, Any]]) -> set[str]:
    minerals = {str(s["mineral"]) for s in shocks if s.get("mineral")}
    return minerals | {str(m) for s in shocks for m in s.get("minerals") or []}


def _shock_rows(shocks: Iterable[dict[str, Any]]) -> list[list[str]]:
    """One row per shock: the terms that set how much passes and how late."""
    rows: list[list[str]] = []
    for i, shock in enumerate(shocks):
        label = str(shock.get("name") or f"{shock.get('type', 'shock')}#{i + 1}")
        kind = shock.get("type")
        terms: list[tuple[str, str]] = []
        if kind == "export_ban":
            terms.append(("share of normal exports cut", _fraction(shock.get("severity", 1.0))))
            if _positive(shock.get("licence_delay_days")):
                terms.append(("licence delay", _days(shock["licence_delay_days"])))
        elif kind in ("export_licensing", "content_licensing"):
            terms.append(("approval rate", _fraction(shock.get("approval_rate", 1.0))))
            terms.append(("licence delay", _days(shock.get("processing_days", 0))))
            if shock.get("general_licences"):
                terms.append(("general licences", value_text(shock["general_licences"])))
        elif kind == "export_quota":
            terms.append(("quota", f"{_number(shock.get('tonnes_per_year'))} t/yr"))
        elif "severity" in shock:
            terms.append(("severity", _fraction(shock["severity"])))
        if terms:
            rows.append([label, "; ".join(t for t, _ in terms), "; ".join(v for _, v in terms)])
    return rows


def _market_rows(
    market: str,
    nodes: dict[str, dict[str, Any]],
    links: list[dict[str, Any]],
    sources: set[str],
    minerals: set[str],
) -> list[list[str]]:
    """The market's cover and, per shocked mineral, its share from the shocked countries and
    its largest supplier with that supplier's cover and share of inputs from them."""
    node = nodes.get(market)
    if node is None:
        return []
    parts = [_days(node.get("cover_days", "-"))]
    countries = "+".join(sorted(sources))
    bought = [k for k in links if k.get("to") == market]
    for mineral in sorted({str(k.get("mineral")) for k in bought}):
        if minerals and mineral not in minerals:
            continue
        feeds = [k for k in bought if str(k.get("mineral")) == mineral]
        main = max(feeds, key=lambda k: float(k.get("share", 0.0)))
        supplier = nodes.get(str(main["from"]), {})
        text = (
            f"largest supplier {main['from']} ({supplier.get('country', '?')}, "
            f"{share(float(main['share']))}, cover {_days(supplier.get('cover_days', '-'))}"
        )
        if sources:
            upstream = [
                k for k in links if k.get("to") == main["from"] and str(k.get("mineral")) == mineral
            ]
            if upstream:
                text += f", inputs from {countries} {share(_share_from(upstream, nodes, sources))}"
            text = f"from {countries} {share(_share_from(feeds, nodes, sources))}, " + text
        parts.append(f"{mineral}: {text})")
    what = "cover" + (f"; share from {countries} and largest supplier" if sources else "")
    return [[market, what, "; ".join(parts)]]


def _share_from(
    feeds: Iterable[dict[str, Any]], nodes: dict[str, dict[str, Any]], countries: set[str]
) -> float:
    """Share of orders on `feeds` placed with nodes in `countries` (shares normalised)."""
    feeds = list(feeds)
    total = sum(float(k.get("share", 0.0)) for k in feeds)
    if total <= 0:
        return 0.0
    hit = sum(
        float(k.get("share", 0.0))
        for k in feeds
        if str(nodes.get(str(k["from"]), {}).get("country")) in countries
    )
    return hit / total


def _reserve_rows(
    nodes: dict[str, dict[str, Any]], policies: Iterable[dict[str, Any]]
) -> list[list[str]]:
    """Stockpile nodes of the network and stockpile levers of the policies."""
    rows = []
    for name, node in nodes.items():
        if node.get("kind") != "stockpile":
            continue
        trigger = f"releases below {value_text(node.get('release_below_cover_days', 15))} d"
        if node.get("release_during"):
            trigger += f" and during {value_text(node['release_during'])}"
        rows.append(
            [
                name,
                f"reserve of {node.get('mineral')} {node.get('stage', 'refined')}: "
                "stock; release trigger",
                f"{_number(node.get('initial_t'))} t; {trigger} of its buyers' cover",
            ]
        )
    for policy in policies:
        for lever in policy.get("levers") or []:
            if lever.get("type") != "stockpile":
                continue
            below = lever.get("release_below_cover_days")
            trigger = (
                f"releases below {value_text(below)} d of buyers' cover"
                if below is not None
                else "releases below half the buyers' normal cover"
            )
            if lever.get("release_during"):
                trigger += f" and during {value_text(lever['release_during'])}"
            rows.append(
                [
                    f"{policy.get('name', '')} (policy)",
                    f"reserve of {lever.get('country')} {lever.get('mineral')} "
                    f"{lever.get('stage', 'refined')}: cover; release trigger",
                    f"{_days(lever.get('days'))}, filled "
                    f"{_fraction(lever.get('initial_fill', 1.0))}; {trigger}",
                ]
            )
    return rows


def _random_cover_rows(entries: Iterable[dict[str, Any]]) -> list[list[str]]:
    return [
        [_who(e), "cover drawn per replication (days)", value_text(e.get("cover_days"))]
        for e in entries
    ]


def _price_rows(prices: dict[str, Any]) -> list[list[str]]:
    """Price formation and every response to price, with its strength and lag."""
    rows = []
    for c in prices.get("commodities") or []:
        rows.append(
            [
                f"price of {c.get('mineral')}",
                "flexibility; cap; lag",
                f"{value_text(c.get('flexibility'))}; {value_text(c.get('max_multiple'))}x base; "
                f"{_days(c.get('lag_days'))}",
            ]
        )
    for kind, strength in (
        ("demand", "elasticity"),
        ("substitution", "max_reduction"),
        ("restart", "availability"),
        ("recycling", "elasticity"),
    ):
        for r in prices.get(kind) or []:
            if r.get("enabled") is False:
                continue
            rows.append(
                [
                    _who(r),
                    f"{kind} response to the {r.get('mineral')} price: {strength}; lag",
                    f"{value_text(r.get(strength))}; {_days(r.get('lag_days'))}",
                ]
            )
    return rows


def _who(entry: dict[str, Any]) -> str:
    for key in ("markets", "nodes", "select"):
        if entry.get(key):
            return value_text(entry[key])
    return ""


def _days(value: Any) -> str:
    return f"{value_text(value)} d"


def _fraction(value: Any) -> str:
    return share(float(value)) if isinstance(value, int | float) else value_text(value)


def _number(value: Any) -> str:
    return f"{value:,.0f}" if isinstance(value, int | float) else value_text(value)


def _positive(value: Any) -> bool:
    return value is not None and (not isinstance(value, int | float) or value > 0)
