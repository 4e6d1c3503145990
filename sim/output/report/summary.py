"""The executive summary at the top of every report page: three sentences that answer the
briefing's questions from the results, and the one chart that shows the answer best.

- Single run, ensemble, policy comparison: who falls short and by how much (the market that
  loses the largest share of its demand, the shortfall in its unit and as a share of its demand;
  for replications, the market most likely to fall short, with P(shortfall)), when (its first
  shortfall: the date, or the median date over the replications where it falls short), and the
  best policy by the ranking's criterion with its cost per tonne of shortfall avoided and the
  95% interval of that ratio (`ranking.csv`), or why no policy is named.
- Stress test: the target whose loss costs most demand, how fast it bites against its time to
  recover, and how many targets are exposed.
- Sensitivity: the uncertain input that moves the market's shortfall most, the next one, and
  the shortfall as declared.

Every number comes from the results folder (`sim.output.folder`); only the sentence frames are
fixed text. Shortfalls are positive quantities (demand not delivered).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.output.folder import BASELINE, Results, as_date, label_of, market_table, node_labels
from sim.output.labels import country_name, unit_label
from sim.output.report.document import Block
from sim.output.report.exact import identical
from sim.output.report.formats import qty, replications, share
from sim.output.report.policies import CRITERION_TEXT, ranked_by
from sim.output.report.uncertainty import wide, with_interval

if TYPE_CHECKING:
    from sim.output.charts import Chart

TIE_RTOL = 1e-9
"""Two policies (or inputs) whose criterion values differ by less than this share tie."""


@dataclass(frozen=True)
class Short:
    """One market's shortfall over the horizon: `shortfall` and `demand` in the market's unit
    (means over replications for an ensemble), `chance` the share of replications with any
    shortfall (1 or 0 for one run), `first_day` its first shortfall in days after the start
    (the median over the replications where it falls short; NaN when it never does)."""

    market: str
    label: str
    country: str
    unit: str
    shortfall: float
    demand: float
    chance: float
    first_day: float
    row: dict[Any, Any] | None = None
    """The market's any_shortfall row of summary.csv (P(shortfall) and its interval)."""

    @property
    def lost(self) -> float:
        """Shortfall / demand (0 when there is no demand)."""
        return self.shortfall / self.demand if self.demand > 0 else 0.0


def summary_blocks(results: Results, drawn: Sequence[Chart]) -> tuple[list[Block], str]:
    """The 'Summary' section (its sentences, then its headline chart) and the name of that
    chart ('' when none was drawn), which the 'Charts' section then leaves out."""
    if results.kind == "stress":
        sentences, wanted = stress_sentences(results), ["stress_exposure"]
    elif results.kind == "sensitivity":
        sentences, wanted = sensitivity_sentences(results), ["tornado"]
    else:
        base = results.for_policy(BASELINE) if results.policies else results
        shorts = shortfalls(base)
        sentences = [*shortfall_sentences(base, shorts), policy_sentence(results)]
        worst = [f"supply_demand_{shorts[0].market}"] if shorts else []
        wanted = (["policy_effects"] if results.policies else []) + worst + ["fill_rate_overview"]
    blocks = [Block("h2", "Summary"), Block("p", " ".join(s for s in sentences if s))]
    by_name = {c.name: c for c in drawn}
    chart = next((by_name[name] for name in wanted if name in by_name), None)
    if chart is None:
        return blocks, ""
    return [*blocks, Block("figure", chart=chart)], chart.name


def shortfalls(results: Results) -> list[Short]:
    """The markets that fall short (in one replication at least), worst first: most likely to
    fall short, then the largest share of demand lost."""
    labels = node_labels(results)
    rows = (_ensemble_rows if results.ensemble else _single_rows)(results, labels)
    short = [r for r in rows if r.chance > 0 and r.shortfall > 0]
    return sorted(short, key=lambda r: (-r.chance, -r.lost, r.market))


def _single_rows(results: Results, labels: dict[str, str]) -> list[Short]:
    markets = results.get("markets")
    if markets is None:
        return []
    first = markets[markets["rep"] == markets["rep"].min()]
    return [
        Short(
            str(r["market"]),
            label_of(labels, str(r["market"])),
            str(r["country"]),
            str(r["unit"]),
            float(r["shortfall_units"]),
            float(r["demand_units"]),
            1.0 if float(r["shortfall_units"]) > 1e-9 * max(float(r["demand_units"]), 1.0) else 0.0,
            float(r["first_shortfall_day"]),
        )
        for r in first.to_dict("records")
    ]


def _ensemble_rows(results: Results, labels: dict[str, str]) -> list[Short]:
    summary = results.get("summary")
    if summary is None:
        return []
    per_market = summary[summary["market"] != ""]

    def mean(metric: str) -> dict[str, float]:
        rows = per_market[per_market["metric"] == metric]
        return {str(m): float(v) for m, v in zip(rows["market"], rows["mean"], strict=True)}

    demand, short, chance = mean("demand_units"), mean("shortfall_units"), mean("any_shortfall")
    rows = per_market[per_market["metric"] == "any_shortfall"]
    chance_rows = {str(r["market"]): r for r in rows.to_dict("records")}
    first = _median_first_day(results)
    places = market_table(results).set_index("market")
    return [
        Short(
            market,
            label_of(labels, market),
            str(places.at[market, "country"]) if market in places.index else "",
            str(places.at[market, "unit"]) if market in places.index else "units",
            short.get(market, 0.0),
            demand.get(market, math.nan),
            chance.get(market, 0.0),
            first.get(market, math.nan),
            chance_rows.get(market),
        )
        for market in short
    ]


def _median_first_day(results: Results) -> dict[str, float]:
    """Per market: the median first-shortfall day over the replications where it falls short
    (metrics.csv), the lower median so that it is a day some replication had."""
    runs = results.get("metrics")
    if runs is None:
        return {}
    rows = runs[(runs["metric"] == "first_shortfall_day") & (runs["market"] != "")]
    rows = rows[np.isfinite(rows["value"].to_numpy(dtype=float))]
    return {
        str(market): float(np.quantile(days.to_numpy(dtype=float), 0.5, method="lower"))
        for market, days in rows.groupby("market", sort=False)["value"]
    }


def shortfall_sentences(results: Results, shorts: list[Short]) -> list[str]:
    """Who falls short and how much, and when (two sentences; one when nothing falls short)."""
    n, total = results.info.replications, len(market_table(results))
    if not shorts:
        if results.ensemble and n > 1:
            return [f"No market falls short in any replication ({replications(n)})."]
        return ["No market falls short over the horizon."]
    worst = shorts[0]
    unit = unit_label(worst.unit)
    where = _where(worst)
    many = len(shorts) > 1
    if results.ensemble and n > 1:
        chance = with_interval(worst.chance, worst.row, "prob_positive", share)
        loose = " (too few replications to state it firmly)" if wide(worst.row) else ""
        who = (
            f"{len(shorts)} of {total} markets fall short in at least one of {n:,} replications; "
            f"the most exposed, {worst.label}{where}, falls short in {chance} of them{loose}"
            if many
            else f"{_one(total, worst.label + where)} in {chance} of {n:,} replications{loose}"
        )
        first = (
            f"{who}, by a mean {qty(worst.shortfall)} {unit}, {share(worst.lost)} of its demand."
        )
        when = "median over the replications where it falls short"
    else:
        who = (
            f"{len(shorts)} of {total} markets fall short; the worst is {worst.label}{where}"
            if many
            else _one(total, worst.label + where)
        )
        first = (
            f"{who}{',' if many else ''} by {qty(worst.shortfall)} {unit}, {share(worst.lost)} "
            "of its demand."
        )
        when = ""
    date = _date(results, worst.first_day)
    if not date:
        return [first]
    if when:
        date = date.replace(")", f"; {when})")
    return [first, f"Its first shortfall comes on {date}."]


def _one(total: int, market: str) -> str:
    """'One of 22 markets falls short: X' or, with one market, 'The only market, X, falls
    short'."""
    if total <= 1:
        return f"The only market, {market}, falls short"
    return f"One of {total} markets falls short, {market},"


def _where(short: Short) -> str:
    """' (India)' after a market's label that does not name its country already."""
    if not short.country:
        return ""
    name = country_name(short.country)
    return "" if name.lower() in short.label.lower() else f" ({name})"


def _date(results: Results, day: float) -> str:
    """Days after the scenario's start as '12 Mar 2025 (day 70)'; '' for NaN or infinity."""
    if not math.isfinite(day):
        return ""
    start = as_date(results.scenario.get("start"))
    if start is None:
        return f"day {day:,.0f}"
    return f"{start + pd.Timedelta(days=day):%d %b %Y} (day {day:,.0f})"


def policy_sentence(results: Results) -> str:
    """The best policy by the ranking's criterion, its cost per tonne avoided and the 95%
    interval of that ratio; or why no policy is named (none compared, none avoids anything,
    costs not declared, a tie)."""
    if not results.policies:
        declared = len(results.scenario.get("policies") or [])
        if declared:
            return f"The scenario's {declared} policies were not compared in this run."
        return "No policy was compared: the scenario declares none."
    ranking = results.get("ranking")
    if ranking is None or ranking.empty:
        return "The policies were run, but this folder has no ranking (ranking.csv)."
    criterion = ranked_by(results.provenance)
    records = ranking.to_dict("records")
    helping = [r for r in records if float(r["shortfall_avoided_t"]) > 0]
    if not helping:
        return (
            f"None of the {len(records)} policies avoids any shortfall in the minerals it acts "
            "on, so none is named best."
        )
    best = helping[0]
    by = CRITERION_TEXT.get(criterion, criterion)
    tied = [r["policy"] for r in helping[1:] if _tie(r, best, criterion)]
    name = str(best["policy"])
    head = (
        f"Ranked by {by}, {' and '.join([name, *map(str, tied)])} tie as best"
        if tied
        else f"The best policy by {by} is {name}"
    )
    if records[0] is not best:
        head += f" ({records[0]['policy']} ranks first but avoids no shortfall)"
    cost = float(best["cost_per_t_avoided"])
    text = (
        f"{head}: {qty(cost)} USD per tonne of shortfall avoided{_interval(results, best)}, "
        f"{qty(float(best['shortfall_avoided_t']))} t avoided for {qty(float(best['cost_usd']))} "
        "USD (present value)"
    )
    if not bool(best.get("cost_declared", True)):
        text += (
            f"; its cost is not declared in full ({best.get('cost_not_declared')}), so the cost "
            "per tonne is a lower bound"
        )
    return text + "."


def _tie(record: Mapping[Any, Any], best: Mapping[Any, Any], criterion: str) -> bool:
    column = criterion if criterion in record else "cost_per_t_avoided"
    a, b = float(record[column]), float(best[column])
    return bool(
        math.isclose(a, b, rel_tol=TIE_RTOL)
        and bool(record.get("cost_declared", True)) == bool(best.get("cost_declared", True))
    )


def _interval(results: Results, record: Mapping[Any, Any]) -> str:
    """' (95% CI a to b)' of the cost per tonne avoided, or why there is none."""
    if identical(results):
        return " (exact: the replications are identical)"
    low, high = record.get("cost_per_t_ci_low"), record.get("cost_per_t_ci_high")
    if low is None or high is None or math.isnan(float(low)) or math.isnan(float(high)):
        return " (no 95% interval: too few replications)"
    return f" (95% CI {qty(float(low))} to {qty(float(high))})"


def stress_sentences(results: Results) -> list[str]:
    """The target whose loss costs most demand, how fast against its recovery, and how many
    targets are exposed (TTS < TTR)."""
    stress = results.get("stress")
    if stress is None or stress.empty:
        return []
    labels = node_labels(results)
    records = stress.to_dict("records")
    top = records[0]
    if float(top["lost_demand"]) <= 0:
        return [f"None of the {len(records)} targets cut costs any demand: every market is served."]
    market = str(top.get("hardest_hit_market") or "")
    target = label_of(labels, str(top["target"]))
    first = (
        f"The top exposure is {target} ({top['kind']}, {top['mineral']}): losing it for "
        f"{qty(float(top['ttr_days']))} days leaves {qty(float(top['lost_demand']))} of a "
        "market's demand unmet (lost demand: the shares of each market's demand not delivered, "
        f"summed over markets); hardest hit is {label_of(labels, market)}, which loses "
        f"{share(float(top['hardest_hit_lost_share']))} of its demand."
    )
    tts = float(top["tts_days"])
    second = (
        f"Markets start falling short {qty(tts)} days after the cut, "
        + ("before" if tts < float(top["ttr_days"]) else "not before")
        + f" it recovers ({qty(float(top['ttr_days']))} days)."
        if math.isfinite(tts)
        else "No market falls below the fill-rate threshold after the cut."
    )
    exposed = sum(bool(r["exposed"]) for r in records)
    third = f"{exposed} of {len(records)} targets are exposed (they fail before they recover)."
    return [first, second, third]


def sensitivity_sentences(results: Results) -> list[str]:
    """The input that moves the market's shortfall most (or a tie, or none), the next one, and
    the shortfall as declared."""
    table = results.get("sensitivity")
    if table is None or table.empty:
        return []
    records = table.to_dict("records")
    market = label_of(node_labels(results), str(records[0]["market"]))
    unit = unit_label(str(records[0]["unit"]))
    declared = (
        f"With every input as declared, the mean shortfall of {market} is "
        f"{qty(float(records[0]['shortfall_as_declared']))} {unit}."
    )
    top = records[0]
    swing = float(top["swing"])
    if swing <= 0:
        return [
            f"None of the {len(records)} uncertain inputs moves the shortfall of {market}.",
            declared,
        ]
    tied = [str(r["input"]) for r in records[1:] if math.isclose(float(r["swing"]), swing)]
    moves = (
        f"{' and '.join([str(top['input']), *tied])} move the shortfall of {market} most, equally"
        if tied
        else f"{top['input']} moves the shortfall of {market} most"
    )
    first = (
        f"{moves}: from {qty(float(top['shortfall_at_p5']))} {unit} with it at its P5 "
        f"({qty(float(top['p5']))}) to {qty(float(top['shortfall_at_p95']))} at its P95 "
        f"({qty(float(top['p95']))}), a swing of {qty(swing)}."
    )
    rest = records[1 + len(tied) :]
    second = (
        f"Next is {rest[0]['input']} (swing {qty(float(rest[0]['swing']))} {unit})." if rest else ""
    )
    return [first, second, declared]
