"""``httpApi`` events, ``provider.httpApi`` and ``url:`` through ``workshop sls``: compiled
with Serverless Framework 3's logical ids and properties (its
``package/compile/events/http-api.js`` and ``compileFunctionUrl``), deployed, and served."""

from __future__ import annotations

import textwrap

import pytest
import requests

from tests.framework_helpers import one_zip_each
from workshop_lib import sandbox
from workshop_lib.framework import Service, sls
from workshop_lib.framework import compile as cfn
from workshop_lib.framework.config import ConfigError
from workshop_lib.framework.httpapi import route_logical_id

HANDLER = """
import json

def items(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "route": event["routeKey"], "path": event["rawPath"],
        "authorizer": event["requestContext"].get("authorizer")})}

def guard(event, context):
    return {"isAuthorized": event["headers"].get("authorization") == "secret",
            "context": {"who": "guard"}}

def hook(event, context):
    return "hooked"
"""

SERVICE = """
service: items
frameworkVersion: '3'
provider:
  name: aws
  runtime: python3.12
  httpApi:
    cors: true
    authorizers:
      myJwt:
        type: jwt
        identitySource: $request.header.Authorization
        issuerUrl: ${env:ISSUER, 'https://issuer.example.com'}
        audience:
          - app
      myLambda:
        type: request
        functionName: guard
        enableSimpleResponses: true
        resultTtlInSeconds: 300
        identitySource: $request.header.Authorization
functions:
  items:
    handler: handler.items
    url: true
    events:
      - httpApi: 'GET /items/{id}'
      - httpApi:
          path: /items
          method: post
          authorizer:
            name: myJwt
            scopes: [items:write]
      - httpApi: '*'
      - httpApi:
          method: '*'
          path: /any/{proxy+}
          authorizer:
            name: myLambda
  guard:
    handler: handler.guard
  hook:
    handler: handler.hook
    url:
      authorizer: aws_iam
      cors:
        allowedOrigins: ['https://example.com']
"""


def write(folder, yml=SERVICE):
    (folder / "serverless.yml").write_text(textwrap.dedent(yml))
    (folder / "handler.py").write_text(HANDLER)
    return folder


def test_route_logical_ids_follow_the_framework_naming():
    assert route_logical_id("GET /items/{id}") == "HttpApiRouteGetItemsIdVar"
    assert route_logical_id("ANY /any/{proxy+}") == "HttpApiRouteAnyAnyProxyVar"
    assert route_logical_id("POST /my-Items") == "HttpApiRoutePostMyDashitems"
    assert route_logical_id("*") == "HttpApiRouteDefault"


def test_http_api_and_urls_compile_to_the_framework_resources(tmp_path):
    service = Service.load(write(tmp_path))
    resources = cfn.update_template(service, "k", one_zip_each(service), "1")["Resources"]
    kinds = {k: v["Type"] for k, v in resources.items()}
    expected = {
        "HttpApi": "AWS::ApiGatewayV2::Api",
        "HttpApiStage": "AWS::ApiGatewayV2::Stage",
        "HttpApiAuthorizerMyJwt": "AWS::ApiGatewayV2::Authorizer",
        "HttpApiAuthorizerMyLambda": "AWS::ApiGatewayV2::Authorizer",
        "MyLambdaLambdaAuthorizerPermissionHttpApi": "AWS::Lambda::Permission",
        "ItemsLambdaPermissionHttpApi": "AWS::Lambda::Permission",
        "HttpApiIntegrationItems": "AWS::ApiGatewayV2::Integration",
        "HttpApiRouteGetItemsIdVar": "AWS::ApiGatewayV2::Route",
        "HttpApiRoutePostItems": "AWS::ApiGatewayV2::Route",
        "HttpApiRouteDefault": "AWS::ApiGatewayV2::Route",
        "HttpApiRouteAnyAnyProxyVar": "AWS::ApiGatewayV2::Route",
        "ItemsLambdaFunctionUrl": "AWS::Lambda::Url",
        "ItemsLambdaPermissionFnUrl": "AWS::Lambda::Permission",
        "HookLambdaFunctionUrl": "AWS::Lambda::Url",
    }
    assert {k: kinds.get(k) for k in expected} == expected
    assert "HookLambdaPermissionFnUrl" not in kinds  # an AWS_IAM URL gets no public grant
    api = resources["HttpApi"]["Properties"]
    assert api["Name"] == "dev-items"
    assert api["CorsConfiguration"]["AllowMethods"] == [
        "OPTIONS", "GET", "POST", "PUT", "PATCH", "HEAD", "DELETE"
    ]  # fmt: skip
    post = resources["HttpApiRoutePostItems"]["Properties"]
    assert post["AuthorizationType"] == "JWT"
    assert post["AuthorizerId"] == {"Ref": "HttpApiAuthorizerMyJwt"}
    assert post["AuthorizationScopes"] == ["items:write"]
    assert resources["HttpApiRouteDefault"]["Properties"]["RouteKey"] == "$default"
    assert resources["HttpApiRouteAnyAnyProxyVar"]["Properties"]["AuthorizationType"] == "CUSTOM"
    integration = resources["HttpApiIntegrationItems"]["Properties"]
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["TimeoutInMillis"] == 30000
    hook = resources["HookLambdaFunctionUrl"]["Properties"]
    assert hook["AuthType"] == "AWS_IAM" and hook["Cors"]["AllowOrigins"] == ["https://example.com"]
    assert hook["Cors"]["AllowMethods"] == ["*"]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("httpApi: 'FETCH /x'", "is not 'METHOD /path' or '*'"),
        ("httpApi: {path: /x}", "httpApi event needs a method"),
        ("httpApi: {path: /x, method: get, authorizer: nobody}", "authorizer 'nobody'"),
    ],
)
def test_a_wrong_http_api_event_is_one_line_with_file_and_line(tmp_path, event, message):
    yml = f"""
    service: broken
    provider: {{name: aws, runtime: python3.12}}
    functions:
      f:
        handler: handler.items
        events:
          - {event}
    """
    service = Service.load(write(tmp_path, yml))
    with pytest.raises(ConfigError, match=message) as raised:
        cfn.update_template(service, "k", one_zip_each(service), "1")
    assert str(raised.value).startswith("serverless.yml, line ")
    assert "\n" not in str(raised.value)


@pytest.mark.slow
def test_deployed_http_api_serves_routes_authorizers_and_function_urls(tmp_path, monkeypatch):
    with sandbox() as aws:
        issuer = aws.plugin("apigatewayv2").issuer()
        monkeypatch.setenv("ISSUER", issuer.url)
        folder = write(tmp_path)
        sls("deploy", service=str(folder))
        v2 = aws.client("apigatewayv2")
        (api,) = v2.get_apis()["Items"]
        base = api["ApiEndpoint"]
        got = requests.get(f"{base}/items/7").json()
        assert got == {"route": "GET /items/{id}", "path": "/items/7", "authorizer": None}
        assert requests.post(f"{base}/items").status_code == 401
        token = issuer.token("app", scopes=["items:write"])
        posted = requests.post(f"{base}/items", headers={"Authorization": f"Bearer {token}"})
        assert posted.json()["authorizer"]["jwt"]["scopes"] == ["items:write"]
        guarded = requests.get(f"{base}/any/x/y", headers={"Authorization": "secret"}).json()
        assert guarded["authorizer"] == {"lambda": {"who": "guard"}}
        assert requests.get(f"{base}/any/x", headers={"Authorization": "no"}).status_code == 403
        assert requests.delete(f"{base}/elsewhere").json()["route"] == "$default"
        url = aws.client("lambda").get_function_url_config(FunctionName="items-dev-hook")
        assert requests.get(url["FunctionUrl"]).status_code == 403  # AWS_IAM, unsigned
        stage = v2.get_stage(ApiId=api["ApiId"], StageName="$default")
        assert stage["AutoDeploy"] is True and stage["DeploymentId"]
        deployments = v2.get_deployments(ApiId=api["ApiId"])["Items"]
        assert deployments and all(d["AutoDeployed"] for d in deployments)
        routes_before = len(v2.get_routes(ApiId=api["ApiId"])["Items"])
        v2.update_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=False)
        sls("deploy --force", service=str(folder))  # again: the same API, nothing doubled
        (again,) = v2.get_apis()["Items"]
        assert again["ApiId"] == api["ApiId"]
        assert len(v2.get_routes(ApiId=api["ApiId"])["Items"]) == routes_before == 4
        # the stack's stage says AutoDeploy: true, so a deploy turns it on again
        assert v2.get_stage(ApiId=api["ApiId"], StageName="$default")["AutoDeploy"] is True


BOTH = """
service: both
provider: {name: aws, runtime: python3.12}
functions:
  rest:
    handler: handler.items
    events:
      - http: GET legacy/{id}
  modern:
    handler: handler.items
    events:
      - httpApi: 'GET /items/{id}'
"""


@pytest.mark.slow
def test_offline_serves_http_events_under_the_stage_and_http_api_events_at_the_root(tmp_path):
    from workshop_lib.framework.offline import Offline

    (tmp_path / "serverless.yml").write_text(BOTH)
    either = HANDLER.replace('event["routeKey"]', 'event.get("routeKey")')  # 1.0 or 2.0
    (tmp_path / "handler.py").write_text(either.replace('event["rawPath"]', 'event.get("rawPath")'))
    offline = Offline(tmp_path)
    try:
        url = offline.start(port=0)
        assert url.endswith("/dev")
        root = url.rsplit("/", 1)[0]
        modern = requests.get(f"{root}/items/3").json()
        assert modern["route"] == "GET /items/{id}" and modern["path"] == "/items/3"
        legacy = requests.get(f"{url}/legacy/4")
        assert legacy.status_code == 200 and legacy.json()["route"] is None  # a 1.0 event
    finally:
        offline.stop()
