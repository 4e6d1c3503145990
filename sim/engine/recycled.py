"""Recycled supply ahead of primary supply: the order rule for buyers of recyclers that offer
first (`recycled_first`, the default).

At each order phase (`Review.order`), before a buyer's gap is split over its suppliers:

1. Each such recycler offers what it can ship at the next review: its refined stock above its
   own target (cover_days x expected shipments) plus what it can make by then, min(capacity now
   (shocks, outages, ramps, production quotas) per review, (scrap on hand + scrap arriving at the
   next review) x yield).
2. Each buyer asks each of its recyclers, in link order, for the part of its gap still open; a
   recycler short of what its buyers ask gives each the same share of its ask (pro rata), and a
   recycler a buyer meets later in its link order offers only what earlier asks left. A buyer
   whose gap is above its normal order (its expected use per review: it is running down its
   cover) may then draw the rest of that excess from its recyclers' buffers (their stock up to
   their target), in the same way, so a recycler's stock serves its buyers in a shortage as
   any supplier's does.
3. What a buyer takes is its contracted order on the recycler's link (never spot: the recycler
   offered it), at most what an export ban lets pass on the link; the rest of its gap is split
   over its other suppliers by their shares, renormalised to sum to 1 (with their contract
   flexibility as usual).

So no hand-set share sends recycled material anywhere: buyers take all a recycler can offer, up
to what they need, and scrap piles up at a recycler only when its buyers need less than it can
make (visible in `scrap_left_t`). Cost: a few array operations per order phase, for the
recyclers that offer first only; none when a network has none.
"""

from __future__ import annotations

import numpy as np

from sim.engine.arrays import SegmentSum
from sim.engine.effects import Modifiers
from sim.engine.state import Cover, State, cover_of, per_replication
from sim.scenario.network import Link, Network, RecyclerSpec
from sim.scenario.secondary import offers_first, part_of
from sim.vocabulary import REFINED, SCRAP, fill_ratio

RecyclerLinks = list[tuple[Link, int, float]]
"""Links from recyclers that offer first, each with its buyer's order plan and that plan's
normal order per review (its expected use x the review period), t."""


def split_supply(
    network: Network, supply: list[Link], use: float
) -> tuple[list[Link], list[tuple[Link, Cover]], list[float]]:
    """A buyer's supply links for one commodity as (recyclers that offer first, the other links
    with their order shares (renormalised to 1 when there are such recyclers), and each link's
    share of the steady flow (its expected flow / use), for the lead time)."""
    first = [k for k in supply if offers_first(network, k)]
    if not first:
        return [], [(k, k.share) for k in supply], [k.share for k in supply]
    primary = [k for k in supply if k not in first]
    total = sum(k.share for k in primary)
    shares = [(k, part_of(1.0, k.share, total)) for k in primary]
    if use <= 0:
        return first, shares, [k.share for k in supply]
    return first, shares, [network.expected_link_tpd[k.index] / use for k in supply]


class RecycledFirst:
    """The recyclers that offer first and their links to buyers, as index arrays."""

    def __init__(self, state: State, mods: Modifiers, links: RecyclerLinks):
        """`links`: each link from a recycler that offers first, with its buyer's order plan and
        normal order."""
        self.state, self.mods = state, mods
        net, step = state.network, state.step_days
        recyclers: list[RecyclerSpec] = []
        for link, _, _ in links:
            node = net.nodes[link.supplier]
            assert isinstance(node, RecyclerSpec)
            if node not in recyclers:
                recyclers.append(node)
        position = {r.name: i for i, r in enumerate(recyclers)}
        self.names = [r.name for r in recyclers]
        self.rows = np.array([mods.node_index[n] for n in self.names], dtype=np.intp)
        self.out = np.array(
            [state.slot[(r.name, (r.mineral, REFINED))] for r in recyclers], dtype=np.intp
        )
        self.feed = np.array(
            [state.slot[(r.name, (r.mineral, SCRAP))] for r in recyclers], dtype=np.intp
        )
        self.yields = np.array([r.yield_ for r in recyclers])[:, None]
        self.cap = np.array([r.capacity_tpa * r.availability * step / 365.0 for r in recyclers])[
            :, None
        ]
        """Capacity per review without shocks, t, (recyclers, 1)."""
        self.target = per_replication(
            [
                cover_of(r, mods.randoms.cover_days)
                * net.expected_out_tpd(r.name, (r.mineral, REFINED))
                for r in recyclers
            ],
            state.reps,
        )
        scrap_in = [k for r in recyclers for k in net.in_links[r.name] if k.stage == SCRAP]
        self.scrap_in = np.array([k.index for k in scrap_in], dtype=np.intp)
        self.into = SegmentSum(np.array([position[k.buyer] for k in scrap_in], dtype=np.intp))
        normal = dict((plan, t) for _, plan, t in links)
        self.plans = np.array(list(normal), dtype=np.intp)
        self.normal = per_replication(list(normal.values()), state.reps)
        """Per plan with a recycler: its normal order per review (expected use), t."""
        self.normal_rows: np.ndarray | None = None
        flows = [0.0] * len(net.links)
        for link, _, _ in links:
            flows[link.index] = net.expected_link_tpd[link.index] * step
        self.flow = per_replication(flows, state.reps)
        """Per link: its normal (shock-free) flow per review, t, what an export ban scales
        ((links, 1), or (links, R) where announced projects make shares differ)."""
        seen: dict[int, int] = {}
        levels: dict[int, list[tuple[int, int, int]]] = {}
        for link, plan, _ in links:
            level = seen.get(plan, 0)
            seen[plan] = level + 1
            levels.setdefault(level, []).append((link.index, plan, position[link.supplier]))
        self.levels = [
            (
                np.array([k for k, _, _ in members], dtype=np.intp),
                np.array([p for _, p, _ in members], dtype=np.intp),
                np.array([r for _, _, r in members], dtype=np.intp),
                SegmentSum(np.array([r for _, _, r in members], dtype=np.intp)),
            )
            for _, members in sorted(levels.items())
        ]
        """Per level (a buyer's first, second ... recycler): links, plans, recyclers, and the
        sum of asks per recycler."""

    def offer(self, period: int, day: float) -> tuple[np.ndarray, np.ndarray]:
        """What each recycler can ship at the next review, t, (recyclers, R): its offer (stock
        above target + what it can make) and its buffer (stock up to its target) (step 1)."""
        state, mods = self.state, self.mods
        stocks = state.stocks
        arriving = np.zeros((len(self.names), state.reps))
        if self.scrap_in.size:
            slot = (period + 1) % state.ring.shape[0]
            self.into.add_into(arriving, state.ring[slot, self.scrap_in])
        cap = self.cap * mods.capacity_factors(self.rows, self.names, day)
        if mods.any_cap:  # production quotas
            cap = np.minimum(cap, mods.production_cap_t[self.rows])
        make = np.maximum(np.minimum(cap, (stocks[self.feed] + arriving) * self.yields), 0.0)
        held = stocks[self.out]
        return np.maximum(held - self.target, 0.0) + make, np.minimum(held, self.target)

    def take(self, gap: np.ndarray, period: int, day: float) -> np.ndarray:
        """Place the orders on the recyclers' links (`state.pending`) and return the gap per
        plan still to order from the other suppliers, (plans, R) (steps 2 and 3)."""
        offer, buffer = self.offer(period, day)
        if self.normal_rows is None:  # per plan: its normal order (inf: no recycler)
            self.normal_rows = np.full((gap.shape[0], self.normal.shape[1]), np.inf)
            self.normal_rows[self.plans] = self.normal
        rest = gap.copy()
        self._serve(offer, rest, None, first=True)
        excess = np.maximum(gap - self.normal_rows, 0.0)
        if (excess > 0).any():  # short buyers draw on the recyclers' buffers
            self._serve(buffer, rest, excess, first=False)
        return rest

    def _serve(
        self, left: np.ndarray, rest: np.ndarray, cap: np.ndarray | None, *, first: bool
    ) -> None:
        """Serve each level's asks (the plan's open gap, at most `cap` per plan when given)
        pro rata from `left` per recycler, reducing `rest` (and `cap`) in place."""
        pending, mods = self.state.pending, self.mods
        for links, plans, recyclers, per_recycler in self.levels:
            asks = rest[plans] if cap is None else np.minimum(rest[plans], cap[plans])
            if mods.any_ban:  # an export ban passes only part of a link's normal flow
                passing = mods.link_pass[links]
                allowed = passing * self.flow[links] - (0.0 if first else pending[links])
                asks = np.where(passing >= 1.0, asks, np.clip(asks, 0.0, allowed))
            asked = np.zeros_like(left)
            per_recycler.add_into(asked, asks)
            ratio = fill_ratio(left, asked)
            taken = asks * ratio[recyclers]
            if first:
                pending[links] = taken
            else:
                pending[links] += taken
            rest[plans] -= taken  # a plan has one link per level
            if cap is not None:
                cap[plans] -= taken
            left = np.maximum(left - asked * ratio, 0.0)
