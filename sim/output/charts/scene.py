"""What the catalogue's drawing functions share about one results folder (`Scene`), the
subjects of per-subject charts, and one drawing function per catalogue row: it picks the frames
a chart needs from the folder and calls the chart function, or returns None when the folder
lacks them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd
from matplotlib.figure import Figure

from sim.output import focus as select
from sim.output.charts.coverage import coverage_sources
from sim.output.charts.markets import cover, cover_bands, supply_demand, supply_demand_bands
from sim.output.charts.network import flow_diagram
from sim.output.charts.optimise import frontier
from sim.output.charts.origin import origin_flows, origin_shares
from sim.output.charts.overview import fill_rate_overview, fill_rate_overview_bands
from sim.output.charts.paths import capacity_groups, capacity_paths, demand_paths, project_online
from sim.output.charts.policies import (
    cover_policies,
    policy_costs,
    policy_effects,
    supply_demand_policies,
)
from sim.output.charts.prices import price_paths
from sim.output.charts.risk import shortfall_distribution
from sim.output.charts.sensitivity import global_indices, tornado
from sim.output.charts.sourcing import sourcing_over_time, sourcing_totals
from sim.output.charts.stress import stress_exposure
from sim.output.folder import (
    BASELINE,
    Results,
    RunInfo,
    as_date,
    market_countries,
    market_table,
    node_labels,
    node_table,
    shock_windows,
)
from sim.output.labels import country_name, is_aggregate
from sim.output.origin import share_from

Subject = tuple[str, ...]
"""What a per-subject chart is about: (market,), (country, mineral), (country,), (mineral,)."""


@dataclass
class Scene:
    """What the drawing functions share about one results folder, each part worked out once."""

    results: Results

    @cached_property
    def info(self) -> RunInfo:
        """The footer facts (`Results.info`)."""
        return self.results.info

    @cached_property
    def windows(self) -> pd.DataFrame:
        """When each shock was in force (`folder.shock_windows`), shaded in time charts."""
        return shock_windows(self.results)

    @cached_property
    def place(self) -> dict[str, str]:
        """Market -> what titles write after its label: ' (in_ev)', its id (the label names
        the country); ' (Japan, ev)', its country and sector, for a folder whose network is
        not recorded (no label)."""
        table = market_table(self.results)
        return {
            str(m): f" ({m})"
            if str(m) in self.label
            else f" ({country_name(str(c))}" + (f", {s})" if str(s) else ")")
            for m, c, s in zip(table["market"], table["country"], table["sector"], strict=True)
        }

    @cached_property
    def label(self) -> dict[str, str]:
        """Node -> its label (`folder.node_labels`: declared, else made from id and country)."""
        return node_labels(self.results)

    @cached_property
    def unit(self) -> dict[str, str]:
        """Market -> its product unit ('vehicle', 't' ...)."""
        table = market_table(self.results)
        return {str(m): str(u) for m, u in zip(table["market"], table["unit"], strict=True)}

    @cached_property
    def baseline(self) -> Results:
        """The folder's results without a policy: a comparison's baseline, else all of it."""
        return self.results.for_policy(BASELINE) if self.results.policies else self.results

    @cached_property
    def end(self) -> pd.Timestamp | None:
        """The end of the horizon (the scenario's start + horizon days), when both are known."""
        start, horizon = as_date(self.results.scenario.get("start")), self.info.horizon_days
        return start + pd.Timedelta(days=horizon) if start is not None and horizon else None

    @cached_property
    def focus(self) -> list[str]:
        """The markets that get charts of their own (`focus.chart_markets`)."""
        return select.chart_markets(self.results)


# ---------------------------------------------------------------------------------------------
# Subjects of per-subject rows
# ---------------------------------------------------------------------------------------------


def markets(scene: Scene) -> list[Subject]:
    """The focus markets, worst first."""
    return [(m,) for m in scene.focus]


def sourcing_pairs(scene: Scene) -> list[Subject]:
    """(country, mineral) pairs for sourcing over time, if the folder has shipments.csv."""
    if scene.results.get("shipments") is None:
        return []
    return list(select.sourcing_pairs(scene.results, scene.focus))


def consumers(scene: Scene) -> list[Subject]:
    """Countries with a market, for sourcing totals, if the folder has flows.csv."""
    if scene.results.get("flows") is None:
        return []
    return [(c,) for c in select.consumers(scene.results)]


def priced_minerals(scene: Scene) -> list[Subject]:
    """Minerals with a price path, if the folder has prices.csv."""
    prices = _present(scene.results.get("prices"))
    return [] if prices is None else [(str(m),) for m in dict.fromkeys(prices["mineral"])]


def capacity_minerals(scene: Scene) -> list[Subject]:
    """Minerals whose nodes have capacity paths, if the folder has paths.csv."""
    paths = _present(scene.results.get("paths"))
    return [] if paths is None else [(m,) for m in capacity_groups(paths)]


def origin_countries(scene: Scene) -> list[Subject]:
    """Countries with a market (aggregates left out) whose origin the folder tracks."""
    origin = _present(scene.baseline.get("origin"))
    if origin is None:
        return []
    present = set(origin["country"])
    return [(c,) for c in select.consumers(scene.results) if c in present and not is_aggregate(c)]


def coverage_countries(scene: Scene) -> list[Subject]:
    """Countries a shock aimed at, if the folder (the baseline's) has coverage.csv."""
    coverage = _present(scene.baseline.get("coverage"))
    return [] if coverage is None else [(str(c),) for c in dict.fromkeys(coverage["country"])]


def network_minerals(scene: Scene) -> list[Subject]:
    """Minerals for flow diagrams, if the folder has flows.csv and a resolved network."""
    flows = scene.results.get("flows")
    if flows is None or node_table(scene.results) is None:
        return []
    return [(m,) for m in select.network_minerals(scene.results, flows)]


# ---------------------------------------------------------------------------------------------
# Drawing functions: the chart of a row from the folder, or None if it lacks the frames
# ---------------------------------------------------------------------------------------------


def _present(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The frame if it has rows, else None."""
    return frame if frame is not None and not frame.empty else None


def draw_tornado(scene: Scene, _: Subject) -> Figure | None:
    table = _present(scene.results.get("sensitivity"))
    if table is None:
        return None
    market = str(table["market"].iloc[0])
    measured = str(table["unit"].iloc[0]) if "unit" in table else "units"
    return tornado(table, scene.info, unit=scene.unit.get(market, measured))


def draw_global_sensitivity(scene: Scene, _: Subject) -> Figure | None:
    table = _present(scene.results.get("sensitivity_indices"))
    if table is None:
        return None
    market = str(table["market"].iloc[0])
    unit = scene.unit.get(market, str(table["unit"].iloc[0]))
    return global_indices(table, scene.info, unit=unit)


def draw_frontier(scene: Scene, _: Subject) -> Figure | None:
    trials = _present(scene.results.get("trials"))
    if trials is None:
        return None
    prov = scene.results.provenance
    budget, risk = float(prov.get("budget_usd", float("nan"))), str(prov.get("risk", ""))
    policies = scene.results.get("optimise_policies")
    return frontier(trials, policies, scene.info, budget_usd=budget, risk=risk)


def draw_stress(scene: Scene, _: Subject) -> Figure | None:
    table = _present(scene.results.get("stress"))
    return None if table is None else stress_exposure(table, scene.info)


def draw_overview_run(scene: Scene, _: Subject) -> Figure | None:
    ts = scene.results.get("timeseries")
    if ts is None:
        return None
    return fill_rate_overview(ts, scene.info, windows=scene.windows, names=scene.label)


def draw_overview_ensemble(scene: Scene, _: Subject) -> Figure | None:
    bands = _present(scene.results.get("bands"))
    if bands is None:
        return None
    countries = market_countries(scene.results)
    return fill_rate_overview_bands(
        bands, scene.info, windows=scene.windows, countries=countries, names=scene.label
    )


def draw_overview_baseline(scene: Scene, _: Subject) -> Figure | None:
    bands = _present(scene.results.for_policy(BASELINE).get("bands"))
    if bands is None:
        return None
    return fill_rate_overview_bands(
        bands,
        scene.info,
        windows=scene.windows,
        countries=market_countries(scene.results),
        policy=BASELINE,
        names=scene.label,
    )


def draw_policy_costs(scene: Scene, _: Subject) -> Figure | None:
    ranking = _present(scene.results.get("ranking"))
    if ranking is None:
        return None
    return policy_costs(ranking, scene.info, policies=scene.results.policies)


def draw_policy_effects(scene: Scene, _: Subject) -> Figure | None:
    table = _present(scene.results.get("comparison"))
    if table is None or not scene.focus:
        return None
    return policy_effects(
        table,
        scene.info,
        markets=scene.focus,
        units=scene.unit,
        policies=scene.results.policies,
        market_names=scene.label,
    )


def draw_supply_demand_run(scene: Scene, subject: Subject) -> Figure | None:
    ts, (market,) = scene.results.get("timeseries"), subject
    if ts is None:
        return None
    return supply_demand(
        ts,
        market,
        scene.info,
        unit=scene.unit.get(market, "units"),
        windows=scene.windows,
        place=scene.place.get(market, ""),
        name=scene.label.get(market, market),
    )


def draw_cover_run(scene: Scene, subject: Subject) -> Figure | None:
    ts, (market,) = scene.results.get("timeseries"), subject
    if ts is None:
        return None
    return cover(
        ts,
        market,
        scene.info,
        windows=scene.windows,
        place=scene.place.get(market, ""),
        name=scene.label.get(market, market),
    )


def draw_supply_demand_ensemble(scene: Scene, subject: Subject) -> Figure | None:
    bands, (market,) = _present(scene.results.get("bands")), subject
    if bands is None:
        return None
    return supply_demand_bands(
        bands,
        market,
        scene.info,
        unit=scene.unit.get(market, "units"),
        windows=scene.windows,
        place=scene.place.get(market, ""),
        name=scene.label.get(market, market),
    )


def draw_cover_ensemble(scene: Scene, subject: Subject) -> Figure | None:
    bands, (market,) = _present(scene.results.get("bands")), subject
    if bands is None:
        return None
    place, name = scene.place.get(market, ""), scene.label.get(market, market)
    return cover_bands(bands, market, scene.info, windows=scene.windows, place=place, name=name)


def draw_supply_demand_policies(scene: Scene, subject: Subject) -> Figure | None:
    bands, (market,) = _present(scene.results.get("bands")), subject
    if bands is None:
        return None
    return supply_demand_policies(
        bands,
        market,
        scene.info,
        unit=scene.unit.get(market, "units"),
        windows=scene.windows,
        place=scene.place.get(market, ""),
        name=scene.label.get(market, market),
        policies=scene.results.policies,
    )


def draw_cover_policies(scene: Scene, subject: Subject) -> Figure | None:
    bands, (market,) = _present(scene.results.get("bands")), subject
    if bands is None:
        return None
    return cover_policies(
        bands,
        market,
        scene.info,
        windows=scene.windows,
        place=scene.place.get(market, ""),
        name=scene.label.get(market, market),
        policies=scene.results.policies,
    )


def _shortfalls(metrics: pd.DataFrame) -> pd.DataFrame:
    """The rows of replications (and policies) in which a market fell short."""
    return metrics[(metrics["metric"] == "shortfall_units") & (metrics["value"] > 0)]


def draw_distribution_ensemble(scene: Scene, _: Subject) -> Figure | None:
    metrics = scene.results.get("metrics")
    if metrics is None or _shortfalls(metrics).empty:
        return None
    return shortfall_distribution(metrics, scene.info, market_names=scene.label)


def draw_distribution_policies(scene: Scene, _: Subject) -> Figure | None:
    metrics = scene.results.get("metrics")
    if metrics is None or scene.info.replications <= 1 or not scene.focus:
        return None
    short = _shortfalls(metrics)
    short = short[short["market"].isin(scene.focus)]
    if short.empty:
        return None
    markets = [str(m) for m in dict.fromkeys(short["market"])]
    return shortfall_distribution(
        metrics,
        scene.info,
        markets=markets,
        policies=scene.results.policies,
        market_names=scene.label,
    )


def draw_sourcing(scene: Scene, subject: Subject) -> Figure | None:
    shipments, (country, mineral) = scene.results.get("shipments"), subject
    if shipments is None:
        return None
    try:
        return sourcing_over_time(shipments, country, mineral, scene.info)
    except ValueError:  # nothing of that mineral shipped into the country
        return None


def draw_sourcing_totals(scene: Scene, subject: Subject) -> Figure | None:
    flows, (country,) = scene.results.get("flows"), subject
    return None if flows is None else sourcing_totals(flows, country, scene.info)


def draw_network(scene: Scene, subject: Subject) -> Figure | None:
    flows, nodes, (mineral,) = scene.results.get("flows"), node_table(scene.results), subject
    if flows is None or nodes is None:
        return None
    return flow_diagram(flows, nodes, mineral, scene.info)


def base_prices(scene: Scene, mineral: str) -> dict[str, float]:
    """The base price of `mineral` per side of its market, USD/t, from the scenario as run."""
    for entry in (scene.results.scenario.get("prices") or {}).get("commodities") or []:
        if entry.get("mineral") == mineral:
            split = entry.get("split_by")
            sides = [split, f"outside {split}"] if split else ["world"]
            return dict.fromkeys(sides, float(entry["base_usd_per_t"]))
    return {}


def draw_prices(scene: Scene, subject: Subject) -> Figure | None:
    prices, (mineral,) = _present(scene.results.get("prices")), subject
    if prices is None:
        return None
    return price_paths(
        prices,
        mineral,
        scene.info,
        base=base_prices(scene, mineral),
        windows=scene.windows,
        policies=scene.results.policies or None,
    )


def draw_origin_shares(scene: Scene, subject: Subject) -> Figure | None:
    origin, (country,) = _present(scene.baseline.get("origin")), subject
    if origin is None:
        return None
    return origin_shares(
        origin,
        country,
        share_from(scene.results),
        scene.info,
        end=scene.end,
        windows=scene.windows,
        baseline=bool(scene.results.policies),
    )


def draw_origin_flows(scene: Scene, subject: Subject) -> Figure | None:
    origin, (country,) = _present(scene.baseline.get("origin")), subject
    if origin is None:
        return None
    return origin_flows(
        origin,
        country,
        scene.info,
        first=share_from(scene.results),
        baseline=bool(scene.results.policies),
    )


def draw_coverage(scene: Scene, subject: Subject) -> Figure | None:
    coverage = _present(scene.baseline.get("coverage"))
    return None if coverage is None else coverage_sources(coverage, subject[0], scene.info)


def draw_demand_paths(scene: Scene, _: Subject) -> Figure | None:
    paths = _present(scene.results.get("paths"))
    if paths is None or not (paths["path"] == "demand").any():
        return None
    return demand_paths(paths, scene.info)


def draw_capacity_paths(scene: Scene, subject: Subject) -> Figure | None:
    paths, (mineral,) = _present(scene.results.get("paths")), subject
    return None if paths is None else capacity_paths(paths, mineral, scene.info)


def draw_projects(scene: Scene, _: Subject) -> Figure | None:
    projects = _present(scene.results.get("projects"))
    if projects is None:
        return None
    return project_online(
        projects, scene.info, end=scene.end, policies=scene.results.policies or None
    )
