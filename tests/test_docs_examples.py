"""Every YAML example in the docs validates: a whole scenario (one with a `name:`) as it
stands, a fragment (the inline network, the uncertainty block ...) on top of the name and
network of the first whole example of its page, as the page tells the reader to use it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.scenario import loader
from tests.conftest import ROOT

PAGES = sorted([*ROOT.joinpath("docs").glob("*.md"), ROOT / "README.md"])
FENCE = re.compile(r"^```yaml\n(.*?)^```", re.S | re.M)


def _examples() -> list[tuple[str, int, dict[str, Any] | None, dict[str, Any]]]:
    """(page, line of the block, the page's first whole scenario or None, the block's data)."""
    found = []
    for page in PAGES:
        text = page.read_text()
        first: dict[str, Any] | None = None
        for match in FENCE.finditer(text):
            data = yaml.safe_load(match.group(1))
            line = text.count("\n", 0, match.start()) + 1
            found.append((page.name, line, first, data))
            if first is None and isinstance(data, dict) and "name" in data:
                first = data
    return found


EXAMPLES = _examples()


def test_the_scenario_format_page_has_examples() -> None:
    assert sum(page == "scenario-format.md" for page, *_ in EXAMPLES) >= 3


@pytest.mark.parametrize(
    ("page", "line", "first", "data"), EXAMPLES, ids=[f"{p}:{n}" for p, n, *_ in EXAMPLES]
)
def test_every_yaml_example_in_the_docs_validates(
    page: str, line: int, first: dict[str, Any] | None, data: dict[str, Any], tmp_path: Path
) -> None:
    assert isinstance(data, dict), f"{page}:{line}: the example is not a YAML mapping"
    if "name" not in data:
        assert first is not None, f"{page}:{line}: a fragment before any whole example"
        data = {"name": first["name"], "network": first["network"], **data}
    if "extends" in data:  # the docs extend the scenarios shipped in scenarios/
        parent = ROOT / "scenarios" / data["extends"]
        (tmp_path / data["extends"]).write_bytes(parent.read_bytes())
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    loader.load(path)  # raises ScenarioError naming the field when the example is wrong
