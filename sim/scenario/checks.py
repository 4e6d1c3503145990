"""Whole-model consistency checks, run after every field is valid (one `check_*` per concern).

Each returns a list of problems; each problem names the place, what is wrong and what would be
right. They run in `scenario.resolve`, so no run starts on an inconsistent network.
"""

from __future__ import annotations

import difflib
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sim.scenario.errors import Problem, Where
from sim.scenario.network import (
    LinkSpec,
    MarketSpec,
    MineSpec,
    Network,
    NodeSpec,
    PlantSpec,
    RecyclerSpec,
    RefinerySpec,
    StockpileSpec,
    inputs,
    link_commodity,
    link_mineral,
    outputs,
    scrap_outputs,
)
from sim.scenario.secondary import offers_first
from sim.scenario.uncertainty import Uncertainty
from sim.scenario.yamlio import Document
from sim.shocks.base import ShockSpec, check_amounts, shock_label
from sim.vocabulary import SCRAP

SHARE_TOLERANCE = 1e-6


def _suggest(name: str, known: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else f"the name of a {what}"


def check_unique_names(entries: Sequence[tuple[str, Where]], what: str = "node") -> list[Problem]:
    first: dict[str, Where] = {}
    problems = []
    for name, where in entries:
        if name in first:
            problems.append(
                Problem(
                    where,
                    f"{what} name '{name}' is used twice (first at {first[name]})",
                    f"unique {what} names",
                )
            )
        else:
            first[name] = where
    return problems


def check_links(
    nodes: dict[str, NodeSpec], links: Sequence[tuple[LinkSpec, Where]]
) -> list[Problem]:
    """Each link joins known nodes and carries a commodity the supplier makes and the buyer uses."""
    problems = []
    for link, where in links:
        bad = False
        for end, name in (("from", link.from_), ("to", link.to)):
            if name not in nodes:
                problems.append(
                    Problem(
                        _at(where, end),
                        f"unknown node '{name}'",
                        _suggest(name, sorted(nodes), "node"),
                    )
                )
                bad = True
        if bad:
            continue
        supplier, buyer = nodes[link.from_], nodes[link.to]
        made = outputs(supplier)
        minerals = [m for m, _ in made]
        mineral = link_mineral(supplier, buyer, link.mineral)
        if mineral is None:
            problems.append(
                Problem(
                    where,
                    f"'{link.from_}' makes several minerals that '{link.to}' uses",
                    "a `mineral:` on the link, one of " + ", ".join(minerals),
                )
            )
            continue
        if mineral not in minerals:
            problems.append(
                Problem(
                    _at(where, "mineral"),
                    f"'{link.from_}' does not make {mineral}",
                    "one of " + ", ".join(minerals),
                )
            )
            continue
        commodity = link_commodity(supplier, buyer, mineral)
        assert commodity is not None
        if commodity not in inputs(buyer):
            used = ", ".join(f"{m} {s}" for m, s in inputs(buyer)) or "nothing (mines buy no input)"
            problems.append(
                Problem(
                    where,
                    f"'{link.to}' ({buyer.kind}) does not use "
                    f"{commodity[0]} {commodity[1]} from '{link.from_}' "
                    f"({supplier.kind})",
                    f"a buyer that uses it; '{link.to}' uses {used}",
                )
            )
        elif isinstance(supplier, StockpileSpec) and isinstance(buyer, StockpileSpec):
            problems.append(
                Problem(
                    where,
                    "a stockpile cannot supply another stockpile",
                    "a link from a refinery, recycler or plant",
                )
            )
    return problems


def check_network(
    network: Network, located: dict[str, Where], link_where: Sequence[Where]
) -> list[Problem]:
    return (
        check_shares(network, located, link_where)
        + check_collection(network, located)
        + check_process_scrap(network, located)
        + check_reachable(network, located)
    )


def check_shares(
    network: Network, located: dict[str, Where], link_where: Sequence[Where]
) -> list[Problem]:
    """A buyer's sourcing shares sum to 1 per commodity (stockpile links excluded)."""
    groups: dict[tuple[str, tuple[str, str]], list[int]] = defaultdict(list)
    for link in network.links:
        if isinstance(network.nodes[link.supplier], StockpileSpec):
            continue
        owner = link.supplier if link.stage == SCRAP else link.buyer
        groups[(owner, link.commodity)].append(link.index)
    problems = []
    for (owner, (mineral, stage)), members in groups.items():
        total = sum(network.links[i].share for i in members)
        first = [i for i in members if offers_first(network, network.links[i])]
        primary = sum(network.links[i].share for i in members if i not in first)
        if abs(total - 1.0) <= SHARE_TOLERANCE or (
            first and (len(first) == len(members) or abs(primary - 1.0) <= SHARE_TOLERANCE)
        ):
            continue  # recycled first: only the other suppliers' shares are used, renormalised
        role = "end-of-life and scrap shares from" if stage == SCRAP else "sourcing shares of"
        other = "buyer" if stage == SCRAP else "supplier"
        parts = " + ".join(
            f"{network.links[i].share:g} ({getattr(network.links[i], other)})" for i in members
        )
        right = "shares that sum to 1"
        if first:
            names = ", ".join(network.links[i].supplier for i in first)
            right += (
                f" (with {names} offering recycled material first, the shares of the other "
                "suppliers alone may sum to 1)"
            )
        problems.append(
            Problem(
                link_where[members[0]],
                f"{role} '{owner}' for {mineral} {stage} sum to {total:g} = {parts}",
                right,
            )
        )
    return problems


def check_process_scrap(network: Network, located: dict[str, Where]) -> list[Problem]:
    """A refinery or plant with `scrap_recovery` > 0 has a scrap link to a recycler for each
    mineral it makes; one with scrap links recovers some scrap."""
    problems = []
    for node in network.nodes.values():
        if not isinstance(node, RefinerySpec | PlantSpec):
            continue
        recovery = node.scrap_recovery
        sent = {k.mineral for k in network.out_links[node.name] if k.stage == SCRAP}
        if recovery == 0 and sent:
            problems.append(
                Problem(
                    located[node.name],
                    f"'{node.name}' has scrap links to recyclers ({', '.join(sorted(sent))}) "
                    "but scrap_recovery 0, so they would carry nothing",
                    "a scrap_recovery above 0 (the share of process losses sent), or no "
                    "links to recyclers",
                )
            )
            continue
        for mineral, _ in scrap_outputs(node) if recovery > 0 else []:
            if mineral not in sent:
                problems.append(
                    Problem(
                        located[node.name],
                        f"'{node.name}' recovers process scrap (scrap_recovery {recovery:g}) "
                        f"but has no link to a {mineral} recycler",
                        f"a link from '{node.name}' to a {mineral} recycler, or scrap_recovery 0",
                    )
                )
    return problems


def check_collection(network: Network, located: dict[str, Where]) -> list[Problem]:
    """A market that collects end-of-life material has a recycler to send it to."""
    problems = []
    for market in network.of_kind("market"):
        assert isinstance(market, MarketSpec)
        if market.collection_rate == 0:
            continue
        sent = {link.mineral for link in network.out_links[market.name]}
        for mineral in market.intensity_kg_per_unit:
            if mineral not in sent:
                problems.append(
                    Problem(
                        located[market.name],
                        f"market '{market.name}' collects "
                        f"end-of-life {mineral} (collection_rate "
                        f"{market.collection_rate:g}) but has no link to a "
                        f"{mineral} recycler",
                        "a link from the market to a recycler, or collection_rate 0",
                    )
                )
    return problems


def check_reachable(network: Network, located: dict[str, Where]) -> list[Problem]:
    """Every input of every buyer has a supply path that starts at a mine, stock or recycler."""
    reachable: set[tuple[str, tuple[str, str]]] = set()  # (node, output commodity)
    changed = True
    while changed:
        changed = False
        for node in network.nodes.values():
            for commodity in outputs(node):
                if (node.name, commodity) in reachable:
                    continue
                if _supplied(network, node, commodity, reachable):
                    reachable.add((node.name, commodity))
                    changed = True
    problems = []
    for market in network.of_kind("market"):
        for commodity in inputs(market):
            if not any(
                (link.supplier, commodity) in reachable
                for link in network.in_links[market.name]
                if link.commodity == commodity
            ):
                problems.append(
                    Problem(
                        located[market.name],
                        f"no supply path reaches market "
                        f"'{market.name}' for {commodity[0]} {commodity[1]}",
                        "links from a chain of suppliers that starts at a mine, "
                        "a filled stockpile or a recycler",
                    )
                )
    return problems


def _supplied(
    network: Network,
    node: NodeSpec,
    commodity: tuple[str, str],
    reachable: set[tuple[str, tuple[str, str]]],
) -> bool:
    if isinstance(node, MineSpec):
        return True
    if isinstance(node, StockpileSpec) and node.initial_t > 0:
        return True
    if isinstance(node, RecyclerSpec):
        return bool(network.in_links[node.name])
    needed = [commodity] if isinstance(node, StockpileSpec) else inputs(node)
    if isinstance(node, MarketSpec):
        return False
    return all(
        any(
            (link.supplier, c) in reachable
            for link in network.in_links[node.name]
            if link.commodity == c
        )
        for c in needed
    )


def check_shocks(
    shocks: Sequence[ShockSpec],
    windows: Sequence[tuple[float, float] | None],
    horizon_days: int,
    network: Network,
    doc: Document,
) -> list[Problem]:
    """Each shock acts inside the horizon on something that exists (what it hits is checked
    by its own type: `ShockSpec.check`)."""
    problems = []
    labels = [shock_label(shock, i) for i, shock in enumerate(shocks)]
    for node in network.nodes.values():
        for name in getattr(node, "release_during", ()):
            if name not in labels:
                problems.append(
                    Problem(
                        doc.where(("network",)),
                        f"stockpile '{node.name}' "
                        f"releases during shock '{name}', which the scenario "
                        "does not have",
                        _suggest(name, labels, "shock")
                        if labels
                        else "the name of one of its shocks",
                    )
                )
    for i, (shock, window) in enumerate(zip(shocks, windows, strict=True)):
        where = doc.where(("shocks", i))
        problems += [Problem(where, text) for text in check_amounts(shock)]
        begin, end = window if window is not None else (0.0, 1.0)  # drawn: clipped at run time
        if begin < 0:
            problems.append(
                Problem(
                    where,
                    f"starts {-begin:g} days before the scenario start",
                    "a start on or after the scenario start",
                )
            )
        if begin >= horizon_days:
            problems.append(
                Problem(
                    where,
                    f"starts on day {begin:g}, after the horizon ({horizon_days} days)",
                    "a start inside the horizon",
                )
            )
        if end <= begin:
            problems.append(
                Problem(
                    where,
                    f"ends (day {end:g}) before it starts (day {begin:g})",
                    "an end after the start",
                )
            )
        problems += shock.check(network, where)
    return problems


def _at(where: Where, key: str) -> Where:
    return Where(where.file, where.line, f"{where.field}.{key}" if where.field else key)


def check_uncertainty(spec: Uncertainty, network: Network, doc: Document) -> list[Problem]:
    """Random inputs select something that exists; random transit times are bounded."""
    problems = []
    producers = ("mine", "refinery", "plant", "recycler")
    for i, outage in enumerate(spec.outages):
        where = doc.where(("uncertainty", "outages", i))
        if outage.select is None:
            problems += outage.check_links(network, where)
            continue
        chosen = outage.select.select(network)
        unknown = [n for n in outage.select.nodes if n not in network.nodes]
        problems += [
            Problem(
                where, f"selects unknown node '{n}'", _suggest(n, sorted(network.nodes), "node")
            )
            for n in unknown
        ]
        if not unknown and not any(network.nodes[n].kind in producers for n in chosen):
            problems.append(
                Problem(
                    where,
                    "selects no mine, refinery, plant or recycler",
                    "a selection that matches at least one producer",
                )
            )
    for i, rule in enumerate(spec.transit):
        where = doc.where(("uncertainty", "transit", i))
        if not rule.links.select(network):
            problems.append(Problem(where, "selects no link", "a selection that matches a link"))
        if math.isinf(rule.transit_days.upper):
            problems.append(
                Problem(
                    where,
                    f"transit_days ({rule.transit_days.dist}) has no upper bound",
                    "a bounded distribution (uniform, triangular, fixed) or a `max:`",
                )
            )
    for i, noise in enumerate(spec.demand):
        where = doc.where(("uncertainty", "demand", i))
        if not any(network.nodes[n].kind == "market" for n in noise.select.select(network)):
            problems.append(
                Problem(where, "selects no market", "a selection that matches a market")
            )
    for i, varied in enumerate(spec.cover):
        where = doc.where(("uncertainty", "cover", i))
        unknown = [n for n in varied.select.nodes if n not in network.nodes]
        problems += [
            Problem(
                where, f"selects unknown node '{n}'", _suggest(n, sorted(network.nodes), "node")
            )
            for n in unknown
        ]
        if not unknown and not varied.select.select(network):
            problems.append(Problem(where, "selects no node", "a selection that matches a node"))
    return problems


def check_projects(projects: Sequence[Any], network: Network, doc: Document) -> list[Problem]:
    """Each project sells to someone, names each buyer once, has suppliers whose shares sum to
    1 (converters), and no buyer gives projects more than all of its orders of a mineral."""
    problems: list[Problem] = []
    taken: dict[tuple[str, str], float] = {}
    for i, project in enumerate(projects):
        at = ("projects", i)
        buyers = [(p.node, p.mineral) for p in project.sells_to]
        if not buyers:
            problems.append(
                Problem(
                    doc.where((*at, "sells_to")),
                    f"project '{project.name}' sells to nobody, so nothing would use it",
                    "`sells_to` entries: a buyer and the share of its orders it takes",
                )
            )
        for k, (name, mineral) in enumerate(buyers):
            if (name, mineral) in buyers[:k]:
                problems.append(
                    Problem(
                        doc.where((*at, "sells_to", k, "node")),
                        f"project '{project.name}' names buyer '{name}' twice"
                        + (f" for {mineral}" if mineral else ""),
                        "each buyer once (per mineral), with the share it moves to the project",
                    )
                )
        supplied: dict[str, float] = defaultdict(float)
        for link in network.in_links.get(project.node.name, []):
            supplied[link.mineral] += next(
                (
                    p.share
                    for p in project.buys_from
                    if p.node == link.supplier and p.mineral in (None, link.mineral)
                ),
                0.0,  # a sale of another project to this one: not a supply it declares
            )
        for mineral, total in supplied.items():
            if abs(total - 1.0) > 1e-6:
                problems.append(
                    Problem(
                        doc.where((*at, "buys_from")),
                        f"the shares of project '{project.name}'s suppliers of {mineral} sum "
                        f"to {total:.4g}",
                        "shares that sum to 1 for each mineral it buys",
                    )
                )
        if inputs(project.node) and not project.buys_from and project.node.kind != "recycler":
            problems.append(
                Problem(
                    doc.where((*at, "buys_from")),
                    f"project '{project.name}' has no suppliers, so it would make nothing",
                    "`buys_from` entries whose shares sum to 1",
                )
            )
        for k, plan in enumerate(project.sells_to):
            for link in network.out_links.get(project.node.name, []):
                if link.buyer == plan.node:
                    key = (plan.node, link.mineral)
                    taken[key] = taken.get(key, 0.0) + plan.share
                    if taken[key] > 1.0 + 1e-9:
                        problems.append(
                            Problem(
                                doc.where((*at, "sells_to", k, "share")),
                                f"projects would take {taken[key]:.4g} of {plan.node}'s "
                                f"orders of {link.mineral}",
                                "shares that add up to at most 1 per buyer and mineral",
                            )
                        )
    return problems
