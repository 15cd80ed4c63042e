"""Exercises 7.1-7.3: right answers pass, typical mistakes get a hint naming them.

Each test writes notebook 07's service (the talk's ``serverless.yml`` with the real
``apps-create``) into a folder of its own, deploys it into a sandbox in eu-west-1 on a
frozen clock, and POSTs one app, so the sandbox has seen ``dynamodb:PutItem``. The wrong
answers are edits a learner would make.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import requests

from tests.exercise_helpers import failed_with, not_attempted, passes
from workshop_lib import authoring, sandbox
from workshop_lib.exercises import exercises_of
from workshop_lib.framework import Service
from workshop_lib.framework import deploy as framework

SERVERLESS_YML = """\
service: serverless-test

frameworkVersion: '3'

provider:
  name: aws
  runtime: python3.12
  stage: dev
  region: eu-west-1
  memorySize: 128
  environment:
    DYNAMODB_APPS_TABLE: apps-${opt:stage, self:provider.stage}
  iamRoleStatements:
    - Effect: Allow
      Action:
        - dynamodb:Query
        - dynamodb:Scan
      Resource:
        Fn::GetAtt: [AppsTable, Arn]

resources:
  Resources:
    AppsTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: apps-${opt:stage, self:provider.stage}
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - {AttributeName: id, AttributeType: S}
          - {AttributeName: release, AttributeType: N}
        KeySchema:
          - {AttributeName: id, KeyType: HASH}
          - {AttributeName: release, KeyType: RANGE}

functions:
  apps-create:
    handler: apps/create.create
    events:
      - http:
          path: apps
          method: post
          cors: true
  apps-delete:
    handler: apps/delete_mock.delete
    events:
      - http:
          path: apps/{id}/releases/{release}
          method: delete
          cors: true
"""

CREATE_PY = """\
import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["DYNAMODB_APPS_TABLE"])


def create(event, context):
    app = json.loads(event["body"])
    app.setdefault("release", 1)
    table.put_item(Item=app)
    return {"statusCode": 201, "body": json.dumps(app)}
"""

DELETE_PY = """\
def delete(event, context):
    return {"statusCode": 204, "body": ""}
"""

LIST_PY = """\
import json
import os

import boto3

TABLE = os.environ["DYNAMODB_APPS_TABLE"]


def list_apps(event, context):
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    ids = sorted(item["id"]["S"] for item in items)
    return {"statusCode": 200, "body": json.dumps(ids)}
"""

LIST_FUNCTION = """\
  apps-list:
    handler: apps/list.list_apps
    events:
      - http:
          path: apps
          method: get
"""

PUT_ITEM = "        - dynamodb:Scan\n        - dynamodb:PutItem\n"


def test_exercises_are_registered_in_order():
    assert [ex.id for ex in exercises_of("07")] == authoring.exercise_ids("07")


class Folder:
    """The learner's service folder, and the sandbox it is deployed into."""

    def __init__(self, root: Path, aws) -> None:
        self.root, self.aws = root, aws

    @property
    def path(self) -> str:
        return str(self.root)

    def write(self, name: str, text: str) -> None:
        (self.root / name).parent.mkdir(parents=True, exist_ok=True)
        (self.root / name).write_text(textwrap.dedent(text))

    def edit(self, old: str, new: str) -> None:
        yml = self.root / "serverless.yml"
        assert old in yml.read_text()
        yml.write_text(yml.read_text().replace(old, new, 1))

    def deploy(self, stage: str | None = None) -> None:
        self.aws.clock.advance(60)  # a deployment folder of its own in the bucket
        result = framework.deploy(
            Service.load(self.root, stage=stage), self.aws, out=lambda _: None
        )
        assert result.stack_name

    def post(self, app: dict) -> None:
        endpoint = framework.info(Service.load(self.root), self.aws).endpoint
        assert requests.post(endpoint + "/apps", json=app, timeout=30).status_code == 201


@pytest.fixture
def aws():
    with sandbox(region="eu-west-1", clock="virtual") as box:
        yield box


@pytest.fixture
def service(aws, tmp_path):
    folder = Folder(tmp_path / "serverless-test", aws)
    folder.write("serverless.yml", SERVERLESS_YML)
    folder.write("apps/create.py", CREATE_PY)
    folder.write("apps/delete_mock.py", DELETE_PY)
    folder.deploy()
    folder.post({"id": "weather", "name": "Weather"})
    return folder


def test_checks_need_a_sandbox(tmp_path):
    for exercise_id in ("7.1", "7.2", "7.3"):
        failed_with(exercise_id, str(tmp_path), "no sandbox is running", "sandbox(")


def test_checks_need_the_folder(aws, tmp_path):
    failed_with("7.1", 42, "expected the service's folder", "check('7.1', 'serverless-test')")
    failed_with("7.2", str(tmp_path), "there is no serverless.yml", "the folder")


def test_after_a_restart_the_checks_say_to_run_the_cells_above(aws, tmp_path, monkeypatch):
    """A restarted kernel's first cell makes a new, empty scratch folder: the learner passed
    the right name, and the cells that create the service have not run again yet."""
    monkeypatch.chdir(tmp_path)
    for exercise_id in ("7.1", "7.2", "7.3"):
        failed_with(
            exercise_id,
            "serverless-test",
            "there is no folder 'serverless-test' in this kernel's scratch folder",
            "run the cells above first (Run > Run All Above)",
        )


def test_a_broken_file_is_reported_with_its_line(service):
    service.edit("memorySize: 128", "memorysize: 128")
    failed_with("7.3", service.path, "line 10", "did you mean 'memorySize'", "fix the line")


# -- 7.1: the role ----------------------------------------------------------------------------
def test_7_1_untouched_is_not_attempted(service):
    not_attempted("7.1", service.path)


def test_7_1_edited_but_not_deployed_then_deployed(service):
    service.edit("        - dynamodb:Scan\n", PUT_ITEM)
    failed_with("7.1", service.path, "the deployed role does not yet", "full", "never the role")
    service.deploy()
    passes("7.1", service.path)
    passes("7.1", service.path)


@pytest.mark.parametrize(
    "statement, phrases",
    [
        ("        - dynamodb:Scan\n        - dynamodb:PutItems\n", ["do not allow", "PutItem"]),
        ("        - dynamodb:Scan\n        - dynamodb:*\n", ["DeleteTable", "'dynamodb:*'"]),
    ],
)
def test_7_1_wrong_actions_get_a_hint(service, statement, phrases):
    service.edit("        - dynamodb:Scan\n", statement)
    service.deploy()
    failed_with("7.1", service.path, *phrases)


def test_7_1_every_table_is_too_much(service):
    service.edit(
        "      Resource:\n        Fn::GetAtt: [AppsTable, Arn]\n",
        "      Resource:\n        Fn::GetAtt: [AppsTable, Arn]\n"
        "    - Effect: Allow\n      Action: [dynamodb:PutItem]\n      Resource: '*'\n",
    )
    service.deploy()
    failed_with("7.1", service.path, "on every table", "least privilege")


def test_7_1_without_a_recorded_call(aws, service):
    aws.reset()  # forgets the recorded calls (and everything else)
    service.edit("        - dynamodb:Scan\n", PUT_ITEM)
    failed_with("7.1", service.path, "has not seen apps-create call dynamodb:PutItem")


# -- 7.2: a function with a GET event ---------------------------------------------------------
def test_7_2_untouched_is_not_attempted(service):
    not_attempted("7.2", service.path)


def test_7_2_step_by_step(service):
    service.edit("functions:\n", "functions:\n" + LIST_FUNCTION.replace("path: apps", "path: list"))
    failed_with("7.2", service.path, "not on /apps", "path: apps")
    service.edit("path: list", "path: apps")
    failed_with("7.2", service.path, "apps/list.py, which does not exist")
    service.write("apps/list.py", LIST_PY)
    failed_with("7.2", service.path, "is not deployed", "full", "deploy function")
    service.deploy()
    passes("7.2", service.path)
    service.post({"id": "maps", "name": "Maps"})  # the answer follows the table
    passes("7.2", service.path)


def test_7_2_a_function_without_an_event(service):
    service.edit("functions:\n", "functions:\n  apps-list:\n    handler: apps/list.list_apps\n")
    failed_with("7.2", service.path, "no function of serverless.yml has an http event")


@pytest.mark.parametrize(
    "source, phrases",
    [
        (LIST_PY.replace('"body": json.dumps(ids)', '"body": ids'), ["502", "json.dumps"]),
        (LIST_PY.replace("import json\n", ""), ["502", "NameError"]),
        (LIST_PY.replace("json.dumps(ids)", 'json.dumps({"apps": ids})'), ["not a list"]),
        (LIST_PY.replace("sorted(item", "list(item"), []),  # one item: sorted or not
        (LIST_PY.replace('item["id"]["S"]', 'item["name"]["S"]'), ["holds", "sorted ids"]),
    ],
)
def test_7_2_wrong_handlers_get_a_hint(service, source, phrases):
    service.edit("functions:\n", "functions:\n" + LIST_FUNCTION)
    service.write("apps/list.py", source)
    service.deploy()
    if phrases:
        failed_with("7.2", service.path, *phrases)
    else:
        passes("7.2", service.path)


# -- 7.3: memory per stage ------------------------------------------------------------------
MEMORY = "  memorySize: ${self:custom.memory.${sls:stage}, 128}\n"
CUSTOM = "custom:\n  memory:\n    prod: 512\n\nprovider:\n"


def test_7_3_untouched_is_not_attempted(service):
    not_attempted("7.3", service.path)


def test_7_3_step_by_step(service):
    service.edit("  memorySize: 128\n", MEMORY.replace(", 128}", "}"))
    service.edit("provider:\n", CUSTOM)
    failed_with("7.3", service.path, "cannot be read", "cannot resolve", "add a default")
    service.edit(MEMORY.replace(", 128}", "}"), MEMORY)
    failed_with("7.3", service.path, "stage prod is not deployed", "deploy --stage prod")
    service.deploy(stage="prod")
    passes("7.3", service.path)


@pytest.mark.parametrize(
    "memory, phrases",
    [
        ("  memorySize: 512\n", ["fixed value 512", "${self:custom.memory"]),
        ("  memorySize: ${self:custom.memory.${sls:stage}, 512}\n", ["--stage dev", "512 MB"]),
    ],
)
def test_7_3_wrong_memory_gets_a_hint(service, memory, phrases):
    service.edit("  memorySize: 128\n", memory)
    service.edit("provider:\n", CUSTOM)
    failed_with("7.3", service.path, *phrases)
