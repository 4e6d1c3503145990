"""Risk metrics: pure functions from a run's arrays to per-replication values (DESIGN.md s. 6).

- Shortfall: unmet demand in product units and in tonnes of mineral, per market, cumulative over
  the horizon and at its peak per review; probability of any shortfall across replications.
- Fill rate = delivered / demanded over a window (1.0 when demand is zero).
- Time to survive (TTS): from a shock's onset to the first review at or after it in which a
  market's fill rate drops below the threshold (default 0.99); infinite if it never does.
- Time to recover (TTR): from the onset to the first review at or after the shock's end, and
  after the market fell below the threshold, from which the fill rate stays at or above the
  threshold for a settling window (default 28 days); infinite if that is not seen within the
  horizon; undefined (NaN, a blank) for a market that never fell below the threshold after the
  onset. So TTR > TTS wherever both are defined. TTS < TTR flags exposure (Simchi-Levi et al.,
  Interfaces 45(5), 2015).
- Days of cover: (on hand + in transit toward the market) / expected daily use, where in
  transit counts only from the review it arrives at (`engine.markets.Markets.record_cover`:
  a market short at the next review has under one review of cover); its minimum over the
  horizon and minerals.
- Concentration: Herfindahl-Hirschman index (sum of squared shares, 0-1) and top-3 share (CR3),
  per mineral and stage, of world production by country and of each consuming country's supply
  by origin; import reliance = share of a country's supply from abroad; share from a named
  country.
- Recycling: per recycler country and mineral, scrap collected (sent to its recyclers), scrap
  recycled (fed into recycling) and scrap left in their stock at the end, t, so that scrap
  piling up at recyclers is visible.
- Ensemble statistics (`summarize`): mean, P5/P50/P95; for shortfall metrics the probability of
  a positive value and CVaR95 (mean of the worst 5%).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import bootstrap
from sim.analysis import origin as embodied
from sim.analysis.costs import PairedShipments, policy_cost_usd
from sim.engine.simulate import RunResult
from sim.scenario.loader import MetricOptions
from sim.scenario.network import MarketSpec, RecyclerSpec
from sim.vocabulary import (
    ANY_SHORTFALL,
    COMPONENT,
    COVER_DAYS,
    DELIVERED_UNITS,
    DEMAND_UNITS,
    FILL_RATE,
    FIRST_SHORTFALL_DAY,
    IMPORT_RELIANCE,
    METRIC_KEY,
    MIN_COVER_DAYS,
    PEAK_SHORTFALL_UNITS,
    POLICY_COST_USD,
    PRODUCTION_T,
    RECYCLING_METRICS,
    REFINED,
    SCRAP,
    SHARE_FROM,
    SHORTFALL_METRICS,
    SHORTFALL_T,
    SHORTFALL_UNITS,
    SOURCING_AGGREGATE_SHARE,
    SOURCING_CR3,
    SOURCING_HHI,
    TTR_DAYS,
    TTS_DAYS,
    WORLD_AGGREGATE_SHARE,
    WORLD_CR3,
    WORLD_HHI,
    fill_rate,
    hhi,
    is_aggregate,
    top_share,
)


@dataclass
class MetricTable:
    """Per-replication metric values: `keys` (one row per metric) and `values` (keys x reps)."""

    keys: pd.DataFrame
    values: np.ndarray
    reps: range

    def tidy(self) -> pd.DataFrame:
        """Long table: one row per replication and metric, with a single `value` column."""
        n_keys, n_reps = self.values.shape
        frame = self.keys.iloc[np.repeat(np.arange(n_keys), n_reps)].reset_index(drop=True)
        frame.insert(0, "rep", np.tile(np.asarray(self.reps), n_keys))
        frame["value"] = self.values.reshape(-1)
        return frame


class _Rows:
    def __init__(self) -> None:
        self.keys: list[dict[str, str]] = []
        self.values: list[np.ndarray] = []

    def add(self, metric: str, unit: str, value: np.ndarray | float, reps: int, **key: str) -> None:
        row = dict.fromkeys(METRIC_KEY, "")
        row.update(metric=metric, unit=unit, **key)
        self.keys.append(row)
        self.values.append(np.broadcast_to(np.asarray(value, dtype=float), (reps,)))


def compute(
    result: RunResult,
    options: MetricOptions | None = None,
    paired: PairedShipments | None = None,
) -> MetricTable:
    """Every metric of every replication of a run (`paired`: for a policy run, the baseline
    runs of the same replications its premiums are charged against)."""
    options = options or MetricOptions()
    rows = _Rows()
    _market_metrics(result, options, rows)
    _concentration_metrics(result, options, rows)
    for metric, unit, value, key in embodied.metric_rows(result):
        rows.add(metric, unit, value, len(result.reps), **key)
    for (country, mineral), totals in recycling_totals(result).items():
        for metric, value in zip(RECYCLING_METRICS, totals, strict=True):
            where = {"country": country, "mineral": mineral, "stage": SCRAP}
            rows.add(metric, "t", value, len(result.reps), **where)
    if result.scenario.policy is not None:
        rows.add(POLICY_COST_USD, "USD", policy_cost_usd(result, paired), len(result.reps))
    keys = pd.DataFrame(rows.keys, columns=list(METRIC_KEY)).astype("category")
    values = np.vstack(rows.values) if rows.values else np.zeros((0, len(result.reps)))
    return MetricTable(keys, values, result.reps)


def time_to_survive(
    fill: np.ndarray, days: np.ndarray, onset: np.ndarray, threshold: float
) -> np.ndarray:
    """Days from onset to the first review at or after it with fill < threshold (inf: never).

    `fill` is (periods, R); `days` the review days (periods,); `onset` per replication (R,).
    """
    short = (fill < threshold) & (days[:, None] >= onset[None, :])
    first = short.argmax(axis=0)
    return np.where(short.any(axis=0), days[first] - onset, np.inf)


def time_to_recover(
    fill: np.ndarray,
    days: np.ndarray,
    onset: np.ndarray,
    end: np.ndarray,
    threshold: float,
    settle_reviews: int,
) -> np.ndarray:
    """Days from onset to the first review at or after `end`, and after the first review below
    the threshold from the onset on, from which fill stays >= threshold for `settle_reviews`
    reviews, all inside the horizon (inf: not seen; NaN: fill never fell below the threshold
    from the onset on, so there is nothing to recover from)."""
    survive = time_to_survive(fill, days, onset, threshold)
    periods = fill.shape[0]
    below = np.vstack([np.zeros((1, fill.shape[1])), np.cumsum(fill < threshold, axis=0)])
    width = max(1, settle_reviews)
    starts = np.arange(periods - width + 1)
    if starts.size == 0:
        return np.where(np.isinf(survive), np.nan, np.inf)
    calm = (below[starts + width] - below[starts]) == 0
    since = days[starts][:, None]
    ok = calm & (since >= end[None, :]) & (since > (onset + survive)[None, :])
    first = ok.argmax(axis=0)
    recover = np.where(ok.any(axis=0), days[starts][first] - onset, np.inf)
    return np.where(np.isinf(survive), np.nan, recover)


def _market_metrics(result: RunResult, options: MetricOptions, rows: _Rows) -> None:
    """Market metrics from the run's tracker (accumulated review by review)."""
    reps, rec = len(result.reps), result.recorder
    track = rec.tracker
    assert track is not None
    markets = [m for m in result.scenario.network.of_kind("market") if isinstance(m, MarketSpec)]
    recovery = track.recovery()
    for i, market in enumerate(markets):
        name, unit = market.name, market.unit
        where = {"market": name, "country": market.country}
        demand, delivered = track.demand[i], track.delivered[i]
        rows.add(DEMAND_UNITS, unit, demand, reps, **where)
        rows.add(DELIVERED_UNITS, unit, delivered, reps, **where)
        rows.add(SHORTFALL_UNITS, unit, demand - delivered, reps, **where)
        rows.add(FILL_RATE, "ratio", fill_rate(delivered, demand), reps, **where)
        rows.add(PEAK_SHORTFALL_UNITS, f"{unit}/review", track.peak[i], reps, **where)
        rows.add(ANY_SHORTFALL, "0/1", np.isfinite(track.first_short[i]), reps, **where)
        rows.add(FIRST_SHORTFALL_DAY, "day", track.first_short[i], reps, **where)
        cover = np.full(reps, np.inf)
        for mineral in market.intensity_kg_per_unit:
            key = (name, mineral, COMPONENT, SHORTFALL_T)
            lost = rec.horizon_sum(key) if market.unmet == "lost" else rec.horizon_last(key)
            rows.add(SHORTFALL_T, "t", lost, reps, mineral=mineral, **where)
            cover = np.minimum(cover, rec.horizon_min((name, mineral, COMPONENT, COVER_DAYS)))
        rows.add(MIN_COVER_DAYS, "days", cover, reps, **where)
        for s, draws in enumerate(result.shocks):
            label = draws.shock.name or f"{draws.shock.type}#{draws.index + 1}"
            rows.add(TTS_DAYS, "days", track.tts[s, i], reps, shock=label, **where)
            rows.add(TTR_DAYS, "days", recovery[s, i], reps, shock=label, **where)


def recycling_totals(
    result: RunResult,
) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per recycler country and mineral: scrap collected (shipped to its recyclers), recycled
    (fed into recycling: output / yield) and left in their stock at the end, t per replication
    (`RECYCLING_METRICS`). Empty for a network without recyclers."""
    network, state = result.scenario.network, result.state
    shipped = result.recorder.shipped_totals()
    made = result.recorder.production_totals()
    found: dict[tuple[str, str], list[np.ndarray]] = {}
    for node in network.of_kind("recycler"):
        assert isinstance(node, RecyclerSpec)
        mineral = node.mineral
        collected = sum(
            (shipped[k.index] for k in network.in_links[node.name] if k.stage == SCRAP),
            start=np.zeros(len(result.reps)),
        )
        recycled = made[(node.name, mineral, REFINED, PRODUCTION_T)] / node.yield_
        left = state.stock[node.name][(mineral, SCRAP)]
        totals = found.setdefault((node.country, mineral), [np.zeros(len(result.reps))] * 3)
        for i, value in enumerate((collected, recycled, left)):
            totals[i] = totals[i] + value
    return {key: (v[0], v[1], v[2]) for key, v in sorted(found.items())}


def concentration(
    shares: np.ndarray, aggregate: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HHI (sum of squared shares, 0-1), CR3 (top-3 share) and the aggregates' share, over
    axis 0 of a shares array (one row per country; shares of the whole, aggregates included).

    Rows flagged in `aggregate` (boolean, one per row: `vocabulary.is_aggregate`, e.g. XW, the
    rest of the world) are not one country, so HHI and CR3 are summed over the named countries
    only, with their shares left as shares of the whole (not renormalised); the aggregates'
    combined share is returned apart. Shares {CN 0.5, XW 0.3, AU 0.2} give HHI 0.29, CR3 0.7 and
    aggregate share 0.3. HHI is then a lower bound: the aggregate's members would add at most the
    square of its share."""
    shares = np.asarray(shares, dtype=float)
    mask = np.zeros(shares.shape[0], dtype=bool) if aggregate is None else np.asarray(aggregate)
    named = shares[~mask]
    outside = shares[mask].sum(axis=0) if mask.any() else np.zeros(shares.shape[1:])
    if not len(named):
        zero = np.zeros(shares.shape[1:])
        return zero, zero.copy(), outside
    return hhi(named, axis=0), top_share(named, 3, axis=0), outside


def _shares(groups: dict[str, np.ndarray], reps: int) -> tuple[list[str], np.ndarray] | None:
    names = sorted(groups)
    if not names:
        return None
    stacked = np.vstack([groups[n] for n in names])
    total = stacked.sum(axis=0)
    if not (total > 0).any():
        return None
    return names, np.divide(stacked, total, out=np.zeros_like(stacked), where=total > 0)


def _aggregates(countries: list[str]) -> np.ndarray:
    """Which of these country codes are aggregates (XW and the other X? codes)."""
    return np.array([is_aggregate(c) for c in countries], dtype=bool)


def _concentration_metrics(result: RunResult, options: MetricOptions, rows: _Rows) -> None:
    network, reps = result.scenario.network, len(result.reps)
    world: dict[tuple[str, str], dict[str, np.ndarray]] = defaultdict(dict)
    for (node, mineral, stage, _), made in result.recorder.production_totals().items():
        country = network.nodes[node].country
        bucket = world[(mineral, stage)]
        bucket[country] = bucket.get(country, 0.0) + made
    for (mineral, stage), groups in sorted(world.items()):
        found = _shares(groups, reps)
        if found is not None:
            index, cr3, outside = concentration(found[1], _aggregates(found[0]))
            rows.add(WORLD_HHI, "0-1", index, reps, mineral=mineral, stage=stage)
            rows.add(WORLD_CR3, "share", cr3, reps, mineral=mineral, stage=stage)
            rows.add(WORLD_AGGREGATE_SHARE, "share", outside, reps, mineral=mineral, stage=stage)
    consumers = sorted({n.country for n in network.of_kind("market")})
    shipped = result.recorder.shipped_totals()
    inflow: dict[tuple[str, str, str], dict[str, np.ndarray]] = defaultdict(dict)
    for link in network.links:
        buyer = network.nodes[link.buyer].country
        if buyer not in consumers or link.stage == SCRAP:
            continue
        origin = network.nodes[link.supplier].country
        bucket = inflow[(buyer, link.mineral, link.stage)]
        bucket[origin] = bucket.get(origin, 0.0) + shipped[link.index]
    for (country, mineral, stage), groups in sorted(inflow.items()):
        found = _shares(groups, reps)
        if found is None:
            continue
        names, shares = found
        index, cr3, outside = concentration(shares, _aggregates(names))
        where = {"country": country, "mineral": mineral, "stage": stage}
        rows.add(SOURCING_HHI, "0-1", index, reps, **where)
        rows.add(SOURCING_CR3, "share", cr3, reps, **where)
        rows.add(SOURCING_AGGREGATE_SHARE, "share", outside, reps, **where)
        domestic = shares[names.index(country)] if country in names else 0.0
        rows.add(IMPORT_RELIANCE, "share", 1.0 - domestic, reps, **where)
        for partner in options.share_from:
            if partner != country:
                share = shares[names.index(partner)] if partner in names else 0.0
                rows.add(SHARE_FROM, "share", share, reps, partner=partner, **where)


def summarize(table: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
    """Ensemble statistics per metric key from a tidy per-run table (`replications`: how many
    runs it holds). The statistics are over the replications where the metric is defined: a NaN
    (the time to recover of a market that never fell short in that replication) is left out,
    and a metric undefined in every replication gets blank statistics. Shortfall metrics add
    95% percentile-bootstrap intervals of P(shortfall), P95 and CVaR95
    (`sim.analysis.bootstrap`, seeded by `seed`; the same resamples for every metric with the
    same number of replications)."""
    rows = []
    rng = bootstrap.generator(seed)
    resamples: dict[int, np.ndarray] = {}
    for key, group in table.groupby(list(METRIC_KEY), sort=False, dropna=False, observed=True):
        values = group["value"].to_numpy(dtype=float)
        runs = len(values)
        values = values[~np.isnan(values)]
        if not len(values):
            rows.append({**dict(zip(METRIC_KEY, key, strict=True)), "replications": runs})
            continue
        finite = values[np.isfinite(values)]
        row = dict(zip(METRIC_KEY, key, strict=True))
        p5, p50, p95 = quantiles(values)
        row.update(
            replications=runs,
            mean=float(values.mean()),
            p5=p5,
            p50=p50,
            p95=p95,
            share_finite=len(finite) / len(values),
        )
        if row["metric"] in SHORTFALL_METRICS:
            row["prob_positive"] = float((values > 0).mean())
            row["cvar95"] = cvar(values, 0.95)
            if len(values) not in resamples:
                resamples[len(values)] = bootstrap.indices(len(values), rng)
            row.update(bootstrap.shortfall_intervals(values, resamples[len(values)]))
        rows.append(row)
    return pd.DataFrame(rows)


def quantiles(values: np.ndarray, axis: int | None = None) -> tuple[Any, ...]:
    """P5, P50, P95 as values that occur in the sample (inverse of the empirical CDF), so that
    infinite values (a market that never falls short) give no NaN."""
    q = np.quantile(values, [0.05, 0.5, 0.95], axis=axis, method="inverted_cdf")
    return tuple(q) if axis is not None else tuple(float(v) for v in q)


def cvar(values: np.ndarray, level: float = 0.95) -> float:
    """Conditional value at risk: the mean of the worst (1 - level) share of outcomes (at least
    one), higher being worse."""
    ordered = np.sort(np.asarray(values, dtype=float))
    tail = max(1, math.ceil(len(ordered) * (1.0 - level) - 1e-9))
    return float(ordered[-tail:].mean())


_T95 = [
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
]
"""Two-sided 95% Student t quantiles for 1-30 degrees of freedom (standard tables)."""


def t95(dof: int) -> float:
    """Two-sided 95% Student t quantile: the table up to 30 degrees of freedom, then the
    expansion z + (z^3 + z) / (4 dof), within 0.2% of the exact value."""
    if dof < 1:
        return math.inf
    if dof <= 30:
        return _T95[dof - 1]
    z = 1.959964
    return z + (z**3 + z) / (4.0 * dof)


def paired_delta(
    policy: Sequence[float] | np.ndarray, baseline: Sequence[float] | np.ndarray
) -> dict[str, float]:
    """Mean of policy - baseline over paired replications, with a 95% t confidence interval.

    Pairs with an infinite or NaN side are dropped (`pairs` says how many were used), except
    when every pair goes from finite to infinite in the same direction (a policy under which a
    market never falls short: its time to survive becomes infinite): the change is then that
    infinity, with no interval and `pairs` 0.
    """
    left, right = np.asarray(policy, dtype=float), np.asarray(baseline, dtype=float)
    diff = np.zeros(np.broadcast(left, right).shape)
    np.subtract(left, right, out=diff, where=left != right)  # inf == inf counts as no change
    if diff.size and np.isinf(diff).all() and len(np.unique(diff)) == 1:
        # Every pair changes from finite to never (or back): the policy removes the shortfall
        # (TTS +inf) in every replication; the change is that, not a blank.
        return {"delta": float(diff[0]), "ci_low": math.nan, "ci_high": math.nan, "pairs": 0}
    diff = diff[np.isfinite(diff)]
    n = len(diff)
    if n == 0:
        return {"delta": math.nan, "ci_low": math.nan, "ci_high": math.nan, "pairs": 0}
    mean = float(diff.mean())
    if n == 1:
        return {"delta": mean, "ci_low": math.nan, "ci_high": math.nan, "pairs": 1}
    half = t95(n - 1) * float(diff.std(ddof=1)) / math.sqrt(n)
    return {"delta": mean, "ci_low": mean - half, "ci_high": mean + half, "pairs": n}
