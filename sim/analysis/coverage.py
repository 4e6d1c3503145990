"""What covered a targeted country during a shock: re-sourcing, stock, reserves, transit.

For every shock aimed at countries (`to_countries`: export bans, content licensing), every
country it targets and every mineral it acts on, the country's supply of that mineral during
the shock's window is split into the ways it reached the country's markets, from the
shipments, arrivals and stocks of the run (the first replication of a run kept in full):

- `imports`: t that arrived at the country's nodes from each supplier country (cross-border
  links), less what was already in transit when the window opened;
- `in_transit_at_start`: t in transit toward the country when the window opened that arrived
  during it (first in, first out per link), by supplier country (what was sent before the
  shock began);
- `stock_drawn`: t drawn from the stocks of the country's nodes (every stage of the mineral;
  negative where stocks were built up), strategic stockpiles apart;
- `reserve_drawn`: t drawn from the country's strategic stockpiles (their releases);
- `mined`: t its own mines produced; `end_of_life`: t of scrap its markets collected;
- `domestic_transit_drawn`: in transit between the country's own nodes at the start less at
  the end;
- `exports`: t its nodes sent abroad (negative);
- `losses`: the rest, process losses of refining and making (negative): delivered minus the
  sum of the rows above, so that the rows add up to `delivered`.

The totals reconcile with the mass balance: the rows sum to `delivered` (the t of the mineral
the country's markets put in use during the window). `demand` and `shortfall` rows give what
the markets wanted and did not get. `hit` says whether the country's markets fell short of the
mineral from the window's start to the end of the run: where it is False the table says why it
was not hit; where True, how much was covered before it fell short.

Sign convention: positive `during_t` supplied the country's markets. `before_t` is the same
quantity over the reviews just before the window (as many as the window has, fewer if the run
starts sooner), scaled to the window's length (what was in transit at the start of that
span, one pipeline's worth, is not scaled); `change_t` = during - before. `cover_left_days`
is the country's stocks of the mineral (stockpiles included) at the end of the window over its
markets' demand per day during the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.engine import simulate
from sim.engine.simulate import RunResult
from sim.scenario.loader import Scenario
from sim.scenario.network import MarketSpec
from sim.shocks.base import shock_label
from sim.vocabulary import (
    COMPONENT,
    DELIVERED_T,
    DEMAND_T,
    PRODUCTION_T,
    SCRAP,
    SHORTFALL_T,
    STOCK_T,
)

COVERAGE_COLUMNS = (
    "shock",
    "country",
    "mineral",
    "start",
    "end",
    "hit",
    "kind",
    "supplier_country",
    "before_t",
    "during_t",
    "change_t",
    "cover_left_days",
)
"""The columns of coverage.csv."""
SOURCES = (
    "imports",
    "in_transit_at_start",
    "stock_drawn",
    "reserve_drawn",
    "mined",
    "end_of_life",
    "domestic_transit_drawn",
    "exports",
    "losses",
)
"""The kinds of row that add up to `delivered`, in the order the report lists them."""
TOTALS = ("delivered", "demand", "shortfall")
"""The kinds of row that state the country's markets' totals over the window."""
NOISE_T = 1e-9
"""Tonnes below this are written as 0 (sums of large flows leave rounding residue)."""
HIT_TOLERANCE_T = 1e-6
"""A country's markets fell short when they missed more than this, t."""


@dataclass(frozen=True)
class Window:
    """Reviews [first, stop) of a shock's window and the reviews before it [before, first)."""

    first: int
    stop: int
    before: int

    @property
    def length(self) -> int:
        return self.stop - self.first


def aims_at_countries(scenario: Scenario) -> bool:
    """Whether any of the scenario's shocks targets countries (`to_countries`)."""
    return any(getattr(shock, "to_countries", ()) for shock in scenario.spec.shocks)


def first_run(scenario: Scenario) -> RunResult | None:
    """One full run of the scenario at its seed (replication 0), for an ensemble's or a policy
    comparison's coverage table (they keep no per-review shipments); None when no shock aims
    at a country."""
    return simulate.run(scenario) if aims_at_countries(scenario) else None


def coverage_frame(result: RunResult) -> pd.DataFrame | None:
    """The coverage table of a run kept in full (see the module docstring); None when the run
    keeps no per-review series or no shock targets a country."""
    rec = result.recorder
    if not rec.full or rec.arrived is None or rec.opening_transit is None:
        return None
    spec, net = result.scenario.spec, result.scenario.network
    step, periods = spec.step_days, result.n_periods
    windows = _windows(result)
    rows: list[dict[str, object]] = []
    for index, shock in enumerate(spec.shocks):
        targets = tuple(getattr(shock, "to_countries", ()) or ())
        label = shock_label(shock, index)
        if not targets or label not in windows:
            continue
        start_day, end_day = windows[label]
        first = min(math.ceil(start_day / step - 1e-9), periods)
        stop = min(max(math.ceil(end_day / step - 1e-9), first + 1), periods)
        if first >= periods:
            continue
        window = Window(first, stop, max(0, first - (stop - first)))
        start = pd.Timestamp(spec.start) + pd.Timedelta(days=first * step)
        end = pd.Timestamp(spec.start) + pd.Timedelta(days=stop * step)
        for country in targets:
            markets = [
                m
                for m in net.of_kind("market")
                if isinstance(m, MarketSpec) and m.country == country
            ]
            used = dict.fromkeys(x for m in markets for x in m.intensity_kg_per_unit)
            mineral = getattr(shock, "mineral", None)
            minerals = [str(mineral)] if mineral in used else ([] if mineral else list(used))
            for x in minerals:
                head = {"shock": label, "country": country, "mineral": x}
                head |= {"start": start.date().isoformat(), "end": end.date().isoformat()}
                users = [m.name for m in markets if x in m.intensity_kg_per_unit]
                rows += _country_rows(result, window, country, x, users, head)
    if not rows:
        return None
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _windows(result: RunResult) -> dict[str, tuple[float, float]]:
    """Shock label -> (start day, end day) as the run drew them (the end: the horizon when the
    shock never ended)."""
    out: dict[str, tuple[float, float]] = {}
    horizon = float(result.scenario.spec.horizon_days)
    for event in result.events:
        label, day = str(event["shock"]), float(event["day"])
        if event["event"] == "start" and label not in out:
            out[label] = (day, horizon)
        elif event["event"] == "end" and label in out:
            out[label] = (out[label][0], day)
    return out


def _first_in(in_transit: np.ndarray, arrivals: np.ndarray) -> float:
    """t of what was in transit per link (`in_transit`, (L,)) that arrived among `arrivals`
    ((reviews, L)): first in, first out, so at most what arrived."""
    return float(np.minimum(in_transit, arrivals.sum(axis=0)).sum())


@dataclass
class _Rows:
    """The rows of one (shock, country, mineral) as they are added, with the window's sums."""

    window: Window
    head: dict[str, object]
    rows: list[dict[str, object]] = field(default_factory=list)
    befores: list[float] = field(default_factory=list)
    """The sources' before_t (what the losses' own is the rest of)."""
    durings: list[float] = field(default_factory=list)
    """The sources' during_t."""

    def both(self, values: np.ndarray) -> tuple[float, float]:
        """(before scaled to the window's length, during) of a per-review series."""
        w = self.window
        during = float(values[w.first : w.stop].sum())
        n_before = w.first - w.before
        before = (
            float(values[w.before : w.first].sum()) * w.length / n_before if n_before else math.nan
        )
        return before, during

    def add(self, kind: str, before: float, during: float, supplier: str = "") -> float:
        """Add a row; return its during_t."""
        self.rows.append(
            {
                **self.head,
                "kind": kind,
                "supplier_country": supplier,
                "before_t": before,
                "during_t": during,
                "change_t": during - before,
            }
        )
        if kind in SOURCES:
            self.befores.append(before)
            self.durings.append(during)
        return during


def _country_rows(
    result: RunResult,
    window: Window,
    country: str,
    mineral: str,
    markets: list[str],
    head: dict[str, object],
) -> list[dict[str, object]]:
    """The rows of one (shock, country, mineral): sources, totals, cover left."""
    rec, net = result.recorder, result.scenario.network
    assert rec.arrived is not None and rec.opening_transit is not None
    nodes = {n for n, spec in net.nodes.items() if spec.country == country}
    links = [k for k in net.links if k.mineral == mineral]
    shipped, arrived = rec.shipped[:, :, 0], rec.arrived[:, :, 0]
    transit = rec.opening_transit[:, 0][None, :] + np.vstack(
        [np.zeros((1, shipped.shape[1])), np.cumsum(shipped - arrived, axis=0)]
    )  # in transit per link at the start of each review (before its arrivals), (periods + 1, L)
    out = _Rows(window, head)
    imports = [k for k in links if k.buyer in nodes and k.supplier not in nodes]
    for supplier in sorted({net.nodes[k.supplier].country for k in imports}):
        mine = [k.index for k in imports if net.nodes[k.supplier].country == supplier]
        _imports(out, arrived[:, mine], transit[:, mine], supplier)
    stock_keys = [k for k in rec.keys if k[3] == STOCK_T and k[0] in nodes and k[1] == mineral]
    piles = [k for k in stock_keys if net.nodes[k[0]].kind == "stockpile"]
    out.add(
        "stock_drawn",
        *out.both(-np.diff(_level(result, [k for k in stock_keys if k not in piles]))),
    )
    out.add("reserve_drawn", *out.both(-np.diff(_level(result, piles))))
    mined = [
        rec.per_review(k)[:, 0]
        for k in rec.keys
        if k[3] == PRODUCTION_T and k[0] in nodes and k[1] == mineral
        if net.nodes[k[0]].kind == "mine"
    ]
    scrap = [k.index for k in links if k.stage == SCRAP and k.supplier in markets]
    domestic = [k.index for k in links if k.supplier in nodes and k.buyer in nodes]
    exports = [k.index for k in links if k.supplier in nodes and k.buyer not in nodes]
    out.add("mined", *out.both(np.sum(mined, axis=0) if mined else np.zeros(result.n_periods)))
    out.add("end_of_life", *out.both(shipped[:, scrap].sum(axis=1)))
    out.add("domestic_transit_drawn", *out.both(-np.diff(transit[:, domestic].sum(axis=1))))
    out.add("exports", *out.both(-shipped[:, exports].sum(axis=1)))
    totals = {
        v: np.sum([rec.per_review((m, mineral, COMPONENT, v))[:, 0] for m in markets], axis=0)
        for v in (DELIVERED_T, DEMAND_T, SHORTFALL_T)
    }
    delivered = out.both(totals[DELIVERED_T])
    out.add(
        "losses",
        delivered[0] - float(np.nansum(out.befores)),
        delivered[1] - float(sum(out.durings)),
    )
    out.add("delivered", *delivered)
    demand = out.add("demand", *out.both(totals[DEMAND_T]))
    out.add("shortfall", *out.both(totals[SHORTFALL_T]))
    hit = float(totals[SHORTFALL_T][window.first :].sum()) > HIT_TOLERANCE_T
    per_day = demand / max(window.length * result.scenario.spec.step_days, 1)
    left = float(_level(result, stock_keys)[window.stop])
    cover = left / per_day if per_day > 1e-12 else math.inf
    for row in out.rows:
        row["hit"] = hit
        row["cover_left_days"] = cover
        for column in ("before_t", "during_t", "change_t"):  # summation noise is no flow
            value = float(row[column])  # type: ignore[arg-type]
            row[column] = 0.0 if abs(value) < NOISE_T else value
    return out.rows


def _imports(out: _Rows, came: np.ndarray, transit: np.ndarray, supplier: str) -> None:
    """The imports and in-transit-at-start rows of one supplier country: `came` is what
    arrived per review on its links, (periods, L); `transit` what was in transit on them at
    the start of each review, (periods + 1, L)."""
    w = out.window
    before, during = out.both(came.sum(axis=1))
    early = _first_in(transit[w.first], came[w.first : w.stop])
    early_before = math.nan  # one pipeline's worth, not scaled with the span's length
    if w.first > w.before:
        early_before = _first_in(transit[w.before], came[w.before : w.first])
    out.add("imports", before - early_before, during - early, supplier)
    out.add("in_transit_at_start", early_before, early, supplier)


def _level(result: RunResult, keys: list[tuple[str, str, str, str]]) -> np.ndarray:
    """The summed stock of the series `keys` at the start of each review and at the end,
    (periods + 1,)."""
    rec = result.recorder
    out = np.zeros(result.n_periods + 1)
    for key in keys:
        out[0] += float(rec.opening_stock.get(key, np.zeros(1))[0])
        out[1:] += rec.per_review(key)[:, 0]
    return out
