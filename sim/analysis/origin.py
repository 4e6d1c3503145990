"""Embodied origin as results: shares over time per market (origin.csv), origin by link with
re-exports and licensing (origin_flows.csv), and per-replication metrics (origin_share,
eligible_share). Definitions: `sim/scenario/origin.py` (tags, well-mixed pools) and
`sim/vocabulary.py` (columns).

A batch reduces its `OriginBook` to `OriginSums` (sums over its replications, plus the shares
of its first `band_reps` replications for quantiles), and the main process adds the batches up
(`merge`), so memory is bounded whatever the number of replications; a single run is one batch.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.simulate import RunResult

if TYPE_CHECKING:
    from sim.engine.origin import OriginBook
from sim.scenario.loader import Scenario
from sim.scenario.network import MarketSpec
from sim.vocabulary import (
    ELIGIBLE_SHARE,
    ORIGIN_COLUMNS,
    ORIGIN_FLOWS_COLUMNS,
    ORIGIN_SHARE,
)


@dataclass
class OriginSums:
    """What a batch's origin book leaves behind: small and picklable."""

    reps: int
    periods: int
    bucket_days: int
    tags: list[tuple[str, str]]
    pairs: list[tuple[str, str]]
    delivered: np.ndarray
    """t put in use per bucket, pair and tag, summed over replications, (B, Q, K)."""
    delivered_t: np.ndarray
    """t put in use per bucket and pair, summed over replications, (B, Q)."""
    kept: np.ndarray
    """Shares per bucket, pair and tag of the kept replications, (B, Q, K, kept) float32 (NaN
    where nothing was put in use)."""
    link_tags: np.ndarray
    """t shipped per link and tag, summed over replications, (L, K)."""
    link_t: np.ndarray
    """t shipped per link, summed over replications, (L,)."""
    licensed_t: np.ndarray
    licensed_reviews: np.ndarray
    eligible: np.ndarray
    """Units counted by each eligibility rule per market, summed, (rules, M)."""
    built: np.ndarray
    """Units built per market, summed, (M,)."""


def book_of(result: RunResult) -> OriginBook | None:
    """The run's origin book (None when it does not track origin)."""
    return result.state.origin


def batch_sums(result: RunResult, band_reps: int | None = None) -> OriginSums | None:
    """A run's origin reduced for the ensemble (None when it does not track origin);
    `band_reps`: keep the shares of replications below it (None: all)."""
    book = book_of(result)
    if book is None:
        return None
    keep = [i for i, rep in enumerate(result.reps) if band_reps is None or rep < band_reps]
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = book.delivered[..., keep] / book.delivered_t[:, :, None, keep]
    return OriginSums(
        reps=len(result.reps),
        periods=result.n_periods,
        bucket_days=book.bucket_days,
        tags=list(book.tags),
        pairs=list(book.pair_names),
        delivered=book.delivered.sum(axis=-1),
        delivered_t=book.delivered_t.sum(axis=-1),
        kept=shares.astype(np.float32),
        link_tags=book.link_totals.copy(),
        link_t=result.recorder.shipped_totals().sum(axis=-1),
        licensed_t=book.licensed_t.sum(axis=-1),
        licensed_reviews=book.licensed_reviews.sum(axis=-1),
        eligible=book.eligible_units.sum(axis=-1),
        built=book.built_units.sum(axis=-1),
    )


def merge(parts: list[OriginSums]) -> OriginSums | None:
    """The batches added up (in replication order)."""
    if not parts:
        return None
    first = parts[0]
    summed = {
        f.name: sum((getattr(p, f.name) for p in parts[1:]), getattr(first, f.name).copy())
        for f in fields(OriginSums)
        if f.name not in ("reps", "periods", "bucket_days", "tags", "pairs", "kept")
    }
    return dataclasses.replace(
        first,
        reps=sum(p.reps for p in parts),
        kept=np.concatenate([p.kept for p in parts], axis=-1),
        **summed,
    )


def origin_frame(scenario: Scenario, sums: OriginSums | None) -> pd.DataFrame | None:
    """origin.csv: per bucket, market, mineral and tag that ever reached the market, the
    share of what it put in use (None when the run does not track origin)."""
    if sums is None:
        return None
    spec, network = scenario.spec, scenario.network
    buckets = sums.delivered.shape[0]
    reached = sums.delivered.sum(axis=0) > 0  # (Q, K)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums.delivered / sums.delivered_t[:, :, None]
    quant = np.full((3, *sums.kept.shape[:-1]), np.nan)
    if sums.kept.shape[-1]:
        with warnings.catch_warnings():  # a bucket with no deliveries in any kept replication
            warnings.simplefilter("ignore", RuntimeWarning)
            quant = np.nanquantile(
                sums.kept.astype(float), [0.05, 0.5, 0.95], axis=-1, method="inverted_cdf"
            )
    rows = []
    start = pd.Timestamp(spec.start)
    horizon = spec.horizon_days
    for b in range(buckets):
        day = b * sums.bucket_days
        days = min(sums.bucket_days, horizon - day)
        for q, (market, mineral) in enumerate(sums.pairs):
            country = network.nodes[market].country
            for k in np.flatnonzero(reached[q]):
                stage, origin = sums.tags[k]
                rows.append(
                    (
                        b,
                        day,
                        start + pd.Timedelta(days=day),
                        days,
                        market,
                        country,
                        mineral,
                        stage,
                        origin,
                        mean[b, q, k],
                        quant[0, b, q, k],
                        quant[1, b, q, k],
                        quant[2, b, q, k],
                        sums.delivered_t[b, q] / sums.reps,
                        sums.reps,
                    )
                )
    return pd.DataFrame(rows, columns=list(ORIGIN_COLUMNS))


def flows_frame(scenario: Scenario, sums: OriginSums | None) -> pd.DataFrame | None:
    """origin_flows.csv: per link and tag of origin inside it, means over replications."""
    if sums is None:
        return None
    network = scenario.network
    rows = []
    reviews = sums.periods * sums.reps
    for link in network.links:
        shipped = sums.link_t[link.index] / sums.reps
        seller = network.nodes[link.supplier].country
        buyer = network.nodes[link.buyer].country
        for k in np.flatnonzero(sums.link_tags[link.index] > 0):
            stage, origin = sums.tags[k]
            inside = sums.link_tags[link.index, k] / sums.reps
            rows.append(
                (
                    link.label,
                    link.supplier,
                    link.buyer,
                    seller,
                    buyer,
                    link.mineral,
                    link.stage,
                    stage,
                    origin,
                    shipped,
                    inside,
                    inside / shipped if shipped > 0 else np.nan,
                    seller != buyer and origin != seller,
                    sums.licensed_reviews[link.index] / reviews,
                    sums.licensed_t[link.index] / sums.reps,
                )
            )
    return pd.DataFrame(rows, columns=list(ORIGIN_FLOWS_COLUMNS))


def metric_rows(result: RunResult) -> list[tuple[str, str, np.ndarray, dict[str, str]]]:
    """Per-replication origin metrics as (metric, unit, values (R,), key): the share of each
    origin in what each market put in use over the horizon, and the share of units each
    eligibility rule counts."""
    book = book_of(result)
    if book is None:
        return []
    network = result.scenario.network
    out: list[tuple[str, str, np.ndarray, dict[str, str]]] = []
    delivered = book.delivered.sum(axis=0)  # (Q, K, R)
    total = book.delivered_t.sum(axis=0)  # (Q, R)
    for q, (market, mineral) in enumerate(book.pair_names):
        country = network.nodes[market].country
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = delivered[q] / total[q]
        for k in np.flatnonzero(delivered[q].sum(axis=-1) > 0):
            stage, origin = book.tags[k]
            key = {
                "market": market,
                "country": country,
                "mineral": mineral,
                "stage": stage,
                "partner": origin,
            }
            out.append((ORIGIN_SHARE, "share", shares[k], key))
    markets = [n for n in network.nodes.values() if isinstance(n, MarketSpec)]
    for r, rule in enumerate(book.rules):
        for m, spec in enumerate(markets):
            if not rule.markets.matches(spec):
                continue
            built = book.built_units[m]
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(built > 0, book.eligible_units[r, m] / built, np.nan)
            key = {
                "market": spec.name,
                "country": spec.country,
                "shock": rule.name,
                "partner": rule.origin_country,
            }
            out.append((ELIGIBLE_SHARE, "share", share, key))
    return out
