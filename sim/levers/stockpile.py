"""A country's strategic reserve of a refined mineral or component (the JOGMEC model).

Compiles into a stockpile node (`reserve_<country>_<mineral>_<n>`, n its place in the policy)
sized in days of the country's expected use, linked to every buyer in the country that uses the
commodity, refilled (when it refills) from the buyers' main supplier.

Cost (present value at the start, `sim.scenario.costs`): the reserve is an asset bought and sold
at `purchase_price_usd_per_t`, moved by the simulated price of the mineral where the scenario
prices it (`CostInputs.purchase_value_usd`): its initial fill is bought on day 0 and
its refills as they are shipped to it; what it releases to the country's buyers is sold to them,
and what it still owns at the horizon's end (in stock or on its way to it) is credited at the
horizon's end. With no discounting and a constant price these cancel, so what remains is the
money tied up in the reserve (through discounting) and the change of price (a reserve that
buys cheap and sells dear during a shortage gains). Holding (storage,
insurance, handling) adds mean stock x USD per t-year, per review period. Refills and releases
are known as totals over the horizon and are spread over its review periods.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.levers.base import BaseLever, Context, CostInputs, _Draft, suggest
from sim.scenario.errors import Problem
from sim.scenario.network import Mineral, Network, NodeSpec, StockpileSpec
from sim.scenario.network import inputs as uses
from sim.scenario.spec import (
    Country,
    CoverDays,
    Fraction,
    PositiveCoverDays,
    PositiveMultiplier,
    UsdPerTonne,
)


class StockpileLever(BaseLever):
    """A country's strategic reserve of a refined mineral or component (JOGMEC model)."""

    type: Literal["stockpile"]
    country: Country = Field(description="Owner and where it is held.")
    mineral: Mineral = Field(description="The mineral held.")
    stage: Literal["refined", "component"] = Field("refined", description="The stage held.")
    days: PositiveCoverDays = Field(
        description="Size in days of the country's consumption of it "
        "(JOGMEC: 60, up to 180 for high-risk minerals)."
    )
    initial_fill: Fraction = Field(1.0, description="Share of the size filled at the start.")
    release_below_cover_days: CoverDays | None = Field(
        None,
        description="Releases to a buyer in the country whose cover falls below this "
        "many days (default: half the buyers' normal cover, so it is untouched in normal "
        "times).",
    )
    release_during: tuple[str, ...] = Field(
        (), description="Names of the scenario's shocks during which it also releases."
    )
    max_release_share: PositiveMultiplier | None = Field(
        None,
        description="Most it releases per day, as a share of the country's daily "
        "consumption (default: no limit).",
    )
    refill: bool = Field(
        True,
        description="Refill from the country's suppliers after a "
        "release, when no buyer is below the threshold.",
    )
    holding_cost_usd_per_t_year: UsdPerTonne | None = Field(
        None,
        description="Storage, insurance and handling of a tonne for a year, USD (the money "
        "tied up in the reserve is counted by discounting its purchases and sales: leave it "
        "out here). Not set: not declared (the policy is flagged in the ranking).",
    )
    purchase_price_usd_per_t: UsdPerTonne | None = Field(
        None,
        description="Price of a tonne of the mineral held, USD: the initial fill and refills "
        "are bought at it, releases sold to the country's buyers and the stock left at the "
        "horizon's end credited at it. 0: the material costs this policy nothing (say why). "
        "Not set: purchases are not valued and the policy is flagged in the ranking.",
    )

    def reserve_name(self, number: int) -> str:
        """The name of the stockpile node the lever adds as lever `number` of its policy."""
        return f"reserve_{self.country.lower()}_{self.mineral}_{number}"

    def buyers(self, network: Network) -> list[NodeSpec]:
        """The nodes in the country that use the commodity held (stockpiles excluded)."""
        return [
            n
            for n in network.nodes.values()
            if n.country == self.country
            and (self.mineral, self.stage) in uses(n)
            and not isinstance(n, StockpileSpec)
        ]

    def check(self, context: Context) -> list[Problem]:
        problems = context.taken_name(self.reserve_name(context.number))
        if not self.buyers(context.baseline):
            users = sorted(
                {
                    n.country
                    for n in context.baseline.nodes.values()
                    if (self.mineral, self.stage) in uses(n) and not isinstance(n, StockpileSpec)
                }
            )
            problems.append(
                Problem(
                    context.at("country"),
                    f"nothing in {self.country} uses {self.mineral} {self.stage}, so the "
                    "reserve would serve no one",
                    "a country whose nodes use it: " + ", ".join(users)
                    if users
                    else f"a mineral and stage some node uses (no node uses {self.mineral} "
                    f"{self.stage})",
                )
            )
        for k, name in enumerate(self.release_during):
            if name not in context.shocks:
                problems.append(
                    Problem(
                        context.at("release_during", k),
                        f"releases during shock '{name}', which the scenario does not have",
                        suggest(name, context.shocks, "shock")
                        if context.shocks
                        else "the name of one of the scenario's shocks (it has none)",
                    )
                )
        return problems

    def compile(self, draft: _Draft, baseline: Network, number: int) -> None:
        commodity = (self.mineral, self.stage)
        buyers = self.buyers(baseline)
        use = sum(baseline.expected_use_tpd(n.name, commodity) for n in buyers)
        name = self.reserve_name(number)
        size = self.days * use
        threshold = self.release_below_cover_days
        if threshold is None:
            threshold = 0.5 * min(b.cover_days for b in buyers)
        max_release = None if self.max_release_share is None else self.max_release_share * use
        draft.add_node(
            StockpileSpec(
                name=name,
                kind="stockpile",
                country=self.country,
                mineral=self.mineral,
                stage=self.stage,
                initial_t=size * self.initial_fill,
                target_t=size if self.refill else 0.0,
                release_below_cover_days=threshold,
                release_during=self.release_during,
                max_release_tpd=max_release,
                source=f"policy lever: {self.days:g} days of {self.country}'s use",
            )
        )
        for buyer in buyers:
            draft.add_link(name, buyer.name, 1.0, transit=1.0)
        if self.refill:  # buy from the country's main supplier of it
            names = {b.name for b in buyers}
            flows: dict[str, float] = {}
            for k in baseline.links:
                if k.commodity == commodity and k.buyer in names:
                    flows[k.supplier] = (
                        flows.get(k.supplier, 0.0) + baseline.expected_link_tpd[k.index]
                    )
            if flows:
                source = max(flows, key=lambda s: flows[s])
                draft.add_link(source, name, 1.0, transit=30.0)

    def cost_usd(self, inputs: CostInputs) -> np.ndarray:
        """Purchases (initial fill on day 0, refills spread over the horizon) less sales
        (releases, spread over the horizon) less the value of what the reserve owns at the
        horizon's end, plus holding of the mean stock: present values, USD."""
        name = self.reserve_name(inputs.number)
        cost = inputs.holding_pv(
            inputs.mean_stock_t[(name, self.mineral, self.stage)],
            self.holding_cost_usd_per_t_year or 0.0,
        )
        price = self.purchase_price_usd_per_t
        if not price:
            return cost
        node = inputs.variant.nodes[name]
        assert isinstance(node, StockpileSpec)
        initial = np.full(inputs.reps, node.initial_t)
        bought = sum((inputs.shipped_t[k.index] for k in inputs.variant.in_links[name]), 0.0)
        sold = sum((inputs.shipped_t[k.index] for k in inputs.variant.out_links[name]), 0.0)
        bought, sold = np.broadcast_to(bought, initial.shape), np.broadcast_to(sold, initial.shape)
        owned = initial + bought - sold
        end, where = inputs.horizon_days, (self.mineral, self.country)
        return (
            cost
            + inputs.purchase_value_usd(price, initial, 0.0, *where)
            + inputs.spread_value_pv(price, bought, *where)
            - inputs.spread_value_pv(price, sold, *where)
            - inputs.purchase_value_usd(price, owned, end, *where) * inputs.discount(end)
        )

    def cost_gaps(self) -> list[str]:
        fields = ("holding_cost_usd_per_t_year", "purchase_price_usd_per_t")
        return [field for field in fields if getattr(self, field) is None]

    def minerals(self) -> set[str]:
        return {self.mineral}
