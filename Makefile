# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO := var/.demo-built
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck unit bench-small clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The demo is built once; the stamp is written only when it succeeded.
$(DEMO): | $(STAMP)
	mkdir -p var
	$(BIN)/doorstep db upgrade
	$(BIN)/doorstep demo --preset county
	touch $(DEMO)

# The demo's root area (the county preset's province): `make run DEMO_AREA=CODE` pairs another.
DEMO_AREA ?= GZ

## run: set everything up, build the demo programme once, and run the main job: pair the
## demo's households with its visitors (a certified optimum), commit it, print the summary
run: $(STAMP) $(DEMO)
	$(BIN)/doorstep pair --area $(DEMO_AREA) | tee var/pair-proposal.txt
	$(BIN)/doorstep pair commit $$(tail -n 1 var/pair-proposal.txt | \
		$(BIN)/python -c "import json, sys; print(json.load(sys.stdin)['proposal'])")
	$(BIN)/doorstep stats

## test: set up, then lint, type-check and run the tests
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 --cov --cov-report=term:skip-covered

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
