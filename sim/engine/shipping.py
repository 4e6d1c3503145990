"""Shipping (the transit ring), arrivals and strategic-stockpile releases.

A review runs in phases (see `engine.period_clock`): arrivals, production, filling last review's
orders, markets, stockpile releases, dispatch of shipments, new orders. Orders placed at review k
are filled at review k+1 and a shipment is usable at the first review at or after its arrival,
never at the review it was sent: so the result does not depend on the order in which nodes are
visited within a phase. Production, filling and ordering are vectorized in `review.py`,
markets in `markets.py`.

Sign conventions: stocks and flows are non-negative tonnes; `pending` holds the orders to fill
now; `ledger` accumulates flows across the system boundary (mined in; losses and uncollected
end-of-life out).
"""

from __future__ import annotations

import numpy as np

from sim.engine import ship_kernels as K
from sim.engine.arrays import SegmentSum
from sim.engine.effects import Modifiers
from sim.engine.recorder import Recorder
from sim.engine.state import State, cover_of
from sim.scenario.network import (
    Link,
    StockpileSpec,
    transit_periods,
)
from sim.scenario.uncertainty import RandomInputs
from sim.shocks.base import shock_label
from sim.vocabulary import RELEASED_T, fill_ratio


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

    def __init__(
        self, state: State, modifiers: Modifiers, recorder: Recorder, randoms: RandomInputs
    ):
        self.state = state
        self.mods = modifiers
        self.rec = recorder
        self.randoms = randoms
        network = state.network
        self.nominal = np.array([link.transit_days for link in network.links])
        self.links = np.arange(len(network.links))[:, None]
        # Flat positions in the ring of (slot 0, link, replication): slot s adds s x links x R.
        self.offsets = (self.links * state.reps + np.arange(state.reps)[None, :]).astype(np.intp)
        self.static_reviews = np.array(
            [transit_periods(d, state.step_days) for d in self.nominal], dtype=np.intp
        )
        self.fixed_links = np.setdiff1d(np.arange(len(network.links)), randoms.transit_links)

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
        origin = state.origin
        if not random_transit and not mods.any_delay:
            slots = (period + self.static_reviews) % depth
            state.ring[slots, self.links[:, 0]] += qty
            if origin is not None:
                origin.dispatch(qty, slots)
        elif not mods.any_delay and origin is None:  # random transit times only: one kernel
            K.dispatch(
                state.ring,
                state.in_transit,
                self.rec.shipments(),
                qty,
                period,
                self.static_reviews,
                self.fixed_links,
                self.randoms.transit_links,
                self.randoms.transit_reviews[period],
            )
            return
        elif not mods.any_delay:  # random transit, origin tracked: review counts drawn up front
            fixed, drawn = self.fixed_links, self.randoms.transit_links
            state.ring[(period + self.static_reviews[fixed]) % depth, fixed] += qty[fixed]
            reviews = self.randoms.transit_reviews[period].astype(np.intp)  # stored as int16
            flat = ((period + reviews) % depth) * qty.size + self.offsets[drawn]
            state.ring.reshape(-1)[flat] += qty[drawn]
            slots = (period + self.static_reviews) % depth
            origin.dispatch(qty, slots, drawn, (period + reviews) % depth)
        else:
            delay = np.broadcast_to(self.nominal[:, None], qty.shape).copy()
            if random_transit:
                assert self.randoms.transit.size, "transit days were not kept for delays"
                delay[self.randoms.transit_links] = self.randoms.transit[period]
            if mods.any_delay:
                delay += mods.link_delay_days + np.maximum(mods.link_hold_until - day, 0.0)
            reviews = np.maximum(np.ceil(delay / state.step_days - 1e-9), 1).astype(np.intp)
            flat = ((period + reviews) % depth) * qty.size + self.offsets
            state.ring.reshape(-1)[flat] += qty
            if origin is not None:
                every = self.links[:, 0]
                origin.dispatch(qty, every, every, (period + reviews) % depth)
        state.in_transit += qty
        self.rec.ship_all(qty)
        qty[:] = 0.0


def receive(
    state: State, period: int, into_buyers: SegmentSum, rec: Recorder | None = None
) -> None:
    """Move the shipments due at this review from transit into the buyers' stocks (and tell
    `rec`, which keeps them per review in full mode)."""
    slot = period % state.ring.shape[0]
    arriving = state.ring[slot]
    into_buyers.add_into(state.stocks, arriving)
    if rec is not None:
        rec.arrive_all(arriving)
    state.in_transit -= arriving
    arriving[:] = 0.0


def release(
    state: State, pile: StockpileSpec, shipper: Shipper, rec: Recorder, mods: Modifiers
) -> np.ndarray:
    """Release reserve stock to buyers whose cover fell below the threshold, or to all its
    buyers while one of the shocks named in `release_during` is active; returns the
    replications in which it released."""
    net, commodity = state.network, (pile.mineral, pile.stage)
    links = net.out_links[pile.name]
    crisis = np.zeros(state.reps, dtype=bool)
    for draws, active in zip(mods.shocks, mods.active, strict=True):
        if shock_label(draws.shock, draws.index) in pile.release_during:
            crisis |= active
    asks = []
    for link in links:
        use = net.expected_use_tpd(link.buyer, commodity)
        buyer = net.nodes[link.buyer]
        on_hand = state.stock[link.buyer][commodity]
        low = (on_hand < pile.release_below_cover_days * use) | crisis
        wanted_cover = np.maximum(
            cover_of(buyer, mods.randoms.cover_days), pile.release_below_cover_days
        )
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
    rec.put((pile.name, *commodity, RELEASED_T), total * ratio)
    return total > 0
