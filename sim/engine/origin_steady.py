"""The compositions a run starts from: those of a shock-free world (`OriginBook`), from the
expected flows propagated from mine to market, and round recycling loops, until they no longer
change."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.state import State
from sim.scenario.network import Network

if TYPE_CHECKING:
    from sim.engine.origin import OriginBook


def steady_state(
    book: OriginBook, net: Network, state: State
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compositions of a shock-free world: stock rows (rows, K), in-use pools (Q, K) and
    links (L, K), iterated from mine to market (and round recycling loops) until they no
    longer change. A row fed by links takes their mix weighted by expected flow (their plain
    mean when none is expected, as for a reserve that only refills)."""
    rows, K, L = len(state.slot), book.K, len(net.links)
    flows = np.array([np.mean(f) for f in net.expected_link_tpd], dtype=float)
    weights = np.zeros((rows, L))
    buyer = state.buyer_slot
    weights[buyer, np.arange(L)] = flows
    total = weights.sum(axis=1, keepdims=True)
    plain = np.zeros((rows, L))
    plain[buyer, np.arange(L)] = 1.0
    weights = np.where(total > 0, weights / np.where(total > 0, total, 1.0), 0.0)
    counts = plain.sum(axis=1, keepdims=True)
    weights += np.where(total > 0, 0.0, plain / np.maximum(counts, 1.0))
    producers = [book.mines, book.converters]
    F = np.zeros((rows, K))
    link = np.zeros((L, K))
    for _ in range(1000):
        U = F[book.pair_slot]
        link[book.stock_links] = F[book.src_rows]
        if book.eol_links.size:
            link[book.eol_links] = U[book.eol_pair]
        new = weights @ link
        fed = counts[:, 0] > 0
        new[~fed] = F[~fed]
        for p in producers:
            made = np.zeros((len(p.out), K))
            if p.feed is not None:
                made = F[p.feed] * p.keep[:, :, 0]
            made[np.arange(len(p.out)), p.tag] = 1.0
            new[p.out] = made
        if np.abs(new - F).max(initial=0.0) < 1e-14:
            F = new
            break
        F = new
    U = F[book.pair_slot]
    link[book.stock_links] = F[book.src_rows]
    if book.eol_links.size:
        link[book.eol_links] = U[book.eol_pair]
    return F, U, link
