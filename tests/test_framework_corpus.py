"""A corpus of real Python services, unmodified (tests/framework_corpus/*/SOURCE says where each
comes from), through `workshop sls print` and `package` as a new user runs them: no options.

Each service's outcome is stated below: it works, or it stops with one line that says why and
what to do, and where serverless@3 stops too, the sandbox stops at the same place.
``test_package_matches_serverless_3`` compares the sandbox's template with the real
framework's (npm serverless@3.40.0, run in a network namespace of its own: nothing can leave
the machine): the same logical ids and types, apart from hashed versions and deployments. It
takes minutes, so it runs only when asked: ``WORKSHOP_REFERENCE=serverless .venv/bin/python -m
pytest tests/test_framework_corpus.py -k serverless_3``. ``make corpus`` (benchmarks/corpus.py)
takes every service through offline, deploy + invoke and invoke local too, and prints the table
of steps.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from workshop_lib.framework.cli import main

CORPUS = Path(__file__).parent / "framework_corpus"
DEMO = Path(__file__).parent / "framework_service"
SERVICES = sorted(p.name for p in CORPUS.iterdir() if (p / "serverless.yml").is_file())
OK = "ok"
PASS_STAGE = "provider.stage is not set and no --stage was given"

#: (print, package) for each service: OK, or a part of the one line it stops with.
EXPECTED = {
    "aws-python": (OK, OK),
    # `- alexaSkill` (a bare event name): v3 warns "must be object" and goes on; so does the
    # sandbox, which also says it creates no alexaSkill trigger
    "aws-python-alexa-skill": (OK, OK),
    # the example expects the user to write secrets.json first; serverless@3 stops there too
    "aws-python-auth0-custom-authorizers-api": ("${file(./secrets.json):AUTH0_CLIENT_ID}",) * 2,
    # requirements.txt pins MarkupSafe 2.0.1; the sandbox bundles installed distributions
    "aws-python-flask-api": (OK, "pip install 'markupsafe==2.0.1'"),
    "aws-python-flask-dynamodb-api": (OK, "pip install 'markupsafe==2.0.1'"),
    # httpApi events: a warning (HTTP APIs are not created yet), the rest works
    "aws-python-http-api": (OK, OK),
    "aws-python-http-api-with-dynamodb": (OK, OK),
    "aws-python-http-api-with-pynamodb": (OK, "pip install 'pynamodb==4.3.1'"),
    "aws-python-line-echo-bot": (OK, "pip install 'line-bot-sdk==1.12.1'"),
    "aws-python-pynamodb-s3-sigurl": (OK, "pip install 'pynamodb>=3.1.0'"),
    "aws-python-rest-api": (OK, OK),
    # ${opt:stage, self:provider.stage} without provider.stage: serverless@3 stops as well
    "aws-python-rest-api-with-dynamodb": (PASS_STAGE,) * 2,
    "aws-python-rest-api-with-faunadb": (OK, "pip install 'faunadb==0.1.2'"),
    # ${env:MONGO_DB_USER} and friends: the user sets them first (v3 refuses an unset
    # ${env:...} without a default too)
    "aws-python-rest-api-with-pymongo": ("${env:MONGO_DB_USER}",) * 2,
    "aws-python-rest-api-with-pynamodb": (PASS_STAGE,) * 2,
    "aws-python-scheduled-cron": (OK, OK),
    "aws-python-simple-http-endpoint": (OK, OK),
    # Lift's constructs: named, with what to write instead
    "aws-python-sqs-worker": ("comes with the serverless-lift plugin",) * 2,
    "aws-python-telegram-bot": (OK, "pip install 'python-telegram-bot==13.11'"),
    # -- other repositories --
    "anomaly-python-starter": (OK, OK),
    # ${file(.env.yml):${self:provider.stage}} with no provider.stage: serverless@3 stops too
    "caulagi-rds-cron": (PASS_STAGE,) * 2,
    # `true: true` under custom is the key "true" (js-yaml), read by ${self:custom.true};
    # patterns written './handlers/**/*.py' match as picomatch does (the ./ dropped); its
    # Poetry dependencies (toml) go into the package as the plugin's poetry export does
    "makenew-serverless-python": (OK, "pip install 'toml<0.11,>=0.10.2'"),
    "matt-sm-python-dynamo": (PASS_STAGE,) * 2,
    "python-requirements-example": (OK, "pip install 'hug'"),
    # each function's module: folder is its zip's root, with that folder's requirements
    "python-requirements-individually": (OK, "pip install 'pyaml'"),
    "python-requirements-native-deps": (OK, "pip install 'sklearn"),
    # frameworkVersion '>=1.40.0 <2.0.0': serverless@3 refuses it with the same words
    "serinth-boilerplate": ('does not satisfy the "frameworkVersion"',) * 2,
    "serverless-curated-plugins-python": (OK, OK),
    # python2.7 with configValidationMode: error: v3's schema of runtimes stops it
    "serverless-offline-manual-python": ("Configuration error at 'provider.runtime'",) * 2,
    "serverless-template-aws-python3": (OK, OK),
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def copy(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name
    source = CORPUS / name if name != DEMO.name else DEMO  # the course's own test service too
    shutil.copytree(source, folder)
    return folder


def test_every_service_has_a_source_and_an_expectation():
    assert set(SERVICES) == set(EXPECTED)
    for name in SERVICES:
        source = (CORPUS / name / "SOURCE").read_text()
        for field in ("repository: https://github.com/", "path: ", "commit: ", "licence: "):
            assert field in source, (name, field)
        assert re.search(r"^commit: [0-9a-f]{40}$", source, re.M), name


@pytest.mark.parametrize("name", SERVICES)
def test_print_and_package_as_a_new_user_runs_them(name, tmp_path):
    folder = copy(name, tmp_path)
    for step, expected in zip(("print", "package"), EXPECTED[name], strict=True):
        status, out, err = run(step, "--service", str(folder))
        errors = [line for line in err.splitlines() if not line.startswith("workshop sls: warning")]
        assert "Traceback" not in err
        if expected == OK:
            assert status == 0 and errors == [], (step, err)
        else:
            assert status == 1 and len(errors) == 1, (step, err)
            assert expected in errors[0], (step, errors[0])
    if EXPECTED[name][1] == OK:
        template = json.loads(
            (folder / ".serverless" / "cloudformation-template-update-stack.json").read_text()
        )
        assert "ServerlessDeploymentBucketPolicy" in template["Resources"]


# -- the real framework, when asked ---------------------------------------------------------
#: Services serverless@3 cannot package here: their plugins come from npm (and pip, at package
#: time, from PyPI), which the reference run does not install.
NEEDS_PLUGINS = {n for n in SERVICES if "plugins:" in (CORPUS / n / "serverless.yml").read_text()}
#: What the sandbox does not create, and says so in a warning: HTTP APIs (issue #19) and
#: the triggers of events it does not build (alexaSkill).
NOT_YET = re.compile(r"^AWS::ApiGatewayV2::|HttpApi|AlexaSkill")


def _ids(template: dict) -> set[tuple[str, str]]:
    """(logical id, type), with the hashes of versions and deployments taken out."""
    out = set()
    for logical, spec in template["Resources"].items():
        logical = re.sub(r"(LambdaVersion)\w+$", r"\1", logical)
        logical = re.sub(r"^(ApiGatewayDeployment)\d+$", r"\1", logical)
        out.add((logical, spec["Type"]))
    return out


def _serverless_3() -> Path:
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    import targets  # noqa: E402 - benchmarks/ is not a package

    executable, reason = targets.ensure_serverless()
    if executable is None:
        pytest.skip(reason)
    if shutil.which("unshare") is None:
        pytest.skip("unshare is needed to run serverless@3 without a network")
    return executable


#: Each service as it is, the course's own test service, and the flagship REST + DynamoDB
#: example with the --stage and --region both frameworks need for it.
REFERENCE_RUNS = [
    *[(name, ()) for name in SERVICES],
    (DEMO.name, ()),
    ("aws-python-rest-api-with-dynamodb", ("--stage", "dev", "--region", "us-east-1")),
]


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("WORKSHOP_REFERENCE") != "serverless",
    reason="minutes of npm and node: WORKSHOP_REFERENCE=serverless runs it",
)
@pytest.mark.parametrize(("name", "options"), REFERENCE_RUNS)
def test_package_matches_serverless_3(name, options, tmp_path):
    serverless = _serverless_3()
    folder = copy(name, tmp_path)
    env = {
        **os.environ, "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
        "SLS_DEPRECATION_DISABLE": "*", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "HOME": str(tmp_path),
    }  # fmt: skip
    real = subprocess.run(
        ["unshare", "--net", "--map-root-user", str(serverless), "package", *options],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    written = folder / ".serverless" / "cloudformation-template-update-stack.json"
    if name in NEEDS_PLUGINS:
        assert real.returncode == 1 and "not found" in real.stdout + real.stderr
        pytest.skip(f"{name}: serverless@3 needs its plugins from npm: not compared")
    if real.returncode != 0:  # the sandbox must stop too, at the same place
        assert not options and EXPECTED.get(name, (OK, OK))[1] != OK, real.stdout[-500:]
        return
    reference = json.loads(written.read_text())
    shutil.rmtree(folder / ".serverless")
    status, _, err = run("package", "--service", str(folder), *options)
    assert status == 0, err
    ours = json.loads(written.read_text())
    theirs = {r for r in _ids(reference) if not NOT_YET.search(f"{r[1]} {r[0]}")}
    mine = {r for r in _ids(ours) if not NOT_YET.search(f"{r[1]} {r[0]}")}
    assert mine == theirs, (sorted(theirs - mine), sorted(mine - theirs))
    assert _ids(ours) <= _ids(reference)  # nothing the framework would not make


#: Functions whose handlers need nothing deployed: `invoke local` as a new user runs it.
INVOKE_LOCAL = {
    "aws-python": "hello",
    "aws-python-rest-api": "hello",
    "aws-python-http-api": "hello",
    "aws-python-scheduled-cron": "rateHandler",
    "aws-python-simple-http-endpoint": "currentTime",
}


@pytest.fixture(scope="module")
def one_sandbox():
    """One sandbox for the module's invoke local calls (each would start its own)."""
    from workshop_lib import sandbox

    aws = sandbox(region="us-east-1").start()
    aws.shared_by_module = True
    yield aws
    aws.stop()


@pytest.mark.parametrize("name", sorted(INVOKE_LOCAL))
def test_invoke_local(name, tmp_path, one_sandbox):
    status, out, err = run(
        "invoke", "local", "-f", INVOKE_LOCAL[name], "--service", str(copy(name, tmp_path))
    )
    assert status == 0, err
    result = json.loads(out)
    assert result is None or result.get("statusCode") == 200


@pytest.mark.slow
def test_crud_service_deployed_then_invoked_remotely_and_locally(tmp_path, capsys, one_sandbox):
    """The flagship http-api + DynamoDB example: deploy (its httpApi events are named as not
    created), then `invoke` (the deployed Lambda) and `invoke local` (this process) against
    the same table."""
    from workshop_lib.framework import sls
    from workshop_lib.lambda_runtime.runtimes import check_runtime

    folder = copy("aws-python-http-api-with-dynamodb", tmp_path)
    try:
        check_runtime("python3.9")  # the example's runtime, by the sandbox's lifecycle table
    except Exception:  # refused for new functions: the deploy says so, in one line
        capsys.readouterr()
        assert sls("deploy", service=folder) == 1
        errors = [e for e in capsys.readouterr().err.splitlines() if "warning" not in e]
        assert len(errors) == 1 and "python3.9" in errors[0] and "Traceback" not in errors[0]
        assert errors[0].startswith("workshop sls deploy: the sandbox refused a call: The runtime")
        return
    assert sls("deploy", service=folder) == 0
    created = json.dumps({"body": json.dumps({"text": "buy milk"})})
    assert sls(f"invoke -f create -d '{created}'", service=folder) == 0
    capsys.readouterr()
    assert sls("invoke local -f list", service=folder) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["statusCode"] == 200
    assert [item["text"] for item in json.loads(listed["body"])] == ["buy milk"]
