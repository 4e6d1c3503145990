"""The simulation state: every quantity as a numpy array over a batch of replications.

Shapes: a stock is `(R,)` for R replications; link arrays are `(n_links, R)`; a transit pipeline
is a ring buffer `(slots, R)` indexed by review period modulo its length. All masses are tonnes
of contained mineral. The state starts at the steady state of a shock-free world: every node at
its target cover, every pipeline holding its expected flow, every order book at expected flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine.cohorts import Cohorts, mean_reviews, spread_pdf
from sim.scenario.network import (
    Commodity,
    MarketSpec,
    Network,
    NodeSpec,
    StockpileSpec,
    inputs,
    outputs,
    transit_periods,
)
from sim.vocabulary import COMPONENT, SCRAP


class Ledger:
    """Cumulative flows across the system boundary, per mineral, t (arrays over replications).

    `mined_rows` etc. have shape (minerals, R); `mined[m]` is a view of mineral m's row.
    """

    def __init__(self, minerals: list[str], reps: int):
        self.index = {m: i for i, m in enumerate(minerals)}
        self.mined_rows = np.zeros((len(minerals), reps))
        self.losses_rows = np.zeros((len(minerals), reps))
        self.uncollected_rows = np.zeros((len(minerals), reps))
        self.mined = {m: self.mined_rows[i] for m, i in self.index.items()}
        self.losses = {m: self.losses_rows[i] for m, i in self.index.items()}
        self.uncollected = {m: self.uncollected_rows[i] for m, i in self.index.items()}


@dataclass
class State:
    """Stocks, pipelines, order books and boundary flows of one batch of replications."""

    network: Network
    step_days: int
    reps: int
    stock: dict[str, dict[Commodity, np.ndarray]] = field(default_factory=dict)
    """Per node and commodity: a view into `stocks` (in-place updates reach both)."""
    stocks: np.ndarray = field(init=False)
    """Every stock, shape (slots, R); `slot[(node, commodity)]` is its row."""
    slot: dict[tuple[str, Commodity], int] = field(default_factory=dict)
    buyer_slot: np.ndarray = field(init=False)
    """Per link: the row of `stocks` its arrivals go to."""
    pending: np.ndarray = field(init=False)
    """Contracted orders placed at the last review, filled at this one, t per link."""
    pending_spot: np.ndarray = field(init=False)
    """Spot requests placed at the last review (orders above a link's contract flexibility),
    served at this one from the supplier's uncommitted stock only, t per link."""
    in_transit: np.ndarray = field(init=False)
    """t on the way per link."""
    ring: np.ndarray = field(init=False)
    """Transit pipeline, shape (slots, links, R): t arriving at review k in slot k % slots."""
    outgoing: np.ndarray = field(init=False)
    """t handed to each link during this review, shipped together at its end."""
    pairs: list[tuple[str, str]] = field(default_factory=list)
    """(market, mineral) pairs, grouped by market, in network order."""
    in_use_rows: np.ndarray = field(init=False)
    """Per pair: material in use, t, shape (pairs, R) (for cohorts booked at once,
    `Cohorts.defer`, exact only at the end of the run)."""
    in_use_total: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Per market and mineral: a view of its `in_use_rows` row."""
    in_use_rings: dict[int, np.ndarray] = field(default_factory=dict)
    """Per pair whose fixed product lifetime ends within the horizon: material put in use at
    each review, in a ring of lifetime length (it returns as end-of-life flow when read again)."""
    cohorts: Cohorts | None = None
    """The pairs whose spread lifetimes return material within the horizon (None: none)."""
    in_use_legacy: np.ndarray = field(init=False)
    """Per pair: end-of-life flow per review from products sold before the start, t, (Q, 1)."""
    backlog_rows: np.ndarray = field(init=False)
    """Per market: product units waiting (backlog markets only), shape (markets, R)."""
    unfilled_rows: np.ndarray = field(init=False)
    """Per stock row (supplier output): orders it lacked the stock to fill at this review, t."""
    backlog: dict[str, np.ndarray] = field(default_factory=dict)
    """Per market: a view of its `backlog_rows` row."""
    ledger: Ledger = field(init=False)
    origin: Any = None
    """The embodied-origin book (`sim.engine.origin.OriginBook`) when the run tracks origin."""

    @property
    def zeros(self) -> np.ndarray:
        return np.zeros(self.reps)


Cover = float | np.ndarray
"""A node's cover, days: its `cover_days`, or one value per replication where it is random."""


def cover_of(node: NodeSpec, covers: dict[str, np.ndarray]) -> Cover:
    """The node's cover: drawn per replication (`RandomInputs.cover_days`), else its own."""
    return covers.get(node.name, node.cover_days)


def per_replication(values: Sequence[Cover], reps: int) -> np.ndarray:
    """Rows of per-node values as an array: (n, 1) when every value is one number (it then
    broadcasts over replications), else (n, R)."""
    if all(isinstance(v, float | int) for v in values):
        return np.array(values, dtype=float)[:, None]
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), (reps,)) for v in values])


def initial_state(
    network: Network,
    step_days: int,
    reps: int,
    extra_delay_days: np.ndarray,
    periods: int,
    covers: dict[str, np.ndarray] | None = None,
) -> State:
    """The steady state of a shock-free world (at each replication's drawn cover, where it is
    random). `extra_delay_days` per link (the most shocks can add) sizes each transit ring so
    that no shipment wraps around."""
    covers = covers or {}
    state = State(network, step_days, reps)
    n_links = len(network.links)
    state.pending = np.zeros((n_links, reps))
    state.pending_spot = np.zeros((n_links, reps))
    state.in_transit = np.zeros((n_links, reps))
    state.outgoing = np.zeros((n_links, reps))
    rows = [
        (name, commodity)
        for name, node in network.nodes.items()
        for commodity in dict.fromkeys(inputs(node) + outputs(node))
    ]
    state.slot = {key: i for i, key in enumerate(rows)}
    state.stocks = np.zeros((len(rows), reps))
    for name, node in network.nodes.items():
        state.stock[name] = {}
        for commodity in dict.fromkeys(inputs(node) + outputs(node)):
            view = state.stocks[state.slot[(name, commodity)]]
            view[:] = _initial_stock(network, node, commodity, cover_of(node, covers))
            state.stock[name][commodity] = view
    state.buyer_slot = np.array(
        [state.slot[(k.buyer, k.commodity)] for k in network.links], dtype=np.intp
    )
    depth = max(
        (
            transit_periods(k.transit_days + extra_delay_days[k.index], step_days) + 1
            for k in network.links
        ),
        default=1,
    )
    state.ring = np.zeros((depth, n_links, reps))
    for link in network.links:
        flow = network.expected_link_tpd[link.index] * step_days
        base = transit_periods(link.transit_days, step_days)
        state.ring[:base, link.index] = flow  # arrivals at reviews 0 .. base-1
        state.in_transit[link.index] = flow * base
        if link.stage != SCRAP:
            state.pending[link.index] = flow
    markets = [m for m in network.of_kind("market") if isinstance(m, MarketSpec)]
    state.pairs = [(m.name, x) for m in markets for x in m.intensity_kg_per_unit]
    state.in_use_rows = np.zeros((len(state.pairs), reps))
    state.in_use_legacy = np.zeros((len(state.pairs), 1))
    state.backlog_rows = np.zeros((len(markets), reps))
    for row, market in enumerate(markets):
        state.backlog[market.name] = state.backlog_rows[row]
        state.in_use_total[market.name] = {}
    spread: list[tuple[int, np.ndarray, np.ndarray]] = []
    for q, (name, mineral) in enumerate(state.pairs):
        spec = network.nodes[name]
        assert isinstance(spec, MarketSpec)
        use = network.expected_use_tpd(name, (mineral, COMPONENT)) * step_days
        legacy = use * spec.eol_history_share
        state.in_use_legacy[q] = legacy
        state.in_use_total[name][mineral] = state.in_use_rows[q]
        if spec.spread_lifetime:
            assert spec.lifetime is not None
            mean = mean_reviews(spec.lifetime, spec.lifetime_years, step_days) if legacy else 0.0
            state.in_use_rows[q] = legacy * mean
            pdf, survival = spread_pdf(spec, step_days, periods)
            if pdf.any():
                spread.append((q, pdf, survival))
            continue
        lifetime = max(1, round(spec.lifetime_years * 365.0 / step_days))
        state.in_use_rows[q] = legacy * lifetime
        if lifetime < periods:
            state.in_use_rings[q] = np.full((lifetime, reps), legacy)
    if spread:
        spread_rows = [q for q, _, _ in spread]
        state.cohorts = Cohorts(
            spread_rows,
            [pdf for _, pdf, _ in spread],
            [survival for _, _, survival in spread],
            state.in_use_legacy[spread_rows],
            reps,
        )
    state.ledger = Ledger(network.minerals, reps)
    state.unfilled_rows = np.zeros_like(state.stocks)
    return state


def _initial_stock(network: Network, node: NodeSpec, commodity: Commodity, cover: Cover) -> Cover:
    """Target cover of expected use (inputs) or expected shipments (outputs), t."""
    if isinstance(node, StockpileSpec):
        return node.initial_t
    if commodity in inputs(node) and commodity[1] != SCRAP:
        return cover * network.expected_use_tpd(node.name, commodity)
    if commodity in outputs(node) and commodity[1] != SCRAP:
        return cover * network.expected_out_tpd(node.name, commodity)
    return 0.0


def mineral_stock(state: State, mineral: str) -> np.ndarray:
    """All material of one mineral inside the system: node stocks, in transit and in use, t."""
    total = state.zeros
    for stocks in state.stock.values():
        for (m, _), level in stocks.items():
            if m == mineral:
                total = total + level
    for link in state.network.links:
        if link.mineral == mineral:
            total = total + state.in_transit[link.index]
    for totals in state.in_use_total.values():
        if mineral in totals:
            total = total + totals[mineral]
    return total
