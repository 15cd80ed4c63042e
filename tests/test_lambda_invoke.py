"""Real handler execution through plain boto3: results, errors, imports, logs, limits."""

from __future__ import annotations

import json
import os
import re

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.lambda_helpers import create, invoke
from workshop_lib import sandbox
from workshop_lib.lambda_runtime import package


@pytest.fixture
def aws():
    with sandbox() as box:
        yield box


def test_handler_string_with_a_path_runs_the_real_code(aws):
    create(
        aws,
        "create",
        {
            "apps/create.py": """
        import json
        def create(event, context):
            data = json.loads(event["body"])
            return {"statusCode": 201, "body": json.dumps({"id": data["id"], "ok": True})}
    """
        },
        handler="apps/create.create",
    )
    response = invoke(aws, "create", {"body": json.dumps({"id": "42"})})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert response["body"] == {"statusCode": 201, "body": '{"id": "42", "ok": true}'}
    assert response["ExecutedVersion"] == "$LATEST"


def test_the_handlers_boto3_reaches_the_same_sandbox(aws):
    ddb = boto3.client("dynamodb")
    ddb.create_table(
        TableName="apps",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="apps", Item={"id": {"S": "from-notebook"}})
    create(
        aws,
        "writer",
        """
        import boto3, os
        table = boto3.resource("dynamodb").Table("apps")
        def handler(event, context):
            table.put_item(Item={"id": "from-lambda", "region": os.environ["AWS_REGION"]})
            return sorted(i["id"] for i in table.scan()["Items"])
    """,
    )
    assert invoke(aws, "writer")["body"] == ["from-lambda", "from-notebook"]
    item = ddb.get_item(TableName="apps", Key={"id": {"S": "from-lambda"}})["Item"]
    assert item["region"] == {"S": "us-east-1"}


def test_imports_resolve_as_on_aws(aws):
    create(
        aws,
        "imports",
        """
        import importlib
        def handler(event, context):
            found = {}
            for name in ["json", "boto3", "botocore", "helper", "requests", "moto", "workshop_lib"]:
                try:
                    importlib.import_module(name)
                    found[name] = True
                except ImportError:
                    found[name] = False
            return found
    """,
    )
    aws.client("lambda").update_function_code(
        FunctionName="imports",
        ZipFile=package({"app.py": _imports_source(), "helper.py": "X = 1\n"}),
    )
    found = invoke(aws, "imports")["body"]
    assert found == {
        "json": True,
        "boto3": True,
        "botocore": True,
        "helper": True,
        "requests": False,
        "moto": False,
        "workshop_lib": False,
    }


def _imports_source() -> str:
    return (
        "import importlib\n"
        "def handler(event, context):\n"
        "    found = {}\n"
        "    for name in ['json', 'boto3', 'botocore', 'helper', 'requests', 'moto',"
        " 'workshop_lib']:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "            found[name] = True\n"
        "        except ImportError:\n"
        "            found[name] = False\n"
        "    return found\n"
    )


def test_layers_are_on_the_path(aws):
    lam = aws.client("lambda")
    layer = lam.publish_layer_version(
        LayerName="shared", Content={"ZipFile": package({"python/shared.py": "NAME = 'layer'\n"})}
    )
    create(
        aws,
        "with-layer",
        "import shared\ndef handler(e, c):\n    return shared.NAME\n",
        Layers=[layer["LayerVersionArn"]],
    )
    assert invoke(aws, "with-layer")["body"] == "layer"


def test_a_missing_dependency_is_an_import_module_error(aws):
    create(aws, "needs-requests", "import requests\ndef handler(e, c):\n    return 1\n")
    response = invoke(aws, "needs-requests")
    assert response["FunctionError"] == "Unhandled"
    assert response["body"] == {
        "errorMessage": "Unable to import module 'app': No module named 'requests'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'app'" in response["log"]


@pytest.mark.parametrize(
    "handler, error_type, message",
    [
        ("app.missing", "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app'"),
        (
            "nope.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'nope': No module named 'nope'",
        ),
        (
            "app",
            "Runtime.MalformedHandlerName",
            "Bad handler 'app': not enough values to unpack (expected 2, got 1)",
        ),
    ],
)
def test_bad_handler_strings_get_the_runtimes_errors(aws, handler, error_type, message):
    create(aws, "bad", "def handler(e, c):\n    return 1\n", handler=handler)
    body = invoke(aws, "bad")["body"]
    assert (body["errorType"], body["errorMessage"]) == (error_type, message)


def test_a_syntax_error_is_reported_as_such(aws):
    create(aws, "syntax", "def handler(e, c)\n    return 1\n")
    body = invoke(aws, "syntax")["body"]
    assert body["errorType"] == "Runtime.UserCodeSyntaxError"
    assert body["errorMessage"].startswith("Syntax error in module 'app': ")


def test_an_unhandled_exception_gives_awss_error_payload(aws):
    create(aws, "fails", "def handler(event, context):\n    raise ValueError('boom')\n")
    response = invoke(aws, "fails")
    body = response["body"]
    assert response["FunctionError"] == "Unhandled" and response["StatusCode"] == 200
    assert body["errorMessage"] == "boom" and body["errorType"] == "ValueError"
    assert body["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert body["stackTrace"] == [
        "  File \"/var/task/app.py\", line 2, in handler\n    raise ValueError('boom')\n"
    ]
    assert "[ERROR] ValueError: boom\nTraceback (most recent call last):" in response["log"]


def test_a_logged_traceback_names_var_task_not_the_sandboxs_folder(aws):
    create(
        aws,
        "logs-it",
        """
        import logging
        def handler(event, context):
            try:
                raise KeyError("gone")
            except KeyError:
                logging.getLogger().exception("lookup failed")
            return 1
    """,
    )
    log = invoke(aws, "logs-it")["log"]
    assert '  File "/var/task/app.py", line 4, in handler\n' in log
    assert "workshop-lambda" not in log and "/task/" not in log.replace("/var/task/", "")


def test_results_are_marshalled_like_the_runtime(aws):
    create(
        aws,
        "marshal",
        """
        from decimal import Decimal
        def handler(event, context):
            if event.get("set"):
                return {1, 2}
            return {"price": Decimal("1.5")}
    """,
    )
    assert invoke(aws, "marshal")["body"] == {"price": 1.5}
    body = invoke(aws, "marshal", {"set": True})["body"]
    assert body["errorType"] == "Runtime.MarshalError"
    assert body["errorMessage"].startswith("Unable to marshal response:")


def test_tail_log_has_start_end_report_and_goes_to_cloudwatch(aws):
    create(
        aws,
        "logs",
        """
        import logging
        logger = logging.getLogger()
        logger.setLevel(logging.INFO)
        print("init line")
        def handler(event, context):
            print("hello", event["n"])
            logger.info("info line")
            context.log("via context\\n")
            return event["n"]
    """,
        MemorySize=256,
    )
    first, second = invoke(aws, "logs", {"n": 1}), invoke(aws, "logs", {"n": 2})
    rid = second["ResponseMetadata"]["RequestId"]
    lines = second["log"].splitlines()
    assert lines[0] == f"START RequestId: {rid} Version: $LATEST"
    assert lines[1] == "hello 2"
    assert re.fullmatch(
        rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\tinfo line", lines[2]
    )
    assert lines[3] == "via context"
    assert lines[4] == f"END RequestId: {rid}"
    report = lines[5].split("\t")
    assert report[0] == f"REPORT RequestId: {rid}"
    assert re.fullmatch(r"Duration: \d+\.\d\d ms", report[1])
    assert re.fullmatch(r"Billed Duration: \d+ ms", report[2])
    assert report[3] == "Memory Size: 256 MB" and report[4].startswith("Max Memory Used: ")
    assert "Init Duration" not in second["log"]
    assert "init line" in first["log"] and re.search(r"Init Duration: \d+\.\d\d ms", first["log"])
    assert first["log"].index("init line") < first["log"].index("START RequestId")
    cw = aws.client("logs")
    streams = cw.describe_log_streams(logGroupName="/aws/lambda/logs")["logStreams"]
    assert len(streams) == 1 and re.fullmatch(
        r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", streams[0]["logStreamName"]
    )
    messages = [
        e["message"]
        for e in cw.get_log_events(
            logGroupName="/aws/lambda/logs", logStreamName=streams[0]["logStreamName"]
        )["events"]
    ]
    assert messages.count("hello 1") == 1 and f"END RequestId: {rid}" in messages


def test_cold_start_billing_includes_init():
    from workshop_lib.lambda_runtime.logs import billed_ms, report_line

    assert billed_ms(10.2) == 11 and billed_ms(10.2, 100.5) == 111
    line = report_line("r", 10.2, 128, 40, init_ms=100.5)
    assert "Billed Duration: 111 ms" in line and line.endswith("Init Duration: 100.50 ms\t")


def test_dry_run_and_unknown_functions(aws):
    create(aws, "exists", "def handler(e, c):\n    raise SystemExit('must not run')\n")
    lam = aws.client("lambda")
    assert lam.invoke(FunctionName="exists", InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="ghost")


@pytest.mark.parametrize("runtime", ["python2.7", "nodejs6.10", "python3.6"])
def test_retired_runtimes_get_awss_error(aws, runtime):
    with pytest.raises(ClientError) as info:
        create(aws, "old", "x", runtime=runtime)
    error = info.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"].startswith(f"The runtime parameter of {runtime} is no longer supported")


def test_supported_runtimes_and_a_non_python_one(aws):
    from workshop_lib.lambda_runtime.runtimes import python_runtimes

    for runtime in python_runtimes():
        create(
            aws,
            f"fn-{runtime.replace('.', '-')}",
            "def handler(e, c):\n    return 1\n",
            runtime=runtime,
        )
        assert invoke(aws, f"fn-{runtime.replace('.', '-')}")["body"] == 1
    create(aws, "node", "x", runtime="nodejs20.x", handler="index.handler")
    body = invoke(aws, "node")["body"]
    assert body["errorType"] == "Runtime.NotAvailableInSandbox"
    with pytest.raises(ClientError, match="failed to satisfy constraint"):
        create(aws, "bogus", "x", runtime="cobol85")


def test_environment_variables_reserved_keys_and_the_4kb_limit(aws):
    create(
        aws,
        "env",
        """
        import os
        KEYS = ["STAGE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                "AWS_REGION", "AWS_DEFAULT_REGION", "_HANDLER", "LAMBDA_TASK_ROOT",
                "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_GROUP_NAME"]
        def handler(event, context):
            return {k: os.environ.get(k) for k in KEYS}
    """,
        Environment={"Variables": {"STAGE": "dev"}},
        MemorySize=512,
    )
    env = invoke(aws, "env")["body"]
    assert env["STAGE"] == "dev" and env["AWS_LAMBDA_FUNCTION_NAME"] == "env"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512" and env["_HANDLER"] == "app.handler"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/env" and env["LAMBDA_TASK_ROOT"]
    lam = aws.client("lambda")
    with pytest.raises(ClientError, match="Reserved keys used in this request: AWS_REGION"):
        lam.update_function_configuration(
            FunctionName="env", Environment={"Variables": {"AWS_REGION": "x"}}
        )
    with pytest.raises(ClientError, match="exceeded the 4KB limit"):
        lam.update_function_configuration(
            FunctionName="env", Environment={"Variables": {"BIG": "x" * 4100}}
        )
    lam.update_function_configuration(
        FunctionName="env", Environment={"Variables": {"STAGE": "prod"}}
    )
    assert invoke(aws, "env")["body"]["STAGE"] == "prod"


def test_payload_limits(aws):
    create(aws, "echo", "def handler(event, context):\n    return 'x' * event['n']\n")
    lam = aws.client("lambda")
    big = json.dumps({"n": 1, "pad": "x" * (6 * 1024 * 1024)})
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName="echo", Payload=big)
    assert info.value.response["Error"]["Code"] == "RequestTooLargeException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    medium = json.dumps({"n": 1, "pad": "x" * (1024 * 1024)})
    with pytest.raises(ClientError, match="RequestTooLarge"):
        lam.invoke(FunctionName="echo", Payload=medium, InvocationType="Event")
    assert invoke(aws, "echo", {"n": 1, "pad": "x" * (1024 * 1024)})["body"] == "x"
    body = invoke(aws, "echo", {"n": 6 * 1024 * 1024 + 100})["body"]
    assert body["errorType"] == "Function.ResponseSizeTooLarge"
    with pytest.raises(ClientError, match="InvalidRequestContent"):
        lam.invoke(FunctionName="echo", Payload=b"{not json")


def test_memory_setting_is_reported(aws):
    create(aws, "mem", "def handler(e, c):\n    return c.memory_limit_in_mb\n", MemorySize=1024)
    response = invoke(aws, "mem")
    assert response["body"] == "1024"
    assert "Memory Size: 1024 MB" in response["log"]


def test_max_memory_used_is_the_functions_own_peak(aws):
    """Not the peak of the process that started the worker (a kernel, a test, a server):
    getrusage would report that one. Here the parent first holds 200 MB more than it needs."""
    ballast = b"x" * (200 * 2**20)  # noqa: F841 - the parent's peak, which must not show
    create(
        aws,
        "peak",
        "def handler(e, c):\n    block = b'x' * (e * 2**20)\n    return len(block)\n",
        MemorySize=512,
    )

    def used(megabytes: int) -> int:
        log = invoke(aws, "peak", megabytes)["log"]
        return int(re.search(r"Max Memory Used: (\d+) MB", log)[1])

    small, large = used(1), used(96)
    assert small < 96 <= large < small + 120, (small, large)
    assert used(1) == large  # the peak of the environment so far, as on AWS


def test_max_memory_used_trusts_getrusage_only_once_it_agrees_with_vmhwm(monkeypatch):
    """A worker reads its peak from /proc/self/status (VmHWM) until getrusage's ru_maxrss,
    which also holds the peak of the image the process replaced (a forking notebook
    kernel's), is no larger; from then on the two agree and the system call answers."""
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("VmHWM is Linux's")
    from workshop_lib.lambda_runtime import bootstrap

    reads = []
    real_pread = os.pread

    def pread(fd, size, offset):
        reads.append(fd)
        return real_pread(fd, size, offset)

    monkeypatch.setattr(bootstrap.os, "pread", pread)
    monkeypatch.setattr(bootstrap, "_OWN_PEAK", [])
    monkeypatch.setattr(bootstrap, "_STATUS", [])
    inherited = [10**9]  # kB: a parent's 1 TB peak, as a forked worker might inherit
    monkeypatch.setattr(bootstrap, "_rusage_kb", lambda: max(inherited[0], own_peak_kb()))
    assert bootstrap.max_memory_mb() < 10**6 and len(reads) == 1  # VmHWM, not the parent's
    assert bootstrap.max_memory_mb() < 10**6 and len(reads) == 2  # still VmHWM
    inherited[0] = 0  # this program's own peak is the larger now
    first = bootstrap.max_memory_mb()
    assert len(reads) == 3 and [os.getpid()] == bootstrap._OWN_PEAK
    assert bootstrap.max_memory_mb() == first and len(reads) == 3  # getrusage from now on


def own_peak_kb() -> int:
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])


def test_going_over_the_memory_size_fails_the_invocation_and_ends_the_environment(aws):
    create(
        aws,
        "hog",
        "def handler(e, c):\n    block = b'x' * (e * 2**20)\n    return len(block)\n",
        MemorySize=128,
    )
    assert invoke(aws, "hog", 16)["body"] == 16 * 2**20  # well within: as usual
    over = invoke(aws, "hog", 200)
    assert over["FunctionError"] == "Unhandled"
    error = over["body"]
    assert error["errorType"] == "Runtime.OutOfMemory"
    assert error["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    report = over["log"].splitlines()[-1]
    assert "Max Memory Used: 128 MB" in report  # the limit it hit
    assert report.endswith("Status: error\tError Type: Runtime.OutOfMemory\t")
    again = invoke(aws, "hog", 16)
    # INIT again in the reset environment, not reported: a suppressed init
    assert again["body"] == 16 * 2**20 and "Init Duration" not in again["log"]


def test_going_over_the_memory_size_during_init_fails_the_first_invocation(aws):
    create(aws, "big-init", "BLOCK = b'x' * (200 * 2**20)\ndef handler(e, c):\n    return 1\n")
    assert invoke(aws, "big-init")["body"]["errorType"] == "Runtime.OutOfMemory"


def test_code_from_s3_runs_too(aws):
    from workshop_lib.lambda_runtime import execution_role

    s3 = aws.client("s3")
    s3.create_bucket(Bucket="deployments")
    s3.put_object(
        Bucket="deployments",
        Key="apps.zip",
        Body=package({"app.py": "def handler(e, c):\n    return 's3'\n"}),
    )
    aws.client("lambda").create_function(
        FunctionName="from-s3",
        Runtime="python3.12",
        Handler="app.handler",
        Role=execution_role(aws.client("iam")),
        Code={"S3Bucket": "deployments", "S3Key": "apps.zip"},
    )
    assert invoke(aws, "from-s3")["body"] == "s3"


def test_a_log_stream_keeps_its_latest_events_not_all_of_them(aws, monkeypatch):
    """The sandbox trims a stream to its latest max_events (in chunks of trim_every): a long
    `sls offline` session must not grow by a kilobyte per request forever."""
    from moto.logs.models import LogEvent

    from workshop_lib.lambda_runtime.logs import CloudWatchWriter

    monkeypatch.setattr(CloudWatchWriter, "max_events", 30)
    monkeypatch.setattr(CloudWatchWriter, "trim_every", 10)
    monkeypatch.setattr(CloudWatchWriter, "max_tracked", 50)
    create(aws, "chatty", "def handler(event, context):\n    print('call', event['n'])\n")
    for n in range(20):  # 4 events each: START, the print, END, REPORT
        invoke(aws, "chatty", {"n": n})
    logs = aws.client("logs")
    (stream,) = logs.describe_log_streams(logGroupName="/aws/lambda/chatty")["logStreams"]
    events = logs.get_log_events(
        logGroupName="/aws/lambda/chatty", logStreamName=stream["logStreamName"], startFromHead=True
    )["events"]
    assert 30 <= len(events) < 40  # 80 written; trimmed back to 30 once 10 over
    printed = [e["message"].strip() for e in events if e["message"].startswith("call ")]
    assert printed[-1] == "call 19" and "call 0" not in printed  # the latest are kept
    # moto's own list of every LogEvent it made (a seam: if moto stops tracking, this fails)
    assert 50 <= len(LogEvent.instances_tracked) < 60
