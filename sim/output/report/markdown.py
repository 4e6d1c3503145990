"""The report in Markdown: the same tables, charts referenced as `charts/<name>.png`."""

from __future__ import annotations

from collections.abc import Sequence

from sim.output.report.document import Block, Table


def _md_cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|")


def _md_table(table: Table) -> str:
    head = "| " + " | ".join(_md_cell(c) for c in table.columns) + " |"
    rule = (
        "|"
        + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.columns)))
        + "|"
    )
    rows = ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in table.rows]
    note = f"\n\n_{_md_cell(table.note)}_" if table.note else ""
    return "\n".join([head, rule, *rows]) + note


def render_markdown(title: str, blocks: Sequence[Block]) -> str:
    """report.md: the blocks as Markdown; figures link `charts/<name>.png` and name the SVG."""
    parts = [f"# {title}"]
    figure = 0
    for block in blocks:
        if block.kind == "h2":
            parts.append(f"## {block.text}")
        elif block.kind == "h3":
            parts.append(f"### {block.text}")
        elif block.kind == "p":
            parts.append(block.text)
        elif block.kind == "table" and block.table is not None:
            parts.append(_md_table(block.table))
        elif block.kind == "list":
            parts.append(
                block.text
                + "\n\n"
                + "\n".join(
                    f"- `{i.split(': ', 1)[0]}`: {i.split(': ', 1)[-1]}" for i in block.items
                )
            )
        elif block.kind == "figure" and block.chart is not None:
            figure += 1
            chart = block.chart
            parts.append(
                f"![{chart.title}](charts/{chart.name}.png)\n\n"
                f"**Figure {figure}.** {chart.caption} "
                f"(`charts/{chart.name}.svg` for print)"
            )
        elif block.kind == "details":
            parts.append("The scenario as run, with every node and link: `scenario.resolved.yaml`.")
    return "\n\n".join(parts) + "\n"
