"""Properties over generated networks and shock sets: mass balance closes, no stock goes
negative, and the same inputs give the same results."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario

COUNTRIES = ["AU", "CN", "IN", "JP", "CD", "ID"]
MINERALS = ["lithium", "cobalt", "nickel"]
PRODUCERS = ["mine", "refinery", "plant", "recycler"]


def _shares(draw: st.DrawFn, n: int) -> list[float]:
    weights = [draw(st.floats(0.05, 1.0)) for _ in range(n)]
    shares = [w / sum(weights) for w in weights]
    shares[-1] = 1.0 - sum(shares[:-1])
    return shares


def _subset(draw: st.DrawFn, items: list[str]) -> list[str]:
    return draw(st.lists(st.sampled_from(items), min_size=1, max_size=len(items), unique=True))


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    """A layered network: mines -> refineries -> plants (multi-mineral recipes) -> markets,
    with optional recyclers and stockpiles."""
    minerals = draw(st.lists(st.sampled_from(MINERALS), min_size=1, max_size=3, unique=True))
    nodes: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    cover = st.floats(0.0, 40.0)
    capacity = st.floats(50.0, 5000.0)
    transit = st.floats(0.0, 30.0)
    refiners: dict[str, list[str]] = {}
    for m in minerals:
        mines = [f"mine_{m}_{i}" for i in range(draw(st.integers(1, 3)))]
        for name in mines:
            nodes.append(
                {
                    "name": name,
                    "kind": "mine",
                    "country": draw(st.sampled_from(COUNTRIES)),
                    "mineral": m,
                    "capacity_tpa": draw(capacity),
                    "cover_days": draw(cover),
                }
            )
        refiners[m] = [f"ref_{m}_{i}" for i in range(draw(st.integers(1, 2)))]
        for name in refiners[m]:
            nodes.append(
                {
                    "name": name,
                    "kind": "refinery",
                    "country": draw(st.sampled_from(COUNTRIES)),
                    "mineral": m,
                    "capacity_tpa": draw(capacity),
                    "yield": draw(st.floats(0.5, 1.0)),
                    "cover_days": draw(cover),
                }
            )
            sources = _subset(draw, mines)
            for src, share in zip(sources, _shares(draw, len(sources)), strict=True):
                links.append(
                    {
                        "from": src,
                        "to": name,
                        "share": share,
                        "transit_days": draw(transit),
                        "chokepoints": draw(st.sampled_from([[], ["malacca"]])),
                    }
                )
    plants = []
    for i in range(draw(st.integers(1, 3))):
        recipe_minerals = _subset(draw, minerals)
        recipe = dict(zip(recipe_minerals, _shares(draw, len(recipe_minerals)), strict=True))
        name = f"plant_{i}"
        plants.append((name, recipe))
        nodes.append(
            {
                "name": name,
                "kind": "plant",
                "country": draw(st.sampled_from(COUNTRIES)),
                "recipe": recipe,
                "capacity_tpa": draw(capacity),
                "yield": draw(st.floats(0.5, 1.0)),
                "cover_days": draw(cover),
            }
        )
        for m in recipe:
            sources = _subset(draw, refiners[m])
            for src, share in zip(sources, _shares(draw, len(sources)), strict=True):
                links.append(
                    {"from": src, "to": name, "share": share, "transit_days": draw(transit)}
                )
    recyclers: dict[str, str] = {}
    for j in range(draw(st.integers(1, 3))):
        plant, recipe = draw(st.sampled_from(plants))
        name = f"market_{j}"
        collection = draw(st.sampled_from([0.0, 0.3]))
        nodes.append(
            {
                "name": name,
                "kind": "market",
                "country": draw(st.sampled_from(COUNTRIES)),
                "sector": "ev",
                "demand_units_per_year": draw(st.floats(0.0, 1e5)),
                "intensity_kg_per_unit": {m: draw(st.floats(0.1, 20.0)) for m in recipe},
                "cover_days": draw(cover),
                "unmet": draw(st.sampled_from(["lost", "backlog"])),
                "lifetime_years": draw(st.floats(0.05, 2.0)),
                "collection_rate": collection,
                "eol_history_share": draw(st.floats(0.0, 1.0)),
            }
        )
        for m in recipe:
            links.append({"from": plant, "to": name, "mineral": m, "transit_days": draw(transit)})
            if collection > 0:
                if m not in recyclers:
                    recyclers[m] = f"recycler_{m}"
                    nodes.append(
                        {
                            "name": recyclers[m],
                            "kind": "recycler",
                            "country": "JP",
                            "mineral": m,
                            "capacity_tpa": draw(capacity),
                            "cover_days": draw(cover),
                        }
                    )
                links.append({"from": name, "to": recyclers[m], "transit_days": draw(transit)})
    if draw(st.booleans()):
        plant, recipe = plants[0]
        m = next(iter(recipe))
        nodes.append(
            {
                "name": "reserve",
                "kind": "stockpile",
                "country": "JP",
                "mineral": m,
                "initial_t": draw(st.floats(0.0, 500.0)),
                "release_below_cover_days": draw(st.floats(0.0, 30.0)),
            }
        )
        links.append({"from": "reserve", "to": plant, "transit_days": draw(transit)})
        links.append({"from": refiners[m][0], "to": "reserve", "transit_days": 1.0})
    block: dict[str, Any] = {"nodes": nodes, "links": links}
    flex = draw(st.sampled_from([None, 0.0, 0.25]))  # contracts and spot, or no limit
    if flex is not None:
        block["contract_flex"] = flex
    return block


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    network = draw(networks())
    horizon = draw(st.integers(10, 120))
    window = st.tuples(st.integers(0, horizon - 1), st.integers(1, 150))
    countries = sorted({n["country"] for n in network["nodes"]})
    minerals = sorted({n["mineral"] for n in network["nodes"] if "mineral" in n})
    producers = [k for k in PRODUCERS if any(n["kind"] == k for n in network["nodes"])]
    shocks: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 4))):
        start, duration = draw(window)
        kind = draw(
            st.sampled_from(["capacity_loss", "demand_shock", "production_quota", "route_closure"])
        )
        common = {"start": start, "duration_days": duration}
        if kind == "capacity_loss":
            shocks.append(
                {
                    "type": kind,
                    "select": {"kinds": [draw(st.sampled_from(["mine", "refinery", "plant"]))]},
                    "fraction": draw(st.floats(0.1, 1.0)),
                    **common,
                }
            )
        elif kind == "production_quota":
            shocks.append(
                {
                    "type": kind,
                    "select": {"kinds": [draw(st.sampled_from(producers))]},
                    "tonnes_per_year": draw(
                        st.one_of(
                            st.floats(0.0, 5000.0),
                            st.just({"dist": "uniform", "low": 0.0, "high": 3000.0}),
                        )
                    ),
                    **common,
                }
            )
        elif kind == "demand_shock":
            shocks.append(
                {
                    "type": kind,
                    "select": {"kinds": ["market"]},
                    "factor": draw(st.floats(0.0, 3.0)),
                    **common,
                }
            )
        elif any("malacca" in link.get("chokepoints", []) for link in network["links"]):
            shocks.append(
                {
                    "type": kind,
                    "chokepoint": "malacca",
                    "mode": draw(st.sampled_from(["wait", "detour"])),
                    "detour_days": draw(st.floats(0.0, 20.0)),
                    **common,
                }
            )
    # A trade measure is valid only where the network has such exports; try one at random.
    candidate: dict[str, Any] = {
        "country": draw(st.sampled_from(countries)),
        "mineral": draw(st.sampled_from(minerals)),
        "start": draw(window)[0],
        "duration_days": draw(st.integers(1, 150)),
    }
    measure = draw(st.sampled_from(["export_ban", "export_licensing", "export_quota"]))
    if measure == "export_ban":
        candidate["severity"] = draw(st.floats(0.0, 1.0))
        candidate["licence_delay_days"] = draw(st.floats(0.0, 60.0))
    elif measure == "export_licensing":
        candidate["approval_rate"] = draw(st.floats(0.0, 1.0))
        candidate["processing_days"] = draw(st.floats(0.0, 60.0))
    else:
        candidate["tonnes_per_year"] = draw(st.floats(0.0, 3000.0))
    candidate["type"] = measure
    dists = st.sampled_from(
        [
            {"dist": "uniform", "low": 0.0, "high": 20.0},
            {"dist": "triangular", "low": 1.0, "mode": 3.0, "high": 14.0},
            {"dist": "lognormal", "median": 5.0, "sigma": 0.5, "max": 40.0},
            {"dist": "fixed", "value": 4.0},
        ]
    )
    uncertainty: dict[str, Any] = {}
    if draw(st.booleans()):
        uncertainty["outages"] = [
            {
                "select": {"kinds": ["mine", "refinery"]},
                "rate_per_year": draw(st.floats(0.0, 20.0)),
                "duration_days": draw(dists),
                "fraction": draw(st.floats(0.0, 1.0)),
            }
        ]
    if draw(st.booleans()):
        uncertainty["transit"] = [{"links": {}, "transit_days": draw(dists)}]
    if draw(st.booleans()):
        uncertainty["demand"] = [
            {
                "select": {"kinds": ["market"]},
                "factor": {"dist": "uniform", "low": 0.5, "high": 1.5},
            }
        ]
    if shocks and draw(st.booleans()):
        shocks[0]["duration_days"] = draw(dists)
    data = {
        "name": "generated",
        "seed": draw(st.integers(0, 2**32)),
        "uncertainty": uncertainty,
        "horizon_days": horizon,
        "step_days": draw(st.integers(1, min(10, horizon))),
        "network": network,
        "shocks": shocks,
    }
    try:
        scenario.from_dict({**data, "shocks": [*shocks, candidate]})
        data["shocks"] = [*shocks, candidate]
    except Exception:
        pass
    return data


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(scenarios())
def test_mass_balance_closes_and_stocks_stay_non_negative(data: dict[str, Any]) -> None:
    result = engine.run(scenario.from_dict(data))
    table = results.balance(result)
    balance.check(table, tolerance=1e-9)
    rec = result.recorder
    stocks = [i for i, key in enumerate(rec.keys) if key[3] == "stock_t"]
    assert (rec.values[:, stocks, :] >= 0.0).all()
    scale = max(1.0, float(table["mined_t"].max()))
    assert (result.state.in_transit >= -1e-9 * scale).all()
    finite = [i for i, key in enumerate(rec.keys) if key[3] != "cover_days"]  # inf: no demand
    assert np.isfinite(rec.values[:, finite]).all()
    for q, ring in result.state.in_use_rings.items():  # running in-use totals match the rings
        np.testing.assert_allclose(
            result.state.in_use_rows[q], ring.sum(axis=0), rtol=1e-9, atol=1e-9 * scale
        )


@SETTINGS
@given(scenarios())
def test_same_inputs_give_identical_results(data: dict[str, Any]) -> None:
    first = engine.run(scenario.from_dict(data))
    second = engine.run(scenario.from_dict(data))
    assert np.array_equal(first.recorder.values, second.recorder.values)
    assert np.array_equal(first.recorder.shipped, second.recorder.shipped)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(1, 4))
def test_a_replication_does_not_depend_on_its_batch(data: dict[str, Any], split: int) -> None:
    """Replications 0-4 run as one batch equal the same replications run in two batches split
    at `split`, bit for bit: each draws from its own streams and no operation mixes them."""
    loaded = scenario.from_dict(data)
    whole = engine.run(loaded, reps=range(5))
    parts = [engine.run(loaded, reps=range(0, split)), engine.run(loaded, reps=range(split, 5))]
    joined = np.concatenate([p.recorder.values for p in parts], axis=2)
    assert np.array_equal(whole.recorder.values, joined)
    shipped = np.concatenate([p.recorder.shipped for p in parts], axis=2)
    assert np.array_equal(whole.recorder.shipped, shipped)
