"""Changes to the base network in a scenario: node overrides (`network.overrides`: the changed
node is validated again, its errors located at the override), and link overrides and removals
(`network.link_overrides`, `network.remove_links`: a link of the base network, or of a scenario
this one extends, is named by its two ends and, where they trade several, its mineral)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import Field, ValidationError

from sim.scenario import yamlio
from sim.scenario.errors import Problem, Where, from_validation_error
from sim.scenario.network import LinkSpec, Mineral, NodeSpec, link_mineral
from sim.scenario.spec import Fraction, Name, NonNegative, Spec, TransitDays

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
        files = {k[len(loc) :]: v for k, v in doc.files.items() if k[: len(loc)] == loc}
        local = yamlio.Document(data, lines, doc.path, files=files)
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


class LinkRef(Spec):
    """A link of the network, named by its supplier, its buyer and (where a supplier ships the
    buyer several minerals) its mineral."""

    from_: Name = Field(alias="from", description="Supplier node name.")
    to: Name = Field(description="Buyer node name.")
    mineral: Mineral | None = Field(
        None, description="Mineral shipped; without it, every link between the two nodes."
    )

    def label(self) -> str:
        mineral = f" ({self.mineral})" if self.mineral else ""
        return f"{self.from_} -> {self.to}{mineral}"


class LinkOverride(LinkRef):
    """New values for fields of a link of the network (the fields not given keep theirs)."""

    share: Fraction | None = Field(None, description="New share of the buyer's orders.")
    transit_days: TransitDays | None = Field(None, description="New transit time, days.")
    chokepoints: tuple[str, ...] | None = Field(None, description="New straits or routes.")
    flex: NonNegative | None = Field(None, description="New contract flexibility.")
    source: str | None = Field(None, description="Where the new numbers come from.")


T = TypeVar("T")


def edit_links(
    nodes: dict[str, NodeSpec],
    links: list[tuple[LinkSpec, T]],
    changes: Sequence[LinkOverride],
    removals: Sequence[LinkRef],
    doc: yamlio.Document,
) -> tuple[list[tuple[LinkSpec, T]], list[Problem]]:
    """`links` with `changes` applied in place and `removals` left out; a change or removal
    that matches no link is a problem located at it (links added by the scenario itself count:
    they are in `links` too)."""
    problems: list[Problem] = []
    out = list(links)
    for i, change in enumerate(changes):
        hits = [j for j, (k, _) in enumerate(out) if _matches(change, k, nodes)]
        if not hits:
            problems.append(_no_link(change, out, nodes, doc, ("network", "link_overrides", i)))
        update = change.model_dump(exclude_none=True, exclude={"from_", "to", "mineral"})
        for j in hits:
            out[j] = (out[j][0].model_copy(update=update), out[j][1])
    for i, removal in enumerate(removals):
        kept = [(k, tag) for k, tag in out if not _matches(removal, k, nodes)]
        if len(kept) == len(out):
            problems.append(_no_link(removal, out, nodes, doc, ("network", "remove_links", i)))
        out = kept
    return out, problems


def _matches(ref: LinkRef, link: LinkSpec, nodes: dict[str, NodeSpec]) -> bool:
    if (ref.from_, ref.to) != (link.from_, link.to):
        return False
    if ref.mineral is None or link.mineral == ref.mineral:
        return True
    supplier, buyer = nodes.get(link.from_), nodes.get(link.to)
    if link.mineral is not None or supplier is None or buyer is None:
        return False
    return link_mineral(supplier, buyer, None) == ref.mineral


def _no_link(
    ref: LinkRef,
    links: list[tuple[LinkSpec, Any]],
    nodes: dict[str, NodeSpec],
    doc: yamlio.Document,
    loc: tuple[str | int, ...],
) -> Problem:
    into = sorted({k.from_ for k, _ in links if k.to == ref.to})
    if ref.to not in nodes:
        hint = f"'{ref.to}' is not a node of the network"
    elif into:
        hint = f"links into {ref.to} come from: {', '.join(into)}"
    else:
        hint = f"{ref.to} has no links into it"
    return Problem(doc.where(loc), f"no link {ref.label()} in the network", hint)
