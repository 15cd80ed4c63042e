"""Big payloads end to end: responses up to Lambda's 6 MB pass through the served API and
boto3 ``invoke`` (on uvloop and on asyncio's own loop: uvloop's pipe watch puts the worker's
pipe in non-blocking mode), bigger ones get Lambda's and API Gateway's errors, and a handler
that prints 10 MB is answered normally, its log cut into CloudWatch Logs' 256 KB events."""

from __future__ import annotations

import asyncio

import pytest
import requests

from tests.apigateway_helpers import Api
from tests.lambda_helpers import create, invoke
from workshop_lib import facts, sandbox
from workshop_lib.apigateway import server as server_module

BIG = """
import json
def handler(event, context):
    size = int((event.get("queryStringParameters") or event)["size"])
    body = "x" * size
    if "pathParameters" in event:
        return {"statusCode": 200, "body": body}
    return body
"""
LOUD = """
def handler(event, context):
    print("y" * (10 * 2**20))
    print("short line")
    return {"statusCode": 200, "body": "printed"}
"""


@pytest.fixture(scope="module", params=["uvloop", "asyncio"])
def served(request):
    """A sandbox serving /big/{n} and /loud on the chosen event loop (one per loop)."""
    patch = pytest.MonkeyPatch()
    if request.param == "asyncio":
        patch.setattr(server_module, "new_loop", asyncio.new_event_loop)
    try:
        with sandbox(clock="virtual") as aws:
            aws.shared_by_module = True
            api = Api(aws)
            big = create(aws, "big", BIG, MemorySize=512)["FunctionArn"]
            api.proxy("/big/{n}", "GET", big)
            api.proxy("/loud", "GET", create(aws, "loud", LOUD, MemorySize=512)["FunctionArn"])
            api.deploy("dev")
            base = aws.serve_api(api.id, "dev")
            loop = aws.plugin("apigateway").servers[(api.id, "dev")].loop
            assert ("uvloop" in type(loop).__module__) == (request.param == "uvloop")
            yield aws, base
    finally:
        patch.undo()


@pytest.mark.slow
def test_responses_up_to_6_mb_pass_and_bigger_ones_are_lambdas_and_api_gateways_errors(served):
    aws, base = served
    limit = facts.value("lambda.payload_sync_mb") * 2**20
    near = limit - 1000  # the proxy response's JSON around the body stays under the limit
    answer = requests.get(f"{base}/big/1", params={"size": near})
    assert answer.status_code == 200 and len(answer.content) == near
    # the served loop watches the worker's pipe: a direct invoke must read it too
    response = invoke(aws, "big", {"size": limit - 2})  # a JSON string: two quotes
    assert "FunctionError" not in response, str(response["body"])[:300]
    assert len(response["body"]) == limit - 2
    over = requests.get(f"{base}/big/1", params={"size": 7 * 2**20})
    assert (over.status_code, over.json()) == (502, {"message": "Internal server error"})
    response = invoke(aws, "big", {"size": 7 * 2**20})
    assert response["FunctionError"] == "Unhandled"
    assert response["body"] == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
    assert requests.get(f"{base}/big/1", params={"size": 10}).text == "x" * 10  # still warm


@pytest.mark.slow
def test_a_handler_printing_10_mb_is_answered_and_its_log_cut_into_256_kb_events(served):
    aws, base = served
    answer = requests.get(f"{base}/loud")
    assert (answer.status_code, answer.text) == (200, "printed")
    events = aws.client("logs").filter_log_events(logGroupName="/aws/lambda/loud")["events"]
    messages = [e["message"] for e in events]
    cap = facts.value("logs.event_max_kb") * 1024
    long_ones = [m for m in messages if m.startswith("y")]
    assert all(len(m.encode()) <= cap for m in messages)
    assert "".join(long_ones).rstrip("\n") == "y" * (10 * 2**20)
    assert any(m.startswith("short line") for m in messages)


def test_a_long_message_is_cut_between_characters():
    from workshop_lib.lambda_runtime import logs

    text = "\u00e9" * logs.EVENT_MAX_BYTES  # two bytes each: two events
    events = logs.cut([text + "\u20ac", "short"])  # and one three-byte character over
    assert [len(e.encode()) for e in events] == [logs.EVENT_MAX_BYTES] * 2 + [3, 5]
    assert "".join(events[:-1]) == text + "\u20ac"
