"""docs/tutorial.md runs: its ```python blocks are executed in order, in one namespace, from a
temporary folder that sees the repository's scenarios/ (so results go only under it)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

from tests.conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks() -> list[tuple[int, str]]:
    """(line of the block, its code) for every ```python block of the tutorial."""
    text = TUTORIAL.read_text()
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in FENCE.finditer(text)]


def test_the_tutorial_has_the_steps_it_promises() -> None:
    code = "\n".join(code for _, code in blocks())
    for call in ("sim.load(", "sim.run(", "sim.run_ensemble(", "sim.compare(", ".chart("):
        assert call in code, f"docs/tutorial.md no longer shows {call}"


def test_the_tutorial_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    matplotlib.use("Agg")
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for line, code in blocks():
        try:
            exec(compile(code, f"{TUTORIAL}:{line}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"docs/tutorial.md, block at line {line}: {error!r}") from error
    written = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert written == ["baseline", "my_reserve", "ree_controls_risk_2025"]
    assert (tmp_path / "results" / "my_reserve" / "ranking.csv").is_file()
