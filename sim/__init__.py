"""Critical-minerals supply-chain risk simulator.

Pipeline: scenario file -> `scenario.load` -> `engine.run` -> frames (`results`) -> files
(`report.write_results`).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
