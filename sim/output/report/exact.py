"""Whether a results folder's figures are exact (a scenario without random inputs: one
replication run for all those asked, or replications that are all the same), not estimates: the
report then shows no zero-width interval as if it were uncertainty."""

from __future__ import annotations

from sim.output.folder import Results
from sim.vocabulary import EXACT_NOTE, IDENTICAL_NOTE, identical_replications


def identical(results: Results) -> bool:
    """Whether the folder's ensemble is exact: one replication run for all those asked, or two
    or more that all gave the same value of every metric (`metrics.csv`, per policy in a
    comparison)."""
    if results.ensemble and results.info.requested > results.info.replications:
        return True
    runs = results.get("metrics")
    return bool(results.ensemble and runs is not None and identical_replications(runs))


def identical_note(results: Results) -> str:
    """The note that the folder's replications are identical, or '' when they are not."""
    if not identical(results):
        return ""
    info = results.info
    if info.requested > info.replications:
        return f"Note: {EXACT_NOTE.format(requested=f'{info.requested:,}')}."
    return f"Note: {IDENTICAL_NOTE.format(reps=f'{info.replications:,}')}."
