"""Skill of a simulated series against a recorded one (the backtest's scores).

A comparison is a table of recorded points: the period each stands for (an integer index:
months or years counted from any origin, so that consecutive periods differ by one), the
recorded value, the simulated value mapped to the record's unit and period, and the naive
reference (persistence: the pre-shock level, "nothing changes"). Errors are simulated minus
recorded, in the record's unit:

- MAE = mean |sim - rec| over the points; also as % of the mean |rec| (blank when that is 0);
- bias = mean (sim - rec): positive when the model is above the record;
- direction share = share of the pairs of consecutive recorded periods (p, p + 1) where the
  sign of the change (-1, 0, +1; a change within `flat` of zero is 0) is the same simulated and
  recorded; NaN when the record has no two consecutive periods;
- skill = 1 - MAE_model / MAE_naive (1 is perfect, 0 no better than persistence, negative
  worse); NaN when the naive reference is exact (MAE_naive = 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

COLUMNS = ("period", "recorded", "simulated", "naive")


@dataclass(frozen=True)
class Score:
    n: int
    mae: float
    mae_pct_of_mean: float
    bias: float
    direction_pairs: int
    direction_share: float
    mae_naive: float
    skill: float


def _signs(values: np.ndarray, flat: float) -> np.ndarray:
    return np.where(np.abs(values) <= flat, 0, np.sign(values)).astype(int)


def directions(points: pd.DataFrame, flat: float = 1e-9) -> tuple[int, float]:
    """(pairs of consecutive recorded periods, share of them with the direction right)."""
    ordered = points.sort_values("period")
    period = ordered["period"].to_numpy()
    pairs = np.flatnonzero(np.diff(period) == 1)
    if len(pairs) == 0:
        return 0, math.nan
    rec = ordered["recorded"].to_numpy(dtype=float)
    sim = ordered["simulated"].to_numpy(dtype=float)
    same = _signs(np.diff(rec)[pairs], flat) == _signs(np.diff(sim)[pairs], flat)
    return len(pairs), float(same.mean())


def score(points: pd.DataFrame, flat: float = 1e-9) -> Score:
    """The scores of one comparison (columns COLUMNS); points with no simulated value (outside
    the run) are left out."""
    missing = [c for c in COLUMNS if c not in points.columns]
    if missing:
        raise ValueError(f"a comparison needs the columns {COLUMNS}; missing {missing}")
    used = points.dropna(subset=["recorded", "simulated"])
    if used.empty:
        raise ValueError("no recorded point has a simulated value: the run is too short")
    rec = used["recorded"].to_numpy(dtype=float)
    error = used["simulated"].to_numpy(dtype=float) - rec
    mae = float(np.abs(error).mean())
    scale = float(np.abs(rec).mean())
    naive = float(np.abs(used["naive"].to_numpy(dtype=float) - rec).mean())
    pairs, share = directions(used, flat)
    return Score(
        n=len(used),
        mae=mae,
        mae_pct_of_mean=100.0 * mae / scale if scale > 0 else math.nan,
        bias=float(error.mean()),
        direction_pairs=pairs,
        direction_share=share,
        mae_naive=naive,
        skill=1.0 - mae / naive if naive > 0 else math.nan,
    )
