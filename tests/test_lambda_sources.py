"""Event sources (SQS poller, S3 notifications), sample events, and the local runner."""

from __future__ import annotations

import json
import time

import pytest

from tests.lambda_helpers import create
from workshop_lib import sandbox
from workshop_lib.lambda_runtime import events, invoke_local

RECORDER = """
import boto3, json
table = boto3.resource("dynamodb").Table("seen")
def handler(event, context):
    failures = []
    for record in event["Records"]:
        body = record.get("body") or json.dumps(record["s3"]["object"])
        if "poison" in body:
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        table.put_item(Item={"id": record.get("messageId") or record["s3"]["object"]["key"],
                             "batch": len(event["Records"]), "record": json.dumps(record)})
    if failures and event["Records"][0].get("eventSource") == "aws:sqs":
        return {"batchItemFailures": failures}
    return {"ok": True}
"""


def make_table(aws):
    aws.client("dynamodb").create_table(
        TableName="seen",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return aws.resource("dynamodb").Table("seen")


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_sqs_mapping_delivers_batches_and_deletes_what_succeeded():
    with sandbox() as aws:
        table = make_table(aws)
        sqs = aws.client("sqs")
        url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        for n in range(25):
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
        create(aws, "worker", RECORDER)
        aws.client("lambda").create_event_source_mapping(
            EventSourceArn=arn,
            FunctionName="worker",
            BatchSize=10,
            MaximumBatchingWindowInSeconds=1,
        )
        assert wait_for(lambda: table.scan()["Count"] == 25)
        items = table.scan()["Items"]
        assert max(int(i["batch"]) for i in items) == 10
        record = json.loads(items[0]["record"])
        assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
        assert set(record) >= {
            "messageId",
            "receiptHandle",
            "body",
            "attributes",
            "messageAttributes",
            "md5OfBody",
            "awsRegion",
        }
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
        assert wait_for(lambda: "Messages" not in sqs.receive_message(QueueUrl=url))


def test_partial_batch_failures_return_to_the_queue_and_redrive_to_its_dlq():
    with sandbox() as aws:
        table = make_table(aws)
        sqs = aws.client("sqs")
        dlq_url = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        url = sqs.create_queue(
            QueueName="jobs",
            Attributes={
                "VisibilityTimeout": "1",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        for body in ["ok-1", "poison", "ok-2"]:
            sqs.send_message(QueueUrl=url, MessageBody=body)
        create(aws, "worker", RECORDER)
        aws.client("lambda").create_event_source_mapping(
            EventSourceArn=arn,
            FunctionName="worker",
            BatchSize=10,
            FunctionResponseTypes=["ReportBatchItemFailures"],
        )
        assert wait_for(lambda: table.scan()["Count"] == 2)

        def in_dlq():
            got = sqs.receive_message(QueueUrl=dlq_url, VisibilityTimeout=30)
            return [m["Body"] for m in got.get("Messages", [])]

        found = []
        assert wait_for(lambda: found.extend(in_dlq()) or found == ["poison"], timeout=30)
        assert table.scan()["Count"] == 2  # the successes were not delivered twice


def test_s3_object_created_invokes_asynchronously_with_the_full_record():
    with sandbox() as aws:
        table = make_table(aws)
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="uploads")
        fn = create(aws, "on-upload", RECORDER)
        s3.put_bucket_notification_configuration(
            Bucket="uploads",
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {
                        "LambdaFunctionArn": fn["FunctionArn"],
                        "Events": ["s3:ObjectCreated:*"],
                    }
                ]
            },
        )
        s3.put_object(Bucket="uploads", Key="reports/march 2018.csv", Body=b"a,b\n")
        assert aws.plugin("lambda").queue.wait_idle(20)
        (item,) = table.scan()["Items"]
        record = json.loads(item["record"])
        assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
        assert record["s3"]["bucket"]["name"] == "uploads"
        assert record["s3"]["object"]["key"] == "reports/march+2018.csv"
        assert record["s3"]["object"]["size"] == 4
        assert {"userIdentity", "requestParameters", "responseElements"} <= set(record)


def test_sample_api_gateway_proxy_event_has_the_rest_payload_1_0_shape():
    event = events.api_gateway_proxy(
        "post",
        "/apps/42",
        resource="/apps/{id}",
        path_parameters={"id": "42"},
        query={"tag": ["a", "b"]},
        headers={"Accept": "application/json"},
        body={"x": 1},
        stage="dev",
        stage_variables={"table": "apps-dev"},
    )
    assert set(event) == {
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    }
    assert event["httpMethod"] == "POST" and event["body"] == '{"x": 1}'
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    context = event["requestContext"]
    assert context["path"] == "/dev/apps/42" and context["stage"] == "dev"
    assert context["resourcePath"] == "/apps/{id}" and context["accountId"] == "123456789012"
    assert {"sourceIp", "userAgent", "apiKey"} <= set(context["identity"])
    assert isinstance(context["requestTimeEpoch"], int)


def test_other_sample_events():
    s3 = events.s3_object_created("b", "k.txt")["Records"][0]
    assert s3["eventSource"] == "aws:s3" and s3["s3"]["object"]["key"] == "k.txt"
    sqs = events.sqs("one", "two")["Records"]
    assert [r["body"] for r in sqs] == ["one", "two"] and sqs[0]["eventSource"] == "aws:sqs"
    sns = events.sns("hi", subject="s")["Records"][0]
    assert sns["EventSource"] == "aws:sns" and sns["Sns"]["Message"] == "hi"
    assert events.schedule("nightly")["detail-type"] == "Scheduled Event"


def test_sample_events_are_stable_inside_a_seeded_sandbox():
    def make():
        with sandbox(clock="virtual"):
            return events.api_gateway_proxy("GET", "/")

    assert make() == make()


def test_invoke_local_runs_a_cell_defined_handler_like_lambda(capsys):
    import logging

    def handler(event, context):
        logging.getLogger().warning("careful")
        print("event id", event["id"], context.function_name, context.memory_limit_in_mb)
        return {"statusCode": 200, "body": json.dumps(event)}

    with sandbox(clock="virtual"):
        result = invoke_local(handler, {"id": 7}, function_name="hello", memory_mb=256)
    assert result.result == {"statusCode": 200, "body": '{"id": 7}'} and result.error is None
    lines = result.log_events
    assert lines[0] == f"START RequestId: {result.request_id} Version: $LATEST"
    assert lines[1] == f"[WARNING]\t2026-01-01T09:00:00.000Z\t{result.request_id}\tcareful"
    assert lines[2] == "event id 7 hello 256"
    assert lines[3] == f"END RequestId: {result.request_id}"
    assert lines[4].startswith(f"REPORT RequestId: {result.request_id}\tDuration: ")
    assert capsys.readouterr().out == result.logs + "\n"


def _max_memory_used(result) -> int:
    import re

    return int(re.search(r"Max Memory Used: (\d+) MB", result.log_events[-1])[1])


def test_invoke_local_reports_the_handlers_own_memory_not_the_kernels():
    # the handler's own allocations, not the process's peak (which is the kernel's, whatever
    # the handler did)
    kept = bytearray(200 * 1024 * 1024)  # the "kernel" holds 200 MB before the handler runs
    small = invoke_local(lambda event, context: {"ok": True}, show_logs=False)
    assert small.error is None and _max_memory_used(small) <= 2

    def allocates(event, context):
        block = bytearray(event["mb"] * 1024 * 1024)
        return len(block)

    result = invoke_local(allocates, {"mb": 40}, memory_mb=128, show_logs=False)
    assert result.error is None and 40 <= _max_memory_used(result) <= 42
    del kept


def test_invoke_local_holds_the_handler_to_its_memory_size():
    def greedy(event, context):
        return len(bytearray(150 * 1024 * 1024))

    result = invoke_local(greedy, memory_mb=128, show_logs=False)
    assert result.error["errorType"] == "Runtime.OutOfMemory" and result.result is None
    assert "Runtime exited with error: signal: killed" in result.error["errorMessage"]
    report = result.log_events[-1]
    assert "Max Memory Used: 128 MB" in report  # the limit it hit, as a deployed function's
    assert report.endswith("Status: error\tError Type: Runtime.OutOfMemory\t")
    roomy = invoke_local(greedy, memory_mb=256, show_logs=False)
    assert roomy.error is None and roomy.result == 150 * 1024 * 1024


def test_invoke_local_errors_timeouts_and_marshalling():
    def broken(event, context):
        return 1 / 0

    result = invoke_local(broken, show_logs=False)
    assert result.error["errorType"] == "ZeroDivisionError" and result.result is None
    assert "[ERROR] ZeroDivisionError: division by zero" in result.logs

    def slow(event, context):
        time.sleep(5)

    started = time.monotonic()
    result = invoke_local(slow, timeout_s=0.2, show_logs=False)
    assert time.monotonic() - started < 2
    assert result.error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 0.20 seconds" in result.logs

    result = invoke_local(lambda e, c: {1, 2}, show_logs=False)
    assert result.error["errorType"] == "Runtime.MarshalError"
    with pytest.raises(TypeError):
        invoke_local(lambda e, c: 1, {"not": {1, 2}}, show_logs=False)  # events are JSON too
