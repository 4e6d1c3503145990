"""Replications in batches, on local processes or a Dask cluster, with a progress bar.

Replication i always draws from its own seeded streams (`randomness.py`) and the engine never
mixes replications, so results depend neither on the batch size, nor on the number of workers,
nor on the executor. Each batch returns only its per-run metrics, its share of the time-series
and price bands (`sim.analysis.prices`), each project's first-production day per replication
(`sim.analysis.world`) and its worst mass-balance residual, so the memory of the workers grows
with the batches in flight; the main process keeps every replication's metrics and project
dates (full traces only when asked for). Before any replication runs, the memory and output
are estimated (`footprint.py`) and an ensemble beyond the budget is refused; running out of
memory anyway is reported as such (`sim.faults.OutOfMemory`), never as bad input.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import os
import time
from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis import balance, executors, footprint, metrics
from sim.analysis import origin as embodied
from sim.analysis import prices as price_paths
from sim.analysis import progress as progress_bar
from sim.analysis import world as world_tables
from sim.analysis.costs import PairedShipments
from sim.engine import simulate as engine
from sim.faults import OutOfMemory
from sim.scenario import exactness
from sim.scenario.chunks import CHUNK_REVIEWS, GENERATOR_BYTES
from sim.scenario.loader import Scenario
from sim.scenario.network import MarketSpec
from sim.vocabulary import BAND_VARIABLES, BANDS_COLUMNS, COMPONENT, COVER_DAYS


@dataclass(frozen=True)
class Options:
    """How an ensemble runs and what it keeps."""

    band_buckets: int = 260
    """Time-series bands: at most this many time buckets."""
    band_reps: int = 2000
    """Bands are computed over the first `band_reps` replications (bounded memory)."""
    traces: bool = False
    """Keep every replication's full time series (memory grows with replications)."""
    check_balance: bool = True
    keep_shipped: tuple[int, ...] = ()
    """Links whose t shipped per replication the ensemble keeps (`Ensemble.shipped`): a policy
    comparison's baseline keeps those its levers charge premiums against."""
    paired: PairedShipments | None = None
    """For a policy variant: the shipments of the baseline runs of the same replications, that
    its premiums are charged against (`sim.analysis.costs`)."""
    once_if_exact: bool = True
    """Run one replication when the scenario has no random inputs (`sim.scenario.exactness`):
    all would give the same numbers. A policy comparison turns it off when any of its variants
    is random, so that every variant runs the same replications."""


@dataclass
class BatchOutput:
    """What one batch sends back: small and picklable."""

    reps: range
    metrics: metrics.MetricTable
    bands: np.ndarray | None
    """(buckets, markets x BAND_VARIABLES, kept reps) float32, or None."""
    worst_residual: dict[str, float]
    wall_seconds: float
    traces: pd.DataFrame | None = None
    shipped: np.ndarray | None = None
    """t shipped on the links of `Options.keep_shipped`, shape (links, batch reps)."""
    prices: np.ndarray | None = None
    """(periods, priced minerals x sides, kept reps) float32 USD/t, or None."""
    online: np.ndarray | None = None
    """(projects, reps): each project's first-production day, inf where never built."""
    origin: embodied.OriginSums | None = None
    """Embodied origin summed over the batch (None: the run does not track origin)."""


@dataclass
class Ensemble:
    """The outcome of all replications."""

    scenario: Scenario
    reps: int
    runs: pd.DataFrame
    summary: pd.DataFrame
    bands: pd.DataFrame
    balance: pd.DataFrame
    wall_seconds: float
    executor: str
    workers: int
    batch_size: int
    traces: pd.DataFrame | None = None
    shipped: PairedShipments | None = None
    """t shipped per replication on the links of `Options.keep_shipped` (None if none)."""
    prices: pd.DataFrame | None = None
    """Per review, mineral and side: mean and P5/P50/P95 of the price (None: no prices)."""
    projects: pd.DataFrame | None = None
    """Per announced project: share built, P5/P50/P95 online dates (None: no projects)."""
    origin: pd.DataFrame | None = None
    """origin.csv: origin shares per bucket and market (None: origin not tracked)."""
    origin_flows: pd.DataFrame | None = None
    """origin_flows.csv: origin per link, re-exports, licensing (None: origin not tracked)."""
    requested: int = 0
    """Replications asked for; more than `reps` when the scenario has no random inputs and one
    replication stood for all (`exact`). 0: as many as were run."""

    @property
    def exact(self) -> bool:
        """Whether one replication was run instead of `requested` (no random inputs)."""
        return self.requested > self.reps


def bucket_edges(periods: int, buckets: int) -> np.ndarray:
    """First review of each time bucket (equal-width buckets of whole reviews)."""
    count = min(periods, buckets)
    return np.unique((np.arange(count) * periods) // count)


def _bands(result: engine.RunResult, options: Options) -> np.ndarray | None:
    keep = [i for i, rep in enumerate(result.reps) if rep < options.band_reps]
    if not keep:
        return None
    rec = result.recorder
    track = rec.tracker
    assert track is not None
    out = []
    for i, market in enumerate(result.scenario.network.of_kind("market")):
        assert isinstance(market, MarketSpec)
        out += [track.bands[:, v, i][:, keep] for v in range(len(BAND_VARIABLES) - 1)]
        covers = [(market.name, m, COMPONENT, COVER_DAYS) for m in market.intensity_kg_per_unit]
        if rec.full:
            cover = np.min([rec.per_review(k) for k in covers], axis=0)
            edges = bucket_edges(result.n_periods, options.band_buckets)
            out.append(np.minimum.reduceat(cover[:, keep], edges, axis=0))
        else:
            rows = [rec.min_index[k] for k in covers]
            out.append(rec.bucket_mins[:, rows, :].min(axis=1)[:, keep])
    return np.stack(out, axis=1).astype(np.float32)


COLLECT_BYTES = 32 * 2**20
"""`run_batch` runs the garbage collector after batches of at least this many bytes of arrays."""


def run_batch(scenario: Scenario, reps: range, options: Options) -> BatchOutput:
    """Run one batch of replications and reduce it to what the ensemble keeps."""
    started = time.perf_counter()
    result = engine.run(
        scenario,
        reps,
        full=options.traces,
        bucket_starts=bucket_edges(engine.n_periods(scenario), options.band_buckets),
    )
    table = balance.balance_table(result.state, result.initial_stock, reps)
    residuals = table.groupby("mineral")["relative_residual"]
    worst = {str(m): float(np.abs(r.to_numpy()).max()) for m, r in residuals}  # NaN stays NaN
    if options.check_balance:
        balance.check(table)
    from sim.analysis import frames as results

    traces = None
    if options.traces:
        # The recorder numbers a batch's replications from 0: use global ids, and order the
        # rows by replication (then period and series) so that the batches' frames concatenate
        # to the same table however the replications were batched.
        traces = results.timeseries(result)
        local = traces["rep"].to_numpy()
        traces["rep"] = np.asarray(reps)[local]
        traces = traces.iloc[np.argsort(local, kind="stable")].reset_index(drop=True)
    kept = options.keep_shipped
    output = BatchOutput(
        reps,
        metrics.compute(result, scenario.spec.metrics, options.paired),
        _bands(result, options),
        worst,
        time.perf_counter() - started,
        traces,
        result.recorder.shipped_totals()[list(kept)] if kept else None,
        price_paths.batch_prices(result, options.band_reps),
        world_tables.online_matrix(scenario, reps),
        embodied.batch_sums(result, options.band_reps),
    )
    # The run's SimPy processes and state form reference cycles that the cyclic collector
    # frees only every many batches: a worker grew to 530 MiB over 100 batches of 500
    # replications of the built-in network, and stays at 170 MiB when collected here. A
    # collection takes about 40 ms, so small batches skip it.
    del result, table
    if len(reps) * batch_bytes_per_rep(scenario) >= COLLECT_BYTES:
        gc.collect()
    return output


def plan_batches(
    reps: int, workers: int, scenario: Scenario, batch_size: int | None = None
) -> list[range]:
    """Split 0..reps-1 into consecutive batches of `default_batch_size` unless given."""
    if batch_size is None:
        batch_size = default_batch_size(reps, workers, scenario)
    return [range(start, min(start + batch_size, reps)) for start in range(0, reps, batch_size)]


def default_batch_size(reps: int, workers: int, scenario: Scenario) -> int:
    """One batch per worker (larger batches amortize the per-review cost best), at most 500
    replications, and at most about 400 MB of arrays per batch."""
    by_memory = max(1, (400 * 2**20) // batch_bytes_per_rep(scenario))
    return max(1, min(500, by_memory, math.ceil(reps / max(1, workers))))


def batch_bytes_per_rep(scenario: Scenario) -> int:
    """Estimated bytes one replication adds to a batch in an ensemble run: a chunk of
    per-review random draws and their generators (`sim.scenario.chunks`), the transit ring,
    the in-use rings of fixed product lifetimes shorter than the horizon and stocks; none of it
    grows with the horizon past the longest such lifetime."""
    network, spec = scenario.network, scenario.spec
    periods = engine.n_periods(scenario)
    markets = len(network.of_kind("market"))
    lifetimes = [
        max(1, round(m.lifetime_years * 365.0 / spec.step_days))
        for m in network.of_kind("market")
        if isinstance(m, MarketSpec) and not m.spread_lifetime
        for _ in m.intensity_kg_per_unit
    ]
    in_use = 8 * sum(lifetime for lifetime in lifetimes if lifetime < periods)
    random_links = sum(len(rule.links.select(network)) for rule in spec.uncertainty.transit)
    noisy = markets * bool(spec.uncertainty.demand)
    per_review = 6 * random_links + 8 * noisy
    streams = (random_links + noisy) * GENERATOR_BYTES
    ring = 8 * len(network.links) * min(periods, 64)
    bands = 8 * 4 * markets * 260
    return (
        min(periods, CHUNK_REVIEWS) * per_review
        + streams
        + ring
        + in_use
        + bands
        + 64 * len(network.nodes) * 8
    )


def run_ensemble(
    scenario: Scenario,
    reps: int,
    *,
    workers: int | None = None,
    batch_size: int | None = None,
    scheduler: str | None = None,
    options: Options | None = None,
    progress: bool = False,
    budget: footprint.Budget | None = None,
) -> Ensemble:
    """Run `reps` replications and summarize them.

    `scheduler`: None for local processes, "local" for a local Dask cluster, or a Dask scheduler
    address such as tcp://host:8786. `budget`: the limits to check the estimate against before
    anything runs (default: `footprint.budget()`, from SIM_MEMORY_LIMIT or 80% of the memory
    available). Raises `sim.faults.TooLarge` (refused before running), `OutOfMemory`,
    `SchedulerUnreachable` or `MissingExtra`.
    """
    started = time.perf_counter()
    options = options or Options()
    requested = reps
    if reps > 1 and options.once_if_exact and not exactness.random_inputs(scenario):
        reps = 1  # no random inputs: every replication would be this one
    workers = workers or os.cpu_count() or 1
    per_batch = batch_size or default_batch_size(reps, workers, scenario)
    parallel = workers > 1 and reps > per_batch
    if scheduler is None:
        executor = "local processes" if parallel else "in process"
    else:
        executor = f"dask ({scheduler})"
    need = footprint.estimate(
        scenario,
        reps,
        batch_size=per_batch,
        batch_bytes_per_rep=batch_bytes_per_rep(scenario),
        worker_processes=workers if executor == "local processes" or scheduler == "local" else 0,
        band_buckets=options.band_buckets,
        band_reps=options.band_reps,
        traces=options.traces,
    )
    limits = budget or footprint.budget()
    footprint.check(need, limits, scenario)
    batches = plan_batches(reps, workers, scenario, per_batch)
    outputs = _outputs(scenario, batches, options, workers, scheduler, executor)
    done: list[BatchOutput] = []
    bar = progress_bar.bar(reps, "replications", "rep", progress)
    try:
        with closing(outputs):
            for output in outputs:
                done.append(output)
                bar.update(len(output.reps))
        bar.close()
        done.sort(key=lambda b: b.reps.start)
        ensemble = _combine(
            scenario,
            reps,
            done,
            options,
            time.perf_counter() - started,
            executor,
            workers,
            len(batches[0]) if batches else 0,
        )
        ensemble.requested = requested
        return ensemble
    except (MemoryError, executors.WorkerLost) as error:
        finished = sum(len(b.reps) for b in done)
        raise OutOfMemory(_out_of_memory(error, finished, need, limits)) from error
    finally:
        bar.close()


def _outputs(
    scenario: Scenario,
    batches: list[range],
    options: Options,
    workers: int,
    scheduler: str | None,
    executor: str,
) -> Generator[BatchOutput, None, None]:
    """The batch outputs, from where the executor says (`run_batch` is looked up here, at call
    time, so that tests can replace it)."""
    if scheduler is not None:
        return executors.dask(run_batch, scenario, batches, options, workers, scheduler)
    if executor == "local processes":
        return executors.local_processes(run_batch, scenario, batches, options, workers)
    return executors.in_process(run_batch, scenario, batches, options)


def _out_of_memory(
    error: BaseException, finished: int, need: footprint.Footprint, limits: footprint.Budget
) -> str:
    if isinstance(error, MemoryError):
        cause = "a memory allocation failed (MemoryError)"
    else:
        cause = (
            f"{error}; on Linux the out-of-memory killer does this when memory runs out "
            "(`dmesg` or `journalctl -k` shows it)"
        )
    limit = footprint.size(limits.memory_bytes) if limits.memory_bytes is not None else "none"
    estimate = footprint.size(need.memory_bytes)
    return (
        f"out of memory after {finished:,} of {need.reps:,} replications: {cause}. The "
        f"estimate was {estimate} (limit {limit}: {limits.memory_from}). No "
        "results were written. Run fewer replications or --workers, a smaller --batch-size, "
        f"or set {footprint.MEMORY_ENV} lower if other programs need the memory."
    )


def _combine(
    scenario: Scenario,
    reps: int,
    batches: list[BatchOutput],
    options: Options,
    wall: float,
    executor: str,
    workers: int,
    batch_size: int,
) -> Ensemble:
    keys = batches[0].metrics.keys
    assert all(b.metrics.keys.equals(keys) for b in batches), "batches computed other metrics"
    table = metrics.MetricTable(
        keys, np.concatenate([b.metrics.values for b in batches], axis=1), range(reps)
    )
    runs = table.tidy()
    worst: dict[str, float] = {}
    for b in batches:
        for mineral, value in b.worst_residual.items():
            worst[mineral] = float(np.maximum(worst.get(mineral, 0.0), value))  # NaN stays NaN
    balance_frame = pd.DataFrame(
        {"mineral": list(worst), "worst_relative_residual": list(worst.values())}
    )
    traces = pd.concat([b.traces for b in batches], ignore_index=True) if options.traces else None
    shipped = None
    if options.keep_shipped:
        columns = [b.shipped for b in batches if b.shipped is not None]
        shipped = PairedShipments(
            options.keep_shipped, np.concatenate(columns, axis=1), range(reps)
        )
    online = [b.online for b in batches if b.online is not None]
    origin = embodied.merge([b.origin for b in batches if b.origin is not None])
    return Ensemble(
        scenario,
        reps,
        runs,
        summarize(table, scenario.spec.seed),
        band_table(scenario, batches, options),
        balance_frame,
        wall,
        executor,
        workers,
        batch_size,
        traces,
        shipped,
        price_paths.price_bands(scenario, [b.prices for b in batches if b.prices is not None]),
        world_tables.project_table(scenario, np.concatenate(online, axis=1) if online else None),
        embodied.origin_frame(scenario, origin),
        embodied.flows_frame(scenario, origin),
    )


SUMMARY_CHUNK_ROWS = 250_000
"""`summarize` groups at most this many tidy rows at a time (its grouping needs about 100 bytes
per row on top of the table)."""


def summarize(table: metrics.MetricTable, seed: int | None = None) -> pd.DataFrame:
    """`metrics.summarize` of the table's tidy rows (bootstrap seeded by `seed`), a block of
    metric keys at a time: the same frame (the keys are unique and each is summarized on its
    own, in key order) in bounded extra memory."""
    if len(table.keys) == 0:
        return metrics.summarize(table.tidy(), seed)
    step = max(1, SUMMARY_CHUNK_ROWS // max(1, len(table.reps)))
    parts = [
        metrics.summarize(
            metrics.MetricTable(
                table.keys.iloc[start : start + step],
                table.values[start : start + step],
                table.reps,
            ).tidy(),
            seed,
        )
        for start in range(0, len(table.keys), step)
    ]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


BAND_CHUNK_SERIES = 8
"""`band_table` converts and sorts this many market series at a time (bounded extra memory)."""


def band_table(scenario: Scenario, batches: list[BatchOutput], options: Options) -> pd.DataFrame:
    """Mean and P5/P50/P95 across replications per market, variable and time bucket."""
    parts = [b.bands for b in batches if b.bands is not None]
    if not parts:
        return pd.DataFrame()
    kept = np.concatenate(parts, axis=2)  # (buckets, series, reps), float32
    spec = scenario.spec
    edges = bucket_edges(engine.n_periods(scenario), options.band_buckets)
    markets = [m.name for m in scenario.network.of_kind("market")]
    labels = [(m, v) for m in markets for v in BAND_VARIABLES]
    buckets, series, count = kept.shape
    mean = np.empty((buckets, series))
    q = np.empty((3, buckets, series))
    for lo in range(0, series, BAND_CHUNK_SERIES):
        block = kept[:, lo : lo + BAND_CHUNK_SERIES].astype(float)
        q[:, :, lo : lo + BAND_CHUNK_SERIES] = np.stack(metrics.quantiles(block, axis=2))
        for b in range(buckets):
            for j in range(block.shape[1]):
                mean[b, lo + j] = float(block[b, j].mean())
    rows = []
    for b, first in enumerate(edges):
        for s, (market, variable) in enumerate(labels):
            day = int(first) * spec.step_days
            rows.append(
                {
                    "bucket": b,
                    "day": day,
                    "date": spec.start + dt.timedelta(days=day),
                    "market": market,
                    "variable": variable,
                    "mean": float(mean[b, s]),
                    "p5": float(q[0, b, s]),
                    "p50": float(q[1, b, s]),
                    "p95": float(q[2, b, s]),
                    "replications": count,
                }
            )
    return pd.DataFrame(rows, columns=list(BANDS_COLUMNS))
