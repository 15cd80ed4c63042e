"""Async invocation: 202 at once, two retries on the sandbox clock, nothing lost."""

from __future__ import annotations

import json
import time

import pytest

from tests.lambda_helpers import create
from workshop_lib import sandbox

FLAKY = """
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError(f"event {event['n']} failed")
    return {"n": event["n"]}
"""


def make_queue(aws, name):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def drain(aws, url):
    sqs, messages = aws.client("sqs"), []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not got:
            return messages
        messages += got
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def send(aws, name, event):
    return aws.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps(event)
    )


def test_event_invocation_returns_202_at_once():
    with sandbox() as aws:
        create(aws, "slow", "import time\ndef handler(e, c):\n    time.sleep(1)\n")
        started = time.monotonic()
        response = send(aws, "slow", {})
        assert response["StatusCode"] == 202 and time.monotonic() - started < 0.5
        assert aws.plugin("lambda").queue.wait_idle(10)
        assert aws.plugin("lambda").queue.stats.succeeded == 1


def test_retries_twice_one_then_two_minutes_apart_on_the_sandbox_clock():
    with sandbox(clock="virtual") as aws:
        url, dlq = make_queue(aws, "dlq")
        create(aws, "flaky", FLAKY, DeadLetterConfig={"TargetArn": dlq})
        config = aws.client("lambda").get_function_configuration(FunctionName="flaky")
        assert config["DeadLetterConfig"] == {"TargetArn": dlq}
        start = aws.clock.time()
        send(aws, "flaky", {"n": 1, "fail": True})
        queue = aws.plugin("lambda").queue
        assert queue.wait_idle(10)
        (event,) = queue.finished
        assert event.attempts == 3 and event.result == "RetriesExhausted"
        offsets = [round(t - start, 3) for t in event.attempt_times]
        assert offsets == [0.0, 60.0, 180.0]
        (message,) = drain(aws, url)
        assert json.loads(message["Body"]) == {"n": 1, "fail": True}
        attrs = message["MessageAttributes"]
        assert attrs["RequestID"]["StringValue"] == event.request_id
        assert attrs["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
        assert attrs["ErrorMessage"]["StringValue"] == "event 1 failed"


@pytest.mark.slow
def test_real_clock_retries_are_compressed_to_seconds():
    with sandbox() as aws:
        create(aws, "flaky", FLAKY)
        started = time.monotonic()
        send(aws, "flaky", {"n": 1, "fail": True})
        queue = aws.plugin("lambda").queue
        assert queue.wait_idle(20)
        elapsed = time.monotonic() - started
        assert 2.5 < elapsed < 10, elapsed  # 3 minutes of retries at 60x
        assert queue.stats.dropped == 1 and queue.finished[0].attempts == 3


def test_hundred_events_a_third_failing_every_one_accounted_for():
    with sandbox(clock="virtual") as aws:
        url, dlq = make_queue(aws, "dlq")
        create(aws, "flaky", FLAKY, DeadLetterConfig={"TargetArn": dlq})
        failing = {n for n in range(100) if n % 3 == 0}
        for n in range(100):
            assert send(aws, "flaky", {"n": n, "fail": n in failing})["StatusCode"] == 202
        queue = aws.plugin("lambda").queue
        assert queue.wait_idle(60)
        dead = sorted(json.loads(m["Body"])["n"] for m in drain(aws, url))
        succeeded = sorted(
            json.loads(e.last.payload)["n"] for e in queue.finished if e.result == "Success"
        )
        assert dead == sorted(failing) and len(dead) == 34
        assert sorted(dead + succeeded) == list(range(100))
        stats = queue.stats
        assert (stats.queued, stats.succeeded, stats.dead_lettered, stats.dropped) == (
            100,
            66,
            34,
            0,
        )
        assert stats.attempts == 66 + 34 * 3


def test_maximum_retry_attempts_and_destinations():
    with sandbox(clock="virtual") as aws:
        fail_url, fail_arn = make_queue(aws, "on-failure")
        ok_url, ok_arn = make_queue(aws, "on-success")
        create(aws, "flaky", FLAKY)
        aws.client("lambda").put_function_event_invoke_config(
            FunctionName="flaky",
            MaximumRetryAttempts=0,
            DestinationConfig={
                "OnFailure": {"Destination": fail_arn},
                "OnSuccess": {"Destination": ok_arn},
            },
        )
        send(aws, "flaky", {"n": 1, "fail": True})
        send(aws, "flaky", {"n": 2})
        assert aws.plugin("lambda").queue.wait_idle(10)
        (failure,) = [json.loads(m["Body"]) for m in drain(aws, fail_url)]
        assert failure["version"] == "1.0"
        assert failure["requestContext"]["condition"] == "RetriesExhausted"
        assert failure["requestContext"]["approximateInvokeCount"] == 1
        assert failure["requestContext"]["functionArn"].endswith(":function:flaky:$LATEST")
        assert failure["requestPayload"] == {"n": 1, "fail": True}
        assert failure["responseContext"] == {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        }
        assert failure["responsePayload"]["errorMessage"] == "event 1 failed"
        (success,) = [json.loads(m["Body"]) for m in drain(aws, ok_url)]
        assert success["requestContext"]["condition"] == "Success"
        assert success["responsePayload"] == {"n": 2}


def test_maximum_event_age_drops_old_events():
    with sandbox(clock="virtual") as aws:
        url, arn = make_queue(aws, "on-failure")
        create(aws, "flaky", FLAKY)
        aws.client("lambda").put_function_event_invoke_config(
            FunctionName="flaky",
            MaximumEventAgeInSeconds=90,
            DestinationConfig={"OnFailure": {"Destination": arn}},
        )
        send(aws, "flaky", {"n": 1, "fail": True})
        queue = aws.plugin("lambda").queue
        assert queue.wait_idle(10)
        (event,) = queue.finished
        assert event.attempts == 2 and event.result == "EventAgeExceeded"  # third would be at 180 s
        (record,) = [json.loads(m["Body"]) for m in drain(aws, url)]
        assert record["requestContext"]["condition"] == "EventAgeExceeded"
        assert queue.stats.expired == 1


def test_sns_dead_letter_queue():
    with sandbox(clock="virtual") as aws:
        sns, sqs = aws.client("sns"), aws.client("sqs")
        topic = sns.create_topic(Name="failures")["TopicArn"]
        url, queue_arn = make_queue(aws, "subscriber")
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        create(aws, "flaky", FLAKY, DeadLetterConfig={"TargetArn": topic})
        send(aws, "flaky", {"n": 7, "fail": True})
        assert aws.plugin("lambda").queue.wait_idle(10)
        (message,) = drain(aws, url)
        assert json.loads(message["Body"]) == {"n": 7, "fail": True}
        assert sqs  # the subscriber queue got the DLQ message through SNS


def test_dead_letter_config_can_be_updated():
    with sandbox() as aws:
        _, dlq = make_queue(aws, "dlq")
        create(aws, "f", FLAKY)
        lam = aws.client("lambda")
        assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="f")
        lam.update_function_configuration(FunctionName="f", DeadLetterConfig={"TargetArn": dlq})
        assert lam.get_function_configuration(FunctionName="f")["DeadLetterConfig"] == {
            "TargetArn": dlq
        }


@pytest.mark.parametrize("clock", ["virtual", 120.0])
def test_throttled_async_events_wait_and_run(clock):
    from tests.test_lambda_environments import STATEFUL

    with sandbox(clock=clock) as aws:
        create(aws, "one-at-a-time", STATEFUL)
        aws.client("lambda").put_function_concurrency(
            FunctionName="one-at-a-time", ReservedConcurrentExecutions=1
        )
        for _ in range(4):
            send(aws, "one-at-a-time", {"sleep": 0.1})
        queue = aws.plugin("lambda").queue
        assert queue.wait_idle(30)
        assert queue.stats.succeeded == 4 and queue.stats.attempts == 4
