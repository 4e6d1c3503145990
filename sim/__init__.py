"""Critical-minerals supply-chain risk simulator.

The Python API (`sim.api`, tutorial: docs/tutorial.md):

    import sim
    scenario = sim.load("scenarios/baseline.yaml", horizon_days=180)
    results = sim.run_ensemble(scenario, reps=50, out="results")
    results.summary                      # a tidy pandas DataFrame
    results.chart("fill_rate_overview")  # a matplotlib Figure

`load`, `run`, `run_ensemble`, `compare`, `open_results`, `Results` and `charts` (the chart
functions, `sim.charts.draw(results, name)`) are imported on first use, so that `import sim` and
`python -m sim --help` stay light (no pandas, matplotlib or numba until needed).

Pipeline: scenario file -> `sim.scenario.loader.load` -> `sim.engine.simulate.run` -> frames
(`sim.analysis.frames`) -> files (`sim.output.writers.write_results`) -> charts and report
(`sim.output.report.write_report`). The README's "Map of the code" says what each package does.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"

_API = {
    "load": "sim.api",
    "run": "sim.api",
    "run_ensemble": "sim.api",
    "compare": "sim.api",
    "open_results": "sim.api",
    "Results": "sim.api",
    "ScenarioError": "sim.scenario.errors",
}
"""Names of the top-level API -> the module that defines them (imported on first use)."""
_MODULES = {"charts": "sim.output.charts"}
"""Modules the API offers under a short name."""
__all__ = ["__version__", *_API, *_MODULES]


def __getattr__(name: str) -> Any:
    """The API's names, imported when first used (PEP 562)."""
    if name in _API:
        value = getattr(import_module(_API[name]), name)
    elif name in _MODULES:
        value = import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'sim' has no attribute '{name}'")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
