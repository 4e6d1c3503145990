"""Safe YAML reading that remembers where every value came from (file, line, field path).

Only plain YAML data is accepted, read with the YAML 1.2 core schema: `true`/`false` are the
only booleans (`yes`, `no`, `on`, `off` are text, so `country: NO` is Norway), numbers are
decimal (`0365` is 365, `1:30` is text), dates stay text for the schema to parse. Everything
else that could hurt is refused with its file and line: tags (`!!python/object` could run code),
duplicate keys (PyYAML keeps the last one silently), keys that are lists or mappings, merge keys,
control characters, files over `MAX_FILE_BYTES`, nesting deeper than `MAX_DEPTH` and documents
that expand to more than `MAX_VALUES` values through aliases (a 2 KB "billion laughs" file
would otherwise fill the memory).

The data are built from the parser's events (libyaml's when available, else PyYAML's), not by
PyYAML's composer and constructor, which recurse without bound and raise bare exceptions.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import Problem, ScenarioError, Where

Loc = tuple[Any, ...]

MAX_FILE_BYTES = 4 * 2**20
"""4 MiB: 35 times the largest built-in network (sim/data/india_japan_2024.yaml, 114 KB)."""
MAX_DEPTH = 40
"""Nesting levels (after aliases); the deepest real scenario field is 7 levels down."""
MAX_VALUES = 1_000_000
"""Values (scalars, lists, mappings) after aliases are expanded: the built-in networks hold
about 4,000, so this is room for networks 250 times larger, and a bound on alias bombs."""

_EventLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
"""Characters YAML does not allow in a file (PyYAML's rule): control characters but tab,
newline and carriage return, and the non-characters U+FFFE, U+FFFF."""

_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT = re.compile(r"[-+]?[0-9]+(_[0-9]+)*|0x[0-9a-fA-F]+|0o[0-7]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(_[0-9]+)*(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_MAX_DIGITS = 40
"""Longest integer accepted: no quantity here has more digits (Python refuses 4,300)."""

_STR_TAG = "tag:yaml.org,2002:str"
_COLLECTION_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}


@dataclass
class Document:
    """Parsed YAML data and the 1-based line of each value, keyed by its path."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    path: Path = Path("<scenario>")
    sha256: str = ""
    """SHA-256 of the file's bytes (empty for data given in Python)."""
    files: dict[Loc, Path] = field(default_factory=dict)
    """The file of each value that came from another file than `path` (a scenario it
    `extends`), keyed like `lines`; values not listed are in `path`."""

    def where(self, loc: Loc) -> Where:
        """The deepest known place for a field path (falls back to its nearest parent)."""
        probe = tuple(loc)
        while probe and probe not in self.lines:
            probe = probe[:-1]
        return Where(self.files.get(probe, self.path), self.lines.get(probe), dotted(loc))


def with_fields(doc: Document, fields: dict[str, Any]) -> Document:
    """`doc` with top-level fields replaced (values given in Python, so without a line: a
    problem in one is located at the file and field); its digest covers them too."""
    if not isinstance(doc.data, dict):
        return doc
    data = {**doc.data, **fields}
    lines = {k: v for k, v in doc.lines.items() if not (k and k[0] in fields)}
    files = {k: v for k, v in doc.files.items() if not (k and k[0] in fields)}
    given = repr(sorted(fields.items())).encode()
    sha = hashlib.sha256(doc.sha256.encode() + given).hexdigest()
    return Document(data, lines, doc.path, sha, files)


def dotted(loc: Loc) -> str:
    """`network.nodes[3].capacity_tpa` for ("network", "nodes", 3, "capacity_tpa")."""
    text = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            name = str(part) if len(str(part)) <= 40 else str(part)[:37] + "..."
            text += f".{name}" if text else name
    return text


def _fail(path: Path, line: int | None, what: str, expected: str) -> ScenarioError:
    return ScenarioError([Problem(Where(path, line, ""), what, expected)])


def load_file(path: Path) -> Document:
    """Read a YAML file; raise `ScenarioError` for a missing, unreadable or oversized file, bad
    syntax, or anything the module docstring refuses."""
    return parse_bytes(read_file(path), path)


def read_file(path: Path) -> bytes:
    """The bytes of a regular file of at most `MAX_FILE_BYTES`, or a `ScenarioError`."""
    if not path.exists():
        raise _fail(path, None, "file not found", "a path to a YAML file, e.g. scenarios/x.yaml")
    if not path.is_file():
        raise _fail(path, None, "is not a regular file (a folder or device?)", "a YAML file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _too_big(path, size)
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise _fail(
            path, None, f"cannot read the file ({error.strerror})", "a readable file"
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _too_big(path, len(raw))
    return raw


def parse_bytes(raw: bytes, path: Path) -> Document:
    """Decode UTF-8 (a byte-order mark is dropped) and parse; the document keeps the digest."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise _fail(
            path,
            line,
            f"byte 0x{raw[error.start]:02x} is not UTF-8 text ({error.reason})",
            "a UTF-8 text file (save it as UTF-8)",
        ) from None
    doc = parse(text, path)
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    return doc


def _too_big(path: Path, size: int) -> ScenarioError:
    return _fail(
        path,
        None,
        f"the file is {size / 2**20:.1f} MiB, above the limit of {MAX_FILE_BYTES // 2**20} MiB",
        "a smaller file (scenario and network files are text of a few hundred KB at most)",
    )


def parse(text: str, path: Path) -> Document:
    """Parse YAML text into data and line numbers; raise `ScenarioError` with every problem."""
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise _fail(
            path,
            line,
            f"control character U+{ord(bad.group()):04X} at column {column} is not allowed",
            "plain text: tabs, newlines and printable characters only (remove the byte)",
        )
    builder = _Builder(path, _EventLoader(text))
    try:
        data = builder.document()
    except _Abort as stop:
        raise ScenarioError([*builder.problems, stop.problem]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        context = error.context or ""
        began = error.context_mark
        if context and began is not None and mark is not None and began.line != mark.line:
            context += f" (from line {began.line + 1})"  # e.g. where an unclosed quote opened
        what = " ".join(str(p) for p in (context, error.problem) if p)
        raise _fail(
            path,
            mark.line + 1 if mark else None,
            f"YAML error: {what}",
            "valid YAML (check indentation, colons and quotes)",
        ) from None
    except yaml.YAMLError as error:
        raise _fail(path, None, f"YAML error: {error}", "valid YAML") from None
    finally:
        builder.events.dispose()
    if builder.problems:
        raise ScenarioError(builder.problems)
    return Document(data, builder.lines, path)


class _Abort(Exception):
    """A problem after which the rest of the file cannot be read."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class _Anchor:
    value: Any
    size: int
    """Values it stands for, expanded."""
    height: int
    """Nesting levels it adds, expanded."""


class _Builder:
    """Turns parser events into data with a depth, size and safety check at every value."""

    def __init__(self, path: Path, events: Any):
        self.path = path
        self.events = events
        self.lines: dict[Loc, int] = {}
        self.problems: list[Problem] = []
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: set[str] = set()
        self.count = 0

    def where(self, event: Any, loc: Loc) -> Where:
        return Where(self.path, event.start_mark.line + 1, dotted(loc))

    def document(self) -> Any:
        """The one document of the stream (None when there is none)."""
        self.events.get_event()  # stream start
        if self.events.check_event(yaml.StreamEndEvent):
            return None
        self.events.get_event()  # document start
        data, _ = self.node((), 0)
        self.events.get_event()  # document end
        if not self.events.check_event(yaml.StreamEndEvent):
            event = self.events.peek_event()
            raise _Abort(
                Problem(
                    self.where(event, ()),
                    "a second YAML document (after ---) in the file",
                    "one document per file",
                )
            )
        return data

    def node(self, loc: Loc, depth: int) -> tuple[Any, int]:
        """The next value and the nesting levels it spans."""
        event = self.events.get_event()
        if depth > MAX_DEPTH:
            raise _Abort(
                Problem(
                    self.where(event, loc),
                    f"nested more than {MAX_DEPTH} levels deep",
                    "a flatter structure (scenario fields are at most a few levels deep)",
                )
            )
        self.lines.setdefault(loc, event.start_mark.line + 1)
        if isinstance(event, yaml.AliasEvent):
            return self.alias(event, loc, depth)
        self.tick(event, loc, 1)
        start = self.count
        if isinstance(event, yaml.ScalarEvent):
            value, height = self.scalar(event, loc), 0
        elif isinstance(event, yaml.SequenceStartEvent):
            self.check_tag(event, loc)
            value, height = self.sequence(loc, depth)
        elif isinstance(event, yaml.MappingStartEvent):
            self.check_tag(event, loc)
            value, height = self.mapping(loc, depth)
        else:  # pragma: no cover - the parser emits nothing else here
            raise _Abort(Problem(self.where(event, loc), f"unexpected {event}", "valid YAML"))
        if event.anchor is not None:
            self.open_anchors.discard(event.anchor)
            self.anchors[event.anchor] = _Anchor(value, self.count - start + 1, height)
        return value, height

    def tick(self, event: Any, loc: Loc, values: int) -> None:
        self.count += values
        if self.count > MAX_VALUES:
            raise _Abort(
                Problem(
                    self.where(event, loc),
                    f"the file expands to more than {MAX_VALUES:,} values "
                    "(aliases that repeat aliases multiply)",
                    "fewer aliases (*name) of large anchored (&name) parts",
                )
            )
        if getattr(event, "anchor", None) is not None and not isinstance(event, yaml.AliasEvent):
            self.open_anchors.add(event.anchor)

    def alias(self, event: Any, loc: Loc, depth: int) -> tuple[Any, int]:
        name = event.anchor
        if name in self.open_anchors:
            raise _Abort(
                Problem(
                    self.where(event, loc),
                    f"alias *{name} refers to the value that contains it (a loop)",
                    "an alias of a value defined before it, outside it",
                )
            )
        if name not in self.anchors:
            raise _Abort(
                Problem(
                    self.where(event, loc),
                    f"alias *{name} has no anchor &{name} before it",
                    "an anchor (&name) defined before its aliases (*name)",
                )
            )
        anchor = self.anchors[name]
        if depth + anchor.height > MAX_DEPTH:
            raise _Abort(
                Problem(
                    self.where(event, loc),
                    f"alias *{name} nests more than {MAX_DEPTH} levels deep",
                    "a flatter structure",
                )
            )
        self.tick(event, loc, anchor.size)
        return anchor.value, anchor.height

    def check_tag(self, event: Any, loc: Loc) -> None:
        if event.tag is not None and event.tag != "!" and event.tag not in _COLLECTION_TAGS:
            self.refuse_tag(event, loc)

    def refuse_tag(self, event: Any, loc: Loc) -> None:
        tag = str(event.tag).replace("tag:yaml.org,2002:", "!!")
        self.problems.append(
            Problem(
                self.where(event, loc),
                f"YAML tag '{tag[:60]}' is refused",
                "plain YAML values only: tags such as !!python/object are refused because "
                "they can run code (only !!str is accepted)",
            )
        )

    def scalar(self, event: Any, loc: Loc) -> Any:
        if event.tag is not None and event.tag not in ("!", _STR_TAG):
            self.refuse_tag(event, loc)
            return None
        if event.tag is not None or event.style or not event.implicit[0]:
            return event.value  # quoted, block or tagged !!str: text
        return self.resolve(event, loc)

    def resolve(self, event: Any, loc: Loc) -> Any:
        """A plain scalar by the YAML 1.2 core schema (with `_` allowed between digits)."""
        text = event.value
        if _NULL.fullmatch(text):
            return None
        if _BOOL.fullmatch(text):
            return text.lower() == "true"
        if _INT.fullmatch(text):
            digits = text.replace("_", "").lstrip("+-")
            if len(digits) > _MAX_DIGITS:
                self.problems.append(
                    Problem(
                        self.where(event, loc),
                        f"a number of {len(digits)} digits",
                        f"a number of at most {_MAX_DIGITS} digits",
                    )
                )
                return None
            base = 16 if digits.startswith("0x") else 8 if digits.startswith("0o") else 10
            number = int(digits[2:] if base != 10 else digits, base)
            return -number if text.startswith("-") else number
        if _FLOAT.fullmatch(text):
            special = text.lstrip("+-").lower()
            if special in (".inf", ".nan"):
                return float(text.replace(".", "", 1))
            return float(text.replace("_", ""))
        return text

    def sequence(self, loc: Loc, depth: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        height = 0
        while not self.events.check_event(yaml.SequenceEndEvent):
            value, inner = self.node((*loc, len(items)), depth + 1)
            items.append(value)
            height = max(height, inner + 1)
        self.events.get_event()
        return items, height

    def mapping(self, loc: Loc, depth: int) -> tuple[dict[Any, Any], int]:
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        height = 0
        while not self.events.check_event(yaml.MappingEndEvent):
            key_event = self.events.peek_event()
            line = key_event.start_mark.line + 1
            key, _ = self.node((*loc, "<key>"), depth + 1)
            self.lines.pop((*loc, "<key>"), None)
            usable = self.check_key(key, key_event, loc, line, first_line)
            where = (*loc, key) if usable else (*loc, "<key>")
            value, inner = self.node(where, depth + 1)
            height = max(height, inner + 1)
            if usable:
                first_line[key] = line
                result[key] = value
                self.lines[(*loc, key)] = line
        self.events.get_event()
        return result, height

    def check_key(
        self, key: Any, event: Any, loc: Loc, line: int, first_line: dict[Any, int]
    ) -> bool:
        """Whether a mapping key can be used; a problem is recorded when it cannot."""
        where = Where(self.path, line, dotted(loc))
        if isinstance(key, list | dict):
            kind = "list" if isinstance(key, list) else "mapping"
            self.problems.append(
                Problem(
                    where,
                    f"a {kind} used as a mapping key",
                    "a plain key: a field or node name followed by ':'",
                )
            )
            return False
        if key == "<<" and not event.style and isinstance(event, yaml.ScalarEvent):
            self.problems.append(
                Problem(
                    where,
                    "merge keys (<<) are not supported",
                    "the fields written out, or an alias (*name) of a whole value",
                )
            )
            return False
        if key in first_line:
            self.problems.append(
                Problem(
                    Where(self.path, line, dotted((*loc, key))),
                    f"duplicate key '{dotted((key,))}' (first at line {first_line[key]})",
                    "each key once per mapping",
                )
            )
            return False
        return True
