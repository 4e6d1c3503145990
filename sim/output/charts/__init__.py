"""Charts for reports: pure functions from result frames to matplotlib Figures.

Each chart function takes frames as `sim.output.writers` writes them to `results/<name>/` (read
back with `sim.output.folder.load`) and a `RunInfo` for the footer, and returns a
`matplotlib.figure.Figure` built with the object-oriented API: no pyplot state, no screen, no
file writes, nothing computed beyond light reshaping (selecting, pivoting, shares of a total).
Charts are for reports (DESIGN.md s. 7): a title that says what is shown, units on every value
axis, a footer with the scenario, seed and replications, and one colour *and* hatch or line style
per country, mineral and series, so that a chart stays readable when printed in grey.

One module per topic: `style` (palettes, figure furniture), `markets`, `overview`, `sourcing`,
`network`, `risk`, `policies`, `stress`, `sensitivity`, `prices` (price paths), `paths` (demand
and capacity paths, project online dates), `origin` (embodied origin: shares over time, flows
by origin from mine to market); `catalogue` lists every chart and draws
those a results folder allows (`draw_all`); `saving` writes PNG (200 dpi) and SVG atomically
(`charts_for(folder)` does both into `folder/charts/`).

This is the only package of the project that imports matplotlib.
"""

from sim.output.charts.catalogue import CATALOGUE as CATALOGUE
from sim.output.charts.catalogue import Chart as Chart
from sim.output.charts.catalogue import Entry as Entry
from sim.output.charts.catalogue import charts_for as charts_for
from sim.output.charts.catalogue import draw_all as draw_all
from sim.output.charts.markets import cover as cover
from sim.output.charts.markets import cover_bands as cover_bands
from sim.output.charts.markets import per_review_scale as per_review_scale
from sim.output.charts.markets import supply_demand as supply_demand
from sim.output.charts.markets import supply_demand_bands as supply_demand_bands
from sim.output.charts.network import flow_diagram as flow_diagram
from sim.output.charts.origin import origin_flows as origin_flows
from sim.output.charts.origin import origin_shares as origin_shares
from sim.output.charts.overview import fill_rate_overview as fill_rate_overview
from sim.output.charts.overview import fill_rate_overview_bands as fill_rate_overview_bands
from sim.output.charts.paths import capacity_paths as capacity_paths
from sim.output.charts.paths import demand_paths as demand_paths
from sim.output.charts.paths import project_online as project_online
from sim.output.charts.pick import draw as draw
from sim.output.charts.pick import names as names
from sim.output.charts.policies import cover_policies as cover_policies
from sim.output.charts.policies import policy_costs as policy_costs
from sim.output.charts.policies import policy_effects as policy_effects
from sim.output.charts.policies import supply_demand_policies as supply_demand_policies
from sim.output.charts.prices import price_paths as price_paths
from sim.output.charts.risk import shortfall_distribution as shortfall_distribution
from sim.output.charts.saving import DPI as DPI
from sim.output.charts.saving import render as render
from sim.output.charts.saving import save as save
from sim.output.charts.saving import save_all as save_all
from sim.output.charts.sensitivity import tornado as tornado
from sim.output.charts.sourcing import hhi as hhi
from sim.output.charts.sourcing import import_stage as import_stage
from sim.output.charts.sourcing import sourcing_over_time as sourcing_over_time
from sim.output.charts.sourcing import sourcing_totals as sourcing_totals
from sim.output.charts.stress import stress_exposure as stress_exposure
from sim.output.charts.style import COUNTRY_COLOURS as COUNTRY_COLOURS
from sim.output.charts.style import COUNTRY_HATCHES as COUNTRY_HATCHES
from sim.output.charts.style import MINERAL_STYLES as MINERAL_STYLES
from sim.output.charts.style import POLICY_STYLES as POLICY_STYLES
from sim.output.charts.style import country_colour as country_colour
from sim.output.charts.style import country_hatch as country_hatch
from sim.output.charts.style import mineral_style as mineral_style
from sim.output.charts.style import policy_styles as policy_styles
from sim.output.charts.style import tick as tick
from sim.output.folder import BASELINE as BASELINE
from sim.output.folder import RunInfo as RunInfo
from sim.output.labels import country_name as country_name
from sim.output.labels import is_aggregate as is_aggregate
from sim.output.labels import mineral_label as mineral_label
from sim.output.labels import unit_label as unit_label
