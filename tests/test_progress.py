"""Progress bars: `tqdm.auto` (a widget in a notebook), shown only when asked for and seen."""

from __future__ import annotations

import sys

import pytest

from sim.analysis import progress, sensitivity, stress
from sim.scenario import loader as scenario
from tests.conftest import chain
from tests.test_montecarlo import random_chain


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard error as if it were a terminal (under pytest it is captured)."""
    monkeypatch.setattr(progress, "visible", lambda: True)


def test_the_bar_is_tqdm_auto_and_hidden_unless_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    from tqdm.auto import tqdm

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert not progress.visible()
    bar = progress.bar(3, "x", "step", enabled=True)
    assert isinstance(bar, tqdm) and bar.disable
    bar.close()
    monkeypatch.setitem(sys.modules, "ipykernel", sys)  # as inside a Jupyter kernel
    assert progress.visible()


def test_stress_shows_its_targets(seen: None, capsys: pytest.CaptureFixture[str]) -> None:
    loaded = scenario.from_dict(chain(horizon_days=30))
    table = stress.run(loaded, start_day=7, progress=True)
    assert f"stress test: {len(table)}/{len(table)} " in capsys.readouterr().err
    stress.run(loaded, start_day=7)
    assert "stress test" not in capsys.readouterr().err  # not asked for


def test_sensitivity_shows_its_variants(seen: None, capsys: pytest.CaptureFixture[str]) -> None:
    loaded = scenario.from_dict(random_chain(horizon_days=60))
    table, _ = sensitivity.run(loaded, reps=2, progress=True, workers=1)
    err = capsys.readouterr().err
    total = 1 + 2 * len(table)
    assert f"sensitivity: {total}/{total}" in err
    assert "replications:" not in err  # one bar over the variants, none per ensemble
