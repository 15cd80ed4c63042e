"""The seams in moto 5.2 where the Lambda layer plugs in (each covered by a test).

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
from types import ModuleType
from typing import TYPE_CHECKING, Any

from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.responses import BaseResponse
from moto.s3 import notifications as s3_notifications
from moto.sqs.models import sqs_backends

from workshop_lib.lambda_runtime import runtimes, sources
from workshop_lib.lambda_runtime.pool import Throttled

if TYPE_CHECKING:
    from workshop_lib.lambda_runtime.service import LambdaLayer

_ORIGINALS: dict[tuple[type | ModuleType, str], Any] = {}
_LAYER: list[LambdaLayer] = []


def layer() -> LambdaLayer:
    if not _LAYER:
        raise RuntimeError("the Lambda layer is not installed")
    return _LAYER[0]


def _backend_invoke(
    self: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes:
    fn = self.get_function(function_name, qualifier)
    payload = layer().api_invoke(fn, body, headers, response_headers, qualifier)
    response_headers["Content-Length"] = str(len(payload))
    return _LimitApplied(payload)


class _LimitApplied(bytes):
    """An Invoke payload the sandbox has already held to Lambda's response limit (6,291,556
    bytes, ``service.RESPONSE_LIMIT``). moto's ``LambdaResponse.invoke`` repeats the check
    as ``sys.getsizeof(payload) > 6000000``, which refuses valid 6.0-6.29 MB responses;
    this type tells it the check is done (tests/test_big_payloads.py pins moto's line)."""

    def __sizeof__(self) -> int:
        return 0


def _function_invoke(
    self: LambdaFunction, body: Any, request_headers: Any, response_headers: Any
) -> bytes:
    event = body if isinstance(body, str) else json.dumps(body)
    try:
        outcome = layer().run(self, event)
    except Throttled as exc:
        from workshop_lib.lambda_runtime.service import TooManyRequestsException

        raise TooManyRequestsException(exc.reason) from None
    if outcome.function_error:
        response_headers["x-amz-function-error"] = outcome.function_error
    return outcome.body


def _create_function(self: LambdaBackend, spec: dict[str, Any]) -> LambdaFunction:
    runtimes.check_runtime(spec.get("Runtime"), layer().aws.clock.now().date(), "create")
    runtimes.check_environment((spec.get("Environment") or {}).get("Variables"))
    runtimes.check_configuration(spec)
    fn = _ORIGINALS[(LambdaBackend, "create_function")](self, spec)
    fn.dead_letter_config = spec.get("DeadLetterConfig") or None
    return fn


def _update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict:
    # the runtime the function will have: blocked once its block-update date has come
    runtime = config_updates.get("Runtime") or self.run_time
    runtimes.check_runtime(runtime, layer().aws.clock.now().date(), "update")
    if "Environment" in config_updates:
        runtimes.check_environment((config_updates["Environment"] or {}).get("Variables"))
    runtimes.check_configuration(config_updates)
    if "DeadLetterConfig" in config_updates:
        self.dead_letter_config = config_updates["DeadLetterConfig"] or None
    if (config_updates.get("EphemeralStorage") or {}).get("Size") is not None:
        # moto 5 keeps the size given at creation: the new /tmp size would never apply
        self.ephemeral_storage = int(config_updates["EphemeralStorage"]["Size"])
    return _ORIGINALS[(LambdaFunction, "update_configuration")](self, config_updates)


def _update_function_code(
    self: LambdaBackend, function_name: str, qualifier: str, body: dict[str, Any]
) -> dict[str, Any] | None:
    # UpdateFunctionCode is an update too: refused from the runtime's block-update date
    fn = self.get_function(function_name, qualifier)
    runtimes.check_runtime(fn.run_time, layer().aws.clock.now().date(), "update")
    return _ORIGINALS[(LambdaBackend, "update_function_code")](self, function_name, qualifier, body)


def _get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    config = _ORIGINALS[(LambdaFunction, "get_configuration")](self, on_create)
    dead_letter = getattr(self, "dead_letter_config", None)
    if dead_letter and dead_letter.get("TargetArn"):
        config["DeadLetterConfig"] = {"TargetArn": dead_letter["TargetArn"]}
    return config


def _put_function_concurrency(
    self: LambdaBackend, function_name: str, reserved_concurrency: str
) -> str:
    """AWS keeps part of the account's concurrency unreserved (100 of 1,000 there; the
    same tenth of the sandbox's smaller account limit here)."""
    limit = layer().account_concurrency
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
    return _ORIGINALS[(LambdaBackend, "put_function_concurrency")](
        self, function_name, reserved_concurrency
    )


def _delete_function(self: LambdaBackend, function_name: str, qualifier: str | None = None):
    try:
        arn = self.get_function(function_name, qualifier).function_arn
    except Exception:
        arn = None
    result = _ORIGINALS[(LambdaBackend, "delete_function")](self, function_name, qualifier)
    if arn and _LAYER:
        layer().pool.forget(arn)
    return result


def _create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> Any:
    esm = _ORIGINALS[(LambdaBackend, "create_event_source_mapping")](self, spec)
    if esm.event_source_arn.startswith("arn:aws:sqs:"):
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            if queue.queue_arn == esm.event_source_arn:
                queue.lambda_event_source_mappings.pop(esm.function_arn, None)
        layer().poller.add(esm)
    return esm


def _s3_invoke_lambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    with contextlib.suppress(Exception):  # a notification never fails the upload
        sources.s3_notification(layer(), event_body, fn_arn)


#: Response header through which the runtime hands its request id past moto's.
PINNED_REQUEST_ID = "x-workshop-requestid"


def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
    pinned = headers.pop(PINNED_REQUEST_ID, None)
    headers, body = _ORIGINALS[(BaseResponse, "_enrich_response")].__func__(headers, body)
    if pinned:
        headers["x-amzn-requestid"] = pinned
    return headers, body


PATCHES: list[tuple[type | ModuleType, str, Any]] = [
    (LambdaSimpleBackend, "invoke", _backend_invoke),
    (LambdaFunction, "invoke", _function_invoke),
    (LambdaBackend, "create_function", _create_function),
    (LambdaFunction, "update_configuration", _update_configuration),
    (LambdaBackend, "update_function_code", _update_function_code),
    (LambdaFunction, "get_configuration", _get_configuration),
    (LambdaBackend, "delete_function", _delete_function),
    (LambdaBackend, "create_event_source_mapping", _create_event_source_mapping),
    (LambdaBackend, "put_function_concurrency", _put_function_concurrency),
    (s3_notifications, "_invoke_awslambda", _s3_invoke_lambda),
    (BaseResponse, "_enrich_response", staticmethod(_enrich_response)),
]


def install(lambda_layer: LambdaLayer) -> None:
    """Plug ``lambda_layer`` into moto (one layer at a time)."""
    if _LAYER:
        uninstall(_LAYER[0])
    for owner, name, replacement in PATCHES:
        _ORIGINALS[(owner, name)] = vars(owner)[name]
        setattr(owner, name, replacement)
    _LAYER.append(lambda_layer)


def uninstall(lambda_layer: LambdaLayer) -> None:
    """Restore moto exactly as it was."""
    if not _LAYER or _LAYER[0] is not lambda_layer:
        return
    for (cls, name), original in _ORIGINALS.items():
        setattr(cls, name, original)
    _ORIGINALS.clear()
    _LAYER.clear()
