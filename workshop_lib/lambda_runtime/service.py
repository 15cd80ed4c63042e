"""The Lambda service of the sandbox: one ``run`` that every caller shares.

boto3's ``invoke`` (through moto's Lambda API), the async queue, event sources and API
Gateway all reach :meth:`LambdaLayer.run`: find or start an execution environment, run the
event with a deadline, write START / END / REPORT and the function's output to CloudWatch
Logs, and return the outcome. :meth:`LambdaLayer.api_invoke` adds what the ``Invoke`` API
does around it: invocation types, payload limits, ``LogType=Tail`` and response headers.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moto.core.exceptions import JsonRESTError

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
    payload: str | None = None
    error: dict[str, Any] | None = None
    log_events: list[str] = field(default_factory=list)
    cold: bool = False
    duration_ms: float = 0.0
    init_ms: float | None = None
    environment: str = ""

    @property
    def function_error(self) -> str | None:
        return "Unhandled" if self.error is not None else None

    @property
    def body(self) -> bytes:
        """The response payload as the Invoke API returns it."""
        if self.error is not None:
            return json.dumps(self.error).encode()
        return (self.payload or "null").encode()


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

    # -- life cycle ---------------------------------------------------------------------------
    def install(self, aws: Sandbox) -> None:
        from workshop_lib.lambda_runtime import asyncq, patches, sources

        self.aws = aws
        self._tmp = tempfile.TemporaryDirectory(prefix="workshop-lambda-")
        self.code = CodeStore(Path(self._tmp.name))
        self.pool = EnvironmentPool(
            self._new_environment, self.account_concurrency, self.idle_seconds, aws.clock.time
        )
        self.cloudwatch = logs.CloudWatchWriter(aws.account_id, aws.region)
        self.queue = asyncq.AsyncQueue(self, speedup=self.async_speedup)
        self.poller = sources.SqsPoller(self)
        patches.install(self)

    def uninstall(self, aws: Sandbox) -> None:
        from workshop_lib.lambda_runtime import patches

        patches.uninstall(self)
        self.poller.stop()
        self.queue.stop()
        self.pool.shutdown()
        self._tmp.cleanup()

    def reset(self, aws: Sandbox) -> None:
        self.queue.clear()
        self.pool.retire()

    def retire(self, function_name: str | None = None) -> int:
        """Recycle idle execution environments (of one function, or all): the next
        invocation is a cold start. Returns how many were stopped."""
        if function_name is None:
            return self.pool.retire()
        return self.pool.retire(self.function(function_name).function_arn)

    def function(self, name: str, qualifier: str | None = None) -> Any:
        """moto's model of a function (UnknownFunctionException if there is none)."""
        from moto.awslambda.utils import get_backend

        return get_backend(self.aws.account_id, self.aws.region).get_function(name, qualifier)

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
        )

    def _layer_code(self, arn: str) -> tuple[str, bytes]:
        from moto.awslambda.utils import get_backend

        backend = get_backend(self.aws.account_id, self.aws.region)
        layer = backend.layers_versions_by_arn(arn)
        return layer.code_sha_256, layer.code_bytes

    def _new_environment(self, spec: FunctionSpec) -> ExecutionEnvironment:
        now = self.aws.clock.now()
        stream = f"{now:%Y/%m/%d}/[{spec.version}]{self.aws.ids.hex(32)}"
        return ExecutionEnvironment(
            spec,
            env_id=self.aws.ids.hex(8),
            log_stream=stream,
            runtime_dir=self.code.runtime_dir(),
            endpoint_url=self.aws.endpoint_url,
            credentials=self._credentials(),
        )

    def _credentials(self) -> dict[str, str]:
        from workshop_lib.sandbox import FAKE_CREDENTIALS

        return dict(FAKE_CREDENTIALS)

    # -- running ------------------------------------------------------------------------------
    def run(
        self,
        fn: Any,
        event: str,
        *,
        qualifier: str | None = None,
        client_context: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> Outcome:
        """Run ``event`` (JSON text) through function ``fn``; :class:`Throttled` if no room."""
        spec = self.spec_for(fn, qualifier)
        request_id = request_id or self.aws.ids.uuid4()
        outcome = Outcome(request_id=request_id, version=spec.version)
        if not runtimes.is_python(spec.runtime):
            outcome.error = runtimes.not_runnable_error(spec.runtime, request_id)
            return outcome
        env, cold = self.pool.acquire(spec)
        outcome.cold, outcome.environment = cold, env.id
        reusable = False
        events: list[str] = []
        status: str | None = None
        max_memory = env.max_memory_mb
        try:
            if cold:
                ready = env.init(self.aws.clock.time(), max(self.init_timeout_s, spec.timeout_s))
                outcome.init_ms = ready["init_ms"]
                events += ready.get("logs", [])
                max_memory = ready.get("max_memory_mb", 0)
                if ready.get("error"):
                    outcome.error = ready["error"]
                    status = (
                        f"error\tError Type: {ready['error'].get('errorType') or 'Runtime.Unknown'}"
                    )
            events.append(logs.start_line(request_id, spec.version))
            if outcome.error is None:
                started = time.perf_counter()
                request = self._request(spec, event, request_id, client_context, qualifier)
                result = env.invoke(request, spec.timeout_s)
                outcome.duration_ms = (time.perf_counter() - started) * 1000
                if result is None:
                    outcome.duration_ms = spec.timeout_s * 1000
                    message = f"Task timed out after {spec.timeout_s:.2f} seconds"
                    events.append(f"{self._iso_now()} {request_id} {message}")
                    outcome.error = {
                        "errorType": "Sandbox.Timedout",
                        "errorMessage": f"RequestId: {request_id} Error: {message}",
                    }
                    status = "timeout"
                else:
                    events += result["logs"]
                    outcome.duration_ms = result["duration_ms"]
                    max_memory = result.get("max_memory_mb", max_memory)
                    outcome.payload, outcome.error = result["payload"], result["error"]
                    reusable = True
        except EnvironmentGone as exc:
            outcome.error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {request_id} Error: {exc}",
            }
            status = "error\tError Type: Runtime.ExitError"
        finally:
            self.pool.release(spec, env, reusable)
        if outcome.payload is not None and len(outcome.payload.encode()) > RESPONSE_LIMIT:
            outcome.payload = None
            outcome.error = {
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({RESPONSE_LIMIT} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
        events.append(logs.end_line(request_id))
        events.append(
            logs.report_line(
                request_id,
                outcome.duration_ms,
                spec.memory_mb,
                max_memory,
                outcome.init_ms if cold else None,
                status,
            )
        )
        outcome.log_events = events
        self.cloudwatch.write(spec.log_group, env.log_stream, events)
        return outcome

    def _request(
        self,
        spec: FunctionSpec,
        event: str,
        request_id: str,
        client_context: dict | None,
        qualifier: str | None,
    ) -> dict[str, Any]:
        clock = self.aws.clock
        invoked = spec.arn
        if qualifier and not invoked.endswith(f":{qualifier}"):
            invoked = f"{invoked}:{qualifier}"  # e.g. an alias: the ARN the caller used
        return {
            "request_id": request_id,
            "event": event,
            "deadline_ms": int((time.time() + spec.timeout_s) * 1000),
            "invoked_function_arn": invoked,
            "client_context": client_context,
            "clock": clock.time(),
            "clock_speed": (getattr(clock, "speed", None) if clock.virtual else 1.0),
        }

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
