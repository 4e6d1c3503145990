"""Selecting nodes of a network by name, kind, country, region or mineral (shocks, random
inputs and levers all choose nodes this way)."""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.network import Kind, Mineral, Network, NodeSpec, inputs, outputs
from sim.scenario.spec import Country, Spec


class Selector(Spec):
    """Chooses nodes: every criterion given must match; a list matches any of its entries."""

    nodes: tuple[str, ...] = Field((), description="Node names.")
    kinds: tuple[Kind, ...] = Field((), description="Node kinds.")
    countries: tuple[Country, ...] = Field((), description="ISO alpha-2 country codes.")
    regions: tuple[str, ...] = Field((), description="Regions (states, provinces).")
    minerals: tuple[Mineral, ...] = Field((), description="Minerals the node makes or uses.")
    owner_countries: tuple[Country, ...] = Field(
        (), description="Home countries of the nodes' owners (nodes with an `owner`)."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Selector:
        if not (
            self.nodes
            or self.kinds
            or self.countries
            or self.regions
            or self.minerals
            or self.owner_countries
        ):
            raise ValueError(
                "select by at least one of: nodes, kinds, countries, regions, minerals, "
                "owner_countries"
            )
        return self

    def matches(self, node: NodeSpec) -> bool:
        minerals = {c[0] for c in inputs(node) + outputs(node)}
        return (
            (not self.nodes or node.name in self.nodes)
            and (not self.kinds or node.kind in self.kinds)
            and (not self.countries or node.country in self.countries)
            and (not self.regions or node.region in self.regions)
            and (not self.minerals or bool(minerals & set(self.minerals)))
            and (
                not self.owner_countries
                or (node.owner is not None and node.owner.country in self.owner_countries)
            )
        )

    def select(self, network: Network) -> list[str]:
        return [name for name, node in network.nodes.items() if self.matches(node)]
