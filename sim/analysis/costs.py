"""What a run's policy costs (DESIGN.md s. 6 "Policy cost"): the sum of its levers' costs, each
charged on the baseline network, the variant and the paired baseline run explicitly
(`sim.levers.base.CostInputs`).

USD per replication, present values at the scenario start at the scenario's discount rate
(`sim.scenario.costs`), positive for money spent; 0 for the baseline. A premium is charged only
on the volume a lever moved: above what the same links shipped in the paired baseline run
(same seed and replication, common random numbers), which `PairedShipments` carries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from sim.engine.simulate import RunResult
from sim.levers import BaseLever, CostInputs
from sim.scenario.loader import Scenario
from sim.scenario.network import StockpileSpec
from sim.vocabulary import STOCK_T


@dataclasses.dataclass(frozen=True, eq=False)
class PairedShipments:
    """t shipped over the horizon on some links of the baseline network in the baseline runs
    of replications `reps`: what levers' premiums are charged against."""

    links: tuple[int, ...]
    """Baseline link indices, in the order of the rows of `shipped_t`."""
    shipped_t: np.ndarray
    """Shape (links, replications)."""
    reps: range
    """The replications of the columns (consecutive)."""

    def for_reps(self, reps: range) -> dict[int, np.ndarray]:
        """Per link, t shipped in replications `reps` (a part of `self.reps`), shape (R,)."""
        if len(reps) and (reps.start < self.reps.start or reps[-1] > self.reps[-1]):
            raise ValueError(
                f"the paired baseline covers replications {self.reps.start} to "
                f"{self.reps.stop - 1}, not {reps.start} to {reps.stop - 1}"
            )
        columns = np.asarray(reps, dtype=np.intp) - self.reps.start
        return {link: self.shipped_t[row, columns] for row, link in enumerate(self.links)}


def paired_shipments(result: RunResult, links: Sequence[int] | None = None) -> PairedShipments:
    """The shipments of a baseline run on `links` (default: every link), to charge the costs of
    a policy run on the same replications against."""
    if result.scenario.policy is not None:
        raise ValueError("paired shipments come from a run of the baseline, not of a policy")
    chosen = tuple(range(len(result.scenario.network.links))) if links is None else tuple(links)
    totals = result.recorder.shipped_totals()
    return PairedShipments(chosen, totals[list(chosen)], result.reps)


def priced_links(scenario: Scenario) -> tuple[int, ...]:
    """The baseline links any lever of the scenario's policies charges a premium against."""
    found = {
        i
        for policy in scenario.spec.policies
        for lever in policy.levers
        for i in lever.priced_links(scenario.network)
    }
    return tuple(sorted(found))


def cost_gaps(levers: Sequence[BaseLever]) -> list[str]:
    """'lever type: field' for every cost field the policy's levers leave undeclared."""
    return [f"{lever.type_name()}: {field}" for lever in levers for field in lever.cost_gaps()]


def cost_inputs(
    result: RunResult, paired: Mapping[int, np.ndarray] | None = None, number: int = 0
) -> CostInputs:
    """What lever `number` of the run's policy is charged on: the baseline and variant networks,
    t shipped per link, the mean stock of each stockpile over the horizon, the paired
    baseline run's shipments per baseline link (`paired`), the run's simulated prices relative
    to their base and the scenario's `costs:`."""
    scenario, rec = result.scenario, result.recorder
    if scenario.baseline_network is None:
        raise ValueError(
            "the run's scenario has no baseline network: policy variants come from "
            "sim.levers.apply(scenario, policy)"
        )
    variant, spec = scenario.network, scenario.spec
    stocks: dict[tuple[str, str, str], np.ndarray] = {
        (node.name, node.mineral, node.stage): rec.horizon_sum(
            (node.name, node.mineral, node.stage, STOCK_T)
        )
        / result.n_periods
        for node in variant.nodes.values()
        if isinstance(node, StockpileSpec)
    }
    book, multiples = result.prices, {}
    if book is not None:
        multiples = {
            label: book.history[:, i, :].astype(float) / float(book.base[i, 0])
            for i, label in enumerate(book.labels)
        }
    return CostInputs(
        baseline=scenario.baseline_network,
        variant=variant,
        number=number,
        reps=len(result.reps),
        start=spec.start,
        horizon_days=float(spec.horizon_days),
        step_days=spec.step_days,
        costs=spec.costs,
        shipped_t=rec.shipped_totals(),
        mean_stock_t=stocks,
        paired_shipped_t=dict(paired or {}),
        price_multiple=multiples,
        priced={c.mineral: c for c in spec.prices.commodities},
    )


def policy_cost_usd(result: RunResult, paired: PairedShipments | None = None) -> np.ndarray:
    """The run's policy cost per replication, USD at the scenario start: the sum of its levers'
    costs (capital charges, programme costs, reserves bought, sold and held, premiums on moved
    volume). `paired`: the baseline runs of the same replications (needed by levers that charge
    premiums on moved volume)."""
    total = np.zeros(len(result.reps))
    policy = result.scenario.policy
    if policy is None:
        return total
    inputs = cost_inputs(result, paired.for_reps(result.reps) if paired is not None else None)
    for number, lever in enumerate(policy.levers):
        total += lever.cost_usd(dataclasses.replace(inputs, number=number))
    return total
