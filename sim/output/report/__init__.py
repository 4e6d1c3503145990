"""The report of a results folder: `report.html`, one self-contained page, and `report.md`.

`report.html` carries its CSS inline and every chart as an SVG data URI; it loads nothing from
the network (no scripts, fonts, styles or images), so it can be mailed, archived and opened
offline. Text that contains a URL is shown with its colon escaped, so the page holds no address
a browser could fetch. `report.md` has the same tables in Markdown and references the charts as
`charts/<name>.png`, for people who paste into their own documents. Both are written under a
temporary name and renamed into place (`sim.output.store.write_file_atomically`).

Contents: the scenario and its shocks, the key findings per market (single run: demand,
delivered, shortfall, fill rate, first shortfall; ensemble: mean fill rate, P(shortfall), P95 and
CVaR95 of shortfall), time to survive and recover, prices and the responses to them (ON or
OFF), sourcing concentration, the demand and capacity paths and announced projects with their
sources, embodied origin (what the material in each country's products was mined, refined and
made from, before, during and after the shocks; re-exports and the licences content rules
require; eligibility), the charts, and the provenance (provenance.json, the mass balance,
scenario.resolved.yaml). One module per section (`shocks`, `findings`, `timing`, `prices`,
`policies`, `concentration`, `world`, `origin` with `origin_flows`, `stress`, `figures`,
`provenance`; `sources` says how a
source and an assumption are shown), put in order by `contents.document`; `document` holds
the model (`Block`, `Table`), `html` and `markdown` render it. The report reads the folder through
`sim.output.folder` and imports neither the engine nor the analysis.

    python -m sim.output.report results/*     # rebuild the report of every results folder given
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sim.output import charts
from sim.output.folder import load
from sim.output.report.contents import document as document
from sim.output.report.document import Block as Block
from sim.output.report.document import Table as Table
from sim.output.report.formats import days as days
from sim.output.report.formats import qty as qty
from sim.output.report.formats import share as share
from sim.output.report.html import render_html as render_html
from sim.output.report.markdown import render_markdown as render_markdown
from sim.output.store import write_file_atomically


def write_report(folder: Path | str) -> tuple[Path, Path]:
    """Draw the charts of a results folder into `folder/charts/` and write `report.html` and
    `report.md` beside them; return their paths."""
    folder = Path(folder)
    results = load(folder)
    drawn = charts.draw_all(results)
    charts.save_all(drawn, folder / "charts")
    title, blocks = document(results, drawn)
    images = {c.name: (folder / "charts" / f"{c.name}.svg").read_bytes() for c in drawn}
    page = write_file_atomically(folder / "report.html", render_html(title, blocks, images))
    markdown = write_file_atomically(folder / "report.md", render_markdown(title, blocks))
    return page, markdown


def main(
    argv: Sequence[str] | None = None, *, compare: bool = False, root: Path = Path("results")
) -> int:
    """Rebuild the report of every results folder given; others are skipped with a note.
    `compare`: put the folders side by side in `root`/compare_<names>/ instead
    (`sim.output.report.runs`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if compare:
        from sim.output.report.runs import main as side_by_side

        return side_by_side([Path(arg) for arg in args], root)
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
