"""The handlers against a real (sandboxed) DynamoDB table made from serverless.yml's resource."""

from __future__ import annotations

import itertools
import logging

import boto3
import pytest
from workshop_lib import sandbox

from apps.create import create
from apps.delete_release import delete_release
from apps.get_app import get_app
from apps.get_release import get_release
from apps.list_apps import list_apps
from events import api_event, json_body, lambda_context
from tables import apps_table_properties

RELEASE_PATH = "/apps/{id}/releases/{release}"
_names = itertools.count()


@pytest.fixture(scope="module")
def aws():
    with sandbox(region="eu-west-1") as aws:
        yield aws


@pytest.fixture
def table(aws, monkeypatch):
    """A fresh apps table per test, named in DYNAMODB_APPS_TABLE as serverless.yml does."""
    name = f"apps-test-{next(_names)}"
    client = boto3.client("dynamodb")
    client.create_table(**apps_table_properties(name))
    monkeypatch.setenv("DYNAMODB_APPS_TABLE", name)
    yield boto3.resource("dynamodb").Table(name)
    client.delete_table(TableName=name)


def post(body: dict, principal: str | None = None) -> dict:
    return create(api_event("POST", "/apps", body=body, principal=principal), lambda_context())


def release_event(method: str, app_id: str, release: int) -> dict:
    return api_event(method, RELEASE_PATH, {"id": app_id, "release": str(release)})


def test_the_table_matches_the_talks_keys(table):
    assert table.key_schema == [
        {"AttributeName": "id", "KeyType": "HASH"},
        {"AttributeName": "release", "KeyType": "RANGE"},
    ]


def test_create_writes_the_item_and_a_second_create_is_409(table):
    response = post({"id": "app", "release": 1, "version": "1.0.0"}, principal="alice")
    assert response["statusCode"] == 201
    stored = table.get_item(Key={"id": "app", "release": 1})["Item"]
    assert stored["version"] == "1.0.0" and stored["createdBy"] == "alice"
    assert json_body(response)["release"] == 1  # Decimal in the table, a number in JSON

    again = post({"id": "app", "release": 1, "version": "6.6.6"})
    assert again["statusCode"] == 409
    assert table.get_item(Key={"id": "app", "release": 1})["Item"]["version"] == "1.0.0"


def test_get_app_queries_newest_first_and_404s(table):
    for release in (2, 3, 1):
        created = post({"id": "app", "release": release, "version": f"1.{release}.0"})
        assert created["statusCode"] == 201
    post({"id": "other", "release": 9, "version": "9.0.0"})
    response = get_app(api_event("GET", "/apps/{id}", {"id": "app"}), None)
    assert [r["release"] for r in json_body(response)["releases"]] == [3, 2, 1]
    assert get_app(api_event("GET", "/apps/{id}", {"id": "nope"}), None)["statusCode"] == 404


@pytest.mark.exercise("apps/get_release.py")
def test_get_and_delete_a_release(table):
    post({"id": "app", "release": 1, "version": "1.0.0"})
    assert json_body(get_release(release_event("GET", "app", 1), None))["version"] == "1.0.0"
    assert get_release(release_event("GET", "app", 2), None)["statusCode"] == 404

    assert delete_release(release_event("DELETE", "app", 1), None)["statusCode"] == 204
    assert "Item" not in table.get_item(Key={"id": "app", "release": 1})
    assert delete_release(release_event("DELETE", "app", 1), None)["statusCode"] == 404


def test_list_walks_a_scan_with_cursors(table):
    expected = {(f"app-{n}", r) for n in range(3) for r in (1, 2)}
    with table.batch_writer() as batch:
        for app_id, release in expected:
            batch.put_item(Item={"id": app_id, "release": release, "version": "1.0.0"})
    seen, cursor, pages = [], None, 0
    while pages < 10:
        query = {"limit": "4", **({"cursor": cursor} if cursor else {})}
        page = json_body(list_apps(api_event("GET", "/apps", query=query), None))
        seen += [(i["id"], i["release"]) for i in page["items"]]
        pages, cursor = pages + 1, page["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(expected) and len(seen) == len(expected)


def test_a_dynamodb_fault_is_a_bare_500_with_the_details_in_the_logs(table, monkeypatch, caplog):
    monkeypatch.setenv("DYNAMODB_APPS_TABLE", "no-such-table")
    with caplog.at_level(logging.ERROR, logger="apps.http"):
        response = get_app(api_event("GET", "/apps/{id}", {"id": "app"}), lambda_context())
    assert response["statusCode"] == 500
    assert json_body(response) == {"message": "Internal server error", "errors": []}
    assert "ResourceNotFoundException" in caplog.text
    assert "no-such-table" not in response["body"]
