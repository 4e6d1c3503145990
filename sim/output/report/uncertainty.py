"""How the report states an estimate from replications honestly: with its 95% bootstrap
interval (summary.csv's `<statistic>_ci_low` / `_ci_high`, `sim.analysis.bootstrap`), as exact
when the replications are identical, and with a warning where it rests on too few of them:
P95 and CVaR95 with fewer than `MIN_TAIL_REPLICATIONS` replications beyond the 95th percentile,
a P(shortfall) whose interval is wider than `MAX_CHANCE_CI_WIDTH`."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sim.output.folder import Results
from sim.output.report.exact import identical
from sim.vocabulary import (
    MAX_CHANCE_CI_WIDTH,
    MIN_TAIL_REPLICATIONS,
    THIN_TAIL_NOTE,
    WIDE_CHANCE_NOTE,
)

LEVEL = 0.95


def with_interval(
    value: float,
    row: Mapping[str, Any] | None,
    column: str,
    fmt: Callable[[float], str],
    to: str = " to ",
) -> str:
    """'12.5% (8.0% to 17.5%)': a statistic and its interval from a summary row (`to` joins
    the bounds: tables use an en dash to fit a printed page); the value alone when the row has
    no interval (older folders, one replication) or it is a point."""
    text = fmt(value)
    if row is None:
        return text
    low, high = row.get(f"{column}_ci_low"), row.get(f"{column}_ci_high")
    if low is None or high is None:
        return text
    low, high = float(low), float(high)
    if math.isnan(low) or math.isnan(high) or low == high:
        return text
    return f"{text} ({fmt(low)}{to}{fmt(high)})"


def wide(row: Mapping[str, Any] | None) -> bool:
    """Whether a summary row's P(shortfall) interval is wider than `MAX_CHANCE_CI_WIDTH`."""
    if row is None:
        return False
    low, high = row.get("prob_positive_ci_low"), row.get("prob_positive_ci_high")
    if low is None or high is None or math.isnan(float(low)) or math.isnan(float(high)):
        return False
    return float(high) - float(low) > MAX_CHANCE_CI_WIDTH


def thin_tail(replications: int) -> bool:
    """Whether P95 and CVaR95 rest on fewer than `MIN_TAIL_REPLICATIONS` replications beyond
    the 95th percentile."""
    return replications * (1.0 - LEVEL) < MIN_TAIL_REPLICATIONS


def warnings(results: Results, loose: Sequence[str]) -> list[str]:
    """The warnings for a table of ensemble statistics: thin tails, and the markets (labels)
    in `loose` whose P(shortfall) interval is too wide; none for identical replications."""
    n = results.info.replications
    if n < 2 or identical(results):
        return []
    out = []
    if thin_tail(n):
        tail = max(1, math.ceil(n * (1.0 - LEVEL) - 1e-9))
        noun = "replication" if tail == 1 else "replications"
        out.append(THIN_TAIL_NOTE.format(reps=f"{n:,}", tail=f"{tail} {noun}"))
    if loose:
        out.append(WIDE_CHANCE_NOTE.format(markets=", ".join(loose)))
    return [f"Warning: {text}." for text in out]
