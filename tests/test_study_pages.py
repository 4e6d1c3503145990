"""The stress-test and sensitivity report pages: titled for what they are, no words about a run
they do not hold (markets.csv), and their chart (stress exposure, tornado) placed in the page."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim import cli
from sim.output.charts import saving
from sim.output.charts.catalogue import CATALOGUE
from sim.output.report.figures import GROUPS
from tests.conftest import chain
from tests.test_montecarlo import random_chain


def test_every_chart_group_has_a_place_in_the_report() -> None:
    assert {entry.group for entry in CATALOGUE} <= set(GROUPS)


@pytest.mark.parametrize(
    ("command", "data", "suffix", "title", "chart", "section"),
    [
        ("stress", chain(horizon_days=90, upstream_cover=10), "stress", "stress test",
         "stress_exposure", "## Stress test"),
        ("sensitivity", random_chain(horizon_days=60), "sensitivity",
         "sensitivity, 4 replications per variant", "tornado", "## Sensitivity of ev's shortfall"),
    ],
)  # fmt: skip
def test_study_pages_place_their_chart(
    command: str,
    data: dict,
    suffix: str,
    title: str,
    chart: str,
    section: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(saving, "DPI", 40)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    argv = [command, "--quiet", str(path), "--out", str(tmp_path / "r")]
    if command == "sensitivity":
        argv += ["--reps", "4", "--workers", "1"]
    assert cli.main(argv) == 0
    folder = tmp_path / "r" / f"chain-{suffix}"
    page = (folder / "report.md").read_text()
    assert page.splitlines()[0] == f"# chain: {title}"
    assert "markets.csv" not in page and "single run" not in page
    assert section in page
    assert f"charts/{chart}.svg" in page or f"charts/{chart}.png" in page
    (entry,) = [e for e in CATALOGUE if e.name == chart]
    html = (folder / "report.html").read_text()
    assert " ".join(entry.caption.split())[:60] in " ".join(html.split())
    assert f'<figure id="{chart}"><img' in html and "data:image/svg+xml;base64," in html
