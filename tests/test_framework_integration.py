"""``integration: lambda`` compiled as Serverless Framework 3 compiles it (the default request
templates, status codes selected by ``[404]``-style markers) and served by the sandbox's
REST API: the handler gets the framework's event and answers a plain dict."""

from __future__ import annotations

import textwrap

import pytest
import requests

from tests.framework_helpers import one_zip_each
from workshop_lib import sandbox
from workshop_lib.apigateway import vtl
from workshop_lib.framework import Service, integration, sls
from workshop_lib.framework import compile as cfn
from workshop_lib.framework.config import ConfigError

SERVICE = """
service: todos
provider: {name: aws, runtime: python3.12}
functions:
  get:
    handler: handler.get
    events:
      - http:
          path: todos/{id}
          method: get
          integration: lambda
          cors: true
  create:
    handler: handler.create
    events:
      - http:
          path: todos
          method: post
          integration: lambda
          request:
            template:
              application/json: '{"todo": $input.json("$"), "stage": "$context.stage"}'
          response:
            statusCodes:
              201:
                pattern: ''
              400:
                pattern: '.*\\[400\\].*'
"""

HANDLER = """
TODOS = {"1": {"id": "1", "text": "write tests"}}

def get(event, context):
    todo = TODOS.get(event["path"]["id"])
    if todo is None:
        raise KeyError("[404] no todo " + event["path"]["id"])
    return {"todo": todo, "query": event["query"], "method": event["method"],
            "principal": event["principalId"], "stage": event["stage"]}

def create(event, context):
    if not event["todo"].get("text"):
        raise ValueError("[400] text is required")
    return {"created": event["todo"], "stage": event["stage"]}
"""


def write(folder):
    (folder / "serverless.yml").write_text(textwrap.dedent(SERVICE))
    (folder / "handler.py").write_text(HANDLER)
    return folder


def test_the_default_template_renders_the_framework_event():
    scope = {
        "context": {"httpMethod": "GET", "stage": "dev", "resourcePath": "/todos/{id}",
                    "identity": {"sourceIp": "127.0.0.1", "user": None}},
        "stageVariables": {},
        "input": vtl.Input('{"a": "it\'s"}', {"path": {"id": "1"}, "querystring": {"q": "x"},
                                              "header": {"Accept": "*/*"}}),
    }  # fmt: skip
    import json

    event = json.loads(vtl.render(integration.DEFAULT_JSON_REQUEST_TEMPLATE.replace(
        "extraCognitoPoolClaims", ""), scope))  # fmt: skip
    assert event == {
        "body": {"a": "it's"}, "method": "GET", "principalId": "", "stage": "dev",
        "cognitoPoolClaims": {"sub": ""}, "enhancedAuthContext": {},
        "headers": {"Accept": "*/*"}, "query": {"q": "x"}, "path": {"id": "1"},
        "identity": {"sourceIp": "127.0.0.1", "user": ""}, "stageVariables": {},
        "requestPath": "/todos/{id}",
    }  # fmt: skip


def test_lambda_integration_compiles_to_the_framework_method(tmp_path):
    service = Service.load(write(tmp_path))
    resources = cfn.update_template(service, "k", one_zip_each(service), "1")["Resources"]
    get = resources["ApiGatewayMethodTodosIdVarGet"]["Properties"]
    assert get["Integration"]["Type"] == "AWS"
    assert get["Integration"]["PassthroughBehavior"] == "NEVER"
    assert set(get["Integration"]["RequestTemplates"]) == {
        "application/json", "application/x-www-form-urlencoded"
    }  # fmt: skip
    codes = [r["StatusCode"] for r in get["Integration"]["IntegrationResponses"]]
    assert codes == ["200", "400", "401", "403", "404", "422", "500", "502", "504"]
    ok = get["Integration"]["IntegrationResponses"][0]
    assert ok["ResponseParameters"] == {"method.response.header.Access-Control-Allow-Origin": "'*'"}
    assert [r["StatusCode"] for r in get["MethodResponses"]] == codes
    post = resources["ApiGatewayMethodTodosPost"]["Properties"]["Integration"]
    assert [r["StatusCode"] for r in post["IntegrationResponses"]] == ["201", "400"]


def test_an_integration_the_sandbox_does_not_compile_is_one_line(tmp_path):
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider: {name: aws, runtime: python3.12}\nfunctions:\n  f:\n"
        "    handler: h.f\n    events:\n      - http: {path: x, method: get, integration: mock}\n"
    )
    with pytest.raises(ConfigError, match="http integration 'mock' is not compiled"):
        service = Service.load(tmp_path)
        cfn.update_template(service, "k", one_zip_each(service), "1")


@pytest.mark.slow
def test_a_lambda_integration_is_served_with_the_framework_event_and_status_codes(tmp_path):
    with sandbox() as aws:
        sls("deploy", service=str(write(tmp_path)))
        api_id = aws.client("apigateway").get_rest_apis()["items"][0]["id"]
        base = f"https://{api_id}.execute-api.{aws.region}.amazonaws.com/dev"
        found = requests.get(f"{base}/todos/1?verbose=yes")
        assert found.status_code == 200
        assert found.headers["Access-Control-Allow-Origin"] == "*"
        assert found.json() == {
            "todo": {"id": "1", "text": "write tests"}, "query": {"verbose": "yes"},
            "method": "GET", "principal": "", "stage": "dev",
        }  # fmt: skip
        missing = requests.get(f"{base}/todos/9")
        assert missing.status_code == 404
        assert "[404] no todo 9" in missing.json()["errorMessage"]
        created = requests.post(f"{base}/todos", json={"text": "ship"})
        assert created.status_code == 201
        assert created.json() == {"created": {"text": "ship"}, "stage": "dev"}
        assert requests.post(f"{base}/todos", json={}).status_code == 400
        unsupported = requests.post(f"{base}/todos", data="x", headers={"Content-Type": "text/csv"})
        assert unsupported.status_code == 415  # PassthroughBehavior NEVER
