"""What each kind of node does at a review, on arrays over a batch of replications.

A review runs in phases (see `engine.review`): arrivals, production, filling last review's orders,
markets, stockpile releases, new orders. Orders placed at review k are filled at review k+1 and a
shipment is usable at the first review at or after its arrival, never at the review it was sent:
so the result does not depend on the order in which nodes are visited within a phase.

Sign conventions: stocks and flows are non-negative tonnes; `pending` holds the orders to fill
now; `ledger` accumulates flows across the system boundary (mined in; losses and uncollected
end-of-life out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .modifiers import Modifiers
from .network import (
    Commodity,
    Link,
    MarketSpec,
    MineSpec,
    Network,
    NodeSpec,
    PlantSpec,
    Producer,
    RecyclerSpec,
    RefinerySpec,
    StockpileSpec,
    inputs,
    outputs,
    transit_periods,
)
from .recorder import Recorder
from .state import State
from .uncertainty import RandomInputs


@dataclass(frozen=True)
class OrderPlan:
    """How a buyer orders one input commodity."""

    commodity: Commodity
    links: np.ndarray
    """Indices of supply links (share-bearing)."""
    shares: np.ndarray
    all_in: np.ndarray
    """Every in-link of the commodity, stockpile links included (for on-order)."""
    use_tpd: float
    """Expected use, t/day."""
    pipeline_days: float
    """Share-weighted days between placing an order and using it (review + transit)."""


def order_plans(network: Network, node: NodeSpec, step_days: int) -> list[OrderPlan]:
    plans = []
    for commodity in inputs(node):
        if commodity[1] == "scrap":
            continue  # recyclers receive what markets collect; they do not order it
        links = network.supply_links(node.name, commodity)
        if not links:
            continue
        shares = np.array([link.share for link in links])
        lead = sum(
            link.share * (transit_periods(link.transit_days, step_days) + 1) * step_days
            for link in links
        )
        all_in = [link.index for link in network.in_links[node.name] if link.commodity == commodity]
        plans.append(
            OrderPlan(
                commodity,
                np.array([link.index for link in links]),
                shares,
                np.array(all_in),
                network.expected_use_tpd(node.name, commodity),
                lead,
            )
        )
    return plans


def fill_ratio(available: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """Share of each order that can be filled: 1 when there is enough, else pro rata."""
    return np.divide(available, asked, out=np.ones_like(asked), where=asked > available)


def add_up(arrays: list[np.ndarray], reps: int) -> np.ndarray:
    """Sum arrays in a fixed order, so that a replication's result does not depend on how many
    replications share the batch (numpy's pairwise summation along a contiguous axis would)."""
    total = np.zeros(reps)
    for array in arrays:
        total += array
    return total


class Shipper:
    """Collects what each link carries during a review and ships it all at the review's end,
    into the transit ring at each shipment's arrival review."""

    def __init__(self, state: State, modifiers: Modifiers, recorder: Recorder,
                 randoms: RandomInputs):
        self.state = state
        self.mods = modifiers
        self.rec = recorder
        self.randoms = randoms
        network = state.network
        self.nominal = np.array([link.transit_days for link in network.links])
        self.links = np.arange(len(network.links))[:, None]
        self.columns = np.arange(state.reps)[None, :]
        self.static_reviews = np.array([transit_periods(d, state.step_days)
                                        for d in self.nominal], dtype=np.intp)

    def ship(self, link: Link, qty: np.ndarray) -> None:
        """Hand `qty` (t per replication) to `link` for shipping at the end of this review."""
        self.state.outgoing[link.index] += qty

    def dispatch(self, period: int, day: float) -> None:
        """Put this review's shipments in transit: usable at the first review at or after
        arrival (transit + licence and detour days + any wait for a closed route)."""
        state, mods = self.state, self.mods
        qty = state.outgoing
        depth = state.ring.shape[0]
        random_transit = self.randoms.transit_links.size > 0
        if not random_transit and not mods.any_delay:
            state.ring[(period + self.static_reviews) % depth, self.links[:, 0]] += qty
        else:
            delay = np.broadcast_to(self.nominal[:, None], qty.shape).copy()
            if random_transit:
                delay[self.randoms.transit_links] = self.randoms.transit[period]
            if mods.any_delay:
                delay += mods.link_delay_days + np.maximum(mods.link_hold_until - day, 0.0)
            reviews = np.maximum(np.ceil(delay / state.step_days - 1e-9), 1).astype(np.intp)
            state.ring[(period + reviews) % depth, self.links, self.columns] += qty
        state.in_transit += qty
        self.rec.ship_all(qty)
        qty[:] = 0.0


def receive(state: State, period: int) -> None:
    """Move the shipments due at this review from transit into the buyers' stocks."""
    slot = period % state.ring.shape[0]
    arriving = state.ring[slot]
    np.add.at(state.stocks, state.buyer_slot, arriving)  # in link order, per replication
    state.in_transit -= arriving
    arriving[:] = 0.0


def _allowed(state: State, mods: Modifiers, link: Link) -> np.ndarray:
    """The part of the order due on `link` that export controls let through, t.

    A ban of severity s caps the link at (1 - s) x its shock-free flow, so "exports cut by 74%"
    means 26% of normal volume however much the buyer orders.
    """
    order = state.pending[link.index]
    if not mods.any_ban:
        return order
    passing = mods.link_pass[link.index]
    cap = passing * state.network.expected_link_tpd[link.index] * state.step_days
    return np.where(passing >= 1.0, order, np.minimum(order, cap))


def _pending_for(state: State, mods: Modifiers, links: list[Link]) -> np.ndarray:
    """Orders to fill now on `links`, less what export controls refuse, t."""
    total = state.zeros
    for link in links:
        total = total + _allowed(state, mods, link)
    return total


def produce(state: State, node: Producer, mods: Modifiers, rec: Recorder, day: float) -> None:
    """Make output up to capacity x availability, the inputs on hand and the stock target.

    Target: the output stock the node aims to hold (cover_days of expected shipments) plus the
    orders it must fill now.
    """
    net, step = state.network, state.step_days
    cap = node.capacity_tpa * node.availability * mods.capacity_at(node.name, day) * step / 365.0
    stock = state.stock[node.name]
    if isinstance(node, PlantSpec):
        _produce_plant(state, node, cap, mods, rec)
        return
    out = outputs(node)[0]
    mineral = out[0]
    need = (
        node.cover_days * net.expected_out_tpd(node.name, out)
        + _pending_for(state, mods, _sales_links(net, node.name, out))
        - stock[out]
    )
    made = np.clip(np.minimum(cap, need), 0.0, None)
    if isinstance(node, RefinerySpec | RecyclerSpec):
        feed = stock[inputs(node)[0]]
        made = np.minimum(made, feed * node.yield_)
        used = made / node.yield_
        feed -= used
        np.maximum(feed, 0.0, out=feed)  # rounding only: made <= feed x yield
        state.ledger.losses[mineral] += used - made
    else:
        assert isinstance(node, MineSpec)
        state.ledger.mined[mineral] += made
    stock[out] += made
    rec.put((node.name, *out, "production_t"), made)


def _produce_plant(
    state: State, plant: PlantSpec, cap: np.ndarray, mods: Modifiers, rec: Recorder
) -> None:
    """Plants make all recipe minerals together: output x recipe share of each."""
    net, stock = state.network, state.stock[plant.name]
    need = None
    feasible = cap
    for mineral, share in plant.recipe.items():
        out = (mineral, "component")
        gap = (
            plant.cover_days * net.expected_out_tpd(plant.name, out)
            + _pending_for(state, mods, _sales_links(net, plant.name, out))
            - stock[out]
        )
        need = gap / share if need is None else np.maximum(need, gap / share)
        feasible = np.minimum(feasible, stock[(mineral, "refined")] * plant.yield_ / share)
    made = np.clip(np.minimum(feasible, need), 0.0, None)  # type: ignore[arg-type]
    for mineral, share in plant.recipe.items():
        out_t = made * share
        used = out_t / plant.yield_
        feed = stock[(mineral, "refined")]
        feed -= used
        np.maximum(feed, 0.0, out=feed)  # rounding only: made <= feed x yield / share
        state.ledger.losses[mineral] += used - out_t
        stock[(mineral, "component")] += out_t
        rec.put((plant.name, mineral, "component", "production_t"), out_t)


def _sales_links(network: Network, name: str, commodity: Commodity) -> list[Link]:
    return [link for link in network.out_links[name] if link.commodity == commodity]


def fill_orders(
    state: State, node: NodeSpec, mods: Modifiers, shipper: Shipper, period: int, day: float
) -> None:
    """Ship last review's orders from stock; pro rata to orders when short.

    What could not be shipped for want of stock is kept in `state.unfilled` as a demand signal
    for the node's own ordering (orders themselves are not carried over: buyers order again).
    """
    for commodity in outputs(node):
        links = _sales_links(state.network, node.name, commodity)
        if not links or commodity[1] == "scrap":
            continue
        asked = [_allowed(state, mods, link) for link in links]
        total = add_up(asked, state.reps)
        stock = state.stock[node.name][commodity]
        ratio = fill_ratio(stock, total)
        for link, qty in zip(links, asked, strict=True):
            shipper.ship(link, qty * ratio)
        stock -= total * ratio
        np.maximum(stock, 0.0, out=stock)  # rounding only: ratio makes the sum <= stock
        state.unfilled[node.name][commodity] = total * (1.0 - ratio)


def _unfilled_input(state: State, node: NodeSpec, commodity: Commodity) -> np.ndarray | float:
    """Input a producer needs to make up for the orders it could not fill this review, t."""
    unfilled = state.unfilled.get(node.name)
    if not unfilled:
        return 0.0
    if isinstance(node, PlantSpec):
        batches = np.max(
            [
                unfilled.get((m, "component"), state.zeros) / share
                for m, share in node.recipe.items()
            ],
            axis=0,
        )
        return batches * node.recipe[commodity[0]] / node.yield_
    if isinstance(node, RefinerySpec):
        return unfilled.get(outputs(node)[0], 0.0) / node.yield_
    return 0.0


def market(
    state: State,
    node: MarketSpec,
    mods: Modifiers,
    shipper: Shipper,
    rec: Recorder,
    period: int,
    day: float,
    noise: np.ndarray | None,
) -> None:
    """Build product units from components on hand; unmet demand is lost or backlogged.

    `noise` is this review's random demand factor per replication (None: no demand noise).

    Delivered material enters the in-use stock and returns after the product lifetime as
    end-of-life flow: the collected share ships to recyclers, the rest leaves the system.
    """
    name, stock = node.name, state.stock[node.name]
    new_demand = node.demand_units_per_year * mods.demand[name] * state.step_days / 365.0
    if noise is not None:
        new_demand = new_demand * noise
    wanted = new_demand + state.backlog[name]
    possible = wanted
    for mineral, kg in node.intensity_kg_per_unit.items():
        possible = np.minimum(possible, stock[(mineral, "component")] / (kg / 1e3))
    built = np.maximum(possible, 0.0)
    unmet = wanted - built  # lost sales, or for a backlog market the units still waiting
    if node.unmet == "backlog":
        state.backlog[name] = unmet
    rec.put((name, "", "", "demand_units"), new_demand)
    rec.put((name, "", "", "delivered_units"), built)
    rec.put((name, "", "", "shortfall_units"), unmet)
    rec.put((name, "", "", "backlog_units"), state.backlog[name])
    for mineral, kg in node.intensity_kg_per_unit.items():
        t_per_unit = kg / 1e3
        used = built * t_per_unit
        on_hand = stock[(mineral, "component")]
        on_hand -= used
        np.maximum(on_hand, 0.0, out=on_hand)  # rounding only: built fits every component
        ring = state.in_use[name][mineral]
        slot = period % len(ring)
        eol = ring[slot].copy()
        ring[slot] = used
        collected = eol * node.collection_rate
        state.ledger.uncollected[mineral] += eol - collected
        for link in state.network.out_links[name]:
            if link.mineral == mineral:
                shipper.ship(link, collected * link.share)
        key = (name, mineral, "component")
        rec.put((*key, "demand_t"), new_demand * t_per_unit)
        rec.put((*key, "delivered_t"), used)
        rec.put((*key, "shortfall_t"), unmet * t_per_unit)
        rec.put((*key, "eol_t"), eol)
        rec.put((*key, "collected_t"), collected)
        in_use = state.in_use_total[name][mineral]
        in_use += used - eol
        rec.put((*key, "in_use_t"), in_use)



def record_cover(state: State, node: MarketSpec, mods: Modifiers, rec: Recorder) -> None:
    """Days of cover (DESIGN.md section 6): (on hand + in transit toward the market) /
    expected daily use, per mineral, at the end of the review."""
    network = state.network
    for mineral in node.intensity_kg_per_unit:
        commodity = (mineral, "component")
        use_tpd = network.expected_use_tpd(node.name, commodity) * mods.demand[node.name]
        inbound = add_up([state.in_transit[link.index] for link in network.in_links[node.name]
                          if link.mineral == mineral], state.reps)
        rec.put((node.name, mineral, "component", "cover_days"),
                np.divide(state.stock[node.name][commodity] + inbound, use_tpd,
                          out=np.full(state.reps, np.inf), where=use_tpd > 1e-12))


def release(
    state: State, pile: StockpileSpec, shipper: Shipper, rec: Recorder, period: int, day: float
) -> np.ndarray:
    """Release reserve stock to buyers whose cover fell below the threshold; returns the
    replications in which it did."""
    net, commodity = state.network, (pile.mineral, pile.stage)
    links = net.out_links[pile.name]
    asks = []
    for link in links:
        use = net.expected_use_tpd(link.buyer, commodity)
        buyer = net.nodes[link.buyer]
        on_hand = state.stock[link.buyer][commodity]
        low = on_hand < pile.release_below_cover_days * use
        wanted_cover = max(buyer.cover_days, pile.release_below_cover_days)
        gap = wanted_cover * use - on_hand - state.in_transit[link.index]
        asks.append(np.where(low, np.maximum(gap, 0.0), 0.0))
    stock = state.stock[pile.name][commodity]
    total = add_up(asks, state.reps)
    limit = (
        stock
        if pile.max_release_tpd is None
        else np.minimum(stock, pile.max_release_tpd * state.step_days)
    )
    ratio = fill_ratio(limit, total)
    for link, ask in zip(links, asks, strict=True):
        shipper.ship(link, ask * ratio)
    stock -= total * ratio
    np.maximum(stock, 0.0, out=stock)
    rec.put((pile.name, *commodity, "released_t"), total * ratio)
    return total > 0


def place_orders(state: State, node: NodeSpec, plans: list[OrderPlan], mods: Modifiers,
                 hold: np.ndarray | None = None) -> None:
    """Order the gap between the target position and on hand + on order, split by share.

    Target position = expected use x (cover_days + days from order to use), plus what the node
    could not ship this review (so that shortage downstream raises orders upstream); for a
    stockpile it is its refill level. `hold` marks replications that order nothing now (a
    stockpile does not refill while it releases).
    """
    for plan in plans:
        on_hand = state.stock[node.name][plan.commodity]
        on_order = add_up([state.in_transit[i] for i in plan.all_in], state.reps)
        if isinstance(node, StockpileSpec):
            target: np.ndarray | float = node.initial_t if node.target_t is None else node.target_t
        else:
            use: np.ndarray | float = plan.use_tpd
            extra: np.ndarray | float = 0.0
            if isinstance(node, MarketSpec):
                use = use * mods.demand[node.name]
                extra = (
                    state.backlog[node.name] * node.intensity_kg_per_unit[plan.commodity[0]] / 1e3
                )
            target = (
                use * (node.cover_days + plan.pipeline_days)
                + extra
                + _unfilled_input(state, node, plan.commodity)
            )
        gap = np.maximum(np.asarray(target) - on_hand - on_order, 0.0)
        if hold is not None:
            gap = np.where(hold, 0.0, gap)
        state.pending[plan.links] = plan.shares[:, None] * gap[None, :]
