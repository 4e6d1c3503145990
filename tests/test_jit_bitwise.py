"""Whole runs give bitwise the same numbers with the compiled kernels as with their numpy
versions (`SIM_NO_JIT=1`, `sim.engine.jit`): every array a run leaves in its recorder, state and
tracker, for scenarios that between them use every mechanism (contracts and spot, joint
production, recycling and cohorts, prices, licensing and content rules, origin tracking, route
closures, random inputs) and each of their policies.

The numpy side runs in a subprocess (the choice is made at import); this module is also the
script it runs (`python -m tests.test_jit_bitwise OUT.npz`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.engine import jit

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [
    "baseline",
    "cn_ree_controls_2025",
    "drc_cobalt_prices_2025",
    "outlook_2024_2035",
    "cn_ree_oct2025_rules",
    "ree_controls_risk_2025",
    "in_jp_partnership_2026",
    "malacca_closure",
    "cn_graphite_licensing_2023",
]
HORIZON_DAYS, REPS = 280, 3


def _arrays(prefix: str, obj: Any, out: dict[str, np.ndarray]) -> None:
    for name, value in vars(obj).items():
        if isinstance(value, np.ndarray) and value.dtype != object:
            out[f"{prefix}.{name}"] = value


def collect() -> dict[str, np.ndarray]:
    """Every numeric array the cases leave behind, keyed case.object.attribute."""
    sys.path.insert(0, str(ROOT / "bench"))
    from workload import reference

    from sim.engine import simulate as engine
    from sim.levers import apply
    from sim.scenario import loader

    cases = [("bench_reference", loader.from_dict(reference(horizon_days=200)), 8)]
    for name in SCENARIOS:
        path = ROOT / "scenarios" / f"{name}.yaml"
        scenario = loader.load(path, horizon_days=HORIZON_DAYS)
        cases.append((name, scenario, REPS))
        cases += [
            (f"{name}+{p.name}", apply(scenario, p), REPS) for p in scenario.spec.policies[:3]
        ]
    out: dict[str, np.ndarray] = {}
    for label, scenario, reps in cases:
        for full in (True, False):
            result = engine.run(scenario, reps, full=full)
            key = f"{label}.{'full' if full else 'ensemble'}"
            _arrays(f"{key}.recorder", result.recorder, out)
            _arrays(f"{key}.state", result.state, out)
            if result.recorder.tracker is not None:
                _arrays(f"{key}.tracker", result.recorder.tracker, out)
            if result.state.origin is not None:
                _arrays(f"{key}.origin", result.state.origin, out)
    return out


@pytest.mark.skipif(not jit.JIT, reason="numba is not installed")
def test_compiled_runs_equal_numpy_runs_bitwise(tmp_path: Path) -> None:
    target = tmp_path / "numpy.npz"
    env = {**os.environ, "SIM_NO_JIT": "1", "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "tests.test_jit_bitwise", str(target)], check=True, cwd=ROOT, env=env
    )
    reference = dict(np.load(target))
    compiled = collect()
    assert sorted(compiled) == sorted(reference)
    differ = [k for k in compiled if not np.array_equal(compiled[k], reference[k], equal_nan=True)]
    assert not differ, f"{len(differ)} arrays differ, e.g. {differ[:5]}"


if __name__ == "__main__":
    np.savez(sys.argv[1], **collect())
