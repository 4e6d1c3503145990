"""The vectorized phases of a review: production, filling orders and ordering, for all nodes of
a kind at once.

Index arrays are computed once per run (`Review.__init__`); at each review every phase is a
fixed number of numpy operations on arrays of shape (nodes or links, R), so the cost of a review
barely grows with the number of nodes. Semantics (DESIGN.md section 4):

- Production = min(capacity x availability x shocks x outages x period, inputs on hand x yield,
  the output stock target (cover_days of expected shipments) + the orders due - stock on hand).
- Orders placed at the last review are filled from stock, pro rata to orders when short; an
  export ban caps a link at (1 - severity) x its shock-free flow. Unfilled orders are not carried
  over (buyers order again) but signal the supplier to order more itself.
- A buyer orders the gap between its target position (expected use x (cover_days + days from
  order to use), plus unmet backlog and unfilled orders) and on hand + on order, split by share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.effects import Modifiers
from sim.engine.recorder import Recorder
from sim.engine.state import State
from sim.scenario.network import (
    MarketSpec,
    MineSpec,
    Network,
    PlantSpec,
    RecyclerSpec,
    RefinerySpec,
    StockpileSpec,
    inputs,
    outputs,
    transit_periods,
)
from sim.vocabulary import COMPONENT, PRODUCTION_T, REFINED, SCRAP, fill_ratio

if TYPE_CHECKING:
    from sim.engine.markets import Markets


class SegmentSum:
    """Adds rows of values into target rows, several values per target, in a fixed order.

    `targets[i]` is the row that value row i goes to. Values are added level by level (the
    first value of each target, then the second, ...), each level a plain indexed add, so every
    replication's sum is taken in the same order whatever the batch: np.add.at would do, but
    several times slower.
    """

    def __init__(self, targets: np.ndarray):
        seen: dict[int, int] = {}
        levels: list[list[tuple[int, int]]] = []
        for item, target in enumerate(targets.tolist()):
            level = seen.get(target, 0)
            seen[target] = level + 1
            if level == len(levels):
                levels.append([])
            levels[level].append((item, target))
        self.levels = [
            (
                np.array([i for i, _ in lv], dtype=np.intp),
                np.array([t for _, t in lv], dtype=np.intp),
            )
            for lv in levels
        ]

    def add_into(self, out: np.ndarray, values: np.ndarray) -> None:
        for items, rows in self.levels:
            out[rows] += values[items]


@dataclass
class _Group:
    """Mines, or refineries and recyclers together: index arrays for one vectorized step."""

    names: list[str]
    rows: np.ndarray
    """Rows in the modifiers' per-node arrays."""
    out: np.ndarray
    """Stock rows of their outputs."""
    feed: np.ndarray
    """Stock rows of their inputs (converters only)."""
    yields: np.ndarray
    cap: np.ndarray
    """Capacity per review, t, shape (n, 1)."""
    target: np.ndarray
    """Output stock target, t, shape (n, 1)."""
    mineral: np.ndarray
    """Ledger row of each node's mineral."""
    record: tuple[np.ndarray, ...]
    converts: bool
    ledger_sum: SegmentSum | None = None


class Review:
    """Static index arrays for the vectorized phases, and the phases themselves."""

    def __init__(self, state: State, mods: Modifiers, rec: Recorder):
        self.state, self.mods, self.rec = state, mods, rec
        self.network = net = state.network
        step = state.step_days
        slot, ledger = state.slot, state.ledger
        self.step = step
        mines = [n for n in net.nodes.values() if isinstance(n, MineSpec)]
        converters = [n for n in net.nodes.values() if isinstance(n, RefinerySpec | RecyclerSpec)]
        self.plants = [n for n in net.nodes.values() if isinstance(n, PlantSpec)]
        self.groups: list[_Group] = []
        for group, converts in ((mines, False), (converters, True)):
            if not group:
                continue
            out = [outputs(n)[0] for n in group]
            self.groups.append(
                _Group(
                    names=[n.name for n in group],
                    rows=np.array([mods.node_index[n.name] for n in group], dtype=np.intp),
                    out=np.array(
                        [slot[(n.name, c)] for n, c in zip(group, out, strict=True)], dtype=np.intp
                    ),
                    feed=np.array(
                        [slot[(n.name, inputs(n)[0])] for n in group] if converts else [],
                        dtype=np.intp,
                    ),
                    yields=np.array([getattr(n, "yield_", 1.0) for n in group])[:, None],
                    cap=np.array([n.capacity_tpa * n.availability * step / 365.0 for n in group])[
                        :, None
                    ],
                    target=np.array(
                        [
                            n.cover_days * net.expected_out_tpd(n.name, c)
                            for n, c in zip(group, out, strict=True)
                        ]
                    )[:, None],
                    mineral=np.array([ledger.index[c[0]] for c in out], dtype=np.intp),
                    record=rec.locate(
                        [(n.name, *c, PRODUCTION_T) for n, c in zip(group, out, strict=True)]
                    ),
                    converts=converts,
                )
            )
        self.plant_rows = np.array([mods.node_index[p.name] for p in self.plants], dtype=np.intp)
        self.plant_targets = {
            (p.name, m): p.cover_days * net.expected_out_tpd(p.name, (m, COMPONENT))
            for p in self.plants
            for m in p.recipe
        }
        """Output stock target of each plant and mineral, t."""
        # Sales: links on which suppliers fill orders (not stockpile releases, not scrap).
        sales = [
            k
            for k in net.links
            if k.stage != SCRAP and not isinstance(net.nodes[k.supplier], StockpileSpec)
        ]
        self.sales = np.array([k.index for k in sales], dtype=np.intp)
        self.sales_from = np.array([slot[(k.supplier, k.commodity)] for k in sales], dtype=np.intp)
        self.sales_flow = np.array([net.expected_link_tpd[k.index] * step for k in sales])[:, None]
        self.sellers = np.unique(self.sales_from)
        schedules = mods.schedules
        self.priority = [
            (position, schedules.priority[int(link)])
            for position, link in enumerate(self.sales)
            if int(link) in schedules.priority
        ]
        self.by_seller_row = SegmentSum(self.sales_from)
        self.by_buyer_row = SegmentSum(state.buyer_slot)
        for g in self.groups:
            g.ledger_sum = SegmentSum(g.mineral)
        self.seller_of_sale = np.searchsorted(self.sellers, self.sales_from)
        self._order_plans(net)

    def _order_plans(self, net: Network) -> None:
        """One plan per buyer and ordered input: its stock row, target and supply links."""
        state, step = self.state, self.step
        rows: list[int] = []
        base: list[float] = []
        links: list[int] = []
        plan_of: list[int] = []
        shares: list[float] = []
        market_plans: list[tuple[int, MarketSpec, float]] = []
        market_minerals: list[str] = []
        self.pile_plans: list[tuple[int, str]] = []
        refinery_plans: list[tuple[int, int, float]] = []
        plant_plans: dict[str, list[tuple[int, float]]] = {}
        for node in net.nodes.values():
            for commodity in inputs(node):
                supply = net.supply_links(node.name, commodity)
                if commodity[1] == SCRAP or not supply:
                    continue  # recyclers take what markets collect; they do not order it
                p = len(rows)
                rows.append(state.slot[(node.name, commodity)])
                use = net.expected_use_tpd(node.name, commodity)
                lead = sum(
                    k.share * (transit_periods(k.transit_days, step) + 1) * step for k in supply
                )
                if isinstance(node, StockpileSpec):
                    base.append(node.initial_t if node.target_t is None else node.target_t)
                    self.pile_plans.append((p, node.name))
                else:
                    base.append(use * (node.cover_days + lead))
                if isinstance(node, MarketSpec):
                    market_plans.append((p, node, node.intensity_kg_per_unit[commodity[0]] / 1e3))
                    market_minerals.append(commodity[0])
                elif isinstance(node, RefinerySpec):
                    out = state.slot[(node.name, outputs(node)[0])]
                    refinery_plans.append((p, out, node.yield_))
                elif isinstance(node, PlantSpec):
                    per_batch = node.recipe[commodity[0]] / node.yield_
                    plant_plans.setdefault(node.name, []).append((p, per_batch))
                for k in supply:
                    links.append(k.index)
                    plan_of.append(p)
                    shares.append(k.share)
        markets = [n for n in net.nodes.values() if isinstance(n, MarketSpec)]
        self.market_plan_rows = np.array([p for p, _, _ in market_plans], dtype=np.intp)
        self.market_plan_node = np.array(
            [self.mods.node_index[m.name] for _, m, _ in market_plans], dtype=np.intp
        )
        self.market_plan_market = np.array(
            [markets.index(m) for _, m, _ in market_plans], dtype=np.intp
        )
        self.market_plan_tpu = np.array([t for _, _, t in market_plans])[:, None]
        self.market_plan_pair = np.array(
            [
                state.pairs.index((m.name, c))
                for (_, m, _), c in zip(market_plans, market_minerals, strict=True)
            ],
            dtype=np.intp,
        )
        self.refinery_plan_rows = np.array([p for p, _, _ in refinery_plans], dtype=np.intp)
        self.refinery_plan_out = np.array([o for _, o, _ in refinery_plans], dtype=np.intp)
        self.refinery_plan_yield = np.array([y for _, _, y in refinery_plans])[:, None]
        self.plant_plans = []
        for name, plans in plant_plans.items():
            plant = net.nodes[name]
            assert isinstance(plant, PlantSpec)
            outs = [
                (state.slot[(name, (m, COMPONENT))], share) for m, share in plant.recipe.items()
            ]
            self.plant_plans.append((outs, plans))
        self.plan_rows = np.array(rows, dtype=np.intp)
        self.plan_base = np.array(base)[:, None]
        self.supply = np.array(links, dtype=np.intp)
        self.supply_plan = np.array(plan_of, dtype=np.intp)
        self.supply_share = np.array(shares)[:, None]

    # -- phases -----------------------------------------------------------------------------

    def orders_due(self) -> np.ndarray:
        """Orders to fill now on each sales link, less what export controls refuse, (S, R)."""
        state, mods = self.state, self.mods
        due = state.pending[self.sales]
        if mods.any_ban:
            passing = mods.link_pass[self.sales]
            due = np.where(passing >= 1.0, due, np.minimum(due, passing * self.sales_flow))
        return due

    def due_by_seller(self, due: np.ndarray) -> np.ndarray:
        """Orders due per stock row of the sellers, (rows, R), summed in link order."""
        totals = np.zeros_like(self.state.stocks)
        self.by_seller_row.add_into(totals, due)
        return totals

    def produce(self, due_by_row: np.ndarray, day: float) -> None:
        state, mods = self.state, self.mods
        stocks, ledger = state.stocks, state.ledger
        for g in self.groups:
            cap = g.cap * mods.capacity_factors(g.rows, g.names, day)
            need = g.target + due_by_row[g.out] - stocks[g.out]
            made = np.clip(np.minimum(cap, need), 0.0, None)
            if g.converts:
                feed = stocks[g.feed]
                made = np.minimum(made, feed * g.yields)
                used = made / g.yields
                stocks[g.feed] = np.maximum(feed - used, 0.0)  # rounding only
                g.ledger_sum.add_into(ledger.losses_rows, used - made)  # type: ignore[union-attr]
            else:
                g.ledger_sum.add_into(ledger.mined_rows, made)  # type: ignore[union-attr]
            stocks[g.out] += made
            self.rec.put_rows(g.record, made)
        if self.plants:
            caps = mods.capacity_factors(self.plant_rows, [p.name for p in self.plants], day)
            for plant, factor in zip(self.plants, caps, strict=True):
                cap = plant.capacity_tpa * plant.availability * factor * self.step / 365.0
                self._plant(plant, cap, due_by_row)

    def _plant(self, plant: PlantSpec, cap: np.ndarray, due_by_row: np.ndarray) -> None:
        """Plants make all recipe minerals together: output x recipe share of each."""
        state = self.state
        stock, slot = state.stock[plant.name], state.slot
        need: np.ndarray | None = None
        feasible = cap
        for mineral, share in plant.recipe.items():
            out = (mineral, COMPONENT)
            gap = (
                self.plant_targets[(plant.name, mineral)]
                + due_by_row[slot[(plant.name, out)]]
                - stock[out]
            )
            need = gap / share if need is None else np.maximum(need, gap / share)
            feasible = np.minimum(feasible, stock[(mineral, REFINED)] * plant.yield_ / share)
        assert need is not None
        made = np.clip(np.minimum(feasible, need), 0.0, None)
        for mineral, share in plant.recipe.items():
            out_t = made * share
            used = out_t / plant.yield_
            feed = stock[(mineral, REFINED)]
            feed -= used
            np.maximum(feed, 0.0, out=feed)  # rounding only: made <= feed x yield / share
            state.ledger.losses[mineral] += used - out_t
            stock[(mineral, COMPONENT)] += out_t
            self.rec.put((plant.name, mineral, COMPONENT, PRODUCTION_T), out_t)

    def fill(self, due: np.ndarray, due_by_row: np.ndarray, day: float = 0.0) -> None:
        """Ship the orders due from stock, pro rata when short; note what went unfilled.

        Links with an offtake contract (`Schedules.priority`) are served first, up to their
        contracted volume, and share what is left pro rata with everyone else.
        """
        state = self.state
        if not self.sales.size:
            return
        totals = due_by_row[self.sellers]
        on_hand = state.stocks[self.sellers]
        shipped = np.zeros_like(due)
        first = self._priority_due(due, day)
        if first is not None:
            wanted = np.zeros_like(on_hand)
            np.add.at(wanted, self.seller_of_sale, first)
            ratio = fill_ratio(on_hand, wanted)
            shipped = first * ratio[self.seller_of_sale]
            sent = np.zeros_like(on_hand)
            np.add.at(sent, self.seller_of_sale, shipped)
            on_hand = np.maximum(on_hand - sent, 0.0)
            rest = np.maximum(totals - sent, 0.0)
            ratio = fill_ratio(on_hand, rest)
            shipped = shipped + (due - shipped) * ratio[self.seller_of_sale]
            left = np.maximum(on_hand - rest * ratio, 0.0)
            state.unfilled_rows[self.sellers] = rest * (1.0 - ratio)
        else:
            ratio = fill_ratio(on_hand, totals)
            shipped = due * ratio[self.seller_of_sale]
            left = np.maximum(on_hand - totals * ratio, 0.0)  # rounding only
            state.unfilled_rows[self.sellers] = totals * (1.0 - ratio)
        state.outgoing[self.sales] += shipped
        state.stocks[self.sellers] = left

    def _priority_due(self, due: np.ndarray, day: float) -> np.ndarray | None:
        """Orders due on contracted links up to the contracted volume now (None: no contract
        is active)."""
        if not self.priority:
            return None
        first = np.zeros_like(due)
        active = False
        for position, contract in self.priority:
            if contract.start <= day < contract.end:
                first[position] = np.minimum(due[position], contract.tpd * self.step)
                active = True
        return first if active else None

    def inbound(self) -> np.ndarray:
        """t in transit toward each stock row, summed over its in-links in link order."""
        inbound = np.zeros_like(self.state.stocks)
        self.by_buyer_row.add_into(inbound, self.state.in_transit)
        return inbound

    def order(
        self,
        holding: dict[str, np.ndarray],
        inbound: np.ndarray,
        markets: Markets | None = None,
        day: float = 0.0,
    ) -> None:
        """Place every buyer's orders for the next review (see the module docstring).
        `inbound` is what `inbound()` returns after this review's shipments left."""
        state, mods = self.state, self.mods
        if not self.supply.size:
            return
        rows = self.plan_rows
        target = np.repeat(self.plan_base, state.reps, axis=1)
        if self.market_plan_rows.size:
            mp = self.market_plan_rows
            tpu = self.market_plan_tpu
            if markets is not None and markets.phases:  # intensity schedules: use scales too
                now = markets.intensity(day)[self.market_plan_pair]
                target[mp] *= now / tpu
                tpu = now
            target[mp] = (
                target[mp] * mods.demand_rows[self.market_plan_node]
                + state.backlog_rows[self.market_plan_market] * tpu
            )
        unfilled = state.unfilled_rows
        if self.refinery_plan_rows.size:
            target[self.refinery_plan_rows] += (
                unfilled[self.refinery_plan_out] / self.refinery_plan_yield
            )
        for plant, plans in self.plant_plans:
            batches = np.max([unfilled[row] / share for row, share in plant], axis=0)
            for p, per_batch in plans:
                target[p] += batches * per_batch
        gap = np.maximum(target - state.stocks[rows] - inbound[rows], 0.0)
        for p, name in self.pile_plans:
            hold = holding.get(name)
            if hold is not None:
                gap[p] = np.where(hold, 0.0, gap[p])  # no refill while releasing
        state.pending[self.supply] = self.supply_share * gap[self.supply_plan]
