"""Mutation fuzzing of the real scenarios: whatever a mutant holds, loading it either succeeds or
raises the project's own `ScenarioError` (a located input error), never anything else.

A mutant is a real scenario (or the 2009 network file a scenario uses) with a few changes to
its data (values replaced by odd scalars or scaled to absurd sizes, types swapped, keys renamed,
entries deleted or duplicated) and then to its text (odd bytes, YAML syntax and tags inserted,
lines duplicated or deleted). `test_mutants_load_or_fail_cleanly` runs in the default suite;
`test_many_mutants` is the long run (`make test-slow`).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import loader, yamlio
from sim.scenario.errors import ScenarioError
from tests.conftest import ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
NETWORK = ROOT / "sim" / "data" / "japan_ree_2009.yaml"
"""The small built-in network: its mutants are written beside a scenario that uses them."""
NETWORK_SCENARIO = ROOT / "scenarios" / "backtest_2010_ree.yaml"


def _data(path: Path) -> Any:
    return yamlio.load_file(path).data


SOURCES = {path.name: _data(path) for path in [*SCENARIOS, NETWORK]}

ODD_SCALARS = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**63,
    10**30,
    1e308,
    -1e308,
    1e-308,
    math.nan,
    math.inf,
    -math.inf,
    "",
    "yes",
    "no",
    "NO",
    "off",
    ".",
    "..",
    "../../etc/passwd",
    "/etc/passwd",
    "-leading",
    "a/b",
    "9999-12-31",
    "10000-01-01",
    "1899-12-31",
    "2201-01-01",
    "2025-02-30",
    "1:30",
    "0x10",
    "india_japan_2024",
    "japan_ree_2009",
    "CN",
    "XX",
    "QQ",
    "malacca",
    "hormuz",
    "mine",
    "market",
    "stockpile",
    "rare_earths",
    "unobtainium",
    "x" * 300,
    "\u202e\u0000",
    [],
    {},
    [1, "a"],
    {"dist": "uniform", "low": 0, "high": 1e12},
    {"dist": "lognormal", "median": 1e6, "sigma": 5},
    {"dist": "normal", "mean": 1, "sd": 1e6},
    {"dist": "fixed"},
    {"nodes": ["nope"]},
    {"kinds": ["mine"]},
]

ODD_TEXT = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\ufffe",
    "\t",
    "{",
    "[",
    "]",
    "}",
    ":",
    "- ",
    "? ",
    "&a ",
    "*a",
    "*nope",
    "<<: *a\n",
    "!!python/object/apply:os.system ['true'] ",
    "!!binary aGk= ",
    "!!set ",
    "!!int ",
    "!!float x ",
    "!custom ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "'",
    '"',
    "\\",
    "#",
    "|\n",
    ">\n",
    "yes",
    ".inf",
    "~",
    "1e999",
    "9" * 60,
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
]

ODD_LINES = [
    "? [a, b]\n: 1\n",
    "? {a: 1}\n: 2\n",
    "[x]: 1\n",
    "{k: v}: 1\n",
    "<<: {name: merged}\n",
    "anchor: &a {k: v}\n",
    "again: *a\n",
    "loop: &l [*l]\n",
    "unknown: *nowhere\n",
    "deep: " + "[" * 45 + "]" * 45 + "\n",
    "deeper: " + "[" * 400 + "]" * 400 + "\n",
    "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 8)),
    "tagged: !!python/object/apply:os.system [true]\n",
    "number: !!int x\n",
    "when: !!timestamp 2024-01-01\n",
    "yes: no\n",
    "1: 2\n",
    "~: null\n",
    "name: duplicate\n",
    "---\n",
]
"""Whole lines inserted at a line boundary, indented like the line they precede."""


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `data` (the root excluded)."""
    if not isinstance(data, dict | list):
        return []
    found = []
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        found.append((*prefix, key))
        found += _paths(value, (*prefix, key))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


def _mutate(data: Any, path: tuple[Any, ...], action: str, odd: Any) -> None:
    """Apply one mutation in place at `path`."""
    parent, key = _parent(data, path), path[-1]
    value = parent[key]
    if action == "replace":
        parent[key] = copy.deepcopy(odd)
    elif action == "scale" and isinstance(value, int | float) and not isinstance(value, bool):
        parent[key] = value * (odd if isinstance(odd, int | float) else 1e12)
    elif action == "delete":
        del parent[key]
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(value))
    elif action == "rename" and isinstance(parent, dict):
        parent[f"{key}x"] = parent.pop(key)
    elif action == "add" and isinstance(parent, dict):
        parent[odd if isinstance(odd, str | int) else "extra"] = copy.deepcopy(odd)
    elif action == "wrap":
        parent[key] = [value] if isinstance(odd, str) else {"value": value}
    elif action == "to_text":
        parent[key] = str(value)


def _text_mutate(text: str, position: int, action: str, odd: str) -> str:
    lines = text.splitlines(keepends=True)
    if action == "insert":
        at = position % (len(text) + 1)
        return text[:at] + odd + text[at:]
    if action == "insert_line":
        at = position % (len(lines) + 1)
        following = lines[at] if at < len(lines) else ""
        indent = following[: len(following) - len(following.lstrip(" "))]
        block = "".join(indent + line for line in odd.splitlines(keepends=True))
        return "".join(lines[:at]) + block + "".join(lines[at:])
    if action == "duplicate_line" and lines:
        at = position % len(lines)
        return "".join(lines[: at + 1] + lines[at:])
    if action == "delete_line" and lines:
        at = position % len(lines)
        return "".join(lines[:at] + lines[at + 1 :])
    return text


mutation = st.tuples(
    st.integers(min_value=0),
    st.sampled_from(
        ["replace", "replace", "scale", "delete", "duplicate", "rename", "add", "wrap", "to_text"]
    ),
    st.one_of(
        st.sampled_from(ODD_SCALARS),
        st.integers(),
        st.floats(),
        st.text(max_size=12),
        st.sampled_from([1e3, 1e6, 1e9, 1e12, 1e300, -1.0, 0.0]),
    ),
)
text_mutation = st.one_of(
    st.tuples(
        st.integers(min_value=0),
        st.sampled_from(["insert", "duplicate_line", "delete_line"]),
        st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=4)),
    ),
    st.tuples(st.integers(min_value=0), st.just("insert_line"), st.sampled_from(ODD_LINES)),
)
mutant = st.tuples(
    st.sampled_from(sorted(SOURCES)),
    st.lists(mutation, min_size=1, max_size=3),
    st.lists(text_mutation, max_size=2),
    st.one_of(st.none(), st.integers(min_value=-10, max_value=10**6)),
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mutants")


def check_mutant(case: tuple[Any, ...], folder: Path) -> None:
    """Write the mutant and load it: success or `ScenarioError` only."""
    source, changes, text_changes, horizon = case
    data = copy.deepcopy(SOURCES[source])
    for index, action, odd in changes:
        paths = _paths(data)
        if paths:
            _mutate(data, paths[index % len(paths)], action, odd)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    for position, action, odd in text_changes:
        text = _text_mutate(text, position, action, odd)
    if source == NETWORK.name:
        (folder / "net.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        scenario = dict(SOURCES[NETWORK_SCENARIO.name], network={"base": "net.yaml"})
        text = yaml.safe_dump(scenario, sort_keys=False)
    path = folder / "mutant.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        loaded = loader.load(path)
        if horizon is not None:
            loader.with_horizon(loaded, horizon)
    except ScenarioError as error:
        assert error.problems and all(str(p) for p in error.problems)


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@fuzz(200)
@given(case=mutant)
def test_mutants_load_or_fail_cleanly(case: tuple[Any, ...], workdir: Path) -> None:
    check_mutant(case, workdir)


@pytest.mark.slow
@fuzz(10_000)
@given(case=mutant)
def test_many_mutants(case: tuple[Any, ...], workdir: Path) -> None:
    check_mutant(case, workdir)
