"""Deploying a service into the sandbox: stack, functions, API, what moto skips, IAM audit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import boto3
import pytest
import requests

from workshop_lib import sandbox
from workshop_lib.framework import deploy, gaps
from workshop_lib.framework.service import Service

SERVICE = Path(__file__).parent / "framework_service"
WRITER = {"Authorization": "Bearer writer"}


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("svc") / "notes"
    shutil.copytree(SERVICE, folder)
    service = Service.load(folder, env={})
    lines: list[str] = []
    with sandbox(region="eu-west-1") as aws:
        aws.shared_by_module = True  # one deployment for this module's tests (conftest.py)
        result = deploy.deploy(service, aws, out=lines.append)
        url = aws.serve_api(result.info.rest_api_id, "dev")
        yield aws, service, result, url, lines


def key_headers(result) -> dict[str, str]:
    return {"x-api-key": result.info.api_keys["notes-key"], **WRITER}


def test_deploy_creates_the_stack_and_prints_info(deployed):
    aws, service, result, url, lines = deployed
    assert result.changed and result.stack_name == "notes-dev"
    stack = boto3.client("cloudformation").describe_stacks(StackName="notes-dev")["Stacks"][0]
    assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["NotesTableName"] == "notes-dev"
    assert outputs["ServiceEndpoint"] == (
        f"https://{result.info.rest_api_id}.execute-api.eu-west-1.amazonaws.com/dev"
    )
    assert lines[0] == "Deploying notes to stage dev (eu-west-1)"
    assert "Service deployed to stack notes-dev" in lines
    text = "\n".join(lines)
    assert f"POST - {outputs['ServiceEndpoint']}/notes" in text
    assert "create: notes-dev-create" in text


def test_code_is_uploaded_to_the_deployment_bucket(deployed):
    aws, service, result, url, lines = deployed
    s3 = boto3.client("s3")
    stack = boto3.client("cloudformation").describe_stacks(StackName="notes-dev")["Stacks"][0]
    bucket = next(
        o["OutputValue"]
        for o in stack["Outputs"]
        if o["OutputKey"] == "ServerlessDeploymentBucketName"
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(k.startswith("serverless/notes/dev/") and k.endswith("/notes.zip") for k in keys)
    assert any(k.endswith("/compiled-cloudformation-template.json") for k in keys)
    config = boto3.client("lambda").get_function(FunctionName="notes-dev-create")["Configuration"]
    assert config["Handler"] == "src/notes.create"
    assert config["MemorySize"] == 256 and config["Timeout"] == 10
    assert config["Environment"]["Variables"]["NOTES_TABLE"] == "notes-dev"
    assert config["Role"].endswith(":role/notes-dev-eu-west-1-lambdaRole")


@pytest.mark.parametrize("kind", gaps.SKIPPED_TYPES)
def test_what_moto_skips_exists_after_deploy(deployed, kind):
    aws, service, result, url, lines = deployed
    apigw = boto3.client("apigateway")
    api = result.info.rest_api_id
    if kind.endswith("Authorizer"):
        [authorizer] = apigw.get_authorizers(restApiId=api)["items"]
        assert authorizer["name"] == "auth" and authorizer["type"] == "TOKEN"
        assert authorizer["authorizerUri"].endswith(":function:notes-dev-auth/invocations")
    elif kind.endswith("::Model"):
        names = [m["name"] for m in apigw.get_models(restApiId=api)["items"]]
        assert "ApiGatewayMethodNotesPostApplicationJsonModel" in names
    elif kind.endswith("RequestValidator"):
        [validator] = apigw.get_request_validators(restApiId=api)["items"]
        assert validator["validateRequestBody"] is True
    elif kind.endswith("ApiKey"):
        keys = apigw.get_api_keys(includeValues=True)["items"]
        assert [k["name"] for k in keys] == ["notes-key"]
        assert keys[0]["value"] == result.info.api_keys["notes-key"]
    elif kind.endswith("UsagePlan"):
        [plan] = apigw.get_usage_plans()["items"]
        assert plan["throttle"] == {"burstLimit": 10, "rateLimit": 5.0}
        assert plan["quota"]["limit"] == 1000 and plan["apiStages"][0]["stage"] == "dev"
    else:  # UsagePlanKey
        [plan] = apigw.get_usage_plans()["items"]
        [key] = apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
        assert key["name"] == "notes-key"
    assert set(result.created_outside_cloudformation) >= {
        "AuthApiGatewayAuthorizer", "ApiGatewayApiKey1", "ApiGatewayUsagePlan",
        "ApiGatewayUsagePlanKey1", "ApiGatewayNotesRequestValidator",
        "ApiGatewayMethodNotesPostApplicationJsonModel",
    }  # fmt: skip


def test_the_api_enforces_keys_authorizer_and_schema(deployed):
    aws, service, result, url, lines = deployed
    headers = key_headers(result)
    assert requests.post(f"{url}/notes", json={"id": "a"}).status_code == 403  # no key
    no_token = requests.post(
        f"{url}/notes", json={"id": "a"}, headers={"x-api-key": headers["x-api-key"]}
    )
    assert no_token.status_code == 401 and no_token.json() == {"message": "Unauthorized"}
    denied = {**headers, "Authorization": "Bearer reader"}
    assert requests.post(f"{url}/notes", json={"id": "a"}, headers=denied).status_code == 403
    invalid = requests.post(f"{url}/notes", json={"text": "no id"}, headers=headers)
    assert invalid.status_code == 400 and invalid.json() == {"message": "Invalid request body"}
    created = requests.post(f"{url}/notes", json={"id": "a", "text": "hi"}, headers=headers)
    assert created.status_code == 201 and created.json()["version"] == "v1"
    read = requests.get(f"{url}/notes/a")
    assert read.status_code == 200 and read.json() == {"id": "a", "text": "hi", "greeting": "hello"}


def test_cors_preflight_is_a_mock_method(deployed):
    aws, service, result, url, lines = deployed
    response = requests.options(f"{url}/notes")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS,POST"
    assert "X-Api-Key" in response.headers["Access-Control-Allow-Headers"]


def test_sqs_event_source_runs_the_worker(deployed):
    aws, service, result, url, lines = deployed
    sqs = boto3.client("sqs")
    queue = sqs.get_queue_url(QueueName="notes-dev-work")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"id": "from-sqs"}))
    table = boto3.resource("dynamodb").Table("notes-dev")
    for _ in range(100):
        item = table.get_item(Key={"id": "from-sqs"}).get("Item")
        if item:
            break
        aws.clock.sleep(0.1)
    assert item == {"id": "from-sqs", "text": "from the queue"}


def test_iam_audit_warns_about_calls_the_role_does_not_allow(deployed):
    aws, service, result, url, lines = deployed
    assert requests.get(f"{url}/notes").status_code == 200  # scan: not in the statements
    warnings = deploy.info(service, aws).warnings
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(
        "notes-dev-scan called dynamodb:Scan on arn:aws:dynamodb:eu-west-1:123456789012:"
        "table/notes-dev (1x) but its role does not allow it"
    )


def test_unchanged_service_is_not_redeployed_unless_forced(deployed):
    aws, service, result, url, lines = deployed
    again: list[str] = []
    assert deploy.deploy(service, aws, out=again.append).changed is False
    assert again[-1].startswith("Service files not changed. Skipping deployment")
    forced = deploy.deploy(service, aws, force=True, out=lambda line: None)
    assert forced.changed and forced.info.rest_api_id == result.info.rest_api_id
    assert requests.get(f"{url}/notes").status_code == 200  # still served after the update


def test_deploy_function_swaps_code_and_a_full_deploy_updates(deployed):
    aws, service, result, url, lines = deployed
    code = service.root / "src" / "notes.py"
    code.write_text(code.read_text().replace('VERSION = "v1"', 'VERSION = "v2"'))
    deploy.deploy_function(service, aws, "scan", out=lambda line: None)
    assert requests.get(f"{url}/notes").json()["version"] == "v2"
    changed = deploy.deploy(service, aws, out=lambda line: None)
    assert changed.changed
    response = requests.post(f"{url}/notes", json={"id": "b"}, headers=key_headers(result))
    assert response.json()["version"] == "v2"


def test_region_mismatch_is_a_clear_error():
    service = Service.load(SERVICE, env={})
    with (
        sandbox() as aws,
        pytest.raises(deploy.DeployError, match='sandbox\\(region="eu-west-1"\\)'),
    ):
        deploy.deploy(service, aws)


def test_remove_deletes_everything(tmp_path):
    folder = tmp_path / "notes"
    shutil.copytree(SERVICE, folder)
    service = Service.load(folder, env={})
    with sandbox(region="eu-west-1") as aws:
        deploy.deploy(service, aws, out=lambda line: None)
        lines: list[str] = []
        assert deploy.remove(service, aws, out=lines.append) is True
        assert lines == ["Service notes has been successfully removed (stack notes-dev)"]
        assert boto3.client("cloudformation").describe_stacks()["Stacks"] == []
        assert boto3.client("lambda").list_functions()["Functions"] == []
        assert boto3.client("dynamodb").list_tables()["TableNames"] == []
        apigw = boto3.client("apigateway")
        assert apigw.get_rest_apis()["items"] == []
        assert apigw.get_api_keys()["items"] == [] and apigw.get_usage_plans()["items"] == []
        assert deploy.remove(service, aws, out=lines.append) is False


def test_a_second_deploy_at_the_same_frozen_instant_still_ships_the_new_code(tmp_path):
    """A frozen sandbox clock gives both deploys the same time: the second takes the next
    millisecond for its upload prefix, or CloudFormation would see the same S3 key and keep
    the old code while deploy said "Service deployed"."""
    folder = tmp_path / "notes"
    shutil.copytree(SERVICE, folder)
    service = Service.load(folder, env={})
    with sandbox(region="eu-west-1", clock="virtual") as aws:
        first = deploy.package(service, aws, write=False)
        deploy.deploy(service, aws, out=lambda line: None)
        code = folder / "src" / "notes.py"
        code.write_text(code.read_text().replace('VERSION = "v1"', 'VERSION = "v2"'))
        assert deploy.deploy(service, aws, out=lambda line: None).changed
        uploads = {
            item["Key"].split("/")[3]
            for item in boto3.client("s3").list_objects_v2(
                Bucket=_bucket(service), Prefix="serverless/notes/dev/"
            )["Contents"]
        }
        assert len(uploads) == 2 and f"{first.stamp + 1}-" in " ".join(uploads)
        answer = boto3.client("lambda").invoke(FunctionName="notes-dev-scan", Payload=b"{}")
        assert json.loads(json.load(answer["Payload"])["body"])["version"] == "v2"


def _bucket(service) -> str:
    stack = boto3.client("cloudformation").describe_stacks(StackName=service.stack_name)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0]["Outputs"]}
    return outputs["ServerlessDeploymentBucketName"]
