"""What drives the date: for each market that falls short, the shock that set it off and the
stock that stood between that shock and the market.

A market's first shortfall comes when the material between the cut and the market runs out:
its own cover, the input and output cover of every node on the way, what was in transit, and
any licence review or detour that holds back what still passes. For each market with a
shortfall in replication 0, this table names the shocks started by then that act upstream of
it (`ShockSpec.acts_on`), earliest first, walks from the market up to where the earliest acts,
along the in-link that carries most of the market's supply at each step, and adds up those
days. The days are
the inputs' own numbers (cover in days of expected use, transit in days), not a fit: compare
them with the days from the shock's start to the shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.engine.simulate import RunResult
from sim.scenario.network import Link, Network, StockpileSpec
from sim.shocks.base import ShockDraws, shock_label

COLUMNS = [
    "market",
    "first_shortfall_date",
    "shock",
    "shock_start_date",
    "then",
    "days_after_start",
    "mineral",
    "path",
    "market_cover_days",
    "cover_on_the_way_days",
    "transit_days",
    "held_back_days",
    "what_sets_the_date",
]


@dataclass(frozen=True)
class Path:
    """From the market up to where a shock acts: the links in that order."""

    links: list[Link]
    reaches_hit: bool
    nodes_hit: frozenset[str] = frozenset()
    """The nodes the shock acts on (a producer it cuts still ships its own stock)."""


def upstream_path(
    network: Network, market: str, links_hit: frozenset[int], nodes_hit: frozenset[str]
) -> Path:
    """Walk from `market` upstream, at each node along the supply in-link with the largest
    expected flow among those that lead to something the shock acts on, until a link or node
    it acts on is reached."""
    memo: dict[str, bool] = {}

    def supply(node: str) -> list[Link]:
        return [
            k
            for k in network.in_links[node]
            if k.stage != "scrap" and not isinstance(network.nodes[k.supplier], StockpileSpec)
        ]

    def reaches(node: str, seen: frozenset[str]) -> bool:
        if node in nodes_hit:
            return True
        if node in memo:
            return memo[node]
        found = any(
            k.index in links_hit or (k.supplier not in seen and reaches(k.supplier, seen | {node}))
            for k in supply(node)
        )
        memo[node] = found
        return found

    steps: list[Link] = []
    node, seen = market, frozenset({market})
    while node not in nodes_hit:
        options = [
            k
            for k in supply(node)
            if k.index in links_hit or (k.supplier not in seen and reaches(k.supplier, seen))
        ]
        if not options:
            return Path(steps, False, nodes_hit)
        link = max(options, key=lambda k: network.expected_link_tpd[k.index])
        steps.append(link)
        if link.index in links_hit:
            return Path(steps, True, nodes_hit)
        node, seen = link.supplier, seen | {link.supplier}
    return Path(steps, True, nodes_hit)


def shortfall_drivers(result: RunResult, markets: pd.DataFrame) -> pd.DataFrame:
    """One row per market that falls short in replication 0 (`markets`: the market summary)."""
    scenario = result.scenario
    network, start = scenario.network, pd.Timestamp(scenario.spec.start)
    short = markets[(markets["rep"] == 0) & markets["first_shortfall_day"].notna()]
    rows = []
    for _, row in short.iterrows():
        day = float(row["first_shortfall_day"])
        found = _driver(network, str(row["market"]), day, result.shocks)
        if found is None:
            continue
        chain, path = found
        rows.append(_row(network, start, str(row["market"]), day, chain, path))
    return pd.DataFrame(rows, columns=COLUMNS)


def _driver(
    network: Network, market: str, day: float, shocks: list[ShockDraws]
) -> tuple[list[ShockDraws], Path] | None:
    """The shocks started by `day` that act upstream of the market (or on it), earliest first,
    with the path to where the earliest acts."""
    found: list[tuple[ShockDraws, Path]] = []
    for draws in shocks:
        if float(draws.begin[0]) > day:
            continue
        links, nodes = draws.shock.acts_on(network)
        path = upstream_path(network, market, links, nodes)
        if path.reaches_hit:
            found.append((draws, path))
    if not found:
        return None
    # Earliest first; of shocks that start together, the one on the market's largest supply.
    found.sort(
        key=lambda item: (
            float(item[0].begin[0]),
            -network.expected_link_tpd[item[1].links[0].index] if item[1].links else 0.0,
        )
    )
    return [d for d, _ in found], found[0][1]


def _row(
    network: Network,
    start: pd.Timestamp,
    market: str,
    day: float,
    chain: list[ShockDraws],
    path: Path,
) -> dict[str, object]:
    draws = chain[0]
    node = network.nodes[market]
    between = [k.buyer for k in path.links[1:]]  # nodes between the cut and the market
    first = path.links[-1].supplier if path.links else market
    nodes = path.nodes_hit
    on_the_way = sum(2 * network.nodes[n].cover_days for n in between)  # input and output
    if first in nodes and first != market:  # a producer that is cut still ships its stock
        on_the_way += network.nodes[first].cover_days
    transit = sum(k.transit_days for k in path.links)
    held = float(draws.delay[0])
    begin = float(draws.begin[0])
    parts = [f"{market} cover {node.cover_days:g} d"]
    parts += [f"{n} {network.nodes[n].cover_days:g} d in + out" for n in between]
    parts.append(f"{transit:g} d in transit")
    if held:
        parts.append(f"{held:g} d held back by review or detour")
    mineral = path.links[-1].mineral if path.links else ""
    then = [
        f"{shock_label(d.shock, d.index)} ({_date(start, float(d.begin[0]))})" for d in chain[1:]
    ]
    return {
        "market": market,
        "first_shortfall_date": _date(start, day),
        "shock": shock_label(draws.shock, draws.index),
        "then": "; ".join(then),
        "shock_start_date": _date(start, begin),
        "days_after_start": day - begin,
        "mineral": mineral,
        "path": " <- ".join([market, *[k.supplier for k in path.links]]),
        "market_cover_days": node.cover_days,
        "cover_on_the_way_days": on_the_way,
        "transit_days": transit,
        "held_back_days": held,
        "what_sets_the_date": "; ".join(parts),
    }


def _date(start: pd.Timestamp, day: float) -> str:
    return (start + pd.Timedelta(days=day)).date().isoformat()
