"""Dependency-reduction policies compiled into a variant of a scenario: its network and its
planned changes (`schedules.py`).

A policy is a named list of levers (`levers.py`); the baseline is the scenario without any.
Every lever is a change a user could make by hand (a node, links, shares, dates), so a policy
run is an ordinary run of its variant, with the same replications and random draws as the
baseline.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from sim.engine.simulate import RunResult
from sim.levers.core import (
    DemandEfficiency,
    Diversify,
    NewCapacity,
    PartnerPriority,
    Policy,
    Recycling,
    StockpileLever,
)
from sim.scenario.errors import Problem, ScenarioError, Where
from sim.scenario.loader import Scenario
from sim.scenario.network import (
    LinkSpec,
    MarketSpec,
    Network,
    NodeSpec,
    PlantSpec,
    StockpileSpec,
    inputs,
    resolve_links,
)
from sim.scenario.schedules import Phase, Priority, Ramp, Schedules, Shift
from sim.scenario.spec import Day, to_day

# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Draft:
    """A network being edited: nodes, link specs and planned changes."""

    nodes: dict[str, NodeSpec]
    links: list[LinkSpec]
    schedules: Schedules
    scenario: Scenario
    ops: dict[tuple[str, str], list[_ShareOp]] = dataclasses.field(default_factory=dict)
    """Per (buyer, mineral): share changes, applied in lever order at every change day."""

    def day(self, value: Day) -> float:
        return to_day(value, self.scenario.spec.start)

    def add_link(
        self,
        supplier: str,
        buyer: str,
        share: float,
        transit: float = 0.0,
        chokepoints: tuple[str, ...] = (),
        mineral: str | None = None,
    ) -> int:
        self.links.append(
            LinkSpec.model_validate(
                {
                    "from": supplier,
                    "to": buyer,
                    "share": share,
                    "transit_days": transit,
                    "chokepoints": chokepoints,
                    "mineral": mineral,
                }
            )
        )
        return len(self.links) - 1

    def plan(self, buyer: str, mineral: str, op: _ShareOp) -> None:
        self.ops.setdefault((buyer, mineral), []).append(op)

    def switches(self) -> list[tuple[float, dict[int, float]]]:
        """Every buyer's full share vector at every day one of its levers changes it."""
        events: dict[float, dict[int, float]] = {}
        for (buyer, mineral), ops in self.ops.items():
            group = _links_of(self, buyer, mineral)
            base = {i: self.links[i].share for i in group}
            for day in sorted({d for op in ops for d in op.days}):
                shares = dict(base)
                for op in ops:
                    shares = op.apply(day, shares)
                events.setdefault(day, {}).update(shares)
        return sorted(events.items())


@dataclasses.dataclass(frozen=True)
class _ShareOp:
    """One lever's change to a buyer's sourcing shares, as a function of the day.

    `take`: `link` gets `share` x the fraction reached by `steps` (day, fraction), the other
    links shrink in proportion. `cap`: from `days[0]`, the `capped` links keep at most
    `share` together and the rest moves to `alternatives` in equal parts.
    """

    kind: str
    days: tuple[float, ...]
    share: float
    link: int = -1
    steps: tuple[tuple[float, float], ...] = ()
    capped: frozenset[int] = frozenset()
    alternatives: tuple[int, ...] = ()

    def apply(self, day: float, shares: dict[int, float]) -> dict[int, float]:
        shares = dict(shares)
        if self.kind == "take":
            fraction = max((f for d, f in self.steps if d <= day), default=0.0)
            taken = self.share * fraction
            others = {i: v for i, v in shares.items() if i != self.link}
            total = sum(others.values())
            for i, value in others.items():
                shares[i] = value / total * (1.0 - taken) if total > 0 else 0.0
            shares[self.link] = taken if total > 0 else 1.0
            return shares
        if day < self.days[0]:
            return shares
        held = sum(shares[i] for i in self.capped)
        if held <= self.share:
            return shares
        for i in self.capped:
            shares[i] *= self.share / held
        for i in self.alternatives:
            shares[i] += (held - self.share) / len(self.alternatives)
        return shares


def _links_of(draft: _Draft, buyer: str, mineral: str) -> list[int]:
    """Supply links (not from stockpiles) into `buyer` carrying `mineral`, by position."""
    return [
        i
        for i, k in enumerate(draft.links)
        if k.to == buyer
        and (k.mineral or _made(draft.nodes[k.from_])) == mineral
        and not isinstance(draft.nodes[k.from_], StockpileSpec)
    ]


def _made(node: NodeSpec) -> str:
    return getattr(node, "mineral", None) or next(iter(getattr(node, "recipe", {"": 0})))


def _move_share(
    draft: _Draft,
    buyer: str,
    mineral: str,
    new_link: int,
    share: float,
    steps: list[tuple[float, float]],
) -> None:
    """Give `new_link` `share` of the buyer's orders along `steps` (day, fraction of share),
    shrinking the buyer's other links in proportion."""
    draft.plan(
        buyer,
        mineral,
        _ShareOp("take", tuple(d for d, _ in steps), share, link=new_link, steps=tuple(steps)),
    )


def _ramp_steps(online: float, days: float, step: int) -> list[tuple[float, float]]:
    """Share fractions along a ramp: one switch per review, at most 26."""
    if days <= 0:
        return [(online, 1.0)]
    count = max(1, min(26, round(days / step)))
    return [(online + days * k / count, k / count) for k in range(1, count + 1)]


def _stockpile(draft: _Draft, lever: StockpileLever, net: Network, number: int) -> None:
    commodity = (lever.mineral, lever.stage)
    buyers = [
        n
        for n in net.nodes.values()
        if n.country == lever.country
        and commodity in inputs(n)
        and not isinstance(n, StockpileSpec)
    ]
    if not buyers:
        raise ValueError(f"nothing in {lever.country} uses {lever.mineral} {lever.stage}")
    use = sum(net.expected_use_tpd(n.name, commodity) for n in buyers)
    name = f"reserve_{lever.country.lower()}_{lever.mineral}_{number}"
    size = lever.days * use
    threshold = lever.release_below_cover_days
    if threshold is None:
        threshold = 0.5 * min(b.cover_days for b in buyers)
    draft.nodes[name] = StockpileSpec(
        name=name,
        kind="stockpile",
        country=lever.country,
        mineral=lever.mineral,
        stage=lever.stage,
        initial_t=size * lever.initial_fill,
        target_t=size if lever.refill else 0.0,
        release_below_cover_days=threshold,
        release_during=lever.release_during,
        max_release_tpd=None if lever.max_release_share is None else lever.max_release_share * use,
        source=f"policy lever: {lever.days:g} days of {lever.country}'s use",
    )
    for buyer in buyers:
        draft.add_link(name, buyer.name, 1.0, transit=1.0)
    if lever.refill:  # buy from the country's main supplier of it
        flows: dict[str, float] = {}
        for k in net.links:
            if k.commodity == commodity and k.buyer in {b.name for b in buyers}:
                flows[k.supplier] = flows.get(k.supplier, 0.0) + net.expected_link_tpd[k.index]
        if flows:
            source = max(flows, key=lambda s: flows[s])
            draft.add_link(source, name, 1.0, transit=30.0)


def _new_capacity(draft: _Draft, lever: NewCapacity) -> None:
    node = lever.node
    draft.nodes[node.name] = node
    online = draft.day(lever.online)
    draft.schedules.ramps[node.name] = Ramp(online, lever.ramp_up_days)
    for plan in lever.buys_from:
        draft.add_link(plan.node, node.name, plan.share, plan.transit_days, plan.chokepoints)
    step = draft.scenario.spec.step_days
    for plan in lever.sells_to:
        mineral = _made(node)
        link = draft.add_link(
            node.name,
            plan.node,
            0.0,
            plan.transit_days,
            plan.chokepoints,
            mineral=mineral if isinstance(node, PlantSpec) else None,
        )
        _move_share(
            draft,
            plan.node,
            mineral,
            link,
            plan.share,
            _ramp_steps(online, lever.ramp_up_days, step),
        )


def _efficiency(draft: _Draft, lever: DemandEfficiency, net: Network) -> None:
    for name in lever.select.select(net):
        market = net.nodes[name]
        if isinstance(market, MarketSpec) and lever.mineral in market.intensity_kg_per_unit:
            draft.schedules.intensity[(name, lever.mineral)] = Phase(
                draft.day(lever.start), lever.phase_in_days, lever.reduction
            )


def _diversify(draft: _Draft, lever: Diversify, net: Network) -> None:
    day = draft.day(lever.start) + lever.qualification_days
    for name in lever.buyers.select(net):
        current = _links_of(draft, name, lever.mineral)
        capped = frozenset(
            i for i in current if draft.nodes[draft.links[i].from_].country == lever.from_country
        )
        if not capped:
            continue
        alternatives = []
        for alternative in lever.alternatives:
            existing = [i for i in current if draft.links[i].from_ == alternative]
            alternatives.append(
                existing[0]
                if existing
                else draft.add_link(
                    alternative, name, 0.0, lever.transit_days, mineral=lever.mineral
                )
            )
        draft.plan(
            name,
            lever.mineral,
            _ShareOp(
                "cap", (day,), lever.max_share, capped=capped, alternatives=tuple(alternatives)
            ),
        )


def _recycling(draft: _Draft, lever: Recycling) -> None:
    market = draft.nodes[lever.market]
    if not isinstance(market, MarketSpec):
        raise ValueError(f"'{lever.market}' is not a market")
    start = draft.day(lever.start)
    at_once = start <= 0 and lever.ramp_up_days <= 0
    if at_once:
        draft.nodes[lever.market] = market.model_copy(
            update={"collection_rate": lever.collection_rate}
        )
    else:
        draft.schedules.collection[lever.market] = Shift(
            start, lever.ramp_up_days, market.collection_rate, lever.collection_rate
        )
        draft.schedules.ramps[lever.recycler.name] = Ramp(start, lever.ramp_up_days)
    draft.nodes[lever.recycler.name] = lever.recycler
    existing = [
        i
        for i, k in enumerate(draft.links)
        if k.from_ == lever.market and (k.mineral or lever.mineral) == lever.mineral
    ]
    for i in existing:  # existing recyclers keep the rest of the collected flow
        draft.links[i] = draft.links[i].model_copy(
            update={"share": draft.links[i].share * (1.0 - lever.share_of_collected)}
        )
    share = lever.share_of_collected if existing else 1.0
    draft.add_link(lever.market, lever.recycler.name, share, 2.0, mineral=lever.mineral)
    for other in market.intensity_kg_per_unit:
        if other != lever.mineral and not any(
            k.from_ == lever.market and k.mineral == other for k in draft.links
        ):
            raise ValueError(
                f"market '{lever.market}' would collect {other} with no recycler "
                f"for it; recycling levers need one per mineral it collects"
            )
    steps = (
        [(0.0, 1.0)]
        if at_once
        else _ramp_steps(start, lever.ramp_up_days, draft.scenario.spec.step_days)
    )
    for plan in lever.supplies:
        link = draft.add_link(lever.recycler.name, plan.node, 0.0, plan.transit_days)
        _move_share(draft, plan.node, lever.mineral, link, plan.share, steps)
        if not at_once:
            continue
        draft.links[link] = draft.links[link].model_copy(update={"share": plan.share})
        others = [i for i in _links_of(draft, plan.node, lever.mineral) if i != link]
        total = sum(draft.links[i].share for i in others)
        for i in others:  # in place from the start: the steady state includes recycling
            draft.links[i] = draft.links[i].model_copy(
                update={"share": draft.links[i].share / total * (1.0 - plan.share)}
            )


def _partner(draft: _Draft, lever: PartnerPriority, net: Network) -> None:
    links = [
        k
        for k in net.links
        if k.mineral == lever.mineral
        and net.nodes[k.supplier].country == lever.supplier_country
        and net.nodes[k.buyer].country == lever.buyer_country
        and k.stage != "scrap"
    ]
    if not links:
        raise ValueError(
            f"no {lever.mineral} flows from {lever.supplier_country} to "
            f"{lever.buyer_country} to contract"
        )
    flows = np.array([net.expected_link_tpd[k.index] for k in links])
    weights = flows / flows.sum() if flows.sum() > 0 else np.full(len(links), 1 / len(links))
    for link, weight in zip(links, weights, strict=True):
        draft.schedules.priority[link.index] = Priority(
            lever.contracted_tpa / 365.0 * float(weight), draft.day(lever.start)
        )


def apply(scenario: Scenario, policy: Policy) -> Scenario:
    """The scenario's variant with `policy`'s levers in place."""
    net = scenario.network
    links = [
        LinkSpec.model_validate(
            {
                "from": k.supplier,
                "to": k.buyer,
                "mineral": k.mineral,
                "share": k.share,
                "transit_days": k.transit_days,
                "chokepoints": k.chokepoints,
            }
        )
        for k in net.links
    ]
    draft = _Draft(dict(net.nodes), links, Schedules(), scenario)
    try:
        for number, lever in enumerate(policy.levers):
            if isinstance(lever, StockpileLever):
                _stockpile(draft, lever, net, number)
            elif isinstance(lever, NewCapacity):
                _new_capacity(draft, lever)
            elif isinstance(lever, DemandEfficiency):
                _efficiency(draft, lever, net)
            elif isinstance(lever, Diversify):
                _diversify(draft, lever, net)
            elif isinstance(lever, Recycling):
                _recycling(draft, lever)
            else:
                _partner(draft, lever, net)
    except (ValueError, KeyError) as error:
        raise ScenarioError(
            [
                Problem(
                    _where(scenario, policy),
                    str(error).strip("'\""),
                    "levers that refer to nodes and flows of the network",
                )
            ]
        ) from None
    from sim.scenario import checks

    where = _where(scenario, policy)
    problems = checks.check_links(draft.nodes, [(k, where) for k in draft.links])
    if problems:
        raise ScenarioError(problems)
    network = Network(draft.nodes, resolve_links(draft.nodes, draft.links))
    draft.schedules.share_switches = draft.switches()
    located = dict.fromkeys(network.nodes, where)
    links_where = [where] * len(network.links)
    problems = checks.check_network(network, located, links_where)
    switched = network
    for _, shares in draft.schedules.share_switches:  # and after every planned switch
        switched = switched.with_shares(shares)
        problems += checks.check_shares(switched, located, links_where)
    if problems:
        raise ScenarioError(problems)
    return dataclasses.replace(scenario, network=network, schedules=draft.schedules, policy=policy)


def cost_usd(result: RunResult) -> np.ndarray:
    """What the run's policy costs over the horizon per replication, USD: stockpile holding
    (mean stock x years x cost per t-year), capital and programme costs, and premiums per
    tonne shipped on diversified or contracted links."""
    scenario, rec = result.scenario, result.recorder
    reps = len(result.reps)
    total = np.zeros(reps)
    if scenario.policy is None:
        return total
    network, years = scenario.network, scenario.spec.horizon_days / 365.0
    shipped = rec.shipped_totals()
    for number, lever in enumerate(scenario.policy.levers):
        if isinstance(lever, StockpileLever):
            name = f"reserve_{lever.country.lower()}_{lever.mineral}_{number}"
            key = (name, lever.mineral, lever.stage, "stock_t")
            mean_stock = rec.horizon_sum(key) / result.n_periods
            total += mean_stock * years * lever.holding_cost_usd_per_t_year
        elif isinstance(lever, NewCapacity | Recycling):
            total += lever.capital_cost_usd
        elif isinstance(lever, DemandEfficiency):
            total += lever.cost_usd
        elif isinstance(lever, Diversify):
            buyers = set(lever.buyers.select(network))
            for k in network.links:
                if k.supplier in lever.alternatives and k.buyer in buyers:
                    total += shipped[k.index] * lever.premium_usd_per_t
        elif isinstance(lever, PartnerPriority):
            cap = lever.contracted_tpa * years
            contracted = [
                k.index
                for k in network.links
                if k.index in scenario.schedules.priority
                and network.nodes[k.supplier].country == lever.supplier_country
            ]
            received = sum((shipped[i] for i in contracted), np.zeros(reps))
            total += np.minimum(received, cap) * lever.premium_usd_per_t
    return total


def _where(scenario: Scenario, policy: Policy) -> Where:
    return Where(scenario.path or Path("<scenario>"), None, f"policies.{policy.name}")
