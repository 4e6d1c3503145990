"""The common cases of a review's phases as loops compiled with numba (`sim.engine.jit`):
production of single-output nodes (`produce`) and of joint nodes (`produce_joint`), filling
contracted orders from stock (`fill`), and ordering (`order`).

Each has a numpy version, today's vectorized code for that case, doing the same arithmetic in
the same order (sums over nodes or links in their order, as `SegmentSum` and `np.add.at` do), so
both give bitwise-identical results (tests/test_review_kernels.py); `SIM_NO_JIT=1`, or no numba,
selects the numpy versions. `Review` calls a kernel only where it covers the case: no origin
tracking, process scrap, offtake contracts, spot requests, recycled supply first, stockpile
holds, varying kg per unit or price-driven demand; it keeps its own numpy code for those.

Arrays of shape (n, 1) broadcast over replications like (n, R) ones: the loops read their
column `r * c`, c = 0 or 1 (`_column`). Units: t per review; stocks, ledgers and link arrays
are the engine's (rows, R) arrays, updated in place.
"""

from __future__ import annotations

import numpy as np

from sim.engine.jit import compiled
from sim.vocabulary import fill_ratio


def _least_py(a: float, b: float) -> float:
    """np.minimum of two numbers (NaN if either is)."""
    return a if a <= b or a != a else b


def _most_py(a: float, b: float) -> float:
    """np.maximum of two numbers (NaN if either is)."""
    return a if a >= b or a != a else b


def _column_py(values: np.ndarray) -> int:
    """1 if `values` has a column per replication, 0 if its one column broadcasts."""
    return 1 if values.shape[1] > 1 else 0


_least = compiled(_least_py, _least_py)
_most = compiled(_most_py, _most_py)
_column = compiled(_column_py, _column_py)


# -- production of single-output nodes --------------------------------------------------------


def produce_numpy(
    cap: np.ndarray,
    target: np.ndarray,
    due_by_row: np.ndarray,
    stocks: np.ndarray,
    out: np.ndarray,
    feed: np.ndarray,
    yields: np.ndarray,
    ledger: np.ndarray,
    mineral: np.ndarray,
    made: np.ndarray,
) -> None:
    """Nodes with capacity `cap` (n, R) t make what their output rows `out` need, the output
    stock `target` (n, 1 or R) + orders due - stock, within capacity and, for converters (`feed`
    rows of their inputs; empty for mines), feed x `yields` (n, 1). Adds what they make to
    their stocks and `made` (n, R), and to the `ledger` row of their `mineral`: mined t for
    mines, losses (used - made) for converters, whose feed stocks lose what they use."""
    need = target + due_by_row[out] - stocks[out]
    made[:] = np.clip(np.minimum(cap, need), 0.0, None)
    if feed.size:
        fed = stocks[feed]
        np.minimum(made, fed * yields, out=made)
        used = made / yields
        stocks[feed] = np.maximum(fed - used, 0.0)  # rounding only
        booked = used - made
    else:
        booked = made
    for i, m in enumerate(mineral.tolist()):  # in node order, as np.add.at but faster
        ledger[m] += booked[i]
    stocks[out] += made


def _produce_loop(
    cap: np.ndarray,
    target: np.ndarray,
    due_by_row: np.ndarray,
    stocks: np.ndarray,
    out: np.ndarray,
    feed: np.ndarray,
    yields: np.ndarray,
    ledger: np.ndarray,
    mineral: np.ndarray,
    made: np.ndarray,
) -> None:  # pragma: no cover - compiled
    n, R = cap.shape
    c = _column(target)
    converts = feed.size > 0
    for i in range(n):
        row, m = out[i], mineral[i]
        for r in range(R):
            need = target[i, r * c] + due_by_row[row, r] - stocks[row, r]
            x = _most(_least(cap[i, r], need), 0.0)
            if converts:
                fed = stocks[feed[i], r]
                x = _least(x, fed * yields[i, 0])
                used = x / yields[i, 0]
                stocks[feed[i], r] = _most(fed - used, 0.0)
                ledger[m, r] += used - x
            else:
                ledger[m, r] += x
            stocks[row, r] += x
            made[i, r] = x


produce = compiled(_produce_loop, produce_numpy)


# -- joint production -------------------------------------------------------------------------


def _per_share(amount: np.ndarray, share: float, where_zero: float) -> np.ndarray:
    """Batches that `amount` t makes at `share` t per batch; `where_zero` where share is 0."""
    return amount / share if share > 0 else np.full(amount.shape, where_zero)


def produce_joint_numpy(
    cap: np.ndarray,
    target: np.ndarray,
    due_by_row: np.ndarray,
    stocks: np.ndarray,
    first: np.ndarray,
    out: np.ndarray,
    feed: np.ndarray,
    share: np.ndarray,
    yields: np.ndarray,
    mineral: np.ndarray,
    mined: np.ndarray,
    losses: np.ndarray,
    made: np.ndarray,
) -> None:
    """Joint nodes j (capacity `cap` (J, R) batches) make entries first[j]:first[j + 1], one
    per mineral: each `share` t per batch into its row `out`, as many batches as the
    most-needed entry calls for (`target` (E, 1 or R) + orders due - stock), within capacity
    and, for converters (`feed` >= 0, rows of their inputs), the feed x `yields` (J,) of every
    entry. Adds what they make to their stocks and `made` (E, R) and books it as `mined` (mines)
    or books used - made as `losses`, by ledger row `mineral`."""
    for j in range(len(first) - 1):
        entries = range(first[j], first[j + 1])
        need: np.ndarray | None = None
        feasible = cap[j]
        for e in entries:
            gap = target[e] + due_by_row[out[e]] - stocks[out[e]]
            batches = _per_share(gap, share[e], -np.inf)
            need = batches if need is None else np.maximum(need, batches)
            if feed[e] >= 0:
                fed = stocks[feed[e]] * yields[j]
                feasible = np.minimum(feasible, _per_share(fed, share[e], np.inf))
        assert need is not None
        batch = np.clip(np.minimum(feasible, need), 0.0, None)
        for e in entries:
            out_t = batch * share[e]
            if feed[e] < 0:
                mined[mineral[e]] += out_t
            else:
                used = out_t / yields[j]
                stocks[feed[e]] -= used
                np.maximum(stocks[feed[e]], 0.0, out=stocks[feed[e]])  # rounding only
                losses[mineral[e]] += used - out_t
            stocks[out[e]] += out_t
            made[e] = out_t


def _produce_joint_loop(
    cap: np.ndarray,
    target: np.ndarray,
    due_by_row: np.ndarray,
    stocks: np.ndarray,
    first: np.ndarray,
    out: np.ndarray,
    feed: np.ndarray,
    share: np.ndarray,
    yields: np.ndarray,
    mineral: np.ndarray,
    mined: np.ndarray,
    losses: np.ndarray,
    made: np.ndarray,
) -> None:  # pragma: no cover - compiled
    R = cap.shape[1]
    c = _column(target)
    for j in range(len(first) - 1):
        for r in range(R):
            need = 0.0
            feasible = cap[j, r]
            for e in range(first[j], first[j + 1]):
                gap = target[e, r * c] + due_by_row[out[e], r] - stocks[out[e], r]
                batches = gap / share[e] if share[e] > 0 else -np.inf
                need = batches if e == first[j] else _most(need, batches)
                if feed[e] >= 0:
                    fed = stocks[feed[e], r] * yields[j]
                    feasible = _least(feasible, fed / share[e] if share[e] > 0 else np.inf)
            batch = _most(_least(feasible, need), 0.0)
            for e in range(first[j], first[j + 1]):
                out_t = batch * share[e]
                if feed[e] < 0:
                    mined[mineral[e], r] += out_t
                else:
                    used = out_t / yields[j]
                    stocks[feed[e], r] = _most(stocks[feed[e], r] - used, 0.0)
                    losses[mineral[e], r] += used - out_t
                stocks[out[e], r] += out_t
                made[e, r] = out_t


produce_joint = compiled(_produce_joint_loop, produce_joint_numpy)


# -- filling contracted orders ----------------------------------------------------------------


def fill_numpy(
    due: np.ndarray,
    due_by_row: np.ndarray,
    stocks: np.ndarray,
    sellers: np.ndarray,
    seller_of_sale: np.ndarray,
    sales: np.ndarray,
    outgoing: np.ndarray,
    unfilled: np.ndarray,
) -> None:
    """Ship the orders `due` (S, R) on the links `sales` (into `outgoing`) from the stock rows
    `sellers` (each sale's seller: `seller_of_sale`), pro rata to the orders due per row,
    `due_by_row`, when short; what is left short goes to `unfilled` (rows, R)."""
    on_hand = stocks[sellers]
    totals = due_by_row[sellers]
    ratio = fill_ratio(on_hand, totals)
    shipped = due * ratio[seller_of_sale]
    left = np.maximum(on_hand - totals * ratio, 0.0)  # rounding only
    unfilled[sellers] = totals * (1.0 - ratio)
    outgoing[sales] += shipped
    stocks[sellers] = left


def _fill_loop(
    due: np.ndarray,
    due_by_row: np.ndarray,
    stocks: np.ndarray,
    sellers: np.ndarray,
    seller_of_sale: np.ndarray,
    sales: np.ndarray,
    outgoing: np.ndarray,
    unfilled: np.ndarray,
) -> None:  # pragma: no cover - compiled
    R = due.shape[1]
    ratio = np.empty((sellers.size, R))
    for s in range(sellers.size):
        row = sellers[s]
        for r in range(R):
            on_hand, total = stocks[row, r], due_by_row[row, r]
            q = on_hand / total if total > on_hand else 1.0
            ratio[s, r] = q
            unfilled[row, r] = total * (1.0 - q)
            stocks[row, r] = _most(on_hand - total * q, 0.0)
    for i in range(sales.size):
        for r in range(R):
            outgoing[sales[i], r] += due[i, r] * ratio[seller_of_sale[i], r]


fill = compiled(_fill_loop, fill_numpy)


# -- ordering ---------------------------------------------------------------------------------


def order_numpy(
    base: np.ndarray,
    markets: np.ndarray,
    tpu: np.ndarray,
    demand: np.ndarray,
    backlog: np.ndarray,
    refineries: np.ndarray,
    yields: np.ndarray,
    plants: np.ndarray,
    batch_rows: np.ndarray,
    batch_share: np.ndarray,
    plant_plans: np.ndarray,
    per_batch: np.ndarray,
    unfilled: np.ndarray,
    stocks: np.ndarray,
    inbound: np.ndarray,
    rows: np.ndarray,
    supply: np.ndarray,
    supply_share: np.ndarray,
    supply_cap: np.ndarray,
    pending: np.ndarray,
    pending_spot: np.ndarray,
) -> None:
    """Place the orders of every plan (a buyer and input: `base` target (P, 1 or R), t) on its
    supply links. Market plans, `markets` (n, 3) rows [plan, demand row, backlog row], aim at
    base x demand + backlog x `tpu` (n, 1), t per unit; refinery plans, `refineries` (n, 2) rows
    [plan, output row], add unfilled orders of their output / `yields` (n, 1); plant j's plans
    `plant_plans[plants[j, 2]:plants[j, 3]]` add `per_batch` x the batches their unfilled
    orders call for (max over `batch_rows[plants[j, 0]:plants[j, 1]]` of unfilled / share).
    Each supply link (`supply` (L, 2) rows [plan, link]) is asked `supply_share` (L, 1 or R) x
    its plan's gap, target - stock - `inbound` of the plan's stock row `rows`, not below 0 (t;
    stocks and inbound (rows, R)); the part above `supply_cap` goes to `pending_spot` (empty:
    no link has a cap), the rest to `pending`."""
    target = np.broadcast_to(base, (len(base), stocks.shape[1])).copy()
    mp = markets[:, 0]
    target[mp] = target[mp] * demand[markets[:, 1]] + backlog[markets[:, 2]] * tpu
    target[refineries[:, 0]] += unfilled[refineries[:, 1]] / yields
    for j in range(len(plants)):
        outs = range(plants[j, 0], plants[j, 1])
        batches = np.max([unfilled[batch_rows[b]] / batch_share[b] for b in outs], axis=0)
        for q in range(plants[j, 2], plants[j, 3]):
            target[plant_plans[q]] += batches * per_batch[q]
    gap = np.maximum(target - stocks[rows] - inbound[rows], 0.0)
    wanted = supply_share * gap[supply[:, 0]]
    if pending_spot.size:
        contract = np.minimum(wanted, supply_cap)
        pending[supply[:, 1]] = contract
        pending_spot[supply[:, 1]] = wanted - contract
    else:
        pending[supply[:, 1]] = wanted


def _order_loop(
    base: np.ndarray,
    markets: np.ndarray,
    tpu: np.ndarray,
    demand: np.ndarray,
    backlog: np.ndarray,
    refineries: np.ndarray,
    yields: np.ndarray,
    plants: np.ndarray,
    batch_rows: np.ndarray,
    batch_share: np.ndarray,
    plant_plans: np.ndarray,
    per_batch: np.ndarray,
    unfilled: np.ndarray,
    stocks: np.ndarray,
    inbound: np.ndarray,
    rows: np.ndarray,
    supply: np.ndarray,
    supply_share: np.ndarray,
    supply_cap: np.ndarray,
    pending: np.ndarray,
    pending_spot: np.ndarray,
) -> None:  # pragma: no cover - compiled
    R = stocks.shape[1]
    cb, cd, cs, cc = _column(base), _column(demand), _column(supply_share), _column(supply_cap)
    target = np.empty((len(base), R))
    for p in range(len(base)):
        for r in range(R):
            target[p, r] = base[p, r * cb]
    for i in range(len(markets)):
        p, node, market = markets[i, 0], markets[i, 1], markets[i, 2]
        for r in range(R):
            target[p, r] = target[p, r] * demand[node, r * cd] + backlog[market, r] * tpu[i, 0]
    for i in range(len(refineries)):
        p, row = refineries[i, 0], refineries[i, 1]
        for r in range(R):
            target[p, r] += unfilled[row, r] / yields[i, 0]
    for j in range(len(plants)):
        for r in range(R):
            b0 = plants[j, 0]
            batches = unfilled[batch_rows[b0], r] / batch_share[b0]
            for b in range(b0 + 1, plants[j, 1]):
                batches = _most(batches, unfilled[batch_rows[b], r] / batch_share[b])
            for q in range(plants[j, 2], plants[j, 3]):
                target[plant_plans[q], r] += batches * per_batch[q]
    for p in range(len(base)):
        row = rows[p]
        for r in range(R):
            target[p, r] = _most(target[p, r] - stocks[row, r] - inbound[row, r], 0.0)
    spot = pending_spot.size > 0
    for i in range(len(supply)):
        p, link = supply[i, 0], supply[i, 1]
        for r in range(R):
            wanted = supply_share[i, r * cs] * target[p, r]
            if spot:
                contract = _least(wanted, supply_cap[i, r * cc])
                pending[link, r] = contract
                pending_spot[link, r] = wanted - contract
            else:
                pending[link, r] = wanted


order = compiled(_order_loop, order_numpy)
