"""Secondary supply in the expected (shock-free, steady-state) flows: process scrap sent to
recyclers and recycled supply taken ahead of primary supply. Definition only: `expected_flows`
in `network.py` calls these; the engine's own rule is in `sim/engine/recycled.py`.

Units: t/day of contained mineral.

- A process-scrap link (refinery or plant -> recycler) carries the node's expected process
  losses of its mineral (input use x (1 - yield)) x `scrap_recovery` x the link's share.
- A recycler that offers first (`recycled_first`) offers min(capacity x availability, scrap
  inflow x yield) a day. Each buyer asks it for what it still needs (its use, less what
  recyclers earlier in its link order gave), gets the offer pro rata to the asks of all the
  recycler's buyers (at most its ask), and splits the rest of its use over its other suppliers
  by their shares, renormalised to sum to 1.

Process scrap can feed back on itself (a refinery's scrap, recycled, replaces part of what the
refinery's buyers order from it), so the flows are iterated until no link changes by more than
`TOLERANCE` x the largest flow, at most `MAX_ROUNDS` times; each round shrinks the change by at
least the loop's gain (1 - yield) x scrap_recovery x the recycler's yield.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.nodes import (
    INPUT_STAGE,
    Commodity,
    PlantSpec,
    RecyclerSpec,
    RefinerySpec,
)
from sim.vocabulary import SCRAP

if TYPE_CHECKING:
    from sim.scenario.network import Link, Network

MAX_ROUNDS = 200
TOLERANCE = 1e-13


def offers_first(network: Network, link: Link) -> bool:
    """Whether the link's buyer takes what its supplier offers before ordering elsewhere."""
    supplier = network.nodes[link.supplier]
    return isinstance(supplier, RecyclerSpec) and supplier.recycled_first and link.stage != SCRAP


def is_process_scrap(network: Network, link: Link) -> bool:
    """Whether the link sends a refinery's or plant's process scrap to a recycler."""
    return link.stage == SCRAP and isinstance(
        network.nodes[link.supplier], RefinerySpec | PlantSpec
    )


class SecondaryFlows:
    """The expected process-scrap flows and the split of orders around recyclers that offer
    first, for one network (see the module docstring)."""

    def __init__(self, network: Network):
        self.network = network
        self.scrap = [k for k in network.links if is_process_scrap(network, k)]
        self.first = {k.index for k in network.links if offers_first(network, k)}
        self.asked: dict[int, float] = {}
        """Per link from a recycler that offers first: what its buyer asked, t/day (the last
        value computed)."""
        self.rounds = MAX_ROUNDS if self.scrap or self.first else 1

    def splits(self, supply: list[Link]) -> bool:
        """Whether a buyer's supply links include one from a recycler that offers first."""
        return any(k.index in self.first for k in supply)

    def offer_tpd(self, recycler: str, flows: list[float]) -> float:
        """What a recycler offers a day: its capacity, or its scrap inflow x yield if less."""
        node = self.network.nodes[recycler]
        assert isinstance(node, RecyclerSpec)
        inflow = sum(flows[k.index] for k in self.network.in_links[recycler])
        return np.minimum(node.capacity_tpa * node.availability / 365.0, inflow * node.yield_)

    def split(self, use: float, supply: list[Link], flows: list[float]) -> None:
        """Set the flows on a buyer's supply links for one commodity it uses `use` t/day of."""
        remaining = use
        for link in supply:
            if link.index not in self.first:
                continue
            self.asked[link.index] = remaining
            recycler = link.supplier
            asks = sum(
                self.asked.get(k.index, 0.0)
                for k in self.network.out_links[recycler]
                if k.index in self.first
            )
            offer = self.offer_tpd(recycler, flows)
            taken = remaining * _fraction(offer, asks)
            flows[link.index] = taken  # type: ignore[assignment]  # per replication with projects
            remaining = remaining - taken  # type: ignore[assignment]
        primary = [k for k in supply if k.index not in self.first]
        total = sum(k.share for k in primary)
        for link in primary:
            flows[link.index] = part_of(remaining, link.share, total)  # type: ignore[assignment]

    def scrap_flows(self, flows: list[float]) -> None:
        """Set the expected flow on every process-scrap link from its supplier's losses."""
        for link in self.scrap:
            node = self.network.nodes[link.supplier]
            assert isinstance(node, RefinerySpec | PlantSpec)
            feed: Commodity = (link.mineral, INPUT_STAGE[node.kind])
            losses = self.network.expected_use_tpd(node.name, feed) * (1.0 - node.yield_)
            flows[link.index] = losses * node.scrap_recovery * link.share

    @staticmethod
    def settled(before: list[float], after: list[float]) -> bool:
        if all(isinstance(v, float | int) for v in after + before):
            scale = max((abs(v) for v in after), default=0.0)
            return all(abs(a - b) <= TOLERANCE * scale for a, b in zip(before, after, strict=True))
        # per-replication flows (announced projects): every replication must have settled
        scale = max((float(np.max(np.abs(v))) for v in after), default=0.0)
        return all(
            float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) <= TOLERANCE * scale
            for a, b in zip(before, after, strict=True)
        )


def _fraction(offer: float | np.ndarray, asks: float | np.ndarray) -> float | np.ndarray:
    """Share of its ask each buyer gets from a recycler offering `offer` against `asks` in
    all (1 when the offer covers them); per replication where flows are."""
    if isinstance(offer, float | int) and isinstance(asks, float | int):
        return 1.0 if asks <= offer else offer / asks
    offer, asks = np.asarray(offer, dtype=float), np.asarray(asks, dtype=float)
    return np.where(asks <= offer, 1.0, offer / np.where(asks > 0, asks, 1.0))


def part_of(
    remaining: float | np.ndarray, share: float | np.ndarray, total: float | np.ndarray
) -> float | np.ndarray:
    """`remaining` x share / total (0 where the shares sum to 0); per replication where the
    shares are."""
    if isinstance(total, float | int):
        return remaining * share / total if total > 0 else 0.0
    return np.where(total > 0, remaining * share / np.where(total > 0, total, 1.0), 0.0)
