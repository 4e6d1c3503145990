"""Prices at each review and the responses they drive, over a batch of replications (the form
and its parameters: `sim/scenario/prices.py`).

At every review, after arrivals and before production, `PriceBook.update` computes each priced
mineral's cover ratio per side from the state, moves the price towards its target, records it,
and recomputes the response factors the other phases read:

- `demand` (M, R): factor on each market's demand (demand destruction);
- `intensity` (Q, R): factor on each (market, mineral) pair's kg per unit (substitution);
- `capacity_factors(names)`: factor on a node's capacity (idle capacity restarting);
- `collection` (Q, R): factor on each pair's end-of-life collection rate.

What a side holds: stocks of the mineral at the priced stages at its nodes, strategic
stockpiles excluded (they are off the market until released), plus what is in transit toward
its nodes. Its use: the expected use of its markets (no demand noise). Both are taken relative
to the start, the steady state at which the price is its base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.state import State
from sim.scenario.network import MarketSpec, Network, StockpileSpec
from sim.scenario.prices import (
    CommodityPrice,
    DemandResponse,
    Prices,
    RecyclingResponse,
    Response,
    Restart,
    Substitution,
    acted_on,
)
from sim.vocabulary import SCRAP


@dataclass
class _Side:
    """One side of one commodity's market: index arrays and its start."""

    spec: CommodityPrice
    name: str
    rows: np.ndarray
    """Stock rows it holds."""
    links: np.ndarray
    """Links in transit toward it."""
    pairs: np.ndarray
    """(market, mineral) pairs of its markets using the mineral."""
    base_use: np.ndarray
    """Expected use of each of those pairs at the start, t/day, (n, 1)."""
    held0: np.ndarray
    use0: float


@dataclass
class _Follower:
    """One response: the side each target follows, its smoothed price multiple and state."""

    kind: str
    response: Response
    targets: np.ndarray
    """Rows it acts on (markets, pairs or node positions)."""
    side: np.ndarray
    """Side index followed by each target."""
    seen: np.ndarray
    """Smoothed price multiple per target, (n, R)."""
    reached: np.ndarray
    """Substitution: the largest switch reached so far, (n, R)."""
    names: list[str]
    """The nodes it acts on."""


class PriceBook:
    """Prices per commodity and side, with their history and the response factors."""

    def __init__(self, spec: Prices, state: State, network: Network, periods: int):
        self.spec = spec
        self.step = float(state.step_days)
        reps = state.reps
        markets = [n for n in network.nodes.values() if isinstance(n, MarketSpec)]
        self.market_names = [m.name for m in markets]
        self.pairs = state.pairs
        country = {name: node.country for name, node in network.nodes.items()}
        self.sides: list[_Side] = []
        for c in spec.commodities:
            stages = set(c.stages) if c.stages else None
            for side in c.sides:
                rows = [
                    row
                    for (node, (mineral, stage)), row in state.slot.items()
                    if mineral == c.mineral
                    and stage != SCRAP
                    and (stages is None or stage in stages)
                    and not isinstance(network.nodes[node], StockpileSpec)
                    and c.side_of(country[node]) == side
                ]
                links = [
                    k.index
                    for k in network.links
                    if k.mineral == c.mineral
                    and k.stage != SCRAP
                    and (stages is None or k.stage in stages)
                    and c.side_of(country[k.buyer]) == side
                ]
                pairs = [
                    q
                    for q, (m, x) in enumerate(state.pairs)
                    if x == c.mineral and c.side_of(country[m]) == side
                ]
                base_use = np.array(
                    [
                        network.expected_use_tpd(state.pairs[q][0], (c.mineral, "component"))
                        for q in pairs
                    ]
                )[:, None]
                rows_a = np.array(rows, dtype=np.intp)
                links_a = np.array(links, dtype=np.intp)
                held0 = state.stocks[rows_a].sum(axis=0) + state.in_transit[links_a].sum(axis=0)
                self.sides.append(
                    _Side(
                        c,
                        side,
                        rows_a,
                        links_a,
                        np.array(pairs, dtype=np.intp),
                        base_use,
                        held0,
                        float(base_use.sum()),
                    )
                )
        self.labels = [(s.spec.mineral, s.name) for s in self.sides]
        """(mineral, side) of each price row."""
        self.base = np.array([s.spec.base_usd_per_t for s in self.sides])[:, None]
        self.multiple = np.ones((len(self.sides), reps))
        """Price / base of each side now, (P, R)."""
        self.history = np.zeros((periods, len(self.sides), reps), dtype=np.float32)
        """Price at each review, USD/t, (periods, P, R)."""
        self.followers = self._followers(network, reps)
        self.demand = np.ones((len(markets), reps))
        self.intensity = np.ones((len(state.pairs), reps))
        self.collection = np.ones((len(state.pairs), reps))
        self.restart: dict[str, np.ndarray] = {}
        self.restart_base = {
            name: float(getattr(network.nodes[name], "availability", 1.0))
            for f in self.followers
            if f.kind == "restart"
            for name in acted_on(f.kind, f.response, network)
        }
        self.any_demand = any(f.kind == "demand" for f in self.followers)
        self.any_substitution = any(f.kind == "substitution" for f in self.followers)
        self.any_collection = any(f.kind == "recycling" for f in self.followers)
        self.max_rate = np.ones((len(state.pairs), 1))
        """Highest collection rate each pair may reach by the recycling responses."""
        for f in self.followers:
            if isinstance(f.response, RecyclingResponse):
                self.max_rate[f.targets] = f.response.max_rate

    def _side_index(self, mineral: str, country: str) -> int:
        for i, s in enumerate(self.sides):
            if s.spec.mineral == mineral and s.spec.side_of(country) == s.name:
                return i
        raise KeyError(mineral)

    def _followers(self, network: Network, reps: int) -> list[_Follower]:
        out = []
        for kind, _, response in self.spec.responses():
            if not response.enabled:
                continue
            names = acted_on(kind, response, network)
            if kind == "demand":
                targets = [self.market_names.index(n) for n in names]
            elif kind == "restart":
                targets = list(range(len(names)))
            else:
                targets = [self.pairs.index((n, response.mineral)) for n in names]
            sides = [self._side_index(response.mineral, network.nodes[n].country) for n in names]
            n = len(targets)
            out.append(
                _Follower(
                    kind,
                    response,
                    np.array(targets, dtype=np.intp),
                    np.array(sides, dtype=np.intp),
                    np.ones((n, reps)),
                    np.zeros((n, reps)),
                    names,
                )
            )
        return out

    def update(self, period: int, state: State, use_factor: np.ndarray) -> None:
        """Prices and response factors for this review. `use_factor` (Q, R): each pair's
        expected use now relative to the start (demand paths, shocks and responses, kg per
        unit now)."""
        for i, side in enumerate(self.sides):
            held = state.stocks[side.rows].sum(axis=0) + state.in_transit[side.links].sum(axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                held_ratio = np.where(side.held0 > 0, held / side.held0, 1.0)
                use = (side.base_use * use_factor[side.pairs]).sum(axis=0)
                use_ratio = use / side.use0 if side.use0 > 0 else np.ones_like(held)
                cover = np.where(use_ratio > 0, held_ratio / use_ratio, np.inf)
                target = np.power(np.maximum(cover, 1e-12), -side.spec.flexibility)
            limit = side.spec.max_multiple
            target = np.clip(target, 1.0 / limit, limit)
            pull = min(1.0, self.step / side.spec.lag_days) if side.spec.lag_days > 0 else 1.0
            self.multiple[i] += pull * (target - self.multiple[i])
        self.history[period] = self.base * self.multiple
        for f in self.followers:
            lag = f.response.lag_days
            pull = min(1.0, self.step / lag) if lag > 0 else 1.0
            f.seen += pull * (self.multiple[f.side] - f.seen)
        self._factors()

    def _factors(self) -> None:
        if self.any_demand:
            self.demand.fill(1.0)
        if self.any_substitution:
            self.intensity.fill(1.0)
        if self.any_collection:
            self.collection.fill(1.0)
        for f in self.followers:
            r = f.response
            if isinstance(r, DemandResponse):
                self.demand[f.targets] *= np.power(f.seen, r.elasticity)
            elif isinstance(r, Substitution):
                switch = np.clip((f.seen - 1.0) / (r.full_at_multiple - 1.0), 0.0, 1.0)
                if not r.reversible:
                    switch = np.maximum(switch, f.reached)
                    f.reached = switch
                self.intensity[f.targets] *= 1.0 - r.max_reduction * switch
            elif isinstance(r, Restart):
                done = np.clip(
                    (f.seen - r.start_multiple) / (r.full_multiple - r.start_multiple), 0.0, 1.0
                )
                for position, name in enumerate(f.names):
                    before = self.restart_base[name]
                    now = before + (max(r.availability, before) - before) * done[position]
                    self.restart[name] = now / before if before > 0 else np.ones_like(now)
            elif isinstance(r, RecyclingResponse):
                self.collection[f.targets] *= np.power(f.seen, r.elasticity)

    def capacity_factors(self, names: list[str]) -> np.ndarray | None:
        """Restart factors of `names` now, (n, R) (None: none of them restarts)."""
        if not any(n in self.restart for n in names):
            return None
        reps = self.multiple.shape[1]
        return np.stack([self.restart.get(n, np.ones(reps)) for n in names])

    def collection_rates(self, rates: np.ndarray) -> np.ndarray:
        """Collection rates now: `rates` (Q, 1 or R) x the recycling factors, at most each
        pair's `max_rate` (never below its own rate)."""
        return np.minimum(rates * self.collection, np.maximum(rates, self.max_rate))
