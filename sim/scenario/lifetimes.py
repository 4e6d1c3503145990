"""Product lifetimes as distributions, as material-flow tools give them (ODYM, flodym).

A market's `lifetime_years` is the mean lifetime (or the fixed one); its optional `lifetime`
names the shape of the spread around it. Each distribution here gives the cumulative share of
products that have reached their end of life after a number of days (`cdf_days`), from which the
engine discretises the share returning at each review (`sim/engine/cohorts.py`). Definition
only: no behaviour beyond the distribution functions (pure math, no randomness).

- `fixed`: every product lasts `lifetime_years` (the default, as without `lifetime`).
- `weibull`: shape k and scale lambda, F(t) = 1 - exp(-(t / lambda)^k); the scale follows from
  the mean (lambda = mean / Gamma(1 + 1/k)) unless `scale_years` gives it (then
  `lifetime_years`, if given, must be its mean lambda x Gamma(1 + 1/k), and is set to it if
  not).
- `lognormal`: the lifetime's mean (`lifetime_years`) and standard deviation (`sd_years`), so
  sigma^2 = ln(1 + sd^2 / mean^2) and mu = ln(mean) - sigma^2 / 2 (as ODYM's `LogNormal`).
- `normal`: mean (`lifetime_years`, the location) and standard deviation, truncated at 0 and
  renormalised (no product has a negative lifetime), so the mean is slightly above the
  location when sd is large against it (at sd = mean / 2 by 0.05 x sd).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.scenario.spec import AtMost, Spec, Years

DAYS_PER_YEAR = 365.0
WeibullShape = Annotated[
    float,
    Field(gt=0),
    AtMost(50, "", "at shape 50 nine products in ten end within 5% of the scale: use `fixed`"),
]
"""The shape k of a Weibull lifetime (unit-less; 1 is exponential, 2-4 is usual for products)."""


def _erf(values: np.ndarray) -> np.ndarray:
    return np.frompyfunc(math.erf, 1, 1)(values).astype(float)


class FixedLifetime(Spec):
    """Every product lasts exactly `lifetime_years`."""

    dist: Literal["fixed"]

    def cdf_days(self, mean_years: float, days: np.ndarray) -> np.ndarray:
        return (np.asarray(days, dtype=float) >= mean_years * DAYS_PER_YEAR).astype(float)


class WeibullLifetime(Spec):
    """Weibull lifetimes (shape and scale), the most common lifetime model of MFA studies."""

    dist: Literal["weibull"]
    shape: WeibullShape = Field(
        description="Shape k (1: as many products fail early as late, exponential; 2-4: "
        "most fail around the mean, as vehicles and appliances do)."
    )
    scale_years: Years | None = Field(
        None,
        description="Scale lambda, years (63% of products have ended by then). Default: the "
        "scale whose mean is `lifetime_years`; give one of the two, not both.",
    )

    def scale(self, mean_years: float) -> float:
        """The scale lambda, years."""
        if self.scale_years is not None:
            return self.scale_years
        return mean_years / math.gamma(1.0 + 1.0 / self.shape)

    def mean_years(self) -> float | None:
        """The mean lifetime implied by `scale_years`, years (None: not given)."""
        if self.scale_years is None:
            return None
        return self.scale_years * math.gamma(1.0 + 1.0 / self.shape)

    def cdf_days(self, mean_years: float, days: np.ndarray) -> np.ndarray:
        t = np.maximum(np.asarray(days, dtype=float), 0.0) / DAYS_PER_YEAR
        return -np.expm1(-((t / self.scale(mean_years)) ** self.shape))


class LognormalLifetime(Spec):
    """Lognormal lifetimes given by their mean (`lifetime_years`) and standard deviation."""

    dist: Literal["lognormal"]
    sd_years: Years = Field(description="Standard deviation of the lifetime, years.")

    def cdf_days(self, mean_years: float, days: np.ndarray) -> np.ndarray:
        sigma2 = math.log1p((self.sd_years / mean_years) ** 2)
        mu = math.log(mean_years) - sigma2 / 2.0
        t = np.asarray(days, dtype=float) / DAYS_PER_YEAR
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(t, 0.0)) - mu) / math.sqrt(2.0 * sigma2)
        return np.where(t > 0, 0.5 * (1.0 + _erf(np.maximum(z, -40.0))), 0.0)


class NormalLifetime(Spec):
    """Normal lifetimes around `lifetime_years`, truncated at 0 and renormalised."""

    dist: Literal["normal"]
    sd_years: Years = Field(description="Standard deviation of the (untruncated) lifetime, years.")

    def cdf_days(self, mean_years: float, days: np.ndarray) -> np.ndarray:
        t = np.maximum(np.asarray(days, dtype=float), 0.0) / DAYS_PER_YEAR
        scale = math.sqrt(2.0) * self.sd_years
        below_zero = 0.5 * (1.0 + math.erf(-mean_years / scale))
        raw = 0.5 * (1.0 + _erf((t - mean_years) / scale))
        return (raw - below_zero) / (1.0 - below_zero)


def weibull_mean_years(lifetime: object) -> float | None:
    """The mean of a Weibull lifetime given by its scale, as read from a file (a mapping) or a
    model; None when it is not one or its numbers are not (yet) valid."""
    if isinstance(lifetime, WeibullLifetime):
        return lifetime.mean_years()
    if not isinstance(lifetime, dict) or lifetime.get("dist") != "weibull":
        return None
    shape, scale = lifetime.get("shape"), lifetime.get("scale_years")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (shape, scale))
    if not numbers or not (0 < shape <= 50 and 0 < scale <= 100):  # type: ignore[operator]
        return None  # the field checks report it
    return float(scale) * math.gamma(1.0 + 1.0 / float(shape))  # type: ignore[arg-type]


Lifetime = Annotated[
    FixedLifetime | WeibullLifetime | LognormalLifetime | NormalLifetime,
    Field(discriminator="dist"),
]
"""A lifetime distribution, chosen by `dist:`."""
