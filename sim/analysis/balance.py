"""Mass balance per mineral across the explicit system boundary ("outside").

For each mineral, in tonnes of contained mineral:

    initial stock + mined = final stock + process losses + uncollected end-of-life + residual

where stocks are everything inside the system: node inventories (strategic stockpiles included),
shipments in transit and material in use. Recycling moves material inside the system (in use ->
recycler -> refined), so it appears in no boundary term. The residual should be rounding only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.state import State, mineral_stock
from sim.vocabulary import BALANCE_COLUMNS

TOLERANCE = 1e-9
"""Largest acceptable |residual| relative to the mineral's throughput."""


def balance_table(
    state: State, initial: dict[str, np.ndarray], reps: range | None = None
) -> pd.DataFrame:
    """One row per mineral and replication with every term of the balance, t."""
    frames = []
    ledger = state.ledger
    rep_ids = np.asarray(reps if reps is not None else range(state.reps))
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
                    "relative_residual": residual / np.maximum(start + mined, 1e-12),
                },
                columns=list(BALANCE_COLUMNS),
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


class MassBalanceError(AssertionError):
    """The balance does not close: a bug in the engine, never a user error."""


def check(table: pd.DataFrame, tolerance: float = TOLERANCE) -> None:
    """Raise `MassBalanceError` if any mineral's residual exceeds `tolerance` (relative)."""
    if table.empty:
        return
    worst = table.iloc[int(np.argmax(table["relative_residual"].abs().to_numpy()))]
    if abs(worst["relative_residual"]) > tolerance:
        raise MassBalanceError(
            f"mass balance of {worst['mineral']} is off by {worst['residual_t']:.6g} t "
            f"({worst['relative_residual']:.2e} of throughput, tolerance {tolerance:g})"
        )
