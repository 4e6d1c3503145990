"""A scenario that extends another (`extends: other.yaml`): the parent's fields, changed by the
child's, read into one document that remembers the file and line of every value.

Merging, child over parent (the parent may itself extend another; a cycle is an error):

- mappings merge key by key (`network.overrides.<node>.<field>`, `uncertainty`, `prices` ...);
  a value that is not a mapping replaces the parent's;
- `shocks`, `policies`, `projects` and `network.nodes` are lists of named items: a child item
  with the name of a parent item replaces it where it stood, other items are added after the
  parent's; `remove_shocks: [name, ...]` and `remove_policies: [name, ...]` drop the parent's;
- `network.links`, `network.remove_links` and `network.link_overrides` add to the parent's
  (links of the base network are changed or removed with the last two, `sim.scenario.overrides`);
- any other list (`metrics.share_from` ...) replaces the parent's;
- the child must give its own `name` (its results would otherwise replace the parent's).

The path in `extends` is relative to the file that says it, a `.yaml` file. A missing parent,
a cycle, an unknown name to remove are errors located at the child's line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePath
from typing import Any, TypeVar

from sim.scenario import yamlio
from sim.scenario.errors import Problem, ScenarioError, shown
from sim.scenario.yamlio import Document, Loc

NAMED_LISTS = {("shocks",), ("policies",), ("projects",), ("network", "nodes")}
"""Lists whose items are merged by `name`."""
ADDED_LISTS = {("network", "links"), ("network", "remove_links"), ("network", "link_overrides")}
"""Lists whose child items are added after the parent's."""
REMOVALS = {"remove_shocks": "shocks", "remove_policies": "policies"}
"""Child fields that drop parent items by name -> the list they drop from."""
_ONE = {"shocks": "shock", "policies": "policy"}
MAX_DEPTH = 16
"""Generations of `extends` followed before the chain is refused as too long."""


def read(path: Path) -> Document:
    """The scenario file at `path`, merged onto its parents when it `extends` one."""
    return _read(path, ())


def _read(path: Path, chain: tuple[Path, ...]) -> Document:
    doc = yamlio.load_file(path)
    if not isinstance(doc.data, dict) or "extends" not in doc.data:
        if isinstance(doc.data, dict):
            for field in REMOVALS:
                if doc.data.get(field):
                    raise _problem(
                        doc,
                        (field,),
                        f"`{field}` applies only to a scenario that `extends` another",
                        "an `extends:` line naming the scenario to remove them from, or no "
                        f"`{field}`",
                    )
        return doc
    parent_path = _parent_path(doc, chain)
    parent = _read(parent_path, (*chain, path.resolve()))
    if not isinstance(parent.data, dict):
        raise _problem(doc, ("extends",), f"{parent_path} holds no mapping of fields", "")
    if "name" not in doc.data:
        raise _problem(
            doc,
            (),
            "a scenario that extends another needs its own `name`",
            "a name of its own (results go to results/<name>/, and the parent's would be replaced)",
        )
    merged = Merge(parent, doc)
    data = merged.mapping(parent.data, doc.data, ())
    for field, target in REMOVALS.items():
        if field in doc.data:
            data[target] = merged.remove(data.get(target) or [], doc, field, target)
            data[field] = []
    if merged.problems:
        raise ScenarioError(merged.problems)
    sha = hashlib.sha256((parent.sha256 + doc.sha256).encode()).hexdigest()
    return Document(data, merged.lines, doc.path, sha, merged.files)


def _parent_path(doc: Document, chain: tuple[Path, ...]) -> Path:
    """The file `extends` names, relative to `doc`'s; a located error if it is not a readable
    .yaml file or closes a cycle."""
    value = doc.data["extends"]
    expected = "the path of a scenario file relative to this one, e.g. baseline.yaml"
    if not isinstance(value, str) or not value.strip():
        raise _problem(doc, ("extends",), f"{shown(value)} is not a file path", expected)
    rel = PurePath(value)
    if rel.is_absolute() or value.startswith("~"):
        raise _problem(doc, ("extends",), f"'{value}' is an absolute path", expected)
    if rel.suffix not in (".yaml", ".yml"):
        raise _problem(doc, ("extends",), f"'{value}' is not a .yaml file", expected)
    target = (doc.path.parent / rel).resolve()
    if not target.is_file():
        raise _problem(
            doc, ("extends",), f"'{value}' is not a file (looked for {target})", expected
        )
    seen = (*chain, doc.path.resolve())
    if target in seen:
        cycle = " -> ".join(str(p.name) for p in (*seen[seen.index(target) :], target))
        raise _problem(
            doc,
            ("extends",),
            f"'{value}' closes a cycle of scenarios extending each other ({cycle})",
            "a chain that ends at a scenario without `extends`",
        )
    if len(seen) >= MAX_DEPTH:
        raise _problem(doc, ("extends",), f"more than {MAX_DEPTH} generations of extends", "")
    return target


def _problem(doc: Document, loc: Loc, what: str, expected: str) -> ScenarioError:
    return ScenarioError([Problem(doc.where(loc), what, expected)])


class Merge:
    """The merged data's line and file of every value, filled while merging."""

    def __init__(self, parent: Document, child: Document) -> None:
        self.parent, self.child = parent, child
        self.lines: dict[Loc, int] = {}
        self.files: dict[Loc, Path] = {}
        self.problems: list[Problem] = []
        self._under = {id(d): _by_prefix(d) for d in (parent, child)}
        if () in child.lines:
            self.lines[()] = child.lines[()]

    def graft(self, doc: Document, source: Loc, target: Loc) -> None:
        """Note where each value under `source` in `doc` came from, now at `target`."""
        for loc, line in self._under[id(doc)].get(source, ()):
            moved = target + loc[len(source) :]
            self.lines[moved] = line
            file = doc.files.get(loc, doc.path)
            if file != self.child.path:
                self.files[moved] = file
            else:
                self.files.pop(moved, None)

    def mapping(self, old: dict[str, Any], new: dict[str, Any], loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in old:
            if key not in new:
                out[key] = old[key]
                self.graft(self.parent, (*loc, key), (*loc, key))
        for key, value in new.items():
            here = (*loc, key)
            if key in old and isinstance(value, dict) and isinstance(old[key], dict):
                self._key_line(here)
                out[key] = self.mapping(old[key], value, here)
            elif key in old and isinstance(value, list) and isinstance(old[key], list):
                self._key_line(here)
                out[key] = self.listing(old[key], value, here)
            else:
                out[key] = value
                self.graft(self.child, here, here)
        return out

    def _key_line(self, loc: Loc) -> None:
        if loc in self.child.lines:
            self.lines[loc] = self.child.lines[loc]

    def listing(self, old: list[Any], new: list[Any], loc: Loc) -> list[Any]:
        if loc not in NAMED_LISTS and loc not in ADDED_LISTS:
            self.graft(self.child, loc, loc)
            return list(new)
        names = [_name(item) for item in old]
        out: list[Any] = list(old)
        origin: list[tuple[Document, int]] = [(self.parent, i) for i in range(len(old))]
        for j, item in enumerate(new):
            name = _name(item)
            if loc in NAMED_LISTS and name is not None and name in names:
                at = names.index(name)
                out[at], origin[at] = item, (self.child, j)
            else:
                out.append(item)
                origin.append((self.child, j))
        for i, (doc, j) in enumerate(origin):
            self.graft(doc, (*loc, j), (*loc, i))
        return out

    def remove(self, items: list[Any], doc: Document, field: str, target: str) -> list[Any]:
        """`items` without those `doc.data[field]` names; unknown names are problems."""
        names = doc.data[field]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.problems.append(
                Problem(doc.where((field,)), f"{shown(names)} is not a list of names", "")
            )
            return items
        known = [_name(item) for item in items]
        for i, name in enumerate(names):
            if name not in known:
                listed = ", ".join(str(k) for k in known if k) or "none has a name"
                self.problems.append(
                    Problem(
                        doc.where((field, i)),
                        f"no {_ONE[target]} named '{name}' to remove",
                        f"a name among the inherited {target} ({listed})",
                    )
                )
        kept = [(i, item) for i, item in enumerate(items) if _name(item) not in names]
        moved = {(target, old): (target, new) for new, (old, _) in enumerate(kept)}
        self._renumber(target, moved)
        return [item for _, item in kept]

    def _renumber(self, target: str, moved: dict[Loc, Loc]) -> None:
        self.lines = _renumbered(self.lines, target, moved)
        self.files = _renumbered(self.files, target, moved)


V = TypeVar("V")


def _renumbered(table: dict[Loc, V], target: str, moved: dict[Loc, Loc]) -> dict[Loc, V]:
    """`table` with the entries under items of the list `target` moved to their new index
    (`moved`: old (target, i) -> new (target, j)) and those of removed items dropped."""
    out: dict[Loc, V] = {}
    for key, value in table.items():
        if key[:1] != (target,) or len(key) < 2:
            out[key] = value
        elif key[:2] in moved:
            out[moved[key[:2]] + key[2:]] = value
    return out


def _name(item: Any) -> str | None:
    return item.get("name") if isinstance(item, dict) else None


def _by_prefix(doc: Document) -> dict[Loc, list[tuple[Loc, int]]]:
    """Every (loc, line) of `doc` under each loc prefix (the loc itself included)."""
    under: dict[Loc, list[tuple[Loc, int]]] = {}
    for loc, line in doc.lines.items():
        for cut in range(len(loc) + 1):
            under.setdefault(loc[:cut], []).append((loc, line))
    return under
