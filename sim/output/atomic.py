"""Putting a freshly written results folder in place of the earlier one, safely.

`replace_folder(root / name, writers)` (behind `store.write_atomically`) promises:

- **Inside the root.** `name` is a plain name ('', '.' and '..' are refused) and the target
  is a real folder directly inside the resolved root, not a symbolic link to elsewhere.
- **Only the run's own folder is touched.** Nothing is moved or deleted but the run's own
  temporary folder, the earlier result at the target, and leftovers of the same name whose
  owner process is gone. An existing target is replaced only if it is an earlier result: an
  empty folder, or one holding the `provenance.json` this package writes and no other result
  inside it. (A name that collapses, such as `root / "."` which pathlib turns into `root`,
  therefore cannot swap out a whole results root: that folder holds results, not a result.)
- **All or nothing.** The files are written into `.NAME.partial-PID-RANDOM` beside the
  target, then two renames swap it in (target -> `.NAME.old-PID-RANDOM`, partial -> target)
  and the old folder is deleted. An error between the two renames puts the earlier result
  back; Ctrl-C and SIGTERM arriving during the swap are held until it is complete.
- **One writer at a time.** The swap runs under an exclusive `flock` on `.NAME.lock` beside
  the target (removed again afterwards). A second run into the same folder waits for it (at
  most `LOCK_WAIT_SECONDS`) and then replaces the first one's result, exactly as a rerun
  would: the lock is held only for the renames, and failing instead would throw away a
  finished run. Each run's files are complete and consistent; the last one to finish wins.
- **Leftovers of killed runs** (partial and old folders carry their owner's pid) are cleaned
  when their owner process is gone: partial folders are deleted; an old folder is put back if
  the target is missing (its run died between the renames), else deleted. Leftovers of live
  processes are left alone (another run is writing).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from sim.faults import BadOutput, NotWritable, note_written, os_failure

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: concurrent runs are not serialized
    fcntl = None  # type: ignore[assignment]

LOCK_WAIT_SECONDS = 120.0
"""How long a run waits for another run's swap into the same folder before giving up."""
PROVENANCE = "provenance.json"
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<kind>partial|old)-(?P<pid>\d+)-[A-Za-z0-9_]+")


def replace_folder(target: Path, writers: Mapping[str, Callable[[Path], object]]) -> Path:
    """Run each writer (file name -> function writing that file) into a temporary folder
    beside `target`, then swap it in for `target`; return the folder written.

    Raises a `sim.faults.NotWritten` (disk full, not writable, bad path, not an earlier
    result ...) whose message says what was and was not written.
    """
    root, name = _place(target)
    final = root / name
    existed = final.exists()
    nothing = (
        f"Nothing was written: the earlier {final}/ is unchanged."
        if existed
        else "Nothing was written."
    )
    doing = f"creating the results root {root}/"
    tmp: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        doing = f"preparing {final}/"
        with _lock(root / f".{name}.lock", final):
            _clean_leftovers(root, name)
            _check_replaceable(final, writers, nothing)
        doing = f"creating a temporary folder in {root}/"
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.partial-{os.getpid()}-", dir=root))
        for file, write in writers.items():
            doing = f"writing {file} for {final}/"
            write(tmp / file)
        tmp.chmod(0o755)  # mkdtemp makes it private; results are meant to be shared
        doing = f"putting {final}/ in place"
        with _lock(root / f".{name}.lock", final), _held_signals(str(target)):
            _check_replaceable(final, writers, nothing)
            old = _swap(tmp, final)
            tmp = None
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        raise os_failure(error, doing, nothing) from error
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def check_root(root: Path) -> None:
    """Fail early (before hours of simulation) if results cannot be written under `root`: it
    or an ancestor is a file, or the nearest existing folder is read-only or not writable."""
    base = root.absolute()
    existing = _nearest_existing(base)
    if not existing.is_dir():
        where = "is a file" if existing == base else f"is inside the file {existing}"
        raise BadOutput(
            f"the results root {root} {where}, not a folder: nothing was run or written. "
            "Point --out at a folder (or at a path where one can be created)."
        )
    if os.access(existing, os.W_OK | os.X_OK):
        return
    readonly = bool(os.statvfs(existing).f_flag & os.ST_RDONLY)
    why = "is on a read-only file system" if readonly else "may not be written by this user"
    raise NotWritable(
        f"the results root {root} cannot be written: {existing} {why}. Nothing was run or "
        "written. Choose a writable folder with --out."
    )


def free_bytes(root: Path) -> int:
    """Free space on the file system that holds (or will hold) `root`, bytes."""
    return shutil.disk_usage(_nearest_existing(root.absolute())).free


def _nearest_existing(path: Path) -> Path:
    """`path` if it exists, else its closest existing ancestor (for a folder to be created:
    the one whose permissions and file system decide whether it can be)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _place(target: Path) -> tuple[Path, str]:
    """The resolved results root and the plain name of the target inside it."""
    name = target.name
    if name in ("", ".", ".."):
        raise BadOutput(
            f"refusing to write results to {target}: the folder name must be a plain name "
            "inside the results root (not '', '.' or '..'). Nothing was written."
        )
    root = target.parent.resolve()
    final = root / name
    if final.is_symlink():
        raise BadOutput(
            f"refusing to write results to {target}: it is a symbolic link (to "
            f"{os.readlink(final)}), and results are written only into real folders inside "
            f"the results root {root}/. Nothing was written; remove the link or choose "
            "another outputs.name."
        )
    return root, name


def _check_replaceable(final: Path, writers: Mapping[str, object], nothing: str) -> None:
    """Refuse to replace something at `final` that is not an earlier result."""
    if not final.exists():
        return
    if final.is_symlink() or not final.is_dir():
        raise BadOutput(
            f"refusing to replace {final}: it is not a folder, so it is not an earlier "
            f"result. {nothing} Choose another outputs.name or --out, or move it away."
        )
    entries = list(final.iterdir())
    if not entries:
        return
    nested = [e.name for e in entries if e.is_dir() and (e / PROVENANCE).is_file()]
    ours = _is_result(final) if PROVENANCE in writers else any(e.name in writers for e in entries)
    if ours and not nested:
        return
    why = (
        f"it holds other results ({', '.join(sorted(nested)[:3])} ...)"
        if nested
        else f"it holds {len(entries)} entries but no {PROVENANCE} written by this package"
    )
    raise BadOutput(
        f"refusing to replace {final}/: {why}, so it is not an earlier result of this run "
        f"and is left alone. {nothing} Choose another outputs.name or --out, or move "
        f"{final}/ away."
    )


def _is_result(folder: Path) -> bool:
    try:
        info = json.loads((folder / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and {"scenario", "package_version"} <= info.keys()


def _swap(tmp: Path, final: Path) -> Path | None:
    """Rename `final` aside and `tmp` into its place; return where the earlier result went.
    If the second rename fails, the earlier result is put back."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
        final.rename(old)
    try:
        tmp.rename(final)
    except BaseException:
        if old is not None:
            old.rename(final)
        raise
    return old


def _clean_leftovers(root: Path, name: str) -> None:
    """Delete (or put back) the partial and old folders of `name` whose owner is gone."""
    final = root / name
    for entry in sorted(root.iterdir()):
        match = _LEFTOVER.fullmatch(entry.name)
        if match is None or match["name"] != name or not entry.is_dir():
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _alive(pid):
            continue  # this process's or a live run's: in progress
        if match["kind"] == "old" and not final.exists():
            entry.rename(final)  # its run died between the two renames: restore
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no signal 0 there (os.kill would stop the process): never clean
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


@contextmanager
def _lock(path: Path, final: Path) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created if needed, removed on release)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _acquire(fd, path, final, deadline)
            same = _same_file(fd, path)
        except BaseException:
            os.close(fd)
            raise
        if same:
            break
        os.close(fd)  # its last holder removed it: lock the file now at `path`
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        path.unlink(missing_ok=True)  # still holding the lock, so no one else has it
        os.close(fd)


def _acquire(fd: int, path: Path, final: Path, deadline: float) -> None:
    assert fcntl is not None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                raise BadOutput(
                    f"{final}/ is being put in place by another run (pid {holder}, lock "
                    f"{path}) for more than {LOCK_WAIT_SECONDS:.0f} s. Nothing was written. "
                    "Wait for it, or write elsewhere with --out."
                ) from None
            time.sleep(0.05)


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


Handler = Callable[[int, FrameType | None], Any] | int | None


@contextmanager
def _held_signals(folder: str) -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then act on the first one as its
    previous handler would; an exception it raises after a successful block records that
    `folder` was written (`sim.faults.written_folder`), so the caller can say so. Outside the
    main thread: nothing to do (Python runs signal handlers in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous: dict[int, Handler] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.getsignal(number)
        signal.signal(number, lambda signum, frame: held.append(signum))
    succeeded = False
    try:
        yield
        succeeded = True
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler if handler is not None else signal.SIG_DFL)
        if held:
            _deliver(held[0], previous[held[0]], folder if succeeded else None)


def _deliver(sig: int, handler: Handler, written: str | None) -> None:
    try:
        if callable(handler):
            handler(sig, None)
        elif handler != signal.SIG_IGN:
            signal.raise_signal(sig)
    except BaseException as stop:
        if written is not None:
            note_written(stop, written)
        raise
