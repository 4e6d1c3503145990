"""How the report writes numbers and scenario values: quantities with thousands
separators, shares that never round a shortfall away, days with a word for infinity."""

from __future__ import annotations

import math
from typing import Any


def qty(value: float) -> str:
    """A quantity for a table: thousands separated, a few significant digits when small."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if math.isinf(value):
        return "inf"
    if abs(value) >= 100 or value == 0:
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def share(value: float) -> str:
    """A fill rate or probability as a percentage; never rounds a shortfall up to 100%."""
    if value is None or math.isnan(value):
        return "-"
    text = f"{value:.1%}"
    if value < 1 and text == "100.0%":
        return ">99.9%"
    if value > 0 and text == "0.0%":
        return "<0.1%"
    return text


def days(value: float, never: str) -> str:
    """Whole days; `never` for infinity (a threshold that was never crossed), '-' for NaN."""
    if value is None or math.isnan(value):
        return "-"
    return never if math.isinf(value) else f"{value:,.0f}"


def value_text(value: Any) -> str:
    """A scenario value as text; a distribution as 'uniform(low=0.4, high=0.7)'."""
    if isinstance(value, dict):
        if "dist" in value:
            args = ", ".join(f"{k}={v}" for k, v in value.items() if k != "dist")
            return f"{value['dist']}({args})"
        return ", ".join(f"{k}: {value_text(v)}" for k, v in value.items() if v not in ([], None))
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def replications(n: int) -> str:
    """'1 replication', '1,000 replications'."""
    return f"{n:,} replication" + ("s" if n != 1 else "")


def named(labels: dict[str, str], name: str) -> str:
    """A node in a table: its label with its id in brackets, 'India EVs [in_ev]' (the id is
    what a scenario file names); the id alone when it has no label."""
    label = labels.get(name, name)
    return name if label == name else f"{label} [{name}]"
