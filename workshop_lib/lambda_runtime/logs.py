"""Lambda's log lines (START, END, REPORT) and their delivery to CloudWatch Logs.

The platform writes START before and END / REPORT after the function's own output, one
log event each; everything goes to the log group ``/aws/lambda/NAME`` in the stream of the
execution environment, through moto's CloudWatch Logs backend.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from datetime import datetime, timezone
from typing import Any

from workshop_lib import facts, seams

TAIL_BYTES = 4096  # LogType=Tail returns the last 4 KB of the invocation's log
EVENT_MAX_BYTES = int(facts.value("logs.event_max_kb")) * 1024  # one CloudWatch Logs event


def cut(messages: list[str]) -> list[str]:
    """The events CloudWatch Logs stores for ``messages``: a message over
    :data:`EVENT_MAX_BYTES` of UTF-8 becomes consecutive events of at most that size, cut
    between characters (a 10 MB print is 40 events, not one)."""
    if max(map(len, messages), default=0) * 4 <= EVENT_MAX_BYTES:  # a character: <= 4 bytes
        return messages
    events = []
    for message in messages:
        data = message.encode()
        if len(data) <= EVENT_MAX_BYTES:
            events.append(message)
            continue
        start = 0
        while start < len(data):
            end = min(start + EVENT_MAX_BYTES, len(data))
            while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character
                end -= 1
            events.append(data[start:end].decode())
            start = end
    return events


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def billed_ms(duration_ms: float, init_ms: float | None = None) -> int:
    """Billed Duration: rounded up to 1 ms; a cold start's INIT is billed too (since 2025)."""
    return max(1, math.ceil(duration_ms + (init_ms or 0.0)))


def report_line(
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_memory_mb: int,
    init_ms: float | None = None,
    status: str | None = None,
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms(duration_ms, init_ms)} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_memory_mb} MB",
    ]
    if init_ms is not None:
        parts.append(f"Init Duration: {init_ms:.2f} ms")
    if status is not None:
        parts.append(f"Status: {status}")
    return "\t".join(parts) + "\t"


def record(
    writer: CloudWatchWriter,
    group: str,
    stream: str,
    events: list[str],
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_memory_mb: int,
    init_ms: float | None = None,
    status: str | None = None,
) -> list[str]:
    """The end of one invocation's log: END and REPORT after ``events`` (START and the
    function's output), all written to the environment's stream; returns the events."""
    events.append(end_line(request_id))
    events.append(report_line(request_id, duration_ms, memory_mb, max_memory_mb, init_ms, status))
    writer.write(group, stream, events)
    return events


def tail(events: list[str]) -> str:
    """The base64 ``LogResult`` of ``LogType=Tail``: the last 4 KB of the log."""
    text = "\n".join(events) + "\n"
    data = text.encode()[-TAIL_BYTES:]
    return base64.b64encode(data).decode()


def append_events(log_stream: Any, messages: list[str], now: float) -> None:
    """What moto's ``LogStream.put_log_events`` does for events stamped ``now`` on a stream
    without subscription filters, minus its two clock conversions per call (half its cost,
    three events of every invocation). Mirrors moto 5.2.5 line for line, and each event is
    what ``LogEvent(stamp, {...})`` makes (``BaseModel.__new__`` tracks it, ``__init__``
    numbers it), set directly: a third of the cost. The sources it mirrors are pinned in
    tests/test_lambda_seams.py, so a moto upgrade fails loudly."""
    log_event = seams.moto_object("moto.logs.models:LogEvent")
    ingested = datetime.fromtimestamp(now, timezone.utc).replace(tzinfo=None)  # utcnow()
    log_stream.last_ingestion_time = ingested
    log_stream.stored_bytes += sum(map(len, messages))
    stamp = int(now * 1000)
    first = log_event._event_id
    log_event._event_id = first + len(messages)
    made = []
    for number, message in enumerate(messages, first):
        event = object.__new__(log_event)
        event.ingestion_time = stamp
        event.timestamp = stamp
        event.message = message
        event.event_id = number
        made.append(event)
    log_event.instances_tracked += made
    log_stream.events += made
    log_stream.upload_sequence_token += 1


class CloudWatchWriter:
    """Writes log events into moto's CloudWatch Logs for one account and region.

    A stream keeps its latest :attr:`max_events` events (CloudWatch keeps them all, until a
    retention policy says otherwise): a sandbox that serves an API for hours (``workshop sls
    offline``) would otherwise grow by about 1 KB per request. Three events per invocation,
    so an execution environment's stream holds its last ~3,300 invocations. All the streams
    written here hold at most :attr:`max_total` events together: past it, the streams
    written least recently (those of retired environments first) lose their oldest events,
    so the sandbox's logs stop growing however many environments came and went.
    """

    max_events = 10_000
    #: events kept in all the streams this writer writes, together
    max_total = 30_000
    trim_every = 1_000  # trimmed in chunks: one list move per thousand events, not per write
    #: moto keeps every model it ever made in ``<class>.instances_tracked`` (for its
    #: ``/moto-api/data.json`` dump), so a trimmed event would live on there: the tracker
    #: keeps the latest this many log events, of all streams (as many as they hold together).
    max_tracked = max_total

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region
        # the streams written, least recently written first, and their events in total
        self._streams: dict[int, Any] = {}
        self._total = 0
        self._lock = threading.Lock()

    def _backend(self):  # noqa: ANN202 - moto type
        registry = seams.moto_object("moto.logs.models:logs_backends")
        return seams.moto_backend(registry, self.account_id, self.region)

    def write(self, group: str, stream: str, events: list[str]) -> None:
        """Append events now (CloudWatch keeps real ingestion times, whatever the clock),
        each long one cut to CloudWatch's event size (:func:`cut`).

        Straight into the stream (subscription filters still see them): the backend's
        ``put_log_events`` only adds a check that timestamps are within 14 days back and
        2 hours ahead, which "now" always is.
        """
        if not events:
            return
        events = cut(events)
        backend = self._backend()
        log_group = backend.groups.get(group)
        if log_group is None:
            backend.ensure_log_group(group)
            log_group = backend.groups[group]
        log_stream = log_group.streams.get(stream)
        if log_stream is None:
            backend.create_log_stream(group, stream)
            log_stream = log_group.streams[stream]
        now = time.time()
        if log_stream.log_group.subscription_filters:  # moto delivers to the subscribers
            stamp = int(now * 1000)
            log_stream.put_log_events([{"timestamp": stamp, "message": e} for e in events])
        else:
            append_events(log_stream, events, now)
        with self._lock:
            self._total += len(events)
            self._streams.pop(id(log_stream), None)  # now the most recently written
            self._streams[id(log_stream)] = log_stream
            extra = len(log_stream.events) - self.max_events
            if extra >= self.trim_every:
                del log_stream.events[:extra]
                self._total -= extra
            if self._total - self.max_total >= self.trim_every:
                self._trim_total()
        tracked = seams.moto_object("moto.logs.models:LogEvent").instances_tracked
        extra = len(tracked) - self.max_tracked
        if extra >= self.trim_every:
            del tracked[:extra]

    def _trim_total(self) -> None:
        """Bring the streams back to :attr:`max_total` events, least recently written first
        (under ``_lock``)."""
        self._total = sum(len(stream.events) for stream in self._streams.values())
        for key, stream in list(self._streams.items()):
            excess = self._total - self.max_total
            if excess <= 0:
                break
            cut = min(excess, len(stream.events))
            del stream.events[:cut]
            self._total -= cut
            if not stream.events:
                del self._streams[key]
