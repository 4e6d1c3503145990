"""Golden outputs: the key result tables of every scenario in `scenarios/`, pinned.

For each scenario, at its own seed, over min(its horizon, GOLDEN_HORIZON_DAYS) and with at most
GOLDEN_REPS replications, the golden set is:

- `markets.csv`: the market summary of one run of the scenario as written (no policy);
- `summary.csv`: the ensemble summary, for scenarios with more than one replication;
- `comparison.csv` and `ranking.csv`: the policy comparison, for scenarios with policies;
- `prices_on_off.csv`: the scenario with and without its prices, side by side, for scenarios
  that price a mineral;
- `report.txt`: the outline of `report.md` (title kind, section headings and the columns of
  every table), drawn from a results folder written as `sim run` would write it.

`make golden` (python -m tests.golden) rewrites them; `tests/test_golden.py` compares a fresh
computation with the committed files (numbers within GOLDEN_RTOL / GOLDEN_ATOL, text exactly), so
an intended change of results shows up as a reviewed diff of `tests/golden/`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_HORIZON_DAYS = 730
GOLDEN_REPS = 20
GOLDEN_RTOL = 1e-6
GOLDEN_ATOL = 1e-9


def scenario_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


def compute(path: Path) -> dict[str, pd.DataFrame | str]:
    """The golden tables of one scenario file, by file name."""
    from sim.analysis import ensemble as montecarlo
    from sim.analysis import frames as results
    from sim.analysis.compare import compare_policies
    from sim.engine import simulate as engine
    from sim.output import writers as report
    from sim.scenario import loader as scenario

    full = scenario.load(path)
    loaded = scenario.with_horizon(full, min(full.spec.horizon_days, GOLDEN_HORIZON_DAYS))
    reps = min(loaded.spec.replications, GOLDEN_REPS)
    out: dict[str, pd.DataFrame | str] = {}
    single = engine.run(loaded)
    out["markets.csv"] = results.market_summary(single)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = report.write_results(single, root, ["golden"])
        if loaded.spec.policies:
            comparison = compare_policies(loaded, reps, workers=1, progress=False)
            out["comparison.csv"] = comparison.table
            out["ranking.csv"] = comparison.ranking
            folder = report.write_comparison(
                comparison, root, ["golden"], single if reps == 1 else None
            )
        elif reps > 1:
            ensemble = montecarlo.run_ensemble(loaded, reps, workers=1, progress=False)
            out["summary.csv"] = ensemble.summary
            folder = report.write_ensemble(ensemble, root, ["golden"])
        out["report.txt"] = report_outline(folder)
    if loaded.spec.prices.any:
        from sim.analysis.prices_on_off import run_on_off

        out["prices_on_off.csv"] = run_on_off(loaded, reps, workers=1, progress=False).table
    return out


def report_outline(folder: Path) -> str:
    """The headings of the report and the columns of each of its tables, one per line."""
    from sim.output import report as report_page
    from sim.output.folder import load

    title, blocks = report_page.document(load(folder), [])
    lines = [f"title: {title.split(': ', 1)[-1]}"]
    for block in blocks:
        if block.kind.startswith("h"):
            lines.append(f"{block.kind}: {block.text}")
        elif block.table is not None:
            lines.append("table: " + " | ".join(block.table.columns))
    return "\n".join(lines) + "\n"


def write(path: Path) -> list[Path]:
    """Recompute and write one scenario's golden files; return them."""
    folder = GOLDEN / path.stem
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    written = []
    for name, value in compute(path).items():
        target = folder / name
        if isinstance(value, str):
            target.write_text(value, encoding="utf-8")
        else:
            value.to_csv(target, index=False, float_format="%.12g")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    names = set(argv if argv is not None else sys.argv[1:])
    for path in scenario_files():
        if names and path.stem not in names:
            continue
        files = write(path)
        print(f"{path.stem}: " + ", ".join(p.name for p in files))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
