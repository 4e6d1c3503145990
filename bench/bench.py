"""`make bench`: the reference workload timed side by side with the peer tool, as ratios.

Every case runs in a fresh Python process (so peak memory is its own) and is compared with the
reference case measured in the same run: 1,000 replications of the reference workload
(`workload.py`) on 2 worker processes. The peer, SupplyNetPy 0.5.1 (optional: `pip install
'.[bench]'`), runs the same structure, horizon and daily review (`peer_supplynetpy.py`), and its
replication throughput is compared with ours. Timings are wall-clock seconds on this machine;
only the ratios are meant to travel.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASES: dict[str, dict[str, Any]] = {
    "reference": {"reps": 1000, "workers": 2},
    "horizon x2": {"reps": 1000, "workers": 2, "horizon_days": 7300},
    "nodes x2": {"reps": 1000, "workers": 2, "copies": 2},
    "replications x10": {"reps": 10000, "workers": 2},
    "1 worker": {"reps": 1000, "workers": 1},
}


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
    """Run one case in this process and measure it."""
    sys.path.insert(0, str(HERE))
    from workload import reference

    from sim.analysis import ensemble as montecarlo
    from sim.scenario import loader as scenario

    case = CASES[name]
    loaded = scenario.from_dict(
        reference(horizon_days=case.get("horizon_days", 3650), copies=case.get("copies", 1))
    )
    started = time.perf_counter()
    with PeakMemory() as memory:
        ensemble = montecarlo.run_ensemble(loaded, case["reps"], workers=case["workers"])
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    worst = float(ensemble.balance["worst_relative_residual"].max())
    return {
        "case": name,
        "reps": case["reps"],
        "workers": case["workers"],
        "wall": wall,
        "main_mb": own,
        "worker_mb": child,
        "batch": ensemble.batch_size,
        "peak_mb": max(memory.peak, own if case["workers"] == 1 else 0.0),
        "rss_sum_mb": own + case["workers"] * child if case["workers"] > 1 else own,
        "nodes": len(loaded.network.nodes),
        "balance": worst,
    }


def run_peer(reps: int, batch_days: float) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    from peer_supplynetpy import run_peer as peer

    return peer(reps, order_batch_days=batch_days)


def in_subprocess(args: list[str], tree: Path | None = None) -> dict[str, Any] | None:
    """Run this bench (or, with `tree`, that checkout's own bench with its own `sim`) on one
    case in a fresh process; return what it printed."""
    script = Path(__file__) if tree is None else tree / "bench" / "bench.py"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    done = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        print(f"  ({' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--peer", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--peer-reps",
        type=int,
        default=3,
        help="peer replications to time (default 3; ~1-3 s each)",
    )
    parser.add_argument("--quick", action="store_true", help="reference and peer only")
    parser.add_argument(
        "--baseline",
        metavar="GITREF",
        help="also time the reference case with the package at GITREF (checked out into a "
        "temporary worktree), interleaved with this version, and print the ratio",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of the reference and 1-worker cases; the fastest counts "
        "(this machine's timings vary by 30%% from run to run)",
    )
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    if args.peer is not None:
        print(json.dumps(run_peer(args.peer_reps, args.peer)))
        return
    print(f"make bench on {os.cpu_count()} cores; each case in a fresh process\n")
    if args.baseline:
        against_baseline(args.baseline, max(1, args.repeat))
    rows = []
    for name in ["reference"] if args.quick else list(CASES):
        repeats = max(1, args.repeat) if name in ("reference", "1 worker") else 1
        runs = [r for r in (in_subprocess(["--case", name]) for _ in range(repeats)) if r]
        if runs:
            result = min(runs, key=lambda r: r["wall"])
            rows.append(result)
            walls = ", ".join(f"{r['wall']:.2f}" for r in runs)
            spread = f" (fastest of {len(runs)}: {walls} s)" if len(runs) > 1 else ""
            print(
                f"  {name:<17} {result['reps']:>6} reps  {result['wall']:7.2f} s  "
                f"peak {result['peak_mb']:6.0f} MB{spread}",
                flush=True,
            )
    ref = next((r for r in rows if r["case"] == "reference"), None)
    if ref is None:
        sys.exit("the reference case failed")
    ref_rate = ref["reps"] / ref["wall"]
    print(
        "\npeak MB: proportional set size of the main process and its workers together, "
        "sampled every 0.2 s"
    )
    print("\nscaling against the reference (1,000 replications, 10 years daily, 2 workers)")
    print(
        f"  {'case':<17} {'nodes':>5} {'reps':>6} {'wall s':>8} {'time x':>7} "
        f"{'reps/s':>8} {'peak MB':>8} {'balance':>8}"
    )
    for r in rows:
        print(
            f"  {r['case']:<17} {r['nodes']:>5} {r['reps']:>6} {r['wall']:>8.2f} "
            f"{r['wall'] / ref['wall']:>7.2f} {r['reps'] / r['wall']:>8.1f} "
            f"{r['peak_mb']:>8.0f} {r['balance']:>8.0e}"
        )
    one = next((r for r in rows if r["case"] == "1 worker"), None)
    if one is not None:
        print(f"  speed-up from 1 to 2 workers: {one['wall'] / ref['wall']:.2f}x")
    print("\npeer: SupplyNetPy 0.5.1, same workload, one core")
    for label, batch_days in (("weekly-sized orders", 7.0), ("daily orders", 0.0)):
        peer = in_subprocess(["--peer", str(batch_days), "--peer-reps", str(args.peer_reps)])
        if peer is None:
            print("  not measured: pip install '.[bench]' (supplynetpy==0.5.1)")
            break
        peer_rate = 1.0 / peer["seconds_per_rep"]
        print(
            f"  {label:<20} {peer['seconds_per_rep']:.2f} s/rep, "
            f"{peer['events_per_rep']:,.0f} events/rep -> 1,000 reps ~ "
            f"{1000 / peer_rate / 60:.0f} min; ours (2 workers) {ref_rate / peer_rate:,.0f}x "
            f"its throughput, {ref_rate / 2 / peer_rate:,.0f}x per core"
        )


def against_baseline(ref: str, repeats: int) -> None:
    """The reference case timed with this version and with `ref`, interleaved A/B (same load
    for both), `repeats` pairs: medians with min-max and the ratio of the medians."""
    import statistics
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sim-bench-") as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "-C", str(HERE.parent), "worktree", "add", "--detach", str(tree), ref],
            check=True,
            capture_output=True,
        )
        try:
            ours, theirs = [], []
            for _ in range(repeats):
                for walls, where in ((ours, None), (theirs, tree)):
                    got = in_subprocess(["--case", "reference"], where)
                    if got is not None:
                        walls.append(got["wall"])
        finally:
            subprocess.run(
                ["git", "-C", str(HERE.parent), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )
    if not ours or not theirs:
        print("  baseline comparison failed")
        return
    print(f"reference case, this version vs {ref}, {repeats} interleaved pairs:")
    for label, walls in (("this version", ours), (ref, theirs)):
        print(
            f"  {label:<17} median {statistics.median(walls):6.2f} s "
            f"(min {min(walls):.2f}, max {max(walls):.2f})"
        )
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"  time ratio this version / {ref}: {ratio:.2f}x\n", flush=True)


if __name__ == "__main__":
    main()
