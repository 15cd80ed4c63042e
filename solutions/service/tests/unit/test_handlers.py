"""Every handler with an in-memory repository injected: routes, status codes, bodies."""

from __future__ import annotations

import json

import pytest

from apps.create import create
from apps.delete_release import delete_release
from apps.get_app import get_app
from apps.get_release import get_release
from apps.list_apps import list_apps
from events import api_event, json_body, lambda_context
from fakes import BrokenRepository, FakeAppsRepository

RELEASE = {"id": "my-app", "release": 1, "version": "1.0.0"}


@pytest.fixture
def repo() -> FakeAppsRepository:
    return FakeAppsRepository(
        [
            {**RELEASE, "createdAt": "2018-03-07T19:00:00Z"},
            {**RELEASE, "release": 2, "version": "1.1.0", "createdAt": "2018-03-08T19:00:00Z"},
            {"id": "other", "release": 1, "version": "0.1.0", "createdAt": "2018-03-09T19:00:00Z"},
        ]
    )


def assert_cors_json(response: dict) -> None:
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"
    if response["statusCode"] != 204:
        assert response["headers"]["Content-Type"] == "application/json"
        json.loads(response["body"])


# -- POST /apps ----------------------------------------------------------------------------------
def post(body, repo, **kwargs):
    return create(api_event("POST", "/apps", body=body, **kwargs), lambda_context(), repo)


def test_create_stores_and_answers_201_with_location(repo):
    response = post({"id": "new-app", "release": 1, "version": "0.0.1"}, repo, principal="alice")
    assert response["statusCode"] == 201
    assert response["headers"]["Location"] == "/dev/apps/new-app/releases/1"
    body = json_body(response)
    assert body["id"] == "new-app" and body["createdBy"] == "alice" and "createdAt" in body
    assert repo.get("new-app", 1) == body


def test_create_twice_is_409(repo):
    response = post({**RELEASE, "version": "9.9.9"}, repo)
    assert response["statusCode"] == 409
    assert json_body(response)["message"] == "Release 1 of app 'my-app' already exists"
    assert repo.get("my-app", 1)["version"] == "1.0.0"  # the first write stands


def test_create_with_an_invalid_body_is_400_naming_the_field(repo):
    response = post({**RELEASE, "release": 0}, repo)
    assert response["statusCode"] == 400
    body = json_body(response)
    assert body["message"] == "Invalid request body"
    assert body["errors"] == [{"field": "release", "message": "must be at least 1"}]


@pytest.mark.parametrize("raw", ["not json", "[]", "", None])
def test_create_with_a_non_object_body_is_400(repo, raw):
    response = create({**api_event("POST", "/apps"), "body": raw}, lambda_context(), repo)
    assert response["statusCode"] == 400
    assert json_body(response)["message"].startswith("Request body")


def test_create_with_an_oversized_body_is_413(repo):
    response = post({**RELEASE, "notes": "x" * 70_000}, repo)
    assert response["statusCode"] == 413


# -- GET /apps -----------------------------------------------------------------------------------
def test_list_pages_through_everything_with_cursors(repo):
    seen, cursor = [], None
    for _ in range(5):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        response = list_apps(api_event("GET", "/apps", query=query), None, repo)
        assert response["statusCode"] == 200
        page = json_body(response)
        seen += [(i["id"], i["release"]) for i in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == [("my-app", 1), ("my-app", 2), ("other", 1)]


def test_list_defaults_to_20(repo):
    response = list_apps(api_event("GET", "/apps"), None, repo)
    assert len(json_body(response)["items"]) == 3 and json_body(response)["nextCursor"] is None


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "abc"}, {"cursor": "garbage!"}])
def test_list_with_a_bad_limit_or_cursor_is_400(repo, query):
    response = list_apps(api_event("GET", "/apps", query=query), None, repo)
    assert response["statusCode"] == 400
    assert json_body(response)["errors"][0]["field"] in ("limit", "cursor")


# -- GET /apps/{id} ------------------------------------------------------------------------------
def test_get_app_lists_releases_newest_first(repo):
    response = get_app(api_event("GET", "/apps/{id}", {"id": "my-app"}), None, repo)
    assert response["statusCode"] == 200
    assert [r["release"] for r in json_body(response)["releases"]] == [2, 1]


def test_get_unknown_app_is_404(repo):
    response = get_app(api_event("GET", "/apps/{id}", {"id": "nope"}), None, repo)
    assert response["statusCode"] == 404
    assert json_body(response) == {"message": "App 'nope' not found", "errors": []}


@pytest.mark.exercise("apps/get_release.py")
@pytest.mark.parametrize("bad_id", ["..", "a/b", "%2e%2e%2f", "ünï", "x" * 65, ""])
def test_bad_ids_are_400_on_every_id_route(repo, bad_id):
    params = {"id": bad_id, "release": "1"}
    for handler, method, resource in [
        (get_app, "GET", "/apps/{id}"),
        (get_release, "GET", "/apps/{id}/releases/{release}"),
        (delete_release, "DELETE", "/apps/{id}/releases/{release}"),
    ]:
        response = handler(api_event(method, resource, params), None, repo)
        assert response["statusCode"] == 400, (handler.__name__, bad_id)
        assert json_body(response)["message"] == "Invalid app id"


def test_missing_path_parameters_are_400_not_500(repo):
    event = {**api_event("GET", "/apps/{id}"), "pathParameters": None}
    assert get_app(event, None, repo)["statusCode"] == 400


# -- GET and DELETE /apps/{id}/releases/{release} -------------------------------------------------
RELEASE_PATH = "/apps/{id}/releases/{release}"


def release_event(method: str, app_id: str, release: int) -> dict:
    return api_event(method, RELEASE_PATH, {"id": app_id, "release": str(release)})


@pytest.mark.exercise("apps/get_release.py")
def test_get_release_and_404(repo):
    found = get_release(release_event("GET", "my-app", 2), None, repo)
    assert found["statusCode"] == 200 and json_body(found)["version"] == "1.1.0"
    assert get_release(release_event("GET", "my-app", 9), None, repo)["statusCode"] == 404


@pytest.mark.exercise("apps/get_release.py")
@pytest.mark.parametrize("release", ["abc", "1.5", "0", "-1", "99999999999"])
def test_a_non_integer_release_is_400(repo, release):
    event = api_event("GET", RELEASE_PATH, {"id": "my-app", "release": release})
    response = get_release(event, None, repo)
    assert response["statusCode"] == 400
    assert json_body(response)["errors"][0]["field"] == "release"


def test_delete_is_204_then_404(repo):
    event = api_event("DELETE", RELEASE_PATH, {"id": "my-app", "release": "1"})
    first = delete_release(event, None, repo)
    assert first["statusCode"] == 204 and first["body"] == ""
    assert repo.get("my-app", 1) is None
    assert delete_release(event, None, repo)["statusCode"] == 404


# -- every handler, every outcome ------------------------------------------------------------------
def route(handler, event: dict, *marks: pytest.MarkDecorator) -> object:
    return pytest.param(handler, event, marks=marks, id=handler.__name__)


ROUTES = [
    route(create, api_event("POST", "/apps", body=RELEASE)),
    route(list_apps, api_event("GET", "/apps")),
    route(get_app, api_event("GET", "/apps/{id}", {"id": "my-app"})),
    route(
        get_release,
        api_event("GET", RELEASE_PATH, {"id": "my-app", "release": "1"}),
        pytest.mark.exercise("apps/get_release.py"),
    ),
    route(delete_release, api_event("DELETE", RELEASE_PATH, {"id": "my-app", "release": "1"})),
]


@pytest.mark.parametrize("handler, event", ROUTES)
def test_every_response_is_cors_json(repo, handler, event):
    assert_cors_json(handler(event, lambda_context(), repo))


@pytest.mark.parametrize("handler, event", ROUTES)
def test_a_failing_repository_is_a_bare_500(handler, event, caplog):
    response = handler(event, lambda_context(), BrokenRepository())
    assert response["statusCode"] == 500
    assert json_body(response) == {"message": "Internal server error", "errors": []}
    assert "arn:aws" not in response["body"] and "arn:aws" in caplog.text
    assert_cors_json(response)


@pytest.mark.exercise("apps/get_release.py")
def test_without_injection_the_handler_builds_the_default_repository(monkeypatch):
    import repositories.apps

    built = []

    def from_environment():
        built.append(1)
        return FakeAppsRepository([RELEASE])

    monkeypatch.setattr(repositories.apps.AppsRepository, "from_environment", from_environment)
    event = api_event("GET", RELEASE_PATH, {"id": "my-app", "release": "1"})
    assert get_release(event, None)["statusCode"] == 200
    assert get_app(api_event("GET", "/apps/{id}", {"id": "my-app"}), None)["statusCode"] == 200
    assert built == [1]  # once per execution environment, not per invocation
