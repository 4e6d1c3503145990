"""One run: a SimPy environment with the period clock, the shock processes and the random
inputs, on a batch of replications at once.

The clock is one SimPy process that wakes once per review period and runs the phases of a
review over all nodes (cost grows with nodes x periods, never with tonnes). Each review first
switches the shocks whose windows [start, end) began or ended since the last one
(`Modifiers.review`), so a shock starting on day d affects the review on day d. Every quantity
is an array over the batch's replications, so one event advances them all.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from sim.engine import shipping as P
from sim.engine.effects import Modifiers, shock_events
from sim.engine.markets import Markets
from sim.engine.prices import PriceBook
from sim.engine.recorder import Recorder, series_keys
from sim.engine.review import Review
from sim.engine.state import State, initial_state, mineral_stock
from sim.engine.tracker import MarketTracker
from sim.engine.world import Planner
from sim.scenario.loader import Scenario
from sim.scenario.network import StockpileSpec
from sim.scenario.origin import OriginOptions
from sim.scenario.schedules import Schedules
from sim.scenario.uncertainty import RandomInputs, draw_inputs, transit_upper
from sim.shocks.base import ShockDraws, draw_shock, max_extra_delay_days
from sim.vocabulary import STOCK_T


@dataclass
class RunResult:
    """What one run of a batch leaves behind (arrays over its replications)."""

    scenario: Scenario
    reps: range
    recorder: Recorder
    state: State
    initial_stock: dict[str, np.ndarray]
    """Per mineral: everything inside the system at the start, t."""
    shocks: list[ShockDraws]
    events: list[dict[str, Any]]
    wall_seconds: float
    n_periods: int
    metrics_table: Any = None
    """The run's metrics once computed (`results.run_metrics`); None before."""
    prices: PriceBook | None = None
    """Price history and labels, when the scenario prices any mineral."""


def n_periods(scenario: Scenario) -> int:
    return math.ceil(scenario.spec.horizon_days / scenario.spec.step_days)


def run(
    scenario: Scenario,
    reps: int | range = 1,
    full: bool = True,
    bucket_starts: np.ndarray | None = None,
) -> RunResult:
    """Simulate the scenario's horizon for the replications `reps` (0..reps-1 for an int).

    Replication i draws its random inputs from its own streams, so its results are the same
    whatever batch it runs in. `full=False` records only what ensemble metrics need, with
    days of cover also reduced per time bucket starting at the reviews `bucket_starts`.
    """
    started = time.perf_counter()
    reps = range(reps) if isinstance(reps, int) else reps
    spec, network = scenario.spec, scenario.network
    step, periods, count = spec.step_days, n_periods(scenario), len(reps)
    shocks = [
        draw_shock(s, i, spec.seed, reps, spec.start, spec.horizon_days)
        for i, s in enumerate(spec.shocks)
    ]
    delays = any(s.adds_delays() for s in spec.shocks)
    randoms = draw_inputs(
        spec.uncertainty,
        network,
        spec.seed,
        reps,
        periods,
        spec.horizon_days,
        step,
        keep_days=delays,
    )
    nominal = np.array([link.transit_days for link in network.links], dtype=float)
    extra = max_extra_delay_days(shocks, network) + np.maximum(
        transit_upper(spec.uncertainty, network) - nominal, 0.0
    )
    planner = Planner(scenario, reps)
    planned = planner.network(0.0)  # the network itself unless paths or projects move it
    state = initial_state(planned, step, count, extra, periods, randoms.cover_days)
    initial = {m: mineral_stock(state, m) for m in network.minerals}
    mods = Modifiers(
        network,
        count,
        shocks,
        randoms,
        scenario.schedules,
        step_days=step,
        planner=planner if planner.active else None,
    )
    if spec.prices.any:
        mods.prices = PriceBook(spec.prices, state, network, periods)
    starts = bucket_starts if bucket_starts is not None else np.zeros(1, dtype=int)
    bucket_of = np.searchsorted(starts, np.arange(periods), side="right") - 1
    options = spec.metrics
    tracker = MarketTracker(
        len(network.of_kind("market")),
        count,
        step,
        np.array([d.begin for d in shocks]).reshape(len(shocks), count),
        np.array([d.end for d in shocks]).reshape(len(shocks), count),
        options.fill_threshold,
        math.ceil(options.settle_days / step),
        bucket_of,
        len(starts),
    )
    recorder = Recorder(network, periods, count, full=full, bucket_starts=starts, tracker=tracker)
    events = shock_events(shocks, periods * step)
    env = simpy.Environment()
    if scenario.schedules.share_switches:
        env.process(share_switches(env, state, scenario.schedules, planner))
    if scenario.world.replans:
        env.process(replans(env, state, planner, scenario.world.replan_days))
    tracks = spec.origin.on(any(s.acts_on_content() for s in spec.shocks))
    env.process(
        period_clock(env, state, mods, recorder, randoms, periods, spec.origin if tracks else None)
    )
    env.run(until=periods * step)
    return RunResult(
        scenario,
        reps,
        recorder,
        state,
        initial,
        shocks,
        events,
        time.perf_counter() - started,
        periods,
        prices=mods.prices,
    )


def share_switches(
    env: simpy.Environment, state: State, schedules: Schedules, planner: Planner
) -> Generator[simpy.Event, None, None]:
    """Switch sourcing shares on their days (SimPy process); the next review re-plans with the
    new shares (expected flows, stock targets, order splits)."""
    for day, shares in sorted(schedules.share_switches, key=lambda item: item[0]):
        if day > env.now:
            yield env.timeout(day - env.now)
        planner.switch_shares(shares)
        state.network = planner.network(float(env.now))


def replans(
    env: simpy.Environment, state: State, planner: Planner, every_days: int
) -> Generator[simpy.Event, None, None]:
    """Re-plan the network every `every_days` from the demand paths and project ramps of that
    day (SimPy process); the next review plans with it."""
    while True:
        yield env.timeout(every_days)
        state.network = planner.network(float(env.now))


def period_clock(
    env: simpy.Environment,
    state: State,
    mods: Modifiers,
    recorder: Recorder,
    randoms: RandomInputs,
    periods: int,
    origin: OriginOptions | None = None,
) -> Generator[simpy.Event, None, None]:
    """Run one review every `step_days` (SimPy process); `origin`: track embodied origin."""
    network = state.network
    review = Review(state, mods, recorder)
    book = None
    if origin is not None:
        # Here, not at the top: origin tracking compiles its loops with numba, whose import
        # (about 0.2 s) a run that does not track origin should not pay.
        from sim.engine.origin import OriginBook

        groups = [(g.names, g.out, g.feed if g.converts else None) for g in review.groups]
        book = OriginBook(origin, state, groups, [n.name for n in review.joint], periods)
        state.origin = book
    shipper = P.Shipper(state, mods, recorder, randoms)
    markets = Markets(state, mods, recorder, randoms, mods.schedules)
    piles = [n for n in network.nodes.values() if isinstance(n, StockpileSpec)]
    stock_keys = [
        key
        for key in series_keys(network)
        if key[3] == STOCK_T and (key in recorder.index or key in recorder.total_index)
    ]
    stock_where = recorder.locate(stock_keys)
    stock_rows = np.array([state.slot[(k[0], (k[1], k[2]))] for k in stock_keys], dtype=np.intp)
    if recorder.full:
        opening = dict(zip(stock_keys, state.stocks[stock_rows], strict=True))
        recorder.open(opening, state.in_transit)
    for period in range(periods):
        day = float(env.now)
        recorder.period = period
        mods.review(day)
        if review.network is not state.network:  # shares switched since the last review
            review = Review(state, mods, recorder)
        if book is not None:
            book.receive(state, period)
        P.receive(state, period, review.by_buyer_row, recorder)
        if book is not None:
            book.received(state)
        if mods.content_rules:
            assert book is not None
            mods.apply_content(book)
        if randoms.link_outages is not None:
            mods.apply_link_outages(day)
        if mods.prices is not None:
            mods.prices.update(period, state, markets.use_factors(day))
        due = review.orders_due()
        due_by_row = review.due_by_seller(due)
        review.produce(due_by_row, day, markets.ratio(day))
        review.fill(due, due_by_row, day)
        markets.step(period, day)
        releasing = {pile.name: P.release(state, pile, shipper, recorder, mods) for pile in piles}
        shipper.dispatch(period, day)
        inbound = review.inbound()
        markets.record_cover(inbound, day, period)
        review.order(releasing, inbound, markets, day)
        if stock_rows.size:
            recorder.put_rows(stock_where, state.stocks[stock_rows])
        yield env.timeout(state.step_days)
