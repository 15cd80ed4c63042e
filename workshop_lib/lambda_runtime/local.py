"""Run a handler defined in a notebook cell, in this process, the way Lambda would.

For the first exercises: no zip, no worker, a debugger works. The event and the result
make the same JSON round trip as on AWS, the handler gets the same :class:`LambdaContext`,
its ``print`` and ``logging`` output is captured in AWS's format between START, END and
REPORT lines, and a timeout stops it (in the main thread, with a timer signal). The REPORT's
"Max Memory Used" is the handler's own peak allocation (see :class:`_HandlerMemory`), and a
handler that allocates more than the memory size fails with ``Runtime.OutOfMemory``. Without a
sandbox running (``workshop sls invoke local``), the sandbox's network guard is on for the
call: the handler's AWS calls are refused rather than sent to real AWS with the learner's
own credentials.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workshop_lib import netguard
from workshop_lib.ids import IdGenerator
from workshop_lib.lambda_runtime import bootstrap, logs

_IDS = IdGenerator(0)


@dataclass
class LocalResult:
    """What a local invocation returned, printed and measured."""

    request_id: str
    payload: str | None
    error: dict[str, Any] | None
    log_events: list[str] = field(default_factory=list)
    duration_ms: float = 0.0

    @property
    def result(self) -> Any:
        """The handler's return value after the JSON round trip (``None`` on error)."""
        return None if self.payload is None else json.loads(self.payload)

    @property
    def logs(self) -> str:
        return "\n".join(self.log_events)

    def __repr__(self) -> str:
        if self.error is not None:
            return f"LocalResult(error={self.error['errorType']}: {self.error['errorMessage']})"
        return f"LocalResult(result={self.result!r})"


class _TimedOut(BaseException):
    """Raised inside the handler when its time is up (BaseException: handlers catch less)."""


def _context_env(name: str, memory_mb: int, region: str, stream: str) -> dict[str, str]:
    return {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_REGION": region,
    }


def invoke_local(
    handler: Callable[[Any, Any], Any],
    event: Any = None,
    *,
    function_name: str = "notebook-function",
    memory_mb: int = 128,
    timeout_s: float = 3.0,
    client_context: dict[str, Any] | None = None,
    show_logs: bool = True,
) -> LocalResult:
    """Invoke ``handler(event, context)`` here, as Lambda would; print its log if asked."""
    from workshop_lib import sandbox

    box = sandbox.active()
    ids = box.ids if box is not None else _IDS
    region = box.region if box is not None else "us-east-1"
    clock_now = box.clock.time() if box is not None else time.time()
    request_id = ids.uuid4()
    stream = f"{time.strftime('%Y/%m/%d', time.gmtime(clock_now))}/[$LATEST]{ids.hex(32)}"
    arn = f"arn:aws:lambda:{region}:123456789012:function:{function_name}"
    context = bootstrap.LambdaContext(
        request_id,
        client_context,
        None,
        int((time.time() + timeout_s) * 1000),
        arn,
        env=_context_env(function_name, memory_mb, region, stream),
    )
    try:
        parsed = json.loads(json.dumps(event if event is not None else {}))
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"the event must be JSON (AWS refuses it with InvalidRequestContentException): {exc}"
        ) from None
    sink = bootstrap.LogSink()
    events = [logs.start_line(request_id, "$LATEST")]
    payload, error, status = None, None, None
    started = time.perf_counter()
    enforced = False
    memory = _HandlerMemory()
    try:
        with (
            _guarded(box is None),
            _captured(sink, request_id, clock_now, box),
            memory,
            _deadline(timeout_s) as enforced,
        ):
            try:
                payload = bootstrap.to_json(handler(parsed, context))
            except bootstrap.FaultException as e:
                error = bootstrap.make_error(e.msg, e.exception_type, e.trace, request_id)
            except Exception as e:
                error = bootstrap.error_from_exception(e, request_id)
    except _TimedOut:
        status = "timeout"
    duration = (time.perf_counter() - started) * 1000
    if error is not None:
        sink.event(bootstrap.error_log_text(error))
    events += sink.take()
    if status == "timeout" or (not enforced and duration > timeout_s * 1000):
        message = f"Task timed out after {timeout_s:.2f} seconds"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(clock_now))
        events.append(f"{stamp}.{int(clock_now % 1 * 1000):03d}Z {request_id} {message}")
        payload = None
        error = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: {message}",
        }
        duration, status = timeout_s * 1000, "timeout"
    used_mb = memory.peak_mb
    if status != "timeout" and used_mb > memory_mb:
        # as a deployed function's worker: over the memory size, the invocation fails (the
        # handler ran to its end here: the kernel cannot be stopped at the limit)
        payload, used_mb = None, memory_mb
        error = {
            "errorType": "Runtime.OutOfMemory",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
            "signal: killed",
        }
        status = "error\tError Type: Runtime.OutOfMemory"
    events += [
        logs.end_line(request_id),
        logs.report_line(request_id, duration, memory_mb, used_mb, status=status),
    ]
    result = LocalResult(request_id, payload, error, events, duration)
    if show_logs:
        print(result.logs)
    return result


def _captured(
    sink: bootstrap.LogSink, request_id: str, clock_now: float, box: Any
) -> bootstrap.Capture:
    """Send print() and logging to ``sink`` with the runtime's format while the handler runs."""
    speed = (getattr(box.clock, "speed", None) if box.clock.virtual else 1.0) if box else 1.0
    return bootstrap.Capture(sink, request_id, bootstrap.PlatformClock(clock_now, speed))


class _HandlerMemory:
    """The peak of what the handler allocates, for the REPORT line's "Max Memory Used".

    The handler runs in the notebook's process, whose resident memory is the kernel's (large
    before any handler runs), so that says nothing about the handler. Python's
    tracemalloc counts the handler's own allocations instead: its peak, in MB rounded up,
    is what invoke_local reports and holds against the memory size. Lambda's figure also
    counts the runtime around the handler; a deployed function's REPORT (its worker's peak)
    is the comparable one."""

    def __init__(self) -> None:
        self.peak_bytes = 0
        self._started = False

    def __enter__(self) -> _HandlerMemory:
        import tracemalloc

        self._started = not tracemalloc.is_tracing()
        if self._started:
            tracemalloc.start()
        self._base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        return self

    def __exit__(self, *exc: Any) -> None:
        import tracemalloc

        self.peak_bytes = max(0, tracemalloc.get_traced_memory()[1] - self._base)
        if self._started:
            tracemalloc.stop()

    @property
    def peak_mb(self) -> int:
        return max(1, -(-self.peak_bytes // (1024 * 1024)))


@contextlib.contextmanager
def _guarded(needed: bool):
    """The sandbox's network guard for the call, when no sandbox (which has it on) runs; the
    process is left as it was afterwards."""
    if not needed:
        yield
        return
    with netguard.guarded():
        yield


@contextlib.contextmanager
def _deadline(timeout_s: float):
    """Interrupt the handler after ``timeout_s`` (only possible in the main thread)."""
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    if not usable:
        yield False
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TimedOut()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


__all__ = ["LocalResult", "invoke_local"]
