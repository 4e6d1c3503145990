"""How much memory and disk an ensemble needs, estimated before it starts, and the budget.

Memory grows with the replications through what the main process keeps: every replication's
metrics (a value per metric key, then the tidy `runs` table and the summary computed from it),
the time-series bands of the first `Options.band_reps` replications, and full traces when asked
for. Each worker process holds one batch of engine arrays (`batch_bytes_per_rep` per
replication) while the batches run; the workers have ended when the main process combines
them. The estimate is the larger of the two phases' peak resident memory summed over the
process tree (pages a forked worker shares with its parent count in both, so the sum bounds
what the machine spends); its constants were measured on the built-in network with the ree
risk scenario (10^4 replications: 459 MiB measured, 666 MiB estimated; 10^5: 1.86 GiB and
2.26 GiB).

The budget: `SIM_MEMORY_LIMIT` (environment) is a size (`16G`, `800M`, `1.5T`, bytes), a share
of the memory available now (`90%`), or `off`; the default is 80% of the memory available when
the ensemble starts (Linux: MemAvailable, or the cgroup limit if lower). An ensemble estimated
beyond it is refused before any replication runs (`sim.faults.TooLarge`, exit status 2).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sim.engine import simulate as engine
from sim.engine.recorder import series_keys
from sim.engine.tracker import BAND_SUMS
from sim.faults import BadSetting, TooLarge
from sim.scenario.loader import Scenario
from sim.scenario.network import MarketSpec, RecyclerSpec
from sim.vocabulary import RECYCLING_METRICS

MEMORY_ENV = "SIM_MEMORY_LIMIT"
DEFAULT_SHARE = 0.8
"""Default budget: this share of the memory available when an ensemble starts."""
PROCESS_BYTES = 110 * 2**20
"""Resident memory of a process with the package imported and a scenario loaded (measured
92-105 MiB on the built-in network)."""
COMBINE_BYTES = 64 * 2**20
"""Working memory of combining the batches beyond the tables kept: the summary and bands are
computed a block at a time (`ensemble.SUMMARY_CHUNK_ROWS`, `BAND_CHUNK_SERIES`)."""
METRIC_ROW_BYTES = 48
"""Peak bytes in the main process per metric value (one per metric key and replication): the
batches' arrays (8), their concatenation (8), the tidy table (24) and its construction
(measured 40 on the built-in network)."""
BAND_VALUE_BYTES = 12
"""Peak bytes per band value (bucket x market series x kept replication): float32 in the
batches, plus a float64 copy of a block while its quantiles are computed."""
TRACE_ROW_BYTES = 100
"""Bytes per row of a full-traces frame (period x series x replication: 11 columns); the
main process keeps the batches' frames and their concatenation, a worker its recorder, frame
and pickled copy."""
CSV_VALUE_CHARS = 12
"""Characters of a metric value in metrics.csv on average: many are 0.0, 1.0 or inf, the
others have up to 17 significant digits (measured 8.5 on the built-in network)."""
BAND_VARIABLES = len(BAND_SUMS) + 1
"""Band series per market (as `ensemble.BAND_VARIABLES`: the summed ones and days of cover)."""
TRACE_CSV_CHARS = 110
"""Characters of a row of timeseries.csv (period, day, date, rep, node, mineral, stage,
variable, value, kind, country)."""


@dataclass(frozen=True)
class Phase:
    """Memory of the process tree in one phase of an ensemble: `fixed + reps * per_rep`."""

    name: str
    fixed_bytes: float
    per_rep_bytes: float

    def bytes_for(self, reps: int) -> int:
        return int(self.fixed_bytes + reps * self.per_rep_bytes)

    def fitting(self, limit: int) -> float:
        """How many replications fit in `limit` bytes in this phase."""
        if self.per_rep_bytes <= 0:
            return math.inf if limit >= self.fixed_bytes else 0.0
        return max(0.0, (limit - self.fixed_bytes) / self.per_rep_bytes)


@dataclass(frozen=True)
class Footprint:
    """Estimated peak memory and output of one ensemble."""

    reps: int
    metric_keys: int
    phases: tuple[Phase, ...]
    """Running (main process and workers, batches arriving) and combining (main process only:
    the workers have ended)."""
    output_bytes: int
    """Estimated size of the files written (mostly metrics.csv), bytes."""

    @property
    def memory_bytes(self) -> int:
        """Estimated peak resident memory of the process tree, bytes."""
        return max(p.bytes_for(self.reps) for p in self.phases)

    def fitting(self, limit: int) -> int:
        """About how many replications fit in `limit` bytes."""
        return int(min(min(p.fitting(limit) for p in self.phases), 10**12))


@dataclass(frozen=True)
class Budget:
    """Limits an ensemble must fit in; None: no limit."""

    memory_bytes: int | None
    memory_from: str
    """How the memory limit was set, for messages."""
    output_bytes: int | None = None
    output_from: str = ""


def metric_keys(scenario: Scenario) -> list[tuple[str, ...]]:
    """The metric keys (`metrics.KEY_COLUMNS` values) a replication can have: the same rules as
    `metrics.compute`, taken from the network, so an upper bound (world concentration keys of
    a mineral and stage nobody produced are left out of the real table)."""
    network, spec = scenario.network, scenario.spec
    keys: list[tuple[str, ...]] = []

    def add(metric: str, unit: str, **where: str) -> None:
        keys.append(
            (
                metric,
                unit,
                *(where.get(c, "") for c in ("market", "country", "mineral", "stage")),
                where.get("shock", ""),
                where.get("partner", ""),
            )
        )

    shocks = [s.name or f"{s.type}#{i + 1}" for i, s in enumerate(spec.shocks)]
    for market in network.of_kind("market"):
        assert isinstance(market, MarketSpec)
        at = {"market": market.name, "country": market.country}
        for metric in ("demand_units", "delivered_units", "shortfall_units"):
            add(metric, market.unit, **at)
        add("fill_rate", "ratio", **at)
        add("peak_shortfall_units", f"{market.unit}/review", **at)
        add("any_shortfall", "0/1", **at)
        add("first_shortfall_day", "day", **at)
        for mineral in market.intensity_kg_per_unit:
            add("shortfall_t", "t", mineral=mineral, **at)
        add("min_cover_days", "days", **at)
        for shock in shocks:
            add("tts_days", "days", shock=shock, **at)
            add("ttr_days", "days", shock=shock, **at)
    produced = sorted({(k[1], k[2]) for k in series_keys(network) if k[3] == "production_t"})
    for mineral, stage in produced:
        add("world_hhi", "0-1", mineral=mineral, stage=stage)
        add("world_cr3", "share", mineral=mineral, stage=stage)
        add("world_aggregate_share", "share", mineral=mineral, stage=stage)
    consumers = {n.country for n in network.of_kind("market")}
    inflows = sorted(
        {
            (network.nodes[k.buyer].country, k.mineral, k.stage)
            for k in network.links
            if network.nodes[k.buyer].country in consumers and k.stage != "scrap"
        }
    )
    for country, mineral, stage in inflows:
        where = {"country": country, "mineral": mineral, "stage": stage}
        add("sourcing_hhi", "0-1", **where)
        add("sourcing_cr3", "share", **where)
        add("sourcing_aggregate_share", "share", **where)
        add("import_reliance", "share", **where)
        for partner in spec.metrics.share_from:
            if partner != country:
                add("share_from", "share", partner=partner, **where)
    recyclers = [n for n in network.nodes.values() if isinstance(n, RecyclerSpec)]
    recycled = sorted({(n.country, n.mineral) for n in recyclers})
    for country, mineral in recycled:
        for metric in RECYCLING_METRICS:
            add(metric, "t", country=country, mineral=mineral, stage="scrap")
    if scenario.policy is not None:
        add("policy_cost_usd", "USD")
    return keys


def estimate(
    scenario: Scenario,
    reps: int,
    *,
    batch_size: int,
    batch_bytes_per_rep: int,
    worker_processes: int,
    band_buckets: int,
    band_reps: int,
    traces: bool,
) -> Footprint:
    """Peak memory and output size of `reps` replications; `worker_processes` is how many
    local processes run batches besides the main one (0: batches run in the main process;
    remote Dask workers do not count)."""
    keys = metric_keys(scenario)
    periods = engine.n_periods(scenario)
    markets = len(scenario.network.of_kind("market"))
    bands = min(periods, band_buckets) * markets * BAND_VARIABLES * min(reps, band_reps)
    trace_rows = periods * len(series_keys(scenario.network)) if traces else 0
    batch = batch_size * (batch_bytes_per_rep + 3 * trace_rows * TRACE_ROW_BYTES)
    running = Phase(
        "running",
        (1 + worker_processes) * PROCESS_BYTES + max(1, worker_processes) * batch + 4 * bands,
        len(keys) * 8 + trace_rows * TRACE_ROW_BYTES,
    )
    combining = Phase(
        "combining",
        PROCESS_BYTES + COMBINE_BYTES + BAND_VALUE_BYTES * bands,
        len(keys) * METRIC_ROW_BYTES + 2 * trace_rows * TRACE_ROW_BYTES,
    )
    digits = len(str(max(0, reps - 1)))
    row_chars = sum(len(",".join(k)) + 1 for k in keys) + len(keys) * (digits + CSV_VALUE_CHARS + 2)
    trace_chars = trace_rows * (TRACE_CSV_CHARS + digits)
    tables = bands // max(1, min(reps, band_reps)) * 30 + len(keys) * 200  # bands, summary
    return Footprint(
        reps=reps,
        metric_keys=len(keys),
        phases=(running, combining),
        output_bytes=int(reps * (row_chars + trace_chars) + tables),
    )


def budget(
    env: Mapping[str, str] | None = None,
    disk_free_bytes: int | None = None,
    disk_from: str = "",
) -> Budget:
    """The memory budget from `SIM_MEMORY_LIMIT` in `env` (default: the process environment;
    unset: 80% of the memory available), and `disk_free_bytes` as the output budget."""
    env = os.environ if env is None else env
    text = env.get(MEMORY_ENV, "").strip()
    if text.lower() in ("off", "none", "unlimited"):
        return Budget(None, f"{MEMORY_ENV}={text}", disk_free_bytes, disk_from)
    if text and not text.endswith("%"):
        return Budget(_bytes(text), f"{MEMORY_ENV}={text}", disk_free_bytes, disk_from)
    share = _share(text) if text else DEFAULT_SHARE
    available = available_memory()
    if available is None:
        return Budget(None, "the memory available is unknown", disk_free_bytes, disk_from)
    source = f"{share:.0%} of the {size(available)} available"
    if text:
        source += f", {MEMORY_ENV}={text}"
    return Budget(int(share * available), source, disk_free_bytes, disk_from)


def check(need: Footprint, limits: Budget, scenario: Scenario) -> None:
    """Raise `TooLarge` if the estimate exceeds the budget."""
    what = (
        f"{need.reps:,} replications of {scenario.spec.name} ({need.metric_keys} metrics each, "
        f"{engine.n_periods(scenario)} periods, {len(scenario.network.nodes)} nodes)"
    )
    if limits.memory_bytes is not None and need.memory_bytes > limits.memory_bytes:
        fit = need.fitting(limits.memory_bytes)
        raise TooLarge(
            f"the ensemble is too large for the memory budget: {what} need an estimated "
            f"{size(need.memory_bytes)} of memory (limit {size(limits.memory_bytes)}: "
            f"{limits.memory_from}) and would write about {size(need.output_bytes)}. Nothing "
            f"was run or written. Run fewer replications (about {fit:,} fit), fewer --workers "
            f"or a smaller --batch-size, leave out --traces, or set {MEMORY_ENV} (a size such "
            "as 64G, a share such as 95%, or off) if the estimate is too cautious."
        )
    if limits.output_bytes is not None and need.output_bytes > limits.output_bytes:
        raise TooLarge(
            f"the ensemble's results would not fit on the disk: {what} would write about "
            f"{size(need.output_bytes)} ({size(limits.output_bytes)} {limits.output_from}). "
            "Nothing was run or written. Run fewer replications, leave out --traces, or "
            "choose a folder on a larger disk with --out."
        )


def available_memory() -> int | None:
    """Bytes of memory available to new allocations now: MemAvailable (Linux), lowered to
    what the cgroup (container) limit leaves; elsewhere the free physical pages; None if
    unknown."""
    found: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError):
        pass
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:
            found.append(max(0, int(limit) - usage))
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            return None
    return min(found)


def size(n: float) -> str:
    """Bytes as a short text in binary units (as SIM_MEMORY_LIMIT reads them): 512 B,
    3.4 MiB, 12.1 GiB."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def _bytes(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?", text.strip().lower())
    if match is None or float(match[1]) <= 0:
        raise BadSetting(
            f"{MEMORY_ENV}={text!r} is not a memory size: expected a positive size such as "
            "16G, 800M or 1.5T (binary units), a share of the available memory such as 90%, "
            "or off."
        )
    return int(float(match[1]) * _UNITS[match[2]])


def _share(text: str) -> float:
    try:
        share = float(text[:-1]) / 100.0
    except ValueError:
        share = math.nan
    if not 0 < share <= 1.0:
        raise BadSetting(
            f"{MEMORY_ENV}={text!r} is not a share of the available memory: expected a "
            "percentage above 0 and at most 100, such as 90%."
        )
    return share
