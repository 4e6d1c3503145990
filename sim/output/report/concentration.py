"""Sourcing concentration per consuming country, mineral and stage bought from abroad:
HHI of origins (0-1), import reliance and the share from each named partner."""

from __future__ import annotations

import math

from sim.output.folder import Results
from sim.output.labels import is_aggregate, mineral_label
from sim.output.report.document import Block, Table
from sim.output.report.formats import share
from sim.vocabulary import STAGE_ORDER


def concentration_table(results: Results) -> list[Block]:
    """Per consuming country, mineral and stage bought from abroad: HHI, import reliance and
    the share from each named partner."""
    frame, value = results.metric_values()
    if frame is None:
        return []
    rows = frame[
        frame["metric"].isin(["sourcing_hhi", "import_reliance", "share_from"])
        & ~frame["country"].map(is_aggregate)
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
    wide["order"] = wide["stage"].map(STAGE_ORDER).fillna(9)
    wide = wide.sort_values(["country", "mineral", "order"])
    partners = sorted(c for c in wide.columns if str(c).startswith("share from "))
    out = []
    for row in wide.to_dict("records"):
        out.append(
            [
                str(row["country"]),
                mineral_label(str(row["mineral"])),
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
