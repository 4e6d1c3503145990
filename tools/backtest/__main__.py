"""`python -m tools.backtest`: see tools/backtest/run.py."""

import sys

from .run import main

sys.exit(main())
