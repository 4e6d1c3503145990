"""The files of a results folder: their names with a description each (the `*_FILES` tables,
listed in the report's provenance), the coverage kinds, and which tables `sim.output.folder`
reads (CSV or Parquet) with their text columns."""

from __future__ import annotations

from sim.vocabulary import TEXT_COLUMNS

FILES = {
    "scenario.resolved.yaml": "the scenario as run, with the full resolved network",
    "provenance.json": "seed, versions, input hash, wall time, command",
    "timeseries.csv": "per review period: production, stocks, demand, delivered, shortfall ...",
    "markets.csv": "per market: demand, delivered, shortfall, fill rate, first shortfall",
    "flows.csv": "per link: tonnes shipped over the horizon",
    "shipments.csv": "per review and link: tonnes shipped (sourcing by country over time)",
    "balance.csv": "per mineral: the mass-balance terms and residual",
    "events.csv": "when each shock started and ended",
    "metrics.csv": "risk metrics of the run (tidy: one row per metric)",
    "drivers.csv": "per market that falls short: the shock that set it off and the cover, "
    "transit and review days between them (what drives the date)",
}
"""The files of a single run."""
ENSEMBLE_FILES = {
    "scenario.resolved.yaml": FILES["scenario.resolved.yaml"],
    "provenance.json": "seed, replications, executor, workers, versions, input hash, wall time",
    "metrics.csv": "risk metrics per replication (tidy: one row per replication and metric)",
    "summary.csv": "per metric: mean, P5/P50/P95, probability of shortfall, CVaR95 (with "
    "95% bootstrap intervals of the last three)",
    "bands.csv": "per market and time bucket: mean and P5/P50/P95 across replications",
    "balance.csv": "per mineral: the worst mass-balance residual over all replications",
}
"""The files of an ensemble of replications."""
COMPARISON_FILES = {
    **{k: v for k, v in ENSEMBLE_FILES.items() if k != "balance.csv"},
    "metrics.csv": "risk metrics per policy and replication (tidy; `policy` column)",
    "summary.csv": "per policy and metric: mean, P5/P50/P95, probability of shortfall, CVaR95",
    "bands.csv": "per policy, market and time bucket: mean and P5/P50/P95",
    "balance.csv": "per policy and mineral: the worst mass-balance residual",
    "comparison.csv": "per policy, market and metric: policy and baseline means, paired "
    "difference with a 95% confidence interval",
    "ranking.csv": "per policy: cost, shortfall avoided, cost per tonne (with its 95% bootstrap "
    "interval) and unit avoided, rank",
}
"""The files of a policy comparison."""
ONE_REPLICATION_COMPARISON_FILES = {
    **COMPARISON_FILES,
    "flows.csv": "the baseline's tonnes shipped per link over the horizon",
    "shipments.csv": "the baseline's tonnes shipped per review and link",
    "drivers.csv": "the baseline's markets that fall short: what drives the date",
}
"""The files of a policy comparison of one replication (with the baseline's flows)."""
WORLD_FILES = {
    "prices.csv": "per review, priced mineral, side of its market and replication: the price, "
    "USD per t",
    "paths.csv": "per year, market and node with a path: its demand or capacity factor, the "
    "value it gives and the path's source",
    "projects.csv": "per announced project: its plan, the share of replications that built it, "
    "P5/P50/P95 of its first-production date, capacity and source",
}
ORIGIN_FILES = {
    "origin.csv": "per time bucket, market, mineral and stage and country of origin: the share "
    "of what the market put in use that was mined, refined or made there (mass-weighted mean "
    "and P5/P50/P95 across replications)",
    "origin_flows.csv": "per link and stage and country of origin: mean t shipped, t of that "
    "origin inside it, whether it is a re-export (cross-border, origin not the supplier's), "
    "and the share of reviews it needed a licence under a content rule",
}
COVERAGE_FILES = {
    "coverage.csv": "per shock aimed at countries, targeted country and mineral: what covered "
    "its markets in the shock's window by source and supplier country, before and during, t "
    "(`sim.analysis.coverage`)",
}
WORLD_FILES.update(ORIGIN_FILES)
WORLD_FILES.update(COVERAGE_FILES)
"""The files about the world behind a single run, each written only when the scenario has what
it shows (priced minerals, paths, announced projects, origin tracking, shocks aimed at
countries)."""
ENSEMBLE_WORLD_FILES = {
    **WORLD_FILES,
    "prices.csv": "per review, priced mineral and side: mean and P5/P50/P95 of the price "
    "across replications, USD per t",
    "coverage.csv": "what covered each targeted country, in one run at the seed (rep. 0)",
}
"""The same for an ensemble."""
COMPARISON_WORLD_FILES = {
    **ENSEMBLE_WORLD_FILES,
    "origin.csv": "per policy, time bucket, market, mineral and stage and country of origin: "
    "the share of what the market put in use that came from there",
    "origin_flows.csv": "per policy, link and stage and country of origin: t shipped, t of that "
    "origin inside, re-export flag and share of reviews licensed under a content rule",
    "prices.csv": "per policy, review, priced mineral and side: mean and P5/P50/P95 of the "
    "price across replications, USD per t",
    "projects.csv": "per announced project under the baseline, and under each policy that "
    "changes it: its plan, share built, P5/P50/P95 of its first-production date, source",
    "coverage.csv": "what covered each targeted country, in one baseline run at the seed",
}
"""The same for a policy comparison."""
PRICES_ON_OFF_FILES = {
    "prices_on_off.csv": "per policy, market and metric (and per policy its cost): the means "
    "with prices on and off, and the paired difference (on - off) with a 95% confidence "
    "interval (`sim run --prices compare`)",
}
"""The file a prices on vs off run adds to the results of the scenario as written."""
STRESS_FILES = {
    "stress.csv": "per target (node, country and mineral, chokepoint): time to recover, time "
    "to survive, lost demand, risk exposure index, exposed",
    "provenance.json": "seed, versions, input hash, command",
    "scenario.resolved.yaml": "the scenario as run, with the full resolved network",
}
"""The files of a stress test."""

COVERAGE_KINDS = {
    "imports": "imports from {}",
    "in_transit_at_start": "in transit from {} at the start",
    "stock_drawn": "stock drawn",
    "reserve_drawn": "reserve released",
    "mined": "mined at home",
    "end_of_life": "end of life collected",
    "domestic_transit_drawn": "pipeline at home drawn",
    "exports": "exports",
    "losses": "process losses",
    "delivered": "put in use by its markets",
    "demand": "wanted by its markets",
    "shortfall": "short",
}
"""coverage.csv's `kind` as the charts and the report name it ('{}': the supplier country);
the rows above `delivered` add up to it (`sim.analysis.coverage`)."""

BASELINE = "baseline"
"""The name of the no-policy run in a policy comparison."""

CSV_FILES = (
    "timeseries",
    "markets",
    "flows",
    "events",
    "metrics",
    "summary",
    "bands",
    "balance",
    "shipments",
    "comparison",
    "ranking",
    "stress",
    "sensitivity",
    "sensitivity_indices",
    "trials",
    "frontier",
    "best_portfolio",
    "optimise_policies",
    "drivers",
    "prices",
    "paths",
    "projects",
    "prices_on_off",
    "origin",
    "origin_flows",
    "coverage",
)
"""The tables `load` reads (`<name>.csv`, or `<name>.parquet` as `--format parquet` writes
them), when present."""
KEY_COLUMNS = TEXT_COLUMNS
"""Columns read as text, never as numbers or NaN (an empty key stays '')."""
TEXT_COLUMNS_OF = {
    "prices": ("side",),
    "origin": ("origin_stage", "origin_country"),
    "origin_flows": ("origin_stage", "origin_country", "supplier_country", "buyer_country"),
    "paths": ("path", "node_kind", "source"),
    "coverage": ("start", "end"),
    "projects": (
        "project",
        "node_kind",
        "planned_start",
        "delay_days",
        "change",
        "online_p5",
        "online_p50",
        "online_p95",
        "source",
    ),
}
"""Further text columns of particular tables (dates that may be blank: '' where no
replication built the project)."""
