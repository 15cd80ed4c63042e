"""One run of a Lambda function: the execution environment, the invocation, the outcome.

:meth:`Runner.run` finds a free environment in the pool or starts one (the cold start's
INIT runs in a thread), sends the invocation and *awaits* the worker's answer (the event
loop serves other requests meanwhile), applies the function's timeout, memory and response
size, and hands START / END / REPORT and the function's output to CloudWatch Logs
(:func:`workshop_lib.lambda_runtime.logs.record`). Every caller goes through it: API
Gateway on its loop, boto3's ``invoke``, the async queue and event sources through
:meth:`LambdaPlugin.run <workshop_lib.lambda_runtime.service.LambdaPlugin.run>`, the thin
synchronous wrapper.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from workshop_lib.driver import blocking
from workshop_lib.lambda_runtime import logs, runtimes
from workshop_lib.lambda_runtime.environment import (
    EnvironmentGone,
    ExecutionEnvironment,
    FunctionSpec,
)

if TYPE_CHECKING:
    from workshop_lib.lambda_runtime.code import CodeStore
    from workshop_lib.lambda_runtime.model import FunctionModels
    from workshop_lib.lambda_runtime.pool import EnvironmentPool
    from workshop_lib.sandbox import Sandbox

RESPONSE_LIMIT = 6_291_556  # what AWS reports in Function.ResponseSizeTooLarge


@dataclass
class Outcome:
    """What one run of a function produced."""

    request_id: str
    version: str
    payload: str | bytes | None = None  # bytes: a handler's bytes result, passed through
    error: dict[str, Any] | None = None
    log_events: list[str] = field(default_factory=list)
    cold: bool = False
    duration_ms: float = 0.0
    init_ms: float | None = None
    environment: str = ""
    #: INIT ran again in an environment an invoke-phase timeout, crash or out-of-memory had
    #: reset: REPORT shows no Init Duration, and Duration includes the INIT time
    suppressed_init: bool = False

    @property
    def function_error(self) -> str | None:
        return "Unhandled" if self.error is not None else None

    @property
    def body(self) -> bytes:
        """The response payload as the Invoke API returns it."""
        if self.error is not None:
            return json.dumps(self.error).encode()
        if isinstance(self.payload, bytes):
            return self.payload
        return (self.payload or "null").encode()


@dataclass(frozen=True)
class DecodedEvent:
    """An event that is already a JSON value (the gateway builds its proxy event as a dict):
    the runtime receives it as is, without a round trip through JSON text. It must hold
    JSON types only (dict, list, str, number, bool, None)."""

    value: Any


@dataclass
class _Call:
    """One run of a function on its way through :meth:`LambdaPlugin.run`."""

    spec: FunctionSpec
    event: str | DecodedEvent
    qualifier: str | None
    client_context: dict[str, Any] | None
    outcome: Outcome
    env: ExecutionEnvironment | None = None
    cold: bool = False
    events: list[str] = field(default_factory=list)
    status: str | None = None
    max_memory: int = 0
    reusable: bool = False
    invoking: bool = False  # past INIT: a failure now resets the environment


class Runner:
    """Runs functions in execution environments (no Docker)."""

    def __init__(
        self,
        aws: Sandbox,
        models: FunctionModels,
        code: CodeStore,
        cloudwatch: logs.CloudWatchWriter,
        init_timeout_s: float,
    ) -> None:
        self.aws, self.models, self.code = aws, models, code
        self.cloudwatch = cloudwatch
        self.init_timeout_s = init_timeout_s
        self.pool: EnvironmentPool | None = None  # set by the service, which makes the pool
        # environments reset by an invoke-phase failure, per function ARN: (the spec's key,
        # the log stream), waiting for the invocation that initialises them again
        self._reset: dict[str, list[tuple[tuple, str]]] = {}
        self._reset_lock = threading.Lock()

    def forget_resets(self, arn: str | None = None) -> None:
        """Environments a failure reset start plainly cold next (of one function, or all)."""
        with self._reset_lock:
            if arn is None:
                self._reset.clear()
            else:
                self._reset.pop(arn, None)

    async def run(
        self,
        fn: Any,
        event: str | DecodedEvent,
        *,
        qualifier: str | None = None,
        client_context: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> Outcome:
        """Run ``event`` (JSON text, or a :class:`DecodedEvent`) through function ``fn``;
        :class:`Throttled` if no room. A warm invocation's worker hop is awaited (the loop
        serves other requests meanwhile); a cold start's INIT runs in a thread."""
        call = self._begin(fn, event, qualifier, client_context, request_id)
        if call.env is None:
            return call.outcome
        try:
            if call.cold:
                await blocking(self._init, call)
            call.events.append(logs.start_line(call.outcome.request_id, call.spec.version))
            if call.outcome.error is None:
                request = self._request(call)
                call.invoking = True
                self._record(call, await call.env.call(request, call.spec.timeout_s))
        except EnvironmentGone as exc:
            self._gone(call, exc)
        finally:
            self.pool.release(call.spec, call.env, call.reusable)
        return self._finish(call)

    def _begin(
        self,
        fn: Any,
        event: str | DecodedEvent,
        qualifier: str | None,
        client_context: dict[str, Any] | None,
        request_id: str | None,
    ) -> _Call:
        spec = self.models.spec(fn)
        request_id = request_id or self.aws.ids.uuid4()
        outcome = Outcome(request_id=request_id, version=spec.version)
        call = _Call(spec, event, qualifier, client_context, outcome)
        if not runtimes.is_python(spec.runtime):
            outcome.error = runtimes.not_runnable_error(spec.runtime, request_id)
            return call
        call.env, call.cold = self.pool.acquire(spec)
        outcome.cold, outcome.environment = call.cold, call.env.id
        outcome.suppressed_init = call.cold and call.env.after_reset
        call.max_memory = call.env.max_memory_mb
        return call

    def _init(self, call: _Call) -> None:
        """The cold start: INIT in the new environment (blocking)."""
        spec, outcome = call.spec, call.outcome
        ready = call.env.init(self.aws.clock.time(), max(self.init_timeout_s, spec.timeout_s))
        outcome.init_ms = ready["init_ms"]
        call.events += ready.get("logs", [])
        call.max_memory = ready.get("max_memory_mb", 0)
        if ready.get("error"):
            outcome.error = ready["error"]
            call.status = (
                f"error\tError Type: {ready['error'].get('errorType') or 'Runtime.Unknown'}"
            )
        elif call.max_memory > spec.memory_mb:
            self._out_of_memory(call)

    def _record(self, call: _Call, result: dict[str, Any] | None) -> None:
        """What the runtime answered (None: the function's own timeout)."""
        spec, outcome, request_id = call.spec, call.outcome, call.outcome.request_id
        if result is None:
            outcome.duration_ms = spec.timeout_s * 1000
            message = f"Task timed out after {spec.timeout_s:.2f} seconds"
            call.events.append(f"{self._iso_now()} {request_id} {message}")
            outcome.error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: {message}",
            }
            call.status = "timeout"
            return
        call.events += result["logs"]
        outcome.duration_ms = result["duration_ms"]
        call.max_memory = result.get("max_memory_mb", call.max_memory)
        if call.max_memory > spec.memory_mb:
            self._out_of_memory(call)
            return
        outcome.payload, outcome.error = result["payload"], result["error"]
        call.reusable = True

    def _out_of_memory(self, call: _Call) -> None:
        """Over the function's memory: Lambda stops the runtime, the invocation fails and the
        environment is gone. The sandbox checks the worker's peak after INIT and after each
        invocation, so the function ran to its end first (its side effects happened)."""
        call.outcome.payload = None
        call.outcome.error = {
            "errorType": "Runtime.OutOfMemory",
            "errorMessage": f"RequestId: {call.outcome.request_id} Error: "
            "Runtime exited with error: signal: killed",
        }
        call.status = "error\tError Type: Runtime.OutOfMemory"
        call.max_memory = call.spec.memory_mb  # the REPORT line shows the limit it hit
        call.reusable = False  # released, the environment is killed

    def _gone(self, call: _Call, exc: EnvironmentGone) -> None:
        call.outcome.error = {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {call.outcome.request_id} Error: {exc}",
        }
        call.status = "error\tError Type: Runtime.ExitError"

    def _finish(self, call: _Call) -> Outcome:
        """Size limit, END and REPORT, and the log events into CloudWatch Logs."""
        spec, outcome, request_id = call.spec, call.outcome, call.outcome.request_id
        if outcome.payload is not None and len(outcome.body) > RESPONSE_LIMIT:
            outcome.payload = None
            outcome.error = {
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({RESPONSE_LIMIT} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
        if outcome.suppressed_init and outcome.init_ms is not None:
            outcome.duration_ms += outcome.init_ms  # the INIT shows in this Duration instead
        self._note_reset(call)
        outcome.log_events = logs.record(
            self.cloudwatch,
            spec.log_group,
            call.env.log_stream,
            call.events,
            request_id,
            outcome.duration_ms,
            spec.memory_mb,
            call.max_memory,
            outcome.init_ms if call.cold and not outcome.suppressed_init else None,
            call.status,
        )
        return outcome

    def _request(self, call: _Call) -> dict[str, Any]:
        """What the worker gets for one invocation (bootstrap.invoke_handler reads it)."""
        clock, spec, qualifier, event = self.aws.clock, call.spec, call.qualifier, call.event
        invoked = spec.arn
        if qualifier and not invoked.endswith(f":{qualifier}"):
            invoked = f"{invoked}:{qualifier}"  # e.g. an alias: the ARN the caller used
        request = {
            "request_id": call.outcome.request_id,
            "deadline_ms": int((time.time() + spec.timeout_s) * 1000),
            "invoked_function_arn": invoked,
            "client_context": call.client_context,
            "clock": clock.time(),
            "clock_speed": (getattr(clock, "speed", None) if clock.virtual else 1.0),
        }
        if isinstance(event, DecodedEvent):
            request["event_value"] = event.value
        else:
            request["event"] = event
        return request

    def _iso_now(self) -> str:
        now = datetime.fromtimestamp(self.aws.clock.time(), tz=timezone.utc)
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"

    # -- environments ---------------------------------------------------------------------------

    def new_environment(self, spec: FunctionSpec) -> ExecutionEnvironment:
        """A new worker: in place of a reset environment of this configuration if there is
        one (its log stream goes on, as the environment does on AWS), else a fresh one."""
        reset_stream = self._take_reset(spec)
        stream = reset_stream
        if stream is None:
            now = self.aws.clock.now()
            stream = f"{now:%Y/%m/%d}/[{spec.version}]{self.aws.ids.hex(32)}"
        env = ExecutionEnvironment(
            spec,
            env_id=self.aws.ids.hex(8),
            log_stream=stream,
            runtime_dir=self.code.runtime_dir(),
            endpoint_url=self.aws.endpoint_url,
            credentials=self._credentials(),
        )
        env.after_reset = reset_stream is not None
        return env

    def _take_reset(self, spec: FunctionSpec) -> str | None:
        with self._reset_lock:
            waiting = [r for r in self._reset.get(spec.arn, []) if r[0] == spec.key]
            if not waiting:
                self._reset.pop(spec.arn, None)  # none, or only of an older configuration
                return None
            _, stream = waiting.pop(0)
            self._reset[spec.arn] = waiting
            return stream

    def _note_reset(self, call: _Call) -> None:
        """An invoke-phase timeout, crash or out-of-memory: Lambda resets the environment
        and initialises it again on its next invocation, without reporting an Init Duration
        (the developer guide's "suppressed init", lambda-runtime-environment.html)."""
        if call.invoking and not call.reusable and call.status is not None:
            with self._reset_lock:
                resets = self._reset.setdefault(call.spec.arn, [])
                resets.append((call.spec.key, call.env.log_stream))

    def _credentials(self) -> dict[str, str]:
        from workshop_lib.sandbox import FAKE_CREDENTIALS

        return dict(FAKE_CREDENTIALS)
