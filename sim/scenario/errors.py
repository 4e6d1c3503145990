"""Problems in input files, reported as one paragraph each: where, what is wrong, what is right.

Messages quote a bad value only in short (`shown`): an error never echoes a file's contents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

    from sim.scenario.yamlio import Document

MAX_PROBLEMS = 50
"""Problems listed at most; the rest are counted in a last line (a broken file of 100,000
lines should not print 100,000 lines)."""

YAML11_WORDS = frozenset(
    w for word in ("yes", "no", "on", "off", "y", "n") for w in (word, word.title(), word.upper())
)
"""Words YAML 1.1 reads as booleans; here they are text (booleans are only true/false)."""


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
    """Raised with every problem found in a scenario or network file (the first
    `MAX_PROBLEMS`, then a count of the rest)."""

    def __init__(self, problems: Sequence[Problem]):
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            rest = len(problems) - MAX_PROBLEMS
            last = problems[MAX_PROBLEMS]
            problems = problems[:MAX_PROBLEMS]
            problems.append(
                Problem(
                    Where(last.where.file, None, ""),
                    f"... and {rest} more problem(s) not listed",
                    "the problems above fixed first",
                )
            )
        self.problems = problems
        super().__init__("\n".join(str(p) for p in self.problems))


def shown(value: Any, width: int = 60) -> str:
    """`repr(value)` cut to about `width` characters, for quoting a bad value in a message."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 4] + "...'"


_EXPECTED = {
    "missing": "this field (it is required)",
    "greater_than_equal": "a number >= {ge}",
    "greater_than": "a number > {gt}",
    "less_than_equal": "a number <= {le}",
    "less_than": "a number < {lt}",
    "above_limit": "a number <= {limit}{unit}",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "finite_number": "a finite number (no .nan or .inf)",
    "date_from_datetime_parsing": "an ISO date such as 2025-04-04",
    "date_parsing": "an ISO date such as 2025-04-04",
    "date_type": "an ISO date such as 2025-04-04",
    "date_range": "a date from {low} to {high}",
    "string_pattern_mismatch": (
        "letters, digits, '_', '-' or '.' only (no '/' or spaces), starting with a letter or digit"
    ),
    "string_too_long": "at most {max_length} characters",
    "string_too_short": "at least {min_length} character(s)",
    "too_short": "at least {min_length} entries",
    "union_tag_invalid": "one of {expected_tags}",
    "bool_not_number": "a number (true and false are only for switches)",
    "not_a_bool": "true or false (YAML 1.1 words such as yes, no, on and off are text here)",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "list_type": "a list",
    "tuple_type": "a list",
    "string_type": "text",
    "literal_error": "one of {expected}",
    "date_from_datetime_inexact": "a date without a time of day, e.g. 2025-04-04",
}

_MISMATCH = {
    "int_parsing",
    "int_from_float",
    "int_type",
    "float_parsing",
    "float_type",
    "string_type",
    "bool_type",
    "bool_parsing",
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "dict_type",
    "model_type",
    "model_attributes_type",
    "list_type",
    "tuple_type",
}
"""Errors that say only "this is not of that type": where a field takes one of several types
(a number or a distribution, a day or a date), they are noise next to a real reason."""

_PATH_IN_CTX = {"unknown_field": "key", "bool_not_number": "path", "not_a_bool": "path"}
"""Errors raised for a whole model that name the field (or path) they are about."""

_QUOTES_INPUT = {*_PATH_IN_CTX, "above_limit", "date_range"}
"""Errors whose message already shows the bad value."""

_KIND = {
    "int": "a whole number",
    "float": "a number",
    "string": "text",
    "bool": "true or false",
    "date": "an ISO date",
    "dict": "a mapping",
    "model": "a mapping (e.g. a distribution)",
    "list": "a list",
    "tuple": "a list",
}
"""What each branch of a union takes, by the first word of its mismatch error type."""


def from_validation_error(error: ValidationError, doc: Document) -> list[Problem]:
    """Translate pydantic's errors into problems located in the YAML document."""
    items = error.errors()
    located = [_yaml_loc(i["loc"], doc.data, keep_missing=i["type"] == "missing") for i in items]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for item, place in zip(items, located, strict=True):
        extra = (item.get("ctx") or {}).get(_PATH_IN_CTX.get(item["type"], ""), ())
        place = (*place, *(extra if isinstance(extra, tuple) else (extra,)))
        groups.setdefault(place, []).append(dict(item))
    problems = []
    for place, group in groups.items():
        # A mapping given to a field that takes a number or a mapping (a distribution) fails
        # both ways; the reason is inside the mapping, "not a number" is noise.
        inner = any(other[: len(place)] == place and other != place for other in groups)
        if inner and all(i["type"] in _MISMATCH for i in group):
            continue
        problems += _group_problems(place, group, doc)
    return problems


def _group_problems(
    place: tuple[Any, ...], group: list[dict[str, Any]], doc: Document
) -> list[Problem]:
    """The problems of one place: the reasons, without the type mismatches of union branches
    that did not apply; a list of mismatches only becomes one problem."""
    where = doc.where(place)
    reasons = [i for i in group if i["type"] not in _MISMATCH]
    if reasons:
        return [_problem(where, item) for item in reasons]
    value = group[0].get("input")
    if isinstance(value, str) and value in YAML11_WORDS:
        return [
            Problem(
                where,
                f"'{value}' is not a number or a boolean (YAML 1.1 reads yes/no/on/off as "
                "booleans; here they are text and booleans are only true/false)",
                "a number (or true/false for a switch)",
            )
        ]
    if len(group) == 1:
        return [_problem(where, group[0])]
    if isinstance(value, str) and re.match(r"[0-9]{4}-", value):
        dated = [i for i in group if i["type"].startswith("date")]
        if dated:  # meant as a date: why it is not one says the most
            return [_problem(where, dated[0])]
    kinds = list(dict.fromkeys(_KIND.get(i["type"].split("_")[0], "") for i in group))
    kinds = [k for k in kinds if k]
    return [Problem(where, f"{shown(value)} has the wrong type", " or ".join(kinds))]


def _problem(where: Where, item: dict[str, Any]) -> Problem:
    ctx: dict[str, Any] = item.get("ctx") or {}
    if item["type"] == "unknown_field":
        return Problem(where, f"unknown field '{ctx['field']}'", ctx["hint"])
    if item["type"] == "union_tag_not_found":
        key = ctx["discriminator"].strip(chr(39))
        return Problem(
            where, f"no '{key}' given", f"a '{key}:' naming the kind (see docs/scenario-format.md)"
        )
    if item["type"] == "union_tag_invalid":
        return Problem(
            where,
            f"unknown {ctx['discriminator'].strip(chr(39))} {shown(ctx['tag'])}",
            f"one of {ctx['expected_tags']}",
        )
    what = item["msg"].removeprefix("Value error, ")
    if item["type"] == "string_pattern_mismatch":
        what = "not a valid name"
    if item["type"] not in _QUOTES_INPUT:
        what += _got(item, what)
    return Problem(where, what, _expected(item))


def _got(item: dict[str, Any], what: str) -> str:
    """' (got <value>)' for a scalar input the message does not already quote."""
    value = item.get("input")
    if item["type"] == "missing" or "input" not in item or isinstance(value, dict | list):
        return ""
    return "" if repr(value) in what else f" (got {shown(value)})"


def _expected(item: dict[str, Any]) -> str:
    template = _EXPECTED.get(item["type"], "")
    ctx = {k: _number(v) for k, v in (item.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def _number(value: Any) -> Any:
    """0 for 0.0 in "a number >= 0" (a bound that is a whole number reads as one)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


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
            break  # past a scalar: the name of a union branch or validator, not data
    else:
        if keep_missing and loc and isinstance(node, dict):
            out.append(loc[-1])  # a missing field: point at its parent, name it
    return tuple(out)
