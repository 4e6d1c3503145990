"""The multi-episode backtest harness (`make backtest`): historical episodes run with one
declared parameter set (parameters.yaml) and scored against recorded series (skill.py).

Modules: parameters (the shared set), episode (what an episode is, how it runs), series
(simulated series shaped like the records), records (the 2023-2025 records with sources),
compare (comparisons), skill (scores), episodes/ (one module per episode), charts
(matplotlib), run (the command line and the files).
"""
