"""One-at-a-time changes to the 2010 backtest scenario, for `tools/backtest_2010.py
--sensitivity`: each is a label and a function that edits the scenario as a dict (the document
read from scenarios/backtest_2010_ree.yaml, with the network inlined)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Change = Callable[[dict[str, Any]], None]


def _set(*path: str | int, value: Any) -> Change:
    """A change that sets doc[path...] = value."""

    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _both(*changes: Change) -> Change:
    def change(doc: dict[str, Any]) -> None:
        for c in changes:
            c(doc)

    return change


def _drop(part: str) -> Change:
    return lambda d: d["prices"].pop(part)


def _scale_quotas(names: str, factor: float) -> Change:
    def change(doc: dict[str, Any]) -> None:
        for s in doc["shocks"]:
            if s["type"] == "export_quota" and names in s["name"]:
                s["tonnes_per_year"] = round(s["tonnes_per_year"] * factor)

    return change


def _one_quota_per_year(doc: dict[str, Any]) -> None:
    """Each year's two quota shocks (Japan, the rest) merged into one over both."""
    kept = []
    for s in doc["shocks"]:
        if s["type"] != "export_quota":
            kept.append(s)
        elif "to_countries" in s:
            rest = next(
                r
                for r in doc["shocks"]
                if r["type"] == "export_quota" and "exempt" in r and r["start"] == s["start"]
            )
            merged = {k: v for k, v in s.items() if k != "to_countries"}
            merged["tonnes_per_year"] = s["tonnes_per_year"] + rest["tonnes_per_year"]
            kept.append(merged)
    doc["shocks"] = kept


COMMODITY = ("prices", "commodities", 0)
RESTART = ("prices", "restart", 0)
DEMAND = ("prices", "demand", 0)
SUBSTITUTION = ("prices", "substitution", 0)
VARIANTS: list[tuple[str, Change | None]] = [
    ("as built", None),
    ("prices off (no prices block: no responses)", lambda d: d.pop("prices")),
    ("price flexibility 1 (not 2)", _set(*COMMODITY, "flexibility", value=1.0)),
    ("price flexibility 3", _set(*COMMODITY, "flexibility", value=3.0)),
    ("price lag 15 days (not 30)", _set(*COMMODITY, "lag_days", value=15)),
    ("price lag 90 days", _set(*COMMODITY, "lag_days", value=90)),
    ("restart off", _drop("restart")),
    (
        "restart multiples 1.25 -> 2 (not 1.5 -> 3)",
        _both(
            _set(*RESTART, "start_multiple", value=1.25),
            _set(*RESTART, "full_multiple", value=2.0),
        ),
    ),
    (
        "restart multiples 2 -> 4",
        _both(
            _set(*RESTART, "start_multiple", value=2.0),
            _set(*RESTART, "full_multiple", value=4.0),
        ),
    ),
    ("restart lag 90 days (not 180)", _set(*RESTART, "lag_days", value=90)),
    ("restart lag 365 days", _set(*RESTART, "lag_days", value=365)),
    ("demand elasticity 0 (demand response off)", _drop("demand")),
    ("demand elasticity -0.3 (not -0.1)", _set(*DEMAND, "elasticity", value=-0.3)),
    ("demand lag 90 days (not 180)", _set(*DEMAND, "lag_days", value=90)),
    ("substitution off", _drop("substitution")),
    ("substitution at most 20% (not 40%)", _set(*SUBSTITUTION, "max_reduction", value=0.2)),
    ("substitution full at 10x (not 5x)", _set(*SUBSTITUTION, "full_at_multiple", value=10.0)),
    ("substitution lag 180 days (not 365)", _set(*SUBSTITUTION, "lag_days", value=180)),
    ("one quota over both destinations", _one_quota_per_year),
    ("2010 quotas x 39,813/30,258 (what China exported)", _scale_quotas("2010", 39_813 / 30_258)),
    (
        "no halt (21 Sep - 20 Nov 2010)",
        lambda d: d.update(shocks=[s for s in d["shocks"] if s["type"] != "export_ban"]),
    ),
    ("Japan's demand flat at 18,300 t/yr (no path)", lambda d: d["paths"].pop("demand")),
]
