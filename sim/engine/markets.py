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

from sim.engine.arrays import SegmentSum
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
        self.uncollected = SegmentSum(
            np.array([state.ledger.index[x] for _, x in pairs], dtype=np.intp)
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
        # The links whose buyer is a market pair's stock row (what reaches each market), in
        # levels: level k holds the k-th link (in link order) of every pair with more than k.
        slot_pair = {int(slot): q for q, slot in enumerate(self.pair_slot.tolist())}
        feeding: dict[int, list[int]] = {}
        for k, slot in enumerate(state.buyer_slot.tolist()):
            if slot in slot_pair:
                feeding.setdefault(slot_pair[slot], []).append(k)
        depth_in = max((len(v) for v in feeding.values()), default=0)
        self.cover_levels = [
            (
                np.array([v[level] for _, v in sorted(feeding.items()) if len(v) > level]),
                np.array([q for q, v in sorted(feeding.items()) if len(v) > level]),
            )
            for level in range(depth_in)
        ]
        self.every_pair_fed = len(feeding) == len(pairs)
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

    def step(self, period: int, day: float) -> None:
        state, mods, rec = self.state, self.mods, self.rec
        if not self.names:
            return
        t_per_unit = self.intensity(day)
        stocks = state.stocks
        new = self.base * self.demand_now(day)
        for i, noise in self.noisy:
            new[i] *= noise[period]
        wanted = new + state.backlog_rows
        on_hand = stocks[self.pair_slot]
        units = np.divide(  # a mineral thrifted away entirely (0 t per unit) limits nothing
            on_hand, t_per_unit, out=np.full_like(on_hand, np.inf), where=t_per_unit > 0
        )
        possible = np.minimum.reduceat(units, self.starts, axis=0)
        built = np.maximum(np.minimum(possible, wanted), 0.0)
        unmet = wanted - built  # lost sales, or for a backlog market the units still waiting
        state.backlog_rows[:] = np.where(self.backlogs, unmet, 0.0)
        used = built[self.pair_market] * t_per_unit
        stocks[self.pair_slot] = np.maximum(stocks[self.pair_slot] - used, 0.0)  # rounding only
        eol = np.repeat(state.in_use_legacy, state.reps, axis=1)
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
        collected = eol * collection
        self.uncollected.add_into(state.ledger.uncollected_rows, eol - collected)
        if self.scrap.size:
            state.outgoing[self.scrap] += collected[self.scrap_pair] * self.scrap_share
        if state.origin is not None:
            state.origin.market(
                period,
                used,
                eol,
                collected,
                state.in_use_rows - eol,
                built,
                self.scrap_pair,
                self.scrap_share,
            )
        state.in_use_rows += used - eol
        rec.put_rows(self.unit_where, np.concatenate([new, built, unmet, state.backlog_rows]))
        if rec.tracker is not None:
            rec.tracker.update(period, day, new, built, unmet)
        pair_values = {
            DEMAND_T: lambda: new[self.pair_market] * t_per_unit,
            DELIVERED_T: lambda: used,
            SHORTFALL_T: lambda: unmet[self.pair_market] * t_per_unit,
            EOL_T: lambda: eol,
            COLLECTED_T: lambda: collected,
            IN_USE_T: lambda: state.in_use_rows,
        }
        for variable, where in self.pair_where.items():
            if recorded(where):
                rec.put_rows(where, pair_values[variable]())

    def _first_short(self, on_hand: np.ndarray, per_day: np.ndarray, period: int) -> np.ndarray:
        """Per (pair, replication): (on hand + arrivals up to review j) / daily use at the first
        next review j that falls short of j reviews of use, days; inf where none does within
        the ring's reach. Scans the next reviews one at a time and stops as soon as every
        element is settled (short already, or covered to the ring's end by what it holds)."""
        state = self.state
        depth = state.ring.shape[0]
        step = float(state.step_days)
        found = np.full(on_hand.shape, np.inf)
        open_ = np.ones(on_hand.shape, dtype=bool)
        held = on_hand.copy()
        for j in range(1, depth):
            slot = (period + j) % depth
            (links, rows), *more = self.cover_levels
            if self.every_pair_fed:  # rows are 0 .. Q-1: the first level is the arrivals
                arriving = state.ring[slot, links]
            else:
                arriving = np.zeros(on_hand.shape)
                arriving[rows] = state.ring[slot, links]
            for links, rows in more:  # further links of a pair, added in link order
                arriving[rows] += state.ring[slot, links]
            held = arriving + held  # on hand + arrivals up to review j
            days = held / per_day
            short = open_ & (days < j * step - 1e-9)
            found[short] = days[short]
            open_ &= ~short
            if not (open_ & (days < (depth - 1) * step - 1e-9)).any():
                break  # the rest hold enough for every review the ring reaches
        return found

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
        were on the shelf (issue 16). Days; inf where expected use is zero."""
        if not self.names or not recorded(self.cover_where):
            return
        ratio = self.ratio(day)
        use = self.expected_use * self.demand_now(day)[self.pair_market]
        if ratio is not None:
            use = use * ratio
        state = self.state
        on_hand = state.stocks[self.pair_slot]
        per_day = np.where(use > 1e-12, use, 1.0)
        everything = (on_hand + inbound[self.pair_slot]) / per_day
        depth = state.ring.shape[0]
        if self.cover_levels and depth > 1:
            everything = np.minimum(everything, self._first_short(on_hand, per_day, period))
        cover = np.where(use > 1e-12, everything, np.inf)
        self.rec.put_rows(self.cover_where, cover)
