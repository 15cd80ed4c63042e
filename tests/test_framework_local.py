"""`workshop sls invoke local` stays home: the Lambda environment is set before the handler's
module is imported (as v3 does), and every AWS call goes to a sandbox, never off the machine
(proven with an audit hook that refuses before the system call)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.test_server import free_port, workshop
from workshop_lib import netguard
from workshop_lib.framework import sls

SERVICE = """\
service: stays-home
provider:
  name: aws
  runtime: python3.12
  region: eu-west-1
  environment:
    QUEUE: jobs
functions:
  hello:
    handler: handler.hello
"""

HANDLER = """\
import os

import boto3

SQS = boto3.client("sqs")  # at import: needs the region before the module is imported
REGION_AT_IMPORT = os.environ.get("AWS_REGION")


def hello(event, context):
    buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    return {
        "buckets": buckets,
        "region_at_import": REGION_AT_IMPORT,
        "sqs_region": SQS.meta.region_name,
        "queue": os.environ["QUEUE"],
        "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
    }
"""

_ARMED: list[list[str]] = []


def _refuse_off_machine(event: str, args: tuple) -> None:
    """While armed, refuse (before the system call) any connection or lookup that is not
    loopback, recording it."""
    if not _ARMED:
        return
    if event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else None
    elif event == "socket.getaddrinfo":
        host = args[0]
    else:
        return
    if host is not None and not netguard.is_loopback_host(str(host)):
        _ARMED[-1].append(f"{event} {host}")
        raise OSError(f"test audit hook refused {event} to {host}")


sys.addaudithook(_refuse_off_machine)


@pytest.fixture
def off_machine():
    attempts: list[str] = []
    _ARMED.append(attempts)
    yield attempts
    _ARMED.remove(attempts)


@pytest.fixture
def service(tmp_path: Path) -> Path:
    (tmp_path / "serverless.yml").write_text(SERVICE)
    (tmp_path / "handler.py").write_text(HANDLER)
    return tmp_path


def test_module_level_clients_work_and_calls_go_to_a_temporary_sandbox(
    service, off_machine, capsys, monkeypatch
):
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    assert sls("invoke local -f hello", service=service) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "buckets": [],
        "region_at_import": "eu-west-1",
        "sqs_region": "eu-west-1",
        "queue": "jobs",
        "function": "stays-home-dev-hello",
    }
    assert "temporary, empty sandbox" in captured.err
    assert off_machine == []


def test_calls_go_to_the_sandbox_in_this_process(service, off_machine, capsys):
    from workshop_lib import sandbox

    with sandbox(region="eu-west-1") as aws:
        aws.client("s3").create_bucket(
            Bucket="made-here", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        assert sls("invoke local -f hello", service=service) == 0
    assert json.loads(capsys.readouterr().out)["buckets"] == ["made-here"]
    assert off_machine == []


def test_import_failures_are_the_invocations_error_as_lambda_words_them(service, capsys):
    (service / "handler.py").write_text("import not_installed_anywhere\n")
    assert sls("invoke local -f hello", service=service) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"] == (
        "Unable to import module 'handler': No module named 'not_installed_anywhere'"
    )
    (service / "handler.py").write_text("def other(event, context):\n    return 1\n")
    assert sls("invoke local -f hello", service=service) == 1
    assert json.loads(capsys.readouterr().out)["errorType"] == "Runtime.HandlerNotFound"


@pytest.mark.slow
def test_against_a_sandbox_server_and_invoke_of_what_is_not_deployed(service, off_machine, capsys):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    started = workshop("sandbox", "start", "--port", str(port), "--region", "eu-west-1")
    assert started.returncode == 0, started.stderr
    try:
        import boto3

        boto3.client(
            "s3", endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(
            Bucket="on-the-server",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
        )  # fmt: skip
        capsys.readouterr()
        assert sls(f"invoke local -f hello --endpoint {endpoint}", service=service) == 0
        assert json.loads(capsys.readouterr().out)["buckets"] == ["on-the-server"]
        assert sls(f"invoke -f hello --endpoint {endpoint}", service=service) == 1
        assert capsys.readouterr().err.strip().splitlines() == [
            "workshop sls invoke: function stays-home-dev-hello is not deployed (stage dev, "
            "region eu-west-1): deploy first with `workshop sls deploy`"
        ]
    finally:
        workshop("sandbox", "stop", "--port", str(port))
    assert off_machine == []


def test_environment_refs_are_read_back_from_the_deployed_stack(tmp_path, capsys):
    """v3's invoke local resolves {Ref: X} to the deployed stack's physical id; before a
    deploy it cannot, and says so in one line."""
    from workshop_lib import sandbox

    (tmp_path / "serverless.yml").write_text(
        SERVICE.replace("    QUEUE: jobs\n", "    QUEUE: {Ref: Jobs}\n")
        + "resources:\n  Resources:\n    Jobs:\n      Type: AWS::SQS::Queue\n"
        + "      Properties: {QueueName: stays-home-jobs}\n"
    )
    (tmp_path / "handler.py").write_text(
        "import os\n\n\ndef hello(event, context):\n    return os.environ['QUEUE']\n"
    )
    with sandbox(region="eu-west-1"):
        capsys.readouterr()
        assert sls("invoke local -f hello", service=tmp_path) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith('workshop sls invoke: Could not resolve "QUEUE" environment ')
        assert "\n" not in err and "deploy the service" in err
        assert sls("deploy", service=tmp_path) == 0
        capsys.readouterr()
        assert sls("invoke local -f hello", service=tmp_path) == 0
        assert json.loads(capsys.readouterr().out).endswith("/stays-home-jobs")  # a queue URL
