"""How a command ends: its exit status, and what it had written when it stopped early.

The statuses are documented in `sim.cli` (the module docstring); `status` maps each kind of
`sim.faults.Failure` to one. `Written` follows a command's progress, so that a message after
Ctrl-C, SIGTERM or an error says exactly what was and was not written.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from sim import faults

CHECK, INPUT, MEMORY, DISK_FULL, NOT_WRITABLE, BAD_OUT, SCHEDULER = 1, 2, 3, 4, 5, 6, 7
INTERRUPTED, TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM

_STATUS: list[tuple[type[faults.Failure], int]] = [
    (faults.OutOfMemory, MEMORY),
    (faults.DiskFull, DISK_FULL),
    (faults.NotWritable, NOT_WRITABLE),
    (faults.BadOutput, BAD_OUT),
    (faults.NotWritten, DISK_FULL),  # another I/O error while writing
    (faults.SchedulerUnreachable, SCHEDULER),
    (faults.Failure, INPUT),  # TooLarge, BadSetting, MissingExtra
]


def status(failure: faults.Failure) -> int:
    """The exit status of a failure (the first kind in `_STATUS` that it is)."""
    return next(code for kind, code in _STATUS if isinstance(failure, kind))


class Written:
    """What the current command has written so far."""

    def __init__(self) -> None:
        self.reset(wants_report=False)

    def reset(self, *, wants_report: bool) -> None:
        """Start a command (which draws a report unless `wants_report` is false)."""
        self.results: Path | None = None
        self.wants_report = wants_report
        self.report = False

    def folder(self, folder: Path) -> Path:
        """Record that the results folder `folder` is complete; return it."""
        self.results = folder
        return folder

    def outcome(self, stop: BaseException | None = None) -> str:
        """One sentence: what was and was not written (`stop`: the exception that stopped the
        command, which may record a folder put in place just before it)."""
        noted = faults.written_folder(stop) if stop is not None else None
        results = self.results or (Path(noted) if noted else None)
        if results is None:
            return "no results were written (an earlier result of the same name is unchanged)."
        if self.report:
            return f"the results, charts and report page were written to {results}/."
        if not self.wants_report:
            return f"the results were written to {results}/ (no report was asked for)."
        return (
            f"the results were written to {results}/, but not the charts and report page "
            f"(or only some of them); draw them with: python -m sim.output.report {results}"
        )


def raise_on_sigterm() -> Any:
    """Make SIGTERM raise `faults.Terminated` in the main thread, so that it stops a run as
    Ctrl-C does (workers killed, partial folders removed); return the previous handler (None
    outside the main thread, where nothing is changed)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def terminated(signum: int, frame: FrameType | None) -> None:
        raise faults.Terminated(f"signal {signum}")

    return signal.signal(signal.SIGTERM, terminated)
