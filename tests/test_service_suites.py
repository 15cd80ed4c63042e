"""The demo service's own suite passes in both copies: the reference and the learner's.

Each copy runs in a process of its own, from its own folder, as a learner runs it
(`python -m pytest` in `service/`; workshop_lib.testing.run_suite, as notebook 08 does):
both copies have top-level modules with the same names. In the learner's copy the routes
left as exercises are stubs, and exactly their tests skip, each saying what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop_lib.testing import SuiteResult, run_suite

ROOT = Path(__file__).resolve().parent.parent
SKIP_REASON = (
    "exercise: apps/get_release.py is still a stub; write it "
    "(notebook 09's last exercise) and these tests run"
)


@pytest.fixture(scope="module")
def suites() -> dict[str, SuiteResult]:
    return {copy: run_suite(ROOT / copy / "service") for copy in ("solutions", "notebooks")}


@pytest.mark.slow
def test_the_reference_service_passes_its_whole_suite(suites):
    suite = suites["solutions"]
    assert suite.ok, suite.output[-4000:]
    assert suite.total("passed") == suite.total() >= 150, suite.summary()
    assert set(suite.sizes()) == {"unit", "integration", "http"}


@pytest.mark.slow
def test_the_learners_copy_passes_with_only_the_exercise_tests_skipped(suites):
    reference, learner = suites["solutions"], suites["notebooks"]
    assert learner.ok, learner.output[-4000:]
    assert [t.nodeid for t in learner.tests] == [t.nodeid for t in reference.tests]
    skipped = [t for t in learner.tests if t.outcome == "skipped"]
    assert len(skipped) >= 10 and {t.message for t in skipped} == {SKIP_REASON}
    assert learner.total("passed") + len(skipped) == reference.total("passed")
