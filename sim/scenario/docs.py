"""The scenario-format reference, generated from the schema so that it never drifts from it.

`python -m sim schema --markdown > docs/scenario-format.md` rewrites it; a test checks it is
current.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sim import levers as L
from sim.scenario import costs as C
from sim.scenario import lifetimes as T
from sim.scenario import loader as S
from sim.scenario import network as N
from sim.scenario import overrides as O
from sim.scenario import randomness as D
from sim.scenario import search as Q
from sim.scenario import uncertainty as U
from sim.scenario.selector import Selector
from sim.scenario.spec import MINERALS
from sim.shocks import TYPES as SHOCK_TYPES

INTRO = """# Scenario file format

A scenario is a YAML file (safe YAML only: tags such as `!!python/object` are refused). Run one
with `python -m sim run FILE` (or `make run SCENARIO=FILE`), check one with
`python -m sim validate FILE`. `python -m sim schema` prints the same schema as JSON Schema for
editors; it is committed as `schema/scenario.schema.json` (`make docs` regenerates it), and every
file in `scenarios/` starts with `# yaml-language-server: $schema=../schema/scenario.schema.json`
so that an editor with a YAML language server (VS Code's YAML extension) checks and completes it.

Units: masses are tonnes (t) of *contained* mineral at every stage, so a mineral's mass balance is
one sum; capacities are t per year (`_tpa`); times are days (`_days`) or ISO dates; demand is in
product units per year with kg of each mineral per unit. Moments (`start`, `end`) are an ISO date
(`2025-04-04`) or a day number counted from the scenario `start`.

This page is generated from the schema (`python -m sim schema --markdown`); do not edit it by hand.

## Example

```yaml
name: ree-ban-japan                 # results go to results/ree-ban-japan/
description: China stops refined NdPr exports to Japan for 60 days.
start: 2025-01-01
horizon_days: 365
step_days: 7                        # review period
seed: 42
network:
  base: india_japan_2024            # a built-in network (sim/data/), or a path to a network file
  overrides:
    jp_magnet_ev_plant: {cover_days: 60}
shocks:
  - type: export_ban
    country: CN
    mineral: ndpr                   # NdPr oxide and metal (the magnet rare earths)
    stage: refined
    to_countries: [JP]
    start: 2025-04-04
    duration_days: 60
    licence_delay_days: 63          # 45 working days of licence review
```

An inline network lists `nodes` and `links` under `network:` instead of (or on top of) `base`:

```yaml
network:
  nodes:
    - {name: au_mine, kind: mine, country: AU, mineral: lithium, capacity_tpa: 1000}
    - {name: cn_refinery, kind: refinery, country: CN, mineral: lithium, capacity_tpa: 900,
       yield: 0.9}
    - {name: jp_cells, kind: plant, country: JP, recipe: {lithium: 1.0}, capacity_tpa: 900}
    - {name: jp_ev, kind: market, country: JP, sector: ev, unit: vehicle,
       demand_units_per_year: 100000, intensity_kg_per_unit: {lithium: 6.0}}
  links:
    - {from: au_mine, to: cn_refinery, transit_days: 20, chokepoints: [malacca]}
    - {from: cn_refinery, to: jp_cells, transit_days: 7}
    - {from: jp_cells, to: jp_ev, transit_days: 2}
```

## How the engine reads these fields

- Every node reviews once per `step_days`: it receives what has arrived, produces, ships the
  orders placed at the previous review (pro rata to orders when short), and orders the gap
  between its target position (`cover_days` of expected use plus what is in the pipeline) and
  on hand + on order, split across suppliers by `share`.
- Production = min(capacity x availability x period, what the inputs allow x yield, what is
  needed to restore the output stock target and fill the orders due).
- A shipment is usable at the buyer's first review at or after it arrives, and never at the
  review it was sent in.
- The run starts at the steady state of a shock-free world (every stock at its cover, pipelines
  full), so a baseline run shows no transient.
- Shock numbers (`start`, `duration_days`, `severity`, `fraction`, `factor`, delays) may be
  distributions, drawn once per replication; random inputs under `uncertainty:` are drawn per
  replication and review. Replication i always sees the same draws (its own seeded streams),
  whatever the batch, worker or executor, and whatever the policy: common random numbers.
- A shock with `probability: p` (< 1) happens in a replication with chance p, drawn once per
  replication from its own stream; where it does not happen it has no effect. Outages may hit
  producers (`select`), links (`links`) or every link through a chokepoint (`chokepoint`).

```yaml
replications: 1000
uncertainty:
  outages:
    - select: {kinds: [mine], countries: [CD]}
      rate_per_year: 0.5
      duration_days: {dist: triangular, low: 7, mode: 21, high: 90}
    - chokepoint: malacca
      rate_per_year: 0.5
      duration_days: {dist: triangular, low: 1, mode: 3, high: 10}
  transit:
    - links: {from_kinds: [mine]}
      transit_days: {dist: uniform, low: 10, high: 30}
  demand:
    - select: {kinds: [market]}
      factor: {dist: normal, mean: 1.0, sd: 0.1, min: 0}
shocks:
  - type: export_ban
    country: CN
    mineral: graphite
    start: 2025-01-01
    duration_days: {dist: triangular, low: 30, mode: 90, high: 365}
    probability: 0.4
```

## Extending a scenario

A scenario may start from another with `extends: FILE` (a path relative to the file that says
it) and say only what differs: it inherits the network, shocks, policies and options. Mappings
merge field by field (`network.overrides`, `uncertainty`, `metrics` ...); in `shocks`,
`policies`, `projects` and `network.nodes` an entry with the name of an inherited one replaces
it and others are added; `network.links` are added to the inherited ones; `remove_shocks` and
`remove_policies` drop inherited entries by name; any other value replaces the inherited one.
Links of the base network are changed in place with `network.link_overrides` or removed with
`network.remove_links` (each names `from`, `to` and, where the two trade several minerals,
`mineral`), so adding one supplier never means copying the built-in network. The child needs a
`name` of its own; a missing parent, a cycle of files extending each other, or a link or name
that is not there to change or remove is an error with its file and line.

```yaml
extends: baseline.yaml              # inherits the built-in 2024 network and its options
name: jp-cathode-diversified        # results go to results/jp-cathode-diversified/
description: Japan's cathode plant buys 10 points less of its refined lithium from China.
network:
  link_overrides:                   # links of the built-in network, changed in place
    - {from: cn_li_refinery, to: jp_cathode_plant, share: 0.602289}
    - {from: au_li_refinery, to: jp_cathode_plant, share: 0.139236}
  remove_links:                     # the buyer's remaining shares still sum to 1
    - {from: xw_li_refinery, to: jp_cathode_plant}
```
"""


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"] if p.get("type") != "null")
    if "oneOf" in prop:
        return " or ".join(_type(p) for p in prop["oneOf"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        extra = prop.get("additionalProperties")
        return f"mapping to {_type(extra)}" if isinstance(extra, dict) else "mapping"
    limits = [
        f"{sym} {prop[key]}"
        for key, sym in (
            ("minimum", ">="),
            ("exclusiveMinimum", ">"),
            ("maximum", "<="),
            ("exclusiveMaximum", "<"),
        )
        if key in prop
    ]
    text = {
        "number": "number",
        "integer": "integer",
        "string": "text",
        "boolean": "true/false",
    }.get(kind, kind)
    if prop.get("format") == "date":
        text = "date"
    return text + (f" ({', '.join(limits)})" if limits else "")


def _section(model: type[BaseModel], title: str) -> str:
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    lines = [
        f"### {title}",
        "",
        (model.__doc__ or "").strip().splitlines()[0],
        "",
        "| field | type | default | description |",
        "|---|---|---|---|",
    ]
    for name, prop in schema["properties"].items():
        default = "required" if name in required else f"`{prop.get('default')!s}`"
        if "default" in prop and prop["default"] is None:
            default = "none"
        desc = prop.get("description", "").replace("|", "\\|")
        lines.append(f"| `{name}` | {_type(prop)} | {default} | {desc} |")
    return "\n".join(lines) + "\n"


def _shock_sections() -> list[tuple[type[BaseModel], str]]:
    """One section per registered shock type, then the selector those with a `select` use."""
    sections: list[tuple[type[BaseModel], str]] = [
        (cls, f"`{cls.type_name()}`") for cls in SHOCK_TYPES
    ]
    selecting = [f"`{cls.type_name()}`" for cls in SHOCK_TYPES if "select" in cls.model_fields]
    if selecting:
        listed = selecting[-1]
        if len(selecting) > 1:
            listed = ", ".join(selecting[:-1]) + " and " + listed
        sections.append((Selector, f"`select` (in {listed})"))
    return sections


def _lever_sections(lever: type[L.BaseLever]) -> list[tuple[type[BaseModel], str]]:
    """A lever's own table (titled by its `type:`), then the parts it documents with it."""
    return [(lever, f"`{lever.type_name()}`"), *lever.documented_with]


SECTIONS: list[tuple[str, list[tuple[type[BaseModel], str]]]] = [
    (
        "The scenario",
        [
            (S.ScenarioSpec, "Top level"),
            (S.NetworkBlock, "`network`"),
            (S.MetricOptions, "`metrics`"),
            (C.CostOptions, "`costs`"),
            (S.Outputs, "`outputs`"),
        ],
    ),
    (
        "Nodes (`kind:`)",
        [
            (N.MineSpec, "`mine`"),
            (N.RefinerySpec, "`refinery`"),
            (N.PlantSpec, "`plant`"),
            (N.RecyclerSpec, "`recycler`"),
            (N.MarketSpec, "`market`"),
            (N.StockpileSpec, "`stockpile`"),
        ],
    ),
    (
        "Product lifetimes (a market's `lifetime:`, `dist:`)",
        [
            (T.FixedLifetime, "`fixed`"),
            (T.WeibullLifetime, "`weibull`"),
            (T.LognormalLifetime, "`lognormal`"),
            (T.NormalLifetime, "`normal`"),
        ],
    ),
    (
        "Links",
        [
            (N.LinkSpec, "`links` entries"),
            (O.LinkOverride, "`network.link_overrides` entries"),
            (O.LinkRef, "`network.remove_links` entries"),
        ],
    ),
    ("Shocks (`type:`)", _shock_sections()),
    (
        "Random inputs (`uncertainty:`)",
        [
            (U.Uncertainty, "`uncertainty`"),
            (U.Outages, "`outages` entries"),
            (U.TransitVariability, "`transit` entries"),
            (U.DemandNoise, "`demand` entries"),
            (U.LinkSelector, "`links` (link selector)"),
        ],
    ),
    (
        "Distributions (`dist:`)",
        [
            (D.Fixed, "`fixed`"),
            (D.Uniform, "`uniform`"),
            (D.Triangular, "`triangular`"),
            (D.Lognormal, "`lognormal`"),
            (D.Exponential, "`exponential`"),
            (D.Normal, "`normal`"),
        ],
    ),
    (
        "Policies (`policies:` entries and their `levers`, `type:`)",
        [(L.Policy, "policy")] + [part for lever in L.LEVERS for part in _lever_sections(lever)],
    ),
    (
        "Portfolio search (`search:` entries, `sim optimise`)",
        [(Q.SearchGroup, "`search` entries"), (Q.SearchParameter, "`parameters` entries")],
    ),
    ("Network files", [(S.NetworkFile, "Network file (`sim/data/*.yaml`)")]),
]


def markdown() -> str:
    parts = [INTRO]
    for heading, models in SECTIONS:
        parts.append(f"## {heading}\n")
        parts += [_section(model, title) for model, title in models]
    parts.append("Minerals: " + ", ".join(f"`{m}`" for m in MINERALS) + ".\n")
    return "\n".join(parts)
