"""How the report shows where an input comes from: its source text, 'no source given' where
there is none, and whether it is an assumption (the source says ASSUMPTION, or is empty)."""

from __future__ import annotations

from typing import Any

NO_SOURCE = "no source given"


def source_text(value: Any) -> str:
    """The source on one line, or 'no source given' (never a blank cell)."""
    text = " ".join(str(value or "").split())
    return text or NO_SOURCE


def assumption(value: Any) -> str:
    """'yes' when the source is empty or is an assumption, 'in part' when it names an
    assumption among sourced figures, else 'no'."""
    text = " ".join(str(value or "").split()).lower()
    if not text or text.startswith("assumption") or text.startswith("assumed"):
        return "yes"
    return "in part" if "assumption" in text or "assumed" in text else "no"


ASSUMPTION_NOTE = (
    "'assumption': yes where the source is empty or says ASSUMPTION, 'in part' where it names "
    "an assumption among sourced figures. Flags such as [UNCERTAIN] are kept as the scenario "
    "gives them."
)
