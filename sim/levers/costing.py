"""What a lever's cost is computed from (`CostInputs`), with the one place a tonne bought or
sold is valued (`CostInputs.purchase_value_usd`: the declared price, moved by the run's
simulated price of the mineral where the scenario prices it).

Every cost is a present value at the scenario start, USD per replication, positive for money
spent, under the conventions of `sim.scenario.costs` (discounting, capital annualised over the
asset's life, flows known as totals spread over the review periods of their window).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import numpy as np

from sim.scenario import costs as money
from sim.scenario.costs import CostOptions
from sim.scenario.network import Network
from sim.scenario.prices import CommodityPrice
from sim.scenario.spec import Day, to_day


@dataclasses.dataclass(frozen=True)
class CostInputs:
    """What a lever's cost is computed from: the networks before and after its policy, what
    the variant run did and what its paired baseline run shipped, and how money is valued.
    Arrays are per replication (last axis R)."""

    baseline: Network
    """The scenario's own network (link i of it is link i of the variant)."""
    variant: Network
    """The network with the policy in place."""
    number: int
    """The lever's position in its policy (it names the nodes the lever added)."""
    reps: int
    """Replications R."""
    start: dt.date
    """The scenario's day 0 (lever dates are counted from it)."""
    horizon_days: float
    """The horizon, days."""
    step_days: int
    """The review period, days."""
    costs: CostOptions
    """The scenario's `costs:` (its discount rate)."""
    shipped_t: np.ndarray
    """t shipped on each link of the variant over the horizon, shape (variant links, R)."""
    mean_stock_t: Mapping[tuple[str, str, str], np.ndarray]
    """Mean end-of-review stock over the horizon, t, per (stockpile node, mineral, stage) of
    the variant, shape (R,)."""
    paired_shipped_t: Mapping[int, np.ndarray] = dataclasses.field(default_factory=dict)
    """t shipped over the horizon in the paired baseline run (same seed and replication: the
    counterfactual), per link index of the baseline network, shape (R,); at least the links
    the policy's levers price (`BaseLever.priced_links`)."""
    price_multiple: Mapping[tuple[str, str], np.ndarray] = dataclasses.field(default_factory=dict)
    """The run's simulated price / base price at each review, per (mineral, side of the
    market), shape (periods, R); empty when the scenario prices nothing."""
    priced: Mapping[str, CommodityPrice] = dataclasses.field(default_factory=dict)
    """The scenario's priced minerals (`prices.commodities`), by mineral."""

    @property
    def horizon_years(self) -> float:
        """The horizon, years of 365 days."""
        return self.horizon_days / money.DAYS_PER_YEAR

    @property
    def rate(self) -> float:
        return self.costs.discount_rate

    def day(self, value: Day) -> float:
        """Days from the scenario start of an ISO date or day number."""
        return to_day(value, self.start)

    def discount(self, day: float) -> float:
        """What 1 USD paid on `day` is worth at the start."""
        return float(money.discount_factor(self.rate, day))

    def paired(self, link: int) -> np.ndarray:
        """t shipped on baseline link `link` in the paired baseline run, shape (R,)."""
        if link not in self.paired_shipped_t:
            raise ValueError(
                f"the paired baseline run's shipments on link {self.baseline.links[link].label} "
                "are not given: a premium is charged on volume moved from the baseline run on "
                "the same replications (sim.analysis.compare.compare_policies gives them; for "
                "single runs, sim.analysis.costs.paired_shipments(baseline run))"
            )
        return self.paired_shipped_t[link]

    def purchase_value_usd(
        self,
        price_usd_per_t: float,
        tonnes: np.ndarray,
        day: float | np.ndarray,
        mineral: str,
        country: str,
    ) -> np.ndarray:
        """What `tonnes` of `mineral` bought (negative: sold) in `country` on `day` (days from
        the start; a scalar, or one day per row of `tonnes`) cost at the time, USD, not
        discounted: the declared `price_usd_per_t` x the run's simulated price of the mineral on
        the country's side of the market at the review of that day, relative to its base (1
        where the scenario does not price the mineral). Every tonne a lever buys or sells is
        valued here. `tonnes`: shape (R,) for a scalar day, (days, R) for an array of days."""
        amount = np.asarray(tonnes, dtype=float) * price_usd_per_t
        spec = self.priced.get(mineral)
        path = None if spec is None else self.price_multiple.get((mineral, spec.side_of(country)))
        if path is None:
            return amount
        review = np.floor(np.asarray(day, dtype=float) / self.step_days).astype(np.intp)
        return amount * path[np.clip(review, 0, len(path) - 1)]

    def spread_pv(self, total_usd: np.ndarray, from_day: float) -> np.ndarray:
        """The present value of `total_usd` (R,) paid spread over the review periods from
        `from_day` to the horizon's end (each period's share at its end); 0 if the window is
        empty."""
        ends, weights = money.spread_weights(from_day, self.horizon_days, self.step_days)
        factor = float((weights * money.discount_factor(self.rate, ends)).sum())
        return np.asarray(total_usd, dtype=float) * factor

    def spread_value_pv(
        self,
        price_usd_per_t: float,
        tonnes: np.ndarray,
        mineral: str,
        country: str,
        from_day: float = 0.0,
    ) -> np.ndarray:
        """The present value of `tonnes` (R,) bought spread over the review periods from
        `from_day` to the horizon's end, each period's part valued by `purchase_value_usd` at
        the period's end."""
        ends, weights = money.spread_weights(from_day, self.horizon_days, self.step_days)
        parts = np.asarray(tonnes, dtype=float)[None, :] * weights[:, None]
        value = self.purchase_value_usd(price_usd_per_t, parts, ends, mineral, country)
        return (value * money.discount_factor(self.rate, ends)[:, None]).sum(axis=0)

    def holding_pv(self, mean_stock_t: np.ndarray, usd_per_t_year: float) -> np.ndarray:
        """The present value of holding `mean_stock_t` (R,) over the horizon at `usd_per_t_year`:
        each review period pays stock x rate x its days / 365 at its end."""
        ends, lengths = money.period_ends(self.horizon_days, self.step_days)
        years = float(
            (lengths / money.DAYS_PER_YEAR * money.discount_factor(self.rate, ends)).sum()
        )
        return np.asarray(mean_stock_t, dtype=float) * usd_per_t_year * years

    def capital_pv(self, capital_usd: float, life_years: int, online: Day) -> np.ndarray:
        """The present value of an asset's capital charges for its service inside the horizon
        (`sim.scenario.costs.capital_charge_pv`), the same in every replication."""
        value = money.capital_charge_pv(
            capital_usd, self.rate, life_years, self.day(online), self.horizon_days
        )
        return np.full(self.reps, value)
