"""Progress bars for long loops (replications, stress targets, sensitivity variants).

`bar` is a `tqdm.auto` bar: a widget in a Jupyter notebook, a text bar on a terminal. It is
shown only when asked for (`progress=True`; the command line asks unless `--quiet`) and when
someone can see it: standard error is a terminal, or the code runs in a notebook kernel. Piped
or redirected output, CI logs and tests get no bar.
"""

from __future__ import annotations

import sys

from tqdm.auto import tqdm

BAR_FORMAT = "{desc}: {n_fmt}/{total_fmt} |{bar}| {rate_fmt} ETA {remaining}"
"""One line: what is counted, done/total, the bar, the rate and the time left."""


def visible() -> bool:
    """True when a bar can be seen: standard error is a terminal, or a Jupyter (IPython) kernel
    runs this code (its output goes to the notebook, which shows widgets)."""
    return sys.stderr.isatty() or "ipykernel" in sys.modules


def bar(total: int, desc: str, unit: str, enabled: bool) -> tqdm:
    """A progress bar over `total` steps of `unit` ('rep', 'target', 'variant'), labelled
    `desc`; disabled (drawing nothing, costing nothing) unless `enabled` and `visible()`."""
    return tqdm(
        total=total,
        unit=unit,
        desc=desc,
        file=sys.stderr,
        disable=not (enabled and visible()),
        smoothing=0.1,
        bar_format=BAR_FORMAT,
    )
