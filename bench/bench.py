"""`make bench`: the reference workload timed side by side with the peer tool, as ratios.

Cases (`bench/workload.py`): "reference" is 1,000 replications of the reference workload (15
nodes, 10 years, daily review) on 2 worker processes; "reference, origin on" the same with
embodied-origin tracking (`origin: {track: true}`), timed right after it; "1 worker" the same on
one; "built-in network" 1,000 replications of scenarios/baseline.yaml (the built-in 2024
network, 106 nodes, weekly review) over 1,456 days (4 years) with random demand and outages
added, on 2 workers. The peer, SupplyNetPy 0.5.1 (`pip install '.[bench]'`), runs the reference
structure, horizon and daily review (`bench/peer_supplynetpy.py`) on one core, with weekly-sized
and with daily orders; one peer run is `--peer-reps` replications one after the other. Scaling
cases (horizon x2, nodes x2, replications x10) run once each after the rest, timed against the
reference's median ("time x").

Honest by construction: every run is a fresh Python process (so peak memory is its own) on the
`sim` of the checkout this file is in. The compared jobs run in rounds, the same order in each
round (reference, reference with origin [, the baseline's], 1 worker, peer weekly, peer daily,
built-in network [and the baseline's]), so each pair ran next to each other under the same load,
and both sides run the same number of times. Each job is summarised as the median with min-max
of its runs; each ratio is the ratio of the paired medians, with the range of the per-round
ratios. "Per core" is the 1-worker run against the peer's one core (`peer ratio per core: N x
(weekly-sized orders)`), never a 2-worker rate halved; the 2-worker / 1-worker speed-up is
printed. The load averages and the cores are printed before and after (after includes the
bench's own processes; the highest 1-minute load sampled before a run is printed too), with a
warning when the 1-minute load exceeds the cores: the timings are then not comparable with a
quiet run. Timings are wall-clock seconds of the simulation (imports and loading excluded); only
the ratios are meant to travel. Progress goes to stderr, the table and the ratio lines to
stdout.

Options:
  --repeat N        rounds of the compared jobs (default 3): N runs of each, interleaved
  --quick           only the reference, 1 worker and peer jobs (no built-in network, no scaling)
  --peer-reps N     replications in one peer run (default 3; ~1-6 s each)
  --baseline GITREF also run the reference and built-in network cases with the `sim` package of
                    GITREF (checked out into a temporary git worktree, removed afterwards), in
                    the same rounds next to this version's, and print this version's time over
                    the baseline's; the workloads and this timing code are this version's, so
                    GITREF must have the sim.scenario / sim.analysis layout
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_stats as stats  # noqa: E402

REFERENCE = "reference"
ONE_WORKER = "1 worker"
BUILTIN = "built-in network"
ORIGIN = "reference, origin on"
CASES: dict[str, dict[str, Any]] = {
    REFERENCE: {"reps": 1000, "workers": 2},
    ORIGIN: {"reps": 1000, "workers": 2, "origin": True},
    ONE_WORKER: {"reps": 1000, "workers": 1},
    BUILTIN: {"reps": 1000, "workers": 2, "builtin": True, "horizon_days": 1456},
    "horizon x2": {"reps": 1000, "workers": 2, "horizon_days": 7300},
    "nodes x2": {"reps": 1000, "workers": 2, "copies": 2},
    "replications x10": {"reps": 10000, "workers": 2},
}
SCALING = ["horizon x2", "nodes x2", "replications x10"]
PEER_ORDERS = {"weekly-sized orders": 7.0, "daily orders": 0.0}  # order batch, days of flow
PEER_HINT = "pip install '.[bench]' (supplynetpy==0.5.1)"


def _pss_mb(pid: int) -> float:
    """Proportional set size of a process, MB: shared pages split among their users, so the
    sum over the main process and its workers is the job's real footprint."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class PeakMemory:
    """Samples the PSS of this process and its children every 0.2 s in a thread."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.2):
            total = _pss_mb(me) + sum(_pss_mb(c) for c in _children(me))
            self.peak = max(self.peak, total)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_case(name: str) -> dict[str, Any]:
    """Run one case in this process (with whichever `sim` it imports) and measure it."""
    from workload import builtin_network, reference

    from sim.analysis import ensemble as montecarlo
    from sim.scenario import loader as scenario

    case = CASES[name]
    if case.get("builtin"):
        path = HERE.parent / "scenarios" / "baseline.yaml"
        data = builtin_network(path, horizon_days=case["horizon_days"])
        loaded = scenario.from_dict(data, str(path))
    else:
        data = reference(horizon_days=case.get("horizon_days", 3650), copies=case.get("copies", 1))
        if case.get("origin"):
            data["origin"] = {"track": True}
        loaded = scenario.from_dict(data)
    started = time.perf_counter()
    with PeakMemory() as memory:
        ensemble = montecarlo.run_ensemble(loaded, case["reps"], workers=case["workers"])
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "case": name,
        "reps": case["reps"],
        "workers": case["workers"],
        "wall": wall,
        "batch": ensemble.batch_size,
        "peak_mb": max(memory.peak, own if case["workers"] == 1 else 0.0),
        "nodes": len(loaded.network.nodes),
        "balance": float(ensemble.balance["worst_relative_residual"].max()),
    }


def run_peer(reps: int, batch_days: float) -> dict[str, Any]:
    """One peer run: `reps` SupplyNetPy replications, one after the other, in this process."""
    from peer_supplynetpy import run_peer as peer

    got = peer(reps, order_batch_days=batch_days)
    return {
        "reps": got["replications"],
        "workers": 1,
        "wall": got["seconds"],
        "seconds_per_rep": got["seconds_per_rep"],
        "nodes": got["nodes"],
        "events_per_rep": got["events_per_rep"],
    }


@dataclass(frozen=True)
class Job:
    """One timed thing: a row of the table. `tree`: the checkout whose `sim` runs it (None:
    the one this file is in)."""

    label: str
    args: tuple[str, ...]
    tree: Path | None = None

    @property
    def is_peer(self) -> bool:
        return self.args[0] == "--peer"


def child_env(tree: Path | None) -> dict[str, str]:
    """The environment of a run: `tree` (default: this checkout) first on PYTHONPATH, so its
    `sim` is imported rather than the installed one (an editable install may point elsewhere)."""
    tree = tree or HERE.parent
    path = os.pathsep.join(p for p in (str(tree), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": path}


def in_subprocess(job: Job) -> dict[str, Any] | None:
    """Run this bench on one job in a fresh process, importing `sim` from `job.tree` or from
    this checkout (not whichever one is installed); return what it printed, None if it
    failed (said on stdout)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__)), *job.args],
        capture_output=True,
        text=True,
        check=False,
        env=child_env(job.tree),
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        print(f"  ({job.label} failed: {last})", flush=True)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextlib.contextmanager
def baseline_tree(ref: str | None) -> Iterator[Path | None]:
    """`ref` checked out (detached) into a temporary git worktree for the run, removed after."""
    if ref is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as tmp:
        tree = Path(tmp) / "baseline"
        git = ["git", "-C", str(HERE.parent), "worktree"]
        added = subprocess.run(
            [*git, "add", "--detach", str(tree), ref], capture_output=True, text=True, check=False
        )
        if added.returncode != 0:
            sys.exit(f"--baseline {ref}: git worktree add failed: {added.stderr.strip()}")
        try:
            yield tree
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=False, capture_output=True)


def compared_jobs(quick: bool, ref: str | None, tree: Path | None) -> list[Job]:
    """The jobs of one round, in run order: each compared pair next to each other."""
    jobs = [Job(REFERENCE, ("--case", REFERENCE)), Job(ORIGIN, ("--case", ORIGIN))]
    if tree is not None:
        jobs.append(Job(f"{REFERENCE} @{ref}", ("--case", REFERENCE), tree))
    jobs.append(Job(ONE_WORKER, ("--case", ONE_WORKER)))
    jobs += [Job(f"peer, {orders}", ("--peer", str(days))) for orders, days in PEER_ORDERS.items()]
    if not quick:
        jobs.append(Job(BUILTIN, ("--case", BUILTIN)))
        if tree is not None:
            jobs.append(Job(f"{BUILTIN} @{ref}", ("--case", BUILTIN), tree))
    return jobs


class Bench:
    """Runs jobs, keeps every result by round, and the highest 1-minute load seen."""

    def __init__(self, peer_reps: int) -> None:
        self.peer_reps = peer_reps
        self.rounds: list[dict[str, dict[str, Any] | None]] = []
        self.jobs: dict[str, Job] = {}
        self.highest_load = os.getloadavg()[0]

    def run(self, job: Job, round_: int, step: str) -> None:
        self.highest_load = max(self.highest_load, os.getloadavg()[0])
        args = job.args + (("--peer-reps", str(self.peer_reps)) if job.is_peer else ())
        got = in_subprocess(Job(job.label, args, job.tree))
        self.run_result(job, round_, got)
        took = f"{got['wall']:.2f} s" if got else "failed"
        print(f"[{step}] {job.label}: {took}", file=sys.stderr, flush=True)

    def run_result(self, job: Job, round_: int, got: dict[str, Any] | None) -> None:
        """Keep what one run of `job` in round `round_` gave (None: it failed)."""
        while len(self.rounds) <= round_:
            self.rounds.append({})
        self.rounds[round_][job.label] = got
        self.jobs.setdefault(job.label, job)

    def results(self, label: str) -> list[dict[str, Any]]:
        return [r for measured in self.rounds if (r := measured.get(label))]

    def timings(self) -> list[dict[str, float | None]]:
        """Per round, the figure each comparison uses (None where the job failed): wall seconds
        of our cases, seconds per replication of the peer's."""
        return [
            {
                k: (v["seconds_per_rep"] if "seconds_per_rep" in v else v["wall"]) if v else None
                for k, v in measured.items()
            }
            for measured in self.rounds
        ]


def table(bench: Bench) -> list[str]:
    """One row per job: median wall with min-max, throughput, time against the reference."""
    ref_runs = bench.results(REFERENCE)
    ref_wall = stats.spread([r["wall"] for r in ref_runs]).median if ref_runs else None
    lines = [
        f"{'case':<26} {'nodes':>5} {'reps':>6} {'wk':>2} {'median s':>9} {'min-max s':>13} "
        f"{'reps/s':>8} {'time x':>6} {'peak MB':>7} {'balance':>7}  note"
    ]
    for label, job in bench.jobs.items():
        runs = bench.results(label)
        if not runs:
            lines.append(f"{label:<26} failed")
            continue
        wall = stats.spread([r["wall"] for r in runs])
        first = runs[0]
        row = (
            f"{label:<26} {first['nodes']:>5} {first['reps']:>6} {first['workers']:>2} "
            f"{wall.median:>9.2f} {wall.range_text():>13} {first['reps'] / wall.median:>8.1f} "
        )
        if job.is_peer:
            events = stats.spread([r["events_per_rep"] for r in runs]).median
            row += f"{'':>6} {'':>7} {'':>7}  {events:,.0f} events/rep"
        else:
            times = f"{wall.median / ref_wall:.2f}" if ref_wall else "-"
            peak = max(r["peak_mb"] for r in runs)
            worst = max(r["balance"] for r in runs)
            row += f"{times:>6} {peak:>7.0f} {worst:>7.0e}  batch {first['batch']}"
        lines.append(row)
    return lines


def ratio_lines(bench: Bench, ref: str | None) -> list[str]:
    """Speed-up 1 -> 2 workers, the peer ratios per core, and the baseline's time ratios."""
    timings = bench.timings()
    lines = []
    one, two = stats.paired(timings, ONE_WORKER, REFERENCE)
    if one:
        up, rounds = stats.time_ratio(one, two)
        lines.append(f"speed-up from 1 to 2 workers: {up:.2f}x" + stats.per_round(rounds))
    tracked, plain = stats.paired(timings, ORIGIN, REFERENCE)
    if tracked:
        cost, rounds = stats.time_ratio(tracked, plain)
        lines.append(f"origin tracking on / off (reference): {cost:.2f}x" + stats.per_round(rounds))
    spans, throughput = [], []
    for orders in PEER_ORDERS:
        peer = f"peer, {orders}"
        ours, theirs = stats.paired(timings, ONE_WORKER, peer)
        if not ours:
            lines.append(f"peer ratio per core: not measured ({orders}; {PEER_HINT})")
            continue
        ratio, rounds = stats.per_core_ratio(ours, CASES[ONE_WORKER]["reps"], theirs)
        lines.append(stats.peer_ratio_line(ratio, orders))
        if rounds.runs > 1:
            spans.append(f"{orders} {stats.ratio_range(rounds)} x")
        ours, theirs = stats.paired(timings, REFERENCE, peer)
        if ours:
            rate = stats.per_core_ratio(ours, CASES[REFERENCE]["reps"], theirs)[0]
            throughput.append(f"{orders} {stats.number(rate)} x")
    if spans:
        lines.append(f"  per round: {', '.join(spans)}")
    if throughput:
        lines.append(f"  2 workers against the peer's one core: {', '.join(throughput)}")
    if ref is not None:
        parts = []
        for case in (REFERENCE, BUILTIN):
            ours, theirs = stats.paired(timings, case, f"{case} @{ref}")
            if ours:
                ratio, rounds = stats.time_ratio(ours, theirs)
                parts.append(f"{case} {ratio:.2f}x{stats.per_round(rounds)}")
        got = "; ".join(parts) if parts else "not measured"
        lines.append(f"time of this version / {ref}: {got}")
    return lines


def load_report(when: str, cores: int, highest: float | None = None) -> list[str]:
    """The load line and, if the 1-minute load exceeds the cores, the warning under it."""
    load = os.getloadavg()
    line = stats.load_line(when, load, cores)
    if highest is not None:
        line += f"; highest 1-minute load before a run {highest:.2f} (includes this bench's own)"
    warning = stats.load_warning(load, cores)
    return [line] + ([warning] if warning else [])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--peer", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--peer-reps", type=int, default=3, help="replications in one peer run (default 3)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="reference, 1 worker and peer jobs only"
    )
    parser.add_argument(
        "--baseline",
        metavar="GITREF",
        help="also run the reference and built-in network cases with the sim package of GITREF "
        "(a temporary git worktree), interleaved with this version's, and print the time ratio",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of the compared jobs, interleaved (default 3): medians with min-max",
    )
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    if args.peer is not None:
        print(json.dumps(run_peer(args.peer_reps, args.peer)))
        return
    if args.repeat < 1 or args.peer_reps < 1:
        parser.error("--repeat and --peer-reps must be at least 1")
    cores = os.cpu_count() or 1
    print(f"make bench: each run a fresh process, {args.repeat} interleaved rounds")
    print("\n".join(load_report("before", cores)), flush=True)
    bench = Bench(args.peer_reps)
    with baseline_tree(args.baseline) as tree:
        jobs = compared_jobs(args.quick, args.baseline, tree)
        by_label = {job.label: job for job in jobs}
        order = stats.schedule([job.label for job in jobs], args.repeat)
        singles = [] if args.quick else [Job(name, ("--case", name)) for name in SCALING]
        total = len(order) + len(singles)
        for step, (round_, label) in enumerate(order, 1):
            bench.run(by_label[label], round_, f"{step}/{total}")
        for step, job in enumerate(singles, len(order) + 1):
            bench.run(job, 0, f"{step}/{total}")
    print()
    print("\n".join(table(bench)))
    print()
    print("\n".join(ratio_lines(bench, args.baseline)))
    print("\n".join(load_report("after", cores, bench.highest_load)))
    if not bench.results(REFERENCE):
        sys.exit("the reference case failed")


if __name__ == "__main__":
    main()
