"""Safe YAML reading that remembers where every value came from (file, line, field path).

Only YAML's safe subset is accepted: tags that would build Python objects are errors, as are
duplicate keys (plain PyYAML keeps the last one silently).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import Problem, ScenarioError, Where

Loc = tuple[str | int, ...]


@dataclass
class Document:
    """Parsed YAML data and the 1-based line of each value, keyed by its path."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    path: Path = Path("<scenario>")

    def where(self, loc: Loc) -> Where:
        """The deepest known place for a field path (falls back to its nearest parent)."""
        probe = tuple(loc)
        while probe and probe not in self.lines:
            probe = probe[:-1]
        return Where(self.path, self.lines.get(probe), dotted(loc))


def dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load_file(path: Path) -> Document:
    """Read a YAML file; raise `ScenarioError` for a missing file, bad syntax or unsafe tags."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(
            [
                Problem(
                    Where(path, None, ""),
                    "file not found",
                    "a path to a scenario file, e.g. scenarios/baseline.yaml",
                )
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(
            [
                Problem(
                    Where(path, None, ""),
                    f"cannot read the file ({error})",
                    "a readable UTF-8 text file",
                )
            ]
        ) from None
    return parse(text, path)


class _Loader(yaml.SafeLoader):
    """Safe loading that leaves dates as text, so that the schema parses them and can say
    where a bad one is (PyYAML would raise a bare ValueError)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse(text: str, path: Path) -> Document:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError(
                [
                    Problem(
                        Where(path, None, ""),
                        "the file is empty",
                        "a YAML mapping with at least `name` and `network`",
                    )
                ]
            )
        lines: dict[Loc, int] = {}
        problems: list[Problem] = []
        _walk(root, (), lines, problems, path)
        if problems:
            raise ScenarioError(problems)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(str(p) for p in (error.context, error.problem) if p)
        expected = "valid YAML (check indentation, colons and quotes)"
        if "constructor" in what or "tag" in what:
            expected = (
                "plain YAML values only: tags such as !!python/object are refused "
                "because they can run code"
            )
        raise ScenarioError(
            [Problem(Where(path, line, ""), f"YAML error: {what}", expected)]
        ) from None
    finally:
        loader.dispose()
    return Document(data, lines, path)


def _walk(
    node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[Problem], path: Path
) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        Where(path, line, dotted((*loc, key))),
                        f"duplicate key '{key}' (first at line {seen[key]})",
                        "each key once per mapping",
                    )
                )
            seen[key] = line
            _walk(value_node, (*loc, key), lines, problems, path)
            lines[(*loc, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*loc, i), lines, problems, path)
