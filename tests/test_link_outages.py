"""Random outages of links and chokepoints: the selected links carry nothing (or their share)
while out, every other link is untouched, mass balance closes, and input errors are located."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from sim.scenario.errors import ScenarioError
from sim.scenario.uncertainty import draw_inputs
from tests.conftest import chain
from tests.test_properties import scenarios

REPS = 6
DURATION = {"dist": "uniform", "low": 4, "high": 12}


def strait(outage: dict[str, Any] | None) -> dict[str, Any]:
    """The chain of `conftest.chain` (120 days, daily reviews) with the refinery -> plant link
    through `malacca`, and an outage rule."""
    data = chain(horizon_days=120, market_cover=10, upstream_cover=5)
    data["network"]["links"][1]["chokepoints"] = ["malacca"]
    data["seed"] = 5
    if outage is not None:
        data["uncertainty"] = {"outages": [outage]}
    return data


def windows(loaded: scenario.Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Per replication and review: whether an outage of the refinery -> plant link is in
    force (bool, (periods, R)), and the days of the reviews."""
    spec = loaded.spec
    periods = engine.n_periods(loaded)
    drawn = draw_inputs(
        spec.uncertainty, loaded.network, spec.seed, range(REPS), periods, spec.horizon_days, 1
    )
    assert drawn.link_outages is not None
    (row,) = np.flatnonzero(drawn.link_outages.links == 1)
    days = np.arange(periods, dtype=float)
    process = drawn.link_outages.process[row]
    starts, ends = drawn.link_outages.starts[process], drawn.link_outages.ends[process]
    down = (starts[None] <= days[:, None, None]) & (days[:, None, None] < ends[None])
    return down.any(axis=2), days


@pytest.mark.parametrize(
    "target", [{"links": {"suppliers": ["refinery"]}}, {"chokepoint": "malacca"}]
)
def test_an_outage_cuts_exactly_the_selected_link_while_it_lasts(target: dict[str, Any]) -> None:
    outage = {**target, "rate_per_year": 8, "duration_days": DURATION, "fraction": 1.0}
    loaded = scenario.from_dict(strait(outage))
    down, _ = windows(loaded)
    hit = engine.run(loaded, REPS)
    calm = engine.run(scenario.from_dict(strait(None)), REPS)
    shipped = hit.recorder.shipped
    assert down.any() and (~down).any()
    assert (shipped[:, 1][down] == 0.0).all()  # nothing leaves while the link is out
    assert (shipped[:, 1][~down] > 0.0).mean() > 0.9  # and it ships when it is not
    for rep in range(REPS):  # until the first outage the run is the outage-free one
        first = int(np.argmax(down[:, rep])) if down[:, rep].any() else len(down)
        np.testing.assert_array_equal(
            shipped[:first, :, rep], calm.recorder.shipped[:first, :, rep]
        )
        np.testing.assert_array_equal(
            hit.recorder.values[:first, :, rep], calm.recorder.values[:first, :, rep]
        )
    balance.check(results.balance(hit), tolerance=1e-9)


def test_a_partial_outage_passes_its_share_of_the_normal_flow() -> None:
    """fraction 0.6: while out, the link carries at most 40% of its normal 1 t a day."""
    outage = {
        "links": {"suppliers": ["refinery"]},
        "rate_per_year": 8,
        "duration_days": DURATION,
        "fraction": 0.6,
    }
    loaded = scenario.from_dict(strait(outage))
    down, _ = windows(loaded)
    shipped = engine.run(loaded, REPS).recorder.shipped[:, 1]
    assert down.any()
    assert (shipped[down] <= 0.4 + 1e-9).all() and (shipped[down] > 0.39).mean() > 0.5


def test_a_chokepoint_outage_hits_its_links_together_and_no_other() -> None:
    """Mine -> refinery and refinery -> plant pass malacca, a parallel refinery2 -> plant does
    not: the chokepoint's outages stop both together and not the third; a link rule that selects
    by chokepoint draws each link's outages on its own instead."""
    rule = {"chokepoint": "malacca", "rate_per_year": 8, "duration_days": DURATION}
    data = strait(rule)
    data["network"]["nodes"].append(
        {
            "name": "refinery2",
            "kind": "refinery",
            "country": "AU",
            "mineral": "lithium",
            "capacity_tpa": 1e6,
            "cover_days": 5,
        }
    )
    data["network"]["links"][0]["chokepoints"] = ["malacca"]
    data["network"]["links"][1]["share"] = 0.5
    data["network"]["links"] += [
        {"from": "mine", "to": "refinery2", "transit_days": 1},
        {"from": "refinery2", "to": "plant", "transit_days": 1, "share": 0.5},
    ]
    loaded = scenario.from_dict(data)
    spec = loaded.spec
    drawn = draw_inputs(spec.uncertainty, loaded.network, 5, range(REPS), 120, 120, 1)
    outages = drawn.link_outages
    assert outages is not None and outages.links.tolist() == [0, 1]
    assert outages.process.tolist() == [0, 0]  # one process for both links
    down, _ = windows(loaded)
    shipped = engine.run(loaded, REPS).recorder.shipped
    (other,) = [k.index for k in loaded.network.links if k.supplier == "refinery2"]
    assert (shipped[:, 0][down] == 0).all() and (shipped[:, 1][down] == 0).all()
    assert (shipped[:, other][down] > 0).all()
    del data["uncertainty"]["outages"][0]["chokepoint"]
    data["uncertainty"]["outages"][0]["links"] = {"chokepoints": ["malacca"]}
    apart = scenario.from_dict(data)
    per_link = draw_inputs(apart.spec.uncertainty, apart.network, 5, range(REPS), 120, 120, 1)
    assert per_link.link_outages is not None
    first, second = per_link.link_outages.starts
    assert per_link.link_outages.process.tolist() == [0, 1]
    assert not np.array_equal(first, second)


def test_without_link_outages_nothing_is_drawn_or_applied() -> None:
    loaded = scenario.from_dict(strait(None))
    spec = loaded.spec
    assert (
        draw_inputs(spec.uncertainty, loaded.network, 5, range(2), 120, 120, 1).link_outages is None
    )


@pytest.mark.parametrize(
    ("outage", "problem"),
    [
        (
            {"chokepoint": "malaca"},
            "uncertainty.outages[0]: no link passes chokepoint 'malaca'; did you mean 'malacca'?",
        ),
        (
            {"links": {"suppliers": ["plant"], "minerals": ["cobalt"]}},
            "uncertainty.outages[0]: selects no link; expected a selection of a link",
        ),
        (
            {"chokepoint": "malacca", "links": {}},
            "uncertainty.outages[0]: give exactly one of 'select' (producers), 'links' or "
            "'chokepoint', got links, chokepoint",
        ),
        (
            {"chokepoint": "malacca", "fraction": 1.5},
            "uncertainty.outages[0].fraction: Input should be less than or equal to 1",
        ),
    ],
)
def test_bad_outage_targets_are_located_errors(outage: dict[str, Any], problem: str) -> None:
    rule = {"rate_per_year": 1, "duration_days": DURATION, **outage}
    with pytest.raises(ScenarioError) as caught:
        scenario.from_dict(strait(rule))
    (found,) = [str(p) for p in caught.value.problems]
    assert found.startswith(f"<scenario>: {problem}")


@st.composite
def with_link_outages(draw: st.DrawFn) -> dict[str, Any]:
    """A generated scenario (`test_properties.scenarios`) with random outages of links (all,
    or those out of mines) or of malacca, and shocks that may not happen."""
    data = draw(scenarios())
    links = data["network"]["links"]
    targets: list[dict[str, Any]] = [{"links": {}}, {"links": {"from_kinds": ["mine"]}}]
    if any("malacca" in link.get("chokepoints", []) for link in links):
        targets.append({"chokepoint": "malacca"})
    rule = {
        **draw(st.sampled_from(targets)),
        "rate_per_year": draw(st.floats(0.0, 30.0)),
        "duration_days": {"dist": "triangular", "low": 1.0, "mode": 5.0, "high": 30.0},
        "fraction": draw(st.floats(0.0, 1.0)),
    }
    data["uncertainty"] = {**data["uncertainty"], "outages": [rule]}
    for shock in data["shocks"]:
        shock["probability"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_link_outages())
def test_mass_balance_closes_with_random_link_outages(data: dict[str, Any]) -> None:
    result = engine.run(scenario.from_dict(data), 3)
    balance.check(results.balance(result), tolerance=1e-9)
    rec = result.recorder
    stocks = [i for i, key in enumerate(rec.keys) if key[3] == "stock_t"]
    assert (rec.values[:, stocks, :] >= 0.0).all()
