"""Markets at a review, all at once: demand, building product units, in-use stock, end of life.

Rows are markets (M) or (market, mineral) pairs (Q), each an array over replications.

- Demand per review = units per year x review days / 365 x demand shocks x demand noise, plus
  the backlog of a backlog market.
- Units built = the smallest over the market's minerals of components on hand / t per unit,
  capped at what is wanted; the rest is lost (or waits, for a backlog market).
- Material built into products enters the in-use stock and returns after the product lifetime
  as end-of-life flow; the collected share ships to recyclers, the rest leaves the system. A
  lifetime longer than the horizon never returns within it, so only the legacy end-of-life flow
  (products sold before the start) is seen and no per-review ring is kept. Lifetimes spread by
  a distribution return by cohorts (`cohorts.py`).
"""

from __future__ import annotations

import numpy as np

from sim.engine.cohorts import unread_pairs
from sim.engine.effects import Modifiers
from sim.engine.recorder import Recorder
from sim.engine.state import State
from sim.scenario.network import MarketSpec
from sim.scenario.schedules import Schedules
from sim.scenario.uncertainty import RandomInputs
from sim.vocabulary import (
    COLLECTED_T,
    COMPONENT,
    COVER_DAYS,
    DELIVERED_T,
    DEMAND_T,
    EOL_T,
    IN_USE_T,
    MARKET_MINERAL_VARIABLES,
    MARKET_UNIT_VARIABLES,
    SCRAP,
    SHORTFALL_T,
)

PAIR_VARIABLES = tuple(v for v in MARKET_MINERAL_VARIABLES if v != COVER_DAYS)
"""What a market records per mineral at each review; days of cover comes after shipping."""


def recorded(where: tuple[np.ndarray, ...]) -> bool:
    """Whether a recorder keeps any of the series `where` (from `Recorder.locate`) points to."""
    return any(rows.size for rows in where[1::2])


class Markets:
    """Index arrays for the vectorized market step, and the step itself."""

    def __init__(
        self,
        state: State,
        mods: Modifiers,
        rec: Recorder,
        randoms: RandomInputs,
        schedules: Schedules,
    ):
        self.state, self.mods, self.rec = state, mods, rec
        net, step = mods.network, state.step_days  # base demand: before demand paths
        markets = [n for n in net.nodes.values() if isinstance(n, MarketSpec)]
        self.names = [m.name for m in markets]
        self.rows = np.array([mods.node_index[m.name] for m in markets], dtype=np.intp)
        self.base = np.array([m.demand_units_per_year * step / 365.0 for m in markets])[:, None]
        self.backlogs = np.array([m.unmet == "backlog" for m in markets])[:, None]
        pairs = state.pairs
        self.pair_market = np.array([self.names.index(m) for m, _ in pairs], dtype=np.intp)
        self.pair_slot = np.array(
            [state.slot[(m, (x, COMPONENT))] for m, x in pairs], dtype=np.intp
        )
        spec = {m.name: m for m in markets}
        self.t_per_unit = np.array([spec[m].intensity_kg_per_unit[x] / 1e3 for m, x in pairs])[
            :, None
        ]
        self.collection = np.array([spec[m].collection_rate for m, _ in pairs])[:, None]
        self.expected_use = np.array([net.expected_use_tpd(m, (x, COMPONENT)) for m, x in pairs])[
            :, None
        ]
        self.starts = np.array(
            [pairs.index((m, next(iter(spec[m].intensity_kg_per_unit)))) for m in self.names],
            dtype=np.intp,
        )
        scrap = [k for k in net.links if k.stage == SCRAP and k.supplier in spec]
        self.scrap = np.array([k.index for k in scrap], dtype=np.intp)
        self.scrap_pair = np.array(
            [pairs.index((k.supplier, k.mineral)) for k in scrap], dtype=np.intp
        )
        self.scrap_share = np.array([k.share for k in scrap])[:, None]
        self.phases = [
            (q, schedules.intensity[pair])
            for q, pair in enumerate(pairs)
            if pair in schedules.intensity
        ]
        self.collection_shifts = [
            (q, schedules.collection[m])
            for q, (m, _) in enumerate(pairs)
            if m in schedules.collection
        ]
        self.noisy = [
            (i, randoms.demand[name]) for i, name in enumerate(self.names) if name in randoms.demand
        ]
        self.unit_where = rec.locate(
            [(n, "", "", v) for v in MARKET_UNIT_VARIABLES for n in self.names]
        )
        self.pair_where = {
            v: rec.locate([(m, x, COMPONENT, v) for m, x in pairs]) for v in PAIR_VARIABLES
        }
        self.cover_where = rec.locate([(m, x, COMPONENT, COVER_DAYS) for m, x in pairs])
        # The links whose buyer is a market pair's stock row (what reaches each market), per
        # pair in link order: pair q's are feed_links[first[q]:first[q + 1]].
        slot_pair = {int(slot): q for q, slot in enumerate(self.pair_slot.tolist())}
        feeding: list[list[int]] = [[] for _ in pairs]
        for k, slot in enumerate(state.buyer_slot.tolist()):
            if slot in slot_pair:
                feeding[slot_pair[slot]].append(k)
        self.feed_links = np.array([k for v in feeding for k in v], dtype=np.intp)
        first = np.cumsum([0] + [len(v) for v in feeding])
        Q, M, R = len(pairs), len(self.names), state.reps
        pad = np.zeros(Q, dtype=np.intp)
        self.index = np.array(  # build's rows: pair_slot, pair_market, starts, backlogs
            [self.pair_slot, self.pair_market, pad, pad], dtype=np.intp
        )
        self.index[2, :M], self.index[3, :M] = self.starts, self.backlogs[:, 0]
        self.units = np.zeros((4, M, R))
        """Units per market this review: wanted new, built, unmet, backlog."""
        self.pair_t = np.zeros((3, Q, R))
        """t per pair this review: used, demanded, short."""
        self.eol, self.collected = np.zeros((2, Q, R))
        self.cover = np.zeros((Q, R))
        self.noise = np.zeros((len(self.noisy), R))
        self.noisy_rows = np.array([i for i, _ in self.noisy], dtype=np.intp)
        self.given = np.zeros(Q, dtype=bool)
        """Pairs whose end-of-life flow comes from a fixed-lifetime ring or cohorts."""
        self.given[list(state.in_use_rings)] = True
        if state.cohorts is not None:
            self.given[state.cohorts.rows] = True
        self.target = np.array([state.ledger.index[x] for _, x in pairs], dtype=np.intp)
        self.scrap_rows = np.array([self.scrap, self.scrap_pair], dtype=np.intp).reshape(2, -1)
        self.ones = np.ones((Q, 1))
        self.cover_index = np.zeros((3, Q + 1), dtype=np.intp)  # pair_slot, demand row, first
        self.cover_index[0, :Q], self.cover_index[2] = self.pair_slot, first
        self.records = [(where, v) for v, where in self.pair_where.items() if recorded(where)]
        self.units_recorded = recorded(self.unit_where)
        self.cover_recorded = recorded(self.cover_where)
        if state.cohorts is not None and state.origin is None:
            # book at once the cohorts nothing reads per review (origin tracking reads every
            # in-use pool at every review)
            where = [self.pair_where[EOL_T], self.pair_where[IN_USE_T]]
            shifted = [q for q, _ in self.collection_shifts]
            state.cohorts.defer(unread_pairs(where, self.collection, shifted)[state.cohorts.rows])

    def grown(self, day: float) -> np.ndarray | None:
        """Each market's demand path factor now, (M, 1) (None: no market has a path)."""
        planner = self.mods.planner
        return None if planner is None else planner.demand_factors(self.names, day)

    @property
    def varies(self) -> bool:
        """Whether kg per unit can move (intensity schedules or price-driven substitution)."""
        prices = self.mods.prices
        return bool(self.phases) or (prices is not None and prices.any_substitution)

    def intensity(self, day: float) -> np.ndarray:
        """t of each pair's mineral per product unit now (intensity schedules and
        substitution applied), (Q, 1) or (Q, R)."""
        if not self.varies:
            return self.t_per_unit
        now = self.t_per_unit.copy()
        for q, phase in self.phases:
            now[q] *= phase.factor(day)
        prices = self.mods.prices
        if prices is not None and prices.any_substitution:
            now = now * prices.intensity
        return now

    def ratio(self, day: float) -> np.ndarray | None:
        """Each pair's kg per unit now relative to its base, (Q, 1 or R) (None: unchanged)."""
        if not self.varies:
            return None
        now = self.intensity(day)
        return np.divide(now, self.t_per_unit, out=np.ones_like(now), where=self.t_per_unit > 0)

    def demand_now(self, day: float) -> np.ndarray:
        """Each market's expected demand factor now (shocks, paths, price), (M, R or 1)."""
        demand = self.mods.demand_rows[self.rows]
        grown = self.grown(day)
        if grown is not None:
            demand = demand * grown
        prices = self.mods.prices
        if prices is not None and prices.any_demand:
            demand = demand * prices.demand
        return demand

    def use_factors(self, day: float) -> np.ndarray:
        """Each pair's expected use now relative to the start, (Q, R or 1): what prices
        compare holdings with."""
        ratio = self.ratio(day)
        use = self.demand_now(day)[self.pair_market]
        return use if ratio is None else use * ratio

    def demand_source(self, day: float) -> tuple[np.ndarray, np.ndarray]:
        """Each market's demand factor now (`demand_now`) as an array and each market's row
        in it: the shocks' rows themselves unless demand paths or prices move them."""
        prices = self.mods.prices
        if self.mods.planner is None and (prices is None or not prices.any_demand):
            return self.mods.demand_rows, self.rows
        return self.demand_now(day), np.arange(len(self.names), dtype=np.intp)

    def step(self, period: int, day: float) -> None:
        """Demand, units built and in-use stock at the review (`market_kernels`)."""
        from sim.engine import market_kernels as kernels  # here: numba's import is not for --help

        state, mods, rec = self.state, self.mods, self.rec
        if not self.names:
            return
        t_per_unit = self.intensity(day)
        for k, (_, noise) in enumerate(self.noisy):
            self.noise[k] = noise[period]
        demand, rows = self.demand_source(day)
        units, pair_t, eol = self.units, self.pair_t, self.eol
        kernels.build(
            state.stocks,
            state.backlog_rows,
            units,
            pair_t,
            demand,
            rows,
            self.base,
            self.noise,
            self.noisy_rows,
            t_per_unit,
            self.index,
        )
        built, used = units[1], pair_t[0]
        for q, ring in state.in_use_rings.items():
            slot = period % len(ring)
            eol[q] = ring[slot]
            ring[slot] = used[q]
        if state.cohorts is not None:  # spread lifetimes (engine/cohorts.py)
            eol[state.cohorts.rows] = state.cohorts.step(period, used[state.cohorts.rows])
        collection = self.collection
        if self.collection_shifts:
            collection = collection.copy()
            for q, shift in self.collection_shifts:
                collection[q] = shift.value(day)
        if mods.prices is not None and mods.prices.any_collection:  # collection follows price
            collection = mods.prices.collection_rates(collection)
        before = state.in_use_rows.copy() if state.origin is not None else None
        kernels.retire(
            eol,
            self.collected,
            state.in_use_rows,
            state.ledger.uncollected_rows,
            state.outgoing,
            used,
            state.in_use_legacy,
            self.given,
            collection,
            self.target,
            self.scrap_rows,
            self.scrap_share,
        )
        if before is not None:
            assert state.origin is not None
            state.origin.market(
                period,
                used,
                eol,
                self.collected,
                before - eol,
                built,
                self.scrap_pair,
                self.scrap_share,
            )
        if self.units_recorded:
            rec.put_rows(self.unit_where, units.reshape(-1, units.shape[2]))
        if rec.tracker is not None:
            rec.tracker.update(period, day, units[:3])
        pair_values = {
            DEMAND_T: pair_t[1],
            DELIVERED_T: used,
            SHORTFALL_T: pair_t[2],
            EOL_T: eol,
            COLLECTED_T: self.collected,
            IN_USE_T: state.in_use_rows,
        }
        for where, variable in self.records:
            rec.put_rows(where, pair_values[variable])

    def record_cover(self, inbound: np.ndarray, day: float, period: int) -> None:
        """Days of cover per (market, mineral) at the end of the review: how long the market
        can meet its expected daily use from what it holds and what reaches it in time.
        `inbound` is in transit per stock row (`Review.inbound`).

        DESIGN.md section 6 defines cover as (on hand + in transit toward the market) /
        expected daily use. Here material in transit counts only from the review it arrives
        at: at the first next review j at which on hand + arrivals up to j fall short of j
        reviews of expected use, cover is (on hand + those arrivals) / daily use (between j - 1
        and j reviews); when no review falls short it is DESIGN's (on hand + all in transit) /
        daily use. So a market short at the next review has less than one review of cover,
        where DESIGN's ratio counted material held back for weeks (a licence review) as if it
        were on the shelf (issue 16). Days; inf where expected use is zero. The next reviews
        are scanned one at a time (`market_kernels.first_short_numpy`)."""
        from sim.engine import market_kernels as kernels  # here: numba's import is not for --help

        if not self.names or not self.cover_recorded:
            return
        ratio = self.ratio(day)
        demand, rows = self.demand_source(day)
        state = self.state
        self.cover_index[1, : len(self.pair_market)] = rows[self.pair_market]
        kernels.cover(
            self.cover,
            state.stocks,
            inbound,
            state.ring,
            demand,
            self.expected_use,
            self.ones if ratio is None else ratio,
            self.cover_index,
            self.feed_links,
            period,
            float(state.step_days),
        )
        self.rec.put_rows(self.cover_where, self.cover)
