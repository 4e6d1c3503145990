"""`python -m sim.output.report FOLDER ...`: rebuild the charts and report of results folders."""

from sim.output.report import main

raise SystemExit(main())
