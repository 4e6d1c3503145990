"""Human labels for nodes: a `label:` field on every node (the id as fallback), a label made
from the id and the country's name for nodes without one, carried into the results folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.analysis import frames
from sim.engine import simulate as engine
from sim.output import writers
from sim.output.folder import label_of, load, node_labels
from sim.output.labels import generated_label
from sim.scenario import loader as scenario
from sim.scenario.loader import ScenarioError
from tests.conftest import chain


@pytest.mark.parametrize(
    ("name", "country", "label"),
    [
        ("xw_co_other", "XW", "Cobalt, other uses (rest of world)"),
        ("in_ev", "IN", "EVs (India)"),
        ("xw_ree_mine", "XW", "Rare earths mine (rest of world)"),
        ("jp_magnet_other", "JP", "Magnets, other uses (Japan)"),
        ("plant", "JP", "Plant (Japan)"),
        ("other", "CN", "Other (China)"),
    ],
)
def test_a_node_without_a_label_gets_one_from_its_id_and_country(
    name: str, country: str, label: str
) -> None:
    assert generated_label(name, country) == label


def _labelled(label: object) -> dict:
    data = chain(horizon_days=10)
    data["network"]["nodes"][3]["label"] = label
    return data


def test_a_declared_label_reaches_the_results_folder(tmp_path: Path) -> None:
    run = engine.run(scenario.from_dict(_labelled("Japan electric cars")))
    folder = writers.write_results(run, tmp_path, ["test"])
    labels = node_labels(load(folder))
    assert labels["ev"] == "Japan electric cars"
    assert labels["mine"] == "Mine (Australia)"
    assert label_of(labels, "not_a_node") == "not_a_node"
    assert not frames.market_summary(run).empty


@pytest.mark.parametrize("bad", ["", "two\nlines", " leading space", "x" * 81])
def test_a_bad_label_is_refused_with_its_place(bad: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario.from_dict(_labelled(bad))
    text = str(caught.value)
    assert "network.nodes[3].label" in text


def test_the_built_in_network_names_its_markets_for_people() -> None:
    loaded = scenario.load(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    by_name = loaded.network.nodes
    assert by_name["in_ev"].label == "India EVs"
    assert by_name["jp_ev"].label == "Japan EVs"
    unlabelled = [n.name for n in by_name.values() if n.kind == "market" and not n.label]
    assert unlabelled and all(name.startswith("xw_") for name in unlabelled)


def test_charts_name_markets_by_their_labels(tmp_path: Path) -> None:
    from matplotlib import pyplot as plt

    from sim.output import charts
    from tests.test_charts import BAN

    data = chain(horizon_days=40, shocks=[BAN])
    data["network"]["nodes"][3]["label"] = "Japan electric cars"
    run = engine.run(scenario.from_dict(data))
    drawn = {c.name: c for c in charts.draw_all(load(writers.write_results(run, tmp_path, ["t"])))}
    try:
        title = " ".join(drawn["supply_demand_ev"].figure.get_suptitle().split())
        assert title.startswith("Japan electric cars (ev): demand, deliveries and shortfall")
        rows = [t.get_text() for t in drawn["fill_rate_overview"].figure.axes[0].get_yticklabels()]
        assert "Japan electric cars" in rows
    finally:
        plt.close("all")
