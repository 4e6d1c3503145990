"""Compiling a policy into its variant of the scenario, and checking every policy of a scenario
before anything runs.

Each lever is checked against the baseline network and the draft its policy's earlier levers
left, then compiled into the draft; the finished variant network is checked whole (links,
sourcing shares before and after every planned switch, collection, supply paths). Problems are
located at the lever's field (`policies[i].levers[j].buyers.nodes[0]`) or, for the whole-network
checks, at the lever that added the node or link concerned (the policy for the baseline's).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from sim.levers.base import Context, Place, Policy, _Draft
from sim.scenario import checks
from sim.scenario.errors import Problem, Where
from sim.scenario.network import Network, resolve_links
from sim.scenario.yamlio import Document
from sim.shocks.base import shock_label

if TYPE_CHECKING:
    from sim.scenario.loader import Scenario


def compile_policy(
    scenario: Scenario, policy: Policy, place: Place
) -> tuple[Scenario | None, list[Problem]]:
    """The scenario's variant with `policy` in place (`place`: where the policy is in the file),
    or None and every problem found."""
    baseline, spec = scenario.network, scenario.spec
    draft = _Draft.of(baseline, spec.start, spec.step_days, place.at())
    shocks = tuple(shock_label(shock, i) for i, shock in enumerate(spec.shocks))
    problems: list[Problem] = []
    for number, lever in enumerate(policy.levers):
        context = Context(
            baseline,
            draft,
            shocks,
            place.child("levers", number),
            number,
            scenario.world.projects,
        )
        found = lever.check(context)
        if found:
            problems += found
            continue  # the later levers are still checked, against the draft without it
        draft.here = context.at()
        try:
            lever.compile(draft, baseline, number)
        except (ValueError, KeyError) as error:
            what = str(error).strip("'\"")
            problems.append(Problem(context.at(), what, "a lever that fits the network"))
    if problems:
        return None, problems
    network, problems = _finish(draft)
    if network is None:
        return None, problems
    variant = dataclasses.replace(
        scenario,
        network=network,
        schedules=draft.schedules,
        policy=policy,
        baseline_network=baseline,
    )
    return variant, []


def _finish(draft: _Draft) -> tuple[Network | None, list[Problem]]:
    """The draft as a network, checked whole before and after every planned share switch."""
    located = list(zip(draft.links, draft.link_origin, strict=True))
    problems = checks.check_links(draft.nodes, located)
    if problems:
        return None, problems
    network = Network(draft.nodes, resolve_links(draft.nodes, draft.links))
    draft.schedules.share_switches = draft.switches()
    problems = checks.check_network(network, draft.node_origin, draft.link_origin)
    switched = network
    for _, shares in draft.schedules.share_switches:
        switched = switched.with_shares(shares)
        problems += checks.check_shares(switched, draft.node_origin, draft.link_origin)
    if problems:
        return None, list(dict.fromkeys(problems))  # a share problem may recur at each switch
    return network, []


def check_policies(scenario: Scenario, doc: Document) -> list[Problem]:
    """Every problem of every policy of `scenario` (as loaded from `doc`), policy by policy: a
    name used before, and whatever compiling it against the network finds."""
    first: dict[str, Where] = {}
    problems: list[Problem] = []
    for i, policy in enumerate(scenario.spec.policies):
        where = doc.where(("policies", i, "name"))
        if policy.name in first:
            problems.append(_used_twice(policy.name, where, first[policy.name]))
        first.setdefault(policy.name, where)
        problems += compile_policy(scenario, policy, Place(doc, ("policies", i)))[1]
    return problems


def _used_twice(name: str, where: Where, earlier: Where) -> Problem:
    at = f"line {earlier.line}" if earlier.line is not None else earlier.field
    return Problem(
        where,
        f"policy name '{name}' is used twice (first at {at})",
        "a unique name per policy (results and the ranking are keyed by it)",
    )
