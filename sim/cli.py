"""The command line: `python -m sim run|validate|schema ...`.

Exit status:

- 0 success;
- 1 a failed check (mass balance);
- 2 bad input: the scenario file or an option; an ensemble refused before it starts because
  its estimated memory or output exceeds the budget (`SIM_MEMORY_LIMIT`: a size such as 16G,
  a share such as 90%, or off; default 80% of the memory available, see
  `sim.analysis.footprint`); a missing optional extra;
- 3 out of memory during the run (a MemoryError, or a worker process killed);
- 4 the results could not be written: the disk is full (or another I/O error);
- 5 the results folder is read-only or may not be written by this user;
- 6 a bad results folder: --out is a file or inside one, the target is outside the results
  root or is not an earlier result, or another run held it too long;
- 7 the Dask scheduler could not be reached (or the connection was lost);
- 130 interrupted (Ctrl-C); 143 terminated (SIGTERM, handled like Ctrl-C).

Problems are printed one paragraph each, never as a traceback, saying what was and was not
written (`sim.exits`).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim import exits, faults
from sim.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from sim.scenario.loader import Scenario

EXIT_INPUT, EXIT_CHECK, EXIT_INTERRUPTED = exits.INPUT, exits.CHECK, exits.INTERRUPTED
EXIT_MEMORY, EXIT_DISK_FULL, EXIT_NOT_WRITABLE = exits.MEMORY, exits.DISK_FULL, exits.NOT_WRITABLE
EXIT_BAD_OUT, EXIT_SCHEDULER, EXIT_TERMINATED = exits.BAD_OUT, exits.SCHEDULER, exits.TERMINATED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sim",
        description="Critical-minerals supply-chain risk simulator: run a scenario file "
        "(shocks on a mine -> refinery -> plant -> market network) and write "
        "tables to results/<scenario>/.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="run a scenario and write its results",
        description="Run a scenario and write results/<name>/.",
    )
    run.add_argument("file", type=Path, help="scenario YAML file")
    run.add_argument(
        "--out", type=Path, default=Path("results"), help="results root folder (default: results)"
    )
    run.add_argument(
        "--horizon-days",
        type=_positive_int,
        default=None,
        help="override the scenario's horizon, days",
    )
    run.add_argument(
        "--no-check-balance",
        dest="check_balance",
        action="store_false",
        help="skip the mass-balance check (it is on by default)",
    )
    run.add_argument(
        "--no-report",
        dest="report",
        action="store_false",
        help="skip the charts and the report page (they take a few seconds)",
    )
    run.add_argument(
        "--quiet",
        action="store_true",
        help="print only where results went (no summary, no progress bar)",
    )
    run.add_argument(
        "--reps",
        type=_positive_int,
        default=None,
        help="replications (default: the scenario's `replications`, else 1)",
    )
    run.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="local worker processes for replications (default: all cores)",
    )
    run.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="replications per batch (default: sized to the workers and memory)",
    )
    run.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run replications on Dask: a scheduler address such as "
        "tcp://host:8786, or 'local' for a local Dask cluster "
        "(needs pip install 'sim[dask]')",
    )
    run.add_argument(
        "--traces",
        action="store_true",
        help="also keep every replication's full time series (memory and disk "
        "grow with replications)",
    )
    compare = sub.add_parser(
        "compare",
        help="compare the scenario's policies with its baseline",
        description="Run the baseline and every policy of a scenario on the same replications "
        "(common random numbers) and write the comparison and ranking.",
    )
    compare.add_argument("file", type=Path, help="scenario YAML file with `policies:`")
    compare.add_argument(
        "--out", type=Path, default=Path("results"), help="results root folder (default: results)"
    )
    compare.add_argument(
        "--reps",
        type=_positive_int,
        default=None,
        help="replications (default: the scenario's `replications`)",
    )
    compare.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="local worker processes (default: all cores)",
    )
    compare.add_argument(
        "--horizon-days",
        type=_positive_int,
        default=None,
        help="override the scenario's horizon, days",
    )
    compare.add_argument(
        "--criterion",
        default="cost_per_t_avoided",
        choices=("cost_per_t_avoided", "shortfall_avoided_t", "cost_usd"),
        help="how to rank policies (default: cost per tonne of shortfall avoided)",
    )
    compare.add_argument("--quiet", action="store_true", help="no progress bar or table")
    compare.add_argument(
        "--no-report",
        dest="report",
        action="store_false",
        help="skip the charts and the report page",
    )
    stress = sub.add_parser(
        "stress",
        help="cut every node, producing country and chokepoint in turn and rank them",
        description="Stress test (Simchi-Levi): each node, each producing country per mineral "
        "and each chokepoint is cut in turn for its time to recover; the table "
        "ranks them by demand lost and flags those whose time to survive is "
        "shorter than their time to recover.",
    )
    stress.add_argument("file", type=Path, help="scenario YAML file (its own shocks are left out)")
    stress.add_argument(
        "--out", type=Path, default=Path("results"), help="results root folder (default: results)"
    )
    stress.add_argument(
        "--start-day", type=float, default=7.0, help="day each cut starts (default 7)"
    )
    stress.add_argument(
        "--ttr",
        action="append",
        default=[],
        metavar="KIND=DAYS",
        help="time to recover per kind (mine, refinery, plant, recycler, "
        "country, chokepoint), e.g. --ttr mine=180; repeatable",
    )
    stress.add_argument(
        "--top", type=_positive_int, default=15, help="rows of the ranking to print (default 15)"
    )
    stress.add_argument("--quiet", action="store_true", help="print only where results went")
    stress.add_argument(
        "--no-report",
        dest="report",
        action="store_false",
        help="skip the chart and the report page",
    )
    sens = sub.add_parser(
        "sensitivity",
        help="rank the scenario's uncertain inputs by their effect on shortfall",
        description="One-at-a-time sensitivity (tornado): each distribution the scenario "
        "declares is fixed at its 5th and 95th percentile in turn, on the same "
        "replications, and the swing of the mean cumulative shortfall is ranked.",
    )
    sens.add_argument("file", type=Path, help="scenario YAML file with distributions")
    sens.add_argument(
        "--out", type=Path, default=Path("results"), help="results root folder (default: results)"
    )
    sens.add_argument(
        "--reps", type=_positive_int, default=20, help="replications per variant (default 20)"
    )
    sens.add_argument(
        "--market", default=None, help="market to measure (default: the one shortest as declared)"
    )
    sens.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="local worker processes (default: all cores)",
    )
    sens.add_argument("--quiet", action="store_true", help="print only where results went")
    sens.add_argument(
        "--no-report",
        dest="report",
        action="store_false",
        help="skip the chart and the report page",
    )
    validate = sub.add_parser("validate", help="check a scenario file without running it")
    validate.add_argument("file", type=Path, help="scenario YAML file")
    schema = sub.add_parser("schema", help="print the scenario file schema (JSON Schema)")
    schema.add_argument(
        "--network",
        action="store_true",
        help="the schema of network files (sim/data/*.yaml) instead",
    )
    schema.add_argument(
        "--markdown",
        action="store_true",
        help="the field reference as Markdown (docs/scenario-format.md)",
    )
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 day, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _written.reset(wants_report=getattr(args, "report", False))
    previous = exits.raise_on_sigterm()
    try:
        if args.command == "run":
            return _run(args, argv)
        if args.command == "validate":
            return _validate(args)
        if args.command == "compare":
            return _compare(args, argv)
        if args.command == "stress":
            return _stress(args, argv)
        if args.command == "sensitivity":
            return _sensitivity(args, argv)
        return _schema(args)
    except ScenarioError as error:
        print(f"error: {len(error.problems)} problem(s) in the input:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INPUT
    except faults.Failure as error:
        print(f"error: {error}", file=sys.stderr)
        return exits.status(error)
    except MemoryError:
        print(f"error: out of memory; {_written.outcome()}", file=sys.stderr)
        return exits.MEMORY
    except OSError as error:  # not from the results writer, which explains its own
        doing = "drawing the charts and report page" if _written.results else "running"
        failure = faults.os_failure(error, doing, _written.outcome())
        print(f"error: {failure}", file=sys.stderr)
        return exits.status(failure)
    except KeyboardInterrupt as stop:
        print(f"interrupted: {_written.outcome(stop)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except faults.Terminated as stop:
        print(f"terminated (SIGTERM): {_written.outcome(stop)}", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


_written = exits.Written()
"""What the command running now has written (for the message when it stops early)."""


def _run(args: argparse.Namespace, argv: list[str] | None) -> int:
    from sim.output import atomic
    from sim.scenario import loader as scenario

    atomic.check_root(args.out)  # a bad --out fails now, not after the simulation
    loaded = scenario.load(args.file, horizon_days=args.horizon_days)
    reps = args.reps or loaded.spec.replications
    command = argv if argv is not None else sys.argv
    if loaded.spec.policies:
        args.criterion = "cost_per_t_avoided"
        return _compare(args, argv, loaded)
    if reps == 1 and args.scheduler is None:
        return _run_single(args, loaded, command)
    return _run_ensemble(args, loaded, reps, command)


def _run_single(args: argparse.Namespace, loaded: Scenario, command: list[str]) -> int:
    from sim.analysis import balance, summary
    from sim.analysis import frames as results
    from sim.engine import simulate as engine
    from sim.output import store as report

    result = engine.run(loaded)
    table = results.balance(result)
    if args.check_balance:
        try:
            balance.check(table)
        except balance.MassBalanceError as error:
            print(f"error: {error}; no results were written", file=sys.stderr)
            return EXIT_CHECK
    folder = _written.folder(report.write_results(result, args.out, command))
    if not args.quiet:
        print(summary.text(result, results.market_summary(result), table))
    _report(args, folder)
    print(
        f"results: {folder}/ ({result.wall_seconds:.2f} s simulated, "
        f"{result.n_periods} periods of {loaded.spec.step_days} days)"
    )
    return 0


def _run_ensemble(args: argparse.Namespace, loaded: Scenario, reps: int, command: list[str]) -> int:
    from sim.analysis import balance, footprint, summary
    from sim.analysis import ensemble as montecarlo
    from sim.output import atomic
    from sim.output import store as report

    options = montecarlo.Options(traces=args.traces, check_balance=args.check_balance)
    limits = footprint.budget(
        disk_free_bytes=atomic.free_bytes(args.out), disk_from=f"free under {args.out}"
    )
    try:
        ensemble = montecarlo.run_ensemble(
            loaded,
            reps,
            workers=args.workers,
            batch_size=args.batch_size,
            scheduler=args.scheduler,
            options=options,
            progress=not args.quiet,
            budget=limits,
        )
    except balance.MassBalanceError as error:
        print(f"error: {error}; no results were written", file=sys.stderr)
        return EXIT_CHECK
    folder = _written.folder(report.write_ensemble(ensemble, args.out, command))
    if not args.quiet:
        print(summary.ensemble_text(ensemble))
    _report(args, folder)
    print(
        f"results: {folder}/ ({reps} replications in {ensemble.wall_seconds:.2f} s, "
        f"{ensemble.executor}, {ensemble.workers} worker(s), batches of "
        f"{ensemble.batch_size})"
    )
    return 0


def _compare(
    args: argparse.Namespace, argv: list[str] | None, loaded: Scenario | None = None
) -> int:
    from sim.analysis import compare, summary
    from sim.analysis import ensemble as montecarlo
    from sim.output import store as report
    from sim.scenario import loader as scenario

    if loaded is None:
        loaded = scenario.load(args.file, horizon_days=args.horizon_days)
    if not loaded.spec.policies:
        print(f"error: {args.file} declares no `policies:` to compare", file=sys.stderr)
        return EXIT_INPUT
    reps = args.reps or loaded.spec.replications
    options = montecarlo.Options(check_balance=getattr(args, "check_balance", True))
    result = compare.compare_policies(
        loaded,
        reps,
        criterion=args.criterion,
        workers=args.workers,
        options=options,
        scheduler=getattr(args, "scheduler", None),
        progress=not args.quiet,
    )
    from sim.engine import simulate as engine

    single = engine.run(loaded) if reps == 1 else None  # adds flows for the network charts
    folder = _written.folder(
        report.write_comparison(result, args.out, argv if argv is not None else sys.argv, single)
    )
    if not args.quiet:
        print(summary.comparison_text(result))
    _report(args, folder)
    print(
        f"results: {folder}/ (baseline and {len(result.policies)} policies, {reps} "
        f"replication(s) each)"
    )
    return 0


def _stress(args: argparse.Namespace, argv: list[str] | None) -> int:
    from sim.analysis import stress
    from sim.output import store as report
    from sim.scenario import loader as scenario

    overrides: dict[str, float] = {}
    for item in args.ttr:
        kind, _, days = item.partition("=")
        if kind not in stress.DEFAULT_TTR_DAYS or not _is_number(days):
            print(
                f"error: --ttr {item}: expected KIND=DAYS with KIND one of "
                f"{', '.join(stress.DEFAULT_TTR_DAYS)}",
                file=sys.stderr,
            )
            return EXIT_INPUT
        overrides[kind] = float(days)
    loaded = scenario.load(args.file)

    def tick(done: int, total: int) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\rstress test: {done}/{total} targets", end="", file=sys.stderr)

    table = stress.run(loaded, args.start_day, overrides, progress=tick)
    folder = _written.folder(
        report.write_stress(table, loaded, args.out, argv if argv is not None else sys.argv)
    )
    _report(args, folder)
    if not args.quiet:
        shown = table.head(args.top).copy()
        shown["tts_days"] = shown["tts_days"].map(lambda d: "never" if np.isinf(d) else f"{d:.0f}")
        print(
            f"stress test of {loaded.spec.name}: {len(table)} targets, cut from day "
            f"{args.start_day:g} for their time to recover\n"
        )
        print(
            shown[
                [
                    "rank",
                    "target",
                    "kind",
                    "ttr_days",
                    "tts_days",
                    "lost_demand",
                    "risk_exposure_index",
                    "exposed",
                    "hardest_hit_market",
                ]
            ].to_string(index=False, float_format=lambda v: f"{v:.3f}")
        )
    print(f"results: {folder}/")
    return 0


def _sensitivity(args: argparse.Namespace, argv: list[str] | None) -> int:
    from sim.analysis import sensitivity
    from sim.output import store as report
    from sim.scenario import loader as scenario

    loaded = scenario.load(args.file)
    if args.market is not None and args.market not in loaded.network.nodes:
        print(f"error: --market {args.market}: no such market in {args.file}", file=sys.stderr)
        return EXIT_INPUT
    try:
        table, market = sensitivity.run(loaded, args.reps, args.market, workers=args.workers)
    except ValueError as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return EXIT_INPUT
    folder = _written.folder(
        report.write_sensitivity(table, loaded, args.out, argv if argv is not None else sys.argv)
    )
    _report(args, folder)
    if not args.quiet:
        print(
            f"sensitivity of {market}'s mean cumulative shortfall ({args.reps} replications "
            f"per variant, same draws):\n"
        )
        print(
            table[["input", "p5", "p95", "shortfall_at_p5", "shortfall_at_p95", "swing"]].to_string(
                index=False, float_format=lambda v: f"{v:,.3g}"
            )
        )
    print(f"results: {folder}/")
    return 0


def _report(args: argparse.Namespace, folder: Path) -> None:
    """Charts and the report page for a results folder just written (unless --no-report)."""
    if not getattr(args, "report", True):
        return
    from sim.output.report import write_report

    if not args.quiet:
        print("\ndrawing charts and the report page (--no-report skips this) ...", flush=True)
    html, _ = write_report(folder)
    _written.report = True
    if not args.quiet:
        print(f"report: {html}")


def _is_number(text: str) -> bool:
    try:
        return float(text) >= 0
    except ValueError:
        return False


def _validate(args: argparse.Namespace) -> int:
    from sim.scenario import loader as scenario

    loaded = scenario.load(args.file)
    net = loaded.network
    print(
        f"{args.file}: valid: {len(net.nodes)} nodes, {len(net.links)} links, "
        f"{len(loaded.shocks)} shocks, {loaded.spec.horizon_days} days"
    )
    return 0


def _schema(args: argparse.Namespace) -> int:
    from sim.scenario import docs
    from sim.scenario.loader import NetworkFile, ScenarioSpec

    if args.markdown:
        print(docs.markdown(), end="")
        return 0
    model = NetworkFile if args.network else ScenarioSpec
    print(json.dumps(model.model_json_schema(by_alias=True), indent=2))
    return 0
