"""Asynchronous invocation: Lambda's internal event queue, retries and failure delivery.

``InvocationType="Event"`` returns 202 at once and the event waits here. A function error
is retried ``MaximumRetryAttempts`` times (default 2), one minute before the second attempt
and two minutes before the third, as AWS documents; throttled events are retried with
exponential back-off from 1 s to 5 min; an event older than ``MaximumEventAgeInSeconds`` is
dropped. What finally fails goes to the dead-letter queue (SQS or SNS, with the
``RequestID`` / ``ErrorCode`` / ``ErrorMessage`` attributes) and to the ``OnFailure``
destination (an invocation record); successes go to ``OnSuccess``.

Waiting happens on the sandbox clock: a frozen virtual clock jumps to the next due event,
a compressed one waits its share, and the real clock is compressed by ``speedup`` (default
60: a one-minute retry takes one second), so a notebook never waits minutes.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from workshop_lib.facts import value
from workshop_lib.lambda_runtime.pool import Throttled

if TYPE_CHECKING:
    from workshop_lib.lambda_runtime.service import LambdaPlugin, Outcome

RETRY_DELAYS_S = (60.0, 120.0)  # before the second and the third attempt
THROTTLE_BACKOFF_MAX_S = 300.0


@dataclass
class AsyncEvent:
    """One queued event and what happened to it so far."""

    function_name: str
    qualifier: str | None
    payload: str
    request_id: str
    enqueued: float  # queue time (sandbox seconds)
    attempts: int = 0
    throttles: int = 0
    due: float = 0.0
    attempt_times: list[float] = field(default_factory=list)  # queue time of each attempt
    result: str = ""  # how it ended: Success, RetriesExhausted, EventAgeExceeded, ...
    last: Outcome | None = field(default=None, repr=False)


@dataclass
class Stats:
    """Counters a test or a notebook can read: every event ends in exactly one of the last four."""

    queued: int = 0
    attempts: int = 0
    succeeded: int = 0
    dead_lettered: int = 0  # delivered to a DLQ and/or an OnFailure destination
    dropped: int = 0  # failed with nowhere to deliver it
    expired: int = 0  # older than MaximumEventAgeInSeconds (also delivered, if configured)


class AsyncQueue:
    """The queue, its scheduler thread and a small pool of invoker threads."""

    def __init__(self, plugin: LambdaPlugin, speedup: float = 60.0) -> None:
        self.plugin = plugin
        self.speedup = speedup
        self.stats = Stats()
        self.finished: list[AsyncEvent] = []  # every event that ended, in order
        self._heap: list[tuple[float, int, AsyncEvent]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stop = False
        self._in_flight = 0
        self._t0_clock = plugin.aws.clock.time()
        self._t0_real = time.monotonic()
        self._workers = ThreadPoolExecutor(
            max_workers=max(2, plugin.account_concurrency), thread_name_prefix="lambda-async"
        )
        self._thread = threading.Thread(target=self._loop, daemon=True, name="lambda-async")
        self._thread.start()

    # -- time ---------------------------------------------------------------------------------
    def now(self) -> float:
        """Queue time in sandbox seconds."""
        clock = self.plugin.aws.clock
        if clock.virtual:
            return clock.time()
        return self._t0_clock + (time.monotonic() - self._t0_real) * self.speedup

    def _frozen(self) -> bool:
        clock = self.plugin.aws.clock
        return clock.virtual and getattr(clock, "speed", None) is None

    def _real_wait(self, due: float) -> float | None:
        """Real seconds until ``due``; None: wait for running work (frozen clock)."""
        clock = self.plugin.aws.clock
        ahead = due - self.now()
        if ahead <= 0:
            return 0.0
        if self._frozen():
            # a frozen clock jumps to the next event, but only once nothing is running:
            # what runs now may still schedule something earlier
            return 0.0 if self._in_flight == 0 else None
        speed = getattr(clock, "speed", None) if clock.virtual else self.speedup
        return ahead / speed

    # -- queueing -----------------------------------------------------------------------------
    def submit(
        self, fn: Any, payload: str, *, qualifier: str | None = None, request_id: str
    ) -> AsyncEvent:
        event = AsyncEvent(fn.function_name, qualifier, payload, request_id, self.now())
        with self._cond:
            self.stats.queued += 1
        self._schedule(event, 0.0)
        return event

    def _schedule(self, event: AsyncEvent, delay_s: float) -> None:
        event.due = self.now() + delay_s
        with self._cond:
            heapq.heappush(self._heap, (event.due, next(self._seq), event))
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stop:
                    if self._heap:
                        wait = self._real_wait(self._heap[0][0])
                        if wait is not None and wait <= 0:
                            break
                        self._cond.wait(0.5 if wait is None else min(wait, 0.5))
                    else:
                        self._cond.wait(0.5)
                if self._stop:
                    return
                due, _, event = heapq.heappop(self._heap)
                self._in_flight += 1
            clock = self.plugin.aws.clock
            if self._frozen() and due > clock.time():
                clock.advance(due - clock.time())
            self._workers.submit(self._attempt, event)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no event is queued or running (for tests and notebooks)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
        return True

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()
            self.stats = Stats()
            self.finished = []

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._heap.clear()
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._workers.shutdown(wait=True, cancel_futures=True)

    # -- one attempt ----------------------------------------------------------------------------
    def _attempt(self, event: AsyncEvent) -> None:
        try:
            self._run(event)
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def _run(self, event: AsyncEvent) -> None:
        from moto.awslambda.exceptions import UnknownFunctionException

        try:
            fn = self.plugin.function(event.function_name, event.qualifier)
        except UnknownFunctionException:
            self._count("dropped")  # the function was deleted while the event waited
            self._finish(event, "FunctionDeleted")
            return
        config = _invoke_config(fn)
        max_retries = int(config.get("MaximumRetryAttempts", value("lambda.async_retries")))
        max_age = float(
            config.get("MaximumEventAgeInSeconds", value("lambda.async_max_event_age_s"))
        )
        if self.now() - event.enqueued > max_age:
            self._count("expired")
            self._fail(fn, event, "EventAgeExceeded", config)
            return
        try:
            outcome = self.plugin.run(
                fn, event.payload, qualifier=event.qualifier, request_id=event.request_id
            )
        except Throttled:
            event.throttles += 1
            self._schedule(event, min(THROTTLE_BACKOFF_MAX_S, 2.0 ** (event.throttles - 1)))
            return
        event.attempts += 1
        event.attempt_times.append(self.now())
        event.last = outcome
        self._count("attempts")
        if outcome.error is None:
            self._count("succeeded")
            self._finish(event, "Success")
            self._deliver(fn, event, "Success", config)
        elif event.attempts <= max_retries:
            self._schedule(event, RETRY_DELAYS_S[min(event.attempts, len(RETRY_DELAYS_S)) - 1])
        else:
            self._fail(fn, event, "RetriesExhausted", config)

    def _finish(self, event: AsyncEvent, result: str) -> None:
        event.result = result
        with self._cond:
            self.finished.append(event)

    def _count(self, name: str) -> None:
        with self._cond:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    # -- delivery -------------------------------------------------------------------------------
    def _fail(self, fn: Any, event: AsyncEvent, condition: str, config: dict[str, Any]) -> None:
        self._finish(event, condition)
        delivered = False
        dlq = (getattr(fn, "dead_letter_config", None) or {}).get("TargetArn")
        try:
            if dlq:
                self._to_dead_letter_queue(dlq, event)
                delivered = True
            if self._deliver(fn, event, condition, config):
                delivered = True
        except Exception as exc:  # e.g. the queue was deleted: the event is lost, and counted
            event.result = f"{condition} (delivery failed: {type(exc).__name__})"
        if condition != "EventAgeExceeded":
            self._count("dead_lettered" if delivered else "dropped")
        elif delivered:
            self._count("dead_lettered")

    def _deliver(self, fn: Any, event: AsyncEvent, condition: str, config: dict) -> bool:
        kind = "OnSuccess" if condition == "Success" else "OnFailure"
        target = config.get("DestinationConfig", {}).get(kind, {}).get("Destination")
        if not target:
            return False
        self._send(target, json.dumps(self.record(fn, event, condition)), condition=condition)
        return True

    def record(self, fn: Any, event: AsyncEvent, condition: str) -> dict[str, Any]:
        """The invocation record a destination receives, in AWS's shape."""
        version = event.last.version if event.last else "$LATEST"
        qualified = (
            fn.function_arn
            if fn.function_arn.count(":") > 6
            else (f"{fn.function_arn}:{event.qualifier or '$LATEST'}")
        )
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": _iso(self.plugin.aws.clock.time()),
            "requestContext": {
                "requestId": event.request_id,
                "functionArn": qualified,
                "condition": condition,
                "approximateInvokeCount": event.attempts,
            },
            "requestPayload": json.loads(event.payload),
        }
        if event.last is not None:
            response: dict[str, Any] = {"statusCode": 200, "executedVersion": version}
            if event.last.function_error:
                response["functionError"] = event.last.function_error
            record["responseContext"] = response
            record["responsePayload"] = json.loads(event.last.body)
        return record

    def _to_dead_letter_queue(self, target: str, event: AsyncEvent) -> None:
        error = (event.last.error or {}) if event.last else {}
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": event.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {
                "DataType": "String",
                "StringValue": error.get("errorMessage", "Event age exceeded")[:1024] or "-",
            },
        }
        self._send(target, event.payload, attributes=attributes)

    def _send(
        self,
        target: str,
        body: str,
        attributes: dict[str, Any] | None = None,
        condition: str = "",
    ) -> None:
        aws = self.plugin.aws
        service = target.split(":")[2]
        name = target.split(":")[-1]
        if service == "sqs":
            sqs = aws.client("sqs")
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            extra = {"MessageAttributes": attributes} if attributes else {}
            sqs.send_message(QueueUrl=url, MessageBody=body, **extra)
        elif service == "sns":
            extra = {"MessageAttributes": attributes} if attributes else {}
            aws.client("sns").publish(TopicArn=target, Message=body, **extra)
        elif service == "lambda":
            target_fn = self.plugin.function(name, None)
            self.submit(target_fn, body, request_id=aws.ids.uuid4())
        elif service == "events":
            aws.client("events").put_events(
                Entries=[
                    {
                        "Source": "lambda",
                        "DetailType": "Lambda Function Invocation Result - "
                        + ("Success" if condition == "Success" else "Failure"),
                        "Detail": body,
                        "EventBusName": target,
                    }
                ]
            )


def _invoke_config(fn: Any) -> dict[str, Any]:
    configs = getattr(fn, "event_invoke_config", None) or []
    return dict(configs[0].config) if configs else {}


def _iso(epoch: float) -> str:
    now = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
