"""How a scenario values money (its `costs:` block) and the present-value arithmetic every
lever's cost uses.

Conventions (the report states them with the rate):

- Money is US dollars of the scenario's start, real; positive for money spent.
- A cost of X paid at time t (years of 365 days after the scenario start, fractional) is worth
  X / (1 + r)^t at the start: annual compounding evaluated at the exact time, the same as
  continuous compounding at ln(1 + r).
- A capital cost C is spread over the asset's life L (whole years) as an annuity C x CRF(r, L),
  CRF = r (1 + r)^L / ((1 + r)^L - 1) (1 / L when r = 0), paid at the end of each year of
  service from the day the asset comes online (its ramp-up included); the part of a year of
  service inside the horizon pays its share at the horizon's end, and service before the start
  or after the horizon is not counted. Charging the whole life gives back C, discounted to the
  day the asset came online.
- A flow a run knows only as a total over a window (premium tonnes, a reserve's refills and
  releases, its holding) is taken as spread over the review periods of the window in proportion
  to their days, each period's part paid at the period's end.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Field

from sim.scenario.spec import Spec

DAYS_PER_YEAR = 365.0

GREEN_BOOK_RATE = 0.035
"""HM Treasury, The Green Book (2022), annex A6 (A6.7): the social time preference rate, 3.5% a
year in real terms (for the first 30 years of an appraisal; lower rates after that). A declared
default (an appraisal convention, not a market rate); a scenario sets its own in
`costs.discount_rate`."""

AssetLifeYears = Annotated[int, Field(ge=1, le=100)]
"""The whole years an asset serves, over which its capital cost is annualised (1 to 100)."""


class CostOptions(Spec):
    """How costs are valued: present values at the scenario start at a real discount rate."""

    discount_rate: float = Field(
        GREEN_BOOK_RATE,
        ge=0,
        le=0.25,
        description="Real discount rate per year (0.035 = 3.5%). Every cost is discounted to the "
        "scenario start as X / (1 + rate)^t, t in years of 365 days; capital costs are "
        "annualised over the asset's life at this rate. Default: the social time preference "
        "rate of HM Treasury's Green Book (2022), 3.5% a year real.",
    )


def discount_factor(rate: float, days: float | np.ndarray) -> np.ndarray:
    """1 / (1 + rate)^(days / 365): what 1 USD paid `days` after the start is worth at the
    start."""
    return np.power(1.0 + rate, -np.asarray(days, dtype=float) / DAYS_PER_YEAR)


def annuity_factor(rate: float, years: int) -> float:
    """The present value of 1 USD paid at the end of each of `years` years:
    (1 - (1 + rate)^-years) / rate, or `years` when rate = 0."""
    if rate == 0:
        return float(years)
    return (1.0 - (1.0 + rate) ** -years) / rate


def capital_recovery_factor(rate: float, years: int) -> float:
    """The share of a capital cost paid each year to recover it over `years` years at `rate`:
    1 / annuity_factor(rate, years)."""
    return 1.0 / annuity_factor(rate, years)


def capital_charge_pv(
    capital_usd: float, rate: float, life_years: int, online_day: float, horizon_days: float
) -> float:
    """The present value at the start of the capital charges of an asset for its service
    inside the horizon (USD): capital x CRF(rate, life) a year, paid at the end of each year of
    service from `online_day`; the part of a year inside [0, horizon] pays pro rata, at the
    year's end or at the horizon's end if that comes first."""
    if capital_usd == 0:
        return 0.0
    annual = capital_usd * capital_recovery_factor(rate, life_years)
    total = 0.0
    for year in range(life_years):
        begin = online_day + DAYS_PER_YEAR * year
        end = begin + DAYS_PER_YEAR
        served = min(end, horizon_days) - max(begin, 0.0)
        if served > 0:
            paid = min(end, horizon_days)
            total += annual * served / DAYS_PER_YEAR * float(discount_factor(rate, paid))
    return total


def period_ends(horizon_days: float, step_days: int) -> tuple[np.ndarray, np.ndarray]:
    """The review periods of the horizon: the day each ends (the last one ends at the
    horizon) and the days it covers, shape (periods,) each."""
    count = max(1, math.ceil(horizon_days / step_days))
    ends = np.minimum(step_days * np.arange(1, count + 1, dtype=float), horizon_days)
    return ends, np.diff(np.concatenate([[0.0], ends]))


def spread_weights(
    from_day: float, horizon_days: float, step_days: int
) -> tuple[np.ndarray, np.ndarray]:
    """The review periods' ends and each period's share of the window [from_day, horizon]
    (the shares sum to 1; all zero if the window is empty)."""
    ends, lengths = period_ends(horizon_days, step_days)
    begins = ends - lengths
    inside = np.clip(ends - np.maximum(begins, from_day), 0.0, None)
    total = inside.sum()
    return ends, inside / total if total > 0 else inside
