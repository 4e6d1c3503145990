"""Every file of the malformed corpus (tests/malformed/, one defect each) is refused by the
command line with exit status 2 and a located message: file:line, the expected fragment, no
traceback and no contents of the files it read."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sim import cli
from tests.conftest import ROOT

HERE = ROOT / "tests" / "malformed"
CASES = HERE / "cases"
MANIFEST = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
BY_FILE = {entry["file"]: entry for entry in MANIFEST}


def test_the_corpus_is_complete() -> None:
    """At least 100 cases, each file in the manifest and each manifest entry a file."""
    assert len(MANIFEST) >= 100
    assert sorted(p.name for p in CASES.glob("*.yaml")) == sorted(BY_FILE)
    classes = Counter(entry["class"] for entry in MANIFEST)
    assert min(classes.values()) >= 5, classes


def _expected_place(entry: dict[str, object]) -> str:
    """How the message must start: the file it points at (the network file for defects in a
    network file: printed resolved) and the line, or just the file for a whole-file problem."""
    if "at" in entry:
        where = str((CASES / str(entry["at"])).resolve())
    else:
        where = str(CASES / str(entry["file"]))
    return f"{where}:{entry['line']}:" if entry["line"] else f"{where}: "


def _refused(argv: list[str], entry: dict[str, object], capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == cli.EXIT_INPUT, f"exit {code}:\n{out}{err}"
    assert "Traceback" not in err and "Traceback" not in out
    place, fragment = _expected_place(entry), str(entry["fragment"])
    located = [line for line in err.splitlines() if line.strip().startswith(place)]
    assert located, f"no message at {place}:\n{err}"
    assert any(fragment in line for line in located), f"{fragment!r} not at {place}:\n{err}"
    if entry.get("absent"):
        assert str(entry["absent"]) not in err + out
    return err


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_validate_refuses(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(["validate", str(CASES / name)], BY_FILE[name], capsys)


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_run_refuses(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    argv = ["run", str(CASES / name), "--out", str(out), "--no-report", "--quiet"]
    _refused(argv, BY_FILE[name], capsys)
    assert not out.exists() or not any(out.iterdir()), "a refused run wrote results"
