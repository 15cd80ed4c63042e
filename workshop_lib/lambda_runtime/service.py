"""The Lambda service of the sandbox: one ``run`` that every caller shares.

boto3's ``invoke`` (through moto's Lambda API), the async queue, event sources and API
Gateway all reach :meth:`LambdaLayer.run`: find or start an execution environment, run the
event with a deadline, write START / END / REPORT and the function's output to CloudWatch
Logs, and return the outcome. :meth:`LambdaLayer.api_invoke` adds what the ``Invoke`` API
does around it: invocation types, payload limits, ``LogType=Tail`` and response headers.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moto.core.exceptions import JsonRESTError

from workshop_lib import tempdirs
from workshop_lib.driver import Driver, blocking
from workshop_lib.facts import value
from workshop_lib.lambda_runtime import logs, patches, runtimes
from workshop_lib.lambda_runtime.code import CodeError, CodeStore
from workshop_lib.lambda_runtime.environment import (
    EnvironmentGone,
    ExecutionEnvironment,
    FunctionSpec,
)
from workshop_lib.lambda_runtime.pool import EnvironmentPool, Throttled

if TYPE_CHECKING:
    from workshop_lib.sandbox import Sandbox

MB = 1024 * 1024
RESPONSE_LIMIT = 6_291_556  # what AWS reports in Function.ResponseSizeTooLarge


class TooManyRequestsException(JsonRESTError):
    """429 with AWS's ``Reason``."""

    code = 429

    def __init__(self, reason: str) -> None:
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        self.description = json.dumps(
            {"Reason": reason, "Type": "User", "message": "Rate Exceeded."}
        )


class RequestTooLargeException(JsonRESTError):
    code = 413

    def __init__(self, limit: int, operation: str) -> None:
        super().__init__(
            "RequestTooLargeException",
            f"Request must be smaller than {limit} bytes for the {operation} operation",
        )


class InvalidRequestContentException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestContentException", message)


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
    the runtime receives it as is, without a round trip through JSON text (~10 µs of each
    served request). It must hold JSON types only (dict, list, str, number, bool, None)."""

    value: Any


@dataclass
class _Call:
    """One run of a function on its way through :meth:`LambdaLayer.run`."""

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


async def _hop(
    env: ExecutionEnvironment,
    request: dict[str, Any],
    timeout_s: float,
) -> dict[str, Any] | None:
    """One invocation without blocking the loop: send it, wait for the answer's pipe to turn
    readable (or the deadline: None, the environment killed), read it."""
    loop = asyncio.get_running_loop()
    answered = loop.create_future()

    def settle(value: bool) -> None:
        if not answered.done():
            answered.set_result(value)

    env.submit(request)
    env.watch(loop, settle)
    deadline = loop.call_later(max(0.0, timeout_s), settle, False)
    try:
        in_time = await answered
    except BaseException:  # cancelled (the server stopping): the environment's state is unknown
        env.kill()
        raise
    finally:
        deadline.cancel()
    if not in_time:
        env.kill()
        return None
    return env.collect()


class LambdaLayer:
    """Real execution of Lambda functions in the sandbox (no Docker)."""

    name = "lambda"

    def __init__(
        self,
        *,
        account_concurrency: int = 10,
        idle_seconds: float = 300.0,
        async_speedup: float = 60.0,
        init_timeout_s: float = 10.0,
    ) -> None:
        self.account_concurrency = account_concurrency
        self.idle_seconds = idle_seconds
        self.async_speedup = async_speedup
        self.init_timeout_s = init_timeout_s
        self.aws: Sandbox | None = None
        # environments reset by an invoke-phase failure, per function ARN: (the spec's key,
        # the log stream), waiting for the invocation that initialises them again
        self._reset: dict[str, list[tuple[tuple, str]]] = {}
        self._reset_lock = threading.Lock()

    # -- life cycle ---------------------------------------------------------------------------
    def install(self, aws: Sandbox) -> None:
        from workshop_lib.lambda_runtime import asyncq, patches, sources

        self.aws = aws
        self._tmp = tempdirs.temporary("lambda")
        self.code = CodeStore(Path(self._tmp.name))
        self.pool = EnvironmentPool(
            self._new_environment, self.account_concurrency, self.idle_seconds, aws.clock.time
        )
        self.cloudwatch = logs.CloudWatchWriter(aws.account_id, aws.region)
        self.queue = asyncq.AsyncQueue(self, speedup=self.async_speedup)
        self.poller = sources.SqsPoller(self)
        self.driver = Driver("lambda-driver")
        patches.install(self)

    def uninstall(self, aws: Sandbox) -> None:
        from workshop_lib.lambda_runtime import patches

        patches.uninstall(self)
        self.poller.stop()
        self.queue.stop()
        self.driver.stop()
        self.pool.shutdown()
        self._tmp.cleanup()

    def reset(self, aws: Sandbox) -> None:
        self.queue.clear()
        self.pool.retire()
        with self._reset_lock:
            self._reset.clear()

    def retire(self, function_name: str | None = None) -> int:
        """Recycle idle execution environments (of one function, or all): the next
        invocation is a cold start. Returns how many were stopped."""
        with self._reset_lock:  # environments a failure reset go too: a plain cold start next
            if function_name is None:
                self._reset.clear()
            else:
                self._reset.pop(self.function(function_name).function_arn, None)
        if function_name is None:
            return self.pool.retire()
        return self.pool.retire(self.function(function_name).function_arn)

    def function(self, name: str, qualifier: str | None = None) -> Any:
        """moto's model of a function (UnknownFunctionException if there is none)."""
        return self._backend().get_function(name, qualifier)

    def _backend(self) -> Any:
        """moto's Lambda backend, as ``moto.awslambda.utils.get_backend`` picks it (cheaply)."""
        from moto.core.models import default_user_config

        if default_user_config.get("lambda", {}).get("use_docker", True) is False:
            from moto.awslambda_simple.models import lambda_simple_backends as backends
        else:
            from moto.awslambda.models import lambda_backends as backends
        return logs.moto_backend(backends, self.aws.account_id, self.aws.region)

    # -- from moto's model to a spec --------------------------------------------------------------
    def spec_for(self, fn: Any, qualifier: str | None = None) -> FunctionSpec:
        """The :class:`FunctionSpec` of a moto ``LambdaFunction`` (code unpacked once)."""
        try:
            code_dir = self.code.function_dir(fn.code_sha_256, fn.code_bytes)
        except CodeError as exc:
            raise runtimes.InvalidParameterValueException(str(exc)) from None
        python = f"python{'.'.join(runtimes.python_version_of(fn.run_time))}"
        layers = [self._layer_code(layer["Arn"]) for layer in fn.layers]
        reserved = fn.reserved_concurrency
        return FunctionSpec(
            name=fn.function_name,
            arn=fn.function_arn,
            version=str(fn.version),
            handler=fn.handler or "",
            runtime=fn.run_time or "",
            memory_mb=int(fn.memory_size),
            timeout_s=float(fn.timeout),
            region=fn.region,
            variables=dict(fn.environment_vars or {}),
            code_dir=str(code_dir),
            layer_paths=tuple(self.code.layer_paths(layers, python)),
            reserved_concurrency=None if reserved is None else int(reserved),
            tmp_mb=int(getattr(fn, "ephemeral_storage", None) or value("lambda.tmp_default_mb")),
        )

    def _layer_code(self, arn: str) -> tuple[str, bytes]:
        layer = self._backend().layers_versions_by_arn(arn)
        return layer.code_sha_256, layer.code_bytes

    def _new_environment(self, spec: FunctionSpec) -> ExecutionEnvironment:
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

    # -- running ------------------------------------------------------------------------------
    def run(
        self,
        fn: Any,
        event: str | DecodedEvent,
        *,
        qualifier: str | None = None,
        client_context: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> Outcome:
        """:meth:`run_async` for synchronous callers (boto3's ``invoke``, the async queue,
        event sources): the same run on the request driver's loop."""
        return self.driver.run(
            self.run_async(
                fn,
                event,
                qualifier=qualifier,
                client_context=client_context,
                request_id=request_id,
            )
        )

    async def run_async(
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
                request = self._invoke_request(call)
                call.invoking = True
                self._record(call, await _hop(call.env, request, call.spec.timeout_s))
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
        spec = self.spec_for(fn, qualifier)
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

    def _invoke_request(self, call: _Call) -> dict[str, Any]:
        return self._request(
            call.spec, call.event, call.outcome.request_id, call.client_context, call.qualifier
        )

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
        call.events.append(logs.end_line(request_id))
        call.events.append(
            logs.report_line(
                request_id,
                outcome.duration_ms,
                spec.memory_mb,
                call.max_memory,
                outcome.init_ms if call.cold and not outcome.suppressed_init else None,
                call.status,
            )
        )
        self._note_reset(call)
        outcome.log_events = call.events
        self.cloudwatch.write(spec.log_group, call.env.log_stream, call.events)
        return outcome

    def _request(
        self,
        spec: FunctionSpec,
        event: str | DecodedEvent,
        request_id: str,
        client_context: dict | None,
        qualifier: str | None,
    ) -> dict[str, Any]:
        clock = self.aws.clock
        invoked = spec.arn
        if qualifier and not invoked.endswith(f":{qualifier}"):
            invoked = f"{invoked}:{qualifier}"  # e.g. an alias: the ARN the caller used
        request = {
            "request_id": request_id,
            "deadline_ms": int((time.time() + spec.timeout_s) * 1000),
            "invoked_function_arn": invoked,
            "client_context": client_context,
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

    # -- the Invoke API ---------------------------------------------------------------------------
    def api_invoke(
        self,
        fn: Any,
        body: str | bytes | None,
        headers: Any,
        response_headers: dict[str, str],
        qualifier: str | None = None,
    ) -> bytes:
        """What moto's Invoke API returns: the payload, with AWS's headers set."""
        invocation_type = headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        raw = body.encode() if isinstance(body, str) else (body or b"")
        if invocation_type == "DryRun":
            return b""
        limit_mb = (
            "lambda.payload_async_mb" if invocation_type == "Event" else ("lambda.payload_sync_mb")
        )
        limit = int(value(limit_mb)) * MB
        if len(raw) > limit:
            raise RequestTooLargeException(limit, "Invoke")
        event = raw.decode("utf-8", errors="replace") if raw else "{}"
        try:
            json.loads(event)
        except ValueError as exc:
            raise InvalidRequestContentException(
                f"Could not parse request body into json: {exc}"
            ) from None
        client_context = _client_context(headers.get("X-Amz-Client-Context"))
        if invocation_type == "Event":
            request_id = self.aws.ids.uuid4()
            self.queue.submit(fn, event, qualifier=qualifier, request_id=request_id)
            response_headers[patches.PINNED_REQUEST_ID] = request_id
            return b""
        try:
            outcome = self.run(fn, event, qualifier=qualifier, client_context=client_context)
        except Throttled as exc:
            raise TooManyRequestsException(exc.reason) from None
        response_headers["x-amz-executed-version"] = outcome.version
        response_headers[patches.PINNED_REQUEST_ID] = outcome.request_id
        if outcome.function_error:
            response_headers["x-amz-function-error"] = outcome.function_error
        response_headers["x-amz-log-result"] = logs.tail(outcome.log_events)
        return outcome.body


def _client_context(header: str | None) -> dict[str, Any] | None:
    if not header:
        return None
    try:
        return json.loads(base64.b64decode(header))
    except (ValueError, binascii.Error):
        raise InvalidRequestContentException(
            "Client context must be a valid Base64-encoded JSON object."
        ) from None
