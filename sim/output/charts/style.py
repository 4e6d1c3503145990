"""The look shared by every chart: palettes, styles, figure furniture.

One colour and one hatch per country, one colour and line style per mineral, one colour, dash
pattern and marker per policy (the baseline black and solid), so that a chart stays readable
when printed in grey (DESIGN.md s. 7). `new_figure` gives every chart the same title, size and
footer (scenario, seed, replications); the other helpers set date axes, thousands separators,
light grids, shaded shock windows and legends beside the axes.
"""

from __future__ import annotations

import textwrap
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter

from sim.output.folder import BASELINE, RunInfo

WIDTH_IN = 9.0
"""Default figure width, inches."""
FOOTER_IN = 0.28
"""Height kept free at the bottom of every figure for the footer, inches."""

# ---------------------------------------------------------------------------------------------
# Palette: one colour and one hatch per country, one colour and line style per mineral. Fixed
# entries for the countries of the built-in network; any other code gets a stable entry from
# its name (not from its position in a chart), so a country looks the same in every chart.
# ---------------------------------------------------------------------------------------------

COUNTRY_COLOURS = {
    "CN": "#D55E00",
    "JP": "#0072B2",
    "IN": "#E69F00",
    "AU": "#009E73",
    "US": "#CC79A7",
    "XW": "#9A9A9A",
    "ID": "#56B4E9",
    "CD": "#8C564B",
    "CL": "#F0E442",
    "AR": "#BCBD22",
    "MY": "#17BECF",
    "MM": "#7F3C8D",
    "MZ": "#11A579",
    "MG": "#3969AC",
    "FI": "#80BA5A",
    "KR": "#E73F74",
    "CA": "#A5AA99",
    "BR": "#4B4B8F",
    "ZA": "#F2B701",
    "RU": "#6F4070",
    "PH": "#008695",
    "VN": "#CF1C90",
    "DE": "#3D3D3D",
    "GB": "#B3B3FF",
}
SPARE_COLOURS = (
    "#1B9E77",
    "#D95F02",
    "#7570B3",
    "#E7298A",
    "#66A61E",
    "#E6AB02",
    "#A6761D",
    "#666666",
    "#1F78B4",
    "#B2DF8A",
    "#FB9A99",
    "#CAB2D6",
)
COUNTRY_HATCHES = {
    "CN": "////",
    "JP": "",
    "IN": "----",
    "AU": "\\\\\\\\",
    "US": "xxx",
    "XW": "",
    "ID": "|||",
    "CD": "+++",
    "CL": "//",
    "AR": "\\\\",
    "MY": "--",
    "MM": "||",
    "MZ": "x",
    "MG": "/|",
    "FI": "\\|",
}
SPARE_HATCHES = ("//", "\\\\", "xx", "++", "--", "||", "/-", "\\-", "/|", "\\|")
"""Line hatches only: dots, circles and stars make SVG files ten times larger."""
MINERAL_STYLES: dict[str, tuple[str, Any]] = {
    "rare_earths": ("#7F3C8D", "-"),
    "lithium": ("#11A579", "--"),
    "cobalt": ("#3969AC", "-."),
    "nickel": ("#80BA5A", ":"),
    "graphite": ("#444444", (0, (6, 1.5, 1, 1.5, 1, 1.5))),
    "gallium": ("#E68310", (0, (1, 1))),
    "germanium": ("#CF1C90", (0, (8, 2))),
    "manganese": ("#A5AA99", (0, (3, 1, 1, 1))),
    "copper": ("#B87333", (0, (4, 4))),
}
POLICY_STYLES: tuple[tuple[str, Any, str], ...] = (
    ("#0072B2", (0, (6, 2)), "o"),
    ("#D55E00", (0, (3, 1.5, 1, 1.5)), "s"),
    ("#009E73", (0, (1, 1.2)), "^"),
    ("#CC79A7", (0, (8, 2, 1, 2, 1, 2)), "D"),
    ("#E69F00", (0, (4, 1)), "v"),
    ("#56B4E9", (0, (2, 2)), "P"),
    ("#8C564B", (0, (10, 3)), "X"),
    ("#7F3C8D", (0, (5, 1, 1, 1, 1, 1)), "*"),
)
"""(colour, line style, marker) of the policies in the order the scenario lists them."""
DEMAND = {"color": "black", "linestyle": (0, (5, 2)), "linewidth": 1.4}
SHORTFALL = {"facecolor": "#D55E00", "edgecolor": "#7A2E00", "hatch": "////"}
SHOCK_FILL = "#BBBBBB"
SHOCK_HATCHES = ("\\\\", "//", "xx", "--", "||")


def _stable(code: str, choices: Sequence[str]) -> str:
    """An entry of `choices` fixed by `code` alone (its CRC-32), not by chart position."""
    return choices[zlib.crc32(code.encode()) % len(choices)]


def country_colour(code: str) -> str:
    """The colour of a country (ISO 3166 alpha-2) in every chart."""
    return COUNTRY_COLOURS.get(code) or _stable(code, SPARE_COLOURS)


def country_hatch(code: str) -> str:
    """The hatch of a country in every filled area (for grey-scale print)."""
    found = COUNTRY_HATCHES.get(code)
    return found if found is not None else _stable(code, SPARE_HATCHES)


def mineral_style(mineral: str) -> tuple[str, Any]:
    """(colour, line style) of a mineral."""
    return MINERAL_STYLES.get(mineral, (_stable(mineral, SPARE_COLOURS), "-"))


def policy_styles(policies: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Line keyword arguments per policy: the baseline black, solid and thickest; the others
    one colour, dash pattern and marker each, in the order given (the scenario's order)."""
    styles: dict[str, dict[str, Any]] = {}
    others = [p for p in policies if p != BASELINE]
    for name in policies:
        if name == BASELINE:
            styles[name] = {"color": "black", "linestyle": "-", "linewidth": 2.6, "marker": ""}
        else:
            colour, dash, marker = POLICY_STYLES[others.index(name) % len(POLICY_STYLES)]
            styles[name] = {"color": colour, "linestyle": dash, "linewidth": 1.8, "marker": marker}
    return styles


MARKS_PER_LINE = 12
"""About how many markers a policy's step line carries."""


def policy_line(policies: Sequence[str], name: str, points: int) -> dict[str, Any]:
    """`plot` keyword arguments of policy `name`'s line over `points` values: its colour,
    dash pattern and marker (`policy_styles`), markers with a dark edge (light colours stay
    visible in grey print) and, per policy, markers shifted along the line so that lines
    lying on top of each other still show every policy's marker."""
    style = policy_styles(policies)[name]
    every = max(1, points // MARKS_PER_LINE)
    shift = (list(policies).index(name) * every) // max(len(policies), 1)
    return {
        **style,
        "markevery": (shift, every),
        "markersize": 4.5,
        "markeredgecolor": "0.1",
        "markeredgewidth": 0.6,
    }


def policies_of(frame: pd.DataFrame, policies: Sequence[str] | None) -> list[str]:
    """The policies in `frame` (its `policy` column): in the order `policies` gives, else
    in the frame's order with the baseline first."""
    present = [str(p) for p in dict.fromkeys(frame["policy"])]
    if policies is None:
        return sorted(present, key=lambda p: p != BASELINE)
    return [p for p in policies if p in present]


# ---------------------------------------------------------------------------------------------
# Figure furniture
# ---------------------------------------------------------------------------------------------


def new_figure(info: RunInfo, title: str, height: float, width: float = WIDTH_IN) -> Figure:
    """A Figure (no pyplot) `width` x `height` inches with the bold `title` wrapped at the top
    left and the footer of `info` at the bottom left."""
    bottom = FOOTER_IN / height
    fig = Figure(
        figsize=(width, height),
        dpi=100,
        layout=ConstrainedLayoutEngine(rect=(0, bottom, 1, 1 - bottom)),
    )
    fig.suptitle(
        "\n".join(textwrap.wrap(title, int(width * 9.6))),
        x=0.01,
        ha="left",
        fontsize=11.5,
        fontweight="bold",
    )
    fig.text(0.01, 0.012, info.footer(), ha="left", va="bottom", fontsize=7, color="0.3")
    return fig


def date_axis(ax: Axes, dates: pd.Index | None = None) -> None:
    """Concise date ticks; the x label gives the first and last date in full."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    if dates is not None and len(dates):
        first, last = pd.Timestamp(dates[0]), pd.Timestamp(dates[-1])
        ax.set_xlabel(f"review date, {first:%d %b %Y} to {last:%d %b %Y}", fontsize=8.5)


def tick(value: float, _: Any = None) -> str:
    """Tick labels: thousands separated from 1,000 up, as short as possible below."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def thousands(axis: Any) -> None:
    """Label the ticks of `axis` with `tick`."""
    axis.set_major_formatter(FuncFormatter(tick))


def nothing_if_zero(ax: Axes, values: np.ndarray, what: str) -> None:
    """A panel whose series is zero throughout says so instead of showing a flat line."""
    if not np.nanmax(np.abs(values), initial=0.0) > 1e-9:
        ax.set_ylim(0, 1)
        ax.set_yticks([0])
        ax.text(
            0.5,
            0.5,
            what,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            color="0.3",
        )


def grid(ax: Axes) -> None:
    """Light horizontal grid lines behind the data; no top or right spine."""
    ax.grid(True, axis="y", color="0.88", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def shade(ax: Axes, windows: pd.DataFrame | None, label: bool = True) -> None:
    """Shade each shock's window [start, end) with its own hatch; a window whose dates are
    drawn per replication (`drawn`) is its median window and its legend entry says so, as it
    says in what share of replications a shock that may not happen occurs (`probability`)."""
    if windows is None or windows.empty:
        return
    drawn = windows["drawn"] if "drawn" in windows else [False] * len(windows)
    chances = windows["probability"] if "probability" in windows else [1.0] * len(windows)
    for i, ((shock, start, end), median, chance) in enumerate(
        zip(shock_spans(windows), drawn, chances, strict=True)
    ):
        notes = ["median window; dates drawn per replication"] if median else []
        if chance < 1.0:
            notes.append(f"occurs in {chance * 100:.3g}% of replications")
        name = f"{shock} ({'; '.join(notes)})" if notes else shock
        ax.axvspan(
            start,
            end,
            facecolor=SHOCK_FILL,
            alpha=0.25,
            edgecolor="0.55",
            hatch=SHOCK_HATCHES[i % len(SHOCK_HATCHES)],
            linewidth=0,
            zorder=0,
            label=f"shock: {name}" if label else None,
        )


def shock_spans(windows: pd.DataFrame) -> list[tuple[str, float, float]]:
    """(shock, start, end) with dates as matplotlib date numbers."""
    return [
        (
            str(shock),
            float(mdates.date2num(pd.Timestamp(start))),
            float(mdates.date2num(pd.Timestamp(end))),
        )
        for shock, start, end in zip(
            windows["shock"], windows["start"], windows["end"], strict=True
        )
    ]


def side_legend(ax: Axes, **kwargs: Any) -> None:
    """The legend of `ax` to the right of it, if it has labelled artists."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=8,
            **kwargs,
        )


def tint(colour: str, amount: float = 0.6) -> tuple[float, float, float]:
    """The colour mixed with white, so black labels stay readable on it."""
    red, green, blue = to_rgb(colour)
    return (red + (1 - red) * amount, green + (1 - green) * amount, blue + (1 - blue) * amount)
