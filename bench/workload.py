"""The reference workload of `make bench`, built as a scenario of our own.

It mirrors the peer tool's published benchmark: 6 mines (lithium, cobalt, nickel; two regions
each), 3 refiners, 2 component plants each buying from the 3 refiners, 4 markets with random
daily demand (uniform 10-30 units a day), 12 links with random transit times (uniform 10-30
days mine -> refiner, triangular 3/5/14 days refiner -> plant), a 1-day review period and 10
simulated years. `copies` > 1 places that many independent copies side by side (nodes x copies).

`builtin_network` is the second, richer case: the built-in 2024 network of scenarios/baseline.yaml
(106 nodes, weekly review) with random demand and outages added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MINES = {"lithium": ("AU", "CL"), "cobalt": ("CD", "ID"), "nickel": ("ID", "PH")}
KG_PER_UNIT = {"lithium": 6.0, "cobalt": 8.0, "nickel": 29.0}  # T&E 2020 average 60 kWh pack


def reference(
    horizon_days: int = 3650, copies: int = 1, replications: int = 1000, seed: int = 1
) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    total_kg = sum(KG_PER_UNIT.values())
    for c in range(copies):
        for mineral, countries in MINES.items():
            refinery = f"ref_{mineral}_{c}"
            nodes.append(
                {
                    "name": refinery,
                    "kind": "refinery",
                    "country": "CN",
                    "mineral": mineral,
                    "capacity_tpa": 1e6,
                    "yield": 0.95,
                }
            )
            for country in countries:
                mine = f"mine_{mineral}_{country}_{c}"
                nodes.append(
                    {
                        "name": mine,
                        "kind": "mine",
                        "country": country,
                        "mineral": mineral,
                        "capacity_tpa": 1e6,
                    }
                )
                links.append({"from": mine, "to": refinery, "share": 0.5, "transit_days": 20})
        for p in range(2):
            plant = f"plant_{p}_{c}"
            nodes.append(
                {
                    "name": plant,
                    "kind": "plant",
                    "country": "JP",
                    "capacity_tpa": 1e6,
                    "recipe": {m: kg / total_kg for m, kg in KG_PER_UNIT.items()},
                }
            )
            for mineral in MINES:
                links.append({"from": f"ref_{mineral}_{c}", "to": plant, "transit_days": 7})
            for q in range(2):
                market = f"market_{p}{q}_{c}"
                nodes.append(
                    {
                        "name": market,
                        "kind": "market",
                        "country": "JP",
                        "sector": "ev",
                        "unit": "vehicle",
                        "demand_units_per_year": 20 * 365,
                        "intensity_kg_per_unit": KG_PER_UNIT,
                    }
                )
                for mineral in MINES:
                    links.append(
                        {"from": plant, "to": market, "mineral": mineral, "transit_days": 1}
                    )
    return {
        "name": "bench-reference",
        "description": "make bench reference workload",
        "start": "2025-01-01",
        "horizon_days": horizon_days,
        "step_days": 1,
        "seed": seed,
        "replications": replications,
        "network": {"nodes": nodes, "links": links},
        "uncertainty": {
            "transit": [
                {
                    "links": {"from_kinds": ["mine"]},
                    "transit_days": {"dist": "uniform", "low": 10, "high": 30},
                },
                {
                    "links": {"from_kinds": ["refinery"]},
                    "transit_days": {"dist": "triangular", "low": 3, "mode": 5, "high": 14},
                },
            ],
            "demand": [
                {
                    "select": {"kinds": ["market"]},
                    "factor": {"dist": "uniform", "low": 0.5, "high": 1.5},
                }
            ],
        },
    }


# The built-in network case: random inputs added to scenarios/baseline.yaml so that replications
# differ (the baseline itself has none). Both are bench ASSUMPTIONS, not data: demand noise and
# outages of the kind and size scenarios/ree_controls_risk_2025.yaml declares (weekly demand
# factor normal(1, 0.1) at every market; every mine, refinery and plant losing half its capacity
# for triangular 3/14/60 days about once every two years).
BUILTIN_UNCERTAINTY: dict[str, Any] = {
    "demand": [
        {
            "select": {"kinds": ["market"]},
            "factor": {"dist": "normal", "mean": 1.0, "sd": 0.1, "min": 0.0},
        }
    ],
    "outages": [
        {
            "select": {"kinds": ["mine", "refinery", "plant"]},
            "rate_per_year": 0.5,
            "duration_days": {"dist": "triangular", "low": 3, "mode": 14, "high": 60},
            "fraction": 0.5,
        }
    ],
}


def builtin_network(scenario: Path, horizon_days: int = 1456) -> dict[str, Any]:
    """scenarios/baseline.yaml (the built-in 2024 network, weekly review) over `horizon_days`,
    with `BUILTIN_UNCERTAINTY` as its random inputs."""
    import yaml

    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    return {**data, "horizon_days": horizon_days, "uncertainty": BUILTIN_UNCERTAINTY}
