"""What a run's policy costs (DESIGN.md s. 6 "Policy cost"): the sum of its levers' costs, each
charged on the baseline network and the variant explicitly (`sim.levers.base.CostInputs`).

USD over the horizon per replication, positive for money spent; 0 for the baseline.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.engine.simulate import RunResult
from sim.levers import CostInputs
from sim.scenario.network import StockpileSpec
from sim.vocabulary import STOCK_T


def cost_inputs(result: RunResult, number: int = 0) -> CostInputs:
    """What lever `number` of the run's policy is charged on: the baseline and variant networks,
    t shipped per link and the mean stock of each stockpile over the horizon."""
    scenario, rec = result.scenario, result.recorder
    if scenario.baseline_network is None:
        raise ValueError(
            "the run's scenario has no baseline network: policy variants come from "
            "sim.levers.apply(scenario, policy)"
        )
    variant = scenario.network
    stocks: dict[tuple[str, str, str], np.ndarray] = {
        (node.name, node.mineral, node.stage): rec.horizon_sum(
            (node.name, node.mineral, node.stage, STOCK_T)
        )
        / result.n_periods
        for node in variant.nodes.values()
        if isinstance(node, StockpileSpec)
    }
    return CostInputs(
        baseline=scenario.baseline_network,
        variant=variant,
        number=number,
        reps=len(result.reps),
        horizon_years=scenario.spec.horizon_days / 365.0,
        shipped_t=rec.shipped_totals(),
        mean_stock_t=stocks,
    )


def policy_cost_usd(result: RunResult) -> np.ndarray:
    """The run's policy cost per replication, USD: the sum of its levers' costs (holding of
    stockpiles, capital and programme costs, premiums on diversified or contracted supply)."""
    total = np.zeros(len(result.reps))
    policy = result.scenario.policy
    if policy is None:
        return total
    inputs = cost_inputs(result)
    for number, lever in enumerate(policy.levers):
        total += lever.cost_usd(dataclasses.replace(inputs, number=number))
    return total
