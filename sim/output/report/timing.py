"""Time to survive and time to recover (days) per focus market and shock (DESIGN.md s. 6)."""

from __future__ import annotations

import math

from sim.output.focus import focus_markets
from sim.output.folder import Results, node_labels
from sim.output.report.document import Block, Table
from sim.output.report.formats import days, named, share


def timing_table(results: Results) -> list[Block]:
    """Time to survive and to recover per focus market and shock."""
    focus = focus_markets(results)
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
    labels = node_labels(results)
    timing = frame[frame["metric"].isin(["tts_days", "ttr_days"]) & frame["market"].isin(focus)]
    if timing.empty:
        return []
    for (market, shock), group in timing.groupby(["market", "shock"], sort=False):
        got = dict(zip(group["metric"], group[value].astype(float), strict=True))
        tts, ttr = got.get("tts_days", math.nan), got.get("ttr_days", math.nan)
        row = [named(labels, str(market)), str(shock), days(tts, "never")]
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
    what = (
        "Median across replications; the time to recover is the median over the replications "
        "in which the market fell below the threshold (it is undefined in the others). "
        if results.ensemble
        else ""
    )
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
