# Thin aliases over the real tools. The first target that needs it creates .venv and installs
# the package with its dev tools (needs only python3 >= 3.11, pip and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/baseline.yaml
ARGS ?=

.PHONY: run validate compare stress sensitivity report backtest test test-slow golden lint format docs bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed  ## run a scenario: make run [SCENARIO=scenarios/x.yaml] [ARGS=...]
	$(BIN)/python -m sim run $(SCENARIO) $(ARGS)

compare: $(BIN)/.installed  ## compare a scenario's policies: make compare SCENARIO=...
	$(BIN)/python -m sim compare $(SCENARIO) $(ARGS)

stress: $(BIN)/.installed  ## rank every node, country and chokepoint by exposure
	$(BIN)/python -m sim stress $(SCENARIO) $(ARGS)

sensitivity: $(BIN)/.installed  ## tornado: which uncertain inputs move shortfall most
	$(BIN)/python -m sim sensitivity $(SCENARIO) $(ARGS)

report: $(BIN)/.installed  ## rebuild the charts and report pages of all results present
	$(BIN)/python -m sim report results/*

backtest: $(BIN)/.installed  ## every backtest episode, one parameter set: skill table + charts [ARGS=--quick | --episode NAME]
	$(BIN)/python -m tools.backtest $(ARGS)
	$(BIN)/python tools/backtest_2010.py

validate: $(BIN)/.installed
	$(BIN)/python -m sim validate $(SCENARIO)

test: $(BIN)/.installed  ## the default suite (no slow tests)
	$(BIN)/python -m pytest -m "not slow" -q

test-slow: $(BIN)/.installed
	$(BIN)/python -m pytest -m slow -q

golden: $(BIN)/.installed  ## rewrite tests/golden/ (review the diff: it is the change of results)
	$(BIN)/python -m tests.golden

lint: $(BIN)/.installed  ## ruff lint and format check, mypy (pinned versions; CI runs it)
	$(BIN)/ruff check sim tests tools bench
	$(BIN)/ruff format --check sim tests tools bench
	$(BIN)/mypy

format: $(BIN)/.installed
	$(BIN)/ruff check --fix sim tests tools bench
	$(BIN)/ruff format sim tests tools bench

docs: $(BIN)/.installed  ## regenerate the scenario-format reference and schema/ from the schema
	$(BIN)/python -m sim schema --markdown > docs/scenario-format.md
	$(BIN)/python -m sim schema > schema/scenario.schema.json
	$(BIN)/python -m sim schema --network > schema/network.schema.json

bench: $(BIN)/.installed  ## benchmark: ratios against the reference case and the peer tool
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/bench.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find results -mindepth 1 ! -name README.md -prune -exec rm -rf {} +
