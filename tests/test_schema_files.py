"""The JSON Schemas committed under schema/ are current, and every scenario file points to one
(so that an editor with a YAML language server checks and completes it as it is typed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim import cli
from tests.conftest import ROOT

HEADER = "# yaml-language-server: $schema=../schema/scenario.schema.json"
"""The first line of every file in scenarios/ (the path is relative to the file)."""


def header(path: Path) -> str:
    """The schema line a scenario file at `path` needs: HEADER, with one more `../` per
    subfolder of scenarios/."""
    target = os.path.relpath(ROOT / "schema" / "scenario.schema.json", path.parent)
    return f"# yaml-language-server: $schema={Path(target).as_posix()}"


@pytest.mark.parametrize(
    ("args", "file"),
    [(["schema"], "scenario.schema.json"), (["schema", "--network"], "network.schema.json")],
)
def test_committed_schema_is_current(
    args: list[str], file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(args) == 0
    committed = ROOT / "schema" / file
    assert committed.is_file(), f"schema/{file} is missing: run `make docs`"
    assert capsys.readouterr().out == committed.read_text(), (
        f"schema/{file} is stale: run `make docs`"
    )


def _first_line(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n", 1)[0].rstrip()


def test_every_scenario_file_points_to_the_schema() -> None:
    files = sorted((ROOT / "scenarios").glob("**/*.y*ml"))
    assert files
    missing = [str(p.relative_to(ROOT)) for p in files if _first_line(p) != header(p)]
    assert not missing, (
        "these scenario files lack the schema line; add this as their first line (for a file in "
        f"a subfolder of scenarios/, put one more ../ in front of schema/):\n  {HEADER}\n"
        + "\n".join(f"  {m}" for m in missing)
    )


def test_the_header_of_a_top_level_scenario_is_the_documented_one() -> None:
    assert header(ROOT / "scenarios" / "baseline.yaml") == HEADER
    assert header(ROOT / "scenarios" / "eu" / "x.yaml") == HEADER.replace("../", "../../")
