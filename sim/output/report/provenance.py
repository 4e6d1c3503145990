"""Where the numbers come from: provenance.json, the worst mass-balance residual, the
files of the folder and the scenario as run."""

from __future__ import annotations

from sim.output.folder import (
    COMPARISON_FILES,
    COMPARISON_WORLD_FILES,
    ENSEMBLE_FILES,
    ENSEMBLE_WORLD_FILES,
    FILES,
    PRICES_ON_OFF_FILES,
    STRESS_FILES,
    WORLD_FILES,
    Results,
)
from sim.output.report.document import Block, Table


def provenance_blocks(results: Results) -> list[Block]:
    """A 'Provenance' section: provenance.json, the mass balance, the files, the scenario."""
    prov = results.provenance
    rows = [
        [str(k), " ".join(str(x) for x in v) if isinstance(v, list) else str(v)]
        for k, v in prov.items()
    ]
    blocks = [
        Block("h2", "Provenance"),
        Block("table", table=Table(["field", "value"], rows, note="From provenance.json.")),
    ]
    balance = results.get("balance")
    if balance is not None and not balance.empty:
        column = (
            "relative_residual" if "relative_residual" in balance else "worst_relative_residual"
        )
        worst = balance.iloc[int(balance[column].abs().to_numpy().argmax())]
        blocks.append(
            Block(
                "p",
                f"Mass balance (balance.csv): the largest relative residual "
                f"is {abs(float(worst[column])):.1e}, for {worst['mineral']}.",
            )
        )
    files = _files(results)
    if files:
        blocks.append(Block("list", text="Files in this folder:", items=files))
    resolved = results.folder / "scenario.resolved.yaml"
    if resolved.is_file():
        blocks.append(Block("details", text=resolved.read_text(encoding="utf-8")))
    return blocks


def _files(results: Results) -> list[str]:
    """'name: what it holds' for each file of the folder (`folder.*_FILES`)."""
    if results.policies:
        known = {**COMPARISON_FILES, **COMPARISON_WORLD_FILES}
    elif results.get("stress") is not None:
        known = dict(STRESS_FILES)
    elif results.ensemble:
        known = {**ENSEMBLE_FILES, **ENSEMBLE_WORLD_FILES}
    else:
        known = {**FILES, **WORLD_FILES}
    known["shipments.csv"] = "per review and link: tonnes shipped"
    known.update(PRICES_ON_OFF_FILES)
    listed = []
    for name, text in known.items():
        parquet = name.removesuffix(".csv") + ".parquet"  # the table as --format parquet wrote it
        names = (name, parquet) if name.endswith(".csv") else (name,)
        listed += [f"{n}: {text}" for n in names if (results.folder / n).exists()]
    return [
        *listed,
        "charts/: every chart as PNG (200 dpi) and SVG",
        "report.html, report.md: this report",
    ]
