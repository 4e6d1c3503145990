"""Overrides of base-network nodes in a scenario (`network.overrides`): the changed node is
validated again, its errors located at the override."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from sim.scenario import yamlio
from sim.scenario.errors import Problem, Where, from_validation_error
from sim.scenario.network import NodeSpec

_FIXED = ("name", "kind")
"""Fields an override cannot change: links and shocks refer to a node by them."""


def apply_override(
    nodes: dict[str, tuple[NodeSpec, Where]],
    name: str,
    changes: dict[str, Any],
    doc: yamlio.Document,
) -> list[Problem]:
    loc = ("network", "overrides", name)
    if name not in nodes:
        close = difflib.get_close_matches(name, list(nodes), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "a node of the network"
        return [Problem(doc.where(loc), f"override names unknown node '{name}'", hint)]
    fixed = [key for key in _FIXED if key in changes]
    if fixed:
        return [
            Problem(
                doc.where((*loc, fixed[0])),
                f"an override cannot change a node's {fixed[0]}",
                "a new node under network.nodes instead",
            )
        ]
    node, node_where = nodes[name]
    data = node.model_dump(by_alias=True, exclude_unset=True)
    data.update(changes)
    try:
        nodes[name] = (type(node).model_validate(data), node_where)
    except ValidationError as error:
        # Locate each error in the override (where the new value is), or else at it.
        lines = {k[len(loc) :]: v for k, v in doc.lines.items() if k[: len(loc)] == loc}
        local = yamlio.Document(data, lines, doc.path)
        return [
            Problem(
                Where(p.where.file, p.where.line, yamlio.dotted(loc + _field_path(p))),
                f"override of '{name}': {p.what}",
                p.expected or "fields and values valid for a " + node.kind,
            )
            for p in from_validation_error(error, local)
        ]
    return []


def _field_path(problem: Problem) -> tuple[str, ...]:
    return (problem.where.field,) if problem.where.field else ()
