"""Building blocks of the malformed corpus: text edits of real scenarios and the case record
(see make_corpus.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
NETWORK = ROOT / "sim" / "data" / "japan_ree_2009.yaml"
NETWORK_USER = "backtest_2010_ree.yaml"
"""The scenario that runs on the 2009 network; network cases point its `base` at their copy."""


def source(name: str) -> str:
    return (ROOT / "scenarios" / name).read_text(encoding="utf-8")


def line_of(text: str, pattern: str, start: int = 1) -> int:
    """1-based number of the first line at or after `start` that matches `pattern`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start and re.search(pattern, line):
            return number
    raise ValueError(f"no line matches {pattern!r}")


def sub(text: str, pattern: str, new: str, start: int = 1) -> tuple[str, int]:
    """Replace what `pattern` matches on its first matching line; that line's number."""
    number = line_of(text, pattern, start)
    lines = text.splitlines(keepends=True)
    lines[number - 1] = re.sub(pattern, lambda _: new, lines[number - 1], count=1)
    return "".join(lines), number


def insert_after(text: str, pattern: str, new: str, start: int = 1) -> tuple[str, int]:
    """Insert the lines `new` after the first line matching `pattern`; the first new line."""
    number = line_of(text, pattern, start)
    lines = text.splitlines(keepends=True)
    lines[number:number] = [new if new.endswith("\n") else new + "\n"]
    return "".join(lines), number + 1


def append(text: str, new: str) -> tuple[str, int]:
    if not text.endswith("\n"):
        text += "\n"
    return text + new, text.count("\n") + 1


def delete(text: str, pattern: str) -> tuple[str, int]:
    number = line_of(text, pattern)
    lines = text.splitlines(keepends=True)
    del lines[number - 1]
    return "".join(lines), number


Edit = Callable[[str], tuple[str, int]]
"""Text -> (new text, the line the message must point to)."""


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    """The class of defect (manifest `class`)."""
    base: str
    """The scenario file it starts from, or "network" for a defect in the network file."""
    edit: Edit
    fragment: str
    at: str = ""
    """The file the message must point at, when it is not the case file (in its folder)."""
    absent: str = ""
    """Text the message must not contain (a file's contents)."""
    raw: bytes | None = None
    """Bytes written instead of the edited text (encodings, invalid UTF-8)."""


def at(line: int, edit: Edit) -> Edit:
    """The edit, with the message expected at a fixed line rather than the edited one."""
    return lambda text: (edit(text)[0], line)


def points_to(pattern: str, edit: Edit) -> Edit:
    """The edit, with the message expected at the first line matching `pattern` afterwards."""

    def run(text: str) -> tuple[str, int]:
        new, _ = edit(text)
        return new, line_of(new, pattern)

    return run


def later(lines: int, edit: Edit) -> Edit:
    """The edit, with the message expected `lines` after the edited line."""

    def run(text: str) -> tuple[str, int]:
        new, line = edit(text)
        return new, line + lines

    return run


def s(pattern: str, new: str, start: int = 1) -> Edit:
    return lambda text: sub(text, pattern, new, start)


def after(pattern: str, new: str, start: int = 1) -> Edit:
    return lambda text: insert_after(text, pattern, new, start)


def add(new: str) -> Edit:
    return lambda text: append(text, new)


def whole(new: str, line: int | None = 1) -> Edit:
    return lambda text: (new, line if line is not None else 0)


B, R, U, D = (
    "baseline.yaml",
    "cn_ree_controls_2025.yaml",
    "ree_controls_risk_2025.yaml",
    "drc_cobalt_export_ban_2025.yaml",
)
A, M, N = "au_lithium_outage.yaml", "malacca_closure.yaml", "network"
NET = r"^network: \{base: india_japan_2024\}"
BOMB = "".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    for i in range(1, 9)
)
DEEP_BLOCK = "".join("  " * i + f"k{i}:\n" for i in range(45)) + "  " * 45 + "leaf: 1\n"
