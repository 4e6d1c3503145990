"""The report's 'What drives this result' block: the declared inputs behind the headline
(licence terms, the cover of the short markets and their suppliers, reserves), right after the
key findings (issue 14, scope 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import simulate
from sim.output import writers
from sim.output.folder import Results, load
from sim.output.report.contents import document
from sim.output.report.drivers_inputs import drivers_inputs
from sim.scenario import loader
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def controls(tmp_path_factory: pytest.TempPathFactory) -> Results:
    """China's April-2025 controls over 120 days: India's EV makers fall short on day 42."""
    loaded = loader.load(ROOT / "scenarios" / "cn_ree_controls_2025.yaml", horizon_days=120)
    root = tmp_path_factory.mktemp("drivers_inputs")
    return load(writers.write_results(simulate.run(loaded), root, ["test"]))


def _rows(results: Results) -> dict[str, list[list[str]]]:
    blocks = drivers_inputs(results)
    assert blocks[0].text == "What drives this result"
    table = blocks[1].table
    assert table is not None
    rows: dict[str, list[list[str]]] = {}
    for row in table.rows:
        rows.setdefault(row[0], []).append(row[1:])
    return rows


def test_it_lists_each_shocks_licence_delay_and_cut(controls: Results) -> None:
    rows = _rows(controls)
    assert rows["CN Dy/Tb licensing -> Japan"] == [
        ["share of normal exports cut; licence delay", "74.0%; 63 d"]
    ]
    assert rows["CN magnet licensing -> India"] == [
        ["share of normal exports cut; licence delay", "56.0%; 63 d"]
    ]


def test_it_lists_the_cover_and_supply_shares_of_a_short_market(controls: Results) -> None:
    (what, value), *_ = _rows(controls)["in_ev"]
    assert what == "cover; share from CN and largest supplier"
    assert value.startswith("21 d; dytb: from CN 100.0%, largest supplier cn_motor_ev_plant")
    assert "cover 21 d" in value
    assert "jp_magnet_other" not in _rows(controls)  # served in full (30 days of cover)


def test_it_lists_the_cover_and_trigger_of_each_reserve(controls: Results) -> None:
    rows = _rows(controls)["jp_jogmec_reserve_60d (policy)"]
    assert rows[0] == [
        "reserve of JP ndpr refined: cover; release trigger",
        "60 d, filled 100.0%; releases below half the buyers' normal cover",
    ]


def test_it_comes_right_after_the_key_findings(controls: Results) -> None:
    _, blocks = document(controls, [])
    headings = [b.text for b in blocks if b.kind in ("h2", "h3")]
    at = headings.index("What drives this result")
    assert headings[at - 1].startswith("Key findings")


def test_licensing_terms_of_an_approval_process() -> None:
    shock = {
        "type": "export_licensing",
        "name": "CN licensing",
        "country": "CN",
        "mineral": "dytb",
        "approval_rate": 0.25,
        "processing_days": 63.0,
        "general_licences": ["jp_hev"],
    }
    results = Results(Path("."), {}, {"shocks": [shock], "network": {}})
    assert _rows(results)["CN licensing"] == [
        ["approval rate; licence delay; general licences", "25.0%; 63 d; jp_hev"]
    ]


def test_nothing_to_say_without_shocks_short_markets_or_reserves() -> None:
    assert drivers_inputs(Results(Path("."), {}, {"network": {}})) == []
