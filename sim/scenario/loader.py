"""The scenario file: schema, loading and the resolved, frozen scenario the engine runs.

A scenario names a network (a built-in one from `sim/data/`, a network file, or nodes and links
inline, plus overrides), the shocks to inject and where results go. Loading validates in two
levels: field checks while the file is parsed (`Spec` models), then whole-model consistency checks
(`checks.py`). Every problem is reported with its file, line and field path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from sim.levers import Policy, check_policies
from sim.scenario import yamlio
from sim.scenario.errors import Problem, ScenarioError, Where, from_validation_error
from sim.scenario.network import (
    LinkSpec,
    Network,
    NodeSpec,
    NodeUnion,
    expand_links,
    resolve_links,
)
from sim.scenario.schedules import Schedules
from sim.scenario.spec import Country, Name, NonNegative, Spec
from sim.scenario.uncertainty import Uncertainty
from sim.shocks import Shock
from sim.shocks.base import ShockSpec

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


class NetworkBlock(Spec):
    """The network a scenario runs on."""

    base: str | None = Field(
        None,
        description="A built-in network (file name in `sim/data/` without `.yaml`, e.g. "
        "`india_japan_2024`) or a path to a network file, relative to the scenario file.",
    )
    nodes: list[NodeUnion] = Field([], description="Nodes added to the base network.")
    links: list[LinkSpec] = Field([], description="Links added to the base network.")
    overrides: dict[str, dict[str, Any]] = Field(
        {},
        description="Changes to base nodes: node name -> {field: value}, e.g. "
        "`{ireL_odisha: {capacity_tpa: 500}}`.",
    )
    contract_flex: NonNegative | None = Field(
        None,
        description="Contract flexibility of every link that does not set its own `flex` "
        "(overrides the network file's `contract_flex`; see links' `flex`).",
    )


class NetworkFile(Spec):
    """A network file (the files in `sim/data/`)."""

    name: str = Field(description="Network name.")
    description: str = Field("", description="What the network represents.")
    base_year: int | None = Field(None, description="Year its figures describe.")
    notes: list[str] = Field([], description="Assumptions and caveats.")
    nodes: list[NodeUnion] = Field(description="The nodes.")
    links: list[LinkSpec] = Field(description="The links.")
    contract_flex: NonNegative | None = Field(
        None,
        description="Contract flexibility of every link of this file that does not set its "
        "own `flex` (see links' `flex`); default: no limit.",
    )


class Outputs(Spec):
    """Where results go."""

    name: Name | None = Field(
        None, description="Folder under `results/` (default: the scenario name)."
    )
    timeseries: bool = Field(True, description="Write the per-period time series table.")


class MetricOptions(Spec):
    """How risk metrics are computed."""

    fill_threshold: float = Field(
        0.99, gt=0, le=1, description="Fill rate below which a review counts as short (TTS, TTR)."
    )
    settle_days: float = Field(
        28.0,
        ge=0,
        description="Days the fill rate must stay at or "
        "above the threshold to count as recovered (TTR).",
    )
    share_from: tuple[Country, ...] = Field(
        ("CN",), description="Countries whose share of each consuming country's supply is reported."
    )


class ScenarioSpec(Spec):
    """A scenario file."""

    name: Name = Field(description="Scenario name; results go to `results/<name>/`.")
    description: str = Field("", description="What the scenario represents, with its sources.")
    start: dt.date = Field(dt.date(2024, 1, 1), description="Start date (day 0), ISO date.")
    horizon_days: int = Field(365, ge=1, le=36500, description="Simulated days.")
    step_days: int = Field(
        7,
        ge=1,
        le=365,
        description="Review period, days: nodes produce, ship and order once per period.",
    )
    seed: int = Field(0, ge=0, description="Master random seed.")
    network: NetworkBlock = Field(description="The network.")
    shocks: list[Shock] = Field([], description="Shocks to inject.")
    replications: int = Field(
        1,
        ge=1,
        le=1_000_000,
        description="Replications of a Monte Carlo ensemble (`--reps` overrides it).",
    )
    uncertainty: Uncertainty = Field(
        Uncertainty(), description="Random inputs: outages, transit times, demand noise."
    )
    policies: list[Policy] = Field(
        [],
        description="Policies to compare with the scenario "
        "as it is (the baseline), on the same random draws.",
    )
    metrics: MetricOptions = Field(MetricOptions(), description="How risk metrics are computed.")
    outputs: Outputs = Field(Outputs(), description="Where results go.")

    @field_validator("step_days")
    @classmethod
    def _step_fits(cls, step: int, info: Any) -> int:
        horizon = info.data.get("horizon_days")
        if horizon is not None and step > horizon:
            raise ValueError(
                f"review period ({step} days) is longer than the horizon ({horizon} days)"
            )
        return step

    @property
    def results_name(self) -> str:
        return self.outputs.name or self.name


@dataclass(frozen=True)
class Scenario:
    """A loaded, validated scenario with its resolved network."""

    spec: ScenarioSpec
    network: Network
    path: Path | None
    input_sha256: str
    windows: tuple[tuple[float, float] | None, ...]
    """[start, end) of each shock, days from the start (None where drawn at random)."""
    schedules: Schedules = dataclasses.field(default_factory=Schedules)
    """Planned changes a policy makes (empty for the scenario itself)."""
    policy: Policy | None = None
    """The policy this variant puts in place (None: the scenario as written, the baseline)."""
    baseline_network: Network | None = None
    """For a policy variant, the network of the scenario as written (what lever costs are
    charged against); None for the baseline itself."""

    @property
    def shocks(self) -> list[ShockSpec]:
        return list(self.spec.shocks)


def builtin_networks() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))


def load(path: str | Path, horizon_days: int | None = None) -> Scenario:
    """Read, validate and resolve a scenario file; raise `ScenarioError` with every problem."""
    path = Path(path)
    doc = yamlio.load_file(path)
    spec = _validate(ScenarioSpec, doc)
    loaded = resolve(spec, doc, hashlib.sha256(path.read_bytes()).hexdigest(), path)
    return loaded if horizon_days is None else with_horizon(loaded, horizon_days)


def with_horizon(loaded: Scenario, horizon_days: int) -> Scenario:
    """The same scenario over another horizon (validated with its own): shocks that start
    after a shorter horizon simply do not happen."""
    step = min(loaded.spec.step_days, horizon_days)
    spec = loaded.spec.model_copy(update={"horizon_days": horizon_days, "step_days": step})
    return dataclasses.replace(loaded, spec=spec)


def from_dict(data: dict[str, Any], origin: str = "<scenario>") -> Scenario:
    """Validate and resolve a scenario given as a Python dict (tests, notebooks)."""
    doc = yamlio.Document(data, {}, Path(origin))
    spec = _validate(ScenarioSpec, doc)
    digest = hashlib.sha256(repr(data).encode()).hexdigest()
    return resolve(spec, doc, digest, None)


def resolve(spec: ScenarioSpec, doc: yamlio.Document, digest: str, path: Path | None) -> Scenario:
    """Assemble the network (base file, inline nodes and links, overrides) and check it whole."""
    from sim.scenario import checks

    nodes: list[tuple[NodeSpec, Where]] = []
    links: list[tuple[LinkSpec, Where]] = []
    problems: list[Problem] = []
    if spec.network.base is not None:
        base_path = _base_path(spec.network.base, doc, problems)
        if base_path is not None:
            base_doc = yamlio.load_file(base_path)
            base = _validate(NetworkFile, base_doc)
            nodes += [(n, base_doc.where(("nodes", i))) for i, n in enumerate(base.nodes)]
            links += [
                (_with_flex(k, spec.network.contract_flex, base.contract_flex), where)
                for k, where in (
                    (k, base_doc.where(("links", i))) for i, k in enumerate(base.links)
                )
            ]
    nodes += [(n, doc.where(("network", "nodes", i))) for i, n in enumerate(spec.network.nodes)]
    links += [
        (_with_flex(k, spec.network.contract_flex, None), doc.where(("network", "links", i)))
        for i, k in enumerate(spec.network.links)
    ]
    problems += checks.check_unique_names([(n.name, where) for n, where in nodes])
    by_name = {n.name: (n, where) for n, where in reversed(nodes)}  # first definition wins
    for name, changes in spec.network.overrides.items():
        problems += _apply_override(
            by_name, name, changes, doc.where(("network", "overrides", name))
        )
    if problems:
        raise ScenarioError(problems)
    node_specs = {name: by_name[name][0] for name in by_name}
    located = {name: by_name[name][1] for name in by_name}
    links = expand_links(node_specs, links)
    problems += checks.check_links(node_specs, links)
    if problems:
        raise ScenarioError(problems)
    network = Network(node_specs, resolve_links(node_specs, [k for k, _ in links]))
    windows = tuple(s.window(spec.start, spec.horizon_days) for s in spec.shocks)
    problems += checks.check_network(network, located, [where for _, where in links])
    sound = not problems
    problems += checks.check_shocks(spec.shocks, windows, spec.horizon_days, network, doc)
    problems += checks.check_uncertainty(spec.uncertainty, network, doc)
    loaded = Scenario(spec, network, path, digest, windows)
    if sound:  # every policy compiles against the network (if unsound, its problems recur)
        problems += check_policies(loaded, doc)
    if problems:
        raise ScenarioError(problems)
    return loaded


def _with_flex(link: LinkSpec, scenario_flex: float | None, file_flex: float | None) -> LinkSpec:
    """The link's contract flexibility: its own `flex`, else the scenario's `contract_flex`,
    else its network file's, else none (no limit)."""
    flex = scenario_flex if scenario_flex is not None else file_flex
    if link.flex is not None or flex is None:
        return link
    return link.model_copy(update={"flex": flex})


def _validate(model: type[Any], doc: yamlio.Document) -> Any:
    try:
        return model.model_validate(doc.data)
    except ValidationError as error:
        raise ScenarioError(from_validation_error(error, doc)) from None


def _base_path(base: str, doc: yamlio.Document, problems: list[Problem]) -> Path | None:
    builtin = DATA_DIR / f"{base}.yaml"
    if "/" not in base and builtin.exists():
        return builtin
    candidate = doc.path.parent / base
    if candidate.is_file():
        return candidate
    problems.append(
        Problem(
            doc.where(("network", "base")),
            f"'{base}' is neither a built-in network nor a file",
            "a built-in network name ("
            + ", ".join(builtin_networks())
            + ") or a path relative to the scenario file",
        )
    )
    return None


def _apply_override(
    nodes: dict[str, tuple[NodeSpec, Where]], name: str, changes: dict[str, Any], where: Where
) -> list[Problem]:
    import difflib

    if name not in nodes:
        close = difflib.get_close_matches(name, list(nodes), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "a node of the network"
        return [Problem(where, f"override names unknown node '{name}'", hint)]
    node, node_where = nodes[name]
    data = node.model_dump(by_alias=True, exclude_unset=True)
    data.update(changes)
    try:
        nodes[name] = (type(node).model_validate(data), node_where)
    except ValidationError as error:
        return [
            Problem(
                where,
                f"override of '{name}': "
                + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()),
                "fields and values valid for a " + node.kind,
            )
        ]
    return []
