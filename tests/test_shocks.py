"""The shock registry: every type is registered once, describes itself for the report, and is
checked against the network by its own module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sim import shocks
from sim.scenario import loader as scenario
from sim.scenario.errors import ScenarioError
from tests.conftest import ROOT, chain

EXAMPLES: dict[str, dict[str, Any]] = {
    "export_ban": {
        "type": "export_ban",
        "country": "CN",
        "mineral": "rare_earths",
        "stage": "refined",
        "to_countries": ["JP"],
        "licence_delay_days": 10,
        "start": 0,
    },
    "capacity_loss": {
        "type": "capacity_loss",
        "select": {"kinds": ["mine"], "countries": ["AU"]},
        "fraction": 0.6,
        "start": 0,
    },
    "route_closure": {
        "type": "route_closure",
        "chokepoint": "malacca",
        "mode": "detour",
        "detour_days": 14,
        "start": 0,
    },
    "demand_shock": {
        "type": "demand_shock",
        "select": {"kinds": ["market"], "countries": ["JP"]},
        "factor": 1.3,
        "start": 0,
    },
    "export_licensing": {
        "type": "export_licensing",
        "country": "CN",
        "mineral": "rare_earths",
        "to_countries": ["JP"],
        "approval_rate": 0.3,
        "processing_days": 63,
        "general_licences": ["jp_magnet_plant"],
        "start": 0,
    },
    "export_quota": {
        "type": "export_quota",
        "country": "CD",
        "mineral": "cobalt",
        "stage": "ore",
        "tonnes_per_year": 96600,
        "start": 0,
    },
    "content_licensing": {
        "type": "content_licensing",
        "origin_country": "CN",
        "minerals": ["ndpr", "dytb"],
        "threshold": 0.001,
        "basis": "value",
        "content_value_share": 0.25,
        "to_countries": ["JP", "IN"],
        "approval_rate": 0.25,
        "processing_days": 63,
        "start": 0,
    },
    "production_quota": {
        "type": "production_quota",
        "select": {"kinds": ["mine", "refinery"], "countries": ["CN"]},
        "tonnes_per_year": 1000,
        "start": 0,
    },
}
"""One shock of every registered type (a new type must add its own)."""


def test_every_registered_type_has_an_example_and_one_union_member() -> None:
    names = [cls.type_name() for cls in shocks.TYPES]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_type_describes_what_it_hits_and_its_size(name: str) -> None:
    kind, hits, size = shocks.describe(EXAMPLES[name])
    assert kind == name
    assert hits.strip() and size.strip()


def test_descriptions_in_plain_words() -> None:
    assert shocks.describe(EXAMPLES["export_ban"])[1:] == (
        "exports of rare_earths (refined) from CN to JP",
        "severity 100%, licence review +10 days",
    )
    assert shocks.describe(EXAMPLES["capacity_loss"])[1:] == (
        "capacity of mines in AU",
        "60% of capacity lost",
    )
    assert shocks.describe(EXAMPLES["demand_shock"])[1:] == (
        "demand of markets in JP",
        "demand x1.3",
    )
    assert shocks.describe(EXAMPLES["production_quota"])[1:] == (
        "output of mines or refineries in CN",
        "at most 1000 t/yr per node",
    )
    assert shocks.describe(EXAMPLES["content_licensing"])[1:] == (
        "shipments of ndpr, dytb (refined, component) from third countries to JP, IN with "
        ">= 0.1% of value (content 25% of item value) of CN-mined/refined content",
        "approval 25%, review +63 days",
    )
    drawn = {**EXAMPLES["capacity_loss"], "fraction": {"dist": "uniform", "low": 0.3, "high": 1}}
    assert shocks.describe(drawn)[2] == "uniform(low=0.3, high=1) of capacity lost"


def test_a_route_closure_says_how_long_its_detour_is_or_that_ships_wait() -> None:
    """The report used to look up a `delay_days` key that route closures do not have, so a
    detour showed an empty size."""
    assert "14 days" in shocks.describe(EXAMPLES["route_closure"])[2]
    wait = {**EXAMPLES["route_closure"], "mode": "wait"}
    assert shocks.describe(wait)[2] == "shipments wait for reopening"


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_shocks_of_every_scenario_describe_themselves_from_the_resolved_file(path: Path) -> None:
    """As the report reads them: dumped to YAML the way `scenario.resolved.yaml` is written."""
    spec = scenario.load(path).spec
    dumped = spec.model_dump(mode="json", by_alias=True, exclude_none=True)["shocks"]
    for raw in yaml.safe_load(yaml.safe_dump(dumped)):
        kind, hits, size = shocks.describe(raw)
        assert kind == raw["type"] and hits and size


def test_an_invalid_shock_mapping_names_the_shock() -> None:
    with pytest.raises(ValueError, match="shock 'ban' is not a valid shock"):
        shocks.describe({"type": "export_ban", "name": "ban", "start": 0})


def _problems(shock: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        scenario.from_dict(chain(shocks=[shock]))
    return [str(p) for p in caught.value.problems]


def test_a_types_own_checks_are_located_at_its_entry() -> None:
    loss = {**EXAMPLES["capacity_loss"], "select": {"nodes": ["refinry"]}}
    assert _problems(loss) == [
        "<scenario>: shocks[0]: selects unknown node 'refinry'; did you mean 'refinery'?"
    ]
    surge = {**EXAMPLES["demand_shock"], "select": {"kinds": ["mine"]}}
    assert _problems(surge) == [
        "<scenario>: shocks[0]: selects no market; expected a selection that matches at least one"
    ]


def test_out_of_range_numbers_are_checked_per_type() -> None:
    assert _problems({**EXAMPLES["capacity_loss"], "fraction": 1.5}) == [
        "<scenario>: shocks[0]: fraction must be between 0 and 1, got 1.5"
    ]
