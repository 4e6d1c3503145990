"""Shared builders for small networks whose answers can be worked out on paper."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

# CI explores the same examples on every run (a red CI must mean a change broke something);
# locally hypothesis keeps exploring new ones and remembers failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]


def chain(
    *,
    demand_units_per_year: float = 36500.0,
    kg_per_unit: float = 10.0,
    step_days: int = 1,
    horizon_days: int = 60,
    market_cover: float = 10.0,
    upstream_cover: float = 0.0,
    transit: tuple[float, float, float] = (1, 1, 1),
    yields: tuple[float, float] = (1.0, 1.0),
    capacity_tpa: float = 1e6,
    shocks: list[dict[str, Any]] | None = None,
    unmet: str = "lost",
    extra_nodes: list[dict[str, Any]] | None = None,
    extra_links: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """AU mine -> CN refinery -> JP plant -> JP EV market, one mineral (lithium).

    With the defaults the market needs 36500 / 365 x 10 kg = 1 t of lithium a day.
    """
    t_mr, t_rp, t_pm = transit
    return {
        "name": "chain",
        "start": "2025-01-01",
        "horizon_days": horizon_days,
        "step_days": step_days,
        "network": {
            "nodes": [
                {
                    "name": "mine",
                    "kind": "mine",
                    "country": "AU",
                    "mineral": "lithium",
                    "capacity_tpa": capacity_tpa,
                    "cover_days": upstream_cover,
                },
                {
                    "name": "refinery",
                    "kind": "refinery",
                    "country": "CN",
                    "mineral": "lithium",
                    "capacity_tpa": capacity_tpa,
                    "yield": yields[0],
                    "cover_days": upstream_cover,
                },
                {
                    "name": "plant",
                    "kind": "plant",
                    "country": "JP",
                    "recipe": {"lithium": 1.0},
                    "capacity_tpa": capacity_tpa,
                    "yield": yields[1],
                    "cover_days": upstream_cover,
                },
                {
                    "name": "ev",
                    "kind": "market",
                    "country": "JP",
                    "sector": "ev",
                    "unit": "vehicle",
                    "demand_units_per_year": demand_units_per_year,
                    "intensity_kg_per_unit": {"lithium": kg_per_unit},
                    "cover_days": market_cover,
                    "unmet": unmet,
                },
                *(extra_nodes or []),
            ],
            "links": [
                {"from": "mine", "to": "refinery", "transit_days": t_mr},
                {"from": "refinery", "to": "plant", "transit_days": t_rp},
                {"from": "plant", "to": "ev", "transit_days": t_pm},
                *(extra_links or []),
            ],
        },
        "shocks": shocks or [],
    }


def series(
    result: Any, node: str, variable: str, mineral: str = "", stage: str = "", rep: int = 0
) -> np.ndarray:
    rec = result.recorder
    return rec.values[:, rec.index[(node, mineral, stage, variable)], rep]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def _signal_handlers_restored() -> Iterator[None]:
    """Every test leaves SIGINT and SIGTERM as it found them (a handler a test installs must not
    reach the next one)."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in saved.items():
        if handler is not None:
            signal.signal(number, handler)


@pytest.fixture
def default_ctrl_c() -> Iterator[None]:
    """Python's own Ctrl-C handler for one test: a runner started in the background by a shell
    inherits SIGINT ignored (POSIX shells ignore it for `&` jobs), and Python then installs no
    KeyboardInterrupt handler; the Ctrl-C tests test our handling, not the runner's."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
