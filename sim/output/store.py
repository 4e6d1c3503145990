"""The one atomic writer: a results folder, or one file, appears complete or not at all.

`write_atomically` writes `results/<name>/` into a hidden temporary folder beside it and renames
it into place only when every file is complete, so an interrupted or failed run never leaves a
folder that looks finished; an earlier result of the same name stays until the new one replaces
it. `write_file_atomically` does the same for one file (the report pages, a single chart).

What goes into the files is decided elsewhere (`sim.output.writers` for results, the charts and
the report for pictures and pages); this module imports neither the engine nor the analysis.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sim.faults import MissingExtra
from sim.output import atomic

if TYPE_CHECKING:
    import pandas as pd

TableFormat = Literal["csv", "parquet"]
"""How the tidy tables of a results folder are written: CSV (the default) or Parquet."""
TABLE_FORMATS: tuple[TableFormat, ...] = ("csv", "parquet")
PARQUET_EXTRA = "pip install 'sim[parquet]'"
"""What installs the Parquet writer (pyarrow, an optional extra)."""


@dataclass(frozen=True)
class Table:
    """A writer of one tidy table, as CSV when called (`name.csv`) or as Parquet (`parquet`),
    without the index; `make` builds the frame when the folder is written."""

    make: Callable[[], pd.DataFrame]

    def __call__(self, path: Path) -> None:
        self.make().to_csv(path, index=False)

    def parquet(self, path: Path) -> None:
        self.make().to_parquet(path, index=False)


def check_format(table_format: TableFormat) -> None:
    """Raise `MissingExtra` (naming the extra to install) when `table_format` needs pyarrow and
    it is not installed; ValueError for a format that does not exist."""
    if table_format not in TABLE_FORMATS:
        raise ValueError(f"unknown table format '{table_format}'; one of csv, parquet")
    if table_format == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise MissingExtra(
            f"--format parquet needs pyarrow, which is not installed: {PARQUET_EXTRA} (or pip "
            "install pyarrow); nothing was written"
        )


def in_format(
    writers: dict[str, Callable[[Path], object]], table_format: TableFormat
) -> dict[str, Callable[[Path], object]]:
    """The writers with every table (`name.csv` written by a `Table`) renamed and written as
    `table_format`; other files (provenance.json, scenario.resolved.yaml ...) as they are."""
    if table_format == "csv":
        return writers
    out: dict[str, Callable[[Path], object]] = {}
    for name, write in writers.items():
        if isinstance(write, Table) and name.endswith(".csv"):
            out[name.removesuffix(".csv") + ".parquet"] = write.parquet
        else:
            out[name] = write
    return out


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


def write_atomically(
    target: Path,
    writers: dict[str, Callable[[Path], object]],
    table_format: TableFormat = "csv",
) -> Path:
    """Run each writer into a temporary sibling folder, then swap it in for `target`; the
    tables (`Table` writers) as CSV or, with `table_format` 'parquet', as Parquet.

    `target` must be a plain name inside its results root; it replaces only an earlier
    result; concurrent runs into one folder are serialized; leftovers of killed runs are
    cleaned; an error between the two renames restores the earlier result (details:
    `sim.output.atomic`). Failures raise `sim.faults.NotWritten` (disk full, read-only, bad
    path ...) with a message that says what was and was not written.
    """
    check_format(table_format)
    return atomic.replace_folder(target, in_format(writers, table_format))
