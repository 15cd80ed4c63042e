"""Exercises 8.1-8.3 and workshop_lib.testing: right tests pass, weak tests get a hint naming
the bug they let through, and the suite runner counts what pytest reports.

The checks import the demo service's modules by name (``apps``, ``repositories``, and
``fakes``, ``events``, ``tables`` from its tests), as notebook 08 does after putting
``solutions/service`` and its ``tests`` on ``sys.path``. Other tests deploy services of their
own with an ``apps`` package, so the fixture below takes the service's modules out of
``sys.modules`` (and its folders off ``sys.path``) again when this file is done.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.exercise_helpers import failed_with, not_attempted, passes
from workshop_lib import authoring, sandbox
from workshop_lib.exercises import exercises_of
from workshop_lib.testing import (
    LAYERS,
    Outcome,
    SuiteResult,
    TestCase,
    draw_pyramid,
    layer_of,
    parse_report,
    run_suite,
    run_test,
)

SERVICE = Path(__file__).resolve().parent.parent / "solutions" / "service"
SERVICE_MODULES = ("apps", "repositories", "auth", "events", "fakes", "tables")
S = SimpleNamespace()  # the service's modules, while this file's tests run
PATH = "/apps/{id}/releases/{release}"


def _ours(name: str) -> bool:
    return name.split(".")[0] in SERVICE_MODULES


@pytest.fixture(scope="module", autouse=True)
def service_modules():
    saved_path = list(sys.path)
    saved = {name: module for name, module in sys.modules.items() if _ours(name)}
    for name in saved:
        del sys.modules[name]
    sys.path[:0] = [str(SERVICE), str(SERVICE / "tests")]
    try:
        S.logic = importlib.import_module("apps.logic")
        S.delete = importlib.import_module("apps.delete_release")
        S.repositories = importlib.import_module("repositories.apps")
        S.fakes = importlib.import_module("fakes")
        S.events = importlib.import_module("events")
        S.tables = importlib.import_module("tables")
        yield S
    finally:
        sys.path[:] = saved_path
        for name in [name for name in sys.modules if _ours(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


def test_exercises_are_registered_in_order():
    assert [ex.id for ex in exercises_of("08")] == authoring.exercise_ids("08")


def stub(argument):
    raise NotImplementedError("your answer here")


# -- 8.1: a unit test for parse_release -------------------------------------------------------
def good_parse_test(parse_release):
    assert parse_release("7") == 7
    for bad in ["0", " 7", "1_0", "1.5", "abc", str(S.logic.MAX_RELEASE + 1)]:
        with pytest.raises(S.logic.InvalidInput):
            parse_release(bad)


def parse_test_without(*left_out: str):
    """The good test with some of its checks left out: what a learner forgets."""

    def test(parse_release):
        if "good" not in left_out:
            assert parse_release("7") == 7
        if "number" in left_out:
            assert parse_release("7") in (7, "7")
        bad = {"0": "zero", " 7": "int", "99999999999": "limit", "abc": "always"}
        for value, name in bad.items():
            if name not in left_out:
                with pytest.raises(S.logic.InvalidInput):
                    parse_release(value)

    return test


def test_8_1_a_good_test_passes():
    passes("8.1", good_parse_test)
    passes("8.1", parse_test_without())


def test_8_1_the_stub_is_not_attempted():
    not_attempted("8.1", stub)
    not_attempted("8.1", ...)


@pytest.mark.parametrize(
    "left_out, phrases",
    [
        (("good",), ["refuses every value", "parse_release('7') == 7"]),
        (("good", "number"), ["returns the text '7'", "'7' == 7 is False"]),
        (("zero",), ["accepts '0'", "releases start at 1"]),
        (("int",), ["uses int()", "' 7' or '1_0'"]),
        (("limit",), ["has no upper limit", "above MAX_RELEASE"]),
    ],
)
def test_8_1_each_mutant_a_test_lets_through_is_named(left_out, phrases):
    line = failed_with("8.1", parse_test_without(*left_out), *phrases)
    assert "cannot tell working code from this bug" in line


def test_8_1_a_test_that_fails_on_the_real_code():
    def expects_zero(parse_release):
        assert parse_release("0") == 0

    def expects_text(parse_release):
        assert parse_release("7") == "7"

    failed_with("8.1", expects_zero, "raised InvalidInput", "pytest.raises(InvalidInput)")
    failed_with("8.1", expects_text, "fails on the real parse_release", 'parse_release("7") == "7"')


def test_8_1_answers_that_are_not_a_test_function():
    failed_with("8.1", "test_parse_release", "expected your function", "check('8.1'")

    def no_argument():
        pass

    def two_arguments(parse_release, other):
        pass

    for wrong in (no_argument, two_arguments):
        failed_with("8.1", wrong, "the check passes one: parse_release", "pytest fixture")


def test_8_1_a_test_that_skips_itself():
    def skips(parse_release):
        pytest.skip("later")

    failed_with("8.1", skips, "skipped itself", "checks nothing")


# -- 8.2: a handler test with a fake repository -----------------------------------------------
def delete_test(*left_out: str, inject: bool = True):
    def test(delete_release):
        repository = S.fakes.FakeAppsRepository([{"id": "my-app", "release": 1, "version": "1"}])
        event = S.events.api_event("DELETE", PATH, {"id": "my-app", "release": "1"})
        call = (event, None, repository) if inject else (event, None)
        if "204" not in left_out:
            assert delete_release(*call)["statusCode"] == 204
        if "gone" not in left_out:
            assert repository.get("my-app", 1) is None
        if "404" not in left_out:
            assert delete_release(*call)["statusCode"] == 404

    return test


def test_8_2_a_good_test_passes_and_the_stub_is_not_attempted():
    passes("8.2", delete_test())
    passes("8.2", delete_test("gone"))  # a second delete answering 404 shows it is gone
    not_attempted("8.2", stub)


def test_8_2_each_mutant_a_test_lets_through_is_named():
    def statuses_only(delete_release):
        repository = S.fakes.FakeAppsRepository([{"id": "my-app", "release": 1, "version": "1"}])
        one = S.events.api_event("DELETE", PATH, {"id": "my-app", "release": "1"})
        two = S.events.api_event("DELETE", PATH, {"id": "my-app", "release": "2"})
        assert delete_release(one, None, repository)["statusCode"] == 204
        assert delete_release(two, None, repository)["statusCode"] == 404

    failed_with("8.2", delete_test("404"), "204 even when there was no such release", "404")
    failed_with("8.2", statuses_only, "204 but deletes nothing", "repository.get('my-app', 1)")


def test_8_2_a_test_of_the_404_only_misses_the_release_passed_as_text():
    def only_404(delete_release):
        repository = S.fakes.FakeAppsRepository()
        event = S.events.api_event("DELETE", PATH, {"id": "my-app", "release": "1"})
        assert delete_release(event, None, repository)["statusCode"] == 404

    failed_with("8.2", only_404, "as text ('1', not 1)", "expect 204")


def test_8_2_without_a_repository_the_hint_is_injection():
    failed_with("8.2", delete_test(inject=False), "without a repository", "FakeAppsRepository")

    def never_calls(delete_release):
        pass

    failed_with("8.2", never_calls, "never called delete_release")


def test_8_2_a_test_that_fails_on_the_real_handler():
    def expects_200(delete_release):
        repository = S.fakes.FakeAppsRepository([{"id": "my-app", "release": 1}])
        event = S.events.api_event("DELETE", PATH, {"id": "my-app", "release": "1"})
        assert delete_release(event, None, repository)["statusCode"] == 200

    failed_with("8.2", expects_200, "fails on the real delete_release", "== 200", "204")


def test_8_2_mutants_answer_like_the_handler_and_differ_where_named():
    from workshop_lib.exercises.nb08 import delete_release_mutants

    http = importlib.import_module("apps.http")
    event = S.events.api_event("DELETE", PATH, {"id": "my-app", "release": "1"})
    for mutant, _, _ in delete_release_mutants(http, S.logic):
        bad = S.events.api_event("DELETE", PATH, {"id": "..", "release": "1"})
        assert mutant(bad, None, S.fakes.FakeAppsRepository())["statusCode"] == 400
        answers = []
        repository = S.fakes.FakeAppsRepository([{"id": "my-app", "release": 1}])
        for _ in range(2):
            answers.append(mutant(event, None, repository)["statusCode"])
        assert answers != [204, 404] or repository.get("my-app", 1) is not None


# -- 8.3: an integration test against DynamoDB ------------------------------------------------
@pytest.fixture
def aws():
    with sandbox(region="eu-west-1", clock="virtual") as box:
        yield box


def create_test(*left_out: str, item_release=1):
    def test(repository):
        exists = S.repositories.AlreadyExists
        repository.create({"id": "my-app", "release": item_release, "version": "1.0.0"})
        if "raises" not in left_out:
            with pytest.raises(exists):
                repository.create({"id": "my-app", "release": 1, "version": "6.6.6"})
        else:
            with contextlib.suppress(exists):  # a test that does not care whether it raises
                repository.create({"id": "my-app", "release": 1, "version": "6.6.6"})
        if "kept" not in left_out:
            assert repository.get("my-app", 1)["version"] == "1.0.0"
        if "next" not in left_out:
            repository.create({"id": "my-app", "release": 2, "version": "2.0.0"})
            assert repository.get("my-app", 2)["version"] == "2.0.0"

    return test


def test_8_3_a_good_test_passes_and_the_stub_is_not_attempted(aws):
    passes("8.3", create_test())
    not_attempted("8.3", stub)
    assert aws.client("dynamodb").list_tables()["TableNames"] == []  # each table dropped


@pytest.mark.parametrize(
    "left_out, phrases",
    [
        (("next",), ["refuses every new release", "release 2 of the same app"]),
        (("raises",), ["does not raise AlreadyExists", "pytest.raises(AlreadyExists)"]),
        (("raises", "kept"), ["attribute_not_exists(app_id)", "first version still stored"]),
    ],
)
def test_8_3_each_mutant_a_test_lets_through_is_named(aws, left_out, phrases):
    failed_with("8.3", create_test(*left_out), "your test also passes when create", *phrases)


def test_8_3_a_test_that_fails_on_the_real_repository(aws):
    def second_create_only(repository):
        repository.create({"id": "my-app", "release": 1, "version": "1.0.0"})
        repository.create({"id": "my-app", "release": 1, "version": "6.6.6"})  # no error?

    failed_with("8.3", second_create_only, "raised AlreadyExists", "pytest.raises(AlreadyExists)")


def test_8_3_mistakes_with_the_table(aws):
    def uses_its_own_fake(repository):
        S.fakes.FakeAppsRepository().create({"id": "my-app", "release": 1})

    failed_with("8.3", uses_its_own_fake, "nothing was written", "the repository passed in")
    failed_with("8.3", create_test(item_release="1"), "DynamoDB refused", "'release': 1, not '1'")


def test_8_3_needs_a_sandbox():
    failed_with("8.3", create_test(), "no sandbox is running", "sandbox(")


def test_checks_say_when_the_service_is_not_importable(monkeypatch):
    monkeypatch.setitem(sys.modules, "apps.logic", None)  # import fails, as without sys.path
    failed_with("8.1", good_parse_test, "not importable", "service/tests/ on sys.path")


# -- run_test ---------------------------------------------------------------------------------
def test_run_test_judges_like_pytest():
    def passing():
        assert 1 + 1 == 2

    def failing():  # raise, not assert: pytest rewrites the messages of asserts in tests
        raise AssertionError("arithmetic")

    def erroring():
        {}["missing"]

    def raises_wrongly():
        with pytest.raises(KeyError):
            pass

    assert str(run_test(passing)) == "passed"
    assert str(run_test(failing)) == (
        'FAILED at `raise AssertionError("arithmetic")`: AssertionError: arithmetic'
    )
    assert run_test(erroring).status == "error" and run_test(erroring).line == '{}["missing"]'
    assert run_test(erroring).detail == "KeyError: 'missing'"
    assert run_test(raises_wrongly).status == "failed"
    assert "DID NOT RAISE" in run_test(raises_wrongly).detail
    assert run_test(lambda x: pytest.skip("no"), 1).status == "skipped"
    with pytest.raises(NotImplementedError):
        run_test(stub, 1)


def test_outcome_details_are_one_short_line():
    outcome = Outcome("error", ValueError("a\nlong " + "x" * 300))
    assert "\n" not in outcome.detail and len(outcome.detail) == 160
    assert outcome.detail.startswith("ValueError: a long xxx") and outcome.detail.endswith("...")


# -- the suite: layers, the JUnit report, run_suite ----------------------------------------------
def test_layers_are_the_folders_under_tests():
    assert layer_of("tests/unit/test_logic.py") == "unit"
    assert layer_of("tests/http/sub/test_x.py") == "http"
    assert layer_of("tests/test_top.py") == "other"
    assert layer_of("test_x.py") == "other"
    assert LAYERS == ("unit", "integration", "http")


REPORT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.http.test_api" name="test_get" file="tests/http/test_api.py" line="3"/>
<testcase classname="tests.unit.test_logic" name="test_a[1]" file="tests/unit/test_logic.py"/>
<testcase classname="tests.unit.test_logic" name="test_a[2]" file="tests/unit/test_logic.py">
<failure message="AssertionError: no">trace</failure></testcase>
<testcase classname="tests.unit.test_logic.TestX" name="test_m" file="tests/unit/test_logic.py"/>
<testcase classname="tests.unit.test_logic" name="test_s" file="tests/unit/test_logic.py">
<skipped type="pytest.skip" message="later">skip</skipped></testcase>
<testcase classname="tests.extra.test_z" name="test_z" file="tests/extra/test_z.py"/>
<testcase classname="tests.integration.test_db" name="test_b" file="tests/integration/test_db.py"/>
<testcase classname="tests.integration.test_db" name="test_b" file="tests/integration/test_db.py">
<error message="failed on teardown">trace</error></testcase>
<testcase classname="" name="tests.integration.test_broken">
<error message="collection failure">trace</error></testcase>
</testsuite></testsuites>"""


def test_the_junit_report_is_read_test_by_test():
    tests = {t.nodeid: t for t in parse_report(REPORT)}
    assert tests["tests/unit/test_logic.py::test_a[2]"] == TestCase(
        "tests/unit/test_logic.py::test_a[2]", "unit", "failed", "AssertionError: no"
    )
    assert tests["tests/unit/test_logic.py::TestX::test_m"].outcome == "passed"
    assert tests["tests/unit/test_logic.py::test_s"].message == "later"
    assert tests["tests/integration/test_db.py::test_b"].outcome == "error"  # the worse report
    assert tests["tests/integration/test_broken.py"].layer == "integration"
    result = SuiteResult("x", list(tests.values()), 1)
    assert result.counts() == {
        "unit": {"passed": 2, "skipped": 1, "failed": 1, "error": 0},
        "integration": {"passed": 0, "skipped": 0, "failed": 0, "error": 2},
        "http": {"passed": 1, "skipped": 0, "failed": 0, "error": 0},
        "extra": {"passed": 1, "skipped": 0, "failed": 0, "error": 0},
    }
    assert result.sizes() == {"unit": 4, "integration": 2, "http": 1, "extra": 1}
    assert result.summary() == "8 tests: 4 passed, 1 skipped, 1 failed, 2 error"
    assert not result.ok and [t.nodeid for t in result.problems()] == [
        "tests/unit/test_logic.py::test_a[2]",
        "tests/integration/test_db.py::test_b",
        "tests/integration/test_broken.py",
    ]
    assert result.table().splitlines() == [
        "layer                passed skipped  failed   error",
        "unit                      2       1       1       0",
        "integration               0       0       0       2",
        "HTTP (end to end)         1       0       0       0",
        "extra                     1       0       0       0",
        "all                       4       1       1       2",
    ]


SUITE = {
    "tests/unit/test_rules.py": """
        import pytest

        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_positive(n):
            assert n > 0

        def test_wrong():
            assert 1 == 2

        @pytest.mark.skip(reason="not yet")
        def test_later():
            pass
        """,
    "tests/integration/test_store.py": """
        import pytest

        @pytest.fixture
        def table():
            raise RuntimeError("no table")

        def test_put(table):
            pass

        def test_get():
            pass
        """,
    "tests/http/test_api.py": """
        def test_ping():
            pass
        """,
}


def test_run_suite_counts_a_real_pytest_run_by_layer(tmp_path):
    for name, text in SUITE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    result = run_suite(tmp_path)
    assert result.returncode == 1
    assert result.counts() == {
        "unit": {"passed": 3, "skipped": 1, "failed": 1, "error": 0},
        "integration": {"passed": 1, "skipped": 0, "failed": 0, "error": 1},
        "http": {"passed": 1, "skipped": 0, "failed": 0, "error": 0},
    }
    assert result.summary() == "8 tests: 5 passed, 1 skipped, 1 failed, 1 error"
    assert {t.nodeid for t in result.problems()} == {
        "tests/unit/test_rules.py::test_wrong",
        "tests/integration/test_store.py::test_put",
    }
    assert list(result.by_file()) == [
        "tests/http/test_api.py",
        "tests/integration/test_store.py",
        "tests/unit/test_rules.py",
    ]
    assert not any(p.name in ("__pycache__", ".pytest_cache") for p in tmp_path.rglob("*"))
    only_unit = run_suite(tmp_path, "tests/unit", "-k", "positive")
    assert only_unit.ok and only_unit.sizes() == {"unit": 3}


def test_run_suite_says_when_there_is_nothing_to_run(tmp_path):
    empty = run_suite(tmp_path)
    assert empty.returncode == 5 and not empty.ok
    assert empty.summary().startswith("pytest found no tests (exit status 5)")
    with pytest.raises(FileNotFoundError):
        run_suite(tmp_path / "missing")


def test_the_pyramid_draws_the_counts_bottom_up():
    import matplotlib.pyplot as plt

    sizes = {"http": 7, "unit": 140, "integration": 9, "extra": 2}
    fig = draw_pyramid(sizes, title="t")
    try:
        ax = fig.axes[0]
        bars = [(p.get_width(), p.get_x(), p.get_y() + p.get_height() / 2) for p in ax.patches]
        assert [b[0] for b in bars] == [140, 9, 7, 2]  # unit at the bottom, then upwards
        assert all(abs(width / 2 + left) < 1e-9 for width, left, _ in bars)  # centred
        assert [b[2] for b in bars] == [0, 1, 2, 3]
        labels = [t.get_text() for t in ax.texts]
        assert labels == ["unit: 140", "integration: 9", "HTTP (end to end): 7", "extra: 2"]
        assert ax.get_title() == "t"
    finally:
        plt.close(fig)
