"""Where an ensemble's batches run: in this process, on local worker processes or on Dask.

Batches are submitted in bounded waves (at most `IN_FLIGHT_PER_WORKER` per worker waiting or
running; the next one is submitted as each finishes), so a million replications do not queue a
million tasks and their arguments at once. Results arrive in completion order.

Local workers die with the main process: on Linux each one asks the kernel for SIGKILL when
its parent exits (`prctl(PR_SET_PDEATHSIG)`), and on any POSIX system a watchdog thread ends it
within `WATCH_SECONDS` once the parent is gone. Workers ignore Ctrl-C (the terminal sends it to the
whole process group); the main process handles it and kills them. If the main process stops
early for any reason (Ctrl-C, SIGTERM, an error), the workers are killed rather than left to
finish their batches.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, TypeVar

from sim.faults import MissingExtra, SchedulerUnreachable

T = TypeVar("T")
Task = Callable[[Any, range, Any], T]
"""A batch function: (scenario, replications, options) -> batch output (picklable)."""

IN_FLIGHT_PER_WORKER = 2
WATCH_SECONDS = 0.5
"""How often a worker checks that its parent is still there."""
_PR_SET_PDEATHSIG = 1


class WorkerLost(Exception):
    """A worker process ended abruptly (killed, most often by the out-of-memory killer)."""


def in_process(
    task: Task[T], scenario: Any, batches: Iterable[range], options: Any
) -> Generator[T, None, None]:
    """Run the batches one after another in this process."""
    for reps in batches:
        yield task(scenario, reps, options)


def local_processes(
    task: Task[T], scenario: Any, batches: Iterable[range], options: Any, workers: int
) -> Generator[T, None, None]:
    """Run the batches on `workers` local processes, in waves."""
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=worker_started, initargs=(os.getpid(),)
    )
    finished = False
    try:
        todo = iter(batches)

        def submit(reps: range) -> Future[T]:
            return pool.submit(task, scenario, reps, options)

        pending = {submit(reps) for reps in islice(todo, IN_FLIGHT_PER_WORKER * workers)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                pending |= {submit(reps) for reps in islice(todo, 1)}
                yield future.result()
        finished = True
    except BrokenProcessPool as error:
        raise WorkerLost(f"a worker process ended abruptly ({error})") from error
    finally:
        if not finished:
            _kill_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def worker_started(parent: int) -> None:
    """Initializer of each local worker process: leave Ctrl-C to the parent, take the default
    action on SIGTERM (not a handler inherited from the parent), and die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still ends the worker
    if os.name == "posix":  # elsewhere a dead parent's children are not reparented
        watchdog = threading.Thread(
            target=_watch_parent, args=(parent, os.getppid()), name="parent-watchdog", daemon=True
        )
        watchdog.start()


def _watch_parent(parent: int, ppid: int) -> None:
    """End this process as soon as the parent is gone (reparented, or no such process);
    this also covers a parent that died before the initializer ran."""
    while os.getppid() == ppid and _alive(parent):
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    """Whether process `pid` exists (POSIX: signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL every worker process of `pool` now, so that `shutdown` cannot hang.

    A worker killed while sending its result leaves a message cut short in the result pipe;
    the pool's manager thread, reading it, would wait forever for the rest, because this
    process holds the pipe's write end too. Closing that end once the workers are dead makes
    the read end with EOF, and the pool shuts down as broken.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=10)
    result_queue = getattr(pool, "_result_queue", None)
    writer = getattr(result_queue, "_writer", None)
    if writer is not None and not writer.closed:
        writer.close()


def dask(
    task: Task[T],
    scenario: Any,
    batches: Iterable[range],
    options: Any,
    workers: int,
    scheduler: str,
) -> Generator[T, None, None]:
    """Run the batches on a Dask cluster ("local": a local cluster of `workers` processes on
    free ports; else a scheduler address such as tcp://host:8786), in waves."""
    try:
        from distributed import KilledWorker
        from distributed import as_completed as completed
    except ImportError:
        raise MissingExtra(
            "the Dask executor (--scheduler) needs the optional extra: pip install "
            "'sim[dask]' (dask and distributed). Nothing was run or written."
        ) from None
    client, cluster = _connect(scheduler, workers)
    try:
        shared = client.scatter(scenario, broadcast=True)

        def submit(reps: range) -> Any:
            return client.submit(task, shared, reps, options, pure=False)

        todo = iter(batches)
        running = completed([submit(reps) for reps in islice(todo, IN_FLIGHT_PER_WORKER * workers)])
        for future in running:
            for reps in islice(todo, 1):
                running.add(submit(reps))
            yield future.result()
    except KilledWorker as error:
        raise WorkerLost(f"a Dask worker died running a batch ({error})") from error
    except OSError as error:
        raise SchedulerUnreachable(
            f"lost the connection to the Dask scheduler {scheduler}: {error}. Nothing was written."
        ) from error
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _connect(scheduler: str, workers: int) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address="127.0.0.1:0",  # a free port: 8787 may be taken
            processes=True,
        )
        return Client(cluster), cluster
    try:
        return Client(scheduler), None
    except (OSError, ValueError, TypeError) as error:
        raise SchedulerUnreachable(
            f"cannot reach the Dask scheduler at {scheduler}: {error}. Nothing was run or "
            "written. Check that the scheduler is running and the address (such as "
            "tcp://host:8786) is right; or use --scheduler local for a local cluster, or leave "
            "--scheduler out to use local processes."
        ) from error
