"""The report as one self-contained HTML page: CSS inline, every chart an SVG data URI,
no address a browser could fetch (the colon of '://' is written as a character
reference)."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from sim.output.report.document import Block, Table

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
@media (max-width: 900px) {
  main { padding: 16px 14px 32px; }
  table { font-size: 0.74rem; }
  th, td { padding: 3px 4px; }
}
@media print {
  main { max-width: none; padding: 0; }
  .wide { overflow-x: visible; }
  table { font-size: 0.7rem; }
  th, td { padding: 2px 4px; }
  h2 { break-after: avoid; }
  details pre { max-height: none; }
}
"""


DATE_COLUMNS = (
    "when",
    "first shortfall",
    "planned start",
    "first production: median (P5 to P95)",
)
"""Columns of dates, kept wide enough not to break a date over two lines."""


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _text(value: str) -> str:
    """Escaped text; '://' is written with its colon as a character reference, so no address
    in the page can be fetched or auto-linked (it still reads the same)."""
    return html.escape(value).replace("://", "&#58;//")


def _html_table(table: Table) -> str:
    long = {i for i, c in enumerate(table.columns) if c in ("source", "what it hits", "value")}
    dates = {i for i, c in enumerate(table.columns) if c in DATE_COLUMNS}

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
