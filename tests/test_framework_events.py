"""``sns`` and ``stream`` events compiled as Serverless Framework 3 does and delivered after
deploy: a message published to the topic and an item written to the table reach the
function."""

from __future__ import annotations

import json
import textwrap
import time

import pytest

from tests.framework_helpers import one_zip_each
from workshop_lib import sandbox
from workshop_lib.framework import Service, sls
from workshop_lib.framework import compile as cfn

SERVICE = """
service: notify
provider: {name: aws, runtime: python3.12}
functions:
  onNote:
    handler: handler.note
    events:
      - sns: notes-topic
      - sns:
          topicName: filtered
          filterPolicy: {kind: [urgent]}
      - stream:
          type: dynamodb
          arn: {Fn::GetAtt: [NotesTable, StreamArn]}
          batchSize: 5
          startingPosition: LATEST
resources:
  Resources:
    NotesTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: notes
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        KeySchema: [{AttributeName: id, KeyType: HASH}]
        StreamSpecification: {StreamViewType: NEW_IMAGE}
"""

HANDLER = """
import json

def note(event, context):
    record = event["Records"][0]
    source = record.get("EventSource") or record.get("eventSource")
    print("GOT " + json.dumps({"source": source, "count": len(event["Records"])}))
"""


def write(folder):
    (folder / "serverless.yml").write_text(textwrap.dedent(SERVICE))
    (folder / "handler.py").write_text(HANDLER)
    return folder


def test_sns_and_stream_events_compile_to_the_framework_resources(tmp_path):
    service = Service.load(write(tmp_path))
    resources = cfn.update_template(service, "k", one_zip_each(service), "1")["Resources"]
    topic = resources["SNSTopicNotestopic"]["Properties"]
    assert topic["TopicName"] == "notes-topic"
    assert topic["Subscription"][0]["Protocol"] == "lambda"
    assert resources["OnNoteLambdaPermissionNotestopicSNS"]["Properties"]["Principal"] == (
        "sns.amazonaws.com"
    )
    filtered = resources["OnNoteSnsSubscriptionFiltered"]["Properties"]
    assert filtered["FilterPolicy"] == {"kind": ["urgent"]}
    mapping = resources["OnNoteEventSourceMappingDynamodbNotesTable"]["Properties"]
    assert (mapping["BatchSize"], mapping["StartingPosition"]) == (5, "LATEST")


def delivered(aws, name, want, timeout=20.0):
    logs = aws.client("logs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = []
        try:
            streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
        except logs.exceptions.ResourceNotFoundException:
            streams = []
        for stream in streams:
            for item in logs.get_log_events(
                logGroupName=f"/aws/lambda/{name}", logStreamName=stream["logStreamName"]
            )["events"]:
                if item["message"].startswith("GOT "):
                    got.append(json.loads(item["message"][4:])["source"])
        if sorted(got) == sorted(want):
            return got
        time.sleep(0.2)
    raise AssertionError(f"delivered {got}, wanted {want}")


@pytest.mark.slow
def test_published_messages_and_stream_records_reach_the_deployed_function(tmp_path):
    with sandbox() as aws:
        sls("deploy", service=str(write(tmp_path)))
        sns = aws.client("sns")
        topic = f"arn:aws:sns:{aws.region}:{aws.account_id}:notes-topic"
        sns.publish(TopicArn=topic, Message="hello")
        aws.client("dynamodb").put_item(TableName="notes", Item={"id": {"S": "n1"}})
        filtered = f"arn:aws:sns:{aws.region}:{aws.account_id}:filtered"
        for kind in ("routine", "urgent"):  # the subscription's filter policy lets one through
            attributes = {"kind": {"DataType": "String", "StringValue": kind}}
            sns.publish(TopicArn=filtered, Message=kind, MessageAttributes=attributes)
        delivered(aws, "notify-dev-onNote", ["aws:sns", "aws:dynamodb", "aws:sns"])
