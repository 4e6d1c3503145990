"""Content licensing: an extraterritorial control on what shipments contain.

China's Announcement No. 61 of 9 Oct 2025 required a licence for items made abroad that contain
Chinese-origin rare earths worth 0.1% or more of the item's value (effective 1 Dec 2025,
suspended by Announcement No. 70 until 10 Nov 2026; minerals-reference-2026.md section 8).

While active, a cross-border shipment of one of `minerals` at one of `stages`, sent from any
country other than `origin_country` (or from `from_countries`), needs a licence at a review when
the share of its content that was mined, refined or made (`origin_stages`) in `origin_country`
reaches `threshold`: by mass, or by value as mass share x `content_value_share` (the share of the
item's value its content of the mineral makes up). The share is that of the supplier's stock at
the review (origin tracking, `sim/scenario/origin.py`: well mixed per node), and the largest
over the stages named is compared, a lower bound on the share that passed through the origin at
any of them. A shipment that needs a licence is treated as `export_licensing` treats it: the link
may carry at most `approval_rate` x its shock-free flow, and what passes takes `processing_days`
longer; buyers in `general_licences` pass freely. The licence is for the item: with
`whole_item` (the default) every link from the same supplier to the same buyer at a covered
stage needs it once one tested mineral's content reaches the threshold (a magnet licensed for
its Dy/Tb ships its NdPr under the same licence), else only that mineral's link. Exports from
the origin country itself are the direct controls' business (`export_ban`, `export_licensing`).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.scenario.errors import Problem, Where
from sim.scenario.network import Mineral, Network
from sim.scenario.origin import OriginStage
from sim.scenario.randomness import Distribution
from sim.scenario.spec import Country, Fraction, Name
from sim.shocks.base import (
    Amount,
    Bounds,
    ContentRule,
    EffectArrays,
    ShockDraws,
    ShockSpec,
    did_you_mean,
)
from sim.shocks.export_licensing import licence_terms

ItemStage = Literal["ore", "refined", "component"]
ValueShare = Annotated[float, Field(gt=0, le=1)]


class ContentLicensing(ShockSpec):
    """Shipments from third countries need a licence when they contain enough of one
    origin's material."""

    size_field: ClassVar[str | None] = "approval_rate"
    delay_field: ClassVar[str | None] = "processing_days"
    bounds: ClassVar[Bounds] = {"approval_rate": (0.0, 1.0), "processing_days": (0.0, 3650.0)}

    type: Literal["content_licensing"]
    origin_country: Country = Field(description="The country whose material is controlled.")
    origin_stages: tuple[OriginStage, ...] = Field(
        ("ore", "refined"),
        min_length=1,
        description="Stages at which material counts as of that origin: ore (mined there), "
        "refined (separated or refined there), component (made there).",
    )
    minerals: tuple[Mineral, ...] = Field(
        min_length=1, description="Minerals whose content is controlled."
    )
    stages: tuple[ItemStage, ...] = Field(
        ("refined", "component"),
        min_length=1,
        description="Stages of the shipped items it covers (default: oxide or metal, and "
        "components such as magnets).",
    )
    threshold: Fraction = Field(
        0.001,
        description="Content share from which a licence is needed, [0-1] (Ann. 61/2025: 0.1% "
        "of value).",
    )
    basis: Literal["mass", "value"] = Field(
        "mass", description="Whether `threshold` is a share of mass or of value."
    )
    content_value_share: ValueShare | dict[Mineral, ValueShare] | None = Field(
        None,
        description="For basis value: the share of the shipped item's value its content of "
        "the mineral makes up, (0-1], one number or one per mineral (a declared figure: cite "
        "it or mark it an assumption).",
    )
    whole_item: bool = Field(
        True,
        description="License every link from the same supplier to the same buyer at a covered "
        "stage once one tested mineral reaches the threshold (the licence is for the item).",
    )
    from_countries: tuple[Country, ...] = Field(
        (), description="Only shipments from these countries (default: every other country)."
    )
    to_countries: tuple[Country, ...] = Field(
        (), description="Only shipments to these countries (default: to every country)."
    )
    approval_rate: Amount = Field(
        1.0,
        description="Share of normal (shock-free) volume licensed, [0-1], on a link while it "
        "needs a licence.",
    )
    processing_days: Amount = Field(
        0.0, description="Days the licence review adds to each shipment that needs one, 0-3650."
    )
    general_licences: tuple[Name, ...] = Field(
        (), description="Buyer nodes holding a general licence: their imports pass freely."
    )

    @model_validator(mode="after")
    def _value_basis(self) -> ContentLicensing:
        share = self.content_value_share
        if self.basis == "value":
            if share is None:
                raise ValueError(
                    "basis 'value' needs content_value_share: the share of the item's value "
                    "that its content of the mineral makes up"
                )
            if isinstance(share, dict):
                missing = [m for m in self.minerals if m not in share]
                if missing:
                    raise ValueError(
                        "content_value_share has no value for "
                        + ", ".join(missing)
                        + ": give one per tested mineral, or one number for all"
                    )
        return self

    def threshold_share(self, mineral: str) -> float:
        """The threshold as a share of the mass of `mineral`'s content."""
        if self.basis != "value":
            return self.threshold
        share = self.content_value_share
        value = share[mineral] if isinstance(share, dict) else share
        assert value is not None
        return min(1.0, self.threshold / value)

    def covers(self, network: Network, link_index: int, tested: bool = True) -> bool:
        """Whether the link's shipments are ones the control may license: cross-border, from
        a country it covers, at a covered stage, to a buyer without a general licence, and
        (`tested`) of a tested mineral."""
        link = network.links[link_index]
        seller = network.nodes[link.supplier].country
        buyer = network.nodes[link.buyer].country
        return (
            seller != buyer
            and seller != self.origin_country
            and (not self.from_countries or seller in self.from_countries)
            and (not self.to_countries or buyer in self.to_countries)
            and (link.mineral in self.minerals or not tested)
            and link.stage in self.stages
            and link.buyer not in self.general_licences
        )

    def licensed_links(self, network: Network) -> tuple[list[int], list[int], list[int]]:
        """The tested links, and the links a licence acts on with the position of the tested
        link group (item: supplier and buyer) each belongs to."""
        tested = [k.index for k in network.links if self.covers(network, k.index)]
        items: dict[tuple[str, str], int] = {}
        item_of_tested = []
        for index in tested:
            link = network.links[index]
            item_of_tested.append(items.setdefault((link.supplier, link.buyer), len(items)))
        if not self.whole_item:
            return tested, tested, item_of_tested
        acted = [
            k.index
            for k in network.links
            if (k.supplier, k.buyer) in items and self.covers(network, k.index, tested=False)
        ]
        return (
            tested,
            acted,
            [items[(network.links[i].supplier, network.links[i].buyer)] for i in acted],
        )

    def check(self, network: Network, where: Where) -> list[Problem]:
        """The origin has producing nodes, the minerals exist, general licensees buy covered
        shipments, and some link could be covered."""
        countries = sorted({n.country for n in network.nodes.values()})
        problems = [
            Problem(where, f"no node of the network is in {c}", "one of " + ", ".join(countries))
            for c in (self.origin_country, *self.from_countries, *self.to_countries)
            if c not in countries
        ]
        problems += [
            Problem(
                where,
                f"the network has no mineral {m}",
                did_you_mean(m, network.minerals, "mineral"),
            )
            for m in self.minerals
            if m not in network.minerals
        ]
        if problems:
            return problems
        free = self.model_copy(update={"general_licences": ()})
        buyers = sorted(
            {k.buyer for k in network.links if free.covers(network, k.index)},
        )
        if not buyers:
            return [
                Problem(
                    where,
                    "no cross-border shipment from a country other than "
                    f"{self.origin_country} of {', '.join(self.minerals)} at the stages "
                    f"{', '.join(self.stages)} matches this control",
                    "minerals, stages and countries with such links",
                )
            ]
        return [
            Problem(
                where,
                f"general licence for '{name}', which buys no shipment this control covers",
                did_you_mean(name, buyers, "buyer of covered shipments"),
            )
            for name in self.general_licences
            if name not in buyers
        ]

    def apply(self, draws: ShockDraws, active: np.ndarray, arrays: EffectArrays) -> None:
        """Register the rule: which links need a licence is decided at each review from what
        they carry (`sim.engine.origin`)."""
        net = arrays.network
        tested, acted, items = self.licensed_links(net)
        tested_items = [items[acted.index(i)] for i in tested] if self.whole_item else items
        arrays.content_rules.append(
            ContentRule(
                np.array(tested, dtype=np.intp),
                np.array(tested_items, dtype=np.intp),
                np.array(acted, dtype=np.intp),
                np.array(items, dtype=np.intp),
                self.origin_country,
                tuple(self.origin_stages),
                np.array([self.threshold_share(net.links[i].mineral) for i in tested])[:, None],
                np.where(active, draws.size, 1.0),
                np.where(active, draws.delay, 0.0),
                active.copy(),
            )
        )

    def acts_on(self, network: Network) -> tuple[frozenset[int], frozenset[str]]:
        return frozenset(self.licensed_links(network)[1]), frozenset()

    def acts_on_content(self) -> bool:
        return True

    def adds_delays(self) -> bool:
        return isinstance(self.processing_days, Distribution) or self.processing_days != 0

    def max_delay_days(self, draws: ShockDraws, network: Network) -> np.ndarray:
        longest = float(draws.delay.max(initial=0.0))
        acted = set(self.licensed_links(network)[1])
        return np.array([longest if link.index in acted else 0.0 for link in network.links])

    def describe(self) -> tuple[str, str]:
        share = f"{self.threshold * 100:g}%"
        value = self.content_value_share
        if self.basis != "value":
            basis = "of mass"
        elif isinstance(value, dict):
            parts = ", ".join(f"{m} {v * 100:g}%" for m, v in value.items())
            basis = f"of value (content of item value: {parts})"
        else:
            assert value is not None
            basis = f"of value (content {value * 100:g}% of item value)"
        hits = (
            f"shipments of {', '.join(self.minerals)} ({', '.join(self.stages)}) from "
            + (", ".join(self.from_countries) if self.from_countries else "third countries")
            + (" to " + ", ".join(self.to_countries) if self.to_countries else "")
            + f" with >= {share} {basis} of {self.origin_country}-"
            + "/".join(
                {"ore": "mined", "refined": "refined", "component": "made"}[s]
                for s in self.origin_stages
            )
            + " content"
        )
        return licence_terms(hits, self)
