"""Which charts a results folder gets: the catalogue of every chart, drawn by `draw_all`.

`CATALOGUE` has one row per chart and kind of results (`Results.kind`: single run, ensemble,
policy comparison, stress test, sensitivity): the file name, the function that draws it from
the folder, the report group it belongs to and the caption the report prints under it. A row
with `each` is drawn once per subject (a market, a (country, mineral) pair, a country, a
mineral); consecutive rows with the same `each` are drawn subject by subject, so a market's
charts stay together (supply_demand_a, cover_a, supply_demand_b, cover_b). A drawing function
returns None when the folder lacks what the chart needs; the chart is then left out.

`charts_for(folder)` draws the charts of a folder and saves them under `folder/charts/`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from sim.output.charts import scene
from sim.output.charts.saving import save_all
from sim.output.charts.scene import Scene, Subject
from sim.output.folder import Kind, Results, load


@dataclass
class Chart:
    """A drawn chart: its file name (without suffix), title, how to read it, and the figure."""

    name: str
    title: str
    caption: str
    figure: Figure
    group: str = "markets"


Draw = Callable[[Scene, Subject], Figure | None]
"""A catalogue row's drawing function: the chart about a subject, or None."""


@dataclass(frozen=True)
class Entry:
    """One row of the catalogue: `name` is the file name, with a '{}' per part of the subject."""

    name: str
    kinds: tuple[Kind, ...]
    group: str
    caption: str
    draw: Draw
    each: Callable[[Scene], list[Subject]] | None = None


def draw_all(results: Results) -> list[Chart]:
    """Every chart that the frames of `results` allow, in reading order."""
    context = Scene(results)
    rows = [e for e in CATALOGUE if results.kind in e.kinds]
    charts: list[Chart] = []
    for each, run in itertools.groupby(rows, key=lambda e: e.each):
        entries = list(run)
        for subject in [()] if each is None else each(context):
            for entry in entries:
                fig = entry.draw(context, subject)
                if fig is not None:
                    name = entry.name.format(*subject)
                    charts.append(Chart(name, _title(fig), entry.caption, fig, entry.group))
    return charts


def charts_for(folder: Path | str) -> list[Path]:
    """Draw every chart that applies to a results folder, save them as PNG and SVG under
    `folder/charts/` and return the paths written."""
    folder = Path(folder)
    return save_all(draw_all(load(folder)), folder / "charts")


def _title(fig: Figure) -> str:
    text = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------------------------
# The catalogue, in reading order
# ---------------------------------------------------------------------------------------------

CATALOGUE: tuple[Entry, ...] = (
    Entry(
        "tornado",
        ("sensitivity",),
        "sensitivity",
        "Each input is fixed in turn at its 5th and 95th percentile while the others keep their "
        "distributions; same replications for every bar.",
        scene.draw_tornado,
    ),
    Entry(
        "global_sensitivity",
        ("sensitivity",),
        "global_sensitivity",
        "Sobol: share of the output's variance due to each input alone (S1) and with its "
        "interactions (ST); Morris: mean absolute elementary effect (mu*). Whiskers: SALib's "
        "95% bootstrap intervals; same replications at every sample point.",
        scene.draw_global_sensitivity,
    ),
    Entry(
        "frontier",
        ("optimise",),
        "optimise",
        "Each grey point is a searched portfolio (mean cost and risk over the same "
        "replications); the line joins those no other portfolio beats on both; squares are the "
        "scenario's own policies on the same draws.",
        scene.draw_frontier,
    ),
    Entry(
        "stress_exposure",
        ("stress",),
        "stress",
        "Marker size: risk exposure index (demand lost / the largest demand lost by any "
        "target). Numbers: rank by exposure.",
        scene.draw_stress,
    ),
    Entry(
        "fill_rate_overview",
        ("single",),
        "overview",
        "Each row is a market, each column a review; dark cells are reviews in which part of "
        "demand went unmet.",
        scene.draw_overview_run,
    ),
    Entry(
        "fill_rate_overview",
        ("ensemble",),
        "overview",
        "Each row is a market, each column a time bucket; dark cells are buckets in which, on "
        "average over replications, part of demand went unmet.",
        scene.draw_overview_ensemble,
    ),
    Entry(
        "fill_rate_overview",
        ("comparison",),
        "overview",
        "The baseline (no policy): each row is a market, each column a time bucket; dark cells "
        "are buckets in which, on average over replications, part of demand went unmet.",
        scene.draw_overview_baseline,
    ),
    Entry(
        "policy_costs",
        ("comparison",),
        "policies",
        "Each point is a policy: right is more shortfall avoided, down is cheaper (costs from "
        "the scenario's lever assumptions); the legend gives the cost per tonne avoided and the "
        "rank.",
        scene.draw_policy_costs,
    ),
    Entry(
        "policy_effects",
        ("comparison",),
        "policies",
        "Each point is a policy's mean change in cumulative shortfall against the baseline on "
        "the same replications (common random numbers); bars: 95% confidence intervals; left "
        "of zero is better.",
        scene.draw_policy_effects,
    ),
    Entry(
        "supply_demand_{}",
        ("single",),
        "markets",
        "Top: demand (dashed) and deliveries (solid) per review; bottom: what went unmet. "
        "Shaded spans: shocks in force.",
        scene.draw_supply_demand_run,
        scene.markets,
    ),
    Entry(
        "cover_{}",
        ("single",),
        "markets",
        "Days of cover per mineral the market uses: how long stock on hand and what arrives "
        "in time meet its expected daily use (in transit counts from its arrival, so a "
        "market short at the next review has under one review). Bars: stockpile releases, if any.",
        scene.draw_cover_run,
        scene.markets,
    ),
    Entry(
        "supply_demand_{}",
        ("ensemble",),
        "markets",
        "Lines: the median across replications; shaded: from the 5th to the 95th percentile. "
        "Hatched grey spans: shocks with fixed dates.",
        scene.draw_supply_demand_ensemble,
        scene.markets,
    ),
    Entry(
        "cover_{}",
        ("ensemble",),
        "markets",
        "The lowest days of cover over the market's minerals in each time bucket: median and "
        "P5-P95 across replications.",
        scene.draw_cover_ensemble,
        scene.markets,
    ),
    Entry(
        "supply_demand_{}",
        ("comparison",),
        "markets",
        "Deliveries and shortfall per review under the baseline (black, solid) and each policy "
        "(one colour and dash pattern each); grey dashed: demand.",
        scene.draw_supply_demand_policies,
        scene.markets,
    ),
    Entry(
        "cover_{}",
        ("comparison",),
        "markets",
        "The lowest days of cover over the market's minerals in each time bucket, under the "
        "baseline and each policy.",
        scene.draw_cover_policies,
        scene.markets,
    ),
    Entry(
        "shortfall_distribution",
        ("ensemble",),
        "risk",
        "One row per market that fell short in any replication: box from the 25th to the 75th "
        "percentile, whiskers P5-P95, triangle the mean, dots single replications.",
        scene.draw_distribution_ensemble,
    ),
    Entry(
        "shortfall_distribution",
        ("comparison",),
        "risk",
        "One box per policy for each market that fell short: from the 25th to the 75th "
        "percentile, whiskers P5-P95, triangle the mean, dots single replications.",
        scene.draw_distribution_policies,
    ),
    Entry(
        "prices_{}",
        ("single", "ensemble", "comparison"),
        "prices",
        "Price per t of contained mineral at each review, one panel per side of its market "
        "(inside and outside a controlling country, or one world price). Ensembles: median "
        "(black) and P5-P95 band (hatched) across replications; comparisons add each "
        "policy's median. Dashed: the base price. Shaded spans: shocks in force.",
        scene.draw_prices,
        scene.priced_minerals,
    ),
    Entry(
        "demand_paths",
        ("single", "ensemble", "comparison"),
        "paths",
        "Each market's demand as a multiple of its level at the start (1 = the network's "
        "demand), read at 1 January of each year and linear in between; one panel per "
        "country. Sources: the 'Paths and projects' table.",
        scene.draw_demand_paths,
    ),
    Entry(
        "capacity_paths_{}",
        ("single", "ensemble", "comparison"),
        "paths",
        "Capacity of the nodes making the mineral, as a multiple of their capacity at the "
        "start, one panel per kind of node; colour: the node's country. Projects are not in "
        "these lines: see the project chart.",
        scene.draw_capacity_paths,
        scene.capacity_minerals,
    ),
    Entry(
        "projects",
        ("single", "ensemble", "comparison"),
        "paths",
        "Each announced project: open diamond, its planned start; dot and whisker, the median "
        "and P5-P95 of its first-production date among the replications that built it; at the "
        "right, the share of replications that built it. Policy rows: projects a policy "
        "changes.",
        scene.draw_projects,
    ),
    Entry(
        "sourcing_{}_{}",
        ("single", "comparison"),
        "sourcing",
        "Stacked: each origin's share of the tonnes shipped into the country per review; dashed "
        "line: the HHI of those shares (1 = a single supplier).",
        scene.draw_sourcing,
        scene.sourcing_pairs,
    ),
    Entry(
        "sourcing_totals_{}",
        ("single", "comparison"),
        "sourcing",
        "Each bar is a mineral and stage bought by the country's nodes, split by country of "
        "origin; HHI and tonnes at the right.",
        scene.draw_sourcing_totals,
        scene.consumers,
    ),
    Entry(
        "origin_shares_{}",
        ("single", "ensemble", "comparison"),
        "origin",
        "Embodied origin: of the material the country's markets put in use in each time bucket, "
        "the share mined (solid, circles), refined (dashed, squares) and made into a component "
        "(dotted, triangles) in the country in the title (the scenario's metrics.share_from, "
        "China by default), one panel per mineral, mass-weighted over its markets. Ensembles: "
        "the line is the mean over replications and the band runs from the lowest P5 to the "
        "highest P95 among the markets; comparisons: the baseline. Shaded "
        "spans: shocks in force. Well mixed per node: a shock changes the mix only as stocks "
        "turn over.",
        scene.draw_origin_shares,
        scene.origin_countries,
    ),
    Entry(
        "origin_flows_{}",
        ("single", "ensemble", "comparison"),
        "origin",
        "Flows by origin from mine to market: each mineral the country's markets use has three "
        "bars, the countries where its material was mined, refined and made, as shares of what "
        "those markets put in use over the whole run (mass-weighted); the countries with the "
        "largest shares are named, the rest are 'other countries'. At the right: tonnes put in "
        "use.",
        scene.draw_origin_flows,
        scene.origin_countries,
    ),
    Entry(
        "coverage_{}",
        ("single", "ensemble", "comparison"),
        "coverage",
        "What covered the country's markets during each shock aimed at it (coverage.csv): t of "
        "contained mineral they put in use, stacked by source; imports and what was in "
        "transit at the shock's start (dotted) in the supplier country's colour; left of "
        "zero, what left the country, was lost in processing or was stocked up. Top bar: the "
        "same length of time just before the shock. Ensembles and comparisons: one run at the "
        "scenario's seed (the baseline).",
        scene.draw_coverage,
        scene.coverage_countries,
    ),
    Entry(
        "network_{}",
        ("single", "comparison"),
        "network",
        "Columns from left to right: mines, refineries and recyclers, plants, markets. Link "
        "width is proportional to tonnes shipped over the horizon; colour is the supplier's "
        "country.",
        scene.draw_network,
        scene.network_minerals,
    ),
)
"""Every chart, with the kinds of results it applies to, its report group and caption."""
