"""Joint production: a node that makes several minerals together (a plant's recipe, a mine's
or refinery's co-products), one node at a review."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.state import Cover
from sim.scenario.network import INPUT_STAGE, OUTPUT_STAGE, NodeSpec, basket
from sim.vocabulary import PRODUCTION_T

if TYPE_CHECKING:
    from sim.engine.review import Review


def make_jointly(
    review: Review,
    node: NodeSpec,
    cap: np.ndarray,
    due_by_row: np.ndarray,
    recipe: dict[tuple[str, str], np.ndarray] | None = None,
) -> None:
    """A node that makes several minerals together (a plant's recipe, a mine's or
    refinery's co-products) makes total output x share of each: as much as its most-needed
    mineral calls for, within capacity and (for converters) the feed of every mineral on
    hand. The others build up in its stock. A plant's shares follow its markets' kg per
    unit (`recipe`, `sim/engine/recipes.py`); a mineral thrifted away limits nothing."""
    state = review.state
    stock, slot = state.stock[node.name], state.slot
    out_stage, in_stage = OUTPUT_STAGE[node.kind], INPUT_STAGE.get(node.kind)
    yield_ = getattr(node, "yield_", 1.0)
    shares: dict[str, Cover] = dict(basket(node))
    if recipe:
        for mineral in shares:
            factor = recipe.get((node.name, mineral))
            if factor is not None:
                shares[mineral] = shares[mineral] * factor
    need: np.ndarray | None = None
    feasible = cap
    for mineral, share in shares.items():
        out = (mineral, out_stage)
        gap = (
            review.joint_targets[(node.name, mineral)]
            + due_by_row[slot[(node.name, out)]]
            - stock[out]
        )
        batches = per_share(gap, share, -np.inf)
        need = batches if need is None else np.maximum(need, batches)
        if in_stage is not None:
            feed = stock[(mineral, in_stage)] * yield_
            feasible = np.minimum(feasible, per_share(feed, share, np.inf))
    assert need is not None
    made = np.clip(np.minimum(feasible, need), 0.0, None)
    origin = state.origin
    for mineral, share in shares.items():
        out_t = made * share
        lost = None
        if in_stage is None:
            state.ledger.mined[mineral] += out_t
        else:
            used = out_t / yield_
            feed = stock[(mineral, in_stage)]
            feed -= used
            np.maximum(feed, 0.0, out=feed)  # rounding only: made <= feed x yield / share
            lost = review.joint_scrap.split_row(node.name, mineral, used - out_t, state.outgoing)
            state.ledger.losses[mineral] += lost  # process scrap sent to recyclers is no loss
        if origin is not None:
            origin.produced_row(node.name, mineral, out_t, stock[(mineral, out_stage)], lost)
        stock[(mineral, out_stage)] += out_t
        review.rec.put((node.name, mineral, out_stage, PRODUCTION_T), out_t)


def per_share(amount: np.ndarray, share: Cover, where_zero: float) -> np.ndarray:
    """Batches of a joint node that `amount` t of one mineral makes at `share` t per batch;
    `where_zero` where the share is 0 (the mineral is not in the recipe now)."""
    share = np.asarray(share, dtype=float)
    if share.ndim == 0 and share > 0:
        return amount / share
    out = np.full(np.broadcast(amount, share).shape, where_zero)
    return np.divide(amount, share, out=out, where=share > 0)
