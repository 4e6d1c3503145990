"""The one atomic writer: a results folder, or one file, appears complete or not at all.

`write_atomically` writes `results/<name>/` into a hidden temporary folder beside it and renames
it into place only when every file is complete, so an interrupted or failed run never leaves a
folder that looks finished; an earlier result of the same name stays until the new one replaces
it. `write_file_atomically` does the same for one file (the report pages, a single chart).

What goes into the files is decided elsewhere (`sim.output.writers` for results, the charts and
the report for pictures and pages); this module imports neither the engine nor the analysis.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sim.output import atomic


def write_file_atomically(target: Path, data: str | bytes) -> Path:
    """Write `data` (text is encoded as UTF-8) to `target` under a temporary name in the same
    folder, then rename it into place: a reader sees the old file or the new one, never part of
    either. The file gets the permissions a plain write would (0o666 less the umask)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_atomically(target: Path, writers: dict[str, Callable[[Path], object]]) -> Path:
    """Run each writer into a temporary sibling folder, then swap it in for `target`.

    `target` must be a plain name inside its results root; it replaces only an earlier
    result; concurrent runs into one folder are serialized; leftovers of killed runs are
    cleaned; an error between the two renames restores the earlier result (details:
    `sim.output.atomic`). Failures raise `sim.faults.NotWritten` (disk full, read-only, bad
    path ...) with a message that says what was and was not written.
    """
    return atomic.replace_folder(target, writers)
