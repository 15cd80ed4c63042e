"""serverless.yml reading: variables, errors naming line and key, the compiled template."""

from __future__ import annotations

import json
import re
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
         "line 6: function 'hello' needs a 'handler' ('handlr' on line 7: a typo?)"),
        (BASE + "  bad: [\n", "not valid YAML"),
        (BASE + "    events:\n      - http: {path: x, method: fetch}\n", "http method 'fetch'"),
        (BASE.replace("python3.12", "nodejs18.x"), "runs Python functions"),
        (BASE + "  other: {}\n", "needs a 'handler'"),
        (BASE + "resources:\n  Resources:\n    T: !Ref X\n", "long form"),
        (BASE.replace("  runtime: python3.12\n", "  runtime: python3.12\n  environment: oops\n"),
         "line 5: provider.environment must be a mapping of NAME: value, not the text 'oops'; "
         "write it like environment: {TABLE: notes}"),
        (BASE + "    events: {http: x}\n",
         "line 8: functions.hello.events must be a list of events"),
        (BASE + "    events:\n      - {http: {path: x, method: get}, sqs: q}\n",
         "line 9: functions.hello.events.0 must be one mapping such as '- http: ...'"),
        (BASE + "package:\n  patterns: '!tests/**'\n", "line 9: package.patterns must be a list"),
        ("frameworkVersion: '>=1.1.0 <=2.1.1'\n" + BASE,
         'line 1: The Serverless version (3.40.0) does not satisfy the "frameworkVersion" '
         "(>=1.1.0 <=2.1.1) in serverless.yml"),
        (BASE + "plugins: [serverless-lift]\n", "plugin 'serverless-lift' is not available in the "
         "sandbox (it would have built the `constructs:`"),
        (BASE + "plugins: [serverless-foo]\n", "plugin 'serverless-foo' is not available"),
    ],
)  # fmt: skip
def test_bad_configuration_is_a_clear_error(tmp_path, text, expected):
    with pytest.raises(ConfigError, match=re.escape(expected)):
        Service.load(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BASE.replace("  runtime:", "  runtim: python3.12\n  runtime:"),
         "line 4: unknown key 'runtim' in provider; did you mean 'runtime'?"),
        (BASE + "foo: 1\n", "line 8: unknown key 'foo' in the top level"),
        (BASE + "    events:\n      - htp: {path: x, method: get}\n", "line 9: unknown key 'htp'"),
        (BASE + "    cors: true\n", "line 8: unknown key 'cors' in functions.hello"),
        (BASE + "    events:\n      - http: {path: x, method: get, request: {paths: {id: true}}}\n",
         "line 9: unknown key 'paths' in functions.hello.events.0.http.request"),
        (BASE + "constructs:\n  jobs: {type: queue}\n", "line 8: unknown key 'constructs'"),
    ],
)  # fmt: skip
def test_unknown_keys_follow_config_validation_mode(tmp_path, text, expected):
    """v3: a warning naming file, line and key by default; refused with 'error'; 'off'."""
    service = Service.load(write(tmp_path, text))
    assert [w for w in service.warnings if expected in w] != [], service.warnings
    write(tmp_path, "configValidationMode: error\n" + text)
    with pytest.raises(ConfigError, match=re.escape("unknown key")):
        Service.load(tmp_path)
    write(tmp_path, "configValidationMode: off\n" + text)
    assert Service.load(tmp_path).warnings == []


def test_framework_version_ranges(tmp_path):
    for wanted in ("'3'", "^3.0.0", "'>=2.0.0 <4'", "3.40.0"):
        Service.load(write(tmp_path, f"frameworkVersion: {wanted}\n" + BASE))
    for wanted in ("'2'", "'>=1.1.0 <=2.1.1'", "^4.0.0"):
        with pytest.raises(ConfigError, match="does not satisfy"):
            Service.load(write(tmp_path, f"frameworkVersion: {wanted}\n" + BASE))
    service = Service.load(write(tmp_path, "frameworkVersion: not-a-range\n" + BASE))
    assert "does not represent a valid semver version range" in service.warnings[0]


def test_provider_stage_default_is_applied_after_variables_as_v3_does(tmp_path):
    """serverless@3 stops at ${opt:stage, self:provider.stage} without provider.stage (its
    default dev comes after variables): so does the sandbox, saying what to pass."""
    text = BASE + "custom:\n  table: t-${opt:stage, self:provider.stage}\n  s: ${sls:stage}\n"
    with pytest.raises(ConfigError, match=re.escape("pass --stage or set provider.stage")):
        Service.load(write(tmp_path, text))
    service = Service.load(tmp_path, stage="dev")
    assert service.config["custom"] == {"table": "t-dev", "s": "dev"}
    assert service.stage == "dev" and service.region == "us-east-1"  # the defaults, after


def test_whole_file_variables(tmp_path):
    (tmp_path / "env.yml").write_text("TABLE: t-${sls:stage}\nLEVEL: debug\n")
    text = BASE.replace(
        "  runtime: python3.12\n", "  runtime: python3.12\n  environment: ${file(./env.yml)}\n"
    )
    text += "custom:\n  level: ${file(./env.yml):LEVEL}\n"
    service = Service.load(write(tmp_path, text))
    assert service.functions["hello"].environment == {"TABLE": "t-dev", "LEVEL": "debug"}
    assert service.config["custom"]["level"] == "debug"
    (tmp_path / "env.yml").write_text("TABLE: [\n")
    with pytest.raises(ConfigError, match=r"env.yml, line 2 is not valid YAML"):
        Service.load(tmp_path)


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
    assert first.files == ["src/notes.py"]  # serverless.yml stays out, as in v3
    assert build_artifact(service).data == first.data
    packaged = deploy.package(service)
    written = sorted(p.name for p in (folder / ".serverless").iterdir())
    assert written == [
        "cloudformation-template-create-stack.json",
        "cloudformation-template-update-stack.json",
        "notes.zip",
        "serverless-state.json",
    ]
    assert (folder / ".serverless" / "notes.zip").read_bytes() == packaged.packages.main.data
    assert select_files(folder, ["!src/**", "src/notes.py"]) == [
        "settings.yml",
        "src/notes.py",
        "tests/excluded.txt",
    ]


def test_glob_patterns():
    assert glob_regex("**/__pycache__/**").match("a/b/__pycache__/x.pyc")
    assert glob_regex("**/__pycache__/**").match("__pycache__/x.pyc")
    assert not glob_regex("*.py").match("a/b.py")
    assert glob_regex("tests/**").match("tests/unit/test_x.py")


def _zip_names(data: bytes) -> list[str]:
    import io
    import zipfile

    return sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())


def _service_with_files(tmp_path: Path, text: str) -> Service:
    for name in ("handler.py", "lib/util.py", "README.md", "tests/test_handler.py", "other.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    return Service.load(write(tmp_path, text))


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        # the deprecated include/exclude: excludes first, then includes put back
        ("  exclude: ['**']\n  include: [handler.py]\n", ["handler.py"]),
        ("  include: [handler.py]\n  exclude: ['**']\n", ["handler.py"]),
        ("  exclude: ['tests/**', README.md]\n", ["handler.py", "lib/util.py", "other.py"]),
        # v3 patterns, in order
        ("  patterns: ['!**', handler.py, 'lib/**']\n", ["handler.py", "lib/util.py"]),
        ("  patterns: ['!lib/**', '!{README.md,other.py}', '!tests/**']\n", ["handler.py"]),
        ("  exclude: ['**']\n  patterns: ['*.py', '!other.py']\n", ["handler.py"]),
        # a leading ./ is dropped, as picomatch does
        ("  patterns: ['!./**', './lib/**/*.py', './handler.py']\n", ["handler.py", "lib/util.py"]),
    ],
)  # fmt: skip
def test_package_patterns_in_the_framework_order(tmp_path, package, expected):
    service = _service_with_files(tmp_path, BASE + "package:\n" + package)
    assert build_artifact(service).files == expected


def test_package_individually_and_artifacts(tmp_path):
    text = BASE + (
        "    package: {patterns: ['!lib/**']}\n"
        "  other:\n    handler: other.main\n    package: {patterns: ['!handler.py']}\n"
        "  given:\n    handler: handler.hello\n    package: {artifact: prebuilt.zip}\n"
        "package:\n  individually: true\n  patterns: ['!tests/**', '!README.md']\n"
    )
    import zipfile

    service = _service_with_files(tmp_path, text)
    with zipfile.ZipFile(tmp_path / "prebuilt.zip", "w") as z:
        z.writestr("handler.py", "def hello(e, c): return 1\n")
    packaged = deploy.package(service)
    zips = {key: a for key, a in packaged.packages.by_function.items()}
    assert zips["hello"].name == "hello.zip" and zips["hello"].files == [
        "handler.py",
        "other.py",
        "prebuilt.zip",
    ]
    assert zips["other"].files == ["lib/util.py", "other.py", "prebuilt.zip"]
    assert zips["given"].name == "prebuilt.zip" and zips["given"].files == ["handler.py"]
    functions = packaged.template["Resources"]
    assert functions["OtherLambdaFunction"]["Properties"]["Code"]["S3Key"].endswith("/other.zip")
    assert functions["GivenLambdaFunction"]["Properties"]["Code"]["S3Key"].endswith("/prebuilt.zip")
    written = {p.name for p in (tmp_path / ".serverless").iterdir()}
    assert {"hello.zip", "other.zip", "prebuilt.zip"} <= written
    (tmp_path / "prebuilt.zip").unlink()
    with pytest.raises(
        ValueError, match="line 14: Cannot access package artifact at 'prebuilt.zip'"
    ):
        deploy.package(Service.load(tmp_path))


def test_no_file_matched_is_one_line(tmp_path):
    service = _service_with_files(tmp_path, BASE + "package:\n  patterns: ['!**']\n")
    with pytest.raises(ValueError, match="No file matches include / exclude patterns"):
        build_artifact(service)


def test_yaml_keys_are_strings_as_js_yaml_gives_them(tmp_path):
    """``true: x`` is the key "true" for the framework (JavaScript's String(key))."""
    text = BASE + "custom:\n  true: yes-please\n  1.0: one\n  ~: nothing\n"
    text += "  picked: ${self:custom.true}\n"
    custom = Service.load(write(tmp_path, text)).config["custom"]
    assert custom == {"true": "yes-please", "1": "one", "null": "nothing", "picked": "yes-please"}


def test_runtimes_lambda_no_longer_creates_follow_config_validation_mode(tmp_path):
    """v3's schema lists runtimes up to python3.11: python2.7 is its error (or warning); a
    newer runtime Lambda creates (python3.14) passes, as the sandbox deploys it."""
    old = BASE.replace("python3.12", "python2.7")
    with pytest.raises(ConfigError, match=r"line 5: Configuration error at 'provider.runtime'"):
        Service.load(write(tmp_path, "configValidationMode: error\n" + old))
    (warning,) = Service.load(write(tmp_path, old)).warnings
    assert "Configuration warning at 'provider.runtime': must be equal to one of" in warning
    newer = BASE.replace("python3.12", "python3.14")
    assert Service.load(write(tmp_path, "configValidationMode: error\n" + newer)).warnings == []
