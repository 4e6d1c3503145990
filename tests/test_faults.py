"""Runs that stop early or cannot write: workers die with their parent, out of memory and full
disks are reported as such with their own exit status, and every message says what was and was
not written."""

from __future__ import annotations

import builtins
import errno
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from sim import cli
from sim.analysis import ensemble as montecarlo
from sim.analysis import executors
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from tests.conftest import ROOT
from tests.test_montecarlo import random_chain


def scenario_file(tmp_path: Path, **extra: Any) -> Path:
    """A small ensemble (12 replications unless `replications` says otherwise)."""
    path = tmp_path / "mc.yaml"
    path.write_text(yaml.safe_dump(random_chain(**{"replications": 12, **extra})))
    return path


def run(*args: str) -> int:
    return cli.main(["run", "--no-report", "--quiet", *args])


# --- the parent stops: no worker survives ---------------------------------------------------


def children(pid: int) -> list[int]:
    """Pids of the live (not zombie) children of `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_their_parent(tmp_path: Path, sig: signal.Signals) -> None:
    path = scenario_file(tmp_path, horizon_days=1095)  # about 5 s: long enough to stop
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "run", str(path), "--reps", "2000"]
    command += ["--workers", "2", "--no-report", "--out", str(out)]
    parent = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while len(workers := children(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) >= 2, "the workers did not start"
        time.sleep(0.5)  # they are running batches now
        assert parent.poll() is None, "the run ended before it could be stopped"
        parent.send_signal(sig)
        _, err = parent.communicate(timeout=30)
    finally:
        parent.kill()
    deadline = time.monotonic() + 5
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)], "workers outlived their parent"
    assert not out.exists() or not any(p.name == "chain" for p in out.iterdir())
    if sig == signal.SIGTERM:
        assert parent.returncode == cli.EXIT_TERMINATED
        assert "terminated (SIGTERM): no results were written" in err
        assert "Traceback" not in err
        assert not out.exists() or not list(out.iterdir())  # not even a partial folder


def test_a_worker_whose_parent_is_gone_ends_itself() -> None:
    """The portable fallback: the watchdog ends a worker whose parent died before it started
    (here: the pid of a process that has already exited)."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    code = (
        "import time; from sim.analysis import executors; "
        f"executors.worker_started({gone.pid}); time.sleep(30)"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=30, check=False)
    assert done.returncode == 1 and time.monotonic() - started < 10


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux only")
def test_a_worker_asks_the_kernel_to_kill_it_with_its_parent() -> None:
    code = (
        "import ctypes, os; from sim.analysis import executors; "
        "executors.worker_started(os.getppid()); value = ctypes.c_int(); "
        "ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0); print(value.value)"
    )  # 2: PR_GET_PDEATHSIG
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert int(done.stdout) == signal.SIGKILL


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_an_interrupted_ensemble_kills_its_workers_at_once(default_ctrl_c: None) -> None:
    """Not only when the process ends: a library caller's Ctrl-C must not wait for the
    running batches (about 5 s here) to finish."""
    loaded = scenario.from_dict(random_chain(horizon_days=1095))
    before = set(children(os.getpid()))
    started: list[int] = []
    sent: list[float] = []

    def interrupt_when_working() -> None:
        deadline = time.monotonic() + 30
        while len(started) < 2 and time.monotonic() < deadline:
            started[:] = sorted(set(children(os.getpid())) - before)
            time.sleep(0.05)
        time.sleep(0.3)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_working, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        montecarlo.run_ensemble(loaded, 2000, workers=2)
    assert len(started) >= 2 and sent
    assert time.monotonic() - sent[0] < 2, "the workers were left to finish their batches"
    assert not [w for w in started if alive(w)]


def test_stopping_the_workers_cannot_hang_on_a_result_cut_short() -> None:
    """A worker killed while sending its result leaves half a message in the result pipe;
    the pool must still shut down (it hung once, SIGTERM at the wrong moment)."""
    pool = ProcessPoolExecutor(
        max_workers=1, initializer=executors.worker_started, initargs=(os.getpid(),)
    )
    pool.submit(time.sleep, 60)  # the worker is busy
    time.sleep(0.2)
    writer = pool._result_queue._writer  # type: ignore[attr-defined]
    os.write(writer.fileno(), struct.pack("!i", 10**6) + b"half a result")
    time.sleep(0.2)  # the pool's manager thread is now waiting for the rest
    executors._kill_workers(pool)
    shutdown = threading.Thread(target=pool.shutdown, kwargs={"cancel_futures": True})
    shutdown.start()
    shutdown.join(10)
    assert not shutdown.is_alive()


# --- out of memory ----------------------------------------------------------------------------


def crash_in_worker(*args: object) -> None:
    """What the OOM killer does to a worker (module level, so the pool can pickle it)."""
    os._exit(137)


def test_a_killed_worker_is_reported_as_out_of_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(montecarlo, "run_batch", crash_in_worker)
    path = scenario_file(tmp_path)
    code = run(str(path), "--reps", "40", "--workers", "2", "--out", str(tmp_path))
    assert code == cli.EXIT_MEMORY
    err = capsys.readouterr().err
    assert "out of memory after 0 of 40 replications" in err and "out-of-memory killer" in err
    assert "No results were written" in err and "Traceback" not in err


def test_a_memory_error_is_reported_as_out_of_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def exhausted(*args: object) -> None:
        raise MemoryError

    monkeypatch.setattr(montecarlo, "run_batch", exhausted)
    path = scenario_file(tmp_path)
    assert run(str(path), "--workers", "1", "--out", str(tmp_path)) == cli.EXIT_MEMORY
    assert "a memory allocation failed (MemoryError)" in capsys.readouterr().err


def never(*args: object) -> None:
    raise AssertionError("a replication ran although nothing should have run")


# --- the disk, the folder, the scheduler -----------------------------------------------------


@pytest.fixture
def earlier(tmp_path: Path) -> tuple[Path, Path, str]:
    """A scenario file, its results root, and the provenance of an earlier result there."""
    path = scenario_file(tmp_path, replications=12)
    out = tmp_path / "results"
    assert run(str(path), "--out", str(out), "--workers", "1") == 0
    return path, out, (out / "chain" / "provenance.json").read_text()


def test_a_full_disk_keeps_the_earlier_result(
    earlier: tuple[Path, Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, out, before = earlier
    to_csv = pd.DataFrame.to_csv

    def full(self: pd.DataFrame, target: Any = None, *args: Any, **kwargs: Any) -> Any:
        if str(target).endswith("summary.csv"):
            Path(target).write_text("metric,mean\nshortfall_units,")  # half a file ...
            raise OSError(errno.ENOSPC, "No space left on device")  # ... then the disk is full
        return to_csv(self, target, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    capsys.readouterr()
    assert run(str(path), "--out", str(out), "--workers", "1") == cli.EXIT_DISK_FULL
    err = capsys.readouterr().err
    assert "the disk is full: No space left on device (ENOSPC) while writing summary.csv" in err
    assert f"Nothing was written: the earlier {out / 'chain'}/ is unchanged" in err
    assert "Traceback" not in err
    assert (out / "chain" / "provenance.json").read_text() == before
    assert [p.name for p in out.iterdir()] == ["chain"]


@pytest.mark.parametrize(
    ("code", "status", "says"),
    [
        (errno.EROFS, cli.EXIT_NOT_WRITABLE, "is on a read-only file system"),
        (errno.EACCES, cli.EXIT_NOT_WRITABLE, "may not be written"),
        (errno.EIO, cli.EXIT_DISK_FULL, "could not write results"),
    ],
)
def test_a_folder_that_cannot_be_written(
    earlier: tuple[Path, Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    code: int,
    status: int,
    says: str,
) -> None:
    path, out, before = earlier

    def refused(*args: object, **kwargs: object) -> str:
        raise OSError(code, os.strerror(code), str(out))

    monkeypatch.setattr("tempfile.mkdtemp", refused)
    capsys.readouterr()
    assert run(str(path), "--out", str(out), "--workers", "1") == status
    err = capsys.readouterr().err
    assert says in err and "Nothing was written" in err and "Traceback" not in err
    assert (out / "chain" / "provenance.json").read_text() == before


@pytest.mark.parametrize(
    ("readonly", "says"),
    [(True, "is on a read-only file system"), (False, "may not be written by this user")],
)
def test_a_folder_that_cannot_be_written_is_refused_before_the_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    readonly: bool,
    says: str,
) -> None:
    """As the kernel would answer for a read-only mount or a folder of another user (the
    test may run as root, who may write anywhere)."""
    from sim.output import atomic

    real = os.statvfs(tmp_path)
    flags = real.f_flag | os.ST_RDONLY if readonly else real.f_flag & ~os.ST_RDONLY
    fake = os.statvfs_result((*real[:8], flags, real.f_namemax))
    monkeypatch.setattr(atomic.os, "access", lambda path, mode: False)
    monkeypatch.setattr(atomic.os, "statvfs", lambda path: fake)
    monkeypatch.setattr(montecarlo, "run_batch", never)
    out = tmp_path / "results"
    assert run(str(scenario_file(tmp_path)), "--out", str(out)) == cli.EXIT_NOT_WRITABLE
    err = capsys.readouterr().err
    assert f"the results root {out} cannot be written: {tmp_path} {says}" in err
    assert "Nothing was run or written" in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o555)
    try:
        code = run(str(scenario_file(tmp_path)), "--out", str(out / "results"))
    finally:
        out.chmod(0o755)
    assert code == cli.EXIT_NOT_WRITABLE
    assert "may not be written by this user" in capsys.readouterr().err


@pytest.mark.parametrize("inside", [False, True])
def test_out_pointing_at_a_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    inside: bool,
) -> None:
    monkeypatch.setattr(montecarlo, "run_batch", never)
    monkeypatch.setattr(engine, "run", never)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a folder")
    out = notes / "results" if inside else notes
    assert run(str(scenario_file(tmp_path)), "--out", str(out)) == cli.EXIT_BAD_OUT
    err = capsys.readouterr().err
    where = f"is inside the file {notes}" if inside else "is a file"
    assert f"the results root {out} {where}, not a folder: nothing was run" in err
    assert notes.read_text() == "not a folder"


def test_an_unreachable_scheduler(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    import dask

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        path = scenario_file(tmp_path)
        code = run(str(path), "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(tmp_path))
    assert code == cli.EXIT_SCHEDULER
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err
    assert "Nothing was run or written" in err and "Traceback" not in err


def test_two_concurrent_runs_into_one_folder(tmp_path: Path) -> None:
    """Both finish; the folder holds one of them, whole (its provenance, metrics and summary
    agree on the number of replications)."""
    path = scenario_file(tmp_path)
    out = tmp_path / "results"
    command = [sys.executable, "-m", "sim", "run", str(path), "--workers", "1", "--no-report"]
    runs = [
        subprocess.Popen(
            [*command, "--quiet", "--out", str(out), "--reps", str(reps)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        for reps in (300, 301)
    ]
    assert [r.wait(120) for r in runs] == [0, 0]
    folder = out / "chain"
    info = yaml.safe_load((folder / "provenance.json").read_text())
    reps = info["replications"]
    assert reps in (300, 301)
    assert pd.read_csv(folder / "metrics.csv")["rep"].nunique() == reps
    assert (pd.read_csv(folder / "summary.csv")["replications"] == reps).all()
    assert [p.name for p in out.iterdir()] == ["chain"]


# --- interrupts: what was written -----------------------------------------------------------


def test_ctrl_c_during_the_report_says_the_results_were_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(folder: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.output.report.write_report", interrupted)
    out = tmp_path / "results"
    args = ["run", "--quiet", str(scenario_file(tmp_path)), "--out", str(out), "--workers", "1"]
    assert cli.main(args) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert f"interrupted: the results were written to {out / 'chain'}/, but not the charts" in err
    assert f"python -m sim.output.report {out / 'chain'}" in err
    assert "no results were written" not in err


@pytest.mark.parametrize("report", [True, False])
def test_ctrl_c_after_everything_was_written_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    report: bool,
) -> None:
    def last_line_interrupted(*args: Any, **kwargs: Any) -> None:
        if args and str(args[0]).startswith("results: "):
            raise KeyboardInterrupt
        builtins.print(*args, **kwargs)

    monkeypatch.setattr(cli, "print", last_line_interrupted, raising=False)
    monkeypatch.setattr("sim.output.report.write_report", lambda folder: (folder, folder))
    out = tmp_path / "results"
    args = ["run", "--quiet", str(scenario_file(tmp_path)), "--out", str(out), "--workers", "1"]
    assert cli.main(args if report else [*args, "--no-report"]) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    folder = out / "chain"
    if report:
        assert f"the results, charts and report page were written to {folder}/" in err
    else:
        assert f"the results were written to {folder}/ (no report was asked for)" in err


def test_a_full_disk_during_the_report_says_the_results_were_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(folder: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("sim.output.report.write_report", full)
    out = tmp_path / "results"
    args = ["run", "--quiet", str(scenario_file(tmp_path)), "--out", str(out), "--workers", "1"]
    assert cli.main(args) == cli.EXIT_DISK_FULL
    err = capsys.readouterr().err
    assert "the disk is full" in err and "while drawing the charts and report page" in err
    assert f"the results were written to {out / 'chain'}/" in err


# --- batches: bounded waves, global trace ids -----------------------------------------------


class CountingPool(ThreadPoolExecutor):
    """A thread pool in place of the process pool that records the most tasks waiting or
    running at once."""

    most = 0

    def __init__(self, max_workers: int, **ignored: object) -> None:
        super().__init__(max_workers=max_workers)
        self.open = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.open += 1
        CountingPool.most = max(CountingPool.most, self.open)
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(lambda f: setattr(self, "open", self.open - 1))
        return future


def test_batches_are_submitted_in_bounded_waves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors, "ProcessPoolExecutor", CountingPool)
    loaded = scenario.from_dict(random_chain())
    ensemble = montecarlo.run_ensemble(loaded, 60, workers=2, batch_size=2)
    assert ensemble.runs["rep"].nunique() == 60
    assert 2 <= CountingPool.most <= executors.IN_FLIGHT_PER_WORKER * 2


def test_trace_ids_do_not_depend_on_the_workers() -> None:
    loaded = scenario.from_dict(random_chain(horizon_days=30))
    options = montecarlo.Options(traces=True)
    one = montecarlo.run_ensemble(loaded, 10, workers=1, batch_size=10, options=options)
    two = montecarlo.run_ensemble(loaded, 10, workers=2, batch_size=3, options=options)
    assert one.traces is not None and two.traces is not None
    assert sorted(one.traces["rep"].unique()) == list(range(10))
    pd.testing.assert_frame_equal(one.traces, two.traces)
