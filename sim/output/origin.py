"""Embodied origin as the report and the charts show it, read from origin.csv (no matplotlib):
the shocks' window that splits a run into before, during and after, and shares of one origin
in what markets put in use, mass-weighted over time buckets and markets.

origin.csv (`sim.vocabulary.ORIGIN_COLUMNS`) has, per time bucket, market, mineral and (stage,
country) of origin that ever reached the market, the share of the material the market put in
use in the bucket (`share`, mass-weighted over replications) and the mean tonnes it put in use
(`delivered_t`, the same on every row of a market, mineral and bucket). An origin without a
row never reached the market: its share is 0. Semantics of the tags (well mixed per node,
steady state at the start): `sim/scenario/origin.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.output.folder import Results, as_date, shock_windows
from sim.output.labels import country_name
from sim.scenario.origin import OTHER_COUNTRIES
from sim.vocabulary import COMPONENT, ORE, REFINED

CONTENT_TYPES = ("content_licensing",)
"""Shock types that act on content: when a scenario has any, they alone set the window."""
CONTROL_TYPES = ("content_licensing", "export_ban", "export_licensing", "export_quota")
"""Shock types that control trade: else, when a scenario has any, they set the window."""
ORIGIN_STAGES = (ORE, REFINED, COMPONENT)
STAGE_VERBS = {ORE: "mined", REFINED: "refined", COMPONENT: "made"}
"""How a stage of origin reads: material 'mined', 'refined' or 'made' in a country."""
DEFAULT_SHARE_FROM = ("CN",)
"""`metrics.share_from` when the scenario as run does not say (the schema's default)."""


def origin_name(code: str) -> str:
    """A country of origin in words; the pooled tag XO is 'other countries'."""
    return "other countries" if code == OTHER_COUNTRIES else country_name(code)


def share_from(results: Results) -> list[str]:
    """The countries whose content the report follows: the scenario's `metrics.share_from`."""
    named = (results.scenario.get("metrics") or {}).get("share_from")
    return [str(c) for c in (named or DEFAULT_SHARE_FROM)]


@dataclass(frozen=True)
class Window:
    """When the shocks were in force, days from the scenario's start: [start, end)."""

    start: float
    end: float
    first: pd.Timestamp
    last: pd.Timestamp
    controls: bool
    """True when the window is that of trade controls (content or export shocks)."""
    drawn: bool
    """True when a shock's dates are drawn per replication: this is its median window."""
    count: int = 1
    """How many shocks set the window."""


def shock_window(results: Results) -> Window | None:
    """The earliest start and latest end of the scenario's content rules (`content_licensing`:
    what origin tracking is for), else of its trade controls (export shocks), else of all its
    shocks; a single run's drawn
    dates, else the median window of drawn ones (`folder.shock_windows`, as charts shade
    them). None when the run has no shock with a window."""
    windows = shock_windows(results)
    start = as_date(results.scenario.get("start"))
    if windows.empty or start is None:
        return None
    kinds = {}
    for i, shock in enumerate(results.scenario.get("shocks") or []):
        label = shock.get("name") or f"{shock.get('type', 'shock')}#{i + 1}"
        kinds[str(label)] = str(shock.get("type", ""))
    content = windows["shock"].map(lambda s: kinds.get(str(s)) in CONTENT_TYPES)
    control = windows["shock"].map(lambda s: kinds.get(str(s)) in CONTROL_TYPES)
    if content.any():
        control = content
    chosen = windows[control] if control.any() else windows
    first, last = pd.Timestamp(chosen["start"].min()), pd.Timestamp(chosen["end"].max())
    return Window(
        start=float((first - start).days),
        end=float((last - start).days),
        first=first,
        last=last,
        controls=bool(control.any()),
        drawn=bool(chosen["drawn"].any()),
        count=len(chosen),
    )


PERIODS = ("before", "during", "after")
WHOLE_RUN = "whole run"


def periods(window: Window | None, horizon: float) -> list[tuple[str, float, float]]:
    """(name, first day, end day) of before, during and after the window, or one 'whole run'
    when there is no window; empty periods (a window from day 0, or to the horizon) left out."""
    if window is None:
        return [(WHOLE_RUN, 0.0, horizon)]
    spans = [
        ("before", 0.0, window.start),
        ("during", window.start, window.end),
        ("after", window.end, horizon),
    ]
    return [s for s in spans if s[2] > s[1]]


def midpoints(origin: pd.DataFrame) -> pd.Series:
    """The day at the middle of each row's bucket: a bucket belongs to the period holding it."""
    return origin["day"] + origin["days"] / 2.0


def in_period(origin: pd.DataFrame, first: float, end: float) -> pd.DataFrame:
    """The rows of buckets whose midpoint lies in [first, end)."""
    mid = midpoints(origin)
    return origin[(mid >= first) & (mid < end)]


def mass_weighted(origin: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Shares over the rows of each group of `keys` (which must hold `mineral`): for each (stage,
    country) of origin, sum of share x delivered_t / sum of delivered_t over the markets and
    buckets of the group, origins absent from a market counting 0. Columns: keys,
    origin_stage, origin_country, share, delivered_t (the group's tonnes put in use)."""
    keys = list(keys)
    columns = [*keys, "origin_stage", "origin_country", "share", "delivered_t"]
    if origin.empty:
        return pd.DataFrame(columns=columns)
    unit = [c for c in ("policy", "market", "mineral", "bucket") if c in origin]
    totals = origin.drop_duplicates(unit).groupby(keys, sort=False)["delivered_t"].sum()
    mass = origin.assign(mass=origin["share"].fillna(0.0) * origin["delivered_t"])
    tags = mass.groupby([*keys, "origin_stage", "origin_country"], sort=False)["mass"].sum()
    out = tags.reset_index().join(totals.to_frame("total"), on=keys)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(out["total"] > 0, out["mass"] / out["total"], np.nan)
    out = out.assign(share=share, delivered_t=out["total"])
    return out[columns]


def tag_share(shares: pd.DataFrame, keys: Sequence[str], country: str, stage: str) -> pd.Series:
    """From `mass_weighted(.., keys)`: the share from (stage, country) per group of `keys`
    (0 where the origin has no row but the group put material in use)."""
    keys = list(keys)
    totals = shares.drop_duplicates(keys).set_index(keys)["delivered_t"]
    rows = shares[(shares["origin_stage"] == stage) & (shares["origin_country"] == country)]
    found = rows.set_index(keys)["share"]
    out = found.reindex(totals.index)
    return out.where(out.notna() | ~(totals > 0), 0.0)
