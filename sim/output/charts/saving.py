"""Saving charts as PNG (print resolution) and SVG through the one atomic writer
(`sim.output.store`): a chart file, or a whole `charts/` folder, appears complete or not at all.

Rendering is most of the time a report takes, and charts are independent: `save_all` renders
them in forked worker processes (one per core; each inherits the drawn figures, so nothing is
pickled but the files' bytes), or in this process where fork is unavailable, on one core, or
with `SIM_CHART_WORKERS=1`. The bytes are the same either way.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.figure import Figure

from sim.output.store import write_atomically, write_file_atomically

if TYPE_CHECKING:
    from sim.output.charts.catalogue import Chart

DPI = 200
"""PNG resolution, dots per inch (print quality)."""
SVG_SALT = "sim"
"""Salt of the ids inside SVG files (matplotlib draws a random one otherwise)."""
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
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT}):  # ids as a hash, not random
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
    files = render_all([chart.figure for chart in charts])
    names = [f"{chart.name}{suffix}" for chart in charts for suffix in SUFFIXES]
    write_atomically(folder, {name: _writer(data) for name, data in zip(names, files, strict=True)})
    return [folder / name for name in names]


def _writer(data: bytes) -> Callable[[Path], object]:
    """A writer for `write_atomically`: the file's rendered bytes."""
    return lambda path: path.write_bytes(data)


_FIGURES: list[Figure] = []
"""The figures a pool of forked renderers inherits (`render_all`)."""


def _render_job(job: tuple[int, str]) -> bytes:
    return render(_FIGURES[job[0]], job[1])


def chart_workers(jobs: int) -> int:
    """Processes to render `jobs` files with: the cores (or `SIM_CHART_WORKERS`), at most one
    per two files, 1 where fork is unavailable."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    wanted = int(os.environ.get("SIM_CHART_WORKERS") or os.cpu_count() or 1)
    return max(1, min(wanted, jobs // 2))


def render_all(figures: Sequence[Figure]) -> list[bytes]:
    """Every figure's file bytes in each of `SUFFIXES`, figure by figure (`render`)."""
    global _FIGURES
    jobs = [(i, suffix) for i in range(len(figures)) for suffix in SUFFIXES]
    workers = chart_workers(len(jobs))
    if workers == 1:
        return [render(figures[i], suffix) for i, suffix in jobs]
    _FIGURES = list(figures)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            return list(pool.map(_render_job, jobs))
    finally:
        _FIGURES = []
