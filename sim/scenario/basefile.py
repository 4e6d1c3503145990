"""The network file a scenario's `network.base` names: a built-in network (`sim/data/`), or a
`.yaml` file inside the scenario's own folder."""

from __future__ import annotations

import difflib
import re
from pathlib import Path, PurePath

from sim.scenario import yamlio
from sim.scenario.errors import Problem, shown

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
"""The built-in networks."""


def builtin_networks() -> list[str]:
    """The names of the built-in networks (file names in `sim/data/` without `.yaml`)."""
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))


_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def base_path(base: str, doc: yamlio.Document, problems: list[Problem]) -> Path | None:
    """The network file `base` names: a built-in network, or a `.yaml` file inside the scenario's
    own folder (an absolute path or `..` that leaves it is refused)."""
    where = doc.where(("network", "base"))
    names = builtin_networks()
    if base in names:
        return DATA_DIR / f"{base}.yaml"
    expected = (
        "a built-in network ("
        + ", ".join(names)
        + ") or a .yaml file in the scenario's folder, e.g. networks/mine.yaml"
    )
    if not any(c in base for c in "/\\") and not base.endswith((".yaml", ".yml")):
        close = difflib.get_close_matches(base, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else expected
        problems.append(Problem(where, f"'{base}' is not a built-in network", hint))
        return None
    rel = PurePath(base)
    folder = where.file.parent.resolve()  # the file that says it (a parent, if inherited)
    why, found = None, None
    if _UNSAFE.search(base):
        why = "contains control characters"
    elif rel.is_absolute() or base.startswith(("~", "\\")) or ":" in base:
        why = "is an absolute path"
    else:
        try:
            candidate = (folder / rel).resolve()
            inside = candidate.is_relative_to(folder)
            found = candidate if inside and candidate.is_file() else None
        except (OSError, ValueError, RuntimeError):
            inside = False
        if not inside:
            why = "points outside the scenario's folder"
        elif rel.suffix not in (".yaml", ".yml"):
            why = "is not a .yaml file"
        elif found is None:
            why = f"is not a file in {where.file.parent}"
    if found is not None and why is None:
        return found
    problems.append(Problem(where, f"{shown(base)} {why}", expected))
    return None
