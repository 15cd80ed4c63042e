"""The business rules alone: body parsing and validation, ids, numbers, cursors."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest

from apps import logic

VALID = {"id": "my-app", "release": 3, "version": "1.4.2"}
NOW = datetime(2018, 3, 7, 19, 0, tzinfo=timezone.utc)


def fields(errors: list[dict[str, str]]) -> list[str]:
    return [e["field"] for e in errors]


# -- bodies --------------------------------------------------------------------------------------
def test_a_valid_body_becomes_an_item_with_a_timestamp():
    body = {**VALID, "notes": "first", "url": "https://example.com/app.zip"}
    item = logic.new_release(body, NOW, created_by="alice")
    assert item == {**body, "createdAt": "2018-03-07T19:00:00Z", "createdBy": "alice"}


def test_an_integral_float_release_is_stored_as_an_int():
    item = logic.new_release({**VALID, "release": 2.0}, NOW)
    assert item["release"] == 2 and type(item["release"]) is int


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"release": 0}, "release", "must be at least 1"),
        ({"release": "3"}, "release", "must be an integer"),
        ({"release": 1.5}, "release", "must be an integer"),
        ({"release": True}, "release", "must be an integer"),
        ({"release": 2**31}, "release", "must be at most 2147483647"),
        ({"id": ""}, "id", "must be at least 1 character long"),
        ({"id": "a" * 65}, "id", "must be at most 64 characters long"),
        ({"id": "../etc"}, "id", "must be 1-64 letters"),
        ({"id": "a/b"}, "id", "must be 1-64 letters"),
        ({"id": "ünïcode"}, "id", "must be 1-64 letters"),
        ({"id": ".hidden"}, "id", "must be 1-64 letters"),
        ({"id": "app\n"}, "id", "must be 1-64 letters"),  # "$" matches before "\n"
        ({"version": "1.2"}, "version", "must be a semantic version"),
        ({"version": "1.2.3\n"}, "version", "must be a semantic version"),
        ({"notes": "x" * 1001}, "notes", "must be at most 1000 characters long"),
        ({"url": "ftp://example.com/x"}, "url", "must be an absolute http(s) URL"),
        ({"url": "not a url"}, "url", "must be an absolute http(s) URL"),
        ({"url": "http://[::1"}, "url", "must be an absolute http(s) URL"),
        ({"extra": 1}, "extra", "is not allowed"),
    ],
)
def test_each_invalid_field_is_named_with_a_reason(change, field, message):
    errors = logic.release_errors({**VALID, **change})
    assert fields(errors) == [field]
    assert errors[0]["message"].startswith(message)


def test_missing_fields_are_each_reported_once():
    errors = logic.release_errors({"notes": "only notes"})
    assert errors == [
        {"field": "id", "message": "is required"},
        {"field": "release", "message": "is required"},
        {"field": "version", "message": "is required"},
    ]


def test_messages_never_echo_the_input():
    errors = logic.release_errors({**VALID, "notes": "SECRET" * 500, "release": "SECRET"})
    assert "SECRET" not in json.dumps(errors)


def test_new_release_refuses_an_invalid_body():
    with pytest.raises(logic.InvalidInput) as caught:
        logic.new_release({**VALID, "release": -1}, NOW)
    assert caught.value.message == "Invalid request body"
    assert fields(caught.value.errors) == ["release"]


@pytest.mark.parametrize(
    "body, message",
    [
        (None, "Request body is required: a JSON object"),
        ("", "Request body is required: a JSON object"),
        ("{not json", "Request body is not valid JSON"),
        ('{"release": NaN}', "Request body is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "Request body must be at most 65536 bytes"),
        ("[" * 30_000 + "]" * 30_000, "Request body is not valid JSON"),  # too deep
        ("[1, 2]", "Request body must be a JSON object"),
        ('"a string"', "Request body must be a JSON object"),
        ("null", "Request body must be a JSON object"),
    ],
)
def test_bodies_that_are_not_one_json_object_are_refused(body, message):
    with pytest.raises(logic.InvalidInput) as caught:
        logic.parse_json_body(body)
    assert caught.value.message == message


def test_an_oversized_body_is_too_large_not_just_invalid():
    with pytest.raises(logic.TooLarge):
        logic.parse_json_body(json.dumps({"notes": "x" * logic.MAX_BODY_BYTES}))


def test_a_base64_body_is_decoded_first():
    raw = base64.b64encode(json.dumps(VALID).encode()).decode()
    assert logic.parse_json_body(raw, is_base64=True) == VALID
    with pytest.raises(logic.InvalidInput, match="base64"):
        logic.parse_json_body("%%%", is_base64=True)
    with pytest.raises(logic.InvalidInput, match="not valid JSON"):
        logic.parse_json_body(base64.b64encode(b"\xff\xfe{").decode(), is_base64=True)


# -- path and query parameters ---------------------------------------------------------------
@pytest.mark.parametrize("good", ["a", "my-app", "App_1.2", "x" * 64])
def test_good_ids_pass(good):
    assert logic.check_app_id(good) == good


@pytest.mark.parametrize(
    "bad", [None, "", "..", ".", "a..b", "a/b", "%2e%2e", "..%2f", "é", "a b", "x" * 65, "a\n"]
)
def test_bad_ids_are_refused(bad):
    with pytest.raises(logic.InvalidInput, match="Invalid app id"):
        logic.check_app_id(bad)


@pytest.mark.parametrize("raw, number", [("1", 1), ("42", 42), ("2147483647", 2147483647)])
def test_release_numbers_parse(raw, number):
    assert logic.parse_release(raw) == number


@pytest.mark.parametrize("raw", [None, "", "0", "-1", "1.0", " 7", "1_0", "٧", "2147483648", "x"])
def test_bad_release_numbers_are_refused(raw):
    with pytest.raises(logic.InvalidInput, match="Invalid release"):
        logic.parse_release(raw)


def test_limit_defaults_and_bounds():
    assert logic.parse_limit(None) == 20
    assert logic.parse_limit("1") == 1 and logic.parse_limit("100") == 100
    for bad in ("0", "101", "-5", "ten", "", "1e2", "007x"):
        with pytest.raises(logic.InvalidInput, match="Invalid limit"):
            logic.parse_limit(bad)


# -- cursors -------------------------------------------------------------------------------------
def test_a_cursor_round_trips_dynamodbs_key():
    from decimal import Decimal

    cursor = logic.encode_cursor({"id": "my-app", "release": Decimal("7")})
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert logic.decode_cursor(cursor) == {"id": "my-app", "release": 7}
    assert logic.decode_cursor(None) is None and logic.decode_cursor("") is None


def forged(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        "a",
        "x" * 600,
        forged([1, 2]),
        forged({"id": "a"}),
        forged({"id": "a", "release": 1, "extra": 1}),
        forged({"id": "../x", "release": 1}),
        forged({"id": 5, "release": 1}),
        forged({"id": "a", "release": "1"}),
        forged({"id": "a", "release": True}),
        forged({"id": "a", "release": 0}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),
    ],
)
def test_forged_or_broken_cursors_are_refused(cursor):
    with pytest.raises(logic.InvalidInput, match="Invalid cursor"):
        logic.decode_cursor(cursor)
