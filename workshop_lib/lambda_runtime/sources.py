"""Event sources: the SQS poller and S3 notifications, as Lambda runs them.

moto invokes a function from inside ``send_message`` with one message per event and drops
the rest of AWS's contract. Here an SQS event source mapping is polled like AWS's poller
does: batches of up to ``BatchSize`` (waiting at most ``MaximumBatchingWindowInSeconds``),
one synchronous invocation per batch, the batch deleted on success, partial batch failures
(``ReportBatchItemFailures``) put back, and failed messages left to the queue's visibility
timeout and redrive policy (so they reach the queue's dead-letter queue). S3 notifications
invoke the function asynchronously, as on AWS, with the full event record.
"""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any

from workshop_lib.lambda_runtime import events
from workshop_lib.lambda_runtime.pool import Throttled

if TYPE_CHECKING:
    from workshop_lib.lambda_runtime.service import LambdaPlugin

POLL_INTERVAL_S = 0.05


class SqsPoller:
    """Polls every enabled SQS event source mapping of the sandbox."""

    def __init__(self, plugin: LambdaPlugin) -> None:
        self.plugin = plugin
        self.mappings: dict[str, Any] = {}  # uuid -> moto EventSourceMapping
        self.batches = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="lambda-sqs-poller")
        self._thread.start()

    def add(self, esm: Any) -> None:
        with self._lock:
            self.mappings[esm.uuid] = esm

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            with self._lock:
                mappings = list(self.mappings.values())
            for esm in mappings:
                if self._stop.is_set():
                    return
                try:
                    self.poll(esm)
                except Exception:  # a deleted queue or function: skip this round
                    continue

    def poll(self, esm: Any) -> int:
        """One poll of one mapping; returns how many messages were delivered."""
        backend = self.plugin.models.backend()
        if esm.uuid not in backend._event_source_mappings or not _enabled(esm):
            with self._lock:
                self.mappings.pop(esm.uuid, None)
            return 0
        sqs = self.plugin.aws.client("sqs")
        name = esm.event_source_arn.split(":")[-1]
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        batch_size = int(esm.batch_size or 10)
        window = float(esm.max_batch_window or 0)
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + window
        while len(messages) < batch_size:
            got = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, batch_size - len(messages)),
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages += got
            if not got and time.monotonic() >= deadline:
                break
            if not got:
                time.sleep(POLL_INTERVAL_S)
        if not messages:
            return 0
        event = {"Records": [self._record(m, esm.event_source_arn) for m in messages]}
        fn = backend.get_function(esm.function_arn)
        try:
            outcome = self.plugin.run(fn, json.dumps(event))
        except Throttled:
            return 0  # messages become visible again after the visibility timeout
        self.batches += 1
        done = messages
        if outcome.error is not None:
            done = []  # the whole batch returns to the queue
        elif "ReportBatchItemFailures" in (esm.function_response_types or []):
            failed = _batch_item_failures(outcome.payload)  # None: invalid, all fail (as AWS)
            done = [] if failed is None else [m for m in messages if m["MessageId"] not in failed]
        for message in done:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def _record(self, message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
        return events.sqs_record(
            message["Body"],
            queue_arn=queue_arn,
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            attributes=message.get("Attributes"),
            message_attributes={
                key: {
                    "stringValue": attr.get("StringValue"),
                    "binaryValue": attr.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": attr["DataType"],
                }
                for key, attr in (message.get("MessageAttributes") or {}).items()
            },
            md5_of_body=message.get("MD5OfBody"),
        )


def _enabled(esm: Any) -> bool:
    return bool(esm.enabled) and getattr(esm, "state", "Enabled") not in ("Disabled",)


def _batch_item_failures(payload: str | None) -> set[str] | None:
    """The message ids a ReportBatchItemFailures response names; None if malformed."""
    try:
        response = json.loads(payload or "null")
    except ValueError:
        return None
    if response is None or response == {}:
        return set()
    if not isinstance(response, dict) or not isinstance(response.get("batchItemFailures"), list):
        return set() if isinstance(response, dict) else None
    ids = set()
    for item in response["batchItemFailures"]:
        if not isinstance(item, dict) or not item.get("itemIdentifier"):
            return None
        ids.add(item["itemIdentifier"])
    return ids


def s3_notification(plugin: LambdaPlugin, event_body: dict[str, Any], fn_arn: str) -> None:
    """What S3 does for a Lambda notification: an async invoke with the full record."""
    record = event_body["Records"][0]
    s3 = record["s3"]
    full = events.s3_object_created(
        s3["bucket"]["name"],
        _unquote(s3["object"]["key"]),
        size=s3["object"].get("size", 0),
        etag=s3["object"].get("eTag"),
        event_name=record["eventName"],
        configuration_id=s3.get("configurationId") or "workshop-notification",
    )
    fn = plugin.function(fn_arn)
    plugin.queue.submit(fn, json.dumps(full), request_id=plugin.aws.ids.uuid4())


def _unquote(key: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(key)
