"""Lambda's ``Invoke`` API around a run: invocation types, payload limits, client context,
``LogType=Tail`` and AWS's response headers (moto's Invoke answers with this)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from moto.core.exceptions import JsonRESTError

from workshop_lib.facts import value
from workshop_lib.lambda_runtime import logs, patches
from workshop_lib.lambda_runtime.pool import Throttled

if TYPE_CHECKING:
    from workshop_lib.lambda_runtime.service import LambdaPlugin

MB = 1024 * 1024


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


def api_invoke(
    plugin: LambdaPlugin,
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
        request_id = plugin.aws.ids.uuid4()
        plugin.queue.submit(fn, event, qualifier=qualifier, request_id=request_id)
        response_headers[patches.PINNED_REQUEST_ID] = request_id
        return b""
    try:
        outcome = plugin.run(fn, event, qualifier=qualifier, client_context=client_context)
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
