"""Exercises 6.1-6.5: right answers pass, typical mistakes get a hint naming them.

The wrong answers are written out by hand, the way a learner would get them wrong, so a
diagnosis that silently stops matching its mistake fails a test. Every check runs against a
real sandbox on a frozen virtual clock, builds an API of its own and removes it again.
"""

from __future__ import annotations

import boto3
import pytest

from tests.exercise_helpers import failed_with, not_attempted, passes
from workshop_lib import authoring, sandbox
from workshop_lib.exercises import exercises_of
from workshop_lib.exercises.nb06 import make_token
from workshop_lib.lambda_runtime import execution_role, package


def test_exercises_are_registered_in_order():
    assert [ex.id for ex in exercises_of("06")] == authoring.exercise_ids("06")


@pytest.fixture
def aws():
    with sandbox(clock="virtual") as box:
        yield box


def rest_apis():
    return sorted(api["id"] for api in boto3.client("apigateway").get_rest_apis()["items"])


# -- 6.1: the proxy response -------------------------------------------------------------------
CREATE_PY = """
import json


def handler(event, context):
    app = json.loads(event["body"])
    app["release"] = 1
    return {
        "statusCode": 201,
        "headers": {"Access-Control-Allow-Origin": "*"},
        "body": json.dumps(app),
    }
"""


def test_6_1_the_solution_passes_again_and_again_and_cleans_up(aws):
    before = rest_apis()
    passes("6.1", CREATE_PY)
    passes("6.1", CREATE_PY)
    assert rest_apis() == before


def test_6_1_stub_is_not_attempted(aws):
    not_attempted("6.1", ...)


def test_6_1_needs_a_sandbox():
    failed_with("6.1", CREATE_PY, "no sandbox is running")


@pytest.mark.parametrize(
    "source, phrases",
    [
        (CREATE_PY.replace("json.dumps(app)", "app"), ["502", "body is a dict", "json.dumps"]),
        (CREATE_PY.replace("201", "200"), ["answered 200", "201"]),
        (CREATE_PY.replace("201", '"201 Created"'), ["the string '201 Created'", "201"]),
        (
            CREATE_PY.replace('"body": json.dumps(app),', '"body": json.dumps(app), "app": app,'),
            ["keys API Gateway does not accept: app", "put your data into the body"],
        ),
        (CREATE_PY.replace("import json\n", ""), ["raised NameError", "import json"]),
        (
            CREATE_PY.replace("json.dumps(app)", "json.dumps(json.dumps(app))"),
            ["JSON text inside JSON text", "once"],
        ),
        (
            CREATE_PY.replace('"headers": {"Access-Control-Allow-Origin": "*"},', ""),
            ["Access-Control-Allow-Origin", "keep the headers"],
        ),
        (CREATE_PY.replace('app["release"] = 1', "pass"), ['"release": 1', "plus 'release': 1"]),
        (
            CREATE_PY.replace(
                '"Access-Control-Allow-Origin": "*"', '"Access-Control-Allow-Origin": ["*"]'
            ),
            ["the header Access-Control-Allow-Origin has the value ['*']", "a string"],
        ),
        (CREATE_PY.replace("def handler", "def create"), ["no function called handler"]),
        (CREATE_PY.replace("return {", "return {{"), ["not valid Python"]),
        (-1, ["expected the source of your handler as a string, got int"]),
    ],
    ids=[
        "body-dict",
        "status-200",
        "status-text",
        "extra-key",
        "no-import",
        "double-json",
        "no-cors",
        "no-release",
        "header-list",
        "no-handler",
        "syntax",
        "not-a-string",
    ],
)
def test_6_1_typical_mistakes_get_a_hint(aws, source, phrases):
    failed_with("6.1", source, *phrases)


# -- 6.2: CORS preflights --------------------------------------------------------------------------
def cors(quote=True, declare=True, methods_header=None, allow_headers=True, kind="MOCK"):
    """add_cors_preflight, the right way or with one typical mistake."""

    def add_cors_preflight(api, resource_id, methods):
        apigw = boto3.client("apigateway")
        listed = methods_header or ",".join([*methods, "OPTIONS"])
        headers = {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": listed,
        }
        if allow_headers:
            headers["Access-Control-Allow-Headers"] = "Content-Type,Authorization"
        where = {"restApiId": api, "resourceId": resource_id, "httpMethod": "OPTIONS"}
        apigw.put_method(**where, authorizationType="NONE")
        apigw.put_integration(
            **where, type=kind, integrationHttpMethod="POST", uri="https://example.com/cors"
        )
        apigw.put_method_response(
            **where,
            statusCode="200",
            responseParameters=(
                {f"method.response.header.{name}": False for name in headers} if declare else {}
            ),
        )
        apigw.put_integration_response(
            **where,
            statusCode="200",
            responseParameters={
                f"method.response.header.{name}": f"'{v}'" if quote else v
                for name, v in headers.items()
            },
        )

    return add_cors_preflight


def test_6_2_the_solution_passes_and_cleans_up(aws):
    before = rest_apis()
    passes("6.2", cors())
    passes("6.2", cors())
    assert rest_apis() == before


def test_6_2_stubs_are_not_attempted(aws):
    def add_cors_preflight(api, resource_id, methods):
        """Answer OPTIONS on the resource with CORS headers that allow `methods`."""
        raise NotImplementedError("# your answer here")

    not_attempted("6.2", add_cors_preflight)
    not_attempted("6.2", ...)


@pytest.mark.parametrize(
    "answer, phrases",
    [
        (cors(quote=False), ["AWS reads an unquoted value", "in single quotes"]),
        (cors(declare=False), ["does not declare", "put_method_response"]),
        (cors(methods_header="OPTIONS,GET,POST"), ["PUT not allowed", "','.join(methods"]),
        (cors(methods_header="GET,PUT"), ["is 'GET,PUT'", "and OPTIONS", "'GET,PUT,OPTIONS'"]),
        (cors(allow_headers=False), ["Access-Control-Allow-Headers is missing"]),
        (cors(kind="HTTP"), ["integration is HTTP", "type='MOCK'"]),
        (lambda api, resource_id, methods: None, ["no OPTIONS method"]),
        ("add_cors_preflight", ["expected your function, got str"]),
    ],
    ids=[
        "unquoted",
        "undeclared",
        "fixed-methods",
        "no-options",
        "no-allow-headers",
        "not-mock",
        "noop",
        "str",
    ],
)
def test_6_2_typical_mistakes_get_a_hint(aws, answer, phrases):
    failed_with("6.2", answer, *phrases)


def test_6_2_a_preflight_that_needs_a_key_is_refused(aws):
    right = cors()

    def with_key(api, resource_id, methods):
        right(api, resource_id, methods)
        apigw = boto3.client("apigateway")
        integration = apigw.get_integration(
            restApiId=api, resourceId=resource_id, httpMethod="OPTIONS"
        )
        apigw.put_method(
            restApiId=api,
            resourceId=resource_id,
            httpMethod="OPTIONS",
            authorizationType="NONE",
            apiKeyRequired=True,
        )
        assert integration["type"] == "MOCK"

    failed_with("6.2", with_key, "without credentials", "authorizationType='NONE'")


# -- 6.3: a TOKEN authorizer with roles ------------------------------------------------------------
VERIFY = """
import base64
import hashlib
import hmac
import json
import os


def verify(token, secret=None):
    try:
        header, payload, signature = token.split(".")
        key = (secret or os.environ["TOKEN_SECRET"]).encode()
        expected = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        if hmac.compare_digest(base64.urlsafe_b64encode(expected).rstrip(b"=").decode(), signature):
            return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        pass
    return None
"""
ROLES = (
    VERIFY
    + """

def handler(event, context):
    header = event["authorizationToken"]
    claims = verify(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
    if claims is None:
        raise Exception("Unauthorized")
    api_arn, stage = event["methodArn"].split("/")[:2]
    role = claims.get("role")
    allowed = {"reader": f"{api_arn}/{stage}/GET/*", "editor": f"{api_arn}/{stage}/*"}
    statement = {
        "Action": "execute-api:Invoke",
        "Effect": "Allow" if role in allowed else "Deny",
        "Resource": allowed.get(role, f"{api_arn}/{stage}/*"),
    }
    return {
        "principalId": claims["sub"],
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": {"user": claims["sub"], "role": role},
    }
"""
)


def test_6_3_the_solution_passes_and_cleans_up(aws):
    before = rest_apis()
    passes("6.3", ROLES)
    passes("6.3", ROLES)
    assert rest_apis() == before


def test_6_3_only_deny_for_other_roles_passes_too(aws):
    no_allow = ROLES.replace('allowed.get(role, f"{api_arn}/{stage}/*")', 'allowed.get(role, "")')
    passes("6.3", no_allow)


def test_6_3_stub_is_not_attempted(aws):
    not_attempted("6.3", ...)


@pytest.mark.parametrize(
    "source, phrases",
    [
        (
            ROLES.replace('allowed.get(role, f"{api_arn}/{stage}/*")', 'event["methodArn"]'),
            ["cached the policy", "for editors"],
        ),
        (
            ROLES.replace('raise Exception("Unauthorized")', "return {}"),
            ["returned an empty dict", "500", "raise Exception('Unauthorized')", "401"],
        ),
        (
            ROLES.replace(
                'raise Exception("Unauthorized")',
                'return {"principalId": "x", "policyDocument": {"Statement": []}}',
            ),
            ["refuses the call (403)", "raise Exception('Unauthorized')"],
        ),
        (
            ROLES.replace(
                "    except ValueError:\n        pass\n", "    except KeyError:\n        pass\n"
            ),
            ["raised ValueError", "500", "raise Exception('Unauthorized')"],
        ),
        (
            ROLES.replace(
                'verify(header.removeprefix("Bearer "))',
                'verify(header.removeprefix("Bearer "), "workshop-secret")',
            ),
            ["notebook's secret", "os.environ['TOKEN_SECRET']"],
        ),
        (
            ROLES.replace(
                'verify(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None',
                'verify(header.removeprefix("Bearer "))',
            ),
            ["without 'Bearer ' was let through", "must start with 'Bearer '"],
        ),
        (
            ROLES.replace(
                'verify(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None',
                "verify(header)",
            ),
            ["without 'Bearer ' was let through"],
        ),
        (
            ROLES.replace('"reader": f"{api_arn}/{stage}/GET/*"', '"reader": f"{api_arn}/*"'),
            ["POST /apps with a good token of a reader was allowed", "readers may only GET"],
        ),
        (
            ROLES.replace('"Allow" if role in allowed else "Deny"', '"Allow"'),
            ["a guest was allowed", "others Deny"],
        ),
        (
            ROLES.replace(
                '    role = claims.get("role")\n',
                '    role = claims.get("role")\n'
                '    if role not in ("reader", "editor"):\n'
                '        raise Exception("Unauthorized")\n',
            ),
            ["a guest got 401", "403"],
        ),
        (
            ROLES.replace('"context": {"user": claims["sub"], "role": role}', '"context": {}'),
            ["requestContext.authorizer", "'role': claims['role']"],
        ),
        (
            ROLES.replace('"context": {"user": claims["sub"], "role": role}', '"context": claims'),
            ["requestContext.authorizer"],
        ),
        (
            ROLES.replace(
                '"context": {"user": claims["sub"], "role": role}', '"context": {"c": claims}'
            ),
            ["returned context, policyDocument, principalId", "strings, numbers or booleans"],
        ),
        (
            ROLES.replace(
                '"reader": f"{api_arn}/{stage}/GET/*"', '"reader": f"{api_arn}/{stage}/PUT/*"'
            ),
            ["GET /apps with a good token of ada (role reader) got 403"],
        ),
        (-1, ["expected the source of your handler as a string, got int"]),
    ],
    ids=[
        "method-arn",
        "returns-nonsense",
        "deny-bad-tokens",
        "crashes-on-garbage",
        "hard-coded-secret",
        "bearer-optional",
        "bearer-not-stripped",
        "reader-writes",
        "guest-allowed",
        "guest-401",
        "no-context",
        "claims-context",
        "nested-context",
        "reader-cannot-get",
        "not-a-string",
    ],
)
def test_6_3_typical_mistakes_get_a_hint(aws, source, phrases):
    failed_with("6.3", source, *phrases)


def test_6_3_tokens_are_jwts_the_notebook_can_make():
    token = make_token({"sub": "ada", "role": "editor"}, "workshop-secret")
    assert token == (
        "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiYWRhIiwgInJvbGUiOiAiZWRpdG9yIn0"
        ".2vZQmG805H7jlIkOnLZpM2wUDEU3uiXAx9to-sOvJIw"
    )


# -- 6.4: a usage plan ----------------------------------------------------------------------------
def protecting(
    enabled=True,
    throttle=None,
    quota=None,
    returns="value",
    add_key=True,
    stage=None,
):
    """protect, the right way or with one typical mistake."""
    throttle = {"rateLimit": 5, "burstLimit": 10} if throttle is None else throttle
    quota = {"limit": 1000, "period": "DAY"} if quota is None else quota

    def protect(api, stage_name):
        apigw = boto3.client("apigateway")
        key = apigw.create_api_key(name="client", enabled=enabled)
        plan = apigw.create_usage_plan(
            name="plan",
            apiStages=[{"apiId": api, "stage": stage or stage_name}],
            **({"throttle": throttle} if throttle else {}),
            **({"quota": quota} if quota else {}),
        )
        if add_key:
            apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        return key if returns == "dict" else key[returns]

    return protect


def test_6_4_the_solution_passes_again_and_again(aws):
    before = rest_apis()
    passes("6.4", protecting())
    passes("6.4", protecting())
    assert rest_apis() == before


def test_6_4_stubs_are_not_attempted(aws):
    def protect(api, stage):
        """An API key and a usage plan (5/s, bursts of 10, 1,000 a day) for the stage."""
        raise NotImplementedError("# your answer here")

    not_attempted("6.4", protect)
    not_attempted("6.4", ...)


@pytest.mark.parametrize(
    "answer, phrases",
    [
        (protecting(enabled=False), ["disabled", "enabled=True"]),
        (protecting(returns="id"), ["the key's id", "key['value']"]),
        (protecting(returns="dict"), ["whole create_api_key response", "key['value']"]),
        (protecting(throttle={}), ["does not throttle", "'burstLimit': 10"]),
        (
            protecting(throttle={"rateLimit": 10, "burstLimit": 5}),
            ["5 got through", "bursts of 10", "burstLimit"],
        ),
        (
            protecting(throttle={"rateLimit": 2, "burstLimit": 10}),
            ["2 requests got through", "rateLimit"],
        ),
        (protecting(add_key=False), ["belongs to no usage plan", "create_usage_plan_key"]),
        (protecting(stage="prod"), ["does not cover the API stage", "apiStages"]),
        (protecting(quota={}), ["no quota", "'period': 'DAY'"]),
        (
            protecting(quota={"limit": 1000, "period": "MONTH"}),
            ["1000 requests per MONTH", "1000 per DAY"],
        ),
        (
            protecting(quota={"limit": 12, "period": "DAY"}),
            ["Limit Exceeded", "1000 requests a day"],
        ),
        ("x-api-key", ["expected your function, got str"]),
    ],
    ids=[
        "disabled",
        "key-id",
        "key-dict",
        "no-throttle",
        "swapped",
        "slow-rate",
        "key-not-in-plan",
        "wrong-stage",
        "no-quota",
        "monthly",
        "small-quota",
        "str",
    ],
)
def test_6_4_typical_mistakes_get_a_hint(aws, answer, phrases):
    failed_with("6.4", answer, *phrases)


def test_6_4_a_made_up_value_is_not_a_key(aws):
    failed_with("6.4", lambda api, stage: "not-a-key", "no API key with the value 'not-a-key'")


# -- 6.5: a Swagger document ---------------------------------------------------------------------
APPS_PY = """
import json

APPS = {"weather": {"id": "weather", "name": "Weather", "release": 3}}


def handler(event, context):
    if event["resource"] == "/apps":
        return {"statusCode": 200, "body": json.dumps(sorted(APPS))}
    app_id = event["pathParameters"]["id"]
    if app_id not in APPS:
        return {"statusCode": 404, "body": json.dumps({"message": "no app"})}
    return {"statusCode": 200, "body": json.dumps(APPS[app_id])}
"""


@pytest.fixture
def apps(aws):
    """The notebook's apps function: the integration of STARTER's GET /apps."""
    arn = boto3.client("lambda").create_function(
        FunctionName="apps",
        Runtime="python3.12",
        Role=execution_role(boto3.client("iam")),
        Handler="app.handler",
        Code={"ZipFile": package({"app.py": APPS_PY})},
    )["FunctionArn"]
    return f"arn:aws:apigateway:{aws.region}:lambda:path/2015-03-31/functions/{arn}/invocations"


def starter(uri):
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": uri}
    return {
        "swagger": "2.0",
        "info": {"title": "apps-exercise", "version": "1"},
        "paths": {
            "/apps": {
                "get": {
                    "responses": {"200": {"description": "the apps"}},
                    "x-amazon-apigateway-integration": integration,
                }
            }
        },
    }


NOT_FOUND = {
    "MISSING_AUTHENTICATION_TOKEN": {
        "statusCode": 404,
        "responseTemplates": {"application/json": '{"message": "no such route"}'},
    }
}


def completed(uri, path="/apps/{id}", integration=None, responses=NOT_FOUND):
    document = starter(uri)
    operation = {
        "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
        "responses": {"200": {"description": "one app"}},
    }
    if integration is not False:
        operation["x-amazon-apigateway-integration"] = integration or {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": uri,
        }
    document["paths"][path] = {"get": operation}
    if responses:
        document["x-amazon-apigateway-gateway-responses"] = responses
    return document


def test_6_5_the_solution_passes_and_cleans_up(apps):
    before = rest_apis()
    passes("6.5", completed(apps))
    passes("6.5", completed(apps))
    assert rest_apis() == before


def test_6_5_yaml_friendly_string_status_codes_pass_too(apps):
    responses = {"MISSING_AUTHENTICATION_TOKEN": {**NOT_FOUND["MISSING_AUTHENTICATION_TOKEN"]}}
    responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] = "404"
    passes("6.5", completed(apps, responses=responses))


def test_6_5_the_starter_is_not_attempted(apps):
    not_attempted("6.5", starter(apps))
    not_attempted("6.5", ...)


@pytest.mark.parametrize(
    "change, phrases",
    [
        ({"integration": False}, ["no x-amazon-apigateway-integration", "'type': 'aws_proxy'"]),
        (
            {"integration": {"type": "aws_proxy", "httpMethod": "GET", "uri": "URI"}},
            ["always a POST", "'httpMethod': 'POST'"],
        ),
        ({"integration": {"type": "mock"}}, ["type mock", "aws_proxy"]),
        ({"path": "/apps/{appId}"}, ["no resource /apps/{id}", "/apps/{appId}"]),
        ({"responses": None}, ["still got 403", "MISSING_AUTHENTICATION_TOKEN"]),
        (
            {"responses": {"MISSING_AUTHENTICATION_TOKEN": {"statusCode": 404}}},
            ["expected 404", "no such route"],
        ),
        (
            # every gateway 4xx (a missing key's 403, 429, 401) would become "no such route"
            {"responses": {"DEFAULT_4XX": {**NOT_FOUND["MISSING_AUTHENTICATION_TOKEN"]}}},
            ["DEFAULT_4XX answers 404 too", "429", "MISSING_AUTHENTICATION_TOKEN only"],
        ),
        (
            {"responses": {**NOT_FOUND, "ACCESS_DENIED": {"statusCode": 404}}},
            ["ACCESS_DENIED answers 404 too", "remove ACCESS_DENIED"],
        ),
        (
            # a dict where the template's text belongs: a hint, not an error from the sandbox
            {
                "responses": {
                    "MISSING_AUTHENTICATION_TOKEN": {
                        "statusCode": 404,
                        "responseTemplates": {"application/json": {"message": "no such route"}},
                    }
                }
            },
            [
                "refused to import",
                "Errors found during import:",
                "responseTemplates['application/json'] must be a string, got dict",
                "a template is text",
            ],
        ),
    ],
    ids=[
        "no-integration",
        "get-integration",
        "mock",
        "param-name",
        "no-gateway-response",
        "body",
        "default-4xx",
        "access-denied-404",
        "template-dict",
    ],
)
def test_6_5_typical_mistakes_get_a_hint(apps, change, phrases):
    if "integration" in change and isinstance(change["integration"], dict):
        change = {"integration": {**change["integration"]}}
        if change["integration"].get("uri") == "URI":
            change["integration"]["uri"] = apps
    failed_with("6.5", completed(apps, **change), *phrases)


def test_6_5_a_wrong_function_gives_a_502_hint(apps, aws):
    wrong = apps.replace("function:apps", "function:nope")
    failed_with(
        "6.5",
        completed(apps, integration={"type": "aws_proxy", "uri": wrong, "httpMethod": "POST"}),
        "502",
    )


def test_6_5_documents_that_cannot_be_imported(apps):
    failed_with("6.5", {"swagger": "1.2", "info": {}, "paths": {"/x": {}}}, "refused to import")
    failed_with("6.5", "swagger: '2.0'", "expected the Swagger document as a dict, got str")
    failed_with("6.5", -1, "got int")
