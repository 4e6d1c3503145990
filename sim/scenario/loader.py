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
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator

from sim.levers import Policy, check_policies
from sim.scenario import basefile, extends, yamlio
from sim.scenario import origin as embodied
from sim.scenario import paths as time_paths
from sim.scenario import prices as pricing
from sim.scenario import projects as announced
from sim.scenario.basefile import DATA_DIR as DATA_DIR
from sim.scenario.basefile import builtin_networks as builtin_networks
from sim.scenario.costs import CostOptions
from sim.scenario.errors import Problem, ScenarioError, Where, from_validation_error
from sim.scenario.network import (
    LinkSpec,
    Network,
    NodeSpec,
    NodeUnion,
    expand_links,
    resolve_links,
)
from sim.scenario.origin import OriginOptions
from sim.scenario.overrides import LinkOverride, LinkRef, apply_override, edit_links
from sim.scenario.paths import Paths
from sim.scenario.prices import Prices
from sim.scenario.projects import ProjectSpec
from sim.scenario.schedules import Schedules
from sim.scenario.search import SearchGroup, check_search
from sim.scenario.spec import (
    DATE_MAX,
    MAX_HORIZON_DAYS,
    Country,
    Date,
    DayCount,
    Name,
    NonNegative,
    Seed,
    Spec,
    Year,
)
from sim.scenario.uncertainty import Uncertainty
from sim.scenario.world import World
from sim.shocks import Shock
from sim.shocks.base import ShockSpec

HorizonDays = Annotated[int, Field(ge=1, le=MAX_HORIZON_DAYS)]
"""Simulated days: at least one, at most 100 years (36,500 days)."""


class NetworkBlock(Spec):
    """The network a scenario runs on."""

    base: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        None,
        description="A built-in network (file name in `sim/data/` without `.yaml`, e.g. "
        "`india_japan_2024`) or a path to a network file (`.yaml`) relative to the scenario "
        "file, inside the scenario's folder.",
    )
    nodes: list[NodeUnion] = Field([], description="Nodes added to the base network.")
    links: list[LinkSpec] = Field([], description="Links added to the base network.")
    overrides: dict[Name, dict[str, Any]] = Field(
        {},
        description="Changes to base nodes: node name -> {field: value}, e.g. "
        "`{ireL_odisha: {capacity_tpa: 500}}`.",
    )
    link_overrides: list[LinkOverride] = Field(
        [],
        description="Changes to links of the base network (or of a scenario this one extends), "
        "each named by `from`, `to` (and `mineral` where they trade several) with the fields to "
        "change, e.g. `{from: au_mine, to: cn_refinery, share: 0.5}`.",
    )
    remove_links: list[LinkRef] = Field(
        [],
        description="Links of the base network (or of a scenario this one extends) to remove, "
        "each named by `from`, `to` (and `mineral`); the buyer's other shares must then sum to 1.",
    )
    contract_flex: NonNegative | None = Field(
        None,
        description="Contract flexibility of every link that does not set its own `flex` "
        "(overrides the network file's `contract_flex`; see links' `flex`).",
    )


class NetworkFile(Spec):
    """A network file (the files in `sim/data/`)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="Network name.")
    description: str = Field("", description="What the network represents.")
    base_year: Year | None = Field(None, description="Year its figures describe.")
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
    settle_days: DayCount = Field(
        28.0,
        description="Days the fill rate must stay at or "
        "above the threshold to count as recovered (TTR).",
    )
    share_from: tuple[Country, ...] = Field(
        ("CN",), description="Countries whose share of each consuming country's supply is reported."
    )


class ScenarioSpec(Spec):
    """A scenario file."""

    extends: str | None = Field(
        None,
        description="Another scenario file (path relative to this one) whose fields this one "
        "inherits and changes: mappings merge, named shocks, policies, projects and nodes are "
        "replaced by name or added, links are added (see the section on extending a scenario).",
    )
    remove_shocks: list[Name] = Field(
        [], description="Names of inherited shocks to leave out (with `extends`)."
    )
    remove_policies: list[Name] = Field(
        [], description="Names of inherited policies to leave out (with `extends`)."
    )
    name: Name = Field(description="Scenario name; results go to `results/<name>/`.")
    description: str = Field("", description="What the scenario represents, with its sources.")
    start: Date = Field(
        dt.date(2024, 1, 1), description="Start date (day 0), ISO date, 1900-01-01 to 2200-12-31."
    )
    horizon_days: HorizonDays = Field(
        365,
        validate_default=True,  # the run must end in the date range whatever the start
        description="Simulated days (at most 36500, and the run must end by 2200-12-31).",
    )
    step_days: int = Field(
        7,
        ge=1,
        le=365,
        description="Review period, days: nodes produce, ship and order once per period.",
    )
    seed: Seed = Field(0, description="Master random seed (0 to 2^63 - 1).")
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
    paths: Paths = Field(
        Paths(), description="Demand and capacity paths over years (growth, targets, expansions)."
    )
    prices: Prices = Field(
        Prices(), description="Prices driven by scarcity, and the responses to them."
    )
    projects: list[ProjectSpec] = Field(
        [],
        description="Announced projects: planned start, ramp-up, completion probability and "
        "delay (uncertain inputs; levers can bring them forward or finance them).",
    )
    policies: list[Policy] = Field(
        [],
        description="Policies to compare with the scenario "
        "as it is (the baseline), on the same random draws.",
    )
    search: list[SearchGroup] = Field(
        [],
        description="Lever parameters `sim optimise` may vary, with their ranges "
        "(`sim.scenario.search`).",
    )
    origin: OriginOptions = Field(
        OriginOptions(),
        description="Embodied origin: the countries of mining, refining and component making "
        "inside every stock, shipment and product, and eligibility rules on that content.",
    )
    metrics: MetricOptions = Field(MetricOptions(), description="How risk metrics are computed.")
    costs: CostOptions = Field(
        CostOptions(), description="How policy costs are valued (discount rate)."
    )
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

    @field_validator("horizon_days")
    @classmethod
    def _ends_in_range(cls, horizon: int, info: Any) -> int:
        start = info.data.get("start")
        problem = span_problem(start, horizon) if start is not None else None
        if problem:
            raise ValueError(problem)
        return horizon

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
    world: World = dataclasses.field(default_factory=World)
    """Demand and capacity paths and announced projects."""

    @property
    def shocks(self) -> list[ShockSpec]:
        return list(self.spec.shocks)


def span_problem(start: dt.date, horizon_days: int) -> str | None:
    """Why a run from `start` over `horizon_days` would leave the date range (None if it fits)."""
    if (DATE_MAX - start).days < horizon_days:
        return (
            f"the run would end after {DATE_MAX.isoformat()} ({start.isoformat()} + "
            f"{horizon_days} days), the last date a scenario may reach"
        )
    return None


def load(
    path: str | Path,
    horizon_days: int | None = None,
    seed: int | None = None,
    fields: dict[str, Any] | None = None,
) -> Scenario:
    """Read, validate and resolve a scenario file (merged onto the scenario it `extends`);
    raise `ScenarioError` with every problem. `horizon_days` and `seed` override the file's
    (`--horizon-days`, `--seed`); `fields` overrides any other top-level field (the Python API's
    `sim.load(path, replications=200)`)."""
    path = Path(path)
    doc = extends.read(path)
    if fields:
        doc = yamlio.with_fields(doc, fields)
    spec = _validate(ScenarioSpec, doc)
    loaded = resolve(spec, doc, doc.sha256, path)
    if seed is not None:
        loaded = with_seed(loaded, seed)
    return loaded if horizon_days is None else with_horizon(loaded, horizon_days)


def _check_option(loaded: Scenario, model: type[Spec], field: str, value: int, flag: str) -> Path:
    """Validate a value given on the command line (`flag`) with the schema's type for `field`;
    raise `ScenarioError` located at the scenario file; return that file's path."""
    origin = loaded.path or Path("<scenario>")
    override = yamlio.Document({field: value}, {}, origin)
    try:
        model.model_validate(override.data)
    except ValidationError as error:
        problems = from_validation_error(error, override)
        raise ScenarioError(
            [Problem(p.where, f"{flag}: {p.what}", p.expected) for p in problems]
        ) from None
    return origin


class _Seed(Spec):
    """A seed given outside the file (`--seed`), checked with the file's type."""

    seed: Seed


def with_seed(loaded: Scenario, seed: int) -> Scenario:
    """The same scenario with another master seed (`--seed`), validated with the schema's
    limits (0 to 2^63 - 1); every random draw of a run follows from it."""
    _check_option(loaded, _Seed, "seed", seed, "--seed")
    return dataclasses.replace(loaded, spec=loaded.spec.model_copy(update={"seed": seed}))


class _Horizon(Spec):
    """A horizon given outside the file (`--horizon-days`), checked with the file's type."""

    horizon_days: HorizonDays


def with_horizon(loaded: Scenario, horizon_days: int) -> Scenario:
    """The same scenario over another horizon (`--horizon-days`), validated with the schema's
    limits: shocks that start after a shorter horizon simply do not happen."""
    origin = _check_option(loaded, _Horizon, "horizon_days", horizon_days, "--horizon-days")
    problem = span_problem(loaded.spec.start, horizon_days)
    if problem:
        raise ScenarioError(
            [
                Problem(
                    Where(origin, None, "horizon_days"),
                    f"--horizon-days {horizon_days}: {problem}",
                    f"at most {(DATE_MAX - loaded.spec.start).days} days from this start",
                )
            ]
        )
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
    file_flex = None
    if spec.network.base is not None:
        base_path = basefile.base_path(spec.network.base, doc, problems)
        if base_path is not None:
            base, base_doc = network_file(base_path)
            file_flex = base.contract_flex
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
    for i, project in enumerate(spec.projects):
        nodes.append((project.node, doc.where(("projects", i, "node"))))
        links += [
            (_with_flex(k, spec.network.contract_flex, file_flex), doc.where(("projects", i)))
            for k in project.links()
        ]
    problems += checks.check_unique_names([(n.name, where) for n, where in nodes])
    problems += checks.check_unique_names(
        [(p.name, doc.where(("projects", i, "name"))) for i, p in enumerate(spec.projects)],
        "project",
    )
    by_name = {n.name: (n, where) for n, where in reversed(nodes)}  # first definition wins
    for name, changes in spec.network.overrides.items():
        problems += apply_override(by_name, name, changes, doc)
    if problems:
        raise ScenarioError(problems)
    node_specs = {name: by_name[name][0] for name in by_name}
    located = {name: by_name[name][1] for name in by_name}
    links = expand_links(node_specs, links)
    block = spec.network
    links, found = edit_links(node_specs, links, block.link_overrides, block.remove_links, doc)
    problems += found
    problems += checks.check_links(node_specs, links)
    if problems:
        raise ScenarioError(problems)
    network = Network(node_specs, resolve_links(node_specs, [k for k, _ in links]))
    windows = tuple(s.window(spec.start, spec.horizon_days) for s in spec.shocks)
    problems += checks.check_network(network, located, [where for _, where in links])
    sound = not problems
    problems += checks.check_shocks(spec.shocks, windows, spec.horizon_days, network, doc)
    problems += checks.check_uncertainty(spec.uncertainty, network, doc)
    demand, capacity, found = time_paths.resolve(spec.paths, network, spec.start, doc.where)
    problems += found + checks.check_projects(spec.projects, network, doc)
    problems += pricing.check(spec.prices, network, doc)
    problems += embodied.check(spec.origin, network, doc)
    world = World(
        demand,
        capacity,
        announced.resolve(spec.projects, network, spec.start) if not found else (),
        spec.paths.replan_days,
    )
    loaded = Scenario(spec, network, path, digest, windows, world=world)
    if sound:  # every policy compiles against the network (if unsound, its problems recur)
        problems += check_policies(loaded, doc) + check_search(loaded, doc)
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


_NETWORK_CACHE: dict[tuple[str, str], tuple[NetworkFile, yamlio.Document]] = {}
"""Validated network files by (path, SHA-256 of the bytes): a network file is read once per
process however many scenarios, policies or stress cuts use it (editing it changes the key)."""


def network_file(path: Path) -> tuple[NetworkFile, yamlio.Document]:
    """A network file, validated, with its document (for locating problems)."""
    raw = yamlio.read_file(path)
    key = (str(path.resolve()), hashlib.sha256(raw).hexdigest())
    if key not in _NETWORK_CACHE:
        doc = yamlio.parse_bytes(raw, path)
        if len(_NETWORK_CACHE) >= 16:
            _NETWORK_CACHE.clear()
        _NETWORK_CACHE[key] = (_validate(NetworkFile, doc), doc)
    return _NETWORK_CACHE[key]


_ROOT_EXPECTED: dict[type[Any], str] = {
    ScenarioSpec: "a YAML mapping of fields with at least `name` and `network`",
    NetworkFile: "a YAML mapping with `name`, `nodes` and `links`",
}


def _validate(model: type[Any], doc: yamlio.Document) -> Any:
    if not isinstance(doc.data, dict):
        kind = {type(None): "nothing (it is empty)", list: "a list", str: "a single text value"}
        what = kind.get(type(doc.data), "a single value")
        raise ScenarioError(
            [
                Problem(
                    Where(doc.path, doc.lines.get(()), ""),
                    f"the file holds {what}, not a mapping of fields",
                    _ROOT_EXPECTED.get(model, "a YAML mapping of fields"),
                )
            ]
        )
    try:
        return model.model_validate(doc.data)
    except ValidationError as error:
        raise ScenarioError(from_validation_error(error, doc)) from None
