"""A scenario may extend another (`extends: other.yaml`): inherit its network, shocks, policies
and options, change fields, add or remove shocks and policies by name, and override or remove
links (also those of a built-in network), with every problem located in the file that has it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from sim.analysis import compare
from sim.analysis import ensemble as montecarlo
from sim.scenario import loader
from sim.scenario.errors import ScenarioError
from tests.conftest import ROOT, chain

BAN = {"name": "cn_ban", "type": "export_ban", "country": "CN", "mineral": "lithium",
       "start": 10, "duration_days": 40}  # fmt: skip


def _thrift(name: str, reduction: float) -> dict[str, Any]:
    lever = {"type": "demand_efficiency", "select": {"nodes": ["ev"]}, "mineral": "lithium",
             "reduction": reduction, "start": 0}  # fmt: skip
    return {"name": name, "levers": [lever]}


def parent() -> dict[str, Any]:
    """The chain under a 40-day ban on China's lithium, with two policies."""
    data = chain(horizon_days=90, upstream_cover=5, market_cover=5, shocks=[BAN])
    data["seed"] = 3
    data["policies"] = [_thrift("thrift", 0.2), _thrift("thrift_more", 0.5)]
    return data


AU_REFINERY = {"name": "au_refinery", "kind": "refinery", "country": "AU",
               "mineral": "lithium", "capacity_tpa": 200, "cover_days": 0}  # fmt: skip
CHILD = {
    "extends": "parent.yaml",
    "name": "with_au",
    "network": {
        "nodes": [AU_REFINERY],
        "links": [
            {"from": "mine", "to": "au_refinery", "transit_days": 1},
            {"from": "au_refinery", "to": "plant", "transit_days": 2, "share": 0.4},
        ],
        "link_overrides": [{"from": "refinery", "to": "plant", "share": 0.6}],
    },
    "remove_policies": ["thrift_more"],
}


def by_hand() -> dict[str, Any]:
    """What CHILD means, written out in full."""
    data = copy.deepcopy(parent())
    data["name"] = "with_au"
    data["network"]["nodes"].append(AU_REFINERY)
    data["network"]["links"][1]["share"] = 0.6
    data["network"]["links"] += CHILD["network"]["links"]
    data["policies"] = data["policies"][:1]
    return data


def _write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _problems(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        loader.load(path)
    return str(caught.value)


def test_a_child_adding_a_supplier_and_removing_a_policy_runs_as_written_out(
    tmp_path: Path,
) -> None:
    _write(tmp_path, "parent.yaml", parent())
    child = loader.load(_write(tmp_path, "child.yaml", CHILD))
    full = loader.load(_write(tmp_path, "full.yaml", by_hand()))
    assert [p.name for p in child.spec.policies] == ["thrift"]
    assert [s.name for s in child.spec.shocks] == ["cn_ban"]
    assert child.network.links == full.network.links
    assert list(child.network.nodes) == list(full.network.nodes)
    ran = [compare.compare_policies(s, 3, workers=1) for s in (child, full)]
    pd.testing.assert_frame_equal(ran[0].table, ran[1].table)
    pd.testing.assert_frame_equal(ran[0].ranking, ran[1].ranking)
    pd.testing.assert_frame_equal(ran[0].baseline.runs, ran[1].baseline.runs)
    alone = montecarlo.run_ensemble(loader.load(tmp_path / "parent.yaml"), 3, workers=1)
    short = [
        e.summary.query("metric == 'shortfall_t'")["mean"].sum() for e in (alone, ran[0].baseline)
    ]
    assert short[1] < short[0]  # the Australian refinery covers part of the ban


def test_fields_merge_and_named_items_replace(tmp_path: Path) -> None:
    _write(tmp_path, "parent.yaml", parent())
    longer = {**BAN, "duration_days": 60}
    extra = {"name": "au_ban", "type": "export_ban", "country": "AU", "mineral": "lithium",
             "start": 30, "duration_days": 5}  # fmt: skip
    data = {"extends": "parent.yaml", "name": "kid", "horizon_days": 120,
            "shocks": [longer, extra], "metrics": {"fill_threshold": 0.9}}  # fmt: skip
    kid = loader.load(_write(tmp_path, "kid.yaml", data))
    assert [(s.name, s.duration_days) for s in kid.spec.shocks] == [("cn_ban", 60), ("au_ban", 5)]
    assert kid.spec.horizon_days == 120 and kid.spec.seed == 3
    assert kid.spec.metrics.fill_threshold == 0.9 and kid.spec.metrics.settle_days == 28
    grandchild = {"extends": "kid.yaml", "name": "grandkid", "remove_shocks": ["cn_ban"]}
    loaded = loader.load(_write(tmp_path, "grandkid.yaml", grandchild))
    assert [s.name for s in loaded.spec.shocks] == ["au_ban"]
    assert loaded.spec.horizon_days == 120


def test_a_cycle_is_a_located_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", {"extends": "b.yaml", "name": "a"})
    _write(tmp_path, "b.yaml", {"name": "b", "extends": "a.yaml"})
    text = _problems(tmp_path / "a.yaml")
    assert "b.yaml:2: extends: 'a.yaml' closes a cycle" in text
    assert "(a.yaml -> b.yaml -> a.yaml)" in text


def test_a_missing_parent_is_a_located_error(tmp_path: Path) -> None:
    text = _problems(_write(tmp_path, "c.yaml", {"name": "c", "extends": "nowhere.yaml"}))
    assert "c.yaml:2: extends: 'nowhere.yaml' is not a file" in text


def test_removing_a_link_that_does_not_exist_is_a_located_error(tmp_path: Path) -> None:
    _write(tmp_path, "parent.yaml", parent())
    data = {"extends": "parent.yaml", "name": "d",
            "network": {"remove_links": [{"from": "mine", "to": "plant"}]}}  # fmt: skip
    text = _problems(_write(tmp_path, "d.yaml", data))
    assert "d.yaml:5: network.remove_links[0]: no link mine -> plant in the network" in text
    assert "links into plant come from: refinery" in text


def test_an_unknown_policy_to_remove_is_a_located_error(tmp_path: Path) -> None:
    _write(tmp_path, "parent.yaml", parent())
    data = {"extends": "parent.yaml", "name": "e", "remove_policies": ["thrif"]}
    text = _problems(_write(tmp_path, "e.yaml", data))
    assert "e.yaml:4: remove_policies[0]: no policy named 'thrif' to remove" in text
    assert "(thrift, thrift_more)" in text


def test_a_problem_in_an_inherited_value_is_located_in_the_parent(tmp_path: Path) -> None:
    bad = parent()
    bad["shocks"][0]["duration_days"] = -5
    _write(tmp_path, "parent.yaml", bad)
    text = _problems(_write(tmp_path, "f.yaml", {"extends": "parent.yaml", "name": "f"}))
    assert "parent.yaml:" in text and "duration_days" in text
    assert text == _problems(tmp_path / "parent.yaml")  # where the parent alone has it


def test_a_child_needs_its_own_name(tmp_path: Path) -> None:
    _write(tmp_path, "parent.yaml", parent())
    text = _problems(_write(tmp_path, "g.yaml", {"extends": "parent.yaml"}))
    assert "needs its own `name`" in text


def test_removals_without_extends_are_refused(tmp_path: Path) -> None:
    text = _problems(_write(tmp_path, "h.yaml", {**parent(), "remove_shocks": ["cn_ban"]}))
    assert "`remove_shocks` applies only to a scenario that `extends` another" in text


def test_a_supplier_added_to_the_built_in_network_without_copying_it(tmp_path: Path) -> None:
    """The baseline runs on the built-in network; a child moves 10% of India's EV plant's
    refined lithium orders to a new Australian refinery and drops nothing else."""
    (tmp_path / "baseline.yaml").write_bytes((ROOT / "scenarios" / "baseline.yaml").read_bytes())
    base = loader.load(tmp_path / "baseline.yaml")
    link = next(k for k in base.network.links if k.mineral == "lithium" and k.stage == "refined")
    buyer = base.network.nodes[link.supplier]
    new = {**buyer.model_dump(by_alias=True, exclude_none=True), "name": "au_new_refinery",
           "country": "AU"}  # fmt: skip
    data = {
        "extends": "baseline.yaml",
        "name": "plus_one",
        "network": {
            "nodes": [new],
            "links": [
                {
                    "from": "au_new_refinery",
                    "to": link.buyer,
                    "share": 0.1 * link.share,
                    "mineral": "lithium",
                }
            ],
            "link_overrides": [
                {
                    "from": link.supplier,
                    "to": link.buyer,
                    "mineral": "lithium",
                    "share": 0.9 * link.share,
                }
            ],
        },
    }
    child = loader.load(_write(tmp_path, "plus_one.yaml", data))
    assert len(child.network.links) == len(base.network.links) + 1
    shares = {
        k.supplier: k.share
        for k in child.network.links
        if k.buyer == link.buyer and k.commodity == link.commodity
    }
    assert shares[link.supplier] == pytest.approx(0.9 * link.share)
    assert shares["au_new_refinery"] == pytest.approx(0.1 * link.share)
    assert sum(shares.values()) == pytest.approx(1.0)
