"""The stress test of every node (Simchi-Levi et al., Interfaces 45(5), 2015): cut each node,
each producing country per mineral and each chokepoint in turn for its time to recover, and
rank them by the demand lost.

For every target the scenario runs once without its own shocks plus one disruption: the
target's capacity is lost entirely (a node, or every producer of a mineral in a country) or its
route is closed (a chokepoint, shipments wait), from `start_day` for the target's time to
recover (TTR, a default per kind, overridable). Measured per target:

- time to survive (TTS): days from the cut until the first market falls below the fill-rate
  threshold (infinite if none does);
- lost demand: the share of each market's demand over the horizon that is not delivered,
  summed over markets (a market losing all its demand for the whole horizon counts 1);
- risk exposure index (REI) = lost demand / the largest lost demand of any target, in [0, 1];
- exposed: TTS < TTR, the target fails faster than it can be mended.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sim.analysis import progress as progress_bar
from sim.analysis.frames import run_metrics
from sim.engine import simulate as engine
from sim.scenario.loader import Scenario
from sim.scenario.network import StockpileSpec, outputs
from sim.scenario.selector import Selector
from sim.shocks.base import ShockSpec
from sim.shocks.capacity_loss import CapacityLoss
from sim.shocks.route_closure import RouteClosure
from sim.vocabulary import DEMAND_UNITS, SHORTFALL_UNITS, TTR_DAYS, TTS_DAYS

DEFAULT_TTR_DAYS = {
    "mine": 180.0,
    "refinery": 120.0,
    "plant": 90.0,
    "recycler": 60.0,
    "country": 180.0,
    "chokepoint": 60.0,
}
"""Days to recover after a total loss, per kind of target. ASSUMPTIONS for ranking (no source
in the reference gives recovery times per node): restarting a flooded or shut mine takes about
half a year, rebuilding refining or component capacity a quarter or more, a closed strait is
reopened or bypassed fastest. Override with `--ttr KIND=DAYS`."""


def ttr_overrides(items: list[str]) -> dict[str, float]:
    """Times to recover given as `KIND=DAYS` texts (`--ttr mine=180`), as {kind: days}.

    Raises ValueError naming the first malformed item and the kinds there are."""
    overrides: dict[str, float] = {}
    for item in items:
        kind, _, days = item.partition("=")
        try:
            value = float(days)
        except ValueError:
            value = -1.0
        if kind not in DEFAULT_TTR_DAYS or not 0 <= value <= 36_500:
            raise ValueError(
                f"{item}: expected KIND=DAYS with 0 <= DAYS <= 36500 and KIND one of "
                f"{', '.join(DEFAULT_TTR_DAYS)}"
            )
        overrides[kind] = value
    return overrides


@dataclasses.dataclass(frozen=True)
class Target:
    """One thing to cut."""

    kind: str
    """mine, refinery, plant, recycler, country (all producers of a mineral) or chokepoint."""
    name: str
    mineral: str
    ttr_days: float
    shock: ShockSpec


def targets(
    scenario: Scenario, start_day: float, ttr_days: dict[str, float] | None = None
) -> list[Target]:
    """Every node with a capacity, every producing country per mineral, every chokepoint."""
    ttr = {**DEFAULT_TTR_DAYS, **(ttr_days or {})}
    net = scenario.network
    found = []

    def loss(select: Selector, days: float) -> ShockSpec:
        return CapacityLoss(
            type="capacity_loss",
            select=select,
            fraction=1.0,
            start=int(start_day),
            duration_days=days,
        )

    for node in net.nodes.values():
        if node.kind in ("mine", "refinery", "plant", "recycler"):
            mineral = getattr(node, "mineral", None) or "+".join(
                getattr(node, "recipe", None) or dict.fromkeys(m for m, _ in outputs(node))
            )
            found.append(
                Target(
                    node.kind,
                    node.name,
                    mineral,
                    ttr[node.kind],
                    loss(Selector(nodes=(node.name,)), ttr[node.kind]),
                )
            )
    producing = sorted(  # co-product nodes: one target per mineral they make
        {
            (n.country, mineral)
            for n in net.nodes.values()
            if n.kind in ("mine", "refinery") and not isinstance(n, StockpileSpec)
            for mineral, _ in outputs(n)
        }
    )
    for country, mineral in producing:
        select = Selector(countries=(country,), minerals=(mineral,), kinds=("mine", "refinery"))
        found.append(
            Target(
                "country",
                f"{country} {mineral}",
                mineral,
                ttr["country"],
                loss(select, ttr["country"]),
            )
        )
    for chokepoint in sorted({c for link in net.links for c in link.chokepoints}):
        found.append(
            Target(
                "chokepoint",
                chokepoint,
                "",
                ttr["chokepoint"],
                RouteClosure(
                    type="route_closure",
                    chokepoint=chokepoint,
                    mode="wait",
                    start=int(start_day),
                    duration_days=ttr["chokepoint"],
                ),
            )
        )
    return found


def run(
    scenario: Scenario,
    start_day: float = 7.0,
    ttr_days: dict[str, float] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run every target's disruption and rank them (most exposure first); `progress` shows a
    bar over the targets (`sim.analysis.progress`)."""
    quiet = dataclasses.replace(
        scenario, spec=scenario.spec.model_copy(update={"shocks": []}), windows=()
    )
    rows = []
    found = targets(quiet, start_day, ttr_days)
    bar = progress_bar.bar(len(found), "stress test", "target", progress)
    for target in found:
        case = dataclasses.replace(
            quiet, spec=quiet.spec.model_copy(update={"shocks": [target.shock]}), windows=(None,)
        )
        result = engine.run(case)
        table = run_metrics(result).tidy()
        demand = _by_market(table, DEMAND_UNITS)
        short = _by_market(table, SHORTFALL_UNITS)
        lost = np.divide(short, demand, out=np.zeros_like(short), where=demand > 0)
        tts = table.loc[table["metric"] == TTS_DAYS, "value"].to_numpy(dtype=float)
        worst = lost.idxmax() if len(lost) and lost.max() > 0 else ""
        rows.append(
            {
                "target": target.name,
                "kind": target.kind,
                "mineral": target.mineral,
                TTR_DAYS: target.ttr_days,
                TTS_DAYS: float(tts.min()) if tts.size else np.inf,
                "lost_demand": float(lost.sum()),
                "hardest_hit_market": worst,
                "hardest_hit_lost_share": float(lost.max()) if len(lost) else 0.0,
            }
        )
        bar.update()
    bar.close()
    frame = pd.DataFrame(rows)
    largest = frame["lost_demand"].max() if len(frame) else 0.0
    frame["risk_exposure_index"] = frame["lost_demand"] / largest if largest > 0 else 0.0
    frame["exposed"] = frame[TTS_DAYS] < frame[TTR_DAYS]
    frame = frame.sort_values(
        ["risk_exposure_index", TTS_DAYS], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def _by_market(table: pd.DataFrame, metric: str) -> pd.Series:
    rows = table[(table["metric"] == metric) & (table["market"] != "")]
    return rows.groupby("market", observed=True)["value"].sum()
