"""The input layer's limits and rules, one at a time: what YAML means here, file size, depth,
aliases, network files, horizon overrides, booleans (the corpus in tests/malformed/ covers the
messages; these pin the boundaries)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim import cli
from sim.scenario import loader as scenario
from sim.scenario import yamlio
from sim.scenario.errors import MAX_PROBLEMS, ScenarioError
from tests.conftest import ROOT, chain

FILES = sorted(
    [*ROOT.glob("scenarios/*.yaml"), *ROOT.glob("sim/data/*.yaml"), *ROOT.glob("tests/bad/*.yaml")]
)


class _PyYAML(yaml.SafeLoader):
    """PyYAML's safe loading with dates left as text (what the project used before)."""


_PyYAML.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and (a == b or (a != a and b != b))  # NaN equals NaN


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_committed_file_reads_as_pyyaml_read_it(path: Path) -> None:
    """The event-based reader changes the meaning of no committed file."""
    text = path.read_text(encoding="utf-8")
    try:
        expected = yaml.load(text, Loader=_PyYAML)
    except yaml.YAMLError:
        with pytest.raises(ScenarioError):
            yamlio.parse(text, path)
        return
    try:
        doc = yamlio.parse(text, path)
    except ScenarioError as error:  # duplicate keys and tags: PyYAML let them through
        assert path.parent.name == "bad", error
        return
    assert _same(doc.data, expected)


def test_yaml_1_2_scalars() -> None:
    text = (
        "country: NO\nswitch: yes\nflag: true\nlate: False\nzero_led: 0365\nclock: 1:30\n"
        "exp: 1e3\nhex: 0x1F\noct: 0o17\nbig: 1_000\ninf: -.inf\nnothing: ~\nempty:\n"
        "date: 2025-01-01\nquoted: '12'\n"
    )
    data = yamlio.parse(text, Path("t.yaml")).data
    assert data == {
        "country": "NO",
        "switch": "yes",
        "flag": True,
        "late": False,
        "zero_led": 365,
        "clock": "1:30",
        "exp": 1000.0,
        "hex": 31,
        "oct": 15,
        "big": 1000,
        "inf": float("-inf"),
        "nothing": None,
        "empty": None,
        "date": "2025-01-01",
        "quoted": "12",
    }


def test_norway_is_a_country_not_false(tmp_path: Path) -> None:
    """`country: NO` unquoted: YAML 1.1 reads false, here it is Norway."""
    text = yaml.safe_dump(chain()).replace(
        "nodes:\n",
        "nodes:\n  - {name: no_mine, kind: mine, country: NO, mineral: nickel, capacity_tpa: 5}\n",
        1,
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert "country: NO," in path.read_text()
    assert scenario.load(path).network.nodes["no_mine"].country == "NO"


def test_lines_are_kept_for_every_value() -> None:
    doc = yamlio.parse("a:\n  b: [1,\n    2]\n  c:\n    - x\n", Path("t.yaml"))
    assert doc.lines[("a",)] == 1 and doc.lines[("a", "b")] == 2 and doc.lines[("a", "b", 1)] == 3
    assert doc.where(("a", "c", 0, "deeper")).line == 5


def _nested(depth: int) -> str:
    return "x: " + "[" * depth + "]" * depth + "\n"


def test_nesting_up_to_the_limit_is_read_and_one_more_is_refused() -> None:
    # "x: [[...]]" puts the innermost list at depth `depth` (the mapping is level 0).
    yamlio.parse(_nested(yamlio.MAX_DEPTH), Path("t.yaml"))
    with pytest.raises(ScenarioError, match=f"nested more than {yamlio.MAX_DEPTH} levels"):
        yamlio.parse(_nested(yamlio.MAX_DEPTH + 1), Path("t.yaml"))


def test_nesting_through_aliases_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_DEPTH", 6)
    text = "a: &a [[[1]]]\nb: [[[*a]]]\n"  # b holds 3 + 3 levels under the root
    with pytest.raises(ScenarioError, match="alias \\*a nests more than 6 levels"):
        yamlio.parse(text, Path("t.yaml"))


def test_alias_expansion_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_VALUES", 1000)
    ten = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    yamlio.parse(ten + "b: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n", Path("t.yaml"))
    hundred = "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    with pytest.raises(ScenarioError, match="expands to more than 1,000 values"):
        yamlio.parse(ten + hundred + "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n", Path("t"))


def test_the_billion_laughs_file_is_small_and_refused() -> None:
    bomb = ROOT / "tests" / "malformed" / "cases" / "alias_bomb.yaml"
    assert bomb.stat().st_size < 3000
    with pytest.raises(ScenarioError, match="expands to more than"):
        yamlio.load_file(bomb)


@pytest.mark.parametrize("which", ["scenario", "network"])
def test_oversized_files_are_refused(
    which: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    padding = "# " + "x" * 98 + "\n"
    big = padding * (yamlio.MAX_FILE_BYTES // len(padding) + 1)
    path = tmp_path / "s.yaml"
    if which == "scenario":
        path.write_text(yaml.safe_dump(chain()) + big)
        culprit = path
    else:
        culprit = tmp_path / "net.yaml"
        culprit.write_text(big + "name: n\nnodes: []\nlinks: []\n")
        path.write_text(yaml.safe_dump({"name": "s", "network": {"base": "net.yaml"}}))
    assert cli.main(["validate", str(path)]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert f"{culprit}: the file is 4.0 MiB, above the limit of 4 MiB" in err
    assert "Traceback" not in err


def test_a_folder_is_not_a_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(tmp_path)]) == cli.EXIT_INPUT
    assert "is not a regular file" in capsys.readouterr().err


def test_many_problems_are_listed_up_to_the_cap() -> None:
    text = "name: a\n" + "".join(f"k{i}: 1\nk{i}: 2\n" for i in range(MAX_PROBLEMS + 20))
    with pytest.raises(ScenarioError) as caught:
        yamlio.parse(text, Path("t.yaml"))
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert "and 20 more problem(s) not listed" in problems[-1].what


def _network_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "study"
    (folder / "networks").mkdir(parents=True)
    shutil.copy(ROOT / "sim" / "data" / "japan_ree_2009.yaml", folder / "networks" / "n.yaml")
    return folder


def test_a_network_file_inside_the_folder_is_read(tmp_path: Path) -> None:
    folder = _network_folder(tmp_path)
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "network": {"base": "networks/n.yaml"}}))
    assert "jp_ree_demand" in scenario.load(path).network.nodes


def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = _network_folder(tmp_path)
    outside = tmp_path / "outside.yaml"
    shutil.move(folder / "networks" / "n.yaml", outside)
    (folder / "networks" / "n.yaml").symlink_to(outside)
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "network": {"base": "networks/n.yaml"}}))
    with pytest.raises(ScenarioError, match="points outside the scenario's folder"):
        scenario.load(path)


def test_an_edited_network_file_is_read_again(tmp_path: Path) -> None:
    """Network files are cached by content: an edit between two loads is seen."""
    folder = _network_folder(tmp_path)
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "network": {"base": "networks/n.yaml"}}))
    net = folder / "networks" / "n.yaml"
    assert scenario.load(path).network.nodes["cn_ree_mine"].capacity_tpa == 58063
    net.write_text(net.read_text().replace("capacity_tpa: 58063", "capacity_tpa: 58064"))
    assert scenario.load(path).network.nodes["cn_ree_mine"].capacity_tpa == 58064


@pytest.mark.parametrize(
    ("days", "fragment"),
    [
        (36_501, "--horizon-days: Input should be less than or equal to 36500"),
        (0, "--horizon-days: Input should be greater than or equal to 1"),
        (True, "--horizon-days: true is a boolean, not a number"),
    ],
)
def test_a_horizon_override_is_validated_like_the_file(days: int, fragment: str) -> None:
    loaded = scenario.from_dict(chain())
    with pytest.raises(ScenarioError, match=fragment):
        scenario.with_horizon(loaded, days)


def test_a_horizon_override_must_end_by_2200(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**chain(), "start": "2190-01-01"}))
    with pytest.raises(ScenarioError, match="the run would end after 2200-12-31") as caught:
        scenario.load(path, horizon_days=36_000)
    assert str(caught.value).startswith(f"{path}: horizon_days: --horizon-days 36000")


def test_a_huge_horizon_override_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(chain()))
    args = ["run", str(path), "--out", str(tmp_path), "--no-report", "--horizon-days", "99999999"]
    assert cli.main(args) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "--horizon-days: Input should be less than or equal to 36500" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"seed": True}, "seed: true is a boolean, not a number"),
        ({"outputs": {"timeseries": "yes"}}, "'yes' is not a boolean"),
        ({"outputs": {"timeseries": 0}}, "0 is not a boolean"),
        ({"start": 0}, "a date must be written YYYY-MM-DD"),
        ({"horizon_days": 1.0}, None),
    ],
)
def test_booleans_numbers_and_dates_are_not_mixed(
    change: dict[str, Any], fragment: str | None
) -> None:
    data = {**chain(), **change}
    if fragment is None:
        scenario.from_dict(data)  # a whole float is a whole number
        return
    with pytest.raises(ScenarioError, match=fragment):
        scenario.from_dict(data)
