"""The loops of origin tracking that numpy does slowly, compiled with numba when it is
installed: putting shipments' tags into the transit ring (a scatter to a slot per link and
replication), mixing arrivals into their buyers' rows, what converters make into their output
rows, and what markets put in use into their in-use pools (`mix_numpy` is the shared mixing
step of the numpy versions).

Each has a numpy version doing the same arithmetic in the same order (one multiply per tag,
sums over links in link order), so both give bitwise-identical results
(tests/test_origin_kernels.py); `SIM_NO_JIT=1` in the environment, or no numba, selects the
numpy versions (`sim.engine.jit`).

Ring layout: (slots, links, R, K), tonnes per tag arriving at review k in slot k % slots: the
tags of one shipment are one contiguous row wherever it lands.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.jit import JIT, compiled


def dispatch_numpy(
    ring: np.ndarray,
    totals: np.ndarray,
    qty: np.ndarray,
    pool: np.ndarray,
    src: np.ndarray,
    eol: np.ndarray,
    eol_comp: np.ndarray,
    slots: np.ndarray,
    const: np.ndarray,
) -> None:
    """Add each link's shipment, `qty` (L, R) t with the composition of its source row
    `pool[src]` (pool: (rows, K, R); end-of-life links, `eol` >= 0: `eol_comp[eol]`), to the
    ring slot `slots` (L, R) of its link and replication, and to `totals` (L, K), summed over
    replications. Links with `const` >= 0 always carry that one tag (a mine's output): they
    need no ring, their arrivals are their tonnes (`arrive`)."""
    L, R = qty.shape
    K = pool.shape[1]
    comp = pool[src]
    ended = eol >= 0
    if ended.any():
        comp[ended] = eol_comp[eol[ended]]
    varies, fixed = np.flatnonzero(const < 0), np.flatnonzero(const >= 0)
    out = (qty[varies, None, :] * comp[varies]).transpose(0, 2, 1)
    totals[varies] += out.sum(axis=1)
    totals[fixed, const[fixed]] += qty[fixed].sum(axis=1)
    rows = (slots * L + np.arange(L)[:, None]) * R + np.arange(R)[None, :]
    ring.reshape(-1, K)[rows[varies]] += out


def mix_numpy(
    pool: np.ndarray,
    rows: np.ndarray,
    before: np.ndarray,
    added_t: np.ndarray,
    added: np.ndarray,
    empty: float,
) -> None:
    """Mix `added` (t per tag, (n, K, R); `added_t` its mass, (n, R)) into the compositions
    `pool[rows]` (pool: (rows, K, R)) of pools that held `before` t (n, R). A pool left with
    less than `empty` t has no composition (0)."""
    mixed = pool[rows]
    mixed *= before[:, None, :]
    mixed += added
    total = before + added_t
    np.maximum(total, empty, out=total)
    mixed /= total[:, None, :]
    pool[rows] = mixed


def convert_numpy(
    pool: np.ndarray,
    feed: np.ndarray,
    out: np.ndarray,
    tag: np.ndarray,
    keep: np.ndarray,
    made: np.ndarray,
    before: np.ndarray,
    lost: np.ndarray,
    removed: np.ndarray,
    empty: float,
) -> None:
    """Converters made `made` t (n, R) from the compositions of their `feed` rows into their
    `out` rows, which held `before`: what they make keeps the feed's tags where `keep` (n, K)
    is 1 and takes the tag `tag` (n,) for the stage they set; `removed` (n, K, R) books what
    loses its tags (re-tagged, or `lost` (n, R) in processing)."""
    fed = pool[feed]
    keep3 = keep[:, :, None]
    added = fed * keep3
    added *= made[:, None, :]
    gone = (1.0 - keep3) * made[:, None, :]
    gone += lost[:, None, :]
    gone *= fed
    removed += gone
    added[np.arange(len(out)), tag] += made
    mix_numpy(pool, out, before, made, added, empty)


def _convert_loop(
    pool: np.ndarray,
    feed: np.ndarray,
    out: np.ndarray,
    tag: np.ndarray,
    keep: np.ndarray,
    made: np.ndarray,
    before: np.ndarray,
    lost: np.ndarray,
    removed: np.ndarray,
    empty: float,
) -> None:  # pragma: no cover - compiled
    n, K, R = removed.shape
    total = np.empty(R)
    for i in range(n):
        src, dst = feed[i], out[i]
        for r in range(R):
            total[r] = max(before[i, r] + made[i, r], empty)
        for k in range(K):
            kept = keep[i, k]
            for r in range(R):
                fed = pool[src, k, r]
                added = fed * kept * made[i, r]
                if k == tag[i]:
                    added += made[i, r]
                removed[i, k, r] += ((1.0 - kept) * made[i, r] + lost[i, r]) * fed
                pool[dst, k, r] = (pool[dst, k, r] * before[i, r] + added) / total[r]


def _dispatch_loop(
    ring: np.ndarray,
    totals: np.ndarray,
    qty: np.ndarray,
    pool: np.ndarray,
    src: np.ndarray,
    eol: np.ndarray,
    eol_comp: np.ndarray,
    slots: np.ndarray,
    const: np.ndarray,
) -> None:  # pragma: no cover - compiled
    L, R = qty.shape
    K = pool.shape[1]
    for link in range(L):
        tag = const[link]
        if tag >= 0:
            acc = 0.0
            for r in range(R):
                acc += qty[link, r]
            totals[link, tag] += acc
            continue
        ended = eol[link]
        comp = eol_comp[ended] if ended >= 0 else pool[src[link]]
        for k in range(K):
            acc = 0.0
            for r in range(R):
                v = qty[link, r] * comp[k, r]
                acc += v
                ring[slots[link, r], link, r, k] += v
            totals[link, k] += acc


def market_numpy(
    U: np.ndarray,
    pool_comp: np.ndarray,
    slots: np.ndarray,
    used: np.ndarray,
    gone: np.ndarray,
    held: np.ndarray,
    uncollected: np.ndarray,
    delivered: np.ndarray,
    empty: float,
) -> None:
    """Markets put `used` t (Q, R) in use with the compositions of their component rows
    `pool_comp[slots]`: booked into `delivered` (Q, K, R), mixed into the in-use pools `U`
    (Q, K, R), which held `held` t once end of life left; what left uncollected, `gone` t,
    takes the pools' composition before the mix into `uncollected` (Q, K, R)."""
    uncollected += gone[:, None, :] * U
    added = pool_comp[slots] * used[:, None, :]
    delivered += added
    mix_numpy(U, np.arange(len(U)), held, used, added, empty)


def _market_loop(
    U: np.ndarray,
    pool_comp: np.ndarray,
    slots: np.ndarray,
    used: np.ndarray,
    gone: np.ndarray,
    held: np.ndarray,
    uncollected: np.ndarray,
    delivered: np.ndarray,
    empty: float,
) -> None:  # pragma: no cover - compiled
    Q, K, R = U.shape
    total = np.empty(R)
    for q in range(Q):
        row = slots[q]
        for r in range(R):
            total[r] = max(held[q, r] + used[q, r], empty)
        for k in range(K):
            for r in range(R):
                u = U[q, k, r]
                uncollected[q, k, r] += gone[q, r] * u
                added = pool_comp[row, k, r] * used[q, r]
                delivered[q, k, r] += added
                U[q, k, r] = (u * held[q, r] + added) / total[r]


def arrive_numpy(
    pool: np.ndarray,
    ring_slot: np.ndarray,
    rows: np.ndarray,
    first: np.ndarray,
    links: np.ndarray,
    held: np.ndarray,
    total: np.ndarray,
    empty: float,
    mass_slot: np.ndarray,
    const: np.ndarray,
) -> None:
    """Mix the tags arriving on the links into their buyers' rows and empty the slot: row
    `rows[i]` (which held `held[i]` t and holds `total[i]` t once arrivals are in, (n, R))
    gets the links `links[first[i]:first[i + 1]]` in link order; `ring_slot` (L, R, K). A
    link with `const` >= 0 brings its tonnes arriving, `mass_slot` (L, R), all of that tag."""
    n, R = held.shape
    K = pool.shape[1]
    added = np.zeros((n, R, K))
    for i in range(n):
        for link in links[first[i] : first[i + 1]]:
            if const[link] >= 0:
                added[i, :, const[link]] += mass_slot[link]
            else:
                added[i] += ring_slot[link]
    ring_slot[:] = 0.0
    mix_numpy(pool, rows, held, total - held, np.ascontiguousarray(added.transpose(0, 2, 1)), empty)


def _arrive_loop(
    pool: np.ndarray,
    ring_slot: np.ndarray,
    rows: np.ndarray,
    first: np.ndarray,
    links: np.ndarray,
    held: np.ndarray,
    total: np.ndarray,
    empty: float,
    mass_slot: np.ndarray,
    const: np.ndarray,
) -> None:  # pragma: no cover - compiled
    n, R = held.shape
    K = pool.shape[1]
    added = np.empty((R, K))
    for i in range(n):
        row = rows[i]
        added[:] = 0.0
        for j in range(first[i], first[i + 1]):
            link = links[j]
            tag = const[link]
            if tag >= 0:
                for r in range(R):
                    added[r, tag] += mass_slot[link, r]
                continue
            for r in range(R):
                for k in range(K):
                    added[r, k] += ring_slot[link, r, k]
        for k in range(K):
            for r in range(R):
                before = held[i, r]
                mass = max(before + (total[i, r] - before), empty)
                pool[row, k, r] = (pool[row, k, r] * before + added[r, k]) / mass
    ring_slot[:] = 0.0


dispatch: Any = compiled(_dispatch_loop, dispatch_numpy)
arrive: Any = compiled(_arrive_loop, arrive_numpy)
convert: Any = compiled(_convert_loop, convert_numpy)
market: Any = compiled(_market_loop, market_numpy)
__all__ = ["JIT", "arrive", "convert", "dispatch", "market"]
