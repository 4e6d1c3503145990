"""Saving charts as PNG (print resolution) and SVG through the one atomic writer
(`sim.output.store`): a chart file, or a whole `charts/` folder, appears complete or not at all.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure

from sim.output.store import write_atomically, write_file_atomically

if TYPE_CHECKING:
    from sim.output.charts.catalogue import Chart

DPI = 200
"""PNG resolution, dots per inch (print quality)."""
SUFFIXES = (".png", ".svg")
"""Every chart is saved in both formats: PNG for documents, SVG for print."""


def render(fig: Figure, suffix: str) -> bytes:
    """`fig` as a PNG (at `DPI`) or SVG file's bytes, on white, without a date or software
    stamp (so that the same chart gives the same file)."""
    options: dict[str, Any] = (
        {"dpi": DPI, "metadata": {"Software": None}}
        if suffix == ".png"
        else {"metadata": {"Date": None, "Creator": None}}
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format=suffix[1:], facecolor="white", **options)
    return buffer.getvalue()


def save(fig: Figure, folder: Path, name: str) -> list[Path]:
    """Write `fig` as `folder/name.png` (200 dpi) and `folder/name.svg`; each file is written
    under a temporary name and renamed into place. Returns both paths."""
    return [
        write_file_atomically(folder / f"{name}{suffix}", render(fig, suffix))
        for suffix in SUFFIXES
    ]


def save_all(charts: Sequence[Chart], folder: Path) -> list[Path]:
    """Save every chart into a fresh `folder` (built beside it, then swapped in, so stale
    charts of an earlier run never linger); return the paths, two per chart."""
    writers = {
        f"{chart.name}{suffix}": _writer(chart.figure, suffix)
        for chart in charts
        for suffix in SUFFIXES
    }
    write_atomically(folder, writers)
    return [folder / f"{c.name}{s}" for c in charts for s in SUFFIXES]


def _writer(fig: Figure, suffix: str) -> Callable[[Path], object]:
    """A writer for `write_atomically`: renders `fig` when the folder is built."""
    return lambda path: path.write_bytes(render(fig, suffix))
