"""Export quotas at a review: a country's exports of a mineral capped across all destinations
(`sim/shocks/export_quota.py` says how a quota is declared and shared)."""

from __future__ import annotations

import numpy as np

from sim.engine.arrays import rows_sum
from sim.shocks.base import ExportQuotaCap
from sim.vocabulary import fill_ratio


def within_quota(
    quota: ExportQuotaCap,
    sale_position: np.ndarray,
    due: np.ndarray,
    spot: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Cap a group of links' contracted and spot orders together at the quota: each link
    first gets up to its share of the quota by history (shock-free flow), then what others
    leave unused, pro rata to what it still asks; contracted orders pass before spot.
    `sale_position`: each link's row among the sales links (-1: not a sales link)."""
    rows = sale_position[quota.links]
    sold = rows >= 0  # releases from stockpiles are not sales: the quota does not see them
    rows, history = rows[sold], quota.history[sold]
    wanted = due[rows] if spot is None else due[rows] + spot[rows]
    with np.errstate(invalid="ignore"):  # inf cap x zero history: nothing allotted first
        allotted = np.where(history > 0, quota.cap_t * history, 0.0)
    first = np.minimum(wanted, allotted)
    rest = wanted - first
    left = np.maximum(quota.cap_t - rows_sum(first), 0.0)
    allowed = first + rest * fill_ratio(left, rows_sum(rest))
    due = due.copy()
    contract = np.minimum(due[rows], allowed)
    due[rows] = contract
    if spot is not None:
        spot = spot.copy()
        spot[rows] = np.minimum(spot[rows], allowed - contract)
    return due, spot
