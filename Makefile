# Serverless Workshop. Two commands matter: `make lab` and `make test`; each sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= 2
PORT ?= 8888
NO_BROWSER ?=
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: install lab test lint unit notebooks verify bench slides clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Serverless Workshop needs Python 3.10 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(STAMP)

## make lab: JupyterLab on notebooks/00_welcome.ipynb (NO_BROWSER=1: headless, prints the URL)
lab: $(STAMP)
	$(BIN)/workshop lab $(if $(NO_BROWSER),--no-browser) --port $(PORT)

## make test: lint, notebooks in sync, unit tests and strict nbval on both folders, in parallel
test: $(STAMP)
	@start=$$(date +%s); \
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && \
	$(BIN)/python -m workshop_lib.authoring verify && \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) tests solutions notebooks; \
	status=$$?; echo "make test: $$(( $$(date +%s) - start )) s in all (exit $$status)"; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests

## make notebooks: regenerate notebooks/ from solutions/ and execute both (NB=01 for one)
notebooks: $(STAMP)
	$(BIN)/python -m workshop_lib.authoring build $(NB)

## make slides: reveal.js decks of every notebook in build/slides (OFFLINE=1: local reveal.js)
REVEAL_VERSION := 4.0.2
slides: $(STAMP)
	@if [ -n "$(OFFLINE)" ] && [ ! -d build/slides/node_modules/reveal.js ]; then \
		mkdir -p build/slides && npm install --silent --prefix build/slides reveal.js@$(REVEAL_VERSION); fi
	$(BIN)/python -m workshop_lib.slides $(if $(OFFLINE),--reveal node_modules/reveal.js)

## make bench: measured figures with same-run baselines (not part of make test)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

verify: $(STAMP)
	$(BIN)/python -m workshop_lib.authoring verify

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache test-artifacts
