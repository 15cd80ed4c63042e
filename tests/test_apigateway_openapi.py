"""Swagger 2.0 / OpenAPI 3 import and export with API Gateway's extensions; HTTP_PROXY."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
import yaml
from botocore.exceptions import ClientError

from tests.apigateway_helpers import ECHO, lambda_uri
from tests.apigateway_test_data import AUTHORIZER_SOURCE
from tests.lambda_helpers import create
from workshop_lib import sandbox


@pytest.fixture
def aws():
    with sandbox(clock="virtual") as box:
        yield box


def swagger(aws, echo_arn, auth_arn):
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": lambda_uri(aws, echo_arn)}
    return {
        "swagger": "2.0",
        "info": {"title": "apps", "version": "2018-03-07"},
        "x-amazon-apigateway-api-key-source": "HEADER",
        "securityDefinitions": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "jwt": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "token",
                    "authorizerUri": lambda_uri(aws, auth_arn),
                    "authorizerResultTtlInSeconds": 0,
                },
            },
        },
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True}
        },
        "definitions": {
            "App": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
        },
        "paths": {
            "/apps": {
                "get": {
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": integration,
                },
                "post": {
                    "security": [{"jwt": []}, {"api_key": []}],
                    "x-amazon-apigateway-request-validator": "all",
                    "parameters": [
                        {"in": "body", "name": "App", "schema": {"$ref": "#/definitions/App"}}
                    ],
                    "responses": {"201": {"description": "created"}},
                    "x-amazon-apigateway-integration": integration,
                },
            },
            "/apps/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "type": "string"}
                    ],
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": integration,
                },
            },
        },
        "x-amazon-apigateway-gateway-responses": {
            "UNAUTHORIZED": {
                "statusCode": 401,
                "responseTemplates": {"application/json": '{"error": "log in first"}'},
            },
        },
    }


def test_swagger_2_import_builds_the_whole_api(aws):
    echo = create(aws, "echo", ECHO)["FunctionArn"]
    auth = create(aws, "auth", AUTHORIZER_SOURCE)["FunctionArn"]
    apigw = aws.client("apigateway")
    api = apigw.import_rest_api(body=json.dumps(swagger(aws, echo, auth)))
    assert api["name"] == "apps"
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"])
    assert paths == ["/", "/apps", "/apps/{id}"]
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    key = apigw.create_api_key(name="k", enabled=True)
    plan = apigw.create_usage_plan(name="p", apiStages=[{"apiId": api["id"], "stage": "dev"}])
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    url = f"https://{api['id']}.execute-api.{aws.region}.amazonaws.com/dev"
    assert requests.get(f"{url}/apps/7").json()["pathParameters"] == {"id": "7"}
    no_token = requests.post(f"{url}/apps", json={"id": "a"}, headers={"x-api-key": key["value"]})
    assert no_token.status_code == 401 and no_token.json() == {"error": "log in first"}
    headers = {"x-api-key": key["value"], "Authorization": "good"}
    assert requests.post(f"{url}/apps", json={"nope": 1}, headers=headers).status_code == 400
    assert requests.post(f"{url}/apps", json={"id": "a"}, headers=headers).status_code == 200
    assert (
        requests.post(
            f"{url}/apps", json={"id": "a"}, headers={"Authorization": "good"}
        ).status_code
        == 403
    )  # no key


def test_openapi_3_yaml_import_and_put_rest_api_overwrite(aws):
    echo = create(aws, "echo", ECHO)["FunctionArn"]
    document = {
        "openapi": "3.0.1",
        "info": {"title": "v3", "version": "1"},
        "paths": {
            "/hello": {
                "get": {
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "aws_proxy",
                        "httpMethod": "POST",
                        "uri": lambda_uri(aws, echo),
                    },
                }
            }
        },
    }
    apigw = aws.client("apigateway")
    api = apigw.import_rest_api(body=yaml.safe_dump(document))
    document["paths"] = {"/bye": document["paths"]["/hello"]}
    apigw.put_rest_api(restApiId=api["id"], mode="overwrite", body=json.dumps(document))
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"])
    assert paths == ["/", "/bye"]


def test_bad_documents_are_refused_with_a_clear_400(aws):
    apigw = aws.client("apigateway")
    with pytest.raises(ClientError) as info:
        apigw.import_rest_api(body=json.dumps({"swagger": "1.2", "info": {}, "paths": {}}))
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    assert "Swagger 2.0 and OpenAPI 3" in info.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    "extension, where",
    [
        (
            {
                "x-amazon-apigateway-gateway-responses": {
                    "DEFAULT_4XX": {"responseTemplates": {"application/json": {"message": "no"}}}
                }
            },
            "gateway response DEFAULT_4XX: responseTemplates['application/json'] must be a string",
        ),
        (
            {"x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"statusCode": "four"}}},
            "statusCode 'four' is not a number",
        ),
        (
            {"x-amazon-apigateway-gateway-responses": {"DEFAULT_5XX": {"responseParameters": [1]}}},
            "gateway response DEFAULT_5XX: responseParameters must be an object",
        ),
    ],
    ids=["template-dict", "status-word", "parameters-list"],
)
def test_maps_of_text_that_hold_other_things_are_refused_before_anything_is_made(
    aws, extension, where
):
    apigw = aws.client("apigateway")
    document = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    with pytest.raises(ClientError) as info:
        apigw.import_rest_api(body=json.dumps({**document, **extension}))
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    assert info.value.response["Error"]["Message"].startswith("Errors found during import:")
    assert where in info.value.response["Error"]["Message"]
    assert apigw.get_rest_apis()["items"] == []  # refused whole, nothing half made


@pytest.mark.parametrize("export_type", ["swagger", "oas30"])
def test_export_round_trips_with_extensions(aws, export_type):
    echo = create(aws, "echo", ECHO)["FunctionArn"]
    auth = create(aws, "auth", AUTHORIZER_SOURCE)["FunctionArn"]
    apigw = aws.client("apigateway")
    original = apigw.import_rest_api(body=json.dumps(swagger(aws, echo, auth)))
    apigw.create_deployment(restApiId=original["id"], stageName="dev")
    exported = json.loads(
        apigw.get_export(
            restApiId=original["id"],
            stageName="dev",
            exportType=export_type,
            parameters={"extensions": "integrations,authorizers"},
        )["body"].read()
    )
    assert ("swagger" in exported) == (export_type == "swagger")
    post = exported["paths"]["/apps"]["post"]
    assert post["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert {"api_key": []} in post["security"]
    plain = json.loads(
        apigw.get_export(restApiId=original["id"], stageName="dev", exportType=export_type)[
            "body"
        ].read()
    )
    assert "x-amazon-apigateway-integration" not in plain["paths"]["/apps"]["get"]
    again = apigw.import_rest_api(body=json.dumps(exported))
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=again["id"])["items"])
    assert paths == ["/", "/apps", "/apps/{id}"]
    with pytest.raises(ClientError):
        apigw.get_export(restApiId=original["id"], stageName="nope", exportType=export_type)


class _Backend(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = json.dumps({"path": self.path, "via": self.headers.get("X-Via")}).encode()
        self.send_response(207)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_http_proxy_passes_requests_through(aws):
    backend = HTTPServer(("127.0.0.1", 0), _Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        apigw = aws.client("apigateway")
        api = apigw.create_rest_api(name="proxy")["id"]
        root = apigw.get_resources(restApiId=api)["items"][0]["id"]
        rid = apigw.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
        apigw.put_method(restApiId=api, resourceId=rid, httpMethod="ANY", authorizationType="NONE")
        apigw.put_integration(
            restApiId=api,
            resourceId=rid,
            httpMethod="ANY",
            type="HTTP_PROXY",
            integrationHttpMethod="ANY",
            uri=f"http://127.0.0.1:{backend.server_port}/{{proxy}}",
        )
        apigw.create_deployment(restApiId=api, stageName="dev")
        base = aws.serve_api(api, "dev")
        response = requests.get(f"{base}/a/b?x=1", headers={"X-Via": "gateway"})
        assert response.status_code == 207
        assert response.json() == {"path": "/a/b?x=1", "via": "gateway"}
    finally:
        backend.shutdown()
