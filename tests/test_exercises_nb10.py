"""Exercises 10.1-10.3: right answers pass, the mistakes a learner makes get their own hint.

Wrong answers are written by hand, the way a learner would write them. The checks build
their own HTTP API, issuer and function URL in the module's sandbox.
"""

from __future__ import annotations

import json

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from tests.exercise_helpers import failed_with, not_attempted, passes
from workshop_lib import authoring, sandbox
from workshop_lib.exercises import exercises_of


@pytest.fixture(scope="module", autouse=True)
def aws():
    with sandbox(clock="virtual") as box:
        box.shared_by_module = True  # one sandbox for this module's checks (conftest.py)
        yield box


def test_exercises_are_registered_in_order():
    assert [ex.id for ex in exercises_of("10")] == authoring.exercise_ids("10")


HEAD = """
import json

APPS = {
    "weather": {"id": "weather", "name": "Weather", "tags": ["free", "offline"]},
    "maps": {"id": "maps", "name": "Maps", "tags": ["free"]},
    "chess": {"id": "chess", "name": "Chess", "tags": ["offline"]},
}


def respond(status, body):
    return {"statusCode": status, "body": json.dumps(body)}
"""

RIGHT = (
    HEAD
    + """
def handler(event, context):
    if event["routeKey"] == "GET /apps":
        given = (event.get("queryStringParameters") or {}).get("tag")
        tags = set(given.split(",")) if given else set()
        return respond(200, sorted(a for a, app in APPS.items() if tags <= set(app["tags"])))
    app_id = event["pathParameters"]["id"]
    if app_id not in APPS:
        return respond(404, {"message": f"no app called {app_id}"})
    return respond(200, APPS[app_id])
"""
)

V1_AS_IS = (
    HEAD
    + """
def handler(event, context):
    if event["resource"] == "/apps":
        tags = (event.get("multiValueQueryStringParameters") or {}).get("tag", [])
        return respond(200, sorted(a for a, app in APPS.items() if set(tags) <= set(app["tags"])))
    return respond(200, APPS[event["pathParameters"]["id"]])
"""
)

MULTI_VALUE = (
    HEAD
    + """
def handler(event, context):
    if event["routeKey"] == "GET /apps":
        tags = event["multiValueQueryStringParameters"]["tag"] if "?" in event["rawPath"] else []
        if event["rawQueryString"]:
            tags = event["multiValueQueryStringParameters"]["tag"]
        return respond(200, sorted(a for a, app in APPS.items() if set(tags) <= set(app["tags"])))
    return respond(200, APPS[event["pathParameters"]["id"]])
"""
)

NOT_SPLIT = (
    HEAD
    + """
def handler(event, context):
    if event["routeKey"] == "GET /apps":
        tag = (event.get("queryStringParameters") or {}).get("tag")
        tags = {tag} if tag else set()
        return respond(200, sorted(a for a, app in APPS.items() if tags <= set(app["tags"])))
    app_id = event["pathParameters"]["id"]
    if app_id not in APPS:
        return respond(404, {"message": f"no app called {app_id}"})
    return respond(200, APPS[app_id])
"""
)

ONLY_ROUTE_KEY = V1_AS_IS.replace(
    'event["resource"] == "/apps"', 'event["routeKey"] == "GET /apps"'
)

BODY_NOT_TEXT = RIGHT.replace(
    'return {"statusCode": status, "body": json.dumps(body)}',
    'return {"statusCode": status, "body": body}',
)

NO_QUERY_GUARD = RIGHT.replace(
    '(event.get("queryStringParameters") or {}).get("tag")',
    'event["queryStringParameters"].get("tag")',
)

NO_404 = RIGHT.replace(
    """    if app_id not in APPS:
        return respond(404, {"message": f"no app called {app_id}"})
""",
    "",
)


def test_10_1_right_answer_passes_and_stub_is_not_attempted():
    passes("10.1", RIGHT)
    not_attempted("10.1", ...)


@pytest.mark.parametrize(
    ("source", "phrases"),
    [
        (V1_AS_IS, ["GET /apps answered 500", "KeyError", "event['routeKey']"]),
        (MULTI_VALUE, ["answered 500", "no multiValueQueryStringParameters", "commas"]),
        (NOT_SPLIT, ["answered [], not ['weather']", "split it on commas"]),
        (NO_404, ["GET /apps/tetris answered 500", "404"]),
        (ONLY_ROUTE_KEY, ["answered ['chess', 'maps', 'weather']", "no filter happened"]),
        (BODY_NOT_TEXT, ["returned an answer the HTTP API cannot use", "json.dumps"]),
        (NO_QUERY_GUARD, ["GET /apps answered 500", "without a query string the key is missing"]),
        (RIGHT + "\ndef broken(:\n", ["does not parse"]),
        (RIGHT.replace("def handler(", "def lambda_handler("), ["no function called handler"]),
        (42, ["expected the source of app.py as a string"]),
    ],
)
def test_10_1_mistakes_get_their_own_hint(source, phrases):
    failed_with("10.1", source, *phrases)


# -- 10.2 -------------------------------------------------------------------------------------
def _v2():
    return boto3.client("apigatewayv2")


def lock_right(api_id, route_id, issuer_url):
    lock_parts(api_id, route_id, issuer_url, audience=["apps-console"], scopes=["apps:write"])


def lock_without_attaching(api_id, route_id, issuer_url):
    _v2().create_authorizer(
        ApiId=api_id,
        Name="writers",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer_url, "Audience": ["apps-console"]},
    )


def lock_without_scopes(api_id, route_id, issuer_url):
    client = _v2()
    made = client.create_authorizer(
        ApiId=api_id,
        Name="writers",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer_url, "Audience": ["apps-console"]},
    )
    client.update_route(
        ApiId=api_id, RouteId=route_id, AuthorizationType="JWT", AuthorizerId=made["AuthorizerId"]
    )


def lock_wrong_audience(api_id, route_id, issuer_url):
    lock_parts(api_id, route_id, issuer_url, audience=["apps"], scopes=["apps:write"])


def lock_parts(api_id, route_id, issuer_url, *, audience, scopes, kind="JWT", attach=True):
    client = _v2()
    made = client.create_authorizer(
        ApiId=api_id,
        Name="writers",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer_url, "Audience": audience},
    )
    extra = {"AuthorizerId": made["AuthorizerId"]} if attach else {}
    client.update_route(
        ApiId=api_id, RouteId=route_id, AuthorizationType=kind, AuthorizationScopes=scopes, **extra
    )


def lock_no_authorizer_id(api_id, route_id, issuer_url):
    lock_parts(api_id, route_id, issuer_url, audience=["apps-console"], scopes=["apps:write"],
               attach=False)  # fmt: skip


def lock_wrong_scope(api_id, route_id, issuer_url):
    lock_parts(api_id, route_id, issuer_url, audience=["apps-console"], scopes=["write"])


def lock_custom(api_id, route_id, issuer_url):
    lock_parts(api_id, route_id, issuer_url, audience=["apps-console"], scopes=["apps:write"],
               kind="CUSTOM")  # fmt: skip


def lock_audience_text(api_id, route_id, issuer_url):
    lock_parts(api_id, route_id, issuer_url, audience="apps-console", scopes=["apps:write"])


def lock_not_yet(api_id, route_id, issuer_url):
    raise NotImplementedError("# your answer here")


def test_10_2_right_answer_passes_and_stub_is_not_attempted():
    passes("10.2", lock_right)
    not_attempted("10.2", lock_not_yet)


@pytest.mark.parametrize(
    ("lock", "phrases"),
    [
        (lock_without_attaching, ["without a token was let through", "update_route"]),
        (lock_without_scopes, ["only 'apps:read' got 200", "AuthorizationScopes"]),
        (lock_wrong_audience, ["got 401", "Audience must be ['apps-console']"]),
        (lock_no_authorizer_id, ["answered 500", "no AuthorizerId"]),
        (lock_wrong_scope, ["got 403: the route asks for ['write']", "['apps:write']"]),
        (lock_custom, ["got 500", "AuthorizationType='CUSTOM': use 'JWT'"]),
        (lock_audience_text, ["boto3 refused the parameters", "take lists"]),
        ("lock", ["expected your function"]),
    ],
)
def test_10_2_mistakes_get_their_own_hint(lock, phrases):
    failed_with("10.2", lock, *phrases)


# -- 10.3 -------------------------------------------------------------------------------------
def signed_request(url, body, service="lambda"):
    request = AWSRequest(method="POST", url=url, data=body)
    request.headers["Content-Type"] = "application/json"
    SigV4Auth(boto3.Session().get_credentials(), service, "us-east-1").add_auth(request)
    return request


def call_right(url, body):
    request = signed_request(url, body)
    return requests.post(url, data=request.body, headers=dict(request.headers))


def call_unsigned(url, body):
    return requests.post(url, data=body)


def call_for_api_gateway(url, body):
    request = signed_request(url, body, service="execute-api")
    return requests.post(url, data=request.body, headers=dict(request.headers))


def call_changed_body(url, body):
    request = signed_request(url, body)
    return requests.post(url, data=json.dumps({"changed": True}), headers=dict(request.headers))


def call_not_yet(url, body):
    raise NotImplementedError("# your answer here")


def test_10_3_right_answer_passes_and_stub_is_not_attempted():
    passes("10.3", call_right)
    not_attempted("10.3", call_not_yet)


@pytest.mark.parametrize(
    ("call", "phrases"),
    [
        (call_unsigned, ["no Authorization header", "SigV4Auth"]),
        (call_for_api_gateway, ["signed for the service 'execute-api'", "'lambda'"]),
        (call_changed_body, ["signature did not match", "body bytes"]),
        (lambda url, body: "sent", ["returned str, not the response"]),
        (lambda url, body: None, ["call_signed returned None", "return the response"]),
    ],
)
def test_10_3_mistakes_get_their_own_hint(call, phrases):
    failed_with("10.3", call, *phrases)
