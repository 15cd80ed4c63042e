"""serverless.yml reading: variables, errors naming line and key, the compiled template."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from workshop_lib.framework import compile as cfn
from workshop_lib.framework import deploy
from workshop_lib.framework.config import ConfigError
from workshop_lib.framework.package import build_artifact, glob_regex, select_files
from workshop_lib.framework.service import Service

SERVICE = Path(__file__).parent / "framework_service"


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "serverless.yml").write_text(text)
    return folder


BASE = """\
service: demo
provider:
  name: aws
  runtime: python3.12
functions:
  hello:
    handler: handler.hello
"""


def test_variables_of_every_kind_resolve():
    service = Service.load(SERVICE, env={"NOTES_GREETING": "hi"})
    env = service.functions["get"].environment
    assert env == {"NOTES_TABLE": "notes-dev", "GREETING": "hi", "STAGE": "dev"}
    assert service.functions["get"].memory_mb == 256  # ${file(./settings.yml):settings}.memory
    assert service.functions["get"].name == "notes-dev-get"
    assert service.region == "eu-west-1"


def test_options_and_defaults_change_with_the_stage():
    service = Service.load(SERVICE, stage="prod", env={})
    env = service.functions["get"].environment
    assert env == {"NOTES_TABLE": "notes-production", "GREETING": "hello", "STAGE": "prod"}
    test = Service.load(SERVICE, stage="test", env={})  # no custom.tableNames.test: the default
    assert test.functions["get"].environment["NOTES_TABLE"] == "notes-test"
    assert test.stack_name == "notes-test"


def test_nested_variables_and_whole_value_types(tmp_path):
    folder = write(
        tmp_path,
        BASE
        + "custom:\n  sizes: {dev: 512}\n  obj: ${self:custom.sizes}\n"
        + "  both: ${self:custom.sizes.${sls:stage}}-MB\n",
    )
    config = Service.load(folder).config
    assert config["custom"]["obj"] == {"dev": 512}
    assert config["custom"]["both"] == "512-MB"


def test_unresolvable_variable_names_line_and_key(tmp_path):
    folder = write(tmp_path, BASE + "    environment:\n      TABLE: ${env:SURELY_NOT_SET_123}\n")
    with pytest.raises(ConfigError) as info:
        Service.load(folder, env={})
    message = str(info.value)
    assert "serverless.yml, line 9" in message
    assert "functions.hello.environment.TABLE" in message
    assert "add a default" in message


def test_circular_self_references_are_reported(tmp_path):
    folder = write(tmp_path, BASE + "custom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\n")
    with pytest.raises(ConfigError, match="in a circle"):
        Service.load(folder)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BASE.replace("handler: handler.hello", "handlr: handler.hello"),
         "line 7: unknown key 'handlr'"),
        (BASE.replace("  runtime:", "  runtim:"),
         "line 4: unknown key 'runtim' in provider; did you mean 'runtime'"),
        (BASE + "  bad: [\n", "not valid YAML"),
        (BASE + "foo: 1\n", "line 8: unknown key 'foo' in the top level"),
        (BASE + "    events:\n      - htp: {path: x, method: get}\n", "line 9: unknown key 'htp'"),
        (BASE + "    events:\n      - http: {path: x, method: fetch}\n", "http method 'fetch'"),
        (BASE.replace("python3.12", "nodejs18.x"), "runs Python functions"),
        (BASE + "  other: {}\n", "needs a 'handler'"),
        (BASE + "resources:\n  Resources:\n    T: !Ref X\n", "long form"),
    ],
)  # fmt: skip
def test_bad_configuration_is_a_clear_error(tmp_path, text, expected):
    with pytest.raises(ConfigError, match=expected.replace("[", r"\[").replace("(", r"\(")):
        Service.load(write(tmp_path, text))


def test_missing_file_says_how_to_start(tmp_path):
    with pytest.raises(ConfigError, match="workshop sls create"):
        Service.load(tmp_path)


def test_naming_follows_the_framework():
    assert cfn.normalize_function_name("apps-create") == "AppsDashcreate"
    assert cfn.normalize_function_name("my_fn") == "MyUnderscorefn"
    assert cfn.resource_id("apps/{id}/releases/{release}") == (
        "ApiGatewayResourceAppsIdVarReleasesReleaseVar"
    )
    assert cfn.method_id("apps/{id}", "get") == "ApiGatewayMethodAppsIdVarGet"


def test_template_has_the_framework_resources():
    service = Service.load(SERVICE, env={})
    template = deploy.package(service, write=False).template
    resources = template["Resources"]
    for logical in [
        "ServerlessDeploymentBucket", "IamRoleLambdaExecution", "CreateLambdaFunction",
        "CreateLogGroup", "ApiGatewayRestApi", "ApiGatewayResourceNotes",
        "ApiGatewayResourceNotesIdVar", "ApiGatewayMethodNotesPost", "ApiGatewayMethodNotesGet",
        "ApiGatewayMethodNotesOptions", "ApiGatewayMethodNotesIdVarGet", "AuthApiGatewayAuthorizer",
        "ApiGatewayApiKey1", "ApiGatewayUsagePlan", "ApiGatewayUsagePlanKey1",
        "ApiGatewayNotesRequestValidator", "ApiGatewayMethodNotesPostApplicationJsonModel",
        "CreateLambdaPermissionApiGateway", "WorkerEventSourceMappingSQSNotesQueue",
        "NotesTable", "NotesQueue",
    ]:  # fmt: skip
        assert logical in resources, logical
    deployments = [k for k in resources if k.startswith("ApiGatewayDeployment")]
    assert len(deployments) == 1
    assert resources[deployments[0]]["Properties"]["StageName"] == "dev"
    post = resources["ApiGatewayMethodNotesPost"]["Properties"]
    assert post["AuthorizationType"] == "CUSTOM" and post["ApiKeyRequired"] is True
    role = resources["IamRoleLambdaExecution"]["Properties"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
            "Resource": {"Fn::GetAtt": ["NotesTable", "Arn"]}} in statements  # fmt: skip
    assert set(template["Outputs"]) >= {
        "ServerlessDeploymentBucketName", "ServiceEndpoint", "NotesTableName",
        "CreateLambdaFunctionQualifiedArn",
    }  # fmt: skip


def test_templates_are_cfn_lint_clean():
    from cfnlint.api import ManualArgs, lint

    service = Service.load(SERVICE, env={})
    packaged = deploy.package(service, write=False)
    for template in (packaged.create_template, packaged.template):
        matches = lint(json.dumps(template), config=ManualArgs(regions=["eu-west-1"]))
        assert [str(m) for m in matches] == []


def test_package_excludes_patterns_and_is_deterministic(tmp_path):
    folder = tmp_path / "svc"
    shutil.copytree(SERVICE, folder)
    (folder / "src" / "__pycache__").mkdir()
    (folder / "src" / "__pycache__" / "notes.cpython-311.pyc").write_bytes(b"x")
    service = Service.load(folder, env={})
    first = build_artifact(service)
    assert first.files == ["serverless.yml", "src/notes.py"]
    assert build_artifact(service).data == first.data
    packaged = deploy.package(service)
    written = sorted(p.name for p in (folder / ".serverless").iterdir())
    assert written == [
        "cloudformation-template-create-stack.json",
        "cloudformation-template-update-stack.json",
        "notes.zip",
        "serverless-state.json",
    ]
    assert (folder / ".serverless" / "notes.zip").read_bytes() == packaged.artifact.data
    assert select_files(folder, ["!src/**", "src/notes.py"]) == [
        "serverless.yml",
        "settings.yml",
        "src/notes.py",
        "tests/excluded.txt",
    ]


def test_glob_patterns():
    assert glob_regex("**/__pycache__/**").match("a/b/__pycache__/x.pyc")
    assert glob_regex("**/__pycache__/**").match("__pycache__/x.pyc")
    assert not glob_regex("*.py").match("a/b.py")
    assert glob_regex("tests/**").match("tests/unit/test_x.py")
