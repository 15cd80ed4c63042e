"""After an invoke-phase timeout, crash or out-of-memory, Lambda resets the execution
environment; the next invocation initialises it again without reporting an Init Duration,
and the INIT time shows in that invocation's Duration.

Source: AWS Lambda developer guide, "Understanding the Lambda execution environment
lifecycle", section "Suppressed init":
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html

The timed-out invocation's own log is Lambda's text for Python: a platform line
"<ISO time> <request id> Task timed out after 1.00 seconds" (the timeout with two decimals),
then END, then REPORT with "Status: timeout" and Duration at the timeout. Source: the
developer guide's "Configure Lambda function timeout" and "Troubleshoot invocation issues"
pages (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html,
https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html) and the
telemetry API's platform.report status values (telemetry-schema-reference.html).
"""

from __future__ import annotations

import json
import re

import pytest

from tests.lambda_helpers import create, invoke
from workshop_lib import sandbox

#: module-level state and a slow import: INIT takes 0.3 s, so it must show in Duration
CODE = """
import os
import sys
import time

time.sleep(0.3)
calls = 0


def handler(event, context):
    global calls
    calls += 1
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("exit"):
        sys.exit(1)
    if event.get("raise"):
        raise ValueError("handled by the runtime")
    return {"calls": calls, "stream": context.log_stream_name}
"""


def _report(log: str) -> dict[str, str]:
    line = next(line for line in log.splitlines() if line.startswith("REPORT"))
    return dict(part.split(": ", 1) for part in line.split("\t")[1:] if ": " in part)


@pytest.fixture
def aws():
    with sandbox() as box:
        create(box, "fn", CODE, Timeout=1)
        yield box


@pytest.mark.slow
def test_the_invocation_after_a_reset_is_a_suppressed_init(aws):
    cold = invoke(aws, "fn")
    assert "Init Duration" in cold["log"]
    for failure in ({"sleep": 5}, {"exit": True}):  # a timeout, then a crash
        failed = invoke(aws, "fn", failure)
        assert failed["FunctionError"] == "Unhandled" and "Status:" in failed["log"]
        if "sleep" in failure:  # the timeout's log lines, as Lambda writes them
            rid = failed["ResponseMetadata"]["RequestId"]
            lines = failed["log"].splitlines()
            assert re.fullmatch(
                rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {rid} "
                r"Task timed out after 1\.00 seconds",
                lines[-3],
            )
            assert lines[-2] == f"END RequestId: {rid}"
            assert lines[-1].startswith(f"REPORT RequestId: {rid}\tDuration: 1000.00 ms\t")
            assert lines[-1].endswith("\tStatus: timeout\t")
        after = invoke(aws, "fn")
        report = _report(after["log"])
        assert after["body"]["calls"] == 1, failure  # INIT ran again: module state is gone
        assert "Init Duration" not in report, failure  # ... but is not reported
        assert float(report["Duration"].split()[0]) >= 300  # the 0.3 s INIT is in Duration
        assert int(report["Billed Duration"].split()[0]) >= 300
        assert after["body"]["stream"] == cold["body"]["stream"]  # the same environment
        again = invoke(aws, "fn")
        assert again["body"]["calls"] == 2 and "Init Duration" not in again["log"]  # warm


def test_a_handler_error_does_not_reset_the_environment_and_outcomes_say_which(aws):
    plugin = aws.plugin("lambda")
    fn = plugin.function("fn")
    first = plugin.run(fn, "{}")
    assert first.cold and not first.suppressed_init
    failed = invoke(aws, "fn", {"raise": True})
    assert failed["body"]["errorType"] == "ValueError" and "Status:" not in failed["log"]
    after = invoke(aws, "fn")
    assert after["body"]["calls"] == 3 and "Init Duration" not in after["log"]
    assert float(_report(after["log"])["Duration"].split()[0]) < 300
    plugin.run(fn, json.dumps({"exit": True}))
    reset = plugin.run(fn, "{}")
    assert reset.cold and reset.suppressed_init and reset.duration_ms >= reset.init_ms
    plugin.retire("fn")  # Lambda's own recycling: a plain cold start
    assert plugin.run(fn, "{}").suppressed_init is False
