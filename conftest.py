"""Test-run report shared by every folder: total time and the five slowest notebooks."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections import defaultdict

import pytest

from workshop_lib import kernelhints
from workshop_lib.bars import NO_BARS

# Notebooks run here are compared with their saved outputs: no progress bars (their
# redraws depend on timing). Kernels, servers and subprocesses inherit this.
os.environ[NO_BARS] = "1"

# Tests never write the learner's progress (~/.workshop): this run has a home of its own,
# which kernels, servers and subprocesses inherit (tests/conftest.py gives each test one).
_HOME = tempfile.mkdtemp(prefix="workshop-test-home-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["WORKSHOP_HOME"] = _HOME
_homes_given: set[str] = set()

# The kernels nbval starts are this environment's: like a learner's, they say what to run
# when a cell needs the cells above (tests/nbval_twice.py runs one after a restart).
kernelhints.install()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Each notebook's kernel starts with an empty home of its own: a learner copy run after
    its solution must print "not attempted yet", as a learner's first run does."""
    notebook = item.nodeid.split("::", 1)[0]
    if notebook.endswith(".ipynb") and notebook not in _homes_given:
        _homes_given.add(notebook)  # nbval starts the kernel in the setup of the first cell
        os.environ["WORKSHOP_HOME"] = tempfile.mkdtemp(prefix="notebook-", dir=_HOME)


#: The demo service's two copies run their own suites, each from its own folder (its
#: pytest.ini makes it the root; their top-level modules `apps`, `tests`... would clash in one
#: process): notebook 08 runs them (workshop_lib.testing.run_suite).
#: The corpus's services are data: their own tests need their own requirements and roots.
collect_ignore = ["solutions/service", "notebooks/service", "tests/framework_corpus"]

#: Run All twice for the learner's notebooks (the folders in pyproject's nbval_run_twice).
pytest_plugins = ["tests.nbval_twice"]


@pytest.hookimpl(trylast=True)  # after nbval_twice added its second passes
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with a ``slow`` test first, then the files with most tests (xdist's own order).

    make test hands whole files to its workers (``--dist loadfile --no-loadscope-reorder``).
    Ordered by test count alone, a file of two slow tests came last and kept one worker busy
    for 17 s after the other three had stopped."""
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def weight(tests: list[pytest.Item]) -> tuple[bool, int]:
        return (not any(test.get_closest_marker("slow") for test in tests), -len(tests))

    items[:] = [item for tests in sorted(files.values(), key=weight) for item in tests]


_notebook_seconds: dict[str, float] = defaultdict(float)
_started = time.monotonic()


def pytest_runtest_logreport(report) -> None:  # noqa: ANN001 - pytest hook
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest hook
    write = terminalreporter.write_line
    if _notebook_seconds:
        slowest = sorted(_notebook_seconds.items(), key=lambda kv: -kv[1])[:5]
        write(f"notebooks: {len(_notebook_seconds)} executed under nbval; the five slowest:")
        for path, seconds in slowest:
            write(f"  {seconds:6.1f} s  {path}")
    write(f"pytest wall time: {time.monotonic() - _started:.1f} s")
