"""Shock activity is computed at each review from the draws: the events log is the one SimPy
processes switching each shock at its distinct days would write, and the effect arrays are
rebuilt only at reviews where what is active changed."""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import effects
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from sim.shocks.base import ShockDraws, draw_shock, shock_label
from tests.conftest import chain

BAN = {"type": "export_ban", "country": "CN", "mineral": "lithium", "severity": 0.5}


def _switching(
    env: simpy.Environment, d: ShockDraws, active: np.ndarray, log: list[dict[str, Any]]
) -> Generator[simpy.Event, None, None]:
    """The reference: one SimPy event per distinct start or end day of the shock."""
    times = np.unique(np.concatenate([[0.0], d.begin, d.end]))
    for time in times[times >= 0]:
        if time > env.now:
            yield env.timeout(time - env.now)
        now = (d.begin <= env.now) & (env.now < d.end)
        started, ended = now & ~active, ~now & active
        active[:] = now
        for event, mask in (("start", started), ("end", ended)):
            if mask.any():
                log.append(
                    {
                        "day": float(env.now),
                        "shock": shock_label(d.shock, d.index),
                        "event": event,
                        "replications": int(mask.sum()),
                    }
                )


def _simpy_log(shocks: list[ShockDraws], until: float) -> list[dict[str, Any]]:
    env, log = simpy.Environment(), []  # type: ignore[var-annotated]
    for d in shocks:
        env.process(_switching(env, d, np.zeros(d.begin.size, dtype=bool), log))
    env.run(until=until)
    return log


def _draws(begin: list[float], end: list[float], index: int) -> ShockDraws:
    spec = scenario.from_dict(chain(shocks=[{**BAN, "start": 1, "duration_days": 1}])).spec
    d = draw_shock(spec.shocks[0], 0, 1, range(len(begin)), spec.start, 60)
    return dataclasses.replace(d, index=index, begin=np.array(begin), end=np.array(end))


days = st.one_of(
    st.integers(-3, 70).map(float),
    st.floats(-3, 70, allow_nan=False).map(lambda x: round(x, 1)),
    st.floats(-3, 70, allow_nan=False),
)
windows = st.lists(st.tuples(days, days), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(windows, min_size=1, max_size=3), st.sampled_from([60, 61.5]))
def test_the_events_log_is_the_one_of_the_simpy_processes(
    shocks: list[list[tuple[float, float]]], until: float
) -> None:
    draws = []
    for index, pairs in enumerate(shocks):
        begin = [b for b, _ in pairs]
        end = [e for _, e in pairs]
        draws.append(_draws(begin, end, index))
    assert effects.shock_events(draws, until) == _simpy_log(draws, until)


def _random_start(reps: int) -> tuple[engine.RunResult, int]:
    """A run of a ban starting on a uniform day in 0-60, for 20 days, with the count of
    rebuilds of the effect arrays."""
    shock = {**BAN, "start": {"dist": "uniform", "low": 0, "high": 60}, "duration_days": 20}
    loaded = scenario.from_dict(chain(horizon_days=120, step_days=7, shocks=[shock]))
    calls = []
    original = effects.Modifiers.recompute

    def counted(self: effects.Modifiers) -> None:
        calls.append(1)
        original(self)

    effects.Modifiers.recompute = counted  # type: ignore[method-assign]
    try:
        return engine.run(loaded, reps), len(calls)
    finally:
        effects.Modifiers.recompute = original  # type: ignore[method-assign]


def test_effects_are_rebuilt_only_at_reviews_where_activity_changed() -> None:
    result, rebuilds = _random_start(400)
    d = result.shocks[0]
    review_days = np.arange(result.n_periods) * 7.0
    active = (d.begin[None, :] <= review_days[:, None]) & (review_days[:, None] < d.end[None, :])
    changes = int((active[1:] != active[:-1]).any(axis=1).sum() + active[0].any())
    assert rebuilds == 1 + changes  # the neutral arrays, then one per changing review
    assert rebuilds < 30 < len(np.unique(np.concatenate([d.begin, d.end])))


def test_a_shock_acts_on_the_review_of_its_start_day_and_not_on_its_end_day() -> None:
    shock = {**BAN, "start": 14, "duration_days": 7}
    loaded = scenario.from_dict(chain(horizon_days=42, step_days=7, shocks=[shock]))
    seen = []
    original = effects.Modifiers.review

    def watched(self: effects.Modifiers, day: float) -> None:
        original(self, day)
        seen.append((day, bool(self.active[0][0]), float(self.link_pass.min())))

    effects.Modifiers.review = watched  # type: ignore[method-assign]
    try:
        engine.run(loaded, 1)
    finally:
        effects.Modifiers.review = original  # type: ignore[method-assign]
    assert [(day, on) for day, on, _ in seen] == [
        (0.0, False),
        (7.0, False),
        (14.0, True),
        (21.0, False),
        (28.0, False),
        (35.0, False),
    ]
    assert [passing for _, on, passing in seen if on] == [0.5]
