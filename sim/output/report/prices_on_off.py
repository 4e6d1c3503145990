"""Prices on vs off, side by side (prices_on_off.csv, written by `sim run --prices compare`):
per market that falls short with prices on or off, shortfall, fill rate and first shortfall
with and without the price mechanism, the paired change (on - off) with its 95% confidence
interval; then each policy's cost with prices on and off."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from sim.output.folder import BASELINE, Results
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty, replications, share

RESPONSES = {
    "demand": "demand destruction",
    "substitution": "substitution",
    "restart": "idle capacity restarting",
    "recycling": "recycling collection",
}
"""The words for each kind of response (the keys of a scenario's `prices:` block)."""


def on_off_blocks(results: Results) -> list[Block]:
    """A 'Prices on vs off' section when the folder holds prices_on_off.csv, else nothing."""
    table = results.get("prices_on_off")
    if table is None or table.empty:
        return []
    blocks = [Block("h2", "Prices on vs off"), Block("p", _lead(results))]
    short = _short(table)
    policies = [p for p in dict.fromkeys(table["policy"]) if p != BASELINE]
    if short.empty:
        blocks.append(Block("p", "No market falls short with prices on or off."))
    else:
        blocks.append(Block("p", _finding(short) + _priced_out(table, short)))
        blocks.append(Block("table", table=_market_table(short, with_policy=bool(policies))))
    costs = table[table["metric"] == "policy_cost_usd"]
    if not costs.empty:
        blocks += [Block("h3", "Policy costs with prices on and off"), _cost_table(costs)]
    return blocks


def _lead(results: Results) -> str:
    prices = results.scenario.get("prices") or {}
    minerals = [str(c.get("mineral")) for c in prices.get("commodities") or []]
    on = [
        f"{RESPONSES[kind]} ({response.get('mineral')})"
        for kind in RESPONSES
        for response in prices.get(kind) or []
        if response.get("enabled", True)
    ]
    switched = (
        "the responses switched on: " + ", ".join(dict.fromkeys(on))
        if on
        else "no response to price is switched on, so prices alone change nothing physical"
    )
    reps = replications(results.info.replications)
    return (
        f"Prices on: the scenario as written, pricing {', '.join(minerals) or 'nothing'} with "
        f"{switched}. Prices off: the same scenario without its prices block (no price and "
        f"no response to it). Both run on the same {reps} and seed (common random numbers), "
        "so each change is due to the price mechanism alone."
    )


def _short(table: pd.DataFrame) -> pd.DataFrame:
    """Per policy and market short with prices on or off: the shortfall, fill rate and first
    shortfall rows side by side."""
    units = table[table["metric"] == "shortfall_units"]
    units = units[(units["prices_on"] > 0) | (units["prices_off"] > 0)]
    if units.empty:
        return units
    keys = ["policy", "market"]
    fill = table[table["metric"] == "fill_rate"].set_index(keys)
    first = table[table["metric"] == "first_shortfall_day"].set_index(keys)
    frame = units.set_index(keys)
    frame = frame.assign(
        fill_on=fill["prices_on"].reindex(frame.index),
        fill_off=fill["prices_off"].reindex(frame.index),
        first_on=first["prices_on_date"].reindex(frame.index),
        first_off=first["prices_off_date"].reindex(frame.index),
    )
    return frame.reset_index()


def _finding(short: pd.DataFrame) -> str:
    base = short[short["policy"] == BASELINE]
    rows = base if not base.empty else short
    lower = rows[rows["delta"] < 0]
    higher = rows[rows["delta"] > 0]
    parts = [
        f"With prices on, the shortfall is lower in {len(lower)} and higher in "
        f"{len(higher)} of the {len(rows)} markets that fall short"
        + (" without a policy" if not base.empty and len(base) < len(short) else "")
    ]
    if not lower.empty:
        cut = -lower["delta"] / lower["prices_off"].where(lower["prices_off"] > 0, 1.0)
        most = lower.assign(cut=cut).sort_values("cut", ascending=False, kind="stable")
        top = most.to_dict("records")[0]
        parts.append(
            f"; the largest relative cut is in {top['market']} ({qty(float(top['delta']))} "
            f"{top['unit']}, {float(top['cut']):.0%} of its shortfall with prices off)"
        )
    return "".join(parts) + "."


def _priced_out(table: pd.DataFrame, short: pd.DataFrame) -> str:
    """' Demand priced out ...': the short markets (without a policy, where there is a
    baseline) whose demand is lower with prices on."""
    demand = table[table["metric"] == "demand_units"]
    policy = BASELINE if (short["policy"] == BASELINE).any() else str(short["policy"].iloc[0])
    markets = set(short.loc[short["policy"] == policy, "market"])
    fallen = demand[
        (demand["policy"] == policy) & demand["market"].isin(markets) & (demand["delta"] < 0)
    ]
    if fallen.empty:
        return ""
    listed = "; ".join(
        f"{r['market']} {qty(-float(r['delta']))} {r['unit']}" for r in fallen.to_dict("records")
    )
    return f" Demand priced out with prices on (not counted as shortfall): {listed}."


def _market_table(short: pd.DataFrame, with_policy: bool) -> Table:
    rows = []
    for r in short.to_dict("records"):
        row = [] if not with_policy else [str(r["policy"])]
        row += [
            str(r["market"]),
            str(r["unit"]),
            qty(float(r["prices_off"])),
            qty(float(r["prices_on"])),
            qty(float(r["delta"])),
            _interval(r),
            share(float(r["fill_off"])),
            share(float(r["fill_on"])),
            _date(r["first_off"]),
            _date(r["first_on"]),
        ]
        rows.append(row)
    columns = [
        "market",
        "unit",
        "shortfall, prices off",
        "shortfall, prices on",
        "change",
        "95% CI of the change",
        "fill rate, off",
        "fill rate, on",
        "first shortfall, off",
        "first shortfall, on",
    ]
    shift = 1 if with_policy else 0
    return Table(
        (["policy"] if with_policy else []) + columns,
        rows,
        numeric={i + shift for i in (2, 3, 4, 6, 7)},
        note="Cumulative shortfall over the horizon in the market's unit, means over "
        "replications; demand destroyed by price is not shortfall (prices_on_off.csv has "
        "demand too). Change: mean of (on - off) over paired replications; negative is less "
        "shortfall with prices on. First shortfall: mean date over the replications that fell "
        "short; '-': none did. '-' for the interval: one replication.",
    )


def _cost_table(costs: pd.DataFrame) -> Block:
    rows = [
        [
            str(r["policy"]),
            qty(float(r["prices_off"])),
            qty(float(r["prices_on"])),
            qty(float(r["delta"])),
            _interval(r),
        ]
        for r in costs.to_dict("records")
    ]
    return Block(
        "table",
        table=Table(
            ["policy", "cost, prices off (USD)", "cost, prices on (USD)", "change", "95% CI"],
            rows,
            numeric={1, 2, 3},
            note="Each policy's cost over the horizon, means over the replications. It "
            "differs between the two runs where a lever's cost follows the simulated price, "
            "and otherwise only through what the policy did (a reserve that released more or "
            "less, a premium on more or less volume).",
        ),
    )


def _interval(row: Mapping[Any, Any]) -> str:
    low, high = float(row["ci_low"]), float(row["ci_high"])
    return "-" if math.isnan(low) else f"{qty(low)} to {qty(high)}"


def _date(value: Any) -> str:
    return str(value) if isinstance(value, str) and value else "-"
