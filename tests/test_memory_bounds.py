"""What a long-running sandbox keeps stays bounded: stream records, shard iterators, log events.

Each test writes past a bound (made small here) and checks the structure stopped growing and
still answers as AWS does at its edge (trimmed records, expired iterators)."""

from __future__ import annotations

import gc

import pytest
from botocore.exceptions import ClientError

from workshop_lib import sandbox
from workshop_lib.dynamodb import streams
from workshop_lib.lambda_runtime.logs import CloudWatchWriter


@pytest.fixture
def aws():
    with sandbox(clock="virtual") as box:
        yield box


def stream_table(aws, name="events"):
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    client = aws.client("dynamodbstreams")
    shard = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    return ddb, client, arn, shard["ShardId"]


def iterator(client, arn, shard, kind="TRIM_HORIZON", **extra):
    return client.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **extra)[
        "ShardIterator"
    ]


def moto_shard(aws, name="events"):
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[aws.account_id][aws.region].tables[name].stream_shard


def test_stream_records_older_than_24_hours_are_trimmed_on_the_sandbox_clock(aws):
    ddb, client, arn, shard = stream_table(aws)
    ddb.put_item(TableName="events", Item={"id": {"S": "old"}})
    old = iterator(client, arn, shard)
    first = client.get_records(ShardIterator=old)["Records"][0]
    aws.clock.advance(23 * 3600)
    ddb.put_item(TableName="events", Item={"id": {"S": "kept"}})
    assert len(client.get_records(ShardIterator=iterator(client, arn, shard))["Records"]) == 2
    aws.clock.advance(3600 + 1)  # the first record is now over 24 hours old
    ddb.put_item(TableName="events", Item={"id": {"S": "new"}})
    records = client.get_records(ShardIterator=iterator(client, arn, shard))["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == ["kept", "new"]
    # the records kept keep their sequence numbers; the trimmed one cannot be read at
    assert (
        int(records[0]["dynamodb"]["SequenceNumber"])
        == int(first["dynamodb"]["SequenceNumber"]) + 1
    )
    with pytest.raises(ClientError) as raised:
        client.get_records(
            ShardIterator=iterator(
                client,
                arn,
                shard,
                "AT_SEQUENCE_NUMBER",
                SequenceNumber=first["dynamodb"]["SequenceNumber"],
            )
        )
    assert raised.value.response["Error"]["Code"] == "TrimmedDataAccessException"


def test_a_stream_shard_keeps_at_most_max_records(aws, monkeypatch):
    monkeypatch.setattr(streams, "MAX_RECORDS", 5)
    ddb, client, arn, shard = stream_table(aws)
    for n in range(12):
        ddb.put_item(TableName="events", Item={"id": {"S": f"item-{n}"}})
    assert len(moto_shard(aws).items) == 5
    records = client.get_records(ShardIterator=iterator(client, arn, shard))["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == [
        f"item-{n}" for n in range(7, 12)
    ]
    gc.collect()  # moto's tracker holds only the records the shard still has
    from moto.dynamodb.models.table import StreamRecord

    assert len(StreamRecord.instances_tracked) == 5


def test_shard_iterators_expire_after_15_minutes_and_stay_bounded(aws, monkeypatch):
    monkeypatch.setattr(streams, "MAX_ITERATORS", 10)
    ddb, client, arn, shard = stream_table(aws)
    ddb.put_item(TableName="events", Item={"id": {"S": "a"}})
    current = iterator(client, arn, shard)
    for _ in range(30):  # a poller: every GetRecords hands out the next iterator
        current = client.get_records(ShardIterator=current)["NextShardIterator"]
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    backend = dynamodbstreams_backends[aws.account_id][aws.region]
    assert len(backend.shard_iterators) <= 10
    assert client.get_records(ShardIterator=current)["Records"] == []  # the latest still works
    stale = iterator(client, arn, shard)
    aws.clock.advance(15 * 60 + 1)
    with pytest.raises(ClientError) as raised:
        client.get_records(ShardIterator=stale)
    assert raised.value.response["Error"]["Code"] == "ExpiredIteratorException"


def test_log_streams_together_keep_at_most_max_total_events_latest_written_last(aws, monkeypatch):
    """Environments come and go, each with its stream: past max_total events in all, the
    streams written least recently lose their oldest events first."""
    from moto.logs.models import LogEvent

    monkeypatch.setattr(CloudWatchWriter, "max_total", 50)
    monkeypatch.setattr(CloudWatchWriter, "max_tracked", 50)
    monkeypatch.setattr(CloudWatchWriter, "trim_every", 10)
    writer = CloudWatchWriter(aws.account_id, aws.region)
    for environment in range(10):  # 10 streams of 20 events: 200 written
        for n in range(20):
            writer.write("/aws/lambda/f", f"stream-{environment}", [f"{environment}.{n}"])
    logs = aws.client("logs")

    def messages(stream):
        answer = logs.get_log_events(logGroupName="/aws/lambda/f", logStreamName=stream)
        return [e["message"] for e in answer["events"]]

    kept = {f"stream-{e}": messages(f"stream-{e}") for e in range(10)}
    assert 50 <= sum(len(m) for m in kept.values()) < 60
    assert kept["stream-9"] == [f"9.{n}" for n in range(20)]  # the latest, whole
    assert kept["stream-0"] == [] and kept["stream-6"] == []  # the oldest, emptied
    assert kept["stream-7"][-1] == "7.19"  # a stream cut keeps its own latest
    gc.collect()
    assert len(LogEvent.instances_tracked) < 60  # moto's tracker lets the trimmed ones go
