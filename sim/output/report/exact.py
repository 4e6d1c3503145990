"""Whether a results folder's replications are all the same (a scenario without random inputs):
its figures are then exact, not estimates, and the report shows no zero-width interval as if it
were uncertainty."""

from __future__ import annotations

from sim.output.folder import Results
from sim.vocabulary import IDENTICAL_NOTE, identical_replications


def identical(results: Results) -> bool:
    """Whether the folder holds two or more replications that all gave the same value of every
    metric (`metrics.csv`, per policy in a comparison)."""
    runs = results.get("metrics")
    return bool(results.ensemble and runs is not None and identical_replications(runs))


def identical_note(results: Results) -> str:
    """The note that the folder's replications are identical, or '' when they are not."""
    if not identical(results):
        return ""
    return f"Note: {IDENTICAL_NOTE.format(reps=f'{results.info.replications:,}')}."
