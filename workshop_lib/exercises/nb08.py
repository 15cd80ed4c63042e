"""Checks for notebook 08 (testing serverless code): the learner writes tests, not code.

A test that cannot fail is not a test. Each check calls the learner's test function the
way pytest calls a test with a fixture: with the code under test as its argument. First
with the service's real code, where it must pass; then with *mutants*, copies of that code
with one deliberate bug each, where it must fail. A mutant the test lets through is named
in the hint, with the case that would catch it.

8.1 passes ``parse_release`` (apps/logic.py) and five mutants of it. 8.2 passes the
``delete_release`` handler, which the test must call with a repository of its own
(dependency injection), and three mutants. 8.3 passes an ``AppsRepository`` bound to a fresh
table in the notebook's sandbox, and three repositories whose ``create`` is wrong.

The service's modules (``apps``, ``repositories``; ``tables`` from its tests) are imported
by name: the notebook puts ``service/`` and ``service/tests/`` on ``sys.path`` first.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import itertools
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from workshop_lib.exercises import Fail, exercise
from workshop_lib.exercises.common import require_function, running_sandbox
from workshop_lib.testing import Outcome, run_test

#: A mutant: the broken code, what is wrong with it, and the case that would catch it.
Mutant = tuple[Any, str, str]

_tables = itertools.count(1)


# -- shared ------------------------------------------------------------------------------------
def _service_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise Fail(
            f"the service's code is not importable here (no module {name!r})",
            "run the notebook's first code cell: it puts service/ and service/tests/ on sys.path",
        ) from None


def _test_function(answer: Any, exercise_id: str, name: str, argument: str) -> None:
    """Fail unless ``answer`` is a function that can be called with the one argument we pass."""
    require_function(answer, exercise_id, name)
    try:
        parameters = list(inspect.signature(answer).parameters.values())
    except (TypeError, ValueError):
        return  # a builtin or similar: calling it will tell
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [
        p
        for p in parameters
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    takes_one = bool(positional) or any(p.kind == p.VAR_POSITIONAL for p in parameters)
    if len(required) > 1 or not takes_one or (required and required[0] not in positional):
        got = ", ".join(p.name for p in parameters) or "none"
        raise Fail(
            f"your test takes the arguments ({got}); the check passes one: {argument}",
            f"def {name}({argument}): ... — like a pytest fixture, the argument is the code "
            "under test, so the check can pass the real one and broken ones",
        )


def _where(outcome: Outcome) -> str:
    line = outcome.line if len(outcome.line) <= 70 else outcome.line[:67] + "..."
    return f" at `{line}`" if line else ""


def _on_real_code(outcome: Outcome, what: str, hint: str) -> None:
    """Fail if the learner's test did not pass on the real code; ``hint`` for a plain failure."""
    if outcome.status == "passed":
        return
    if outcome.status == "skipped":
        raise Fail(f"your test skipped itself{_where(outcome)}", "a test that skips checks nothing")
    verb = "fails" if outcome.status == "failed" else "raised an error"
    raise Fail(f"your test {verb} on the real {what}{_where(outcome)} ({outcome.detail})", hint)


def _on_mutants(
    test: Callable[..., Any],
    mutants: list[Mutant],
    what: str,
    run: Callable[[Callable[..., Any], Any], Outcome] = run_test,
) -> None:
    """Fail on the first mutant the test lets pass, saying what it does and how to catch it."""
    for mutant, bug, catch in mutants:
        if run(test, mutant).status in ("passed", "skipped"):
            raise Fail(
                f"your test also passes when {what} {bug}: it cannot tell working code "
                "from this bug",
                catch,
            )


# -- 8.1: a unit test for parse_release -----------------------------------------------------------
def parse_release_mutants(logic: Any) -> list[Mutant]:
    """``parse_release`` with one bug each (they raise the service's own InvalidInput)."""
    top = logic.MAX_RELEASE

    def refuse(value: Any) -> Any:
        return logic.parse_release(None)  # raises the real InvalidInput, message and all

    def accepts_zero(value: str | None) -> int:
        digits = isinstance(value, str) and re.fullmatch(r"[0-9]{1,10}", value)
        return int(value) if digits and 0 <= int(value) <= top else refuse(value)  # the bug: 0 <=

    def uses_int(value: str | None) -> int:
        try:
            number = int(value)  # type: ignore[arg-type] - the bug: int() accepts ' 7', '1_0'
        except (TypeError, ValueError):
            return refuse(value)
        return number if 1 <= number <= top else refuse(value)

    def no_upper_limit(value: str | None) -> int:
        if isinstance(value, str) and re.fullmatch(r"[0-9]+", value) and int(value) >= 1:
            return int(value)
        return refuse(value)

    def returns_text(value: str | None) -> Any:
        logic.parse_release(value)
        return value

    return [
        (
            refuse,
            "refuses every value, '7' too",
            "check a good value as well: assert parse_release('7') == 7",
        ),
        (
            returns_text,
            "returns the text '7' instead of the number 7",
            "compare with the number: assert parse_release('7') == 7 ('7' == 7 is False)",
        ),
        (
            accepts_zero,
            "accepts '0'",
            "releases start at 1: expect InvalidInput for '0' "
            "(with pytest.raises(InvalidInput): parse_release('0'))",
        ),
        (
            uses_int,
            "uses int(), which also accepts ' 7', '+7' and '1_0'",
            "expect InvalidInput for text int() takes but a path must not: ' 7' or '1_0'",
        ),
        (
            no_upper_limit,
            f"has no upper limit (accepts '99999999999', more than MAX_RELEASE = {top:,})",
            "expect InvalidInput for a number above MAX_RELEASE, e.g. '99999999999'",
        ),
    ]


@exercise(
    "8.1",
    "A unit test for parse_release",
    "run your test by hand first: test_parse_release(parse_release)",
)
def check_parse_release_test(answer: Any) -> None:
    _test_function(answer, "8.1", "test_parse_release", "parse_release")
    logic = _service_module("apps.logic")
    outcome = run_test(answer, logic.parse_release)
    if outcome.status == "error" and isinstance(outcome.error, logic.InvalidInput):
        raise Fail(
            f"your test raised InvalidInput{_where(outcome)}: the real parse_release refuses "
            "that value, as it should",
            "expect the refusal: with pytest.raises(InvalidInput): parse_release('0')",
        )
    _on_real_code(
        outcome,
        "parse_release",
        "the line shown does not hold for the real function: '7' gives the number 7, and "
        "'0', ' 7', '1.5', 'abc' and numbers above MAX_RELEASE raise InvalidInput",
    )
    _on_mutants(answer, parse_release_mutants(logic), "parse_release")


# -- 8.2: a handler test with a repository injected ------------------------------------------------
class _NoRepository(Exception):
    """The learner's test called the handler without one (it would use the real table)."""


@contextlib.contextmanager
def _quiet_handlers() -> Iterator[None]:
    """No tracebacks in the notebook: the handlers log every 500 with its stack (apps.http)."""
    logger = logging.getLogger("apps.http")
    disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = disabled


def delete_release_mutants(http: Any, logic: Any) -> list[Mutant]:
    """``delete_release`` with one bug each; same signature, same error handling."""

    def parsed(event: dict[str, Any]) -> tuple[str, int]:
        params = event.get("pathParameters") or {}
        return logic.check_app_id(params.get("id")), logic.parse_release(params.get("release"))

    def not_found(app_id: str, release: Any) -> dict[str, Any]:
        return http.error_response(404, f"Release {release} of app '{app_id}' not found")

    @http.api_handler
    def always_204(event: dict[str, Any], context: Any, repository: Any = None) -> Any:
        app_id, release = parsed(event)
        repository.delete(app_id, release)  # the bug: its answer is ignored
        return http.empty_response(204)

    @http.api_handler
    def never_deletes(event: dict[str, Any], context: Any, repository: Any = None) -> Any:
        app_id, release = parsed(event)
        if repository.get(app_id, release) is None:  # the bug: looks, never deletes
            return not_found(app_id, release)
        return http.empty_response(204)

    @http.api_handler
    def release_as_text(event: dict[str, Any], context: Any, repository: Any = None) -> Any:
        app_id, release = parsed(event)
        text = (event.get("pathParameters") or {}).get("release")
        if not repository.delete(app_id, text):  # the bug: '1', not 1
            return not_found(app_id, release)
        return http.empty_response(204)

    return [
        (
            release_as_text,
            "passes the release to the repository as text ('1', not 1), so it never finds "
            "one and answers 404 every time",
            "store release 1 in a FakeAppsRepository, delete it and expect 204",
        ),
        (
            always_204,
            "answers 204 even when there was no such release",
            "delete a release that is not there (or the same one twice) and expect 404",
        ),
        (
            never_deletes,
            "answers 204 but deletes nothing",
            "after the 204, look in your repository: repository.get('my-app', 1) must be None "
            "(or a second delete must answer 404)",
        ),
    ]


@exercise(
    "8.2",
    "A handler test with a fake repository",
    "run your test by hand first: test_delete_release(delete_release)",
)
def check_delete_release_test(answer: Any) -> None:
    _test_function(answer, "8.2", "test_delete_release", "delete_release")
    handlers = _service_module("apps.delete_release")
    http, logic = _service_module("apps.http"), _service_module("apps.logic")
    repositories: list[Any] = []

    def real(event: dict[str, Any], context: Any = None, repository: Any = None) -> Any:
        repositories.append(repository)
        if repository is None:  # the handler would build the real one: stop before it does
            raise _NoRepository
        return handlers.delete_release(event, context, repository)

    with _quiet_handlers():
        outcome = run_test(answer, real)
    if not repositories:
        raise Fail(
            "your test never called delete_release",
            "call it with an event, a context and a repository: "
            "delete_release(event, None, repository)",
        )
    if all(r is None for r in repositories):
        raise Fail(
            "your test called delete_release without a repository, so the handler would use "
            "the real table (the one DYNAMODB_APPS_TABLE names)",
            "inject one: repository = FakeAppsRepository([...]), then "
            "delete_release(event, None, repository)",
        )
    _on_real_code(
        outcome,
        "delete_release",
        "the real handler answers 204 for a stored release and 404 for a missing one, with "
        "statusCode in the response dict: response['statusCode'] == 204",
    )
    with _quiet_handlers():
        _on_mutants(answer, delete_release_mutants(http, logic), "delete_release")


# -- 8.3: an integration test against the sandbox's DynamoDB ---------------------------------------
def repository_mutants(repositories: Any) -> list[Mutant]:
    """``AppsRepository`` subclasses whose ``create`` is wrong, one way each."""
    base, exists = repositories.AppsRepository, repositories.AlreadyExists
    from boto3.dynamodb.conditions import Key

    class WrongCondition(base):
        def create(self, item: dict[str, Any]) -> None:
            try:  # the bug: no item has app_id, so the condition always holds
                self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(app_id)")
            except self.table.meta.client.exceptions.ConditionalCheckFailedException:
                raise exists(f"{item['id']}/{item['release']}") from None

    class Silent(base):
        def create(self, item: dict[str, Any]) -> None:
            try:
                self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
            except self.table.meta.client.exceptions.ConditionalCheckFailedException:
                return  # the bug: nobody learns that nothing was stored

    class OneReleasePerApp(base):
        def create(self, item: dict[str, Any]) -> None:
            if self.table.query(KeyConditionExpression=Key("id").eq(item["id"]))["Items"]:
                raise exists(f"{item['id']}/{item['release']}")  # the bug: any release of it
            super().create(item)

    return [
        (
            WrongCondition,
            "writes with a condition that always holds (attribute_not_exists(app_id): no item "
            "has an app_id), so a second create of the same (id, release) silently replaces "
            "the first",
            "create the same (id, release) twice with different versions: expect "
            "AlreadyExists the second time (pytest.raises) and the first version still stored",
        ),
        (
            Silent,
            "refuses the second write but does not raise AlreadyExists, so the API would "
            "answer 201 for a release it did not store",
            "the second create of the same (id, release) must raise AlreadyExists: "
            "with pytest.raises(AlreadyExists): repository.create(...)",
        ),
        (
            OneReleasePerApp,
            "refuses every new release of an app that already has one",
            "also create release 2 of the same app: it is a new item and must be stored",
        ),
    ]


def _sandbox() -> Any:
    return running_sandbox(
        "there is no DynamoDB to test against",
        "run the notebook from the top: aws = sandbox(region='eu-west-1', "
        "clock='virtual').start() is in the first code cell",
    )


def _with_fresh_table(aws: Any, repository_class: Any, test: Callable[..., Any]) -> Outcome:
    """Run ``test(repository_class(table))`` on a new, empty apps table; then drop the table."""
    tables = _service_module("tables")
    client = aws.client("dynamodb", region_name=aws.region)
    name = f"apps-check-8-3-{next(_tables)}"
    client.create_table(**tables.apps_table_properties(name))
    try:
        table = aws.resource("dynamodb", region_name=aws.region).Table(name)
        outcome = run_test(test, repository_class(table))
        if outcome.status == "passed" and not client.scan(TableName=name, Limit=1)["Items"]:
            raise Fail(
                "your test passed, but nothing was written to the table it was given",
                "use the repository passed in: repository.create({'id': 'my-app', "
                "'release': 1, 'version': '1.0.0'})",
            )
        return outcome
    finally:
        client.delete_table(TableName=name)


@exercise(
    "8.3",
    "An integration test against DynamoDB",
    "run your test by hand first: test_create_never_overwrites(AppsRepository(table))",
)
def check_create_test(answer: Any) -> None:
    _test_function(answer, "8.3", "test_create_never_overwrites", "repository")
    aws = _sandbox()
    repositories = _service_module("repositories.apps")
    outcome = _with_fresh_table(aws, repositories.AppsRepository, answer)
    if outcome.status == "error" and isinstance(outcome.error, repositories.AlreadyExists):
        raise Fail(
            f"your test raised AlreadyExists{_where(outcome)}: the real repository refuses a "
            "second create of the same (id, release), as it should",
            "expect the refusal: with pytest.raises(AlreadyExists): repository.create(item)",
        )
    if outcome.status == "error" and "ValidationException" in outcome.detail:
        raise Fail(
            f"DynamoDB refused a request of your test{_where(outcome)} ({outcome.detail})",
            "the table's keys are id (a string) and release (a number): use 'release': 1, "
            "not '1', and read back with repository.get('my-app', 1)",
        )
    _on_real_code(
        outcome,
        "AppsRepository",
        "the real repository stores a new (id, release), raises AlreadyExists for the same "
        "one again (keeping the first), and stores another release of the same app",
    )
    _on_mutants(
        answer,
        repository_mutants(repositories),
        "create",
        run=lambda test, cls: _with_fresh_table(aws, cls, test),
    )
