"""Sourcing concentration per consuming country, mineral and stage bought from abroad:
HHI of named origins (0-1), the share from aggregates (rest of world), import reliance and the
share from each named partner."""

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
        frame["metric"].isin(
            ["sourcing_hhi", "sourcing_aggregate_share", "import_reliance", "share_from"]
        )
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
                share(row.get("sourcing_aggregate_share", math.nan)),
                share(row["import_reliance"]),
            ]
            + [share(row.get(p, math.nan)) for p in partners]
        )
    mean = "Means across replications. " if results.ensemble else ""
    table = Table(
        [
            "country",
            "mineral",
            "stage",
            "HHI of named origins",
            "from rest of world",
            "import reliance",
            *partners,
        ],
        out,
        numeric=set(range(3, 6 + len(partners))),
        note=f"{mean}Shares of the tonnes shipped to the country's nodes over the "
        "horizon. HHI: sum of squared shares by named country of origin (0-1); the "
        "rest-of-world aggregate (XW) is not one country, so it is left out of the HHI and "
        "its share is shown apart (the HHI is then a lower bound). Import reliance: share "
        "from abroad. Only what a country buys from abroad is listed.",
    )
    return [Block("h3", "Sourcing concentration"), Block("table", table=table)]
