"""The report as one small document model, rendered both as HTML (`report.html`) and as
Markdown (`report.md`): a list of blocks (headings, paragraphs, tables, figures, lists and the
scenario as run), each table with its columns, rows of text and a note."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.output.charts import Chart


@dataclass
class Table:
    """Rows of already formatted cells under `columns`, with a note printed below."""

    columns: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)
    """Indexes of right-aligned columns."""
    note: str = ""


@dataclass
class Block:
    """One piece of the report, in reading order."""

    kind: str
    """h2, h3, p, table, figure, details, list."""
    text: str = ""
    table: Table | None = None
    chart: Chart | None = None
    items: list[str] = field(default_factory=list)
