"""Mass balance per mineral across the explicit system boundary ("outside").

For each mineral, in tonnes of contained mineral:

    initial stock + mined = final stock + process losses + uncollected end-of-life + residual

where stocks are everything inside the system: node inventories (strategic stockpiles included),
shipments in transit and material in use. Recycling moves material inside the system (in use ->
recycler -> refined), so it appears in no boundary term; so does process scrap a refinery or
plant sends to a recycler (`scrap_recovery`): it is no process loss but a shipment, then the
recycler's scrap stock. The residual should be rounding only.

The residual is judged against the mineral's throughput (the flows across the boundary: mined +
process losses + uncollected end-of-life, t) plus a hundredth of its stock, not against the stock
alone: the rounding of a large stock is not an error, but it must not hide a missing tonne in the
flows (relative to a 1e10 t stock alone, 10 t would pass; here 0.1 t plus a billionth of the
flows do). A value that is not finite anywhere in the table fails the check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.state import State, mineral_stock
from sim.vocabulary import BALANCE_COLUMNS

TOLERANCE = 1e-9
"""Largest acceptable |residual| / (throughput + STOCK_WEIGHT x stock)."""
STOCK_WEIGHT = 1e-2
"""How much of the stock counts in the scale. Updating a stock S rounds by about 1e-16 x S each
time: a 1e10 t reserve with little flow, reviewed daily for 100 years (the limits of the schema),
drifts by 5.6e-13 x S (measured); TOLERANCE x STOCK_WEIGHT x S = 1e-11 x S leaves a margin of 18."""
TERMS = tuple(c for c in BALANCE_COLUMNS if c not in ("mineral", "rep"))
"""The numeric columns of a balance table, t (relative_residual has no unit)."""
FLOWS = ("mined_t", "process_losses_t", "uncollected_eol_t")
"""The terms whose sum is the throughput, t."""


def balance_table(
    state: State, initial: dict[str, np.ndarray], reps: range | None = None
) -> pd.DataFrame:
    """One row per mineral and replication with every term of the balance, t."""
    frames = []
    ledger = state.ledger
    rep_ids = np.asarray(reps if reps is not None else range(state.reps))
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite terms fail `check`
        for mineral in state.network.minerals:
            start, mined = initial[mineral], ledger.mined[mineral]
            losses, uncollected = ledger.losses[mineral], ledger.uncollected[mineral]
            end = mineral_stock(state, mineral)
            residual = start + mined - end - losses - uncollected
            frames.append(
                pd.DataFrame(
                    {
                        "mineral": mineral,
                        "rep": rep_ids,
                        "initial_stock_t": start,
                        "mined_t": mined,
                        "process_losses_t": losses,
                        "uncollected_eol_t": uncollected,
                        "final_stock_t": end,
                        "residual_t": residual,
                        "relative_residual": relative(
                            residual, mined + losses + uncollected, start, end
                        ),
                    },
                    columns=list(BALANCE_COLUMNS),
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def relative(
    residual: np.ndarray, throughput: np.ndarray, initial: np.ndarray, final: np.ndarray
) -> np.ndarray:
    """Residual / (throughput + STOCK_WEIGHT x the larger of the initial and final stock)."""
    scale = throughput + STOCK_WEIGHT * np.maximum(initial, final)
    return np.asarray(residual / np.maximum(scale, 1e-12))


class MassBalanceError(AssertionError):
    """The balance does not close: a bug in the engine, never a user error."""


def check(table: pd.DataFrame, tolerance: float = TOLERANCE) -> None:
    """Raise `MassBalanceError` if any term is not finite (naming the minerals and terms where
    that happened) or any residual exceeds `tolerance` of its scale (module docstring)."""
    if table.empty:
        return
    terms = [t for t in TERMS if t in table]
    values = table[terms].to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        found = []
        for column, term in enumerate(terms):
            rows = np.flatnonzero(bad[:, column])
            for mineral in dict.fromkeys(table["mineral"].to_numpy()[rows]):
                hit = rows[table["mineral"].to_numpy()[rows] == mineral]
                found.append(
                    f"{mineral} {term} = {values[hit[0], column]} "
                    f"({len(hit)} replication(s), first {table['rep'].to_numpy()[hit[0]]})"
                )
        raise MassBalanceError("mass balance has values that are not finite: " + "; ".join(found))
    relative = np.abs(table["relative_residual"].to_numpy(dtype=float))
    worst = table.iloc[int(np.argmax(relative))]
    if abs(worst["relative_residual"]) > tolerance:
        throughput = sum(float(worst[f]) for f in FLOWS)
        raise MassBalanceError(
            f"mass balance of {worst['mineral']} is off by {worst['residual_t']:.6g} t "
            f"({worst['relative_residual']:.2e} of throughput {throughput:.6g} t "
            f"+ {STOCK_WEIGHT:g} x stock, tolerance {tolerance:g}; replication {worst['rep']})"
        )
