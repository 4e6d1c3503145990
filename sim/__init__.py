"""Critical-minerals supply-chain risk simulator.

Pipeline: scenario file -> `sim.scenario.loader.load` -> `sim.engine.simulate.run` -> frames
(`sim.analysis.frames`) -> files (`sim.output.writers.write_results`) -> charts and report
(`sim.output.report.write_report`). The README's "Map of the code" says what each package does.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
