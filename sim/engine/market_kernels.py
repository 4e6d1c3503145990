"""The markets' review compiled with numba when it is installed: building product units from
the components on hand (`build`), end of life and collection (`retire`), the market tracker's
running metrics (`track`) and days of cover (`cover`), each one pass over rows x replications
with no temporaries.

Each has a numpy version (the engine's earlier code, moved) doing the same arithmetic in the
same order, so both give bitwise-identical results (tests/test_market_kernels.py); `SIM_NO_JIT=1`
in the environment, or no numba, selects the numpy versions (`sim.engine.jit`). The loops
take minima and maxima as numpy does: NaN wins, and of two equal values the second.

Shapes: M markets, Q (market, mineral) pairs (a market's pairs contiguous, from `starts[m]`),
R replications. A (n, 1) factor (demand, t per unit, collection, kg-per-unit ratio) applies to
every replication, as numpy broadcasts it. Units are product units per review; pair values are
t per review.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.jit import JIT, compiled
from sim.vocabulary import fill_rate

EPS_USE = 1e-12
"""Expected use (t per day) below which a pair has no cover to speak of (inf)."""
EPS_DAYS = 1e-9
"""Tolerance of the cover scan's comparisons with whole reviews, days."""


def _fill_rate_value(delivered: float, demand: float) -> float:  # pragma: no cover - compiled
    """`sim.vocabulary.fill_rate` of one element: delivered / demand, 1 where demand <= 0."""
    return delivered / demand if demand > 0 else 1.0


def _fill_ratio_value(available: float, asked: float) -> float:  # pragma: no cover - compiled
    """`sim.vocabulary.fill_ratio` of one element: available / asked where asked exceeds
    available, else 1."""
    return available / asked if asked > available else 1.0


fill_rate_value: Any = compiled(_fill_rate_value, _fill_rate_value)
fill_ratio_value: Any = compiled(_fill_ratio_value, _fill_ratio_value)


def build_numpy(
    stocks: np.ndarray,
    backlog: np.ndarray,
    units: np.ndarray,
    pair_t: np.ndarray,
    demand: np.ndarray,
    demand_row: np.ndarray,
    base: np.ndarray,
    noise: np.ndarray,
    noisy: np.ndarray,
    t_per_unit: np.ndarray,
    index: np.ndarray,
) -> None:
    """Each market wants `base` (M, 1) x `demand[demand_row]` x `noise` (its rows `noisy`)
    units plus its `backlog` (M, R) and builds as many as the components on hand allow,
    `stocks[pair_slot] / t_per_unit` (Q, 1 or R) at its scarcest mineral, taking them from
    `stocks`. `index` rows: pair_slot, pair_market (Q,), starts (first pair of each market,
    padded to Q), backlogs (1 for a backlog market, padded). Writes `units` (4, M, R): wanted
    new, built, unmet, backlog (the new `backlog` too, 0 where lost), and `pair_t` (3, Q, R):
    t used, t demanded, t short."""
    pair_slot, pair_market = index[0], index[1]
    M = base.shape[0]
    starts, backlogs = index[2, :M], index[3, :M].astype(bool)
    new, built, unmet = units[0], units[1], units[2]
    new[:] = base * demand[demand_row]
    for k, i in enumerate(noisy.tolist()):
        new[i] *= noise[k]
    wanted = new + backlog
    on_hand = stocks[pair_slot]
    possible = np.divide(  # a mineral thrifted away entirely (0 t per unit) limits nothing
        on_hand, t_per_unit, out=np.full_like(on_hand, np.inf), where=t_per_unit > 0
    )
    possible = np.minimum.reduceat(possible, starts, axis=0)
    built[:] = np.maximum(np.minimum(possible, wanted), 0.0)
    unmet[:] = wanted - built  # lost sales, or for a backlog market the units still waiting
    backlog[:] = np.where(backlogs[:, None], unmet, 0.0)
    units[3] = backlog
    used = pair_t[0]
    used[:] = built[pair_market] * t_per_unit
    stocks[pair_slot] = np.maximum(stocks[pair_slot] - used, 0.0)  # rounding only
    pair_t[1] = new[pair_market] * t_per_unit
    pair_t[2] = unmet[pair_market] * t_per_unit


def _build_loop(
    stocks: np.ndarray,
    backlog: np.ndarray,
    units: np.ndarray,
    pair_t: np.ndarray,
    demand: np.ndarray,
    demand_row: np.ndarray,
    base: np.ndarray,
    noise: np.ndarray,
    noisy: np.ndarray,
    t_per_unit: np.ndarray,
    index: np.ndarray,
) -> None:  # pragma: no cover - compiled
    _, M, R = units.shape
    Q = pair_t.shape[1]
    each_d, each_t = demand.shape[1] > 1, t_per_unit.shape[1] > 1
    for m in range(M):
        row = demand_row[m]
        for r in range(R):
            units[0, m, r] = base[m, 0] * demand[row, r if each_d else 0]
    for k in range(noisy.shape[0]):
        i = noisy[k]
        for r in range(R):
            units[0, i, r] *= noise[k, r]
    for m in range(M):
        first = index[2, m]
        last = index[2, m + 1] if m + 1 < M else Q
        for r in range(R):
            possible = np.inf
            for q in range(first, last):
                t = t_per_unit[q, r if each_t else 0]
                can = stocks[index[0, q], r] / t if t > 0 else np.inf
                if q == first or not (possible < can or possible != possible):
                    possible = can
            wanted = units[0, m, r] + backlog[m, r]
            b = possible if (possible < wanted or possible != possible) else wanted
            b = b if (b > 0.0 or b != b) else 0.0
            units[1, m, r] = b
            short = wanted - b
            units[2, m, r] = short
            backlog[m, r] = short if index[3, m] else 0.0
            units[3, m, r] = backlog[m, r]
    for q in range(Q):
        slot, m = index[0, q], index[1, q]
        for r in range(R):
            t = t_per_unit[q, r if each_t else 0]
            used = units[1, m, r] * t
            pair_t[0, q, r] = used
            left = stocks[slot, r] - used
            stocks[slot, r] = left if (left > 0.0 or left != left) else 0.0
            pair_t[1, q, r] = units[0, m, r] * t
            pair_t[2, q, r] = units[2, m, r] * t


def retire_numpy(
    eol: np.ndarray,
    collected: np.ndarray,
    in_use: np.ndarray,
    uncollected: np.ndarray,
    outgoing: np.ndarray,
    used: np.ndarray,
    legacy: np.ndarray,
    given: np.ndarray,
    collection: np.ndarray,
    target: np.ndarray,
    scrap: np.ndarray,
    scrap_share: np.ndarray,
) -> None:
    """End of life at the review, t (Q, R): `eol` is the legacy flow `legacy` (Q, 1) except
    where `given` (fixed-lifetime rings and cohorts, filled by the caller); the share
    `collection` (Q, 1 or R) of it is `collected` and ships on the scrap links (`scrap` rows:
    link, pair; `scrap_share` (n, 1)) into `outgoing` (links, R); the rest is `uncollected`
    per mineral (`target` row of each pair, added in pair order); the in-use stock `in_use`
    gains `used` and loses `eol`."""
    keep = given.astype(bool)
    eol[~keep] = legacy[~keep]
    collected[:] = eol * collection
    for q, row in enumerate(target.tolist()):  # the order of `arrays.SegmentSum`
        uncollected[row] += eol[q] - collected[q]
    if scrap.shape[1]:
        outgoing[scrap[0]] += collected[scrap[1]] * scrap_share
    in_use += used - eol


def _retire_loop(
    eol: np.ndarray,
    collected: np.ndarray,
    in_use: np.ndarray,
    uncollected: np.ndarray,
    outgoing: np.ndarray,
    used: np.ndarray,
    legacy: np.ndarray,
    given: np.ndarray,
    collection: np.ndarray,
    target: np.ndarray,
    scrap: np.ndarray,
    scrap_share: np.ndarray,
) -> None:  # pragma: no cover - compiled
    Q, R = eol.shape
    each = collection.shape[1] > 1
    for q in range(Q):
        row = target[q]
        for r in range(R):
            if not given[q]:
                eol[q, r] = legacy[q, 0]
            out = eol[q, r]
            kept = out * collection[q, r if each else 0]
            collected[q, r] = kept
            uncollected[row, r] += out - kept
            in_use[q, r] += used[q, r] - out
    for k in range(scrap.shape[1]):
        link, q = scrap[0, k], scrap[1, k]
        for r in range(R):
            outgoing[link, r] += collected[q, r] * scrap_share[k, 0]


def track_numpy(
    running: np.ndarray,
    run_length: np.ndarray,
    times: np.ndarray,
    bounds: np.ndarray,
    band: np.ndarray,
    units: np.ndarray,
    day: float,
    step: float,
    settle: float,
    threshold: float,
) -> None:
    """One review of the market tracker (`tracker.MarketTracker.update`): `units` (3, M, R) the
    review's demand, deliveries and shortfall; `running` (5, M, R) sums of demand and
    deliveries, peak shortfall, first day short, start of the calm run; `run_length` (M, R)
    reviews in the calm run; `times` (2, S, M, R) TTS and TTR per shock, days; `bounds`
    (2, S, 1, R) each shock's onset and first review from which it may recover; `band`
    (3, M, R) the review's time bucket of band sums."""
    demand, delivered, shortfall = units[0], units[1], units[2]
    running[0] += demand
    running[1] += delivered
    np.maximum(running[2], shortfall, out=running[2])
    first_short, run_start = running[3], running[4]
    short = shortfall > 1e-9 * np.maximum(demand, 1.0)
    first_short[short & np.isinf(first_short)] = day
    band += units
    below = fill_rate(delivered, demand) < threshold
    run_start[:] = np.where(run_length == 0, day, run_start)
    run_length[:] = np.where(below, 0, run_length + 1)
    tts, ttr = times[0], times[1]
    if not tts.shape[0]:
        return
    onsets, recover_from = bounds[0], bounds[1]
    survived = below & (day >= onsets) & np.isinf(tts)
    tts[survived] = np.broadcast_to(day - onsets, tts.shape)[survived]
    # Recovery is counted only once the market has fallen below the threshold after the
    # onset (finite TTS): the calm run then started after that review, so TTR > TTS.
    start = np.maximum(run_start, recover_from)
    steady = (
        (run_length > 0)
        & np.isfinite(tts)
        & (day >= start)
        & ((day - start) / step + 1 >= settle - 1e-9)
        & np.isinf(ttr)
    )
    ttr[steady] = (start - onsets)[steady]


def _track_loop(
    running: np.ndarray,
    run_length: np.ndarray,
    times: np.ndarray,
    bounds: np.ndarray,
    band: np.ndarray,
    units: np.ndarray,
    day: float,
    step: float,
    settle: float,
    threshold: float,
) -> None:  # pragma: no cover - compiled
    _, M, R = units.shape
    S = times.shape[1]
    for m in range(M):
        for r in range(R):
            demand, delivered, shortfall = units[0, m, r], units[1, m, r], units[2, m, r]
            running[0, m, r] += demand
            running[1, m, r] += delivered
            peak = running[2, m, r]
            running[2, m, r] = peak if (peak > shortfall or peak != peak) else shortfall
            scale = demand if (demand > 1.0 or demand != demand) else 1.0
            if shortfall > 1e-9 * scale and np.isinf(running[3, m, r]):
                running[3, m, r] = day
            band[0, m, r] += demand
            band[1, m, r] += delivered
            band[2, m, r] += shortfall
            below = fill_rate_value(delivered, demand) < threshold
            if run_length[m, r] == 0:
                running[4, m, r] = day
            run_length[m, r] = 0 if below else run_length[m, r] + 1
            run_start = running[4, m, r]
            for s in range(S):
                onset, ended = bounds[0, s, 0, r], bounds[1, s, 0, r]
                if below and day >= onset and np.isinf(times[0, s, m, r]):
                    times[0, s, m, r] = day - onset
                start = run_start if (run_start > ended or run_start != run_start) else ended
                if (
                    run_length[m, r] > 0
                    and np.isfinite(times[0, s, m, r])
                    and day >= start
                    and (day - start) / step + 1 >= settle - 1e-9
                    and np.isinf(times[1, s, m, r])
                ):
                    times[1, s, m, r] = start - onset


def first_short_numpy(
    ring: np.ndarray,
    first: np.ndarray,
    links: np.ndarray,
    on_hand: np.ndarray,
    per_day: np.ndarray,
    period: int,
    step: float,
) -> np.ndarray:
    """Per (pair, replication): (on hand + arrivals up to review j) / daily use at the first
    next review j that falls short of j reviews of use, days; inf where none does within the
    ring's reach. Pair q is fed by the links `links[first[q]:first[q + 1]]` (arrivals added in
    link order) of the transit ring `ring` (slots, links, R). Scans the next reviews one at a
    time and stops as soon as every element is settled (short already, or covered to the
    ring's end by what it holds)."""
    depth = ring.shape[0]
    found = np.full(on_hand.shape, np.inf)
    open_ = np.ones(on_hand.shape, dtype=bool)
    held = on_hand.copy()
    counts = np.diff(first)
    levels = [
        (links[first[:-1][counts > level] + level], np.flatnonzero(counts > level))
        for level in range(int(counts.max(initial=0)))
    ]
    for j in range(1, depth):
        slot = (period + j) % depth
        arriving = np.zeros(on_hand.shape)
        (feeding, rows), *more = levels
        arriving[rows] = ring[slot, feeding]
        for feeding, rows in more:  # further links of a pair, added in link order
            arriving[rows] += ring[slot, feeding]
        held = arriving + held  # on hand + arrivals up to review j
        days = held / per_day
        short = open_ & (days < j * step - EPS_DAYS)
        found[short] = days[short]
        open_ &= ~short
        if not (open_ & (days < (depth - 1) * step - EPS_DAYS)).any():
            break  # the rest hold enough for every review the ring reaches
    return found


def cover_numpy(
    cover: np.ndarray,
    stocks: np.ndarray,
    inbound: np.ndarray,
    ring: np.ndarray,
    demand: np.ndarray,
    expected_use: np.ndarray,
    ratio: np.ndarray,
    index: np.ndarray,
    links: np.ndarray,
    period: int,
    step: float,
) -> None:
    """Days of cover per pair (`markets.Markets.record_cover`) into `cover` (Q, R). Expected
    use, t per day: `expected_use` (Q, 1) x the demand factor `demand[demand_row]` x the
    kg-per-unit `ratio` (Q, 1 or R); held: the stocks `stocks[pair_slot]`, what is in transit
    toward them, `inbound[pair_slot]` (t per stock row) and, review by review, the arrivals in
    `ring` (`first_short_numpy`). `index` rows: pair_slot, demand_row, first (padded to Q + 1)."""
    Q = cover.shape[0]
    pair_slot, demand_row, first = index[0, :Q], index[1, :Q], index[2]
    use = expected_use * demand[demand_row]
    use = use * ratio
    on_hand = stocks[pair_slot]
    per_day = np.where(use > EPS_USE, use, 1.0)
    everything = (on_hand + inbound[pair_slot]) / per_day
    if links.size and ring.shape[0] > 1:
        found = first_short_numpy(ring, first, links, on_hand, per_day, period, step)
        everything = np.minimum(everything, found)
    cover[:] = np.where(use > EPS_USE, everything, np.inf)


def _cover_loop(
    cover: np.ndarray,
    stocks: np.ndarray,
    inbound: np.ndarray,
    ring: np.ndarray,
    demand: np.ndarray,
    expected_use: np.ndarray,
    ratio: np.ndarray,
    index: np.ndarray,
    links: np.ndarray,
    period: int,
    step: float,
) -> None:  # pragma: no cover - compiled
    Q, R = cover.shape
    depth = ring.shape[0]
    each_d, each_x = demand.shape[1] > 1, ratio.shape[1] > 1
    use = np.empty((Q, R))
    held = np.empty((Q, R))
    found = np.full((Q, R), np.inf)
    open_ = np.ones((Q, R), dtype=np.bool_)
    for q in range(Q):
        slot, row = index[0, q], index[1, q]
        for r in range(R):
            u = expected_use[q, 0] * demand[row, r if each_d else 0]
            u = u * ratio[q, r if each_x else 0]
            use[q, r] = u
            held[q, r] = stocks[slot, r]
            cover[q, r] = u if u > EPS_USE else 1.0  # daily use, until the end
    if links.size and depth > 1:
        end = (depth - 1) * step - EPS_DAYS
        for j in range(1, depth):
            at = (period + j) % depth
            bar = j * step - EPS_DAYS
            undecided = False
            for q in range(Q):
                lo, hi = index[2, q], index[2, q + 1]
                for r in range(R):
                    if not open_[q, r]:
                        continue
                    arriving = ring[at, links[lo], r] if hi > lo else 0.0
                    for i in range(lo + 1, hi):
                        arriving += ring[at, links[i], r]
                    held[q, r] = arriving + held[q, r]
                    days = held[q, r] / cover[q, r]
                    if days < bar:
                        found[q, r] = days
                        open_[q, r] = False
                    elif days < end:
                        undecided = True
            if not undecided:
                break  # the rest hold enough for every review the ring reaches
    for q in range(Q):
        slot = index[0, q]
        for r in range(R):
            if not use[q, r] > EPS_USE:
                cover[q, r] = np.inf
                continue
            days = (stocks[slot, r] + inbound[slot, r]) / cover[q, r]
            short = found[q, r]
            cover[q, r] = days if (days < short or days != days) else short


build: Any = compiled(_build_loop, build_numpy)
retire: Any = compiled(_retire_loop, retire_numpy)
track: Any = compiled(_track_loop, track_numpy)
cover: Any = compiled(_cover_loop, cover_numpy)
__all__ = ["JIT", "build", "cover", "fill_rate_value", "fill_ratio_value", "retire", "track"]
