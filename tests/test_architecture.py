"""The layer rules of DESIGN.md section 3, checked on the source of sim/ (the checker, which
walks the modules' syntax trees, is tests/architecture.py; how it reads imports is said there).

- layers, followed through the import graph (A imports C if A -> B -> C, at module level or in
  a function; not under `if TYPE_CHECKING:`): the definition (sim.scenario, sim.shocks,
  sim.levers) never imports sim.engine, sim.analysis, sim.output or sim.cli; sim.engine never
  imports sim.analysis, sim.output or sim.cli; sim.analysis never imports sim.output or sim.cli;
  sim.output.charts and sim.output.report never import sim.engine or sim.analysis (they read
  results folders); sim.vocabulary imports nothing from sim (so that every layer may use it);
- only sim.output.charts imports matplotlib (directly; its users import the charts);
- only sim/output/store.py, sim/cli.py and sim/output/report touch the disk (`DiskCalls` says
  which calls count, and what the heuristic cannot see);
- the longest chain of module-level imports from sim.cli is at most 8 modules (so that
  `python -m sim --help` stays light; subcommands import what they need when they run);
- no module in sim/ is over 500 lines.

Each rule has a self-test that feeds the checker a small source breaking it.
"""

from __future__ import annotations

import itertools

import pytest

from tests.architecture import (
    LAYERS,
    chain_violations,
    disk_calls,
    disk_violations,
    import_edges,
    layer_violations,
    longest_chain,
    matplotlib_violations,
    read_package,
    size_violations,
    synthetic,
)
from tests.conftest import ROOT

# --- the rules on sim/ -------------------------------------------------------------------------

SIM = read_package(ROOT / "sim")


def _report(found: list[str]) -> str:
    return "\n".join(["", *found])


@pytest.mark.parametrize("rule", sorted(LAYERS))
def test_layers_import_only_what_they_may(rule: str) -> None:
    found = layer_violations(SIM, rule)
    assert not found, f"{rule} imports what it must not:{_report(found)}"


def test_only_the_charts_import_matplotlib() -> None:
    found = matplotlib_violations(SIM)
    assert not found, _report(found)


def test_only_the_store_the_cli_and_the_report_touch_the_disk() -> None:
    found = disk_violations(SIM)
    assert not found, _report(found)


def test_the_cli_imports_few_modules_at_start() -> None:
    found = chain_violations(SIM)
    assert not found, _report(found)


def test_no_module_is_over_500_lines() -> None:
    found = size_violations(SIM)
    assert not found, _report(found)


def test_the_checker_reads_the_whole_package() -> None:
    assert {"sim.cli", "sim", "sim.scenario", "sim.engine.simulate"} <= set(SIM)
    assert SIM["sim"].package and SIM["sim.scenario"].path == "sim/scenario/__init__.py"
    assert longest_chain(SIM)[0] == "sim.cli"


# --- self-tests: each rule sees a small source that breaks it ---------------------------------


def test_imports_are_resolved_like_python_does() -> None:
    text = (
        "import os\nfrom . import cli\nfrom .engine import simulate\nfrom sim.engine import state\n"
        "from sim.engine.state import State\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import sim.analysis\nelse:\n    import sim.output\n"
        "def f():\n    import sim.analysis.frames\n"
    )
    names = ["sim.cli", "sim.engine/", "sim.engine.simulate", "sim.engine.state", "sim.output/"]
    sources = synthetic({"sim/": text, **dict.fromkeys(names, ""), "sim.analysis.frames": ""})
    edges = import_edges(sources)["sim"]
    assert [(e.target, e.module_level) for e in edges if e.target.startswith("sim")] == [
        ("sim.cli", True),
        ("sim.engine.simulate", True),
        ("sim.engine.state", True),
        ("sim.engine.state", True),
        ("sim.output", True),
        ("sim.analysis.frames", False),
    ]
    inner = synthetic({"sim.engine.review": "from .state import State", "sim.engine.state": ""})
    assert import_edges(inner)["sim.engine.review"][0].target == "sim.engine.state"


@pytest.mark.parametrize(
    ("rule", "modules", "chain"),
    [
        (
            "definition",
            {"sim.scenario.loader": "from sim.engine import simulate", "sim.engine.simulate": ""},
            "sim.scenario.loader -> sim.engine.simulate",
        ),
        (
            "definition",
            {
                "sim.levers.cost": "def f():\n    from sim.shocks import core",
                "sim.shocks.core": "import sim.cli",
                "sim.cli": "",
            },
            "sim.levers.cost -> sim.shocks.core -> sim.cli",
        ),
        (
            "engine",
            {"sim.engine.review": "import sim.analysis.metrics", "sim.analysis.metrics": ""},
            "sim.engine.review -> sim.analysis.metrics",
        ),
        (
            "analysis",
            {"sim.analysis.frames": "from sim.output import store", "sim.output.store": ""},
            "sim.analysis.frames -> sim.output.store",
        ),
        (
            "charts and report",
            {
                "sim.output.report/": "def f():\n    from sim.output import store",
                "sim.output.store": "from sim.engine.simulate import RunResult",
                "sim.engine.simulate": "",
            },
            "sim.output.report -> sim.output.store -> sim.engine.simulate",
        ),
        (
            "vocabulary",
            {"sim.vocabulary": "from sim.scenario.spec import Spec", "sim.scenario.spec": ""},
            "sim.vocabulary -> sim.scenario.spec",
        ),
    ],
)
def test_layer_rule_sees_a_forbidden_import(rule: str, modules: dict[str, str], chain: str) -> None:
    found = layer_violations(synthetic(modules), rule)
    assert chain in [v.split(": ", 1)[1] for v in found], found


def test_layer_rule_allows_type_checking_imports_and_what_it_permits() -> None:
    sources = synthetic(
        {
            "sim.scenario.loader": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from sim.engine import simulate\n",
            "sim.engine.simulate": "from sim.scenario import loader",
            "sim.analysis.metrics": "from sim.engine import simulate",
        }
    )
    assert not [v for rule in LAYERS for v in layer_violations(sources, rule)]


def test_matplotlib_rule_sees_an_import_outside_the_charts() -> None:
    sources = synthetic(
        {
            "sim.analysis.stress": "def draw():\n    from matplotlib import pyplot\n",
            "sim.output.store": "import matplotlib.pyplot as plt",
            "sim.output.charts/": "import matplotlib",
            "sim.output.charts.network": "from matplotlib.figure import Figure",
        }
    )
    assert matplotlib_violations(sources) == [
        "sim/analysis/stress.py:2: imports matplotlib",
        "sim/output/store.py:1: imports matplotlib.pyplot",
    ]


DISK_SOURCE = """\
import os, shutil as sh
from tempfile import mkstemp
from os import replace as swap
from pathlib import Path
open("x", "w")
os.replace("a", "b")
sh.rmtree("d")
mkstemp()
swap("a", "b")
Path("x").write_text("t")
folder.mkdir(parents=True)
Path("a").rename(target)
frame.to_csv(path, index=False)
frame.to_parquet(path_or_buf=path)
fig.savefig(path)
frame.rename(columns={"a": "b"})
text = frame.to_csv(index=False)
buffer = io.BytesIO()
fig.savefig(buffer, format="png")
frame.to_csv(io.StringIO(), index=False)
os.path.join("a", "b")
"a b".replace("a", "b")
"""


def test_disk_rule_sees_every_kind_of_write() -> None:
    source = synthetic({"sim.analysis.frames": DISK_SOURCE})
    assert disk_calls(source["sim.analysis.frames"]) == [
        (5, "open()"),
        (6, "os.replace()"),
        (7, "shutil.rmtree()"),
        (8, "tempfile.mkstemp()"),
        (9, "os.replace()"),
        (10, ".write_text()"),
        (11, ".mkdir()"),
        (12, ".rename()"),
        (13, ".to_csv(path)"),
        (14, ".to_parquet(path)"),
        (15, ".savefig(path)"),
    ]
    (found,) = disk_violations(source)
    assert found.startswith("sim/analysis/frames.py: open() on line 5; os.replace() on line 6, 9;")


def test_disk_rule_lets_the_store_the_cli_and_the_report_write() -> None:
    allowed = {"sim.output.store": DISK_SOURCE, "sim.cli": DISK_SOURCE}
    assert not disk_violations(synthetic({**allowed, "sim.output.report.html": DISK_SOURCE}))
    assert disk_violations(synthetic({"sim.output.storage": "open('x')"}))


def test_chain_rule_sees_a_long_chain_of_module_level_imports() -> None:
    names = ["sim.cli", *(f"sim.m{i}" for i in range(1, 9))]
    modules = {a: f"import {b}" for a, b in itertools.pairwise(names)}
    modules[names[-1]] = ""
    assert longest_chain(synthetic(modules)) == names
    assert chain_violations(synthetic(modules)) == [f"9 modules (at most 8): {' -> '.join(names)}"]
    modules["sim.m4"] = "def f():\n    import sim.m5"  # runs only when called
    assert not chain_violations(synthetic(modules))
    assert longest_chain(synthetic(modules)) == names[:5]


def test_chain_rule_reports_a_module_level_cycle() -> None:
    sources = synthetic(
        {"sim.cli": "import sim.a", "sim.a": "import sim.b", "sim.b": "import sim.a"}
    )
    assert chain_violations(sources) == [
        "module-level import cycle: sim.cli -> sim.a -> sim.b -> sim.a"
    ]


def test_size_rule_sees_a_long_module() -> None:
    sources = synthetic({"sim.long": "x = 1\n" * 501, "sim.short": "x = 1\n" * 500})
    assert size_violations(sources) == ["sim/long.py: 501 lines (at most 500)"]
