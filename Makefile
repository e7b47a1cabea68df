# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO := var/.demo-built
STAMP := $(VENV)/.installed-dev

.PHONY: run test browser lint typecheck unit coverage bench-small clean messages

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
test: $(STAMP) browser lint typecheck unit

# The web app's browser tests drive Debian's Chromium (tests/web/live.py); installed once,
# where apt-get may run (as root). Without it those tests skip, and fail in CI.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's Chromium for the browser tests"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q chromium >/dev/null 2>&1 || \
			{ apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
	else \
		echo "No Chromium, and no apt-get as root to install it: the browser tests will skip"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

## unit: the tests; the 25 slowest are listed at the end, to keep CI within its 30 minutes.
## First the engine's kernels are compiled into numba's cache once, in two processes side by
## side and without coverage (tests/warm_kernels.py): a clean clone's workers load them then
unit: $(STAMP)
	-$(BIN)/python -m tests.warm_kernels
	$(BIN)/pytest -n 2 --durations=25

## coverage: the tests with the lines and branches of the package they run, slowest first.
## Not part of `make test`: measuring them makes the run 30-45 % slower, and CI has 30 minutes
coverage: $(STAMP)
	-$(BIN)/python -m tests.warm_kernels
	$(BIN)/pytest -n 2 --durations=25 --cov --cov-report=term:skip-covered

## messages: extract the web app's English strings (templates and web code, babel.cfg) and
## merge them into each language's catalogue; then translate what is new or fuzzy
LOCALES := src/doorstep/web/locale
messages: $(STAMP)
	$(BIN)/pybabel --quiet extract -F babel.cfg --no-location --sort-output \
		--project Doorstep --ignore-dirs '.*' -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel --quiet update -i $(LOCALES)/messages.pot -d $(LOCALES) --ignore-obsolete
	rm $(LOCALES)/messages.pot

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
