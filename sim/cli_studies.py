"""The command line's studies beyond one run: `sensitivity` (one at a time, Morris or Sobol)
and, below, `optimise`. Each function `(args, command) -> exit status` is a subcommand of
`sim.cli`, whose docstring is its --help description; the results folder it writes and the
report it draws go through `sim.cli`'s record of what was written (imported when called, so that
the command line starts as fast as before)."""

from __future__ import annotations

import argparse
import math
import sys
from argparse import ArgumentParser, Namespace

from sim.cli_options import REPLICATIONS, SAMPLES, TRIALS
from sim.vocabulary import GLOBAL_NOISE_NOTE, RISK_MEASURES


def sensitivity_options(sensitivity: ArgumentParser) -> None:
    # Not the shared --reps: here it counts replications per variant, with its own default.
    sensitivity.add_argument(
        "--reps",
        type=REPLICATIONS,
        default=20,
        help="replications per variant or sample point (default 20)",
    )
    sensitivity.add_argument(
        "--market", help="market to measure (default: the one shortest as declared)"
    )
    sensitivity.add_argument(
        "--method",
        choices=("oat", "morris", "sobol"),
        default="oat",
        help="oat: one at a time, 5th vs 95th percentile (tornado; default); morris: "
        "elementary effects, N (k + 1) evaluations; sobol: Sobol indices, N (k + 2) evaluations",
    )
    sensitivity.add_argument(
        "--samples",
        type=SAMPLES,
        help="base sample size N of morris or sobol (default 10 for morris, 64 for sobol)",
    )


def sensitivity(args: Namespace, command: list[str]) -> int:
    """Sensitivity of the mean cumulative shortfall to the scenario's declared distributions, on
    the same replications throughout. --method oat (default): each distribution is fixed at its
    5th and 95th percentile in turn and the swings are ranked (tornado). --method morris|sobol:
    global indices with SALib (Morris elementary effects, Sobol first-order and total indices)
    with 95% confidence intervals, one ensemble per sample point."""
    from sim import cli
    from sim.analysis import sensitivity_global
    from sim.output import writers
    from sim.scenario import loader as scenario

    if args.method == "oat":
        return cli._sensitivity(args, command)
    loaded = scenario.load(args.file, seed=args.seed)
    if args.market is not None and args.market not in loaded.network.nodes:
        print(f"error: --market {args.market}: no such market in {args.file}", file=sys.stderr)
        return cli.EXIT_INPUT
    samples = args.samples or sensitivity_global.DEFAULT_SAMPLES[args.method]
    k = sensitivity_global.factor_count(loaded.spec)
    cost = sensitivity_global.evaluations(args.method, samples, k)
    if not args.quiet:
        print(
            f"{args.method}: {k} inputs, N = {samples}: {cost:,} evaluations of {args.reps} "
            f"replications each ({cost * args.reps:,} replications)",
            flush=True,
        )
    from sim.analysis import progress

    bar = progress.bar(cost, "sample points", "point", not args.quiet)
    try:
        table, market = sensitivity_global.run(
            loaded,
            args.method,
            samples,
            args.reps,
            args.market,
            progress=lambda done, _: bar.update(done - bar.n),
        )
    except ValueError as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return cli.EXIT_INPUT
    finally:
        bar.close()
    folder = cli._written.folder(writers.write_global_sensitivity(table, loaded, args.out, command))
    cli._draw_report(args, folder)
    if not args.quiet:
        heading = f"{args.method} indices of {market}'s mean cumulative shortfall"
        print(f"{heading} (conf: half-width of the 95% interval):")
        columns = ["input", "index", "value", "conf"]
        print(table[columns].to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
        if loaded.spec.uncertainty.demand:
            print(f"\nnote: {GLOBAL_NOISE_NOTE}")
    print(f"results: {folder}/")
    return 0


def usd(text: str) -> float:
    """An argparse `type`: an amount of money in USD, finite and at least 0."""
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an amount of USD, got '{text}'") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite amount of USD >= 0, got {text}")
    return value


def optimise_options(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--budget", type=usd, required=True, metavar="USD", help="budget, USD present value"
    )
    parser.add_argument(
        "--risk",
        choices=RISK_MEASURES,
        default=RISK_MEASURES[0],
        help="risk of total cumulative shortfall (t) to minimise: cvar95 (mean of the worst "
        "5%% of replications; default), mean, or p_shortfall (share with any shortfall)",
    )
    parser.add_argument("--trials", type=TRIALS, default=50, help="portfolios to try (default 50)")
    parser.add_argument(
        "--reps",
        type=REPLICATIONS,
        default=20,
        help="replications per portfolio, the same for every one (default 20)",
    )


def optimise(args: Namespace, command: list[str]) -> int:
    """Search the lever parameters of the scenario's `search:` block (Optuna, multi-objective
    TPE, seeded) for the frontier of policy cost against shortfall risk, every portfolio on the
    same replications; the best portfolio within --budget is run again against the baseline on
    fresh replications (paired difference with a 95%% interval). Writes
    results/<name>-optimise/ (trials.csv, frontier.csv, best_portfolio.csv,
    optimise_policies.csv) and a report page with the frontier chart."""
    from sim import cli
    from sim.analysis import optimise as search
    from sim.output import writers
    from sim.scenario import loader as scenario

    loaded = scenario.load(args.file, seed=args.seed)
    if not loaded.spec.search:
        print(f"error: {args.file}: no `search:` block: nothing to optimise", file=sys.stderr)
        return cli.EXIT_INPUT
    if not args.quiet:
        print(
            f"optimise: {args.trials} trials x {args.reps} replications (+ baseline, "
            f"{len(loaded.spec.policies)} hand-written policies and a fresh re-run of the best); "
            f"budget {args.budget:,.0f} USD, risk {args.risk}",
            flush=True,
        )
    from sim.analysis import progress

    bar = progress.bar(args.trials, "trials", "trial", not args.quiet)
    try:
        found = search.optimise(
            loaded,
            args.budget,
            risk=args.risk,
            trials=args.trials,
            reps=args.reps,
            progress=lambda done, _: bar.update(done - bar.n),
        )
    finally:
        bar.close()
    folder = cli._written.folder(writers.write_optimisation(found, loaded, args.out, command))
    cli._draw_report(args, folder)
    if not args.quiet:
        print(search.summary_text(found))
    print(f"results: {folder}/")
    return 0


OPTIMISE = (
    "search the `search:` levers for the best portfolio within a budget",
    ("file", "--out", "--quiet", "--no-report", "--seed"),
    optimise_options,
    optimise,
)
"""The `optimise` subcommand's summary, shared options, own options and function."""
