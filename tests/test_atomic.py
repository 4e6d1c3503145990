"""The results writer: only the run's own folder is touched, all or nothing, one writer at a time,
leftovers of killed runs cleaned."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sim import cli, faults
from sim.output import atomic
from sim.output import store as report
from tests.conftest import chain

Writers = dict[str, Callable[[Path], object]]


def writers(tag: str, files: int = 3) -> Writers:
    """A provenance.json naming `tag` and `files` data files that all say `tag`."""
    out: Writers = {
        "provenance.json": lambda p: p.write_text(
            json.dumps({"scenario": "s", "package_version": "t", "tag": tag})
        )
    }
    for i in range(files):
        out[f"part{i}.csv"] = lambda p: p.write_text(f"tag\n{tag}\n")
    return out


def tags(folder: Path) -> set[str]:
    """Every tag found in a folder written by `writers` (one if it is consistent)."""
    found = {json.loads((folder / "provenance.json").read_text())["tag"]}
    found |= {p.read_text().split()[1] for p in folder.glob("part*.csv")}
    return found


def test_a_write_replaces_the_earlier_result_and_leaves_nothing_else(tmp_path: Path) -> None:
    root = tmp_path / "results"
    report.write_atomically(root / "x", writers("first"))
    assert report.write_atomically(root / "x", writers("second")) == root / "x"
    assert tags(root / "x") == {"second"}
    assert [p.name for p in root.iterdir()] == ["x"]  # no lock, partial or old folder left


@pytest.mark.parametrize("name", ["..", "keep/../.."])
def test_a_target_that_is_not_a_plain_name_is_refused(tmp_path: Path, name: str) -> None:
    root = tmp_path / "results"
    report.write_atomically(root / "keep", writers("keep"))
    with pytest.raises(faults.BadOutput, match="must be a plain name inside the results root"):
        report.write_atomically(root / name, writers("bad"))
    assert tags(root / "keep") == {"keep"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_a_symbolic_link_out_of_the_root_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    report.write_atomically(elsewhere / "x", writers("outside"))
    root = tmp_path / "results"
    root.mkdir()
    (root / "x").symlink_to(elsewhere / "x")
    with pytest.raises(faults.BadOutput, match="symbolic link"):
        report.write_atomically(root / "x", writers("through the link"))
    assert tags(elsewhere / "x") == {"outside"}


def test_a_name_that_collapses_onto_the_results_root_cannot_swap_it_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`outputs: {name: "."}` makes the target `results/.`, which pathlib reads as `results`:
    the scenario schema refuses the name (names start with a letter or digit), and the writer
    on its own leaves alone a folder that holds results rather than being an earlier result."""
    data = chain(horizon_days=10)
    data["outputs"] = {"name": "."}
    path = tmp_path / "dot.yaml"
    path.write_text(yaml.safe_dump(data))
    results = tmp_path / "results"
    report.write_atomically(results / "other", writers("other"))
    code = cli.main(["run", "--no-report", "--quiet", str(path), "--out", str(results)])
    assert code == cli.EXIT_INPUT
    assert "outputs.name" in capsys.readouterr().err
    with pytest.raises(faults.BadOutput, match="it holds other results"):
        report.write_atomically(results / ".", writers("dot"))
    assert tags(results / "other") == {"other"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dot.yaml", "results"]


def test_something_that_is_not_an_earlier_result_is_left_alone(tmp_path: Path) -> None:
    root = tmp_path / "results"
    (root / "x").mkdir(parents=True)
    (root / "x" / "notes.txt").write_text("mine")
    with pytest.raises(faults.BadOutput, match=r"no provenance.json written by this package"):
        report.write_atomically(root / "x", writers("new"))
    assert (root / "x" / "notes.txt").read_text() == "mine"
    (root / "y").write_text("a file")
    with pytest.raises(faults.BadOutput, match="it is not a folder"):
        report.write_atomically(root / "y", writers("new"))
    assert (root / "y").read_text() == "a file"


def test_an_error_between_the_two_renames_restores_the_earlier_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "results"
    report.write_atomically(root / "x", writers("earlier"))
    rename = Path.rename

    def failing(self: Path, target: Path) -> Path:
        if self.name.startswith(".x.partial-"):
            raise OSError(5, "Input/output error")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(faults.NotWritten, match=r"the earlier .* is unchanged"):
        report.write_atomically(root / "x", writers("later"))
    assert tags(root / "x") == {"earlier"}
    assert [p.name for p in root.iterdir()] == ["x"]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_dead_runs_are_cleaned_and_live_ones_kept(tmp_path: Path) -> None:
    root = tmp_path / "results"
    report.write_atomically(root / "x", writers("earlier"))
    gone, live = dead_pid(), os.getppid()
    for folder in (f".x.partial-{gone}-abc", f".x.old-{gone}-def", f".x.partial-{live}-ghi"):
        (root / folder).mkdir()
        (root / folder / "metrics.csv").write_text("half")
    (root / f".y.partial-{gone}-abc").mkdir()  # another name's: not this run's business
    report.write_atomically(root / "x", writers("later"))
    assert sorted(p.name for p in root.iterdir()) == sorted(
        ["x", f".x.partial-{live}-ghi", f".y.partial-{gone}-abc"]
    )
    assert tags(root / "x") == {"later"}


def test_a_run_killed_between_the_renames_gets_its_earlier_result_back(tmp_path: Path) -> None:
    root = tmp_path / "results"
    report.write_atomically(root / "x", writers("earlier"))
    (root / "x").rename(root / f".x.old-{dead_pid()}-abc")  # what the killed run left

    def broken(path: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(faults.NotWritten, match="Input/output error"):
        report.write_atomically(root / "x", {"provenance.json": broken})
    assert tags(root / "x") == {"earlier"}  # put back before the failed write began
    assert [p.name for p in root.iterdir()] == ["x"]


def hammer(root: str, tag: str, rounds: int) -> None:
    """One process writing `rounds` results into the same folder (for the test below)."""
    for i in range(rounds):
        report.write_atomically(Path(root) / "x", writers(f"{tag}-{i}", files=6))


@pytest.mark.skipif(sys.platform == "win32", reason="fcntl locks")
def test_concurrent_writers_into_one_folder_leave_one_consistent_result(tmp_path: Path) -> None:
    root = tmp_path / "results"
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=hammer, args=(str(root), f"w{n}", 25)) for n in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0, 0, 0, 0]
    assert len(tags(root / "x")) == 1
    assert [p.name for p in root.iterdir()] == ["x"]


def test_a_signal_during_the_swap_is_held_until_it_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_ctrl_c: None
) -> None:
    root = tmp_path / "results"
    report.write_atomically(root / "x", writers("earlier"))
    swap = atomic._swap

    def interrupted_swap(tmp: Path, final: Path) -> Path | None:
        signal.raise_signal(signal.SIGINT)  # Ctrl-C right between checking and renaming
        return swap(tmp, final)

    monkeypatch.setattr(atomic, "_swap", interrupted_swap)
    with pytest.raises(KeyboardInterrupt) as stop:
        report.write_atomically(root / "x", writers("later"))
    assert tags(root / "x") == {"later"}
    assert faults.written_folder(stop.value) == str(root / "x")
    assert [p.name for p in root.iterdir()] == ["x"]
