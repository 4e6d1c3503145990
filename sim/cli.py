"""The command line: `python -m sim run|compare|stress|sensitivity|optimise|report|validate|schema`.

Options several subcommands share are declared once, in parent parsers (`_shared_options`);
no option may be abbreviated (`--rep` is an error, not `--reps`). Each subcommand is one
function `(args, command) -> exit status` whose docstring is its --help description, listed in
`SUBCOMMANDS`.

Exit status (`sim.exits`): 0 success, 1 a failed check (mass balance), 2 bad input (or an
ensemble refused before it starts by its memory and output estimate, `SIM_MEMORY_LIMIT`), 3 out
of memory, 4 disk full, 5 read-only folder, 6 bad results folder, 7 Dask scheduler unreachable,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM, handled like Ctrl-C). Problems are printed
one paragraph each, never as a traceback, saying what was and was not written.
"""

from __future__ import annotations

import json
import signal
import sys
from argparse import ArgumentParser, Namespace
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sim import cli_studies as studies
from sim import exits, faults
from sim.cli_options import BATCH, ROWS, shared_options, side_by_side_options
from sim.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from sim.scenario.loader import Scenario

EXIT_INPUT, EXIT_CHECK, EXIT_INTERRUPTED = exits.INPUT, exits.CHECK, exits.INTERRUPTED
EXIT_MEMORY, EXIT_DISK_FULL, EXIT_NOT_WRITABLE = exits.MEMORY, exits.DISK_FULL, exits.NOT_WRITABLE
EXIT_BAD_OUT, EXIT_SCHEDULER, EXIT_TERMINATED = exits.BAD_OUT, exits.SCHEDULER, exits.TERMINATED
DEFAULT_CRITERION = "cost_per_t_avoided"
"""How `run` ranks the policies of a scenario that lists some (as `compare` does by default)."""
Command = Callable[[Namespace, list[str]], int]
"""A subcommand's function: (parsed arguments, command line) -> exit status."""


def build_parser() -> ArgumentParser:
    """The parser of every subcommand in `SUBCOMMANDS`; no option may be abbreviated."""
    parser = ArgumentParser(
        prog="python -m sim",
        description="Critical-minerals supply-chain risk simulator: run a scenario file "
        "(shocks on a mine -> refinery -> plant -> market network) and write "
        "tables to results/<scenario>/.",
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    shared = shared_options()
    for name, command in SUBCOMMANDS.items():
        own = sub.add_parser(
            name,
            help=command.summary,
            description=command.run.__doc__,
            parents=[shared[option] for option in command.shared],
            allow_abbrev=False,
        )
        if command.options is not None:
            command.options(own)
    return parser


def _run_options(run: ArgumentParser) -> None:
    run.set_defaults(criterion=DEFAULT_CRITERION)  # for a scenario with policies
    run.add_argument(
        "--no-check-balance",
        dest="check_balance",
        action="store_false",
        help="skip the mass-balance check (it is on by default)",
    )
    run.add_argument(
        "--batch-size",
        type=BATCH,
        help="replications per batch (default: sized to the workers and memory)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run replications on Dask: a scheduler address such as tcp://host:8786, or "
        "'local' for a local Dask cluster (needs pip install 'sim[dask]')",
    )
    run.add_argument(
        "--prices",
        choices=("on", "off", "compare"),
        default="on",
        help="prices 'on' as written (default), 'off' without the `prices:` block (into "
        "<name>-prices-off/), or 'compare' both on the same draws (adds prices_on_off.csv)",
    )
    run.add_argument(
        "--traces",
        action="store_true",
        help="also keep every replication's full time series (memory and disk grow with "
        "replications)",
    )


def _compare_options(compare: ArgumentParser) -> None:
    compare.set_defaults(check_balance=True, scheduler=None)  # as `run` has them
    compare.add_argument(
        "--criterion",
        default=DEFAULT_CRITERION,
        choices=("cost_per_t_avoided", "shortfall_avoided_t", "cost_usd"),
        help="how to rank policies (default: cost per tonne of shortfall avoided)",
    )


def _stress_options(stress: ArgumentParser) -> None:
    stress.add_argument(
        "--start-day", type=float, default=7.0, help="day each cut starts (default 7)"
    )
    stress.add_argument(
        "--ttr",
        action="append",
        default=[],
        metavar="KIND=DAYS",
        help="time to recover per kind (mine, refinery, plant, recycler, country, "
        "chokepoint), e.g. --ttr mine=180; repeatable",
    )
    stress.add_argument(
        "--top", type=ROWS, default=15, help="rows of the ranking to print (default 15)"
    )


def _report_options(report: ArgumentParser) -> None:
    report.add_argument(
        "folders", nargs="+", type=Path, metavar="FOLDER", help="a results folder, e.g. results/x"
    )
    side_by_side_options(report)


def _schema_options(schema: ArgumentParser) -> None:
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


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: the process's arguments) and run the subcommand."""
    args = build_parser().parse_args(argv)
    command = argv if argv is not None else sys.argv
    _written.reset(wants_report=getattr(args, "report", False))
    previous = exits.raise_on_sigterm()
    try:
        return SUBCOMMANDS[args.command].run(args, command)
    except ScenarioError as error:
        return _input_problems(error)
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


def _input_problems(error: ScenarioError) -> int:
    print(f"error: {len(error.problems)} problem(s) in the input:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_INPUT


def _run(args: Namespace, command: list[str]) -> int:
    """Run a scenario and write results/<name>/. A scenario that lists `policies:` is compared
    instead, as `compare` does: the baseline and every policy run on the same replications and
    are ranked by cost per tonne of shortfall avoided."""
    from sim.analysis.balance import MassBalanceError
    from sim.analysis.prices_on_off import prices_off
    from sim.output import atomic
    from sim.scenario import loader as scenario

    atomic.check_root(args.out)  # a bad --out fails now, not after the simulation
    loaded = scenario.load(args.file, horizon_days=args.horizon_days, seed=args.seed)
    reps = args.reps or loaded.spec.replications
    try:
        if args.prices == "compare":
            return _prices_on_off(args, command, loaded, reps)
        if args.prices == "off":
            loaded = prices_off(loaded)
        if loaded.spec.policies:
            return _compare_policies(args, command, loaded)
        if reps == 1 and args.scheduler is None:
            return _run_single(args, loaded, command)
        return _run_ensemble(args, loaded, reps, command)
    except MassBalanceError as error:
        print(f"error: {error}; no results were written", file=sys.stderr)
        return EXIT_CHECK


def _run_single(args: Namespace, loaded: Scenario, command: list[str]) -> int:
    from sim.analysis import balance, summary
    from sim.analysis import frames as results
    from sim.engine import simulate as engine
    from sim.output import writers

    result = engine.run(loaded)
    table = results.balance(result)
    if args.check_balance:
        balance.check(table)  # a MassBalanceError is reported by `_run`
    folder = _written.folder(writers.write_results(result, args.out, command, None, args.format))
    if not args.quiet:
        print(summary.text(result, results.market_summary(result), table))
    _draw_report(args, folder)
    print(
        f"results: {folder}/ ({result.wall_seconds:.2f} s simulated, "
        f"{result.n_periods} periods of {loaded.spec.step_days} days)"
    )
    return 0


def _run_ensemble(args: Namespace, loaded: Scenario, reps: int, command: list[str]) -> int:
    from sim.analysis import coverage, footprint, summary
    from sim.analysis import ensemble as montecarlo
    from sim.output import atomic, writers

    options = montecarlo.Options(traces=args.traces, check_balance=args.check_balance)
    limits = footprint.budget(
        disk_free_bytes=atomic.free_bytes(args.out), disk_from=f"free under {args.out}"
    )
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
    extra = writers.coverage_writers(coverage.first_run(loaded))  # what covered each target
    written = writers.write_ensemble(ensemble, args.out, command, extra, args.format)
    folder = _written.folder(written)
    if not args.quiet:
        print(summary.ensemble_text(ensemble))
    _draw_report(args, folder)
    print(
        f"results: {folder}/ ({summary.replications_text(ensemble)} in "
        f"{ensemble.wall_seconds:.2f} s, {ensemble.executor}, {ensemble.workers} worker(s), "
        f"batches of {ensemble.batch_size})"
    )
    return 0


def _compare(args: Namespace, command: list[str]) -> int:
    """Run the baseline and every policy of a scenario (its `policies:`) on the same
    replications (common random numbers) and write the comparison and ranking."""
    from sim.scenario import loader as scenario

    loaded = scenario.load(args.file, horizon_days=args.horizon_days, seed=args.seed)
    if not loaded.spec.policies:
        print(f"error: {args.file} declares no `policies:` to compare", file=sys.stderr)
        return EXIT_INPUT
    return _compare_policies(args, command, loaded)


def _compare_policies(args: Namespace, command: list[str], loaded: Scenario) -> int:
    """The baseline and every policy of `loaded` on the same replications, ranked by
    `args.criterion` (for `compare`, and for `run` on a scenario with policies)."""
    from sim.analysis import compare, coverage, summary
    from sim.analysis import ensemble as montecarlo
    from sim.engine import simulate as engine
    from sim.output import writers

    reps = args.reps or loaded.spec.replications
    result = compare.compare_policies(
        loaded,
        reps,
        criterion=args.criterion,
        workers=args.workers,
        options=montecarlo.Options(check_balance=args.check_balance),
        scheduler=args.scheduler,
        progress=not args.quiet,
    )
    single = engine.run(loaded) if result.baseline.reps == 1 else None  # network flows
    extra = writers.coverage_writers(single or coverage.first_run(loaded), writers.BASELINE)
    written = writers.write_comparison(result, args.out, command, single, extra, args.format)
    folder = _written.folder(written)
    if not args.quiet:
        print(summary.comparison_text(result))
    _draw_report(args, folder)
    print(
        f"results: {folder}/ (baseline and {len(result.policies)} policies, "
        f"{summary.replications_text(result.baseline)} each)"
    )
    return 0


def _prices_on_off(args: Namespace, command: list[str], loaded: Scenario, reps: int) -> int:
    """`run --prices compare`: the scenario with and without its prices on the same
    replications; writes its results (prices on) plus prices_on_off.csv."""
    from sim.analysis import prices_on_off as on_off
    from sim.output import writers

    if (refused := on_off.refusal(loaded)) is not None:
        print(f"error: --prices compare: {args.file}: {refused}", file=sys.stderr)
        return EXIT_INPUT
    run = {"workers": args.workers, "batch_size": args.batch_size, "scheduler": args.scheduler}
    checked = {"criterion": args.criterion, "check_balance": args.check_balance}
    result = on_off.run_on_off(loaded, reps, progress=not args.quiet, **checked, **run)
    folder = _written.folder(writers.write_on_off(result, args.out, command, args.format))
    if not args.quiet:
        print(on_off.text(result))
    _draw_report(args, folder)
    print(f"results: {folder}/ (prices on and off, {reps} replication(s) each, same draws)")
    return 0


def _stress(args: Namespace, command: list[str]) -> int:
    """Stress test (Simchi-Levi): each node, each producing country per mineral and each
    chokepoint is cut in turn for its time to recover (the scenario's own shocks are left out);
    the table ranks them by demand lost and flags those whose time to survive is shorter than
    their time to recover."""
    from sim.analysis import stress, summary
    from sim.output import writers
    from sim.scenario import loader as scenario

    try:
        overrides = stress.ttr_overrides(args.ttr)
    except ValueError as error:
        print(f"error: --ttr {error}", file=sys.stderr)
        return EXIT_INPUT
    loaded = scenario.load(args.file)
    if not 0 <= args.start_day < loaded.spec.horizon_days:  # also refuses nan and inf
        print(
            f"error: --start-day {args.start_day:g}: expected a day from 0 to before the "
            f"horizon ({loaded.spec.horizon_days} days)",
            file=sys.stderr,
        )
        return EXIT_INPUT
    table = stress.run(loaded, args.start_day, overrides, progress=not args.quiet)
    folder = _written.folder(writers.write_stress(table, loaded, args.out, command, args.format))
    _draw_report(args, folder)
    if not args.quiet:
        print(summary.stress_text(table, loaded.spec.name, args.start_day, args.top))
    print(f"results: {folder}/")
    return 0


def _sensitivity(args: Namespace, command: list[str]) -> int:
    """One-at-a-time sensitivity (tornado): each distribution the scenario declares is fixed at
    its 5th and 95th percentile in turn, on the same replications, and the swing of the mean
    cumulative shortfall is ranked."""
    from sim.analysis import sensitivity, summary
    from sim.output import writers
    from sim.scenario import loader as scenario

    loaded = scenario.load(args.file, seed=args.seed)
    if args.market is not None and args.market not in loaded.network.nodes:
        print(f"error: --market {args.market}: no such market in {args.file}", file=sys.stderr)
        return EXIT_INPUT
    try:
        table, market = sensitivity.run(
            loaded, args.reps, args.market, progress=not args.quiet, workers=args.workers
        )
    except ValueError as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return EXIT_INPUT
    folder = _written.folder(
        writers.write_sensitivity(table, loaded, args.out, command, args.format)
    )
    _draw_report(args, folder)
    if not args.quiet:
        noise = bool(loaded.spec.uncertainty.demand)
        print(summary.sensitivity_text(table, market, args.reps, noise))
    print(f"results: {folder}/")
    return 0


def _draw_report(args: Namespace, folder: Path) -> None:
    """Charts and the report page for a results folder just written (unless --no-report)."""
    if not args.report:
        return
    from sim.output.report import write_report

    if not args.quiet:
        print("\ndrawing charts and the report page (--no-report skips this) ...", flush=True)
    html, _ = write_report(folder)
    _written.report = True
    if not args.quiet:
        print(f"report: {html}")


def _report(args: Namespace, command: list[str]) -> int:
    """Draw the charts of each results folder (charts/*.png, *.svg) and write report.html
    (self-contained) and report.md into it. A folder without provenance.json is skipped with a
    note; the exit status is 2 when none was a results folder."""
    from sim.output import report

    return report.main([str(f) for f in args.folders], compare=args.compare, root=args.out)


def _validate(args: Namespace, command: list[str]) -> int:
    """Check a scenario file (fields, references, consistency) without running it."""
    from sim.scenario import loader as scenario

    loaded = scenario.load(args.file)
    net = loaded.network
    print(
        f"{args.file}: valid: {len(net.nodes)} nodes, {len(net.links)} links, "
        f"{len(loaded.shocks)} shocks, {loaded.spec.horizon_days} days"
    )
    return 0


def _schema(args: Namespace, command: list[str]) -> int:
    """Print the scenario file schema (JSON Schema), or the field reference as Markdown."""
    from sim.scenario import docs
    from sim.scenario.loader import NetworkFile, ScenarioSpec

    if args.markdown:
        print(docs.markdown(), end="")
        return 0
    model = NetworkFile if args.network else ScenarioSpec
    print(json.dumps(model.model_json_schema(by_alias=True), indent=2))
    return 0


@dataclass(frozen=True)
class Subcommand:
    """A subcommand: its one-line help, the shared options it takes, its own options and its
    function, whose docstring is the subcommand's --help description."""

    summary: str
    shared: tuple[str, ...]
    """Names of options in `_shared_options`."""
    options: Callable[[ArgumentParser], None] | None
    """Adds the subcommand's own options."""
    run: Command


WRITES = ("file", "--out", "--format", "--quiet", "--no-report")
"""The shared options of every subcommand that runs a scenario and writes a results folder."""
SUBCOMMANDS = {
    "run": Subcommand(
        "run a scenario (or compare its policies) and write its results",
        (*WRITES, "--horizon-days", "--reps", "--seed", "--workers"),
        _run_options,
        _run,
    ),
    "compare": Subcommand(
        "compare the scenario's policies with its baseline",
        (*WRITES, "--horizon-days", "--reps", "--seed", "--workers"),
        _compare_options,
        _compare,
    ),
    "stress": Subcommand(
        "cut every node, producing country and chokepoint in turn and rank them",
        WRITES,
        _stress_options,
        _stress,
    ),
    "sensitivity": Subcommand(
        "rank the scenario's uncertain inputs by their effect on shortfall",
        (*WRITES, "--seed", "--workers"),
        studies.sensitivity_options,
        studies.sensitivity,
    ),
    "optimise": Subcommand(*studies.OPTIMISE),
    "report": Subcommand(
        "rebuild the charts and report pages of results folders", (), _report_options, _report
    ),
    "validate": Subcommand("check a scenario file without running it", ("file",), None, _validate),
    "schema": Subcommand(
        "print the scenario file schema (JSON Schema)", (), _schema_options, _schema
    ),
}
