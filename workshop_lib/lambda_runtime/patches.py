"""The seams in moto 5.2 where the Lambda layer plugs in (declared in workshop_lib/seams.py).

- ``LambdaSimpleBackend.invoke``: the Invoke API without Docker, which moto answers with an
  echo of the payload, runs the real handler instead.
- ``LambdaFunction.invoke``: what moto's own triggers call (SNS, DynamoDB streams, ...).
- ``LambdaBackend.create_function`` / ``LambdaFunction.update_configuration``: AWS's checks
  on runtime and environment, and ``DeadLetterConfig``, which moto drops.
- ``LambdaFunction.get_configuration``: reports ``DeadLetterConfig`` back.
- ``LambdaBackend.delete_function``: retires the function's environments.
- ``LambdaBackend.create_event_source_mapping``: SQS mappings go to the sandbox's poller
  instead of moto's invoke-inside-send_message.
- ``moto.s3.notifications._invoke_awslambda``: S3 invokes asynchronously with full records.
- ``BaseResponse._enrich_response``: keeps the invocation's request id in
  ``x-amzn-RequestId`` (moto puts a random one there), so it matches ``aws_request_id``.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.responses import BaseResponse
from moto.sqs.models import sqs_backends

from workshop_lib import seams
from workshop_lib.lambda_runtime import runtimes, sources
from workshop_lib.lambda_runtime.pool import Throttled

if TYPE_CHECKING:
    from workshop_lib.lambda_runtime.service import LambdaPlugin


def plugin() -> LambdaPlugin:
    installed = seams.holder("lambda")
    if installed is None:
        raise RuntimeError("the Lambda layer is not installed")
    return installed


def backend_invoke(
    self: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes:
    fn = self.get_function(function_name, qualifier)
    payload = plugin().api_invoke(fn, body, headers, response_headers, qualifier)
    response_headers["Content-Length"] = str(len(payload))
    return _LimitApplied(payload)


class _LimitApplied(bytes):
    """An Invoke payload the sandbox has already held to Lambda's response limit (6,291,556
    bytes, ``service.RESPONSE_LIMIT``). moto's ``LambdaResponse.invoke`` repeats the check
    as ``sys.getsizeof(payload) > 6000000``, which refuses valid 6.0-6.29 MB responses;
    this type tells it the check is done (the Invoke seam in workshop_lib/seams.py relies on
    that line)."""

    def __sizeof__(self) -> int:
        return 0


def function_invoke(
    self: LambdaFunction, body: Any, request_headers: Any, response_headers: Any
) -> bytes:
    event = body if isinstance(body, str) else json.dumps(body)
    try:
        outcome = plugin().run(self, event)
    except Throttled as exc:
        from workshop_lib.lambda_runtime.service import TooManyRequestsException

        raise TooManyRequestsException(exc.reason) from None
    if outcome.function_error:
        response_headers["x-amz-function-error"] = outcome.function_error
    return outcome.body


def create_function(self: LambdaBackend, spec: dict[str, Any]) -> LambdaFunction:
    runtimes.check_runtime(spec.get("Runtime"), plugin().aws.clock.now().date(), "create")
    runtimes.check_environment((spec.get("Environment") or {}).get("Variables"))
    runtimes.check_configuration(spec)
    fn = seams.original(LambdaBackend, "create_function")(self, spec)
    fn.dead_letter_config = spec.get("DeadLetterConfig") or None
    return fn


def update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict:
    # the runtime the function will have: blocked once its block-update date has come
    runtime = config_updates.get("Runtime") or self.run_time
    runtimes.check_runtime(runtime, plugin().aws.clock.now().date(), "update")
    if "Environment" in config_updates:
        runtimes.check_environment((config_updates["Environment"] or {}).get("Variables"))
    runtimes.check_configuration(config_updates)
    if "DeadLetterConfig" in config_updates:
        self.dead_letter_config = config_updates["DeadLetterConfig"] or None
    if (config_updates.get("EphemeralStorage") or {}).get("Size") is not None:
        # moto 5 keeps the size given at creation: the new /tmp size would never apply
        self.ephemeral_storage = int(config_updates["EphemeralStorage"]["Size"])
    return seams.original(LambdaFunction, "update_configuration")(self, config_updates)


def update_function_code(
    self: LambdaBackend, function_name: str, qualifier: str, body: dict[str, Any]
) -> dict[str, Any] | None:
    # UpdateFunctionCode is an update too: refused from the runtime's block-update date
    fn = self.get_function(function_name, qualifier)
    runtimes.check_runtime(fn.run_time, plugin().aws.clock.now().date(), "update")
    return seams.original(LambdaBackend, "update_function_code")(
        self, function_name, qualifier, body
    )


def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    config = seams.original(LambdaFunction, "get_configuration")(self, on_create)
    dead_letter = getattr(self, "dead_letter_config", None)
    if dead_letter and dead_letter.get("TargetArn"):
        config["DeadLetterConfig"] = {"TargetArn": dead_letter["TargetArn"]}
    return config


def put_function_concurrency(
    self: LambdaBackend, function_name: str, reserved_concurrency: str
) -> str:
    """AWS keeps part of the account's concurrency unreserved (100 of 1,000 there; the
    same tenth of the sandbox's smaller account limit here)."""
    limit = plugin().account_concurrency
    minimum = max(1, limit // 10)
    others = sum(
        int(fn.reserved_concurrency or 0)
        for fn in self.list_functions()
        if fn.function_name != function_name.split(":")[-1]
    )
    if limit - others - int(reserved_concurrency) < minimum:
        from moto.awslambda.exceptions import InvalidParameterValueException

        raise InvalidParameterValueException(
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{minimum}]."
        )
    return seams.original(LambdaBackend, "put_function_concurrency")(
        self, function_name, reserved_concurrency
    )


def delete_function(self: LambdaBackend, function_name: str, qualifier: str | None = None):
    try:
        arn = self.get_function(function_name, qualifier).function_arn
    except Exception:
        arn = None
    result = seams.original(LambdaBackend, "delete_function")(self, function_name, qualifier)
    if arn and seams.installed("lambda"):
        plugin().pool.forget(arn)
    return result


def create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> Any:
    esm = seams.original(LambdaBackend, "create_event_source_mapping")(self, spec)
    if esm.event_source_arn.startswith("arn:aws:sqs:"):
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            if queue.queue_arn == esm.event_source_arn:
                queue.lambda_event_source_mappings.pop(esm.function_arn, None)
        plugin().poller.add(esm)
    return esm


def s3_invoke_lambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    with contextlib.suppress(Exception):  # a notification never fails the upload
        sources.s3_notification(plugin(), event_body, fn_arn)


#: Response header through which the runtime hands its request id past moto's.
PINNED_REQUEST_ID = "x-workshop-requestid"


def enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
    pinned = headers.pop(PINNED_REQUEST_ID, None)
    headers, body = seams.original(BaseResponse, "_enrich_response").__func__(headers, body)
    if pinned:
        headers["x-amzn-requestid"] = pinned
    return headers, body


def install(lambda_plugin: LambdaPlugin) -> None:
    """Plug ``lambda_plugin`` into moto (one plug-in at a time; seams.py lists the seams)."""
    seams.install("lambda", lambda_plugin)


def uninstall(lambda_plugin: LambdaPlugin) -> None:
    """Restore moto exactly as it was."""
    seams.uninstall("lambda", lambda_plugin)
