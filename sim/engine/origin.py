"""Embodied origin in the engine: the composition of every stock, shipment and in-use pool by
(stage, country) tag, carried with the material (semantics: `sim/scenario/origin.py`).

Arrays: `F` (stock rows, K, R) is each stock row's composition (share of its mass per tag);
`U` (pairs, K, R) that of each market's in-use pool per mineral; `ring` (slots, links, R, K)
the tonnes per tag in transit, arriving at review k in slot k % slots (like `State.ring`).
Outflows keep their pool's composition, so only inflows change one: arrivals (`receive`),
production (`produced`, `produced_row`) and products put in use (`market`). Shipments take the
composition of the row they leave (`dispatch`).

Mass balance per origin (`balance`): for each mineral and tag, what the system held at the
start + what was tagged (mined, refined, made) = what it holds at the end + what lost the tag
(re-refined by a recycler, or made into a component a second time) + process losses +
uncollected end of life. Nothing here runs unless the scenario tracks origin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import origin_kernels as kernels
from sim.engine.origin_steady import steady_state
from sim.engine.state import State
from sim.scenario.network import (
    INPUT_STAGE,
    MarketSpec,
    Network,
    StockpileSpec,
    outputs,
)
from sim.scenario.origin import (
    ORIGIN_STAGES,
    TAGGED_AT,
    OriginOptions,
    node_country,
    tag_countries,
    tag_of,
)
from sim.vocabulary import SCRAP

if TYPE_CHECKING:
    from sim.shocks.base import ContentRule

EMPTY = 1e-300
"""t below which a pool counts as empty when mixing (its composition is then 0)."""


@dataclass
class _Producers:
    """One group of producing rows (a vectorised group of `Review`, or one joint node's
    minerals): where they make, what they feed on, the tag they set."""

    out: np.ndarray
    feed: np.ndarray | None
    tag: np.ndarray
    keep: np.ndarray
    """(n, K, 1): 1 for the tags the made material keeps from its feed, 0 for those of the
    stage this node sets."""
    mineral: np.ndarray
    created: np.ndarray
    """t tagged per row so far, (n, R)."""
    removed: np.ndarray
    """t per tag that left per row so far (lost in processing or re-tagged), (n, K, R)."""


class OriginBook:
    """The composition state of a batch and what the run records of it."""

    def __init__(
        self,
        options: OriginOptions,
        state: State,
        groups: Sequence[tuple[Sequence[str], np.ndarray, np.ndarray | None]],
        joint: Sequence[str],
        periods: int,
    ):
        """`groups`: per vectorised producer group of the review, its node names, output
        rows and feed rows (None for mines); `joint`: the nodes that make several minerals."""
        net, reps = state.network, state.reps
        self.options = options
        self.countries = tag_countries(options, net)
        self.tags = [(s, c) for s in ORIGIN_STAGES for c in self.countries[s]]
        self.tag_index = {tag: i for i, tag in enumerate(self.tags)}
        K = self.K = len(self.tags)
        self.reps = reps
        self.minerals = net.minerals
        mineral_row = {m: i for i, m in enumerate(self.minerals)}
        slot = state.slot
        self.row_mineral = np.empty(len(slot), dtype=np.intp)
        for (_, (mineral, _)), row in slot.items():
            self.row_mineral[row] = mineral_row[mineral]
        # Producers, all in two groups: mines (their output rows keep the one tag of their
        # country, so only what they tag is booked) and converters (their output mixes).
        rows: dict[bool, list[tuple[str, int, int | None]]] = {False: [], True: []}
        self.group_at: list[tuple[bool, np.ndarray]] = []
        for names, out, feed in groups:
            converts = feed is not None
            start = len(rows[converts])
            for i, name in enumerate(names):
                rows[converts].append((name, int(out[i]), None if feed is None else int(feed[i])))
            self.group_at.append((converts, np.arange(start, len(rows[converts]))))
        self.joint_at: dict[tuple[str, str], tuple[bool, int]] = {}
        for name in joint:
            node = net.nodes[name]
            stage = INPUT_STAGE.get(node.kind)
            for mineral, out_stage in outputs(node):
                converts = stage is not None
                fed = slot[(name, (mineral, stage))] if stage is not None else None
                self.joint_at[(name, mineral)] = (converts, len(rows[converts]))
                rows[converts].append((name, slot[(name, (mineral, out_stage))], fed))
        self.mines = self._producers(net, rows[False])
        self.converters = self._producers(net, rows[True])
        n = len(rows[True])
        self._made_t = np.zeros((n, reps))
        self._before = np.zeros((n, reps))
        self._lost = np.zeros((n, reps))
        # Links: the stock row each takes its composition from, or the in-use pool (EOL).
        pairs = state.pairs
        self.pair_names = list(pairs)
        """(market, mineral) of each in-use pool, as `State.pairs`."""
        self.pair_slot = np.array([slot[(m, (x, "component"))] for m, x in pairs], dtype=np.intp)
        self.pair_mineral = np.array([mineral_row[x] for _, x in pairs], dtype=np.intp)
        src, eol, eol_pair = [], [], []
        for link in net.links:
            supplier = net.nodes[link.supplier]
            if isinstance(supplier, MarketSpec):
                eol.append(link.index)
                eol_pair.append(pairs.index((link.supplier, link.mineral)))
                src.append(-1)
            elif link.stage == SCRAP and not isinstance(supplier, StockpileSpec):
                stage = INPUT_STAGE[supplier.kind]  # process scrap leaves with the feed
                src.append(slot[(link.supplier, (link.mineral, stage))])
            else:
                src.append(slot[(link.supplier, link.commodity)])
        self.link_src = np.array(src, dtype=np.intp)
        self.stock_links = np.flatnonzero(self.link_src >= 0)
        self.src_rows = self.link_src[self.stock_links]
        self.eol_links = np.array(eol, dtype=np.intp)
        self.eol_pair = np.array(eol_pair, dtype=np.intp)
        self.link_mineral = np.array([mineral_row[k.mineral] for k in net.links], dtype=np.intp)
        self.buyer_rows, position = np.unique(state.buyer_slot, return_inverse=True)
        # The steady state of a shock-free world, then the state of this batch.
        F0, U0, link0 = steady_state(self, net, state)
        self.F = np.repeat(F0[:, :, None], reps, axis=2)
        self.U = np.repeat(U0[:, :, None], reps, axis=2)
        mine_rows = dict(zip(self.mines.out.tolist(), self.mines.tag.tolist(), strict=True))
        self.const_tag = np.array(
            [mine_rows.get(int(row), -1) if row >= 0 else -1 for row in self.link_src],
            dtype=np.intp,
        )
        """Per link: the one tag it always carries (shipments from a mine), else -1; such
        links keep no tags in transit, their arrivals are their tonnes."""
        self.ring = state.ring[:, :, :, None] * link0[None, :, None, :]
        self.ring[:, self.const_tag >= 0] = 0.0
        """t per tag in transit, (slots, links, R, K) (`origin_kernels`)."""
        self.initial = self.inventory(state)
        self.eol_comp = np.repeat(U0[self.eol_pair][:, :, None], reps, axis=2)
        """Composition of the end-of-life material leaving each market scrap link now."""
        buyer_position = position.astype(np.intp)
        order = np.argsort(buyer_position, kind="stable")
        self.buyer_links = order.astype(np.intp)
        """Links grouped by buyer row, in link order within each (`buyer_first` delimits)."""
        self.buyer_first = np.searchsorted(
            buyer_position[order], np.arange(len(self.buyer_rows) + 1)
        ).astype(np.intp)
        self.eol_position = np.full(len(net.links), -1, dtype=np.intp)
        """Per link: its row in `eol_comp` (end-of-life links), else -1."""
        self.eol_position[self.eol_links] = np.arange(len(self.eol_links))
        self.uncollected = np.zeros((len(pairs), K, reps))
        # What the run records.
        step = state.step_days
        self.bucket_days = options.bucket_days
        buckets = max(1, -(-periods * step // options.bucket_days))
        self.bucket_of = np.minimum(np.arange(periods) * step // options.bucket_days, buckets - 1)
        self.delivered = np.zeros((buckets, len(pairs), K, reps))
        """t delivered into use per time bucket, pair and tag."""
        self.delivered_t = np.zeros((buckets, len(pairs), reps))
        self.link_totals = np.zeros((len(net.links), K))
        """t shipped per link and tag over the run, summed over replications."""
        self.subject: np.ndarray | None = None
        """Per link and replication: whether its shipments need a licence now (content rules)."""
        self.licensed_t = np.zeros((len(net.links), reps))
        self.licensed_reviews = np.zeros((len(net.links), reps))
        self.rules = list(options.eligibility)
        markets = [n for n in net.nodes.values() if isinstance(n, MarketSpec)]
        self.market_names = [m.name for m in markets]
        self.eligible_units = np.zeros((len(self.rules), len(markets), reps))
        self.built_units = np.zeros((len(markets), reps))
        self._rule_pairs = [
            [
                (i, q)
                for i, m in enumerate(markets)
                if rule.markets.matches(m)
                for q, (name, x) in enumerate(pairs)
                if name == m.name and (not rule.minerals or x in rule.minerals)
            ]
            for rule in self.rules
        ]
        self._share_tags: dict[tuple[str, tuple[str, ...]], list[int]] = {}

    def _producers(self, net: Network, rows: list[tuple[str, int, int | None]]) -> _Producers:
        tags, keeps = [], []
        for name, _, _ in rows:
            node = net.nodes[name]
            stage = TAGGED_AT[node.kind]
            tags.append(
                self.tag_index[(stage, tag_of(self.options, node_country(self.options, node)))]
            )
            keeps.append([0.0 if s == stage else 1.0 for s, _ in self.tags])
        out = np.array([o for _, o, _ in rows], dtype=np.intp)
        return _Producers(
            out=out,
            feed=np.array([f for _, _, f in rows], dtype=np.intp)
            if rows and rows[0][2] is not None
            else None,
            tag=np.array(tags, dtype=np.intp),
            keep=np.array(keeps).reshape(len(rows), self.K, 1),
            mineral=self.row_mineral[out],
            created=np.zeros((len(rows), self.reps)),
            removed=np.zeros((len(rows), self.K, self.reps)),
        )

    # -- inflows ----------------------------------------------------------------------------

    def receive(self, state: State, period: int) -> None:
        """Note what the buyers held before the shipments due at this review arrive (call
        before `shipping.receive` moves their mass, and `received` after)."""
        self._slot = period % state.ring.shape[0]
        self._held = state.stocks[self.buyer_rows]
        self._mass_slot = state.ring[self._slot].copy()  # `shipping.receive` empties it

    def received(self, state: State) -> None:
        """Mix what arrived into the buyers' rows (after `shipping.receive`) and take it off
        the transit ring."""
        kernels.arrive(
            self.F,
            self.ring[self._slot],
            self.buyer_rows,
            self.buyer_first,
            self.buyer_links,
            self._held,
            state.stocks[self.buyer_rows],
            EMPTY,
            self._mass_slot,
            self.const_tag,
        )

    def produced(
        self,
        group: int,
        made: np.ndarray,
        before: np.ndarray,
        lost: np.ndarray | None = None,
    ) -> None:
        """A review group made `made` t (n, R) into output rows that held `before`; a
        converter lost `lost` t of feed (not sent as scrap). Booked by `flush`."""
        converts, at = self.group_at[group]
        self._book(converts, at, made, before, lost)

    def produced_row(
        self,
        name: str,
        mineral: str,
        made: np.ndarray,
        before: np.ndarray,
        lost: np.ndarray | None = None,
    ) -> None:
        """`produced` for one mineral of a joint node, arrays (R,)."""
        converts, at = self.joint_at[(name, mineral)]
        self._book(converts, at, made, before, lost)

    def _book(
        self,
        converts: bool,
        at: int | np.ndarray,
        made: np.ndarray,
        before: np.ndarray,
        lost: np.ndarray | None,
    ) -> None:
        """Book production at rows `at` of the mines (tagged now) or of the converters
        (mixed by `flush`)."""
        if not converts:
            self.mines.created[at] += made
            return
        self._made_t[at] = made
        self._before[at] = before
        self._lost[at] = 0.0 if lost is None else lost

    def flush(self) -> None:
        """Mix what every converter made at this review into its output rows: the feed's
        composition with the converter's own stage re-tagged to its country."""
        p = self.converters
        if p.feed is None:
            return
        kernels.convert(
            self.F,
            p.feed,
            p.out,
            p.tag,
            p.keep[:, :, 0],
            self._made_t,
            self._before,
            self._lost,
            p.removed,
            EMPTY,
        )
        p.created += self._made_t

    def market(
        self,
        period: int,
        used: np.ndarray,
        eol: np.ndarray,
        collected: np.ndarray,
        pool: np.ndarray,
        built: np.ndarray,
        scrap_pair: np.ndarray,
        scrap_share: np.ndarray,
    ) -> None:
        """Markets put `used` t (Q, R) in use and `eol` t left use (`collected` of it to
        recyclers, by `scrap_pair`/`scrap_share` per scrap link); `pool` is what stays in use
        after the end of life left, (Q, R); `built` the units built per market, (M, R)."""
        U = self.U
        # In use may end a hair below 0 t once the stock sold before the start has retired
        # (rounding); mixing must see no mass there, not divide by the empty threshold.
        pool = np.maximum(pool, 0.0)
        if self.eol_links.size:
            self.eol_comp = U[scrap_pair]
        bucket = self.bucket_of[period]
        kernels.market(
            U,
            self.F,
            self.pair_slot,
            used,
            eol - collected,
            pool,
            self.uncollected,
            self.delivered[bucket],
            EMPTY,
        )
        self.delivered_t[bucket] += used
        if self.rules:
            comp = self.F[self.pair_slot]
            self.built_units += built
            for r, rule in enumerate(self.rules):
                ok = np.ones_like(built, dtype=bool)
                for m, q in self._rule_pairs[r]:
                    share = self.share(comp[q], rule.origin_country, rule.origin_stages)
                    ok[m] &= (share <= rule.max_share) | (used[q] <= 0)
                self.eligible_units[r] += np.where(ok, built, 0.0)

    # -- shipments --------------------------------------------------------------------------

    def dispatch(
        self,
        qty: np.ndarray,
        slots: np.ndarray,
        drawn: np.ndarray | None = None,
        drawn_slots: np.ndarray | None = None,
    ) -> None:
        """Put this review's shipments (t per link, (L, R)) in transit with the composition
        of the rows they leave (end-of-life scrap: of the in-use pool it left). `slots`: each
        link's arrival slot (L,); the links `drawn` (D,) arrive in a slot per replication
        instead, `drawn_slots` (D, R)."""
        every = np.empty(qty.shape, dtype=np.intp)
        every[:] = slots[:, None]
        if drawn is not None and drawn_slots is not None:
            every[drawn] = drawn_slots
        kernels.dispatch(
            self.ring,
            self.link_totals,
            qty,
            self.F,
            self.link_src,
            self.eol_position,
            self.eol_comp,
            every,
            self.const_tag,
        )
        if self.subject is not None:
            self.licensed_t += np.where(self.subject, qty, 0.0)

    # -- rules on content -------------------------------------------------------------------

    def share(self, comp: np.ndarray, country: str, stages: Sequence[str]) -> np.ndarray:
        """The largest share of `country` over `stages` in compositions `comp` (..., K, R)."""
        key = (country, tuple(stages))
        tags = self._share_tags.get(key)
        if tags is None:
            code = tag_of(self.options, country)
            tags = [self.tag_index[(s, code)] for s in stages if (s, code) in self.tag_index]
            self._share_tags[key] = tags
        if not tags:
            return np.zeros(comp.shape[:-2] + comp.shape[-1:])
        return np.max(comp[..., tags, :], axis=-2)

    def needs_licence(self, rule: ContentRule) -> np.ndarray:
        """Per link the rule acts on and replication: whether its item needs a licence now,
        because what one of the item's tested links would ship reaches the rule's share of the
        origin, (m, R)."""
        src = self.link_src[rule.tested]
        share = self.share(self.F[src], rule.origin_country, rule.origin_stages)
        hit = (share > 0) & (share >= rule.threshold_share)
        items = np.zeros((int(rule.item.max(initial=-1)) + 1, self.reps), dtype=bool)
        np.logical_or.at(items, rule.tested_item, hit)
        return items[rule.item]

    # -- accounting -------------------------------------------------------------------------

    def inventory(self, state: State) -> np.ndarray:
        """t per mineral and tag inside the system (stocks, in transit, in use), (M, K, R)."""
        out = np.zeros((len(self.minerals), self.K, self.reps))
        np.add.at(out, self.row_mineral, state.stocks[:, None, :] * self.F)
        np.add.at(out, self.link_mineral, self.ring.sum(axis=0).transpose(0, 2, 1))
        const = np.flatnonzero(self.const_tag >= 0)
        np.add.at(out, (self.link_mineral[const], self.const_tag[const]), state.in_transit[const])
        np.add.at(out, self.pair_mineral, state.in_use_rows[:, None, :] * self.U)
        return out

    def balance(self, state: State) -> dict[str, np.ndarray]:
        """The terms of mass balance per mineral and tag, each (M, K, R): `initial`,
        `tagged`, `untagged` (lost or re-tagged), `uncollected`, `final` and `residual` =
        initial + tagged - untagged - uncollected - final."""
        M = len(self.minerals)
        tagged = np.zeros((M, self.K, self.reps))
        untagged = np.zeros_like(tagged)
        for p in (self.mines, self.converters):
            for i in range(len(p.out)):
                tagged[p.mineral[i], p.tag[i]] += p.created[i]
                untagged[p.mineral[i]] += p.removed[i]
        uncollected = np.zeros_like(tagged)
        np.add.at(uncollected, self.pair_mineral, self.uncollected)
        final = self.inventory(state)
        return {
            "initial": self.initial,
            "tagged": tagged,
            "untagged": untagged,
            "uncollected": uncollected,
            "final": final,
            "residual": self.initial + tagged - untagged - uncollected - final,
        }
