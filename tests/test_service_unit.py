"""The demo service's shape, without running it: serverless.yml, handler strings, the schema.

Its behaviour is tested by its own suite, solutions/service/tests.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

SERVICE = Path(__file__).resolve().parent.parent / "solutions" / "service"
FUNCTIONS = {
    "apps-create": ("POST", "apps"),
    "apps-list": ("GET", "apps"),
    "apps-get": ("GET", "apps/{id}"),
    "apps-release-get": ("GET", "apps/{id}/releases/{release}"),
    "apps-release-delete": ("DELETE", "apps/{id}/releases/{release}"),
    "authorize": None,
}


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load((SERVICE / "serverless.yml").read_text(encoding="utf-8"))


def test_serverless_yml_has_the_talks_shape(config):
    assert config["service"] == "serverless-test"
    provider = config["provider"]
    assert (provider["name"], provider["region"], provider["stage"]) == ("aws", "eu-west-1", "dev")
    assert provider["runtime"].startswith("python3")
    # variables are left for the framework to resolve
    environment = provider["environment"]
    assert environment["DYNAMODB_APPS_TABLE"] == "apps-${opt:stage, self:provider.stage}"
    assert environment["JWT_SECRET"].startswith("${env:JWT_SECRET, ")
    assert set(config["functions"]) == set(FUNCTIONS)


def test_iam_is_least_privilege_on_the_table(config):
    (statement,) = config["provider"]["iamRoleStatements"]
    assert statement["Effect"] == "Allow"
    # exactly the calls the repository makes: put_item -> dynamodb:PutItem, ...
    source = (SERVICE / "repositories" / "apps.py").read_text(encoding="utf-8")
    called = set(re.findall(r"\.table\.(\w+)\(", source))
    expected = {"dynamodb:" + name.title().replace("_", "") for name in called}
    assert set(statement["Action"]) == expected
    assert statement["Resource"] == {"Fn::GetAtt": ["AppsTable", "Arn"]}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_handler_string_names_a_function_in_a_file(config, name):
    module, _, function = config["functions"][name]["handler"].rpartition(".")
    source = SERVICE / f"{module}.py"
    assert source.is_file(), f"{name}: no {source.relative_to(SERVICE)}"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert function in defined, f"{name}: {module}.py defines no {function}()"


@pytest.mark.parametrize("name", sorted(n for n, route in FUNCTIONS.items() if route))
def test_each_route_is_private_with_cors_and_writes_need_a_token(config, name):
    (event,) = config["functions"][name]["events"]
    http = event["http"]
    assert (http["method"].upper(), http["path"]) == FUNCTIONS[name]
    assert http["cors"] is True and http["private"] is True
    if http["method"].upper() in ("POST", "DELETE"):
        assert http["authorizer"] == {
            "name": "authorize",
            "identitySource": "method.request.header.Authorization",
            "type": "token",
        }
    else:
        assert "authorizer" not in http


def test_the_table_has_the_talks_keys(config):
    table = config["resources"]["Resources"]["AppsTable"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    keys = {k["AttributeName"]: k["KeyType"] for k in table["Properties"]["KeySchema"]}
    assert keys == {"id": "HASH", "release": "RANGE"}


def test_the_release_schema_is_a_valid_json_schema():
    schema = json.loads((SERVICE / "schemas" / "release.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"id", "release", "version"}
