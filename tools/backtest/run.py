"""`make backtest`: run every historical episode with the one shared parameter set, score it
against its records, print the skill table, and write into results/backtest/ (atomically):

    skill.csv                  one row per episode and series (skill.py defines the scores)
    <episode>_series.csv       recorded points with the simulated value beside each
    <episode>_path.csv         the simulated series at every review or month
    <episode>.png, .svg        the chart (simulated vs recorded, shock window shaded)
    summary.md                 the parameters, the table, each episode's overrides and limits

    .venv/bin/python -m tools.backtest [--episode NAME] [--quick] [--out DIR]

`--episode` runs one episode (the folder then holds that episode only); `--quick` a shorter
run of each. The 2010 tool (tools/backtest_2010.py) keeps its own outputs.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.output.store import write_atomically

from . import parameters as shared
from .episode import ROOT, Outcome, run
from .episodes import EPISODES
from .skill import score

RESULTS = ROOT / "results"
FOLDER = "backtest"


def skill_table(outcomes: list[Outcome]) -> pd.DataFrame:
    rows = []
    for outcome in outcomes:
        for c in outcome.comparisons:
            s = c.score
            held_out = c.points[~c.points["in_sample"].astype(bool)]
            out = score(held_out) if held_out["simulated"].notna().any() else None
            rows.append(
                {
                    "episode": outcome.episode.name,
                    "series": c.series,
                    "unit": c.unit,
                    "points": s.n,
                    "in_sample": c.in_sample,
                    "mae": s.mae,
                    "mae_pct_of_mean": s.mae_pct_of_mean,
                    "bias": s.bias,
                    "direction_pairs": s.direction_pairs,
                    "direction_share": s.direction_share,
                    "mae_naive": s.mae_naive,
                    "skill": s.skill,
                    "skill_out_of_sample": out.skill if out else math.nan,
                }
            )
    return pd.DataFrame(rows)


def text(table: pd.DataFrame) -> str:
    shown = table.copy()
    for column in ("mae", "bias", "mae_naive"):
        shown[column] = shown[column].map(lambda v: f"{v:.3g}")
    for column in ("mae_pct_of_mean", "direction_share", "skill", "skill_out_of_sample"):
        shown[column] = shown[column].map(lambda v: "-" if pd.isna(v) else f"{v:.2f}")
    return shown.to_string(index=False)


def summary(outcomes: list[Outcome], table: pd.DataFrame, params: shared.Parameters) -> str:
    lines = [
        "# Backtests",
        "",
        "One parameter set for every episode (tools/backtest/parameters.yaml):",
        "",
        "```",
        shared.describe(params),
        "```",
        "",
        "Skill: MAE per recorded point (record's unit and % of the record's mean), bias (mean "
        "simulated - recorded), share of directions right between consecutive recorded "
        "periods, skill = 1 - MAE / MAE of persistence (the pre-shock level). `in_sample`: "
        "points used to set the scenario's shock; `skill_out_of_sample`: the skill over the "
        "other points only.",
        "",
        "```",
        text(table),
        "```",
    ]
    for o in outcomes:
        lines += ["", f"## {o.episode.title}", "", f"Scenario: scenarios/{o.episode.scenario.name}"]
        lines += ["", "Overrides and shared values written over it:", ""]
        lines += [f"- {c}" for c in o.changes] or ["- none"]
        lines += ["", *[f"- {c.series}: {c.note}" for c in o.comparisons]]
        lines += ["", f"Limits: {o.episode.limits}"]
    return "\n".join(lines) + "\n"


def _csv(frame: pd.DataFrame) -> Callable[[Path], object]:
    return lambda p: frame.to_csv(p, index=False, float_format="%.5g")


def _figure(fig: Any, **options: Any) -> Callable[[Path], object]:
    return lambda p: fig.savefig(p, **options)


def write(
    outcomes: list[Outcome], table: pd.DataFrame, params: shared.Parameters, out: Path
) -> Path:
    from . import charts  # matplotlib only where charts are drawn

    figures = {o.episode.name: charts.episode_chart(o) for o in outcomes}
    writers: dict[str, Callable[[Path], object]] = {
        "skill.csv": lambda p: table.to_csv(p, index=False, float_format="%.4g"),
        "summary.md": lambda p: p.write_text(summary(outcomes, table, params), encoding="utf-8"),
    }
    for o in outcomes:
        name = o.episode.name
        points = pd.concat(
            [c.points.assign(series=c.series, unit=c.unit) for c in o.comparisons],
            ignore_index=True,
        )
        paths = pd.concat(
            [c.path.assign(series=c.series, unit=c.unit) for c in o.comparisons],
            ignore_index=True,
        )
        writers[f"{name}_series.csv"] = _csv(points)
        writers[f"{name}_path.csv"] = _csv(paths)
        writers[f"{name}.png"] = _figure(figures[name], dpi=150)
        writers[f"{name}.svg"] = _figure(figures[name])
    try:
        return write_atomically(out / FOLDER, writers)
    finally:
        charts.close(*figures.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--episode", choices=sorted(EPISODES), help="run this episode only")
    parser.add_argument("--quick", action="store_true", help="a shorter run of each episode")
    parser.add_argument("--parameters", type=Path, default=shared.FILE)
    parser.add_argument("--out", type=Path, default=RESULTS, help="files go to OUT/backtest/")
    args = parser.parse_args(argv)
    params = shared.load(args.parameters)
    chosen = [EPISODES[args.episode]] if args.episode else list(EPISODES.values())
    outcomes = [run(e, params, quick=args.quick) for e in chosen]
    table = skill_table(outcomes)
    print("Shared parameters (tools/backtest/parameters.yaml):")
    print(shared.describe(params))
    for o in outcomes:
        print(f"\n{o.episode.name}: overrides and shared values written over the scenario")
        print("\n".join(f"  {c}" for c in o.changes) or "  none")
    print("\nSkill per episode and series (in_sample: points used to set the shock)")
    print(text(table))
    folder = write(outcomes, table, params, args.out)
    print(f"\nresults: {folder}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
