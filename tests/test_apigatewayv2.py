"""HTTP APIs (API Gateway v2) and Lambda function URLs in the sandbox, checked against
aws-lambda-powertools' event models and the API Gateway developer guide
("Create AWS Lambda proxy integrations for HTTP APIs", "Create routes for HTTP APIs")."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventModel,
    APIGatewayProxyEventV2Model,
    LambdaFunctionUrlModel,
)
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.lambda_helpers import create
from workshop_lib import sandbox
from workshop_lib.apigatewayv2 import routes

ECHO = """
import json

def handler(event, context):
    path = event.get("rawPath") or event.get("path") or ""
    if path.endswith("/plain"):
        return "just text"
    if path.endswith("/object"):
        return {"statusCode": 200, "body": json.dumps({"answer": 42}),
                "headers": {"Access-Control-Allow-Origin": "https://evil.example"}}
    if path.endswith("/crash"):
        raise ValueError("boom")
    if path.endswith("/malformed"):
        return {"statusCode": "teapot"}
    if path.endswith("/binary"):
        return {"statusCode": 200, "isBase64Encoded": True, "body": "AAEC",
                "headers": {"content-type": "application/octet-stream"}}
    return {"statusCode": 201, "headers": {"x-route": event.get("routeKey", "?")},
            "cookies": ["a=1", "b=2; Secure"], "body": json.dumps(event)}
"""


@pytest.fixture(scope="module")
def aws():
    with sandbox() as box:
        box.shared_by_module = True  # one sandbox and one function for this module (conftest)
        yield box


@pytest.fixture(scope="module")
def function(aws):
    return create(aws, "echo", ECHO)


def http_api(aws, function, routes_and_versions, stage="$default", stage_settings=None, **api):
    v2 = aws.client("apigatewayv2")
    made = v2.create_api(Name="items", ProtocolType="HTTP", **api)
    for key, version in routes_and_versions:
        integration = v2.create_integration(
            ApiId=made["ApiId"],
            IntegrationType="AWS_PROXY",
            IntegrationUri=function["FunctionArn"],
            PayloadFormatVersion=version,
        )
        v2.create_route(
            ApiId=made["ApiId"], RouteKey=key, Target=f"integrations/{integration['IntegrationId']}"
        )
    v2.create_stage(ApiId=made["ApiId"], StageName=stage, AutoDeploy=True, **(stage_settings or {}))
    return made


# -- route selection ------------------------------------------------------------------------
KEYS = ["GET /pets/dog/1", "GET /pets/dog/{id}", "ANY /pets/{proxy+}", "GET /pets/{id}", "$default"]


@pytest.mark.parametrize(
    ("method", "path", "key", "params"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
        ("GET", "/pets/cat", "GET /pets/{id}", {"id": "cat"}),
        ("POST", "/pets/cat", "ANY /pets/{proxy+}", {"proxy": "cat"}),
        ("GET", "/pets/a/b/c", "ANY /pets/{proxy+}", {"proxy": "a/b/c"}),
        ("GET", "/pets/caf%C3%A9", "GET /pets/{id}", {"id": "café"}),
        ("GET", "/owners", "$default", {}),
    ],
)
def test_the_most_specific_route_wins(method, path, key, params):
    assert routes.select(KEYS, method, path) == (key, params)


def test_no_route_and_no_default_is_none_and_stages_split_by_first_segment():
    assert routes.select(["GET /a"], "GET", "/b") is None
    assert routes.select(["GET /a/{proxy+}"], "GET", "/a") is None  # greedy needs a segment
    assert routes.split_stage(["prod", "$default"], "/prod/items") == ("prod", "/items")
    assert routes.split_stage(["prod", "$default"], "/items") == ("$default", "/items")
    assert routes.split_stage(["prod"], "/items") is None
    with pytest.raises(ValueError, match="greedy path variable must be the last"):
        routes.RouteKey.parse("GET /{proxy+}/x")


# -- payload 2.0 --------------------------------------------------------------------------------
def test_payload_2_event_is_exact_and_valid_for_powertools(aws, function):
    api = http_api(aws, function, [("GET /items/{id}", "2.0")])
    response = requests.get(
        f"{api['ApiEndpoint']}/items/42?tag=a&tag=b&empty=",
        headers={"Cookie": "session=abc; theme=dark", "X-Many": "1", "User-Agent": "test/1"},
    )
    assert response.status_code == 201
    assert response.headers["x-route"] == "GET /items/{id}"
    assert response.headers["apigw-requestid"]
    event = response.json()
    APIGatewayProxyEventV2Model.model_validate(event)
    assert event["version"] == "2.0" and event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/42"
    assert event["rawQueryString"] == "tag=a&tag=b&empty="
    assert event["queryStringParameters"] == {"tag": "a,b", "empty": ""}
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"] and event["headers"]["x-many"] == "1"
    assert all(name == name.lower() for name in event["headers"])
    assert event["pathParameters"] == {"id": "42"}
    assert event["isBase64Encoded"] is False and "body" not in event
    assert "stageVariables" not in event and "multiValueHeaders" not in event
    http = event["requestContext"]["http"]
    assert http == {
        "method": "GET",
        "path": "/items/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "test/1",
    }
    context = event["requestContext"]
    assert context["stage"] == "$default" and context["apiId"] == api["ApiId"]
    assert context["domainName"] == f"{api['ApiId']}.execute-api.{aws.region}.amazonaws.com"


def test_payload_2_answers_are_inferred_cookies_set_and_errors_are_http_api_shaped(aws, function):
    api = http_api(aws, function, [("ANY /{proxy+}", "2.0")])
    base = api["ApiEndpoint"]
    plain = requests.get(f"{base}/x/plain")
    assert (plain.status_code, plain.text) == (200, "just text")
    assert plain.headers["content-type"] == "application/json"
    obj = requests.get(f"{base}/x/object")
    assert (obj.status_code, obj.json()) == (200, {"answer": 42})
    posted = requests.post(f"{base}/x", data=b"\x00\x01", headers={"content-type": "image/png"})
    event = posted.json()
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x00\x01"
    assert posted.raw.headers.getlist("set-cookie") == ["a=1", "b=2; Secure"]
    binary = requests.get(f"{base}/x/binary")
    assert binary.content == b"\x00\x01\x02"
    for path in ("/x/crash", "/x/malformed"):
        failed = requests.get(base + path)
        assert (failed.status_code, failed.json()) == (500, {"message": "Internal Server Error"})


def test_named_stage_has_the_stage_in_raw_path_and_unknown_stage_is_not_found(aws, function):
    api = http_api(aws, function, [("GET /items", "2.0")], stage="prod")
    event = requests.get(f"{api['ApiEndpoint']}/prod/items").json()
    assert event["rawPath"] == "/prod/items" and event["requestContext"]["stage"] == "prod"
    for path in ("/items", "/prod/nothing-here"):
        missing = requests.get(api["ApiEndpoint"] + path)
        assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})


def test_payload_1_on_an_http_api_is_the_rest_shape_with_a_version(aws, function):
    api = http_api(aws, function, [("POST /items", "1.0")])
    event = requests.post(f"{api['ApiEndpoint']}/items?a=1&a=2", json={"k": 1}).json()
    APIGatewayProxyEventModel.model_validate(event)
    assert event["version"] == "1.0" and event["resource"] == "/items"
    assert all(name == name.lower() for name in event["headers"])  # an HTTP API lower-cases
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert json.loads(event["body"]) == {"k": 1}


def test_cors_configuration_answers_preflights_without_the_function(aws, function):
    api = http_api(
        aws,
        function,
        [("ANY /{proxy+}", "2.0")],
        CorsConfiguration={
            "AllowOrigins": ["http://localhost:8888"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["content-type"],
            "MaxAge": 300,
        },
    )
    base = api["ApiEndpoint"]
    preflight = requests.options(
        f"{base}/x",
        headers={"Origin": "http://localhost:8888", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:8888"
    assert preflight.headers["access-control-max-age"] == "300"
    asked = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    foreign = requests.options(f"{base}/x", headers=asked)
    assert "access-control-allow-origin" not in foreign.headers
    simple = requests.get(f"{base}/x/object", headers={"Origin": "http://localhost:8888"})
    assert simple.headers["access-control-allow-origin"] == "http://localhost:8888"
    # the function's own CORS header is dropped when the API has a CORS configuration
    assert simple.raw.headers.getlist("access-control-allow-origin") == ["http://localhost:8888"]


# -- stages and deployments -----------------------------------------------------------------
def route_to(v2, api_id, function, key):
    made = v2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=function["FunctionArn"],
        PayloadFormatVersion="2.0",
    )
    return v2.create_route(
        ApiId=api_id, RouteKey=key, Target=f"integrations/{made['IntegrationId']}"
    )["RouteId"]


def test_a_stage_without_auto_deploy_serves_its_last_deployment(aws, function):
    v2 = aws.client("apigatewayv2")
    api = v2.create_api(Name="manual", ProtocolType="HTTP")
    api_id, base = api["ApiId"], f"{api['ApiEndpoint']}/prod"
    with pytest.raises(v2.exceptions.BadRequestException, match="no routes exist"):
        v2.create_deployment(ApiId=api_id)
    first_route = route_to(v2, api_id, function, "GET /first")
    v2.create_stage(ApiId=api_id, StageName="prod")
    never = requests.get(f"{base}/first")  # a stage no deployment reached
    assert (never.status_code, never.json()) == (404, {"message": "Not Found"})
    first = v2.create_deployment(ApiId=api_id, StageName="prod", Description="one route")
    assert first["AutoDeployed"] is False and first["DeploymentStatus"] == "DEPLOYED"
    assert v2.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == first["DeploymentId"]
    assert requests.get(f"{base}/first").status_code == 201
    route_to(v2, api_id, function, "GET /second")  # changed after the deployment: not served
    assert requests.get(f"{base}/second").status_code == 404
    v2.delete_route(ApiId=api_id, RouteId=first_route)  # nor is this change
    assert requests.get(f"{base}/first").status_code == 201
    second = v2.create_deployment(ApiId=api_id, StageName="prod")
    assert requests.get(f"{base}/second").status_code == 201
    assert requests.get(f"{base}/first").status_code == 404
    v2.update_stage(ApiId=api_id, StageName="prod", DeploymentId=first["DeploymentId"])
    assert requests.get(f"{base}/first").status_code == 201  # back to the first snapshot
    listed = v2.get_deployments(ApiId=api_id)["Items"]
    assert [d["DeploymentId"] for d in listed] == [first["DeploymentId"], second["DeploymentId"]]
    got = v2.get_deployment(ApiId=api_id, DeploymentId=first["DeploymentId"])
    assert got["Description"] == "one route"
    with pytest.raises(v2.exceptions.NotFoundException):
        v2.update_stage(ApiId=api_id, StageName="prod", DeploymentId="nosuch")
    v2.delete_deployment(ApiId=api_id, DeploymentId=second["DeploymentId"])
    with pytest.raises(v2.exceptions.NotFoundException):
        v2.get_deployment(ApiId=api_id, DeploymentId=second["DeploymentId"])
    v2.update_stage(ApiId=api_id, StageName="prod", AutoDeploy=True)  # takes the API as it is
    assert requests.get(f"{base}/second").status_code == 201
    assert requests.get(f"{base}/first").status_code == 404


def test_an_auto_deploy_stage_serves_every_change_at_once(aws, function):
    v2 = aws.client("apigatewayv2")
    api = http_api(aws, function, [("GET /one", "2.0")])  # $default with AutoDeploy
    api_id, base = api["ApiId"], api["ApiEndpoint"]
    assert requests.get(f"{base}/one").status_code == 201
    two = route_to(v2, api_id, function, "GET /two")
    assert requests.get(f"{base}/two").status_code == 201  # no CreateDeployment
    v2.delete_route(ApiId=api_id, RouteId=two)
    assert requests.get(f"{base}/two").status_code == 404
    made = v2.get_deployments(ApiId=api_id)["Items"]
    # one when the stage was made, one per change: integration, route, route deleted
    assert len(made) == 4 and all(d["AutoDeployed"] for d in made)
    stage = v2.get_stage(ApiId=api_id, StageName="$default")
    assert stage["DeploymentId"] == made[-1]["DeploymentId"]


# -- function URLs ------------------------------------------------------------------------------
def test_a_function_url_serves_payload_2_at_the_url_lambda_returns(aws, function):
    lam = aws.client("lambda")
    url = lam.create_function_url_config(FunctionName="echo", AuthType="NONE")["FunctionUrl"]
    try:
        closed = requests.post(url.rstrip("/") + "/hook", json={})
        assert (closed.status_code, closed.json()) == (403, {"Message": "Forbidden"})
        lam.add_permission(
            FunctionName="echo",
            StatementId="public-url",
            Action="lambda:InvokeFunctionUrl",
            Principal="*",
            FunctionUrlAuthType="NONE",
        )
        response = requests.post(url.rstrip("/") + "/hook?x=1", json={"event": "push"})
        assert response.status_code == 201
        event = response.json()
        LambdaFunctionUrlModel.model_validate(event)
        assert event["routeKey"] == "$default" and event["requestContext"]["stage"] == "$default"
        assert event["rawPath"] == "/hook" and event["queryStringParameters"] == {"x": "1"}
        assert json.loads(event["body"]) == {"event": "push"}
        assert event["requestContext"]["domainName"] == url.split("//")[1].rstrip("/")
        assert event["requestContext"]["accountId"] == "anonymous"  # AuthType NONE
        assert event["headers"]["host"] == event["requestContext"]["domainName"]
        assert event["headers"]["x-forwarded-proto"] == "https"
        assert "connection" not in event["headers"]
        head = requests.head(url.rstrip("/") + "/hook")
        assert head.status_code == 201 and head.content == b""
        crashed = requests.get(url.rstrip("/") + "/crash")
        assert (crashed.status_code, crashed.text) == (502, "Internal Server Error")
    finally:
        lam.delete_function_url_config(FunctionName="echo")
        lam.remove_permission(FunctionName="echo", StatementId="public-url")
    gone = requests.get(url)
    assert gone.status_code == 404


def test_function_urls_are_found_by_url_id_and_follow_their_configuration(
    aws, function, monkeypatch
):
    from moto.awslambda.models import LambdaBackend

    walks = []
    walk = LambdaBackend.list_functions

    def counted(self, *args, **kwargs):
        walks.append(1)
        return walk(self, *args, **kwargs)

    monkeypatch.setattr(LambdaBackend, "list_functions", counted)
    lam = aws.client("lambda")
    url = lam.create_function_url_config(FunctionName="echo", AuthType="NONE")["FunctionUrl"]
    lam.add_permission(
        FunctionName="echo",
        StatementId="indexed-url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    try:
        assert [requests.get(url).status_code for _ in range(3)] == [201] * 3
        assert len(walks) == 1  # the index, built once
        unknown = url.replace(url.split("//")[1].split(".")[0], "nosuchurlid")
        assert requests.get(unknown).status_code == 404 and len(walks) == 1
        lam.update_function_url_config(FunctionName="echo", AuthType="AWS_IAM")
        assert requests.get(url).status_code == 403  # unsigned: the update is served at once
    finally:
        lam.delete_function_url_config(FunctionName="echo")
        lam.remove_permission(FunctionName="echo", StatementId="indexed-url")
    gone = requests.get(url)
    assert (gone.status_code, gone.json()) == (404, {"message": "Not Found"})
    doomed = create(aws, "doomed", ECHO)
    doomed_url = lam.create_function_url_config(FunctionName="doomed", AuthType="AWS_IAM")
    assert requests.get(doomed_url["FunctionUrl"]).status_code == 403
    lam.delete_function(FunctionName=doomed["FunctionName"])
    assert requests.get(doomed_url["FunctionUrl"]).status_code == 404  # went with its function


def test_an_aws_iam_function_url_checks_the_sigv4_signature(aws, function):
    lam = aws.client("lambda")
    url = lam.create_function_url_config(FunctionName="echo", AuthType="AWS_IAM")["FunctionUrl"]
    try:
        target = url.rstrip("/") + "/signed"
        assert requests.get(target).status_code == 403
        signed = AWSRequest(method="GET", url=target)
        SigV4Auth(Credentials("testing", "testing", "testing"), "lambda", aws.region).add_auth(
            signed
        )
        response = requests.get(target, headers=dict(signed.headers))
        assert response.status_code == 201
        identity = response.json()["requestContext"]["authorizer"]["iam"]
        assert identity["accessKey"] == "testing"
        elsewhere = AWSRequest(method="GET", url=target)  # signed for another region
        SigV4Auth(Credentials("testing", "testing", "testing"), "lambda", "eu-west-1").add_auth(
            elsewhere
        )
        assert requests.get(target, headers=dict(elsewhere.headers)).status_code == 403
        forged = dict(signed.headers)
        forged["Authorization"] = forged["Authorization"][:-4] + "0000"
        denied = requests.get(target, headers=forged)
        assert (denied.status_code, denied.json()) == (403, {"Message": "Forbidden"})
    finally:
        lam.delete_function_url_config(FunctionName="echo")


# -- authorizers --------------------------------------------------------------------------------
AUTHORIZER = """
CALLS = []

def handler(event, context):
    CALLS.append(1)
    token = event["identitySource"][0]
    if event.get("version") == "1.0" or "policy" in token:
        effect = "Allow" if "allow" in token else "Deny"
        return {"principalId": "u1", "context": {"calls": len(CALLS)}, "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                           "Resource": event.get("routeArn") or event.get("methodArn")}]}}
    return {"isAuthorized": token == "let-me-in", "context": {"calls": len(CALLS)}}
"""


def guarded(aws, function, kind, **authorizer):
    v2 = aws.client("apigatewayv2")
    api = http_api(aws, function, [("GET /secret", "2.0")])
    route = next(r for r in v2.get_routes(ApiId=api["ApiId"])["Items"])
    made = v2.create_authorizer(ApiId=api["ApiId"], Name="guard", **authorizer)
    v2.update_route(
        ApiId=api["ApiId"],
        RouteId=route["RouteId"],
        AuthorizationType=kind,
        AuthorizerId=made["AuthorizerId"],
    )
    return f"{api['ApiEndpoint']}/secret"


def test_a_jwt_authorizer_checks_signature_issuer_audience_expiry_and_scopes(aws, function):
    issuer = aws.plugin("apigatewayv2").issuer()
    v2 = aws.client("apigatewayv2")
    url = guarded(
        aws,
        function,
        "JWT",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer.url, "Audience": ["workshop-app"]},
    )
    api_id = url.split("//")[1].split(".")[0]
    route = v2.get_routes(ApiId=api_id)["Items"][0]
    v2.update_route(ApiId=api_id, RouteId=route["RouteId"], AuthorizationScopes=["apps:read"])

    def call(token):
        return requests.get(url, headers={"Authorization": f"Bearer {token}"} if token else {})

    good = call(issuer.token("workshop-app", subject="ada", scopes=["apps:read"]))
    assert good.status_code == 201
    jwt_context = good.json()["requestContext"]["authorizer"]["jwt"]
    assert jwt_context["claims"]["sub"] == "ada" and jwt_context["scopes"] == ["apps:read"]
    other = aws.plugin("apigatewayv2").issuer()  # a different key: a forged signature
    forged = other.token("workshop-app", scopes=["apps:read"], iss=issuer.url)
    later = int(aws.clock.time()) + 3600
    for token, description in (
        ("not-a-jwt", "the token is malformed"),
        (forged, "the token signature is invalid"),
        (issuer.token("workshop-app", iss="https://elsewhere.example"), "a valid issuer"),
        (issuer.token("another-app", scopes=["apps:read"]), "a valid audience"),  # AWS's words
        (issuer.token("workshop-app", expires_in=-1), "the token has expired"),
        (issuer.token("workshop-app", nbf=later), "the token is not valid yet"),
    ):
        refused = call(token)
        assert (refused.status_code, refused.json()) == (401, {"message": "Unauthorized"})
        if description.startswith("a valid"):
            description = f"the token does not have {description}"
        assert refused.headers["www-authenticate"] == (
            f'Bearer scope="apps:read" error="invalid_token" error_description="{description}"'
        )
    missing = call(None)
    assert (missing.status_code, missing.json()) == (401, {"message": "Unauthorized"})
    assert missing.headers["www-authenticate"] == 'Bearer scope="apps:read"'  # no error code
    no_scope = call(issuer.token("workshop-app", scopes=["apps:write"]))
    assert (no_scope.status_code, no_scope.json()) == (403, {"message": "Forbidden"})
    assert no_scope.headers["www-authenticate"] == (
        'Bearer scope="apps:read" error="insufficient_scope" '
        'error_description="the token does not have a required scope"'
    )
    assert "www-authenticate" not in good.headers
    jwks = requests.get(issuer.url + "/.well-known/jwks.json").json()
    assert jwks["keys"][0]["kid"] == issuer.kid and jwks["keys"][0]["kty"] == "RSA"


def test_a_lambda_authorizer_with_simple_responses_is_cached_for_its_ttl(aws, function):
    made = create(aws, "simple-guard", AUTHORIZER)
    url = guarded(
        aws,
        function,
        "CUSTOM",
        AuthorizerType="REQUEST",
        AuthorizerUri=made["FunctionArn"],
        IdentitySource=["$request.header.Authorization"],
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
        AuthorizerResultTtlInSeconds=300,
    )
    assert requests.get(url).status_code == 401  # no identity source: no call at all
    denied = requests.get(url, headers={"Authorization": "nope"})
    assert (denied.status_code, denied.json()) == (403, {"message": "Forbidden"})
    first = requests.get(url, headers={"Authorization": "let-me-in"}).json()
    again = requests.get(url, headers={"Authorization": "let-me-in"}).json()
    assert first["requestContext"]["authorizer"]["lambda"] == {"calls": 2}
    assert again["requestContext"]["authorizer"]["lambda"] == {"calls": 2}  # from the cache


def test_a_lambda_authorizer_answering_an_iam_policy(aws, function):
    made = create(aws, "policy-guard", AUTHORIZER)
    url = guarded(
        aws,
        function,
        "CUSTOM",
        AuthorizerType="REQUEST",
        AuthorizerUri=made["FunctionArn"],
        IdentitySource=["$request.header.Authorization"],
        AuthorizerPayloadFormatVersion="2.0",
    )
    allowed = requests.get(url, headers={"Authorization": "policy-allow"})
    assert allowed.status_code == 201
    context = allowed.json()["requestContext"]["authorizer"]["lambda"]
    assert context["principalId"] == "u1"
    denied = requests.get(url, headers={"Authorization": "policy-deny"})
    assert denied.status_code == 403


def test_an_aws_iam_route_takes_only_execute_api_signatures(aws, function):
    v2 = aws.client("apigatewayv2")
    api = http_api(aws, function, [("GET /private", "2.0")])
    route = v2.get_routes(ApiId=api["ApiId"])["Items"][0]
    v2.update_route(ApiId=api["ApiId"], RouteId=route["RouteId"], AuthorizationType="AWS_IAM")
    target = f"{api['ApiEndpoint']}/private"
    assert requests.get(target).status_code == 403
    signed = AWSRequest(method="GET", url=target)
    credentials = Credentials("testing", "testing", "testing")
    SigV4Auth(credentials, "execute-api", aws.region).add_auth(signed)
    assert requests.get(target, headers=dict(signed.headers)).status_code == 201
    wrong_service = AWSRequest(method="GET", url=target)
    SigV4Auth(credentials, "lambda", aws.region).add_auth(wrong_service)
    assert requests.get(target, headers=dict(wrong_service.headers)).status_code == 403


def test_stage_and_route_throttles_answer_429_on_the_sandbox_clock(aws, function):
    settings = {  # one token per 1,000 s: no refill while the test runs
        "DefaultRouteSettings": {"ThrottlingRateLimit": 0.001, "ThrottlingBurstLimit": 2},
        "RouteSettings": {"GET /fast": {"ThrottlingRateLimit": 100.0, "ThrottlingBurstLimit": 50}},
    }
    routes_ = [("GET /slow", "2.0"), ("GET /fast", "2.0")]
    api = http_api(aws, function, routes_, stage="prod", stage_settings=settings)
    slow = [requests.get(f"{api['ApiEndpoint']}/prod/slow").status_code for _ in range(4)]
    assert slow == [201, 201, 429, 429]
    refused = requests.get(f"{api['ApiEndpoint']}/prod/slow")
    assert refused.status_code == 429 and refused.json() == {"message": "Too Many Requests"}
    fast = [requests.get(f"{api['ApiEndpoint']}/prod/fast").status_code for _ in range(10)]
    assert fast == [201] * 10  # its own route settings


# -- over real HTTP on loopback -----------------------------------------------------------------
def test_an_http_api_and_a_function_url_are_served_on_loopback(aws, function):
    api = http_api(aws, function, [("GET /items/{id}", "2.0")])
    base = aws.serve_api(api["ApiId"])
    assert base.startswith("http://127.0.0.1:") and aws.serve_api(api["ApiId"]) == base
    response = requests.get(f"{base}/items/7?tag=a&tag=b")
    assert response.status_code == 201
    event = response.json()
    APIGatewayProxyEventV2Model.model_validate(event)
    assert event["pathParameters"] == {"id": "7"}
    assert event["queryStringParameters"] == {"tag": "a,b"}
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert requests.get(f"{base}/nothing").json() == {"message": "Not Found"}
    lam = aws.client("lambda")
    lam.create_function_url_config(FunctionName="echo", AuthType="NONE")
    lam.add_permission(
        FunctionName="echo",
        StatementId="loopback-url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    try:
        url = aws.serve_function_url("echo")
        hooked = requests.post(f"{url}/hook", json={"n": 1})
        assert hooked.status_code == 201
        LambdaFunctionUrlModel.model_validate(hooked.json())
    finally:
        lam.delete_function_url_config(FunctionName="echo")
        lam.remove_permission(FunctionName="echo", StatementId="loopback-url")
