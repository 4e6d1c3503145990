"""Where a country's supply comes from: shares of the tonnes shipped into its nodes by supplier
country, over time (shipments.csv) and in total over the horizon (flows.csv), with the
Herfindahl-Hirschman index (HHI, 0-1 scale) of those shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.output.charts.style import country_colour, country_hatch, date_axis, new_figure
from sim.output.folder import RunInfo
from sim.output.labels import country_name, mineral_label
from sim.vocabulary import STAGE_ORDER, hhi


def import_stage(flows: pd.DataFrame, country: str, mineral: str) -> str | None:
    """The stage at which `country` buys the largest share of `mineral` from abroad."""
    rows = flows[
        (flows["buyer_country"] == country)
        & (flows["mineral"] == mineral)
        & (flows["stage"] != "scrap")
    ]
    best, best_share = None, 0.0
    for stage, group in rows.groupby("stage"):
        total = group["shipped_t"].sum()
        abroad = group.loc[group["supplier_country"] != country, "shipped_t"].sum()
        if total > 0 and abroad / total > best_share + 1e-12:
            best, best_share = str(stage), float(abroad / total)
    return best


def sourcing_over_time(
    shipments: pd.DataFrame,
    country: str,
    mineral: str,
    info: RunInfo,
    *,
    stage: str | None = None,
    rep: int = 0,
) -> Figure:
    """One run: shares of the tonnes shipped into `country`'s nodes per review by supplier
    country (stacked), and their HHI on a second axis.

    `shipments` has one row per link and review: date, rep, supplier_country, buyer_country,
    mineral, stage, shipped_t. `stage` defaults to the one with the largest import share.
    """
    stage = stage or import_stage(shipments[shipments["rep"] == rep], country, mineral)
    rows = shipments[
        (shipments["rep"] == rep)
        & (shipments["buyer_country"] == country)
        & (shipments["mineral"] == mineral)
        & (shipments["stage"] == stage)
    ]
    if rows.empty:
        raise ValueError(f"no shipments of {mineral} ({stage}) into {country}")
    wide = rows.pivot_table(
        index="date", columns="supplier_country", values="shipped_t", aggfunc="sum"
    ).sort_index()
    wide.index = pd.to_datetime(wide.index)
    order = wide.sum().sort_values(ascending=False).index
    wide = wide[order]
    total = wide.sum(axis=1).to_numpy()
    shares = np.divide(
        wide.to_numpy(), total[:, None], out=np.full(wide.shape, np.nan), where=total[:, None] > 0
    )
    name = country_name(country)
    fig = new_figure(
        info,
        f"{name}'s {mineral_label(mineral)} supply at the {stage} stage by "
        f"country of origin: share of the tonnes shipped to {name} each review "
        f"({info.per_review()}), and the HHI",
        4.8,
    )
    ax = fig.subplots()
    x = wide.index
    ax.stackplot(
        x,
        (shares.T * 100),
        labels=[country_name(c) for c in order],
        colors=[country_colour(c) for c in order],
        hatch=[country_hatch(c) for c in order],
        edgecolor="white",
        linewidth=0.4,
        step="post",
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"share of {name}'s {stage} {mineral_label(mineral)} supply (%)")
    ax.spines["top"].set_visible(False)
    right = ax.twinx()
    right.plot(
        x,
        hhi(shares, axis=1),
        color="black",
        linewidth=2.0,
        linestyle=(0, (4, 1.5)),
        drawstyle="steps-post",
        label="HHI (right axis)",
    )
    right.set_ylim(0, 1)
    right.set_ylabel("HHI of supplier countries (0-1)")
    right.spines["top"].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    more, more_labels = right.get_legend_handles_labels()
    ax.legend(
        handles[::-1] + more,
        labels[::-1] + more_labels,
        loc="upper left",
        bbox_to_anchor=(1.1, 1.0),
        frameon=False,
        fontsize=8,
        title="origin",
    )
    date_axis(ax, x)
    return fig


def sourcing_totals(flows: pd.DataFrame, country: str, info: RunInfo, *, rep: int = 0) -> Figure:
    """One run: for each mineral and stage `country` buys, the shares of the tonnes shipped to
    its nodes over the horizon by supplier country (stacked bars), with the HHI of each bar."""
    rows = flows[
        (flows["rep"] == rep) & (flows["buyer_country"] == country) & (flows["stage"] != "scrap")
    ]
    table = rows.pivot_table(
        index=["mineral", "stage"],
        columns="supplier_country",
        values="shipped_t",
        aggfunc="sum",
        fill_value=0.0,
    )
    table = table[table.sum(axis=1) > 0]
    if table.empty:
        raise ValueError(f"nothing was shipped into {country}")
    table = table.sort_index(
        key=lambda idx: idx.map(lambda v: STAGE_ORDER.get(v, v)) if idx.name == "stage" else idx
    )
    order = table.sum().sort_values(ascending=False).index
    shares = table[order].div(table.sum(axis=1), axis=0)
    name = country_name(country)
    days = f"{info.horizon_days} days" if info.horizon_days else "the horizon"
    fig = new_figure(
        info,
        f"Where {name}'s supply comes from: shares of the tonnes shipped to its "
        f"nodes over {days}, by mineral and stage",
        max(2.8, 1.3 + 0.38 * len(table)),
    )
    ax = fig.subplots()
    y = np.arange(len(shares))
    left = np.zeros(len(shares))
    for origin in order:
        values = shares[origin].to_numpy() * 100
        ax.barh(
            y,
            values,
            left=left,
            color=country_colour(origin),
            hatch=country_hatch(origin),
            edgecolor="white",
            linewidth=0.5,
            height=0.7,
            label=country_name(origin),
        )
        left += values
    for i, (_, row) in enumerate(shares.iterrows()):
        tonnes = float(table.iloc[i].sum())
        ax.text(
            101,
            i,
            f"HHI {hhi(row.to_numpy(), axis=-1):.2f}   {tonnes:,.0f} t",
            va="center",
            fontsize=7.5,
        )
    ax.set_yticks(y, [f"{mineral_label(m)} ({s})" for m, s in shares.index], fontsize=8)
    ax.set_ylim(len(shares) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of tonnes shipped to the country's nodes (%)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside right upper",
        frameon=False,
        fontsize=8,
        title="origin",
    )
    return fig
