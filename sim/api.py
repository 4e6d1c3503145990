"""The Python API, for notebooks and scripts: `import sim`, then

    scenario = sim.load("scenarios/baseline.yaml", horizon_days=180)
    single = sim.run(scenario)                     # one replication
    many = sim.run_ensemble(scenario, reps=50)     # a Monte Carlo ensemble
    policies = sim.compare("scenarios/cn_ree_controls_2025.yaml", reps=20)
    many.summary                                   # tidy pandas DataFrames, as the CLI writes
    many.chart("fill_rate_overview")               # a matplotlib Figure

Each run writes its results folder exactly as the command line does (`out/<name>/`, default
`results/`; `table_format="parquet"` writes the tables as Parquet, which needs the `[parquet]`
extra) and returns a `Results` read back from it, so a notebook and `python -m sim` see the
same tables: `.metrics`, `.markets`, `.summary`, `.bands`, `.comparison`, `.ranking` ... (a table
the folder lacks is None; `tables` lists those present; `sim.output.folder` describes them, with
their units: tonnes of contained mineral, days, product units, USD). `sim.open_results(folder)`
reads a folder written earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.output import folder as results_folder
from sim.output.store import TableFormat

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.scenario.loader import Scenario

DEFAULT_OUT = Path("results")
"""Where results folders go unless `out=` says otherwise (as the command line's `--out`)."""


@dataclass
class Results(results_folder.Results):
    """A results folder read back: its tables by name as attributes (`results.summary`),
    charts drawn from them (`chart`), and its report page (`report`)."""

    def __getattr__(self, name: str) -> pd.DataFrame | None:
        if name in results_folder.CSV_FILES:
            return self.frames.get(name)
        raise AttributeError(f"{type(self).__name__} has no attribute or table '{name}'")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *results_folder.CSV_FILES})

    @property
    def tables(self) -> list[str]:
        """The names of the tables this folder holds ('metrics', 'summary' ...)."""
        return list(self.frames)

    def for_policy(self, policy: str) -> Results:
        """One run of a policy comparison ('baseline' or a policy's name) as an ensemble."""
        part = super().for_policy(policy)
        return Results(part.folder, part.provenance, part.scenario, part.frames)

    def charts(self) -> list[str]:
        """The names of the charts these results may have (`chart` draws one)."""
        from sim.output import charts

        return charts.names(self)

    def chart(self, name: str, subject: str | tuple[str, ...] | None = None) -> Figure:
        """The chart `name` (as in `charts()`, e.g. 'fill_rate_overview', 'supply_demand_in_ev',
        or a family such as 'supply_demand' with `subject` the market) as a matplotlib Figure;
        nothing is written. KeyError lists the charts there are."""
        from sim.output import charts

        return charts.draw(self, name, subject)

    def report(self) -> Path:
        """Draw every chart into `folder/charts/` and write report.html and report.md beside
        them (as `python -m sim report FOLDER`); return the HTML page's path."""
        from sim.output.report import write_report

        return write_report(self.folder)[0]


def open_results(folder: str | Path) -> Results:
    """Read a results folder written by `sim.run`, `sim.compare` or the command line."""
    read = results_folder.load(folder)
    return Results(read.folder, read.provenance, read.scenario, read.frames)


def load(
    path: str | Path, *, horizon_days: int | None = None, seed: int | None = None, **fields: Any
) -> Scenario:
    """Read, validate and resolve a scenario file (raises `sim.scenario.errors.ScenarioError`
    listing every problem with its file, line and field).

    `horizon_days` (days) and `seed` override the file's, as `--horizon-days` and `--seed` do;
    any other top-level field of the scenario format may be overridden by name
    (`replications=200`, `start="2026-01-01"`), validated as if the file said it."""
    from sim.scenario import loader

    return loader.load(path, horizon_days=horizon_days, seed=seed, fields=fields or None)


def _scenario(scenario: Scenario | str | Path) -> Scenario:
    return load(scenario) if isinstance(scenario, str | Path) else scenario


def _command(call: str, scenario: Scenario, **options: Any) -> list[str]:
    """What provenance.json records as the command: the API call and its options."""
    given = ", ".join(f"{k}={v!r}" for k, v in options.items() if v is not None)
    source = str(scenario.path) if scenario.path else scenario.spec.name
    return [f"sim.{call}({source!r}{', ' + given if given else ''})"]


def run(
    scenario: Scenario | str | Path,
    *,
    reps: int | None = None,
    out: str | Path = DEFAULT_OUT,
    workers: int | None = None,
    check_balance: bool = True,
    progress: bool = True,
    table_format: TableFormat = "csv",
) -> Results:
    """Run the scenario as written (its `policies:` are not applied: `compare` does that) and
    write `out/<name>/`. One replication (`reps`, default the scenario's `replications`) is a
    single run with its flows, shipments and events; more are an ensemble (`run_ensemble`).
    A mass-balance failure raises `sim.analysis.balance.MassBalanceError` before anything is
    written (`check_balance=False` skips the check)."""
    loaded = _scenario(scenario)
    count = reps or loaded.spec.replications
    if count > 1:
        return run_ensemble(
            loaded,
            reps=count,
            out=out,
            workers=workers,
            check_balance=check_balance,
            progress=progress,
            table_format=table_format,
        )
    from sim.analysis import balance
    from sim.analysis import frames as tables
    from sim.engine import simulate as engine
    from sim.output import writers

    result = engine.run(loaded)
    if check_balance:
        balance.check(tables.balance(result))
    command = _command("run", loaded)
    written = writers.write_results(result, Path(out), command, None, table_format)
    return open_results(written)


def run_ensemble(
    scenario: Scenario | str | Path,
    *,
    reps: int,
    out: str | Path = DEFAULT_OUT,
    workers: int | None = None,
    batch_size: int | None = None,
    traces: bool = False,
    check_balance: bool = True,
    progress: bool = True,
    table_format: TableFormat = "csv",
) -> Results:
    """Run `reps` replications of the scenario as written (common random numbers: replication
    i always draws the same inputs) on `workers` local processes (default: all cores) and write
    `out/<name>/`: per-replication metrics, their summary (mean, P5/P50/P95, P(shortfall),
    CVaR95) and bands over time. `traces` also keeps every replication's time series."""
    from sim.analysis import ensemble as montecarlo
    from sim.output import writers

    loaded = _scenario(scenario)
    options = montecarlo.Options(traces=traces, check_balance=check_balance)
    ensemble = montecarlo.run_ensemble(
        loaded,
        reps,
        workers=workers,
        batch_size=batch_size,
        options=options,
        progress=progress,
    )
    command = _command("run_ensemble", loaded, reps=reps)
    return open_results(writers.write_ensemble(ensemble, Path(out), command, None, table_format))


def compare(
    scenario: Scenario | str | Path,
    *,
    reps: int | None = None,
    criterion: str = "cost_per_t_avoided",
    out: str | Path = DEFAULT_OUT,
    workers: int | None = None,
    check_balance: bool = True,
    progress: bool = True,
    table_format: TableFormat = "csv",
) -> Results:
    """Run the baseline and every policy of the scenario's `policies:` on the same
    replications (`reps`, default the scenario's) and write `out/<name>/`: the paired
    differences (`comparison`, with 95% confidence intervals) and the `ranking` by `criterion`
    ('cost_per_t_avoided', USD per t of shortfall avoided; 'shortfall_avoided_t'; 'cost_usd').
    Raises ValueError when the scenario lists no policies."""
    from sim.analysis import compare as policies
    from sim.analysis import ensemble as montecarlo
    from sim.engine import simulate as engine
    from sim.output import writers

    loaded = _scenario(scenario)
    if not loaded.spec.policies:
        where = loaded.path or loaded.spec.name
        raise ValueError(f"{where} declares no `policies:` to compare")
    count = reps or loaded.spec.replications
    result = policies.compare_policies(
        loaded,
        count,
        criterion=criterion,
        workers=workers,
        options=montecarlo.Options(check_balance=check_balance),
        progress=progress,
    )
    single = engine.run(loaded) if count == 1 else None  # the baseline's flows, as the CLI
    command = _command("compare", loaded, reps=count, criterion=criterion)
    written = writers.write_comparison(result, Path(out), command, single, None, table_format)
    return open_results(written)
