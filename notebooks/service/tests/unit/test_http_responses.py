"""The proxy-response helpers: shapes, CORS headers, Decimal, and the 400/413/500 mapping."""

from __future__ import annotations

import logging
from decimal import Decimal

from apps import http, logic
from events import json_body, lambda_context


def test_json_responses_carry_cors_and_content_type():
    response = http.json_response(200, {"a": 1}, headers={"Location": "/x"})
    assert response["statusCode"] == 200 and response["isBase64Encoded"] is False
    assert response["headers"] == {
        "Content-Type": "application/json",
        "Access-Control-Allow-Origin": "*",
        "Location": "/x",
    }
    assert json_body(response) == {"a": 1}


def test_decimals_from_dynamodb_become_json_numbers():
    body = json_body(http.json_response(200, {"n": Decimal("3"), "f": Decimal("1.5")}))
    assert body == {"n": 3, "f": 1.5} and type(body["n"]) is int


def test_204_has_no_body_but_still_cors():
    response = http.empty_response()
    assert response["statusCode"] == 204 and response["body"] == ""
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"


def test_errors_have_one_shape():
    body = json_body(http.error_response(404, "nope"))
    assert body == {"message": "nope", "errors": []}


def test_location_keeps_the_stage_prefix():
    event = {"path": "/apps", "requestContext": {"path": "/dev/apps"}}
    assert http.location(event, "my-app", "releases", 3) == "/dev/apps/my-app/releases/3"
    assert http.location({"path": "/apps/"}, "a") == "/apps/a"


def failing_with(exception: Exception):
    @http.api_handler
    def handler(event, context):
        raise exception

    return handler


def test_refused_input_is_400_and_too_large_is_413():
    errors = [{"field": "id", "message": "is required"}]
    response = failing_with(logic.InvalidInput("Invalid request body", errors))({}, None)
    assert response["statusCode"] == 400
    assert json_body(response) == {"message": "Invalid request body", "errors": errors}
    assert failing_with(logic.TooLarge("too big"))({}, None)["statusCode"] == 413


def test_a_server_fault_is_a_logged_bare_500(caplog):
    handler = failing_with(KeyError("arn:aws:dynamodb:secret-internal-table"))
    with caplog.at_level(logging.ERROR, logger="apps.http"):
        response = handler({}, lambda_context())
    assert response["statusCode"] == 500
    assert json_body(response) == {"message": "Internal server error", "errors": []}
    assert "secret-internal-table" not in response["body"]
    assert "secret-internal-table" in caplog.text  # the details are in the logs
