"""The handler strings in the sandbox's Lambda runtime: worker processes, the packaged code.

The runtime, like AWS's, has only boto3: jsonschema and PyJWT must travel in the package.
"""

from __future__ import annotations

import json

import boto3
import pytest
from bundle import deployment_package
from workshop_lib import sandbox
from workshop_lib.lambda_runtime import execution_role

from auth.tokens import mint
from events import SECRET, api_event, authorizer_event
from tables import apps_table_properties

FUNCTIONS = {"apps-create": "apps/create.create", "authorize": "auth/authorizer.authorize"}
VARIABLES = {"DYNAMODB_APPS_TABLE": "apps-dev", "JWT_SECRET": SECRET}


@pytest.fixture(scope="module")
def lambda_client():
    with sandbox(region="eu-west-1"):
        boto3.client("dynamodb").create_table(**apps_table_properties("apps-dev"))
        client = boto3.client("lambda")
        role, code = execution_role(boto3.client("iam")), deployment_package()
        for name, handler in FUNCTIONS.items():
            client.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role,
                Handler=handler,
                Code={"ZipFile": code},
                MemorySize=128,
                Environment={
                    "Variables": {"DYNAMODB_APPS_TABLE": "apps-dev", "JWT_SECRET": SECRET}
                },
            )
        yield client


def invoke(client, name: str, event: dict) -> dict:
    response = client.invoke(FunctionName=name, Payload=json.dumps(event))
    payload = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, payload
    return payload


def test_create_runs_in_a_worker_and_writes_the_table(lambda_client):
    event = api_event("POST", "/apps", body={"id": "app", "release": 1, "version": "1.0.0"})
    first = invoke(lambda_client, "apps-create", event)  # a cold start
    second = invoke(lambda_client, "apps-create", event)  # warm: same environment
    assert (first["statusCode"], second["statusCode"]) == (201, 409)
    assert boto3.client("dynamodb").get_item(
        TableName="apps-dev", Key={"id": {"S": "app"}, "release": {"N": "1"}}
    )["Item"]["version"] == {"S": "1.0.0"}


def test_the_authorizer_runs_in_a_worker(lambda_client):
    token = mint("alice", ["apps:write"], SECRET)
    policy = invoke(lambda_client, "authorize", authorizer_event(f"Bearer {token}"))
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    response = lambda_client.invoke(
        FunctionName="authorize", Payload=json.dumps(authorizer_event("Bearer nope"))
    )
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorMessage"] == "Unauthorized"
