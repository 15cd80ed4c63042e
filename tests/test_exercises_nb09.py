"""Exercises 9.1-9.3: right answers pass, typical mistakes get a hint naming them.

The tests deploy a copy of the reference service (``solutions/service``) into one sandbox
in eu-west-1 on a frozen clock, store four releases as the notebook does, and refill the
usage plan's bucket before every check (as the notebook's cells do). 9.3 runs the route's
own tests in the copy, so its wrong answers are edits of ``apps/get_release.py`` there,
and its stub is exactly what the authoring build writes into the learner's copy.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import nbformat
import pytest
import requests

from tests.exercise_helpers import failed_with, not_attempted, passes
from workshop_lib import authoring, sandbox
from workshop_lib.exercises import exercises_of, nb09
from workshop_lib.framework import Service
from workshop_lib.framework import deploy as framework

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "solutions" / "service"
ROUTE = Path("apps/get_release.py")
RELEASES = [
    {"id": "weather", "release": 1, "version": "1.0.0"},
    {"id": "weather", "release": 2, "version": "1.1.0"},
    {"id": "maps", "release": 1, "version": "0.9.0"},
    {"id": "notes", "release": 1, "version": "0.1.0"},
]
#: 9.3: a body that answers 200 (with null) for a release that does not exist.
NO_404_BODY = """\
    params = event.get("pathParameters") or {}
    app_id = logic.check_app_id(params.get("id"))
    release = logic.parse_release(params.get("release"))
    item = (repository or default_repository()).get(app_id, release)
    return http.json_response(200, item)
"""


def test_exercises_are_registered_in_order():
    assert [ex.id for ex in exercises_of("09")] == authoring.exercise_ids("09")


# -- before anything is deployed (these run first: the module's sandbox is not up yet) --------
def copy_service(target: Path) -> Path:
    ignore = shutil.ignore_patterns(".serverless", "__pycache__", ".pytest_cache")
    shutil.copytree(REFERENCE, target, ignore=ignore)
    return target


def test_checks_need_a_sandbox(tmp_path):
    folder = copy_service(tmp_path / "service")
    failed_with("9.1", lambda limit=2: [], "no sandbox is running", "sandbox(")
    failed_with("9.2", "a.b.c", "no sandbox is running")
    failed_with("9.3", str(folder), "no sandbox is running")


def test_checks_need_the_service_deployed(tmp_path):
    folder = copy_service(tmp_path / "service")
    with sandbox(region="eu-west-1", clock="virtual"):
        for exercise_id, answer in [
            ("9.1", lambda limit=2: []),
            ("9.2", "a.b.c"),
            ("9.3", str(folder)),
        ]:
            failed_with(exercise_id, answer, "the service is not deployed", "sls('deploy'")


def test_the_learners_copy_is_not_attempted_even_without_a_sandbox():
    not_attempted("9.3", str(ROOT / "notebooks" / "service"))


def test_9_3_needs_the_services_folder(tmp_path):
    failed_with("9.3", 42, "expected the service's folder", "check('9.3', 'service')")
    failed_with("9.3", str(tmp_path), "is not the demo service's folder", "next to this notebook")


# -- the deployed service ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return copy_service(tmp_path_factory.mktemp("nb09") / "service")


@pytest.fixture(scope="module")
def service(folder) -> Iterator[nb09.Deployed]:
    with sandbox(region="eu-west-1", clock="virtual") as aws:
        aws.shared_by_module = True  # one deployment for this module's tests (conftest.py)
        framework.deploy(Service.load(folder), aws, out=lambda _: None)
        deployed = nb09.deployed()
        writer = deployed.token("alice", ["apps:write"])
        for release in RELEASES:
            created = deployed.request("POST", "/apps", token=writer, json=release)
            assert created.status_code == 201, created.text
        yield deployed


@pytest.fixture
def api(service) -> nb09.Deployed:
    """The deployed service, with a full usage-plan bucket (as the notebook's cells refill)."""
    service.aws.clock.advance(1)
    return service


def lister(
    service: nb09.Deployed,
    *,
    pages: int | None = None,
    limit: int | None = None,
    shape=lambda item: (item["id"], item["release"]),
    follow: bool = True,
):
    """An all_releases written with one mistake at a time (none by default)."""

    def all_releases(page_size=2):
        pairs, cursor, fetched = [], None, 0
        while True:
            params = {"limit": limit or page_size, **({"cursor": cursor} if cursor else {})}
            page = requests.get(
                service.endpoint + "/apps", params=params, headers={"x-api-key": service.api_key}
            ).json()
            pairs += [shape(item) for item in page["items"]]
            fetched += 1
            if follow:
                cursor = page["nextCursor"]
            if (pages and fetched >= pages) or (follow and cursor is None):
                return pairs

    return all_releases


# -- 9.1: every page of GET /apps --------------------------------------------------------------
def test_9_1_the_notebooks_answer_passes(api):
    passes("9.1", lister(api))
    passes("9.1", lister(api))  # again: a check changes nothing


def test_9_1_stubs_are_not_attempted(api):
    def all_releases(limit=2):
        raise NotImplementedError("# your answer here")

    not_attempted("9.1", ...)
    not_attempted("9.1", all_releases)


@pytest.mark.parametrize(
    "mistake, phrases",
    [
        ({"pages": 1}, ["got 2 of the 4 releases", "nextCursor is not None"]),
        ({"limit": 100}, ["in 1 request(s)", "2 pages of 2", "params={'limit': limit"]),
        ({"shape": lambda item: item}, ["whole items (dicts)", "item['release']"]),
        ({"shape": lambda item: (item["id"], str(item["release"]))}, ["strings", "JSON number"]),
        ({"follow": False, "pages": 2}, ["came twice", "nextCursor of the page you just read"]),
        ({"shape": lambda item: (item["id"], item["release"], item["version"])}, ["is not an"]),
    ],
)
def test_9_1_mistakes_get_a_hint(api, mistake, phrases):
    failed_with("9.1", lister(api, **mistake), *phrases)


def test_9_1_wrong_kinds_of_answer(api):
    failed_with("9.1", [("weather", 1)], "expected your function", "check('9.1', all_releases)")
    failed_with("9.1", lambda limit=2: None, "returned None", "return it")
    failed_with("9.1", lambda limit=2: "weather", "expected a list", "[('weather', 1)")
    failed_with("9.1", lambda limit=2: [("weather", 1)], "got 1 of the 4 releases")
    everything = [(r["id"], r["release"]) for r in RELEASES]
    failed_with("9.1", lambda limit=2: [*everything, ("nope", 9)], "('nope', 9) is not in")


def test_9_1_code_that_raises_gets_the_checks_hint(api):
    def all_releases(limit=2):
        page = requests.get(api.endpoint + "/apps", headers={"x-api-key": api.api_key}).json()
        return page["cursor"]

    failed_with("9.1", all_releases, "your code raised KeyError", "print one page first")


def test_9_1_a_throttled_page_is_explained(api):
    for _ in range(10):  # empty the bucket
        requests.get(api.endpoint + "/apps", headers={"x-api-key": api.api_key})
    failed_with("9.1", lister(api), "GET /apps?limit=2 answered 429", "aws.clock.advance(1)")


def test_9_1_a_request_without_the_api_key_is_named(api):
    # no API key: the message says so, not "KeyError: 'items'" with a hint about 429
    def all_releases(limit=2):
        pairs, cursor = [], None
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = requests.get(api.endpoint + "/apps", params=params).json()
            pairs += [(item["id"], item["release"]) for item in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                return pairs

    failed_with("9.1", all_releases, "answered 403", "no x-api-key header", "headers=KEY")


def test_9_1_a_cursor_never_sent_is_named(api):
    # the first page again and again, until the usage plan answers 429
    def all_releases(limit=2):
        pairs, cursor = [], None
        while True:
            page = requests.get(
                api.endpoint + "/apps", params={"limit": limit}, headers={"x-api-key": api.api_key}
            ).json()
            pairs += [(item["id"], item["release"]) for item in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                return pairs

    line = failed_with(
        "9.1", all_releases, "asked for the first page", "never sent the nextCursor", "'cursor'"
    )
    assert "aws.clock.advance" not in line


def test_9_1_the_stage_is_untouched_after_a_check():
    import requests as library

    assert library.Session.send.__qualname__ == "Session.send"  # the recorder put it back


# -- 9.2: a genuine token that may not write ---------------------------------------------------
def token(
    service: nb09.Deployed,
    scopes: list[str],
    *,
    secret: str | None = None,
    ttl_s: int = 600,
    **claims,
) -> str:
    now = int(time.time())
    body = {"sub": "bob", "scope": " ".join(scopes), "iat": now, "exp": now + ttl_s, **claims}
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, secret or service.secret, algorithm="HS256")


def test_9_2_a_reader_token_passes(api):
    passes("9.2", token(api, ["apps:read"]))
    passes("9.2", "Bearer " + token(api, []))  # the header's value is fine too
    assert ("exercise-9-2", 1) not in nb09._table_pairs(api)  # refused: nothing was created


def test_9_2_stub_is_not_attempted(api):
    not_attempted("9.2", ...)


@pytest.mark.parametrize(
    "make, phrases",
    [
        (lambda s: token(s, ["apps:write"]), ["has the apps:write scope", "201"]),
        (lambda s: token(s, ["apps:read"], ttl_s=-60), ["has expired", "401", "ttl_s"]),
        (
            lambda s: token(s, ["apps:read"], secret="someone-elses-secret-32-bytes-long"),
            ["not signed with the service's JWT_SECRET", "SECRET"],
        ),
        (lambda s: token(s, ["apps:read"], sub=None), ["no 'sub' claim", "mint("]),
        (lambda s: "not-a-token", ["cannot read this as a JWT", "mint('bob'"]),
    ],
)
def test_9_2_tokens_the_authorizer_would_not_refuse_with_403(api, make, phrases):
    failed_with("9.2", make(api), *phrases)


def test_9_2_wants_the_token_itself(api):
    failed_with("9.2", {"Authorization": "Bearer x"}, "expected the token", "check('9.2', token)")


# -- 9.3: the route ----------------------------------------------------------------------------
@pytest.fixture
def route(folder, api) -> Iterator[Path]:
    """The copy's get_release.py; whatever a test writes into it is undone afterwards."""
    path = folder / ROUTE
    original = path.read_text()
    yield path
    path.write_text(original)
    framework.deploy_function(
        Service.load(folder), api.aws, nb09.ROUTE_FUNCTION, out=lambda _: None
    )


def with_body(source: str, body: str) -> str:
    """get_release.py with the solution block replaced by ``body``."""
    head, rest = source.split(authoring.BEGIN, 1)
    tail = rest.split(authoring.END, 1)[1]
    return head.rstrip(" ") + body + tail.split("\n", 1)[1]


def test_9_3_the_reference_passes_and_leaves_the_table_as_it_was(folder, api):
    before = nb09._table_pairs(api)
    passes("9.3", str(folder))
    assert nb09._table_pairs(api) == before
    found = api.request("GET", f"/apps/{nb09.ROUTE_APP}/releases/{nb09.ROUTE_RELEASE}")
    assert found.status_code == 404  # the check's own release is gone again


def test_9_3_the_learners_stub_is_not_attempted(folder, route):
    stubbed = authoring.learner_file(ROUTE, route.read_bytes())
    assert nb09.STUB.encode() in stubbed
    route.write_bytes(stubbed)
    not_attempted("9.3", str(folder))


def test_9_3_a_failing_test_is_named_with_its_assertion(folder, route):
    route.write_text(with_body(route.read_text(), NO_404_BODY))
    line = failed_with(
        "9.3",
        str(folder),
        "tests failed; the first is tests/unit/test_handlers.py::test_get_release_and_404",
        "GET /apps/my-app/releases/9, a release that is not stored, answered 200, not 404",
        "http.error_response(404, ...)",
        "python -m pytest -m exercise -x",
    )
    assert line.startswith("[9.3] FAILED: 2 of the route's 16 tests failed"), line


#: 9.3: a body that reads the path parameters without the helpers that check them.
NO_VALIDATION_BODY = """\
    params = event.get("pathParameters") or {}
    item = (repository or default_repository()).get(params["id"], int(params["release"]))
    if item is None:
        return http.error_response(404, f"Release {params['release']} not found")
    return http.json_response(200, item)
"""


def test_9_3_a_route_without_validation_is_told_which_request_and_which_helper(folder, route):
    # which request failed and which helper validates it, not a count of failed tests
    route.write_text(with_body(route.read_text(), NO_VALIDATION_BODY))
    failed_with(
        "9.3",
        str(folder),
        "GET /apps/../releases/1 answered 404, not 400 'Invalid app id' (and 5 more like it)",
        "logic.check_app_id(params.get('id'))",
    )


def test_9_3_a_release_read_with_int_is_told_about_parse_release():
    # the JUnit messages the route's suite writes for a body that reads the release with
    # int() (copied from a real run), explained without running the suite again
    from workshop_lib.exercises import Fail
    from workshop_lib.testing import TestCase

    node = "tests/unit/test_handlers.py::test_a_non_integer_release_is_400"
    failed = [
        TestCase(f"{node}[abc]", "unit", "failed", "assert 500 == 400"),
        TestCase(f"{node}[1.5]", "unit", "failed", "assert 500 == 400"),
    ]
    with pytest.raises(Fail) as fail:
        nb09._explain_failed_test(failed, 16)
    assert fail.value.what.endswith(
        "GET /apps/my-app/releases/abc answered 500, not 400 naming the field 'release' "
        "(and 1 more like it)"
    )
    assert "logic.parse_release(params.get('release'))" in fail.value.hint


def test_9_3_a_test_the_table_does_not_know_keeps_its_assertion():
    from workshop_lib.exercises import Fail
    from workshop_lib.testing import TestCase

    failed = [TestCase("tests/unit/test_new.py::test_x", "unit", "failed", "assert 1 == 2")]
    with pytest.raises(Fail) as fail:
        nb09._explain_failed_test(failed, 3)
    assert fail.value.what == "1 of the route's 3 tests failed; the first is " + failed[0].nodeid
    assert fail.value.hint.startswith("it says: assert 1 == 2 — fix get_release")


def test_9_3_code_that_does_not_import_is_reported(folder, route):
    route.write_text(with_body(route.read_text(), "    return http.json_response(200 item)\n"))
    failed_with(
        "9.3",
        str(folder),
        "could not import the service: apps/get_release.py, line 21: SyntaxError",
        "fix that line",
    )


def test_9_3_a_deployed_route_that_fails_is_reported(folder, route, monkeypatch, api):
    """Tests that pass with a function that was never deployed: the HTTP step notices."""
    route.write_bytes(authoring.learner_file(ROUTE, route.read_bytes()))
    framework.deploy_function(
        Service.load(folder), api.aws, nb09.ROUTE_FUNCTION, out=lambda _: None
    )
    route.write_text((REFERENCE / ROUTE).read_text())
    monkeypatch.setattr(nb09, "_deploy_route", lambda folder, aws: None)
    failed_with("9.3", str(folder), "a release that exists, answered 500", "logs -f")


def test_the_notebooks_9_3_solution_is_the_reference_body():
    """The reveal of 9.3 shows, commented out, the body that solutions/service has."""
    nb = nbformat.read(ROOT / "solutions" / "09_demo_api.ipynb", as_version=4)
    cell = next(c for c in nb.cells if 'check("9.3"' in c.source)
    _, blocks = authoring.split_solution(cell.source)
    shown = [line.removeprefix("#     ") for line in blocks[0].splitlines()[1:]]
    _, (body,) = authoring.split_solution((REFERENCE / ROUTE).read_text())
    assert shown == body.splitlines()


def test_the_check_tokens_are_accepted_by_the_service(api):
    """Deployed.token makes what auth.tokens.mint makes: the create it sends gets through."""
    body = {"id": "check-token", "release": 1, "version": "1.0.0"}
    writer = api.token("checker", ["apps:write"])
    created = api.request("POST", "/apps", token=writer, json=body)
    assert created.status_code == 201, created.text
    assert json.loads(created.text)["createdBy"] == "checker"
    assert api.request("DELETE", "/apps/check-token/releases/1", token=writer).status_code == 204


def test_9_2_the_create_is_really_sent(api, monkeypatch):
    """A token the check's own reading lets through still has to get its 403 from the API."""
    monkeypatch.setattr(nb09, "WRITE_SCOPE", "apps:admin")  # the check now misreads writers
    writer = token(api, ["apps:write"])
    try:
        failed_with("9.2", writer, "answered 201", "not 403")
    finally:
        path = "/apps/{id}/releases/{release}".format(**nb09.REFUSED_CREATE)
        api.request("DELETE", path, token=writer)
    assert ("exercise-9-2", 1) not in nb09._table_pairs(api)
