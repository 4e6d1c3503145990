"""The 'Prices and responses' section: the price form in one sentence, the parameters of every
priced mineral with sources, every response with its kind, mineral, strength, lag and whether
it was ON or OFF, and what the prices did (prices.csv). When nothing is priced it says so.

The parameters come from the scenario as run (scenario.resolved.yaml, `prices:`); their
meaning is in `sim/scenario/prices.py`."""

from __future__ import annotations

from typing import Any

from sim.output.folder import BASELINE, Results
from sim.output.labels import mineral_label
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty, value_text
from sim.output.report.sources import ASSUMPTION_NOTE, assumption, source_text

FORM = (
    "Price form: at each review a mineral's price on each side of its market moves "
    "step / lag of the way towards its target, base x (cover ratio)^-flexibility kept within "
    "base / max multiple and base x max multiple, where the cover ratio is what the side holds "
    "(stocks at the priced stages and in transit toward it, strategic stockpiles excluded) "
    "over its markets' expected use, both relative to the start, when the price is its base; "
    "each response follows that price with its own lag (sim/scenario/prices.py)."
)
OFF = (
    "Prices are off in this run: the scenario prices no mineral, so nothing responds to "
    "scarcity (demand, recipes, idle capacity and collection follow the scenario's inputs "
    "only)."
)
KINDS = ("demand", "substitution", "restart", "recycling")


def priced(results: Results) -> dict[str, Any]:
    """The scenario's `prices:` block as run ({} when absent)."""
    return results.scenario.get("prices") or {}


def price_blocks(results: Results, world: bool) -> list[Block]:
    """The section when the scenario prices a mineral or has paths or projects (`world`); a
    plain sentence is left to the caller otherwise."""
    spec = priced(results)
    commodities = spec.get("commodities") or []
    if not commodities:
        return [Block("h2", "Prices and responses"), Block("p", OFF)] if world else []
    blocks = [
        Block("h2", "Prices and responses"),
        Block("p", FORM),
        Block("table", table=_parameters(commodities)),
    ]
    responses = [(kind, r) for kind in KINDS for r in spec.get(kind) or []]
    on = [r for _, r in responses if r.get("enabled", True)]
    if not responses:
        blocks.append(
            Block("p", "No responses are declared: prices are computed and reported only.")
        )
    else:
        if not on:
            blocks.append(
                Block(
                    "p",
                    "Every response is switched OFF: prices are computed and reported but "
                    "change nothing in this run.",
                )
            )
        blocks.append(Block("table", table=_responses(responses)))
    outcome = _outcome(results)
    if outcome is not None:
        blocks += [Block("h3", "What the prices did"), Block("table", table=outcome)]
    return blocks


def _parameters(commodities: list[dict[str, Any]]) -> Table:
    rows = []
    for c in commodities:
        split = c.get("split_by")
        rows.append(
            [
                mineral_label(str(c["mineral"])),
                qty(float(c["base_usd_per_t"])),
                f"{float(c['flexibility']):g}",
                f"{float(c.get('max_multiple', 20.0)):g}",
                qty(float(c.get("lag_days", 30.0))),
                f"inside and outside {split}" if split else "one world price",
                ", ".join(c.get("stages") or []) or "every stage",
                source_text(c.get("source")),
                assumption(c.get("source")),
            ]
        )
    return Table(
        [
            "mineral",
            "base (USD/t)",
            "flexibility",
            "max multiple",
            "lag (days)",
            "sides",
            "stocks counted",
            "source",
            "assumption",
        ],
        rows,
        numeric={1, 2, 3, 4},
        note="No price elasticity is in the reference data (minerals-reference-2026.md, "
        "section 7: [GAP]), so flexibilities and response strengths are declared assumptions "
        "unless a source is given. " + ASSUMPTION_NOTE,
    )


def strength(kind: str, r: dict[str, Any]) -> str:
    """How strongly a response acts, in words."""
    if kind == "demand":
        return f"elasticity {float(r['elasticity']):g} (demand x (P / base)^elasticity)"
    if kind == "substitution":
        stays = "reversible" if r.get("reversible") else "does not switch back"
        return (
            f"up to {float(r['max_reduction']):.0%} less kg per unit, full at "
            f"{float(r['full_at_multiple']):g}x base ({stays})"
        )
    if kind == "restart":
        return (
            f"availability towards {float(r.get('availability', 1.0)):g} between "
            f"{float(r.get('start_multiple', 1.5)):g}x and {float(r.get('full_multiple', 3.0)):g}x"
        )
    return (
        f"elasticity {float(r['elasticity']):g} of the collection rate, at most "
        f"{float(r.get('max_rate', 0.9)):.0%}"
    )


def _responses(responses: list[tuple[str, dict[str, Any]]]) -> Table:
    rows = []
    for kind, r in responses:
        target = r.get("nodes") if kind == "restart" else r.get("markets")
        rows.append(
            [
                kind,
                mineral_label(str(r["mineral"])),
                value_text(target or {}),
                strength(kind, r),
                qty(float(r.get("lag_days", 180.0))),
                "ON" if r.get("enabled", True) else "OFF",
                source_text(r.get("source")),
                assumption(r.get("source")),
            ]
        )
    return Table(
        [
            "response",
            "mineral",
            "acts on",
            "strength",
            "lag (days)",
            "status",
            "source",
            "assumption",
        ],
        rows,
        numeric={4},
        note="OFF: declared but switched off (`enabled: false`); it changes nothing in this run. "
        "P: the price on the side of the node the response acts on. " + ASSUMPTION_NOTE,
    )


def _outcome(results: Results) -> Table | None:
    """Per (policy,) mineral and side: base, highest price and when, price at the end."""
    prices = results.get("prices")
    if prices is None or prices.empty:
        return None
    column = "price_usd_per_t" if "price_usd_per_t" in prices else "p50"
    if "rep" in prices:
        prices = prices[prices["rep"] == prices["rep"].min()]
    bases = {str(c["mineral"]): float(c["base_usd_per_t"]) for c in priced(results)["commodities"]}
    keys = ["policy", "mineral", "side"] if "policy" in prices else ["mineral", "side"]
    rows = []
    for key, group in prices.groupby(keys, sort=False):
        named = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        group = group.sort_values("day")
        top = group.iloc[int(group[column].to_numpy().argmax())]
        base = bases.get(str(named["mineral"]), float("nan"))
        row = [
            mineral_label(str(named["mineral"])),
            side_text(str(named["side"])),
            qty(base),
            qty(float(top[column])),
            f"{float(top[column]) / base:.2f}x" if base == base else "-",
            str(top["date"]),
            qty(float(group[column].iloc[-1])),
        ]
        if "p95" in group:
            row.insert(6, qty(float(group["p95"].max())))
        rows.append(([str(named["policy"])] if "policy" in named else []) + row)
    columns = ["mineral", "side", "base (USD/t)", "highest (USD/t)", "x base", "when", "at the end"]
    numeric = {2, 3, 4, 6}
    if "p95" in prices:
        columns.insert(6, "highest P95 (USD/t)")
        numeric = {2, 3, 4, 6, 7}
    if "policy" in prices:
        columns.insert(0, "policy")
        numeric = {i + 1 for i in numeric}
        order = {p: i for i, p in enumerate(results.policies or [BASELINE])}
        rows.sort(key=lambda r: order.get(r[0], len(order)))
    what = (
        "the median across replications at each review (prices.csv)"
        if column == "p50"
        else "the price of the run"
    )
    return Table(
        columns,
        rows,
        numeric=numeric,
        note=f"Highest, when and at the end: {what}."
        + (" Highest P95: the highest 95th percentile at any review." if "p95" in prices else ""),
    )


def side_text(side: str) -> str:
    """'world', 'inside CN' or 'outside CN'."""
    return side if side == "world" or side.startswith("outside ") else f"inside {side}"
