"""Several runs side by side (`sim report --compare results/a results/b ...`): one row per
results folder with its headline figures, written as `runs.csv` and a self-contained
`report.html` (and `report.md`) into a folder of their own, `<root>/compare_<names>/` (root
`results` unless `--out` names another), never into the folders compared.

Per run: what it is (kind, replications), the market that falls short worst (the executive
summary's choice: most likely to fall short, then the largest share of its demand lost), its
P(shortfall) with the 95% bootstrap interval, its shortfall (in its unit, and as a share of its
demand), its first-shortfall date, and for a policy comparison the best policy by the ranking's
criterion with its cost per tonne avoided and that ratio's 95% interval; for a stress test the
top exposure and for a sensitivity the input that moves the shortfall most.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.output.folder import BASELINE, Results, label_of, load, node_labels
from sim.output.labels import unit_label
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty, share
from sim.output.report.html import render_html
from sim.output.report.markdown import render_markdown
from sim.output.report.policies import ranked_by
from sim.output.report.summary import Short, shortfalls
from sim.output.report.uncertainty import with_interval
from sim.output.store import write_file_atomically

COLUMNS = [
    "run",
    "scenario",
    "kind",
    "replications",
    "market",
    "p_shortfall",
    "p_shortfall_ci_low",
    "p_shortfall_ci_high",
    "shortfall_units",
    "unit",
    "shortfall_share_of_demand",
    "first_shortfall_date",
    "best_policy",
    "criterion",
    "cost_per_t_avoided",
    "cost_per_t_ci_low",
    "cost_per_t_ci_high",
    "top_exposure",
    "top_input",
]
"""The columns of runs.csv: shortfall in the market's unit (a mean for replications), shares as
fractions (0-1), costs in USD (present value) per tonne of shortfall avoided."""


def headline(results: Results) -> dict[str, Any]:
    """One row of runs.csv for a results folder (blank where the run has no such figure)."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
    info = results.info
    row.update(
        run=results.folder.name,
        scenario=results.scenario.get("name") or info.scenario,
        kind=results.kind,
        replications=info.replications,
    )
    labels = node_labels(results)
    if results.kind in ("single", "ensemble", "comparison"):
        base = results.for_policy(BASELINE) if results.policies else results
        worst: Short | None = next(iter(shortfalls(base)), None)
        if worst is not None:
            chance = worst.row or {}
            row.update(
                market=worst.label,
                p_shortfall=worst.chance,
                p_shortfall_ci_low=chance.get("prob_positive_ci_low", math.nan),
                p_shortfall_ci_high=chance.get("prob_positive_ci_high", math.nan),
                shortfall_units=worst.shortfall,
                unit=worst.unit,
                shortfall_share_of_demand=worst.lost,
                first_shortfall_date=_date(results, worst.first_day),
            )
        else:
            row.update(market="none falls short", p_shortfall=0.0, shortfall_units=0.0)
    ranking = results.get("ranking")
    if ranking is not None and not ranking.empty:
        helping = ranking[ranking["shortfall_avoided_t"] > 0]
        row["criterion"] = ranked_by(results.provenance)
        if helping.empty:
            row["best_policy"] = "none avoids any shortfall"
        else:
            best = helping.iloc[0]
            row.update(
                best_policy=str(best["policy"]),
                cost_per_t_avoided=float(best["cost_per_t_avoided"]),
                cost_per_t_ci_low=float(best.get("cost_per_t_ci_low", math.nan)),
                cost_per_t_ci_high=float(best.get("cost_per_t_ci_high", math.nan)),
            )
    stress = results.get("stress")
    if stress is not None and not stress.empty:
        row["top_exposure"] = label_of(labels, str(stress["target"].iloc[0]))
    sensitivity = results.get("sensitivity")
    if sensitivity is not None and not sensitivity.empty:
        row["top_input"] = str(sensitivity["input"].iloc[0])
        row["market"] = label_of(labels, str(sensitivity["market"].iloc[0]))
    return row


def _date(results: Results, day: float) -> str:
    start = results.scenario.get("start")
    if not math.isfinite(day) or start is None:
        return ""
    return f"{pd.Timestamp(start) + pd.Timedelta(days=day):%Y-%m-%d}"


def side_by_side(folders: Sequence[Path]) -> pd.DataFrame:
    """runs.csv: one headline row per results folder, in the order given."""
    return pd.DataFrame([headline(load(folder)) for folder in folders], columns=COLUMNS)


def default_folder(folders: Sequence[Path], root: Path = Path("results")) -> Path:
    """<root>/compare_<a>_<b>...: the folder names of the runs compared, in order."""
    names = "_".join(Path(f).resolve().name for f in folders)
    return root / f"compare_{names}"[:200]


def write_side_by_side(folders: Sequence[Path], root: Path = Path("results")) -> tuple[Path, Path]:
    """Write runs.csv, report.html and report.md of the runs in `folders` into
    `default_folder(folders, root)`; return the page's and the table's paths. Raises ValueError
    when that folder is one of the folders compared or inside one (their files are never
    touched)."""
    target = default_folder(folders, root).resolve()
    for folder in folders:
        inside = Path(folder).resolve()
        if target == inside or inside in target.parents:
            raise ValueError(
                f"{target} is inside the results folder {folder}; a comparison of runs is "
                "written to a folder of its own: give --out a results root (default: results)"
            )
    table = side_by_side(folders)
    target.mkdir(parents=True, exist_ok=True)
    csv = write_file_atomically(target / "runs.csv", table.to_csv(index=False))
    title, blocks = document(table)
    write_file_atomically(target / "report.md", render_markdown(title, blocks))
    page = write_file_atomically(target / "report.html", render_html(title, blocks, {}))
    return page, csv


def main(folders: Sequence[Path], root: Path = Path("results")) -> int:
    """`sim report --compare`: write the runs side by side and say where; exit status 2 (with
    the reason) when a folder is not a results folder or the output would land inside one."""
    missing = [f for f in folders if not (Path(f) / "provenance.json").is_file()]
    if missing:
        print(f"error: not a results folder (no provenance.json): {missing[0]}", file=sys.stderr)
        return 2
    try:
        page, table = write_side_by_side(folders, root)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"runs side by side: {page} and {table.name}")
    return 0


def document(table: pd.DataFrame) -> tuple[str, list[Block]]:
    """The page of a side-by-side comparison: one column per run (so that a few runs fit a
    printed page), one row per headline figure, and what the rows mean."""
    records = table.to_dict("records")
    figures = {
        "what": lambda r: f"{r['kind']}, {int(r['replications']):,} replication(s)",
        "worst market": lambda r: str(r["market"]) or "-",
        "P(shortfall) (95% CI)": _chance,
        "shortfall (share of demand)": _shortfall,
        "first shortfall": lambda r: str(r["first_shortfall_date"]) or "-",
        "best policy": lambda r: str(r["best_policy"]) or "-",
        "USD per t avoided (95% CI)": _cost,
        "top exposure (stress)": lambda r: str(r["top_exposure"]) or "-",
        "top input (sensitivity)": lambda r: str(r["top_input"]) or "-",
    }
    rows = [[name, *(cell(r) for r in records)] for name, cell in figures.items()]
    columns = ["", *(str(r["run"]) for r in records)]
    note = (
        "One column per results folder. Worst market: the market most likely to fall short "
        "(then the largest share of its demand lost), under the baseline of a policy "
        "comparison; shortfall: cumulative over the horizon in its unit (a mean over "
        "replications); first shortfall: the date, or its median over the replications where "
        "it falls short. Best policy: first by the ranking's criterion among those that avoid "
        "any shortfall; cost in USD (present value) per tonne of shortfall avoided. Intervals: "
        "95% percentile bootstrap over replications. The same figures are in runs.csv, one row "
        "per run."
    )
    blocks = [
        Block("p", f"{len(records)} runs side by side: " + ", ".join(columns[1:]) + "."),
        Block("table", table=Table(columns, rows, note=note)),
    ]
    return "Runs side by side", blocks


def _chance(row: Mapping[Any, Any]) -> str:
    if row["p_shortfall"] == "":
        return "-"
    if row["kind"] == "single":
        return "short (one run)" if float(row["p_shortfall"]) > 0 else "not short (one run)"
    interval = {
        "prob_positive_ci_low": row["p_shortfall_ci_low"],
        "prob_positive_ci_high": row["p_shortfall_ci_high"],
    }
    clean = {k: (math.nan if v == "" else v) for k, v in interval.items()}
    return with_interval(float(row["p_shortfall"]), clean, "prob_positive", share)


def _shortfall(row: Mapping[Any, Any]) -> str:
    if row["shortfall_units"] == "":
        return "-"
    value = float(row["shortfall_units"])
    if value <= 0:
        return "0"
    return (
        f"{qty(value)} {unit_label(str(row['unit']))} "
        f"({share(float(row['shortfall_share_of_demand']))})"
    )


def _cost(row: Mapping[Any, Any]) -> str:
    if row["cost_per_t_avoided"] == "":
        return "-"
    interval = {
        "cost_ci_low": row["cost_per_t_ci_low"],
        "cost_ci_high": row["cost_per_t_ci_high"],
    }
    return with_interval(float(row["cost_per_t_avoided"]), interval, "cost", qty)
