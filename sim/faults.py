"""Why a run stopped other than for bad input: each failure is one paragraph that says what went
wrong, what was and was not written, and what to do.

The command line maps each kind to its own exit status (see `sim.cli`); library callers catch
`Failure`. `Terminated` is what the command line's SIGTERM handler raises: like
`KeyboardInterrupt` it is a `BaseException`, so `except Exception` never swallows it and every
`finally` (stopping worker processes, removing a half-written folder) still runs.
"""

from __future__ import annotations

import errno


class Failure(Exception):
    """A run that could not finish, with a message of one paragraph."""


class TooLarge(Failure):
    """An ensemble whose estimated memory or output exceeds the budget (refused before any
    replication runs)."""


class BadSetting(Failure):
    """An environment setting (such as SIM_MEMORY_LIMIT) that cannot be understood."""


class OutOfMemory(Failure):
    """Memory ran out during an ensemble: a MemoryError, or a worker process killed (on Linux
    the out-of-memory killer does that)."""


class SchedulerUnreachable(Failure):
    """The Dask scheduler could not be reached, or the connection to it was lost."""


class MissingExtra(Failure):
    """An optional dependency the run needs is not installed."""


class NotWritten(Failure):
    """Results could not be written (an I/O error other than the ones below)."""


class DiskFull(NotWritten):
    """No space left on the device (ENOSPC) or the disk quota is used up (EDQUOT)."""


class NotWritable(NotWritten):
    """The results folder is on a read-only file system (EROFS) or may not be written by this
    user (EACCES, EPERM)."""


class BadOutput(NotWritten):
    """The results root or target cannot hold results: a file where a folder should be, a
    path inside a file, a target outside the root, something that is not an earlier result,
    or a folder locked by another run for too long."""


class Terminated(BaseException):
    """The process received SIGTERM (raised by the command line's handler)."""


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}
_BAD_PATH = {errno.ENOTDIR, errno.EEXIST, errno.EISDIR, errno.ENAMETOOLONG, errno.ELOOP}


def os_failure(error: OSError, doing: str, outcome: str) -> NotWritten:
    """The failure for an OSError met while `doing` something ("writing metrics.csv into
    results/x/"), with `outcome` saying what was and was not written."""
    code = error.errno if error.errno is not None else 0
    name = errno.errorcode.get(code, "unknown error")
    cause = f"{error.strerror or error} ({name})"
    place = f" at {error.filename}" if error.filename else ""
    if code in _DISK_FULL:
        return DiskFull(
            f"the disk is full: {cause}{place} while {doing}. {outcome} Free some space "
            "(or choose a folder on another disk with --out) and run again."
        )
    if code in _NOT_WRITABLE:
        what = "is on a read-only file system" if code == errno.EROFS else "may not be written"
        return NotWritable(
            f"the results folder {what}: {cause}{place} while {doing}. {outcome} Choose a "
            "writable folder with --out."
        )
    if code in _BAD_PATH:
        return BadOutput(
            f"the results path is not a usable folder: {cause}{place} while {doing}. "
            f"{outcome} Point --out at a folder (or at a path where one can be created)."
        )
    return NotWritten(f"could not write results: {cause}{place} while {doing}. {outcome}")


_WRITTEN = "results were written to "


def note_written(error: BaseException, folder: str) -> None:
    """Record on `error` (an interrupt raised just after a results folder was put in place)
    that `folder` was written, for the caller's message."""
    error.add_note(f"{_WRITTEN}{folder}")


def written_folder(error: BaseException) -> str | None:
    """The folder `note_written` recorded on `error`, if any."""
    for note in getattr(error, "__notes__", ()):
        if isinstance(note, str) and note.startswith(_WRITTEN):
            return note.removeprefix(_WRITTEN)
    return None
