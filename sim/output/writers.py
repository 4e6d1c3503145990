"""Serialising results into the results folder: runs, ensembles, policy comparisons, stress
tests and sensitivity tables become the files that `sim.output.folder` describes.

Each `write_*` function maps file names to small writer functions and hands them to
`sim.output.store.write_atomically`, so a folder appears complete or not at all. This is the
output module that knows the engine's and the analysis's types; the charts and the report read
the files back through `sim.output.folder` instead.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import simpy
import yaml

from sim import __version__
from sim.analysis import coverage, world
from sim.analysis import frames as R
from sim.analysis import origin as embodied
from sim.analysis import prices as price_paths
from sim.analysis.compare import Comparison
from sim.analysis.drivers import shortfall_drivers
from sim.analysis.ensemble import Ensemble
from sim.analysis.prices_on_off import OnOff
from sim.engine.simulate import RunResult
from sim.output.folder import BASELINE
from sim.output.folder import COMPARISON_FILES as COMPARISON_FILES
from sim.output.folder import ENSEMBLE_FILES as ENSEMBLE_FILES
from sim.output.folder import FILES as FILES
from sim.output.folder import ONE_REPLICATION_COMPARISON_FILES as ONE_REPLICATION_COMPARISON_FILES
from sim.output.folder import STRESS_FILES as STRESS_FILES
from sim.output.store import Table, TableFormat, write_atomically
from sim.scenario.loader import Scenario

if TYPE_CHECKING:
    from sim.analysis.optimise import Optimisation

Writers = dict[str, Callable[[Path], object]]
"""File name -> the function that writes it to the path it is given."""


def resolved_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as run: its fields plus every node and link of the network it resolved to."""
    doc = scenario.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    net = scenario.network
    doc["network"] = {
        "nodes": [
            n.model_dump(mode="json", by_alias=True, exclude_none=True) for n in net.nodes.values()
        ],
        "links": [
            {
                "from": k.supplier,
                "to": k.buyer,
                "mineral": k.mineral,
                "stage": k.stage,
                "share": k.share,
                "transit_days": k.transit_days,
                "chokepoints": list(k.chokepoints),
            }
            for k in net.links
        ],
        "resolved_from": scenario.spec.network.base,
    }
    return doc


def provenance(
    scenario: Scenario, wall_seconds: float, argv: list[str] | None, **run: Any
) -> dict[str, Any]:
    """What reproduces a result: input file and hash, seed, versions, command, wall time;
    `run` adds what is particular to the run (replications, executor ...)."""
    return {
        "scenario": scenario.spec.name,
        "scenario_file": str(scenario.path) if scenario.path else None,
        "input_sha256": scenario.input_sha256,
        "seed": scenario.spec.seed,
        "horizon_days": scenario.spec.horizon_days,
        "step_days": scenario.spec.step_days,
        **run,
        "wall_seconds": round(wall_seconds, 4),
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "package_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "simpy": simpy.__version__,
        "command": argv if argv is not None else sys.argv,
    }


def exact_fields(ensemble: Ensemble) -> dict[str, Any]:
    """Provenance of an ensemble that ran one replication for all it was asked (no random
    inputs): `replications_requested`; nothing otherwise."""
    return {"replications_requested": ensemble.requested} if ensemble.exact else {}


def drivers_of(result: RunResult) -> pd.DataFrame:
    """What drives each short market's first-shortfall date in a run (`analysis.drivers`)."""
    return shortfall_drivers(result, R.market_summary(result))


def described(scenario: Scenario, info: dict[str, Any]) -> Writers:
    """The two files every results folder has: the scenario as run (resolved) and its
    provenance (`info`)."""
    return {
        "scenario.resolved.yaml": lambda p: p.write_text(
            yaml.safe_dump(resolved_document(scenario), sort_keys=False, allow_unicode=True)
        ),
        "provenance.json": lambda p: p.write_text(json.dumps(info, indent=2)),
    }


def coverage_writers(run: RunResult | None, policy: str | None = None) -> Writers:
    """coverage.csv from a run kept in full (`sim.analysis.coverage`), with a `policy` column
    when given; nothing when there is no run or no shock aims at a country."""
    frame = None if run is None else coverage.coverage_frame(run)
    if frame is None:
        return {}
    if policy is not None:
        frame = frame.assign(policy=policy)
    return {"coverage.csv": _csv(frame)}


def write_results(
    result: RunResult,
    root: Path,
    argv: list[str] | None = None,
    extra: Writers | None = None,
    table_format: TableFormat = "csv",
) -> Path:
    """Write every result file of a run to `root/<name>/`, atomically; return that folder.
    `extra` adds files (name -> writer); `table_format` 'parquet' writes the tables as
    .parquet instead of .csv (`sim.output.store.Table`)."""
    target = root / result.scenario.spec.results_name
    info = provenance(
        result.scenario,
        result.wall_seconds,
        argv,
        replications=result.state.reps,
        periods=result.n_periods,
    )
    writers: dict[str, Callable[[Path], object]] = {
        **described(result.scenario, info),
        "markets.csv": Table(lambda: R.market_summary(result)),
        "flows.csv": Table(lambda: R.flows(result)),
        "shipments.csv": Table(lambda: R.shipments(result)),
        "balance.csv": Table(lambda: R.balance(result)),
        "events.csv": Table(lambda: R.events(result)),
        "metrics.csv": Table(lambda: R.run_metrics(result).tidy()),
        "drivers.csv": Table(lambda: drivers_of(result)),
        **coverage_writers(result),
    }
    if result.scenario.spec.outputs.timeseries:
        writers["timeseries.csv"] = Table(lambda: R.timeseries(result))
    online = world.online_matrix(result.scenario, result.reps)
    sums = embodied.batch_sums(result)
    writers.update(
        _world_writers(
            result.scenario,
            price_paths.price_frame(result),
            world.project_table(result.scenario, online),
            embodied.origin_frame(result.scenario, sums),
            embodied.flows_frame(result.scenario, sums),
        )
    )
    writers.update(extra or {})
    return write_atomically(target, writers, table_format)


def _world_writers(
    scenario: Scenario,
    prices: pd.DataFrame | None,
    projects: pd.DataFrame | None,
    origin: pd.DataFrame | None = None,
    origin_flows: pd.DataFrame | None = None,
) -> dict[str, Callable[[Path], object]]:
    """prices.csv, paths.csv, projects.csv, origin.csv and origin_flows.csv, each only when
    the scenario has what it shows (priced minerals, paths, announced projects, origin)."""
    writers: dict[str, Callable[[Path], object]] = {}
    paths = world.path_table(scenario)
    tables = (
        ("prices", prices),
        ("paths", paths),
        ("projects", projects),
        ("origin", origin),
        ("origin_flows", origin_flows),
    )
    for name, frame in tables:
        if frame is not None:
            writers[f"{name}.csv"] = _csv(frame)
    return writers


def _by_policy(runs: dict[str, Ensemble], part: str) -> pd.DataFrame | None:
    """One table of every run's `part` with a `policy` column (None when no run has one)."""
    frames = [
        getattr(e, part).assign(policy=n) for n, e in runs.items() if getattr(e, part) is not None
    ]
    return pd.concat(frames, ignore_index=True) if frames else None


def _csv(frame: pd.DataFrame) -> Callable[[Path], object]:
    return Table(lambda: frame)


def write_ensemble(
    ensemble: Ensemble,
    root: Path,
    argv: list[str] | None = None,
    extra: Writers | None = None,
    table_format: TableFormat = "csv",
) -> Path:
    """Write an ensemble's tables to `root/<name>/`, atomically; return that folder. `extra`
    adds files (name -> writer); `table_format` as for `write_results`."""
    scenario = ensemble.scenario
    info = provenance(
        scenario,
        ensemble.wall_seconds,
        argv,
        replications=ensemble.reps,
        **exact_fields(ensemble),
        executor=ensemble.executor,
        workers=ensemble.workers,
        batch_size=ensemble.batch_size,
    )
    writers: dict[str, Callable[[Path], object]] = {
        **described(scenario, info),
        "metrics.csv": Table(lambda: ensemble.runs),
        "summary.csv": Table(lambda: ensemble.summary),
        "bands.csv": Table(lambda: ensemble.bands),
        "balance.csv": Table(lambda: ensemble.balance),
    }
    if ensemble.traces is not None:
        writers["timeseries.csv"] = _csv(ensemble.traces)
    writers.update(
        _world_writers(
            scenario,
            ensemble.prices,
            ensemble.projects,
            ensemble.origin,
            ensemble.origin_flows,
        )
    )
    writers.update(extra or {})
    return write_atomically(root / scenario.spec.results_name, writers, table_format)


def write_comparison(
    comparison: Comparison,
    root: Path,
    argv: list[str] | None = None,
    baseline_run: RunResult | None = None,
    extra: Writers | None = None,
    table_format: TableFormat = "csv",
) -> Path:
    """Write a policy comparison to `root/<name>/`, atomically; return that folder.

    `baseline_run`, a single run of the baseline, adds its flows per link and per review (for
    the network and sourcing charts) when the comparison has one replication; `extra` adds
    files (name -> writer); `table_format` as for `write_results`."""
    runs = {"baseline": comparison.baseline, **comparison.policies}
    base = comparison.baseline
    scenario = base.scenario

    def stacked(part: str) -> pd.DataFrame:
        return pd.concat(
            [getattr(e, part).assign(policy=name) for name, e in runs.items()], ignore_index=True
        )

    info = provenance(
        scenario,
        sum(e.wall_seconds for e in runs.values()),
        argv,
        replications=base.reps,
        **exact_fields(base),
        executor=base.executor,
        workers=base.workers,
        batch_size=base.batch_size,
        policies=list(comparison.policies),
    )
    writers: dict[str, Callable[[Path], object]] = {
        **described(scenario, info),
        "metrics.csv": Table(lambda: stacked("runs")),
        "summary.csv": Table(lambda: stacked("summary")),
        "bands.csv": Table(lambda: stacked("bands")),
        "balance.csv": Table(lambda: stacked("balance")),
        "comparison.csv": Table(lambda: comparison.table),
        "ranking.csv": Table(lambda: comparison.ranking),
    }
    prices = [e.prices.assign(policy=name) for name, e in runs.items() if e.prices is not None]
    projects = []  # every project under the baseline; under a policy, those it changes
    for name, e in runs.items():
        if e.projects is not None:
            changed = e.projects if name == BASELINE else e.projects[e.projects["change"] != ""]
            projects.append(changed.assign(policy=name))
    writers.update(
        _world_writers(
            scenario,
            pd.concat(prices, ignore_index=True) if prices else None,
            pd.concat(projects, ignore_index=True) if projects else None,
            _by_policy(runs, "origin"),
            _by_policy(runs, "origin_flows"),
        )
    )
    if baseline_run is not None:
        writers["flows.csv"] = Table(lambda: R.flows(baseline_run))
        writers["shipments.csv"] = Table(lambda: R.shipments(baseline_run))
        writers["drivers.csv"] = Table(lambda: drivers_of(baseline_run).assign(policy=BASELINE))
        writers.update(coverage_writers(baseline_run, BASELINE))
    writers.update(extra or {})
    return write_atomically(root / scenario.spec.results_name, writers, table_format)


def write_stress(
    table: pd.DataFrame,
    scenario: Scenario,
    root: Path,
    argv: list[str] | None = None,
    table_format: TableFormat = "csv",
) -> Path:
    """Write a stress-test ranking to `root/<name>-stress/`, atomically (`table_format` as for
    `write_results`)."""
    info = provenance(scenario, 0.0, argv, targets=len(table))
    writers: dict[str, Callable[[Path], object]] = {
        "stress.csv": Table(lambda: table),
        **described(scenario, info),
    }
    return write_atomically(root / f"{scenario.spec.results_name}-stress", writers, table_format)


def write_sensitivity(
    table: pd.DataFrame,
    scenario: Scenario,
    root: Path,
    argv: list[str] | None = None,
    table_format: TableFormat = "csv",
) -> Path:
    """Write a one-at-a-time sensitivity table to `root/<name>-sensitivity/`, atomically
    (`table_format` as for `write_results`)."""
    info = provenance(
        scenario,
        0.0,
        argv,
        replications=int(table["replications"].iloc[0]) if len(table) else 0,
        inputs=len(table),
    )
    writers: dict[str, Callable[[Path], object]] = {
        "sensitivity.csv": Table(lambda: table),
        **described(scenario, info),
    }
    target = root / f"{scenario.spec.results_name}-sensitivity"
    return write_atomically(target, writers, table_format)


def write_global_sensitivity(
    table: pd.DataFrame, scenario: Scenario, root: Path, argv: list[str] | None = None
) -> Path:
    """Write global sensitivity indices (Morris or Sobol) to
    `root/<name>-sensitivity-<method>/`, atomically."""
    method = str(table["method"].iloc[0])
    info = provenance(
        scenario,
        0.0,
        argv,
        replications=int(table["replications"].iloc[0]),
        inputs=int(table["input"].nunique()),
        method=method,
        evaluations=int(table["evaluations"].iloc[0]),
    )
    writers: dict[str, Callable[[Path], object]] = {
        "sensitivity_indices.csv": lambda p: table.to_csv(p, index=False),
        **described(scenario, info),
    }
    return write_atomically(root / f"{scenario.spec.results_name}-sensitivity-{method}", writers)


def write_optimisation(
    found: Optimisation, scenario: Scenario, root: Path, argv: list[str] | None = None
) -> Path:
    """Write a portfolio search (`sim.analysis.optimise`) to `root/<name>-optimise/`,
    atomically: trials.csv, frontier.csv, best_portfolio.csv, optimise_policies.csv."""
    info = provenance(
        scenario,
        found.wall_seconds,
        argv,
        replications=found.reps,
        budget_usd=found.budget_usd,
        risk=found.risk,
        trials=len(found.trials),
        trials_per_second=round(found.trials_per_second, 3),
    )
    writers: dict[str, Callable[[Path], object]] = {
        "trials.csv": lambda p: found.trials.to_csv(p, index=False),
        "frontier.csv": lambda p: found.frontier.to_csv(p, index=False),
        "best_portfolio.csv": lambda p: found.best.to_csv(p, index=False),
        "optimise_policies.csv": lambda p: found.policies.to_csv(p, index=False),
        **described(scenario, info),
    }
    return write_atomically(root / f"{scenario.spec.results_name}-optimise", writers)


def write_on_off(
    result: OnOff, root: Path, argv: list[str] | None = None, table_format: TableFormat = "csv"
) -> Path:
    """Write a prices on vs off run to `root/<name>/`, atomically: the results of the scenario
    as written (prices on: a run, an ensemble or a policy comparison) plus prices_on_off.csv."""
    extra: Writers = {"prices_on_off.csv": Table(lambda: result.table)}
    on = result.on
    if isinstance(on, Comparison):
        return write_comparison(on, root, argv, result.baseline_run, extra, table_format)
    if isinstance(on, Ensemble):
        return write_ensemble(on, root, argv, extra, table_format)
    return write_results(on, root, argv, extra, table_format)
