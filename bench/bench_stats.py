"""The arithmetic and the lines of `make bench`, apart from running anything (tests/test_bench.py).

Every timed job runs once per round, in the same order in every round (`schedule`), so that two
jobs compared with each other ran next to each other, under about the same load. A job's runs
are summarised as their median with min-max (`Spread`); a comparison of two jobs uses only the
rounds in which both ran (`paired`), as the ratio of their medians, with the range of the
per-round ratios beside it. Times are wall-clock seconds; a ratio above 1 means the first job
named took longer (`time_ratio`) or went faster (`per_core_ratio`), as each function says.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """Median, lowest and highest of `runs` timings (seconds, or whatever was measured)."""

    median: float
    low: float
    high: float
    runs: int

    def range_text(self, digits: int = 2) -> str:
        """`low-high`, or `1 run` when there is nothing to spread."""
        if self.runs == 1:
            return "1 run"
        return f"{self.low:.{digits}f}-{self.high:.{digits}f}"


def spread(values: Sequence[float]) -> Spread:
    """The median with min-max of `values`; ValueError if there are none."""
    if not values:
        raise ValueError("no runs to summarise (every run of this job failed)")
    return Spread(statistics.median(values), min(values), max(values), len(values))


def schedule(jobs: Sequence[str], repeat: int) -> list[tuple[int, str]]:
    """(round, job) in run order: `repeat` rounds of every job in the given order, so jobs
    listed next to each other (ours, peer) alternate: A, B, A, B, ... Same count for each."""
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    if len(set(jobs)) != len(jobs):
        raise ValueError(f"jobs listed twice: {sorted(j for j in set(jobs) if jobs.count(j) > 1)}")
    return [(r, job) for r in range(repeat) for job in jobs]


def paired(
    rounds: Sequence[Mapping[str, float | None]], first: str, second: str
) -> tuple[list[float], list[float]]:
    """The values of `first` and `second` from the rounds in which both were measured (a job
    that failed in a round is None or missing there), as two lists of the same length."""
    a: list[float] = []
    b: list[float] = []
    for measured in rounds:
        x, y = measured.get(first), measured.get(second)
        if x is not None and y is not None:
            a.append(x)
            b.append(y)
    return a, b


def time_ratio(slower: Sequence[float], faster: Sequence[float]) -> tuple[float, Spread]:
    """median(slower) / median(faster) of paired wall times, and the spread of the per-pair
    ratios. E.g. (1-worker walls, 2-worker walls) gives the speed-up from 1 to 2 workers."""
    if len(slower) != len(faster):
        raise ValueError(f"pairs of unequal length: {len(slower)} and {len(faster)}")
    ratio = spread(slower).median / spread(faster).median
    return ratio, spread([s / f for s, f in zip(slower, faster, strict=True)])


def per_core_ratio(
    our_walls: Sequence[float], our_reps: int, peer_seconds_per_rep: Sequence[float]
) -> tuple[float, Spread]:
    """Our replications per second on one core over the peer's, from paired runs: `our_reps` /
    median(our_walls) divided by 1 / median(peer_seconds_per_rep); above 1 means ours is faster.
    Also the spread of the per-round ratios."""
    if len(our_walls) != len(peer_seconds_per_rep):
        raise ValueError(
            f"pairs of unequal length: {len(our_walls)} and {len(peer_seconds_per_rep)}"
        )
    ratio = our_reps * spread(peer_seconds_per_rep).median / spread(our_walls).median
    rounds = [
        our_reps * peer / ours for ours, peer in zip(our_walls, peer_seconds_per_rep, strict=True)
    ]
    return ratio, spread(rounds)


def number(x: float) -> str:
    """A ratio for people: three significant figures, thousands separated, no exponent."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def per_round(rounds: Spread) -> str:
    """` (per round low-highx)` after a ratio of medians; nothing for a single round."""
    if rounds.runs < 2:
        return ""
    return f" (per round {ratio_range(rounds)}x)"


def ratio_range(rounds: Spread) -> str:
    """`low-high` of per-round ratios, each written as `number` writes it."""
    return f"{number(rounds.low)}-{number(rounds.high)}"


def peer_ratio_line(ratio: float, orders: str) -> str:
    """The summary line, exactly `peer ratio per core: N x (weekly-sized orders)`."""
    return f"peer ratio per core: {number(ratio)} x ({orders})"


def load_line(when: str, load: tuple[float, float, float], cores: int) -> str:
    """The machine's load averages (1, 5, 15 minutes: runnable processes) and its cores."""
    one, five, fifteen = load
    return f"load {when}: {one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on {cores} cores"


def load_warning(load: tuple[float, float, float], cores: int) -> str | None:
    """A warning when the 1-minute load exceeds the cores: other work then shares the cores and
    the timings are not comparable with a quiet run (the ratios of interleaved pairs suffer
    less, as both sides share the same load)."""
    if load[0] <= cores:
        return None
    return (
        f"WARNING: 1-minute load {load[0]:.2f} exceeds the {cores} cores: the machine is shared, "
        "timings are not comparable with a quiet run"
    )
