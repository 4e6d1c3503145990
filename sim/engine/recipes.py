"""Plant recipes that follow the markets they supply: when a market needs less of a mineral per
product unit (demand efficiency, price-driven substitution), the plants that make its
components put less of that mineral into each batch (a low-cobalt cathode needs less cobalt at
the cathode plant, not only at the car maker).

A plant's factor for mineral x is the flow-weighted mean of the kg-per-unit factors of the
markets it ships x to (by the expected flows of the network as defined); shipments to other
buyers (stockpiles, other plants) count with factor 1. Only plants with two or more minerals
have a mix to change; their capacity stays in batches (a cathode plant makes as many tonnes of
cathode with less cobalt in each).
"""

from __future__ import annotations

import numpy as np

from sim.scenario.network import MarketSpec, Network, PlantSpec, basket


class Recipes:
    """Weights from market pairs to plant recipe entries, and the factors now."""

    def __init__(self, network: Network, pairs: list[tuple[str, str]]):
        self.entries: list[tuple[str, str]] = []
        """(plant, mineral) of each recipe entry that supplies some market."""
        weights: list[dict[int, float]] = []
        for node in network.nodes.values():
            if not isinstance(node, PlantSpec) or len(basket(node)) < 2:
                continue  # a one-mineral plant has no mix to change: its tonnes are its capacity
            for mineral in basket(node):
                out = [k for k in network.out_links[node.name] if k.mineral == mineral]
                total = sum(float(np.mean(network.expected_link_tpd[k.index])) for k in out)
                row: dict[int, float] = {}
                for k in out:
                    buyer = network.nodes[k.buyer]
                    if isinstance(buyer, MarketSpec) and (k.buyer, mineral) in pairs and total > 0:
                        q = pairs.index((k.buyer, mineral))
                        flow = float(np.mean(network.expected_link_tpd[k.index]))
                        row[q] = row.get(q, 0.0) + flow / total
                if row:
                    self.entries.append((node.name, mineral))
                    weights.append(row)
        self.weights = np.zeros((len(self.entries), len(pairs)))
        for e, row in enumerate(weights):
            for q, w in row.items():
                self.weights[e, q] = w
        self.rest = 1.0 - self.weights.sum(axis=1, keepdims=True)
        """Weight of each entry's shipments to buyers that are not markets."""

    def factors(self, ratio: np.ndarray | None) -> dict[tuple[str, str], np.ndarray]:
        """Per (plant, mineral): its recipe factor now, (R,) or (1,), from each pair's
        kg-per-unit factor `ratio` (Q, R or 1); empty when nothing varies."""
        if ratio is None or not self.entries:
            return {}
        now = self.weights @ ratio + self.rest
        return {
            entry: now[e]
            for e, entry in enumerate(self.entries)
            if not np.allclose(now[e], 1.0, rtol=0, atol=1e-12)
        }
