"""One run: a SimPy environment with the period clock and the shock processes, on a batch of
replications at once.

The clock is one SimPy process that wakes once per review period and runs the phases of a
review over all nodes (cost grows with nodes x periods, never with tonnes). Shocks are their own
processes that switch on and off at their exact days; when a shock and a review fall on the same
day, the shock acts first (it was scheduled first), so a shock starting on day d affects the
review on day d.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from . import processes as P
from .network import MarketSpec, Producer, StockpileSpec
from .recorder import Recorder
from .scenario import Scenario
from .shocks import Modifiers, max_extra_delay_days, shock_process
from .state import State, initial_state, mineral_stock


@dataclass
class RunResult:
    """What one run leaves behind (arrays over its replications)."""

    scenario: Scenario
    recorder: Recorder
    state: State
    initial_stock: dict[str, np.ndarray]
    """Per mineral: everything inside the system at the start, t."""
    events: list[dict[str, Any]]
    wall_seconds: float
    n_periods: int


def n_periods(scenario: Scenario) -> int:
    return math.ceil(scenario.spec.horizon_days / scenario.spec.step_days)


def run(scenario: Scenario, reps: int = 1) -> RunResult:
    """Simulate the scenario's horizon for `reps` replications (identical while all inputs are
    deterministic)."""
    started = time.perf_counter()
    spec, network = scenario.spec, scenario.network
    step = spec.step_days
    periods = n_periods(scenario)
    extra = max_extra_delay_days(scenario.shocks, scenario.windows, network)
    state = initial_state(network, step, reps, extra)
    initial = {m: mineral_stock(state, m) for m in network.minerals}
    mods = Modifiers(network)
    mods.windows = dict(enumerate(scenario.windows))
    recorder = Recorder(network, periods, reps)
    events: list[dict[str, Any]] = []
    env = simpy.Environment()
    for i, shock in enumerate(scenario.shocks):
        env.process(shock_process(env, i, shock, scenario.windows[i], mods, events))
    env.process(period_clock(env, state, mods, recorder, periods))
    env.run(until=periods * step)
    return RunResult(
        scenario, recorder, state, initial, events, time.perf_counter() - started, periods
    )


def period_clock(
    env: simpy.Environment, state: State, mods: Modifiers, recorder: Recorder, periods: int
) -> Generator[simpy.Event, None, None]:
    """Run one review every `step_days` (SimPy process)."""
    network = state.network
    plans = {
        name: P.order_plans(network, node, state.step_days) for name, node in network.nodes.items()
    }
    shipper = P.Shipper(state, mods, recorder)
    producers = [n for n in network.nodes.values() if isinstance(n, Producer)]
    suppliers = [n for n in network.nodes.values() if not isinstance(n, StockpileSpec)]
    markets = [n for n in network.nodes.values() if isinstance(n, MarketSpec)]
    piles = [n for n in network.nodes.values() if isinstance(n, StockpileSpec)]
    for period in range(periods):
        day = float(env.now)
        recorder.period = period
        P.receive(state, period)
        for producer in producers:
            P.produce(state, producer, mods, recorder)
        for supplier in suppliers:
            P.fill_orders(state, supplier, mods, shipper, period, day)
        for market in markets:
            P.market(state, market, mods, shipper, recorder, period, day)
        releasing = {
            pile.name: P.release(state, pile, shipper, recorder, period, day) for pile in piles
        }
        for name, buyer in network.nodes.items():
            if not releasing.get(name, False):
                P.place_orders(state, buyer, plans[name], mods)
            elif plans[name]:
                state.pending[np.concatenate([p.links for p in plans[name]])] = 0.0
        for name, stocks in state.stock.items():
            for (mineral, stage), level in stocks.items():
                key = (name, mineral, stage, "stock_t")
                if key in recorder.index:
                    recorder.put(key, level)
        yield env.timeout(state.step_days)
