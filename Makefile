# Serverless Workshop. Two commands matter: `make lab` and `make test`; each sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest workers: 4 on 2 cores, because notebook kernels, servers and subprocesses wait on
# each other and sleep (Lambda timeouts, bursts). Measured here, make test in all:
# 3 workers 199 s, 4 workers 173 s, 5 workers 184 s (the cores 97-100 % busy with 4)
JOBS ?= 4
PORT ?= 8888
NO_BROWSER ?=
WHEELHOUSE ?= wheelhouse
# OFFLINE=1: install from $(WHEELHOUSE) (made by `make wheelhouse`) with no network at all
PIP_SOURCE := $(if $(OFFLINE),--no-index --find-links $(WHEELHOUSE))
# whole files to each worker (a notebook's cells share one kernel), in conftest.py's order
DIST := --dist loadfile --no-loadscope-reorder
# tests/quick_imports.py goes first: nbval then imports jsonschema without an unused grammar
EARLY := -p tests.quick_imports
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: install bytecode lab test lint unit notebooks verify bench soak corpus slides wheelhouse offline-check clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Serverless Workshop needs Python 3.10 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	@if [ -n "$(OFFLINE)" ] && [ ! -f $(WHEELHOUSE)/README.txt ]; then \
		echo "OFFLINE=1 installs from $(WHEELHOUSE)/, which is missing: copy it from the instructor's USB stick (made with make wheelhouse)"; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(if $(OFFLINE),,$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip)
	@# setuptools' "Editable installation." notice (a banner of asterisks about folders named
	@# like the package) is information, not an error, but reads as a failed install
	PYTHONWARNINGS="ignore:Editable installation" \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check $(PIP_SOURCE) -e '.[test]'
	@$(BIN)/python -m workshop_lib.kernelhints || echo "note: $(VENV)/etc/ipython/ipython_kernel_config.py is not the course's; kept"
	@touch $@

install: $(STAMP) bytecode

# the course's own modules compiled ahead (pip does that for installed packages, not for this
# editable install): where PYTHONDONTWRITEBYTECODE is set, every process compiled them again,
# ~0.3 s of each sandbox, notebook kernel and `workshop` command (sls offline's start 1.2 -> 0.8 s)
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q workshop_lib

## make lab: JupyterLab on notebooks/00_welcome.ipynb (NO_BROWSER=1: headless, prints the URL)
lab: $(STAMP) bytecode
	$(BIN)/workshop lab $(if $(NO_BROWSER),--no-browser) --port $(PORT)

## make test: lint, notebooks in sync, unit tests and strict nbval on both folders, in parallel
test: $(STAMP) bytecode
	@start=$$(date +%s); \
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && \
	$(BIN)/python -m workshop_lib.authoring verify && \
	$(BIN)/python -m pytest $(EARLY) -n $(JOBS) $(DIST) $(NBVAL) tests solutions notebooks; \
	status=$$?; echo "make test: $$(( $$(date +%s) - start )) s in all (exit $$status)"; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/python -m pytest $(EARLY) -n $(JOBS) $(DIST) tests

## make notebooks: regenerate notebooks/ from solutions/ and execute both (NB=01 for one)
notebooks: $(STAMP)
	$(BIN)/python -m workshop_lib.authoring build $(NB)

## make slides: reveal.js decks of every notebook in build/slides (OFFLINE=1: every script and
## style copied from npm into build/slides/node_modules once, so the decks need no internet)
slides: $(STAMP)
	$(BIN)/python -m workshop_lib.slides $(if $(OFFLINE),--offline)

## make wheelhouse: every wheel the course needs, in wheelhouse/, for a USB stick
## (PLATFORMS="macosx_11_0_arm64 manylinux_2_28_x86_64" PYTHONS="3.12" for the room's laptops; all)
wheelhouse: $(STAMP)
	$(BIN)/python -m workshop_lib.wheelhouse --dest $(WHEELHOUSE) \
		$(foreach p,$(PLATFORMS),--platform $(p)) $(foreach v,$(PYTHONS),--python $(v))

## make offline-check: a fresh venv installed from wheelhouse/ with networking switched off
## (a private network namespace: unshare, Linux), then `workshop doctor` in it
offline-check: wheelhouse
	rm -rf build/offline-venv
	unshare $(if $(filter 0,$(shell id -u)),-n,-rn) sh -c 'ip link set lo up 2>/dev/null; \
		$(PYTHON) -m venv build/offline-venv && \
		build/offline-venv/bin/python -m pip install --quiet --disable-pip-version-check \
			--no-index --find-links $(WHEELHOUSE) -e ".[test]" && \
		build/offline-venv/bin/workshop doctor'

## make bench: measured figures with same-run baselines (not part of make test)
bench: $(STAMP) bytecode
	$(BIN)/python benchmarks/run.py $(if $(BENCH),--only $(BENCH))

## make soak: the demo service under steady mixed load on 127.0.0.1 for MINUTES (default 10,
## MINUTES=30 for the long run): RSS per 10k requests, throughput against table size, errors,
## lost writes (not part of make test)
MINUTES ?= 10
soak: $(STAMP) bytecode
	$(BIN)/python benchmarks/soak.py --minutes $(MINUTES)

## make corpus: every service of tests/framework_corpus through print, package (against
## serverless@3 from npm), offline, deploy + invoke and invoke local; a table of the steps
## (CORPUS="name ..." for some; PIP=1: requirements this Python lacks are installed from
## PyPI as serverless-python-requirements does; not part of make test)
CORPUS ?=
PIP ?=
corpus: $(STAMP) bytecode
	$(if $(PIP),WORKSHOP_PIP_INSTALL=1) $(BIN)/python benchmarks/corpus.py $(CORPUS)

verify: $(STAMP)
	$(BIN)/python -m workshop_lib.authoring verify

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache test-artifacts
