"""Process (new) scrap: part of a refinery's or plant's process losses sent to recyclers.

At each review a node's process losses of a mineral (t of input used - t of output made) are
split: `scrap_recovery` of them is handed to its scrap links of that mineral (by their shares,
which sum to 1), to ship at the end of the review like any shipment; the rest is a loss across
the system boundary (`ledger.losses`). Scrap sent is therefore no loss: it is in transit, then in
the recycler's scrap stock, and mass balance holds with no new term. Nodes that send none cost
nothing: their losses go to the ledger as before.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.network import Network, PlantSpec, RefinerySpec
from sim.vocabulary import SCRAP


class ProcessScrap:
    """Scrap links of a set of producing nodes, as index arrays (one row per node, or per
    (node, mineral) for nodes that make several minerals)."""

    def __init__(self, network: Network, rows: list[tuple[str, str]]):
        """`rows`: the (node, mineral) of each row of the losses this object will split."""
        row_of = {key: i for i, key in enumerate(rows)}
        links, sources, factors = [], [], []
        kept = np.ones((len(rows), 1))
        for i, (name, mineral) in enumerate(rows):
            node = network.nodes[name]
            recovery = node.scrap_recovery if isinstance(node, RefinerySpec | PlantSpec) else 0.0
            scrap = [
                k for k in network.out_links[name] if k.stage == SCRAP and k.mineral == mineral
            ]
            if recovery <= 0 or not scrap:
                continue
            kept[i] = 1.0 - recovery
            for link in scrap:
                links.append(link.index)
                sources.append(row_of[(name, mineral)])
                factors.append(recovery * link.share)
        self.links = np.array(links, dtype=np.intp)
        self.sources = np.array(sources, dtype=np.intp)
        self.factors = np.array(factors)[:, None]
        self.kept = kept
        self.row_of = row_of
        self.any = bool(self.links.size)
        """Whether any of the rows sends scrap (False: `split` is never needed)."""

    def split(self, losses: np.ndarray, outgoing: np.ndarray) -> np.ndarray:
        """Hand the scrap share of `losses` (rows, R) to the scrap links (`outgoing`, t per
        link this review); return what stays a loss (`losses` itself when no row sends any)."""
        if not self.any:
            return losses
        outgoing[self.links] += losses[self.sources] * self.factors
        return losses * self.kept

    def split_row(
        self, name: str, mineral: str, losses: np.ndarray, outgoing: np.ndarray
    ) -> np.ndarray:
        """`split` for one (node, mineral) row, losses (R,)."""
        if not self.any:
            return losses
        row = self.row_of[(name, mineral)]
        if self.kept[row, 0] == 1.0:
            return losses
        mine = self.sources == row
        outgoing[self.links[mine]] += losses[None, :] * self.factors[mine]
        return losses * self.kept[row, 0]
