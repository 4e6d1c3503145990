"""Problems in input files, reported as one paragraph each: where, what is wrong, what is right."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

    from sim.scenario.yamlio import Document


@dataclass(frozen=True)
class Where:
    """A place in an input file: file, 1-based line (if known) and dotted field path."""

    file: Path
    line: int | None
    field: str

    def __str__(self) -> str:
        text = str(self.file)
        if self.line is not None:
            text += f":{self.line}"
        return text + (f": {self.field}" if self.field else "")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input."""

    where: Where
    what: str
    expected: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.what}"
        if not self.expected:
            return text
        if self.expected.startswith(("did you mean", "expected")):
            return f"{text}; {self.expected}"
        return f"{text}; expected {self.expected}"


class ScenarioError(Exception):
    """Raised with every problem found in a scenario or network file."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


_EXPECTED = {
    "missing": "this field (it is required)",
    "greater_than_equal": "a number >= {ge}",
    "greater_than": "a number > {gt}",
    "less_than_equal": "a number <= {le}",
    "int_parsing": "a whole number",
    "float_parsing": "a number",
    "date_from_datetime_parsing": "an ISO date such as 2025-04-04",
    "string_pattern_mismatch": "letters, digits, '_', '-' or '.' only (no '/' or spaces)",
    "union_tag_invalid": "one of {expected_tags}",
}


def from_validation_error(error: ValidationError, doc: Document) -> list[Problem]:
    """Translate pydantic's errors into problems located in the YAML document."""
    problems = []
    items = error.errors()
    located = [_yaml_loc(i["loc"], doc.data, keep_missing=i["type"] == "missing") for i in items]
    crowded = {loc for loc in located if located.count(loc) > 1}
    for item, place in zip(items, located, strict=True):
        # A field that takes a number or a mapping (a distribution) reports both branches;
        # "should be a number" says nothing when a mapping was given and fails for its own reason.
        if (
            place in crowded
            and isinstance(item.get("input"), dict)
            and (item["type"].endswith(("_type", "_parsing")))
        ):
            continue
        loc = place
        ctx: dict[str, Any] = item.get("ctx") or {}
        if item["type"] == "unknown_field":
            loc = (*loc, ctx["field"])
            problems.append(Problem(doc.where(loc), f"unknown field '{ctx['field']}'", ctx["hint"]))
            continue
        if item["type"] == "union_tag_invalid":
            problems.append(
                Problem(
                    doc.where(loc),
                    f"unknown {ctx['discriminator'].strip(chr(39))} {ctx['tag']!r}",
                    f"one of {ctx['expected_tags']}",
                )
            )
            continue
        what = item["msg"].removeprefix("Value error, ")
        shown = item.get("input")
        if (
            item["type"] != "missing"
            and "input" in item
            and not isinstance(shown, dict | list)
            and repr(shown) not in what
        ):
            what += f" (got {shown!r})"
        template = _EXPECTED.get(item["type"], "")
        try:
            expected = template.format(**ctx)
        except (KeyError, IndexError):
            expected = template
        problems.append(Problem(doc.where(loc), what, expected))
    return problems


def _yaml_loc(loc: tuple[Any, ...], data: Any, keep_missing: bool) -> tuple[Any, ...]:
    """Drop the parts of a pydantic location that are not in the data (union tags, validators)."""
    out: list[Any] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
            out.append(part)
        elif isinstance(node, dict | list):
            continue  # e.g. the discriminator tag of a union
        else:
            out.append(part)
            break
    else:
        if keep_missing and loc and isinstance(node, dict):
            out.append(loc[-1])  # a missing field: point at its parent, name it
    return tuple(out)
