"""Per-review random inputs drawn a chunk of reviews at a time are the numbers a draw for the
whole horizon gives, bit for bit, for every distribution; what a batch holds per replication
does not grow with the horizon."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.analysis import ensemble
from sim.scenario import loader
from sim.scenario.chunks import CHUNK_REVIEWS, PeriodDraws, Stream
from sim.scenario.randomness import AnyDistribution, draws
from sim.scenario.uncertainty import draw_inputs

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from workload import reference

DISTRIBUTIONS: list[dict[str, Any]] = [
    {"dist": "fixed", "value": 3.0},
    {"dist": "uniform", "low": 10, "high": 30},
    {"dist": "triangular", "low": 3, "mode": 5, "high": 14},
    {"dist": "normal", "mean": 1, "sd": 0.3, "min": 0.5},
    {"dist": "lognormal", "median": 20, "sigma": 0.5, "max": 60},
    {"dist": "exponential", "mean": 12},
]


@pytest.mark.parametrize("declared", DISTRIBUTIONS, ids=lambda d: d["dist"])
@pytest.mark.parametrize("chunk", [1, 7, 50])
def test_chunks_draw_the_whole_horizons_numbers(declared: dict[str, Any], chunk: int) -> None:
    dist = TypeAdapter(AnyDistribution).validate_python(declared)
    reps, periods = range(3, 8), 50
    whole = draws(9, reps, "transit:x", dist, periods).T  # (periods, R), as before chunks

    def streams() -> list[Stream]:
        return [Stream(9, reps, "transit:x", dist)]

    chunked = PeriodDraws(periods, streams, lambda s, n: s[0].next(n).T, chunk)
    got = np.stack([chunked[period] for period in range(periods)])
    np.testing.assert_array_equal(got, whole)
    np.testing.assert_array_equal(chunked.whole(), whole)
    with pytest.raises(IndexError):
        chunked[0] if chunk < periods else chunked[-1]


def test_the_reference_inputs_are_the_same_in_any_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = loader.from_dict(reference(horizon_days=200, replications=4))
    spec = scenario.spec

    def drawn() -> list[np.ndarray]:
        inputs = draw_inputs(
            spec.uncertainty, scenario.network, spec.seed, range(2, 6), 200, 200, 1
        )
        assert isinstance(inputs.transit_reviews, PeriodDraws)
        return [np.stack([inputs.transit_reviews[p] for p in range(200)])] + [
            np.stack([series[p] for p in range(200)]) for series in inputs.demand.values()
        ]

    whole = drawn()
    monkeypatch.setattr(PeriodDraws.__init__, "__defaults__", (7,))
    for a, b in zip(drawn(), whole, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(whole) == 5 and whole[0].shape == (200, 12, 4)


def test_bytes_per_replication_do_not_grow_with_the_horizon() -> None:
    short, long, longer = (
        ensemble.batch_bytes_per_rep(loader.from_dict(reference(horizon_days=days)))
        for days in (3650, 14600, 29200)
    )
    # 4 markets x 3 minerals with 12-year product lifetimes: in-use rings (8 bytes x 4380 daily
    # reviews each) once the horizon is longer than the lifetime, and nothing more after it
    assert long - short == 4 * 3 * 8 * 4380
    assert longer == long
    inputs = draw_inputs(
        (s := loader.from_dict(reference(horizon_days=14600))).spec.uncertainty,
        s.network,
        1,
        range(3),
        14600,
        14600,
        1,
    )
    assert inputs.transit_reviews[0].shape == (12, 3)
    assert isinstance(inputs.transit_reviews, PeriodDraws)
    assert len(inputs.transit_reviews.block) == CHUNK_REVIEWS
