"""The vectorized phases of a review: production, filling orders and ordering, for all nodes of
a kind at once.

Index arrays are computed once per run (`Review.__init__`); at each review every phase is a
fixed number of numpy operations on arrays of shape (nodes or links, R), so the cost of a review
barely grows with the number of nodes. Semantics (DESIGN.md section 4):

- Production = min(capacity x availability x shocks x outages x period, any production quota
  per review, inputs on hand x yield, the output stock target (cover_days of expected
  shipments) + the orders due - stock on hand).
- Contracts before spot. A link's normal (shock-free) flow is its contract. A buyer orders the
  gap between its target position (expected use x (cover_days + days from order to use), plus
  unmet backlog and unfilled orders) and on hand + on order, split by share; on each link the
  part above the contract x (1 + flex) is a spot request. Contracted orders placed at the last
  review are filled from stock first, pro rata to orders when short (offtake contracts first);
  spot requests are then served pro rata from what the supplier holds above its own target
  stock (its uncommitted stock; production counts spot requests too, so spare capacity can
  serve them). No buyer gets more by simply ordering more. An export ban caps a link at
  (1 - severity) x its shock-free flow, contract and spot together. Unfilled orders and spot
  requests are not carried over (buyers order again) but signal the supplier to order more
  itself.
- Recycled supply first: buyers of a recycler that offers first take what it can ship at the
  next review, then split the rest of their gap by their other shares, renormalised (`recycled.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import review_kernels as kernels
from sim.engine.arrays import SegmentSum
from sim.engine.effects import Modifiers
from sim.engine.joint import make_jointly
from sim.engine.quotas import within_quota
from sim.engine.recipes import Recipes
from sim.engine.recorder import Recorder
from sim.engine.recycled import RecycledFirst
from sim.engine.review_tables import joint_table, order_plans, order_table
from sim.engine.scrap import ProcessScrap
from sim.engine.state import Cover, State, cover_of, per_replication
from sim.scenario.network import (
    OUTPUT_STAGE,
    MineSpec,
    RecyclerSpec,
    RefinerySpec,
    StockpileSpec,
    basket,
    inputs,
    is_joint,
    outputs,
)
from sim.vocabulary import PRODUCTION_T, SCRAP, fill_ratio

if TYPE_CHECKING:
    from sim.engine.markets import Markets


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
    scrap: ProcessScrap | None = None
    made: np.ndarray | None = None
    """What each node made at this review, t, (n, R) (`review_kernels.produce` fills it)."""


class Review:
    """Static index arrays for the vectorized phases, and the phases themselves."""

    # Order plans, set by `review_tables.order_plans` (one per buyer and ordered input):
    plan_rows: np.ndarray
    plan_base: np.ndarray
    supply: np.ndarray
    supply_plan: np.ndarray
    supply_share: np.ndarray
    supply_cap: np.ndarray
    spot: bool
    recycled: RecycledFirst | None
    spot_due: np.ndarray | None
    pile_plans: list[tuple[int, str]]
    market_plan_rows: np.ndarray
    market_plan_node: np.ndarray
    market_plan_market: np.ndarray
    market_plan_tpu: np.ndarray
    market_plan_pair: np.ndarray
    refinery_plan_rows: np.ndarray
    refinery_plan_out: np.ndarray
    refinery_plan_yield: np.ndarray
    plant_plans: list[tuple[str, list[tuple[int, float]], list[tuple[int, float, str]]]]

    def __init__(self, state: State, mods: Modifiers, rec: Recorder):
        self.state, self.mods, self.rec = state, mods, rec
        self.network = net = state.network
        step = state.step_days
        slot, ledger = state.slot, state.ledger
        self.covers = covers = mods.randoms.cover_days
        """Per node whose cover is random: its cover in each replication, days."""
        self.step = step
        single = [n for n in net.nodes.values() if not is_joint(n)]
        mines = [n for n in single if isinstance(n, MineSpec)]
        converters = [n for n in single if isinstance(n, RefinerySpec | RecyclerSpec)]
        self.joint = [n for n in net.nodes.values() if is_joint(n)]
        """Plants and co-producing mines and refineries: several minerals made together."""
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
                    target=per_replication(
                        [
                            cover_of(n, covers) * net.expected_out_tpd(n.name, c)
                            for n, c in zip(group, out, strict=True)
                        ],
                        state.reps,
                    ),
                    mineral=np.array([ledger.index[c[0]] for c in out], dtype=np.intp),
                    record=rec.locate(
                        [(n.name, *c, PRODUCTION_T) for n, c in zip(group, out, strict=True)]
                    ),
                    converts=converts,
                )
            )
        self.joint_rows = np.array([mods.node_index[n.name] for n in self.joint], dtype=np.intp)
        self.joint_targets = {
            (n.name, m): cover_of(n, covers)
            * net.expected_out_tpd(n.name, (m, OUTPUT_STAGE[n.kind]))
            for n in self.joint
            for m in basket(n)
        }
        """Output stock target of each joint node and mineral, t."""
        # Sales: links on which suppliers fill orders (not stockpile releases, not scrap).
        sales = [
            k
            for k in net.links
            if k.stage != SCRAP and not isinstance(net.nodes[k.supplier], StockpileSpec)
        ]
        self.sales = np.array([k.index for k in sales], dtype=np.intp)
        self.sales_from = np.array([slot[(k.supplier, k.commodity)] for k in sales], dtype=np.intp)
        self.sales_flow = per_replication(
            [net.expected_link_tpd[k.index] * step for k in sales], state.reps
        )
        self.sellers = np.unique(self.sales_from)
        self.sale_position = np.full(len(net.links), -1, dtype=np.intp)
        self.sale_position[self.sales] = np.arange(len(self.sales))
        """Position of each link among the sales links (-1: not a sales link)."""
        schedules = mods.schedules
        self.priority = [
            (position, schedules.priority[int(link)])
            for position, link in enumerate(self.sales)
            if int(link) in schedules.priority
        ]
        self.by_seller_row = SegmentSum(self.sales_from)
        targets: dict[int, Cover] = {
            int(row): t if t.size > 1 else float(t[0])
            for g in self.groups
            for row, t in zip(g.out, g.target, strict=True)
        }
        for n in self.joint:
            for m in basket(n):
                targets[slot[(n.name, (m, OUTPUT_STAGE[n.kind]))]] = self.joint_targets[(n.name, m)]
        self.seller_target = per_replication(
            [targets.get(int(row), 0.0) for row in self.sellers], state.reps
        )
        """Own target stock of each seller row, t: only what it holds above it is uncommitted."""
        self.by_buyer_row = SegmentSum(state.buyer_slot)
        for g in self.groups:
            g.ledger_sum = SegmentSum(g.mineral)
            g.scrap = ProcessScrap(net, [(n, outputs(net.nodes[n])[0][0]) for n in g.names])
            g.made = np.zeros((len(g.names), state.reps))
        self.joint_scrap = ProcessScrap(net, [(n.name, m) for n in self.joint for m in basket(n)])
        self.seller_of_sale = np.searchsorted(self.sellers, self.sales_from)
        self.recipes = Recipes(mods.network, state.pairs)
        order_plans(self, net)
        self.joint_table = joint_table(self)
        self.order_table = order_table(self)
        self.no_spot = np.zeros((0, state.reps))

    # -- phases -----------------------------------------------------------------------------

    def orders_due(self) -> np.ndarray:
        """Contracted orders to fill now on each sales link, less what export controls refuse,
        (S, R); the spot requests due, likewise capped, go to `spot_due` (None: no link has a
        contract flexibility, so there are none)."""
        state, mods = self.state, self.mods
        due = state.pending[self.sales]
        spot = state.pending_spot[self.sales] if self.spot else None
        if mods.any_ban:
            passing = mods.link_pass[self.sales]
            allowed = passing * self.sales_flow
            due = np.where(passing >= 1.0, due, np.minimum(due, allowed))
            if spot is not None:
                rest = np.maximum(allowed - due, 0.0)
                spot = np.where(passing >= 1.0, spot, np.minimum(spot, rest))
        for quota in mods.export_quotas:
            due, spot = within_quota(quota, self.sale_position, due, spot)
        self.spot_due = spot
        return due

    def due_by_seller(self, due: np.ndarray) -> np.ndarray:
        """Orders due (contracted and spot) per stock row of the sellers, (rows, R), summed in
        link order: what production aims to cover."""
        totals = np.zeros_like(self.state.stocks)
        self.by_seller_row.add_into(totals, due)
        if self.spot_due is not None:
            self.by_seller_row.add_into(totals, self.spot_due)
        return totals

    def produce(self, due_by_row: np.ndarray, day: float, ratio: np.ndarray | None = None) -> None:
        """Make what is needed within capacity and feed; `ratio` (Q, R or 1): each market
        pair's kg per unit now relative to its base (None: unchanged), which plants follow."""
        state, mods = self.state, self.mods
        stocks, ledger = state.stocks, state.ledger
        origin = state.origin
        for number, g in enumerate(self.groups):
            cap = g.cap * mods.capacity_factors(g.rows, g.names, day)
            if mods.any_cap:  # production quotas
                cap = np.minimum(cap, mods.production_cap_t[g.rows])
            if origin is None and not g.scrap.any:  # type: ignore[union-attr]
                ledger_rows = ledger.losses_rows if g.converts else ledger.mined_rows
                args = (g.target, due_by_row, stocks, g.out, g.feed, g.yields, ledger_rows)
                kernels.produce(cap, *args, g.mineral, g.made)
                self.rec.put_rows(g.record, g.made)  # type: ignore[arg-type]
                continue
            need = g.target + due_by_row[g.out] - stocks[g.out]
            made = np.clip(np.minimum(cap, need), 0.0, None)
            if g.converts:
                feed = stocks[g.feed]
                made = np.minimum(made, feed * g.yields)
                used = made / g.yields
                stocks[g.feed] = np.maximum(feed - used, 0.0)  # rounding only
                lost = g.scrap.split(used - made, state.outgoing)  # type: ignore[union-attr]
                g.ledger_sum.add_into(ledger.losses_rows, lost)  # type: ignore[union-attr]
            else:
                lost = None
                g.ledger_sum.add_into(ledger.mined_rows, made)  # type: ignore[union-attr]
            if origin is not None:
                origin.produced(number, made, stocks[g.out], lost)
            stocks[g.out] += made
            self.rec.put_rows(g.record, made)
        if self.joint:
            recipe = self.recipes.factors(ratio)
            caps = mods.capacity_factors(self.joint_rows, [n.name for n in self.joint], day)
            if origin is None and not self.joint_scrap.any and not recipe:
                self._produce_joint(caps, due_by_row)
                return
            for node, factor, row in zip(self.joint, caps, self.joint_rows, strict=True):
                rate = node.capacity_tpa * node.availability  # type: ignore[attr-defined]
                cap = rate * factor * self.step / 365.0
                if mods.any_cap:  # production quotas: on the total output over the basket
                    cap = np.minimum(cap, mods.production_cap_t[row])
                make_jointly(self, node, cap, due_by_row, recipe)
        if origin is not None:
            origin.flush()

    def _produce_joint(self, factors: np.ndarray, due_by_row: np.ndarray) -> None:
        """`make_jointly` for every joint node at once (capacity `factors` (J, R)), when no
        origin is tracked, no scrap is sent and recipes stay as defined."""
        state, t = self.state, self.joint_table
        cap = t.rates * factors * self.step / 365.0
        if self.mods.any_cap:  # production quotas: on the total output over the basket
            cap = np.minimum(cap, self.mods.production_cap_t[self.joint_rows])
        args = (t.first, t.out, t.feed, t.share, t.yields, t.mineral)
        ledger = state.ledger
        kernels.produce_joint(
            cap,
            t.target,
            due_by_row,
            state.stocks,
            *args,
            ledger.mined_rows,
            ledger.losses_rows,
            t.made,
        )
        self.rec.put_rows(t.record, t.made)

    def fill(self, due: np.ndarray, due_by_row: np.ndarray, day: float = 0.0) -> None:
        """Ship the orders due from stock, pro rata when short; note what went unfilled.

        Links with an offtake contract (`Schedules.priority`) are served first, up to their
        contracted volume, and share what is left pro rata with everyone else.
        """
        state = self.state
        if not self.sales.size:
            return
        spot = self.spot_due
        first = self._priority_due(due, day)
        if spot is None and first is None:
            args = (self.sellers, self.seller_of_sale, self.sales, state.outgoing)
            kernels.fill(due, due_by_row, state.stocks, *args, state.unfilled_rows)
            return
        if spot is None:
            totals = due_by_row[self.sellers]
        else:
            totals = np.zeros_like(state.stocks)
            self.by_seller_row.add_into(totals, due)
            totals = totals[self.sellers]
        on_hand = state.stocks[self.sellers]
        shipped = np.zeros_like(due)
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
        if spot is not None:
            shipped, left = self._serve_spot(spot, shipped, left)
        state.outgoing[self.sales] += shipped
        state.stocks[self.sellers] = left

    def _serve_spot(
        self, spot: np.ndarray, shipped: np.ndarray, left: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Serve spot requests pro rata from what each seller holds above its own target stock
        after its contracts; return the shipments and the stock left (what stays unserved is
        added to the seller's unfilled orders)."""
        asked = np.zeros_like(self.state.stocks)
        self.by_seller_row.add_into(asked, spot)
        asked = asked[self.sellers]
        ratio = fill_ratio(np.maximum(left - self.seller_target, 0.0), asked)
        # Unserved spot requests, like unfilled contracts, signal the seller to order more
        # itself (within its own suppliers' contracts), so its spare capacity can serve them.
        self.state.unfilled_rows[self.sellers] += asked * (1.0 - ratio)
        return shipped + spot * ratio[self.seller_of_sale], np.maximum(left - asked * ratio, 0.0)

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
        if not self.supply.size and self.recycled is None:
            return
        rows = self.plan_rows
        recipe = self.recipes.factors(markets.ratio(day)) if markets is not None else {}
        prices = mods.prices
        if not (
            (markets is not None and markets.varies)
            or (prices is not None and prices.any_demand)
            or recipe
            or self.recycled is not None
            or any(holding.get(name) is not None for _, name in self.pile_plans)
        ):
            head, middle, tail = self.order_table
            demand = (mods.demand_rows, state.backlog_rows, *middle, state.unfilled_rows)
            spot = state.pending_spot if self.spot else self.no_spot
            kernels.order(*head, *demand, state.stocks, inbound, rows, *tail, state.pending, spot)
            return
        target = np.broadcast_to(self.plan_base, (len(self.plan_base), state.reps)).copy()
        if self.market_plan_rows.size:
            mp = self.market_plan_rows
            tpu = self.market_plan_tpu
            demand = mods.demand_rows[self.market_plan_node]
            if markets is not None and markets.varies:  # kg per unit moves: use scales too
                now = markets.intensity(day)[self.market_plan_pair]
                target[mp] *= now / tpu
                tpu = now
            if prices is not None and prices.any_demand:  # demand destruction
                demand = demand * prices.demand[self.market_plan_market]
            target[mp] = target[mp] * demand + state.backlog_rows[self.market_plan_market] * tpu
        unfilled = state.unfilled_rows
        if self.refinery_plan_rows.size:
            target[self.refinery_plan_rows] += (
                unfilled[self.refinery_plan_out] / self.refinery_plan_yield
            )
        for name, plant, plans in self.plant_plans:
            batches = np.max([unfilled[row] / share for row, share in plant], axis=0)
            for p, per_batch, mineral in plans:
                factor = recipe.get((name, mineral))
                if factor is not None:  # the recipe follows its markets: so does what it buys
                    target[p] *= factor
                    target[p] += batches * per_batch * factor
                else:
                    target[p] += batches * per_batch
        gap = np.maximum(target - state.stocks[rows] - inbound[rows], 0.0)
        for p, name in self.pile_plans:
            hold = holding.get(name)
            if hold is not None:
                gap[p] = np.where(hold, 0.0, gap[p])  # no refill while releasing
        if self.recycled is not None:  # recycled supply first; the rest by renormalised shares
            gap = self.recycled.take(gap, round(day / self.step), day)
        wanted = self.supply_share * gap[self.supply_plan]
        if self.spot:
            contract = np.minimum(wanted, self.supply_cap)
            state.pending[self.supply] = contract
            state.pending_spot[self.supply] = wanted - contract
        else:
            state.pending[self.supply] = wanted
