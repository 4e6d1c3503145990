"""The project's shared words, each defined once: stage, variable, metric and column names,
country labels and aggregate codes, and the ratios every layer computes the same way
(fill rate, fill ratio, concentration).

Names follow DESIGN.md sections 2 and 6 and carry their unit as a suffix: `_t` tonnes of
contained mineral, `_units` product units, `_days` days, `_usd` US dollars. Result tables are
tidy (one `value` column, STYLE.md 9) and their columns, listed here per results file, are the
same across the project. This module imports nothing from `sim`, so every layer may use it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# --- stages ------------------------------------------------------------------------------------

ORE = "ore"
"""Mined concentrate."""
REFINED = "refined"
"""Separated oxide, chemical or metal."""
COMPONENT = "component"
"""Magnet, cathode, anode, wafer: what markets use."""
SCRAP = "scrap"
"""End-of-life material on its way from a market to a recycler."""
STAGES = (ORE, REFINED, COMPONENT, SCRAP)
"""Stages of a mineral's chain in chain order; a commodity is a (mineral, stage) pair."""
STAGE_ORDER = {stage: i for i, stage in enumerate(STAGES)}
"""Position of each stage in the chain, for sorting rows from mine to market."""

# --- countries ---------------------------------------------------------------------------------

REST_OF_WORLD = "XW"
"""The aggregate the built-in network uses for every country not modelled on its own."""
COUNTRY_NAMES = {
    "CD": "DR Congo",
    "KR": "South Korea",
    "US": "United States",
    "RU": "Russia",
    "VN": "Vietnam",
    "GB": "United Kingdom",
    REST_OF_WORLD: "rest of world",
}
"""Short names where ISO 3166's common name is long or formal."""


def is_aggregate(code: str) -> bool:
    """True for the ISO 3166 user-assigned codes XA-XZ, which stand for aggregates such as the
    rest of the world (`XW`) rather than for one country."""
    return len(code) == 2 and code.startswith("X") and code.isalpha()


def country_name(code: str) -> str:
    """A readable name for an ISO 3166 alpha-2 code: 'IN' -> 'India', 'XW' -> 'rest of world',
    other aggregates 'aggregate XA'; an unknown code is returned as it is."""
    if code in COUNTRY_NAMES:
        return COUNTRY_NAMES[code]
    if is_aggregate(code):
        return f"aggregate {code}"
    import pycountry  # here: a headless run that never labels a country does not load it

    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


# --- ratios ------------------------------------------------------------------------------------


def fill_rate(delivered: Any, demand: Any) -> np.ndarray:
    """Fill rate = delivered / demanded, elementwise; 1.0 where demand is zero (DESIGN.md s. 6).

    Not capped: a backlog market catching up can exceed 1, and a vanishing demand may give inf,
    which still reads as 'served'."""
    delivered, demand = np.asarray(delivered), np.asarray(demand)
    with np.errstate(over="ignore"):
        return np.divide(delivered, demand, out=np.ones_like(demand, dtype=float), where=demand > 0)


def fill_ratio(available: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """Share of each order a supplier can fill, in [0, 1]: 1 where `available` covers `asked`,
    else available / asked (pro rata allocation of a short stock)."""
    return np.divide(available, asked, out=np.ones_like(asked), where=asked > available)


def hhi(shares: Any, axis: int = 0) -> Any:
    """Herfindahl-Hirschman index: the sum of squared shares along `axis` (shares that sum to
    one; 0-1 scale, 1 for a single supplier)."""
    return (np.asarray(shares, dtype=float) ** 2).sum(axis=axis)


def top_share(shares: np.ndarray, n: int = 3, axis: int = 0) -> Any:
    """The combined share of the `n` largest shares along `axis` (CR3 for n = 3)."""
    ordered = -np.sort(-shares, axis=axis)
    return np.take(ordered, np.arange(min(n, ordered.shape[axis])), axis=axis).sum(axis=axis)


# --- series the engine records per review: (node, mineral, stage, variable) -----------------

STOCK_T = "stock_t"
"""Stock on hand at the end of the review, t."""
PRODUCTION_T = "production_t"
"""Made in the review, t."""
RELEASED_T = "released_t"
"""Released from a strategic stockpile in the review, t."""
DEMAND_UNITS = "demand_units"
DELIVERED_UNITS = "delivered_units"
SHORTFALL_UNITS = "shortfall_units"
"""Demand not met (lost, or added to the backlog), units."""
BACKLOG_UNITS = "backlog_units"
COVER_DAYS = "cover_days"
"""(On hand + in transit toward the market, counted from its arrival) / expected daily use,
days (`engine.markets.Markets.record_cover`)."""
DEMAND_T = "demand_t"
DELIVERED_T = "delivered_t"
SHORTFALL_T = "shortfall_t"
EOL_T = "eol_t"
"""End-of-life flow returning from use in the review, t."""
COLLECTED_T = "collected_t"
"""Part of the end-of-life flow collected for recycling, t."""
IN_USE_T = "in_use_t"
"""Material in products in use at the end of the review, t."""
MARKET_UNIT_VARIABLES = (DEMAND_UNITS, DELIVERED_UNITS, SHORTFALL_UNITS, BACKLOG_UNITS)
"""A market's series in product units (mineral and stage empty)."""
MARKET_MINERAL_VARIABLES = (
    COVER_DAYS,
    DEMAND_T,
    DELIVERED_T,
    SHORTFALL_T,
    EOL_T,
    COLLECTED_T,
    IN_USE_T,
)
"""A market's series per mineral it uses (stage component)."""
BAND_SUMS = (DEMAND_UNITS, DELIVERED_UNITS, SHORTFALL_UNITS)
"""Market series summed per time bucket for the ensemble bands."""
BAND_VARIABLES = (*BAND_SUMS, COVER_DAYS)
"""The variables of bands.csv: the sums, and days of cover (lowest over minerals and bucket)."""

# --- metrics (metrics.csv `metric`; definitions in DESIGN.md section 6 and analysis/metrics) --

FILL_RATE = "fill_rate"
PEAK_SHORTFALL_UNITS = "peak_shortfall_units"
"""Largest shortfall of one review, units per review."""
ANY_SHORTFALL = "any_shortfall"
"""1 if the market fell short in any review, else 0."""
FIRST_SHORTFALL_DAY = "first_shortfall_day"
MIN_COVER_DAYS = "min_cover_days"
TTS_DAYS = "tts_days"
"""Time to survive after a shock's onset, days (inf: never short)."""
TTR_DAYS = "ttr_days"
"""Time to recover after a shock's onset, days (inf: not within the horizon)."""
WORLD_HHI = "world_hhi"
"""HHI of world production over named countries (aggregates such as XW left out), 0-1."""
WORLD_CR3 = "world_cr3"
"""Top-3 share of world production among named countries (aggregates left out)."""
WORLD_AGGREGATE_SHARE = "world_aggregate_share"
"""Share of world production made in aggregates (XW), which HHI and CR3 leave out."""
SOURCING_HHI = "sourcing_hhi"
SOURCING_CR3 = "sourcing_cr3"
SOURCING_AGGREGATE_SHARE = "sourcing_aggregate_share"
"""Share of a country's supply shipped from aggregates (XW), which HHI and CR3 leave out."""
IMPORT_RELIANCE = "import_reliance"
SHARE_FROM = "share_from"
POLICY_COST_USD = "policy_cost_usd"
ORIGIN_SHARE = "origin_share"
"""Share of what a market put in use over the horizon (per mineral) that was mined, refined or
made (`stage`) in the country `partner` (embodied origin), mass-weighted."""
ELIGIBLE_SHARE = "eligible_share"
"""Share of a market's units built over the horizon that an eligibility rule (its name in the
`shock` column) counts: their components held at most the rule's share of one origin
(`partner`)."""
SCRAP_COLLECTED_T = "scrap_collected_t"
"""Scrap sent to a country's recyclers of a mineral over the horizon (end-of-life collected and
process scrap), t."""
SCRAP_RECYCLED_T = "scrap_recycled_t"
"""Scrap those recyclers fed into recycling over the horizon, t (recovered: this x yield)."""
SCRAP_LEFT_T = "scrap_left_t"
"""Scrap in those recyclers' stock at the end of the horizon (collected but not recycled), t."""
RECYCLING_METRICS = (SCRAP_COLLECTED_T, SCRAP_RECYCLED_T, SCRAP_LEFT_T)
"""Per recycler country and mineral (stage scrap): where collected scrap went."""
SHORTFALL_METRICS = frozenset({SHORTFALL_UNITS, SHORTFALL_T, PEAK_SHORTFALL_UNITS, ANY_SHORTFALL})
"""Metrics whose ensemble summary adds the probability of a positive value and CVaR95."""

# --- columns of the result tables, per results file ---------------------------------------------

SERIES_KEY = ("node", "mineral", "stage", "variable")
"""What identifies a recorded series; mineral and stage are '' where they do not apply."""
METRIC_KEY = ("metric", "unit", "market", "country", "mineral", "stage", "shock", "partner")
"""What identifies a metric value ('' where a part does not apply)."""
TIMESERIES_COLUMNS = ("period", "day", "date", "rep", *SERIES_KEY, "value", "kind", "country")
"""timeseries.csv: one row per review, series and replication."""
METRICS_COLUMNS = ("rep", *METRIC_KEY, "value")
"""metrics.csv: one row per replication and metric."""
STATISTICS = ("replications", "mean", "p5", "p50", "p95", "share_finite")
"""The ensemble statistics of every metric (summary.csv; mean and quantiles over runs)."""
SUMMARY_INTERVALS = tuple(
    f"{s}_ci_{side}" for s in ("prob_positive", "p95", "cvar95") for side in ("low", "high")
)
"""The 95% bootstrap intervals of shortfall metrics in summary.csv (`sim.analysis.bootstrap`)."""
SUMMARY_COLUMNS = (*METRIC_KEY, *STATISTICS, "prob_positive", "cvar95", *SUMMARY_INTERVALS)
ORIGIN_COLUMNS = (
    "bucket",
    "day",
    "date",
    "days",
    "market",
    "country",
    "mineral",
    "origin_stage",
    "origin_country",
    "share",
    "p5",
    "p50",
    "p95",
    "delivered_t",
    "replications",
)
"""origin.csv: per time bucket (from `day`, `days` long), market, mineral and (stage, country)
of origin, the share of what the market put in use that came from there: mass-weighted over
replications (`share`) and P5/P50/P95 across them; `delivered_t`: mean t put in use."""
ORIGIN_FLOWS_COLUMNS = (
    "link",
    "supplier",
    "buyer",
    "supplier_country",
    "buyer_country",
    "mineral",
    "stage",
    "origin_stage",
    "origin_country",
    "shipped_t",
    "origin_t",
    "share",
    "re_export",
    "licensed_share",
    "licensed_t",
)
"""origin_flows.csv: per link and (stage, country) of origin, mean t shipped over the horizon,
mean t of that origin inside it and its share; `re_export`: a cross-border shipment of material
whose origin at that stage is not the supplier's country (a third country passing it on);
`licensed_share` (per link): share of reviews in which the link needed a licence under a content
rule, `licensed_t` mean t shipped while it did."""
"""summary.csv: per metric, the statistics; for shortfall metrics also P(> 0) and CVaR95."""
MARKETS_COLUMNS = (
    "market",
    "rep",
    "country",
    "sector",
    "unit",
    DEMAND_UNITS,
    DELIVERED_UNITS,
    SHORTFALL_UNITS,
    FILL_RATE,
    SHORTFALL_T,
    "peak_shortfall_units_per_period",
    "first_shortfall_day",
    "first_shortfall_date",
)
"""markets.csv: per market and replication, totals over the horizon."""
LINK_COLUMNS = (
    "link",
    "supplier",
    "buyer",
    "supplier_country",
    "buyer_country",
    "mineral",
    "stage",
)
"""What describes a link in flows.csv and shipments.csv."""
FLOWS_COLUMNS = ("rep", *LINK_COLUMNS, "shipped_t")
"""flows.csv: t shipped per link over the horizon, per replication."""
SHIPMENTS_COLUMNS = ("period", "day", "date", "rep", *LINK_COLUMNS, "shipped_t")
"""shipments.csv: t shipped per review and link (rows with shipments only)."""
BALANCE_COLUMNS = (
    "mineral",
    "rep",
    "initial_stock_t",
    "mined_t",
    "process_losses_t",
    "uncollected_eol_t",
    "final_stock_t",
    "residual_t",
    "relative_residual",
)
"""balance.csv of a run: the mass-balance terms per mineral and replication, t."""
EVENTS_COLUMNS = ("day", "shock", "event", "date")
"""events.csv: when each shock started and ended."""
BANDS_COLUMNS = (
    "bucket",
    "day",
    "date",
    "market",
    "variable",
    "mean",
    "p5",
    "p50",
    "p95",
    "replications",
)
"""bands.csv: mean and quantiles across replications per market, variable and time bucket."""
COMPARISON_COLUMNS = (
    *METRIC_KEY,
    "variant_mean",
    "baseline_mean",
    "delta",
    "ci_low",
    "ci_high",
    "pairs",
    "policy",
)
"""comparison.csv: per policy and metric, both means and the paired difference (95% CI)."""
RANKING_COLUMNS = (
    "rank",
    "policy",
    "levers",
    "minerals",
    "cost_usd",
    "cost_declared",
    "cost_not_declared",
    "shortfall_avoided_t",
    "shortfall_avoided_units",
    "cost_per_t_avoided",
    "cost_per_unit_avoided",
    "cost_per_t_ci_low",
    "cost_per_t_ci_high",
    "vs_best_part",
)
"""ranking.csv: per policy, cost (present value, USD), whether every lever declares it and
which cost fields are missing, shortfall avoided, cost per tonne avoided with its 95% bootstrap
interval; ranked (undeclared costs after declared)."""
STRESS_COLUMNS = (
    "rank",
    "target",
    "kind",
    "mineral",
    "ttr_days",
    "tts_days",
    "lost_demand",
    "hardest_hit_market",
    "hardest_hit_lost_share",
    "risk_exposure_index",
    "exposed",
)
"""stress.csv: per target cut, its times, lost demand and exposure, ranked."""
SENSITIVITY_COLUMNS = (
    "input",
    "p5",
    "p50",
    "p95",
    "shortfall_at_p5",
    "shortfall_at_p95",
    "shortfall_as_declared",
    "swing",
    "market",
    "unit",
    "replications",
)
"""sensitivity.csv: per uncertain input, the shortfall at its P5 and P95 (tornado)."""
TEXT_COLUMNS = (
    *SERIES_KEY,
    "kind",
    "country",
    "market",
    "metric",
    "unit",
    "shock",
    "partner",
    "supplier",
    "buyer",
    "supplier_country",
    "buyer_country",
    "sector",
    "policy",
    "levers",
    "minerals",
    "cost_not_declared",
    "vs_best_part",
    "input",
)
"""Columns of the results files that hold names, to be read as text (never as numbers or NaN:
'' means 'does not apply', and a mineral or country code must not turn into a float)."""


def identical_replications(table: Any) -> bool:
    """Whether a tidy per-run table (a DataFrame with `rep`, the `METRIC_KEY` columns and
    `value`; results' metrics.csv) holds two or more replications that all gave the same value
    of every metric: a scenario without random inputs. Its statistics are then exact, not
    estimates, and a 95% interval of zero width says nothing about uncertainty. A `policy`
    column, when present, is part of the key."""
    if len(table) == 0 or table["rep"].nunique() < 2:
        return False
    keys = [c for c in (*METRIC_KEY, "policy") if c in table.columns]
    distinct = table.groupby(keys, sort=False, dropna=False, observed=True)["value"].nunique(
        dropna=False
    )
    return bool((distinct <= 1).all())


IDENTICAL_NOTE = (
    "the {reps} replications are identical (the scenario has no random inputs): every figure "
    "is exact, not an estimate, and no confidence interval is shown"
)
"""The note printed and reported instead of a zero-width interval (`identical_replications`)."""

EXACT_NOTE = (
    "the scenario has no random inputs, so 1 replication was run instead of the {requested} "
    "asked for (all would be identical): every figure is exact, not an estimate, and no "
    "confidence interval is shown"
)
"""The note of an ensemble that ran one replication for all (`sim.scenario.exactness`)."""

MIN_TAIL_REPLICATIONS = 20
"""Replications beyond the 95th percentile that P95 and CVaR95 need to be stated without a
warning (`THIN_TAIL_NOTE`): 400 replications or more."""
MAX_CHANCE_CI_WIDTH = 0.2
"""A P(shortfall) whose 95% interval is wider than this is flagged (`WIDE_CHANCE_NOTE`)."""
THIN_TAIL_NOTE = (
    "P95 and CVaR95 rest on the worst 5% of the {reps} replications ({tail}), fewer than the "
    "20 a tail statistic needs (400 replications or more): read them and their intervals as "
    "indicative"
)
WIDE_CHANCE_NOTE = (
    "the 95% interval of P(shortfall) is wider than 20 percentage points for {markets}: too few "
    "replications to state it firmly"
)


NOISE_NOTE = (
    "Demand noise (`uncertainty.demand`, a factor drawn afresh at every review) is not varied: "
    "fixed at a percentile for every review it would act as a lasting demand level, not as "
    "noise; it keeps its declared distribution in every variant."
)
"""Why demand noise is not a bar of the tornado (said by the terminal and the report)."""


RISK_MEASURES = ("cvar95", "mean", "p_shortfall")
"""What `sim optimise --risk` may minimise over the replications: CVaR95 of total shortfall, its
mean, or the probability of any shortfall (`sim.analysis.optimise`)."""


GLOBAL_NOISE_NOTE = (
    "Demand noise (`uncertainty.demand`) is varied as noise in the global indices: one factor per "
    "rule, its scale (the spread around normal demand) from 0 (no noise) to twice the declared "
    "spread (ASSUMPTION), each draw still made afresh every review."
)
"""What a global sensitivity study does with demand noise (`sim.analysis.sensitivity_global`)."""
