"""The report of a results folder: `report.html`, one self-contained page, and `report.md`.

`report.html` carries its CSS inline and every chart as an SVG data URI; it loads nothing from
the network (no scripts, fonts, styles or images), so it can be mailed, archived and opened
offline. Text that contains a URL is shown with its colon escaped, so the page holds no address
a browser could fetch. `report.md` has the same tables in Markdown and references the charts as
`charts/<name>.png`, for people who paste into their own documents. Both are written under a
temporary name and renamed into place.

Contents: the scenario and its shocks, the key findings per market (single run: demand,
delivered, shortfall, fill rate, first shortfall; ensemble: mean fill rate, P(shortfall), P95 and
CVaR95 of shortfall), time to survive and recover, sourcing concentration, the charts, and the
provenance (provenance.json, the mass balance, scenario.resolved.yaml).

    python -m sim.output.report results/*     # rebuild the report of every results folder given
"""

from __future__ import annotations

import base64
import html
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.output import charts
from sim.output.charts import Chart, Results

STAGES = {"ore": 0, "refined": 1, "component": 2}


# ---------------------------------------------------------------------------------------------
# A small document model, rendered both as HTML and as Markdown
# ---------------------------------------------------------------------------------------------


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)
    """Indexes of right-aligned columns."""
    note: str = ""


@dataclass
class Block:
    kind: str
    """h2, h3, p, table, figure, details, list."""
    text: str = ""
    table: Table | None = None
    chart: Chart | None = None
    items: list[str] = field(default_factory=list)


def write_report(folder: Path | str) -> tuple[Path, Path]:
    """Draw the charts of a results folder into `folder/charts/` and write `report.html` and
    `report.md` beside them; return their paths."""
    folder = Path(folder)
    results = charts.load(folder)
    drawn = charts.draw_all(results)
    charts.save_all(drawn, folder / "charts")
    title, blocks = document(results, drawn)
    images = {c.name: (folder / "charts" / f"{c.name}.svg").read_bytes() for c in drawn}
    page = folder / "report.html"
    markdown = folder / "report.md"
    _write_atomically(page, render_html(title, blocks, images))
    _write_atomically(markdown, render_markdown(title, blocks))
    return page, markdown


def _write_atomically(target: Path, text: str) -> None:
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# What the report says
# ---------------------------------------------------------------------------------------------


def document(results: Results, drawn: Sequence[Chart]) -> tuple[str, list[Block]]:
    """The title and the blocks of the report, in reading order."""
    spec, info = results.scenario, results.info
    name = spec.get("name") or info.scenario
    reps = f"{info.replications:,} replication" + ("s" if info.replications != 1 else "")
    policies = [p for p in results.policies if p != charts.BASELINE]
    if policies:
        kind = f"baseline and {len(policies)} policies, {reps} each"
    elif results.get("stress") is not None:
        kind = "stress test"
    else:
        kind = f"ensemble of {reps}" if results.ensemble else "single run"
    base = results.for_policy(charts.BASELINE) if policies else results
    blocks = [
        Block("p", _run_line(results)),
        Block("p", " ".join(str(spec.get("description") or "").split())),
    ]
    if results.get("stress") is None:
        blocks += _shocks(results)
        blocks.append(
            Block("h2", "Key findings" + (" without a policy (baseline)" if policies else ""))
        )
        blocks += _findings(base)
    blocks += _timing(base)
    blocks += _policies(results, policies)
    blocks += _concentration(base)
    blocks += _stress(results)
    blocks += _figures(drawn)
    blocks += _provenance(results)
    return f"{name}: {kind}", [b for b in blocks if b.text or b.table or b.chart or b.items]


def _run_line(results: Results) -> str:
    spec, info = results.scenario, results.info
    start = charts._as_date(spec.get("start"))
    horizon = info.horizon_days or 0
    period = ""
    if start is not None:
        end = start + pd.Timedelta(days=horizon)
        period = f"{start:%d %b %Y} to {end:%d %b %Y} ({horizon:,} days), "
    base = (
        (spec.get("network") or {}).get("base")
        or (spec.get("network") or {}).get("resolved_from")
        or "inline network"
    )
    reps = f"{info.replications:,} replication" + ("s" if info.replications != 1 else "")
    return (
        f"{period}reviewed every {info.step_days} days; network {base}; seed {info.seed}; "
        f"{reps}; {len(spec.get('shocks') or [])} shock(s)."
    )


def _value(value: Any) -> str:
    """A scenario value as text; a distribution as 'uniform(low=0.4, high=0.7)'."""
    if isinstance(value, dict):
        if "dist" in value:
            args = ", ".join(f"{k}={v}" for k, v in value.items() if k != "dist")
            return f"{value['dist']}({args})"
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.items() if v not in ([], None))
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shocks(results: Results) -> list[Block]:
    shocks = results.scenario.get("shocks") or []
    if not shocks:
        return [Block("h2", "Shocks"), Block("p", "None: this run has no shocks.")]
    windows = charts.shock_windows(results).set_index("shock") if not results.ensemble else None
    rows = []
    for i, shock in enumerate(shocks):
        label = shock.get("name") or f"{shock.get('type', 'shock')}#{i + 1}"
        target = [
            f"{k.replace('_', ' ')}: {_value(shock[k])}"
            for k in (
                "country",
                "mineral",
                "to_countries",
                "chokepoint",
                "select",
                "markets",
                "nodes",
                "links",
            )
            if shock.get(k) not in (None, [], {})
        ]
        size = [
            f"{k.replace('_', ' ')} {_value(shock[k])}"
            for k in ("severity", "fraction", "factor", "licence_delay_days", "delay_days")
            if shock.get(k) not in (None, [], {})
        ]
        when = _value(shock.get("start", ""))
        if shock.get("end") is not None:
            when += f" to {_value(shock['end'])}"
        elif shock.get("duration_days") is not None:
            when += f" for {_value(shock['duration_days'])} days"
        if windows is not None and label in windows.index:
            row = windows.loc[label]
            actual = f"{row['start']:%Y-%m-%d} to {row['end']:%Y-%m-%d}"
            if actual != when:
                when += f" (in this run: {actual})"
        rows.append(
            [
                str(label),
                str(shock.get("type", "")),
                "; ".join(target),
                when,
                "; ".join(size),
                " ".join(str(shock.get("source") or "").split()),
            ]
        )
    return [
        Block("h2", "Shocks"),
        Block(
            "table", table=Table(["shock", "type", "what it hits", "when", "size", "source"], rows)
        ),
    ]


def qty(value: float) -> str:
    """A quantity for a table: thousands separated, a few significant digits when small."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if math.isinf(value):
        return "inf"
    if abs(value) >= 100 or value == 0:
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def share(value: float) -> str:
    """A fill rate or probability as a percentage; never rounds a shortfall up to 100%."""
    if value is None or math.isnan(value):
        return "-"
    text = f"{value:.1%}"
    if value < 1 and text == "100.0%":
        return ">99.9%"
    if value > 0 and text == "0.0%":
        return "<0.1%"
    return text


def days(value: float, never: str) -> str:
    if value is None or math.isnan(value):
        return "-"
    return never if math.isinf(value) else f"{value:,.0f}"


def _places(results: Results) -> pd.DataFrame:
    return charts.market_table(results).set_index("market")


def _findings(results: Results) -> list[Block]:
    if results.get("stress") is not None:
        return []
    return _ensemble_findings(results) if results.ensemble else _single_findings(results)


def _policies(results: Results, policies: list[str]) -> list[Block]:
    """What each policy does, its ranking by cost per tonne avoided, and its effect on the
    markets that matter (paired differences from the baseline with 95% CIs)."""
    if not policies:
        return []
    blocks = [Block("h2", "Policies")]
    declared = {str(p.get("name")): p for p in results.scenario.get("policies") or []}
    rows = [
        [
            name,
            "; ".join(_lever(lever) for lever in declared.get(name, {}).get("levers") or []),
            " ".join(str(declared.get(name, {}).get("description") or "").split()),
        ]
        for name in policies
    ]
    blocks.append(Block("table", table=Table(["policy", "levers", "description"], rows)))
    ranking = results.get("ranking")
    if ranking is not None and not ranking.empty:
        records = ranking.to_dict("records")
        rows = [
            [
                str(int(r["rank"])),
                str(r["policy"]),
                str(r["levers"]),
                qty(float(r["cost_usd"])),
                qty(float(r["shortfall_avoided_t"])),
                qty(float(r["shortfall_avoided_units"])),
                qty(float(r["cost_per_t_avoided"])),
                qty(float(r["cost_per_unit_avoided"])),
            ]
            for r in records
        ]
        most = max(records, key=lambda r: float(r["shortfall_avoided_t"]))
        lines = [
            f"Cheapest per tonne of shortfall avoided: {records[0]['policy']} "
            f"({qty(float(records[0]['cost_per_t_avoided']))} USD/t). Most shortfall "
            f"avoided: {most['policy']} ({qty(float(most['shortfall_avoided_t']))} t)."
        ]
        lines += [
            f"{r['policy']}: {r['vs_best_part']}."
            for r in records
            if isinstance(r.get("vs_best_part"), str) and r["vs_best_part"]
        ]
        blocks += [
            Block("h3", "Ranking"),
            Block("p", " ".join(lines)),
            Block(
                "table",
                table=Table(
                    [
                        "rank",
                        "policy",
                        "levers",
                        "cost (USD)",
                        "shortfall avoided (t)",
                        "shortfall avoided (units)",
                        "USD per t avoided",
                        "USD per unit avoided",
                    ],
                    rows,
                    numeric={0, 3, 4, 5, 6, 7},
                    note="Means over the replications, each policy paired with the baseline on "
                    "the same replications. Tonnes avoided are counted in the minerals the policy "
                    "acts on; units avoided are summed over markets in their own units. 'inf': the "
                    "policy avoided nothing. Costs follow the scenario's lever assumptions.",
                ),
            ),
        ]
    comparison = results.get("comparison")
    focus = charts.comparison_focus(results)
    if comparison is not None and not comparison.empty and focus:
        short = comparison[comparison["metric"] == "shortfall_units"]
        moved = [m for m in focus if (short.loc[short["market"] == m, "delta"].abs() > 0).any()]
        still = [m for m in focus if m not in moved]
        blocks.append(Block("h3", "Effect on the markets under stress"))
        if moved:
            blocks.append(Block("table", table=_effects(comparison, moved, policies)))
        if still:
            blocks.append(Block("p", f"No policy changes the shortfall of {', '.join(still)}."))
    return blocks


def _lever(lever: dict[str, Any]) -> str:
    keep = {
        k: v
        for k, v in lever.items()
        if k not in ("type", "node", "source") and v not in (None, [], {})
    }
    node = lever.get("node")
    if isinstance(node, dict):
        keep["node"] = node.get("name")
    return f"{lever.get('type', '?')} ({_value(keep)})"


def _effects(comparison: pd.DataFrame, focus: list[str], policies: list[str]) -> Table:
    rows = []
    for market in focus:
        mine = comparison[comparison["market"] == market]
        for policy in policies:
            got = {str(r["metric"]): r for r in mine[mine["policy"] == policy].to_dict("records")}
            short = got.get("shortfall_units")
            if short is None:
                continue
            low, high = float(short["ci_low"]), float(short["ci_high"])
            interval = "-" if math.isnan(low) else f"{qty(low)} to {qty(high)}"
            fill = got.get("fill_rate", {}).get("variant_mean", math.nan)
            chance = got.get("any_shortfall", {}).get("variant_mean", math.nan)
            rows.append(
                [
                    market,
                    policy,
                    qty(float(short["baseline_mean"])),
                    qty(float(short["variant_mean"])),
                    qty(float(short["delta"])),
                    interval,
                    share(float(fill)),
                    share(float(chance)),
                ]
            )
    return Table(
        [
            "market",
            "policy",
            "shortfall, baseline",
            "shortfall, policy",
            "change",
            "95% CI of the change",
            "fill rate, policy",
            "P(shortfall), policy",
        ],
        rows,
        numeric={2, 3, 4, 6, 7},
        note="Cumulative shortfall in the market's unit, means over replications. "
        "Change: mean of (policy - baseline) over paired replications (common random "
        "numbers); negative is less shortfall.",
    )


def _stress(results: Results) -> list[Block]:
    stress = results.get("stress")
    if stress is None or stress.empty:
        return []
    columns = [str(c) for c in stress.columns]
    rows = [
        [qty(v) if isinstance(v, float) else str(v) for v in row]
        for row in stress.head(25).itertuples(index=False)
    ]
    numeric = {i for i, c in enumerate(columns) if pd.api.types.is_numeric_dtype(stress[c])}
    return [
        Block("h2", "Stress test"),
        Block(
            "table",
            table=Table(
                columns,
                rows,
                numeric,
                note=f"The first {len(rows)} of {len(stress)} targets, in the order of stress.csv.",
            ),
        ),
    ]


def _single_findings(results: Results) -> list[Block]:
    markets = results.get("markets")
    if markets is None:
        return [Block("p", "This results folder has no markets.csv.")]
    first = markets[markets["rep"] == markets["rep"].min()].copy()
    cover = _metric(results, "min_cover_days")
    short = first[first["shortfall_units"] > 1e-9 * first["demand_units"].clip(lower=1.0)]
    sentences = []
    if short.empty:
        sentences.append(
            f"Every one of the {len(first)} markets was fully served over the horizon."
        )
    else:
        sentences.append(f"{len(short)} of {len(first)} markets fell short.")
        for row in short.sort_values("fill_rate").itertuples(index=False):
            unit = charts.unit_label(str(row.unit))
            sentences.append(
                f"{row.market} ({charts.country_name(str(row.country))}, {row.sector}): "
                f"{qty(row.shortfall_units)} {unit} short of {qty(row.demand_units)} demanded "
                f"(fill rate {share(row.fill_rate)}), first shortfall on "
                f"{row.first_shortfall_date}."
            )
    first["order"] = [0 if m in set(short["market"]) else 1 for m in first["market"]]
    first = first.sort_values(["order", "fill_rate"], kind="stable")
    rows = [
        [
            str(r.market),
            str(r.country),
            str(r.sector),
            str(r.unit),
            qty(r.demand_units),
            qty(r.delivered_units),
            qty(r.shortfall_units),
            share(r.fill_rate),
            str(r.first_shortfall_date)
            if isinstance(r.first_shortfall_date, str) and r.first_shortfall_date
            else "-",
            qty(cover.get(str(r.market), math.nan)),
        ]
        for r in first.itertuples(index=False)
    ]
    table = Table(
        [
            "market",
            "country",
            "sector",
            "unit",
            "demand",
            "delivered",
            "shortfall",
            "fill rate",
            "first shortfall",
            "lowest cover (days)",
        ],
        rows,
        numeric={4, 5, 6, 7, 9},
        note="Totals over the horizon in the market's unit. Fill rate = delivered / "
        "demand. Lowest cover: the lowest days of cover over the horizon and the "
        "market's minerals. Markets that fell short come first.",
    )
    return [Block("p", " ".join(sentences)), Block("table", table=table)]


def _metric(results: Results, metric: str, column: str = "value") -> dict[str, float]:
    """Per market: a metric of the first replication (single runs) or a summary column."""
    if results.ensemble:
        summary = results.get("summary")
        if summary is None:
            return {}
        rows = summary[(summary["metric"] == metric) & (summary["market"] != "")]
        return {str(m): float(v) for m, v in zip(rows["market"], rows[column], strict=True)}
    metrics = results.get("metrics")
    if metrics is None:
        return {}
    rows = metrics[
        (metrics["metric"] == metric)
        & (metrics["rep"] == metrics["rep"].min())
        & (metrics["market"] != "")
    ]
    return {str(m): float(v) for m, v in zip(rows["market"], rows["value"], strict=True)}


def _ensemble_findings(results: Results) -> list[Block]:
    summary = results.get("summary")
    if summary is None:
        return [Block("p", "This results folder has no summary.csv.")]
    places = _places(results)
    n = results.info.replications
    fill = _metric(results, "fill_rate", "mean")
    chance = _metric(results, "any_shortfall", "mean")
    mean, p95 = (
        _metric(results, "shortfall_units", "mean"),
        _metric(results, "shortfall_units", "p95"),
    )
    tail = _metric(results, "shortfall_units", "cvar95")
    cover = _metric(results, "min_cover_days", "p50")
    order = sorted(fill, key=lambda m: (-chance.get(m, 0.0), fill[m]))
    short = [m for m in order if chance.get(m, 0.0) > 0]
    sentences = []
    if not short:
        sentences.append(
            "No market fell short" + (f" in any of the {n:,} replications." if n > 1 else ".")
        )
    else:
        sentences.append(
            f"{len(short)} of {len(fill)} markets fell short"
            + (f" in at least one of {n:,} replications." if n > 1 else ".")
        )
        for market in short:
            unit = (
                charts.unit_label(str(places.at[market, "unit"]))
                if market in places.index
                else "units"
            )
            sentences.append(
                f"{market}: short in {share(chance[market])} of replications; mean shortfall "
                f"{qty(mean.get(market, math.nan))} {unit}, P95 {qty(p95.get(market, math.nan))}"
                f", CVaR95 {qty(tail.get(market, math.nan))}; mean fill rate "
                f"{share(fill[market])}."
            )
    rows = []
    for market in order:
        country = str(places.at[market, "country"]) if market in places.index else ""
        unit = str(places.at[market, "unit"]) if market in places.index else ""
        rows.append(
            [
                market,
                country,
                unit,
                share(fill[market]),
                share(chance.get(market, 0.0)),
                qty(mean.get(market, math.nan)),
                qty(p95.get(market, math.nan)),
                qty(tail.get(market, math.nan)),
                qty(cover.get(market, math.nan)),
            ]
        )
    table = Table(
        [
            "market",
            "country",
            "unit",
            "mean fill rate",
            "P(shortfall)",
            "mean shortfall",
            "P95 shortfall",
            "CVaR95 shortfall",
            "lowest cover, median (days)",
        ],
        rows,
        numeric={3, 4, 5, 6, 7, 8},
        note=f"Across {_count(n)}. Shortfall: cumulative over the horizon in "
        "the market's unit. P(shortfall): share of replications with any shortfall. "
        "CVaR95: mean of the worst 5% of replications. Markets most likely to fall "
        "short come first.",
    )
    return [Block("p", " ".join(sentences)), Block("table", table=table)]


def _count(n: int) -> str:
    return f"{n:,} replication" + ("s" if n != 1 else "")


def _timing(results: Results) -> list[Block]:
    """Time to survive and to recover per focus market and shock."""
    focus = charts.focus_markets(results)
    if not focus:
        return []
    if results.ensemble:
        frame = results.get("summary")
        value = "p50"
    else:
        frame = results.get("metrics")
        if frame is not None:
            frame = frame[frame["rep"] == frame["rep"].min()]
        value = "value"
    if frame is None:
        return []
    rows = []
    timing = frame[frame["metric"].isin(["tts_days", "ttr_days"]) & frame["market"].isin(focus)]
    if timing.empty:
        return []
    for (market, shock), group in timing.groupby(["market", "shock"], sort=False):
        got = dict(zip(group["metric"], group[value].astype(float), strict=True))
        tts, ttr = got.get("tts_days", math.nan), got.get("ttr_days", math.nan)
        row = [str(market), str(shock), days(tts, "never")]
        if results.ensemble:
            finite = dict(zip(group["metric"], group["share_finite"].astype(float), strict=True))
            hit = finite.get("tts_days", math.nan)
            row.append(share(hit))
            row.append("-" if hit == 0 else days(ttr, "not within the horizon"))
        else:
            row.append("-" if math.isinf(tts) else days(ttr, "not within the horizon"))
        rows.append(row)
    columns = ["market", "shock", "time to survive (days)"]
    numeric = {2, 3}
    if results.ensemble:
        columns += ["replications that fell below the threshold", "time to recover (days)"]
        numeric = {2, 3, 4}
    else:
        columns.append("time to recover (days)")
    what = "Median across replications. " if results.ensemble else ""
    note = (
        f"{what}Time to survive: days from the shock's onset to the first review with a "
        "fill rate below the threshold (default 99%); 'never' if it did not happen. Time to "
        "recover: days from the onset to the first review after the shock's end from which "
        "the fill rate stays above the threshold for the settling window; '-' where the "
        "market never fell below the threshold. TTS < TTR flags exposure (DESIGN.md s. 6)."
    )
    return [
        Block("h3", "Time to survive and time to recover"),
        Block("table", table=Table(columns, rows, numeric, note)),
    ]


def _concentration(results: Results) -> list[Block]:
    """Per consuming country, mineral and stage bought from abroad: HHI, import reliance and
    the share from each named partner."""
    if results.ensemble:
        frame, value = results.get("summary"), "mean"
    else:
        frame, value = results.get("metrics"), "value"
        if frame is not None:
            frame = frame[frame["rep"] == frame["rep"].min()]
    if frame is None:
        return []
    rows = frame[
        frame["metric"].isin(["sourcing_hhi", "import_reliance", "share_from"])
        & ~frame["country"].map(charts.is_aggregate)
    ]
    if rows.empty:
        return []
    rows = rows.assign(
        column=[
            f"share from {p}" if m == "share_from" else m
            for m, p in zip(rows["metric"], rows["partner"], strict=True)
        ]
    )
    wide = rows.pivot_table(
        index=["country", "mineral", "stage"], columns="column", values=value, aggfunc="first"
    )
    if "import_reliance" not in wide:
        return []
    wide = wide[wide["import_reliance"] > 1e-3]
    if wide.empty:
        return []
    wide = wide.reset_index()
    wide["order"] = wide["stage"].map(STAGES).fillna(9)
    wide = wide.sort_values(["country", "mineral", "order"])
    partners = sorted(c for c in wide.columns if str(c).startswith("share from "))
    out = []
    for row in wide.to_dict("records"):
        out.append(
            [
                str(row["country"]),
                charts.mineral_label(str(row["mineral"])),
                str(row["stage"]),
                f"{row.get('sourcing_hhi', math.nan):.2f}",
                share(row["import_reliance"]),
            ]
            + [share(row.get(p, math.nan)) for p in partners]
        )
    mean = "Means across replications. " if results.ensemble else ""
    table = Table(
        ["country", "mineral", "stage", "HHI of origins", "import reliance", *partners],
        out,
        numeric=set(range(3, 5 + len(partners))),
        note=f"{mean}Shares of the tonnes shipped to the country's nodes over the "
        "horizon. HHI: sum of squared shares by country of origin (0-1). Import "
        "reliance: share from abroad. Only what a country buys from abroad is listed.",
    )
    return [Block("h3", "Sourcing concentration"), Block("table", table=table)]


GROUPS = {
    "overview": "Overview",
    "policies": "Policies",
    "markets": "Markets under stress",
    "risk": "Risk across replications",
    "sourcing": "Sourcing by country",
    "network": "The network",
}


def _figures(drawn: Sequence[Chart]) -> list[Block]:
    if not drawn:
        return []
    blocks = [Block("h2", "Charts")]
    for group, heading in GROUPS.items():
        mine = [c for c in drawn if c.group == group]
        if mine:
            blocks.append(Block("h3", heading))
            blocks += [Block("figure", chart=c) for c in mine]
    return blocks


def _provenance(results: Results) -> list[Block]:
    prov = results.provenance
    rows = [
        [str(k), " ".join(str(x) for x in v) if isinstance(v, list) else str(v)]
        for k, v in prov.items()
    ]
    blocks = [
        Block("h2", "Provenance"),
        Block("table", table=Table(["field", "value"], rows, note="From provenance.json.")),
    ]
    balance = results.get("balance")
    if balance is not None and not balance.empty:
        column = (
            "relative_residual" if "relative_residual" in balance else "worst_relative_residual"
        )
        worst = balance.iloc[int(balance[column].abs().to_numpy().argmax())]
        blocks.append(
            Block(
                "p",
                f"Mass balance (balance.csv): the largest relative residual "
                f"is {abs(float(worst[column])):.1e}, for {worst['mineral']}.",
            )
        )
    files = _files(results)
    if files:
        blocks.append(Block("list", text="Files in this folder:", items=files))
    resolved = results.folder / "scenario.resolved.yaml"
    if resolved.is_file():
        blocks.append(Block("details", text=resolved.read_text(encoding="utf-8")))
    return blocks


def _files(results: Results) -> list[str]:
    from sim.output.folder import COMPARISON_FILES, ENSEMBLE_FILES, FILES, STRESS_FILES

    if results.policies:
        known = dict(COMPARISON_FILES)
    elif results.get("stress") is not None:
        known = dict(STRESS_FILES)
    else:
        known = dict(ENSEMBLE_FILES if results.ensemble else FILES)
    known["shipments.csv"] = "per review and link: tonnes shipped"
    listed = [f"{name}: {text}" for name, text in known.items() if (results.folder / name).exists()]
    return [
        *listed,
        "charts/: every chart as PNG (200 dpi) and SVG",
        "report.html, report.md: this report",
    ]


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: #1a1a1a; background: #fff; line-height: 1.45; margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 0.4rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; border-bottom: 2px solid #333;
     padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.5rem; }
p { margin: 0.4rem 0 0.8rem; max-width: 75em; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.4rem 0 0.3rem; }
th, td { border-bottom: 1px solid #d0d0d0; padding: 4px 8px; vertical-align: top;
         text-align: left; }
th { background: #f0f0f0; border-bottom: 2px solid #888; }
tbody tr:nth-child(even) { background: #fafafa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.long { font-size: 0.78rem; color: #444; min-width: 18em; }
td.date { min-width: 11em; }
.note { font-size: 0.8rem; color: #555; margin-top: 0.2rem; }
figure { margin: 1rem 0 1.8rem; break-inside: avoid; page-break-inside: avoid; }
figure img { width: 100%; height: auto; border: 1px solid #e2e2e2; }
figcaption { font-size: 0.85rem; color: #333; margin-top: 0.3rem; }
details pre { font-size: 0.75rem; background: #f6f6f6; padding: 10px; overflow-x: auto;
              max-height: 40em; }
.lead { color: #444; }
@media print {
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  details pre { max-height: none; }
}
"""


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _text(value: str) -> str:
    """Escaped text; '://' is written with its colon as a character reference, so no address
    in the page can be fetched or auto-linked (it still reads the same)."""
    return html.escape(value).replace("://", "&#58;//")


def _html_table(table: Table) -> str:
    long = {i for i, c in enumerate(table.columns) if c in ("source", "what it hits", "value")}
    dates = {i for i, c in enumerate(table.columns) if c in ("when", "first shortfall")}

    def cls(i: int) -> str:
        if i in table.numeric:
            return ' class="num"'
        return ' class="long"' if i in long else (' class="date"' if i in dates else "")

    head = "".join(f"<th{cls(i)}>{_text(c)}</th>" for i, c in enumerate(table.columns))
    body = "\n".join(
        "<tr>" + "".join(f"<td{cls(i)}>{_text(v)}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in table.rows
    )
    note = f'<p class="note">{_text(table.note)}</p>' if table.note else ""
    return (
        f'<div class="wide"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n'
        f"</tbody>\n</table></div>{note}"
    )


def render_html(title: str, blocks: Sequence[Block], images: dict[str, bytes]) -> str:
    """The page; `images` maps each chart's name to its SVG, embedded as a data URI."""
    parts = [f"<h1>{_text(title)}</h1>"]
    figure = 0
    for block in blocks:
        if block.kind in ("h2", "h3"):
            parts.append(f"<{block.kind}>{_text(block.text)}</{block.kind}>")
        elif block.kind == "p":
            parts.append(f"<p>{_text(block.text)}</p>")
        elif block.kind == "table" and block.table is not None:
            parts.append(_html_table(block.table))
        elif block.kind == "list":
            items = "".join(f"<li>{_text(i)}</li>" for i in block.items)
            parts.append(f"<p>{_text(block.text)}</p><ul>{items}</ul>")
        elif block.kind == "figure" and block.chart is not None:
            figure += 1
            chart = block.chart
            parts.append(
                f'<figure id="{_text(chart.name)}"><img alt="{_text(chart.title)}" '
                f'src="data:image/svg+xml;base64,{_base64(images[chart.name])}">'
                f"<figcaption><b>Figure {figure}.</b> {_text(chart.caption)} "
                f"<i>(charts/{_text(chart.name)}.png and .svg)</i>"
                "</figcaption></figure>"
            )
        elif block.kind == "details":
            parts.append(
                "<details><summary>scenario.resolved.yaml (the scenario as run)"
                f"</summary><pre>{_text(block.text)}</pre></details>"
            )
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_text(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------


def _md_cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|")


def _md_table(table: Table) -> str:
    head = "| " + " | ".join(_md_cell(c) for c in table.columns) + " |"
    rule = (
        "|"
        + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.columns)))
        + "|"
    )
    rows = ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in table.rows]
    note = f"\n\n_{_md_cell(table.note)}_" if table.note else ""
    return "\n".join([head, rule, *rows]) + note


def render_markdown(title: str, blocks: Sequence[Block]) -> str:
    parts = [f"# {title}"]
    figure = 0
    for block in blocks:
        if block.kind == "h2":
            parts.append(f"## {block.text}")
        elif block.kind == "h3":
            parts.append(f"### {block.text}")
        elif block.kind == "p":
            parts.append(block.text)
        elif block.kind == "table" and block.table is not None:
            parts.append(_md_table(block.table))
        elif block.kind == "list":
            parts.append(
                block.text
                + "\n\n"
                + "\n".join(
                    f"- `{i.split(': ', 1)[0]}`: {i.split(': ', 1)[-1]}" for i in block.items
                )
            )
        elif block.kind == "figure" and block.chart is not None:
            figure += 1
            chart = block.chart
            parts.append(
                f"![{chart.title}](charts/{chart.name}.png)\n\n"
                f"**Figure {figure}.** {chart.caption} "
                f"(`charts/{chart.name}.svg` for print)"
            )
        elif block.kind == "details":
            parts.append("The scenario as run, with every node and link: `scenario.resolved.yaml`.")
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild the report of every results folder given; others are skipped with a note."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(
            "usage: python -m sim.output.report RESULTS_FOLDER [...]\n\n"
            "Draws the charts of each results folder (charts/*.png, *.svg) and writes "
            "report.html (self-contained) and report.md into it.",
            file=sys.stderr,
        )
        return 0 if args else 2
    written = 0
    for arg in args:
        folder = Path(arg)
        if not (folder / "provenance.json").is_file():
            print(f"skipped {folder}: not a results folder (no provenance.json)", file=sys.stderr)
            continue
        page, markdown = write_report(folder)
        print(f"report: {page} and {markdown.name}")
        written += 1
    return 0 if written else 2
