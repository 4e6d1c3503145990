"""Every scenario's key results against its committed golden files (see tests/golden.py).

A failure means a result moved: if the change is intended, run `make golden` and review the diff
of tests/golden/ like any other change.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.golden import GOLDEN, GOLDEN_ATOL, GOLDEN_RTOL, compute, scenario_files

FILES = scenario_files()


def frames_differ(fresh: pd.DataFrame, pinned: pd.DataFrame) -> list[str]:
    """What differs between two tables: columns, rows, text cells exactly, numbers within the
    golden tolerance (NaN equals NaN, inf equals inf)."""
    fresh = pd.read_csv(io.StringIO(fresh.to_csv(index=False, float_format="%.12g")))
    if list(fresh.columns) != list(pinned.columns):
        return [f"columns {list(fresh.columns)} != pinned {list(pinned.columns)}"]
    if len(fresh) != len(pinned):
        return [f"{len(fresh)} rows != pinned {len(pinned)}"]
    problems = []
    for column in pinned.columns:
        a, b = fresh[column], pinned[column]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x, y = a.to_numpy(float), b.to_numpy(float)
            close = np.isclose(x, y, rtol=GOLDEN_RTOL, atol=GOLDEN_ATOL, equal_nan=True)
            if not close.all():
                row = int(np.flatnonzero(~close)[0])
                problems.append(
                    f"{column}: row {row}: {x[row]!r} != pinned {y[row]!r} "
                    f"({int((~close).sum())} rows differ)"
                )
        elif not a.fillna("").astype(str).equals(b.fillna("").astype(str)):
            row = int(np.flatnonzero(a.fillna("").astype(str) != b.fillna("").astype(str))[0])
            problems.append(f"{column}: row {row}: {a.iloc[row]!r} != pinned {b.iloc[row]!r}")
    return problems


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_results_match_the_golden_files(path: Path) -> None:
    folder = GOLDEN / path.stem
    assert folder.is_dir(), f"no golden files for {path.name}: run `make golden`"
    fresh = compute(path)
    assert sorted(fresh) == sorted(p.name for p in folder.iterdir()), "golden file set changed"
    problems = []
    for name, value in fresh.items():
        pinned_path = folder / name
        if isinstance(value, str):
            if value != pinned_path.read_text(encoding="utf-8"):
                problems.append(f"{name}: report outline changed")
        else:
            problems += [f"{name}: {p}" for p in frames_differ(value, pd.read_csv(pinned_path))]
    assert not problems, f"{path.name} moved (run `make golden` if intended):\n" + "\n".join(
        problems
    )


def test_the_comparison_detects_a_moved_number() -> None:
    pinned = pd.DataFrame({"market": ["a", "b"], "value": [1.0, np.inf], "note": ["x", np.nan]})
    assert frames_differ(pinned.copy(), pinned) == []
    moved = pinned.assign(value=[1.0 + 1e-4, np.inf])
    assert frames_differ(moved, pinned) and "value" in frames_differ(moved, pinned)[0]
    assert frames_differ(pinned.assign(note=["y", np.nan]), pinned)
    assert frames_differ(pinned.iloc[:1], pinned)
