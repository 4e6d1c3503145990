"""The checker behind tests/test_architecture.py: the import graph of a package and its layer
rules, read from the syntax trees of its modules (`ast`, no import is executed).

The import graph has an edge A -> B for every `import B` / `from B import x` in module A, at
module level or inside a function (a function-level import still runs when the function does),
except imports under `if TYPE_CHECKING:`, which never run. `from P import name` points to the
module P.name when there is one, else to P; importing a module is not counted as importing its
parent packages (otherwise re-exports in sim/__init__.py would tie every module to every other).
The rules themselves are listed in tests/test_architecture.py.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path

DEFINITION = ("sim.scenario", "sim.shocks", "sim.levers")
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "definition": (DEFINITION, ("sim.engine", "sim.analysis", "sim.output", "sim.cli")),
    "engine": (("sim.engine",), ("sim.analysis", "sim.output", "sim.cli")),
    "analysis": (("sim.analysis",), ("sim.output", "sim.cli")),
    "charts and report": (
        ("sim.output.charts", "sim.output.report"),
        ("sim.engine", "sim.analysis"),
    ),
    "vocabulary": (("sim.vocabulary",), ("sim",)),
}
"""Rule name: (the modules it binds, what they must not import, even through others)."""
MATPLOTLIB_USERS = ("sim.output.charts",)
DISK_WRITERS = (
    "sim.output.store",
    "sim.output.atomic",  # the store's folder transaction (locks, temporary folder, swap)
    "sim.cli",
    "sim.output.report",
    # The two modules below only hand the store functions that write one file each into the
    # store's own temporary folder (`write_atomically(target, {name: write(path)})`): the store
    # chooses every path, so nothing they write can land outside a results folder.
    "sim.output.writers",
    "sim.output.charts.saving",
)
CHAIN_START, CHAIN_LIMIT = "sim.cli", 8
SIZE_LIMIT = 500


@dataclass(frozen=True)
class Source:
    """One module of the package: dotted name, path for messages, text."""

    module: str
    path: str
    text: str
    package: bool = False


@dataclass(frozen=True)
class Edge:
    """An import in a module: what it names (module or outside package), where, and whether it
    runs when the module is imported (module level) or only when a function is called."""

    target: str
    line: int
    module_level: bool


def read_package(folder: Path) -> dict[str, Source]:
    """Every module under `folder` (a package such as sim/), by dotted name."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder.parent).with_suffix("").parts
        package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if package else parts)
        rel = str(path.relative_to(folder.parent))
        found[module] = Source(module, rel, path.read_text(encoding="utf-8"), package)
    return found


def synthetic(modules: dict[str, str]) -> dict[str, Source]:
    """Sources for the self-tests: {dotted name: text}; names ending in '/' are packages."""
    found = {}
    for name, text in modules.items():
        package = name.endswith("/")
        module = name.rstrip("/")
        path = module.replace(".", "/") + ("/__init__.py" if package else ".py")
        found[module] = Source(module, path, text, package)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class ImportEdges(ast.NodeVisitor):
    """The imports of one module, resolved against the package's module names."""

    def __init__(self, source: Source, known: set[str]):
        self.source, self.known = source, known
        self.edges: list[Edge] = []
        self.depth = 0

    def _nested(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _nested

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        for child in node.orelse:  # the `else:` of `if TYPE_CHECKING:` runs
            self.visit(child)

    def _add(self, target: str, node: ast.stmt) -> None:
        self.edges.append(Edge(target, node.lineno, self.depth == 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.source.module.split(".")
            keep = len(parts) - node.level + (1 if self.source.package else 0)
            base = ".".join([*parts[:keep], *([base] if base else [])])
        for alias in node.names:
            child = f"{base}.{alias.name}"
            self._add(child if child in self.known else base, node)


def import_edges(sources: dict[str, Source]) -> dict[str, list[Edge]]:
    """Every import of every module (package modules and outside packages alike)."""
    known = set(sources)
    edges = {}
    for name, source in sources.items():
        visitor = ImportEdges(source, known)
        visitor.visit(ast.parse(source.text, source.path))
        edges[name] = visitor.edges
    return edges


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _shortest_chain(
    start: str, graph: dict[str, list[Edge]], forbidden: tuple[str, ...]
) -> list[str] | None:
    """The shortest import chain from `start` to a module within `forbidden` (breadth first)."""
    came_from: dict[str, str] = {start: ""}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for edge in graph.get(module, []):
            if edge.target not in graph or edge.target in came_from:
                continue
            came_from[edge.target] = module
            if _within(edge.target, forbidden):
                chain = [edge.target]
                while came_from[chain[-1]]:
                    chain.append(came_from[chain[-1]])
                return chain[::-1]
            queue.append(edge.target)
    return None


def layer_violations(sources: dict[str, Source], rule: str) -> list[str]:
    """Modules bound by `rule` (a key of LAYERS) that reach a module it forbids."""
    bound, forbidden = LAYERS[rule]
    graph = import_edges(sources)
    found = []
    for module in sorted(m for m in sources if _within(m, bound)):
        chain = _shortest_chain(module, graph, forbidden)
        if chain is not None:
            line = next(e.line for e in graph[module] if e.target == chain[1])
            found.append(f"{sources[module].path}:{line}: {' -> '.join(chain)}")
    return found


def matplotlib_violations(sources: dict[str, Source]) -> list[str]:
    """Imports of matplotlib outside sim.output.charts."""
    return [
        f"{sources[module].path}:{edge.line}: imports {edge.target}"
        for module, edges in import_edges(sources).items()
        if not _within(module, MATPLOTLIB_USERS)
        for edge in edges
        if _within(edge.target, ("matplotlib",))
    ]


OS_WRITES = {"replace", "rename", "renames", "remove", "removedirs", "makedirs", "mkdir", "unlink"}
PATH_WRITES = {"write_text", "write_bytes", "mkdir", "unlink", "rmdir", "touch"}


class DiskCalls(ast.NodeVisitor):
    """Calls that write, move or delete files, recognised by name (types are not known).

    Counted: open() in any mode (read a file with Path.read_text, which is not counted);
    os.replace/rename/renames/remove/removedirs/makedirs/mkdir/unlink; any call of a shutil or
    tempfile function (also when imported by name or under another name); the Path methods
    write_text, write_bytes, mkdir, unlink, rmdir, touch on any object; `.rename(x)` with one
    positional argument and no keywords (Path.rename; pandas' rename(columns=...) passes
    keywords); `.to_csv(...)`, `.to_parquet(...)` and `.savefig(...)` with a target (the first
    argument, or path_or_buf=/path=/fname=) that is not an in-memory buffer: `io.BytesIO()` or
    `io.StringIO()` itself, or a name assigned one anywhere in the module (to_csv() without a
    target returns text). Not seen: Path.replace (str.replace and DataFrame.replace look
    alike), writes through file handles of other libraries (yaml.dump to a stream, np.save
    ...), and calls made through a variable holding one of these functions.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []
        self.modules: dict[str, str] = {}  # local name -> os, shutil or tempfile
        self.functions: dict[str, str] = {}  # local name -> "os.replace", "shutil.rmtree" ...
        self.buffers: set[str] = set()  # names assigned an io.BytesIO() or io.StringIO()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name in ("os", "shutil", "tempfile"):
                self.modules[alias.asname or alias.name] = alias.name

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if node.module in ("shutil", "tempfile") or (
                node.module == "os" and alias.name in OS_WRITES
            ):
                self.functions[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def visit_Assign(self, node: ast.Assign) -> None:
        if _is_buffer(node.value):
            self.buffers |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        found = self._writes(node)
        if found:
            self.calls.append((node.lineno, found))
        self.generic_visit(node)

    def _writes(self, node: ast.Call) -> str | None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id == "open":
                return "open()"
            return f"{self.functions[func.id]}()" if func.id in self.functions else None
        if not isinstance(func, ast.Attribute):
            return None
        owner = self.modules.get(func.value.id) if isinstance(func.value, ast.Name) else None
        if owner in ("shutil", "tempfile") or (owner == "os" and func.attr in OS_WRITES):
            return f"{owner}.{func.attr}()"
        keywords = {k.arg for k in node.keywords}
        if func.attr in PATH_WRITES:
            return f".{func.attr}()"
        if func.attr == "rename" and len(node.args) == 1 and not keywords:
            return ".rename()"
        if func.attr in ("to_csv", "to_parquet", "savefig"):
            named = [k.value for k in node.keywords if k.arg in ("path_or_buf", "path", "fname")]
            target = node.args[0] if node.args else (named[0] if named else None)
            if (
                target is None
                or _is_buffer(target)
                or (isinstance(target, ast.Name) and target.id in self.buffers)
            ):
                return None
            return f".{func.attr}(path)"
        return None


def _is_buffer(node: ast.expr) -> bool:
    """`io.BytesIO(...)`, `io.StringIO(...)` or the same imported by name."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("BytesIO", "StringIO")


def disk_calls(source: Source) -> list[tuple[int, str]]:
    """(line, call) of every call in `source` that touches the disk, in source order."""
    visitor = DiskCalls()
    visitor.visit(ast.parse(source.text, source.path))
    return visitor.calls


def disk_violations(sources: dict[str, Source]) -> list[str]:
    """Per module outside the store, the command line and the report: the calls that touch
    the disk, each kind with the lines it is on."""
    found = []
    for module, source in sources.items():
        if _within(module, DISK_WRITERS):
            continue
        lines: dict[str, list[str]] = {}
        for line, call in disk_calls(source):
            lines.setdefault(call, []).append(str(line))
        if lines:
            calls = "; ".join(f"{call} on line {', '.join(at)}" for call, at in lines.items())
            found.append(f"{source.path}: {calls}")
    return found


def longest_chain(sources: dict[str, Source], start: str = CHAIN_START) -> list[str]:
    """The longest chain of module-level imports from `start` (module names, `start` first).

    A module-level import cycle raises ValueError (it makes import order matter)."""
    graph = {
        module: sorted({e.target for e in edges if e.module_level and e.target in sources})
        for module, edges in import_edges(sources).items()
    }
    best: dict[str, list[str]] = {}

    def walk(module: str, path: tuple[str, ...]) -> list[str]:
        if module in path:
            raise ValueError(f"module-level import cycle: {' -> '.join((*path, module))}")
        if module not in best:
            tails = [walk(t, (*path, module)) for t in graph.get(module, [])]
            best[module] = [module, *max(tails, key=len, default=[])]
        return best[module]

    return walk(start, ())


def chain_violations(sources: dict[str, Source]) -> list[str]:
    try:
        chain = longest_chain(sources)
    except ValueError as error:
        return [str(error)]
    if len(chain) <= CHAIN_LIMIT:
        return []
    return [f"{len(chain)} modules (at most {CHAIN_LIMIT}): {' -> '.join(chain)}"]


def size_violations(sources: dict[str, Source]) -> list[str]:
    return [
        f"{s.path}: {len(s.text.splitlines())} lines (at most {SIZE_LIMIT})"
        for s in sources.values()
        if len(s.text.splitlines()) > SIZE_LIMIT
    ]
