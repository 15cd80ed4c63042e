"""The moto internals the Lambda layer reads (the ones it replaces are in workshop_lib/seams.py,
checked by tests/test_seams.py): pinned, so an upgrade fails loudly."""

from __future__ import annotations

import inspect
import time
from datetime import timezone

from workshop_lib import sandbox


def test_model_attributes_the_layer_reads():
    from tests.lambda_helpers import create

    with sandbox() as aws:
        fn_info = create(aws, "f", "def handler(e, c):\n    return 1\n")
        fn = aws.plugin("lambda").function("f")
        for attribute in (
            "code_bytes",
            "code_sha_256",
            "function_arn",
            "function_name",
            "handler",
            "run_time",
            "memory_size",
            "timeout",
            "environment_vars",
            "layers",
            "reserved_concurrency",
            "event_invoke_config",
            "version",
            "region",
        ):
            assert hasattr(fn, attribute), attribute
        assert fn.function_arn == fn_info["FunctionArn"]
        sqs = aws.client("sqs")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        esm = aws.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="f")
        from moto.awslambda.utils import get_backend
        from moto.sqs.models import sqs_backends

        model = get_backend(aws.account_id, aws.region)._event_source_mappings[esm["UUID"]]
        for attribute in (
            "uuid",
            "enabled",
            "batch_size",
            "max_batch_window",
            "function_response_types",
            "function_arn",
            "event_source_arn",
        ):
            assert hasattr(model, attribute), attribute
        queue = sqs_backends[aws.account_id][aws.region].queues["q"]
        assert queue.lambda_event_source_mappings == {}  # moto's own trigger is off


def test_logs_backend_interface():
    from moto.logs.models import LogsBackend

    assert callable(LogsBackend.ensure_log_group) and callable(LogsBackend.create_log_stream)
    assert list(inspect.signature(LogsBackend.put_log_events).parameters) == [
        "self",
        "log_group_name",
        "log_stream_name",
        "log_events",
    ]


def test_the_fast_log_append_mirrors_this_motos_put_log_events():
    """logs.append_events copies moto 5.2.5's LogStream.put_log_events (without its clock
    conversions): if moto changes that method, this fails and the copy must follow."""
    import hashlib

    from moto.core.common_models import BaseModel
    from moto.logs.models import LogEvent, LogStream, logs_backends

    from workshop_lib.lambda_runtime.logs import append_events

    def fingerprint(function):
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]

    assert fingerprint(LogStream.put_log_events) == "b07b0d5ae328f7dd"
    assert fingerprint(LogEvent.__init__) == "bb6367725c297f27"
    assert fingerprint(BaseModel.__new__) == "08cf0ef20e88029a"

    with sandbox() as aws:
        _compare_log_appends(logs_backends[aws.account_id][aws.region], append_events)


def _compare_log_appends(backend, append_events):
    backend.create_log_group("/seam", {})
    for name in ("moto", "ours"):
        backend.create_log_stream("/seam", name)
    moto_stream = backend.groups["/seam"].streams["moto"]
    our_stream = backend.groups["/seam"].streams["ours"]
    now = time.time()
    messages = ["START RequestId: x", "héllo", "END RequestId: x"]
    from moto.logs.models import LogEvent

    moto_stream.put_log_events([{"timestamp": int(now * 1000), "message": m} for m in messages])
    next_id, tracked = LogEvent._event_id, len(LogEvent.instances_tracked)
    append_events(our_stream, messages, now)
    # numbered on from moto's own counter, and tracked as moto tracks every model it makes
    assert [e.event_id for e in our_stream.events] == list(range(next_id, next_id + 3))
    assert LogEvent._event_id == next_id + 3
    assert LogEvent.instances_tracked[tracked:] == our_stream.events
    assert all(type(e) is LogEvent for e in our_stream.events)
    assert [vars(e).keys() for e in our_stream.events] == [
        vars(e).keys() for e in moto_stream.events
    ]
    for attribute in ("stored_bytes", "upload_sequence_token"):
        assert getattr(our_stream, attribute) == getattr(moto_stream, attribute)
    assert type(our_stream.last_ingestion_time) is type(moto_stream.last_ingestion_time)
    assert our_stream.last_ingestion_time.tzinfo is None
    ingested = our_stream.last_ingestion_time.replace(tzinfo=timezone.utc)
    assert abs(ingested.timestamp() - now) < 5
    ours = [e.to_response_dict() for e in our_stream.events]
    theirs = [e.to_response_dict() for e in moto_stream.events]
    assert [e["message"] for e in ours] == [e["message"] for e in theirs] == messages
    assert [e["timestamp"] for e in ours] == [e["timestamp"] for e in theirs]
    assert all(
        abs(a["ingestionTime"] - b["ingestionTime"]) < 5000
        for a, b in zip(ours, theirs, strict=True)
    )


def test_a_subscribed_log_group_goes_through_motos_put_log_events(monkeypatch):
    """moto delivers to subscription filters inside put_log_events, so a group with one
    takes moto's own path; the others take the fast append."""
    from moto.logs.models import LogStream, logs_backends

    from workshop_lib.lambda_runtime.logs import CloudWatchWriter

    through_moto = []
    original = LogStream.put_log_events
    monkeypatch.setattr(
        LogStream,
        "put_log_events",
        lambda self, events: through_moto.append(len(events)) or original(self, events),
    )
    with sandbox() as aws:
        writer = CloudWatchWriter(aws.account_id, aws.region)
        writer.write("/aws/lambda/plain", "s", ["a", "b"])
        backend = logs_backends[aws.account_id][aws.region]
        backend.ensure_log_group("/aws/lambda/subscribed")
        group = backend.groups["/aws/lambda/subscribed"]
        arn = "arn:aws:lambda:x:1:function:f"
        subscription = type("Filter", (), {"destination_arn": arn, "name": "f"})
        monkeypatch.setitem(group.subscription_filters, "f", subscription())
        monkeypatch.setattr(LogStream, "_send_log_events", lambda self, **kwargs: None)
        writer.write("/aws/lambda/subscribed", "s", ["c", "d", "e"])
        assert through_moto == [3]
        assert [e.message for e in group.streams["s"].events] == ["c", "d", "e"]
        plain = backend.groups["/aws/lambda/plain"].streams["s"]
        assert [e.message for e in plain.events] == ["a", "b"]
