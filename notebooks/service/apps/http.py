"""Lambda proxy responses: JSON bodies, CORS headers and error shapes, in one place.

With a proxy integration API Gateway passes the handler's dict through as the HTTP response
(``statusCode``, ``headers``, ``body`` as a string), so these helpers are the whole "view".
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from apps.logic import InvalidInput, TooLarge

logger = logging.getLogger(__name__)

Handler = Callable[..., dict[str, Any]]

# On every response, errors included: a browser that cannot read a 400 cannot show it.
# (Slide 30 also sent Access-Control-Allow-Credentials: true; browsers refuse that together
# with origin "*", and this API authenticates with a header, not cookies.)
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A proxy response with a JSON body and the CORS headers."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **CORS_HEADERS, **(headers or {})},
        "body": json.dumps(body, default=_json_default, ensure_ascii=False),
        "isBase64Encoded": False,
    }


def empty_response(status: int = 204) -> dict[str, Any]:
    """A proxy response without a body (204 No Content must not have one)."""
    return {
        "statusCode": status,
        "headers": dict(CORS_HEADERS),
        "body": "",
        "isBase64Encoded": False,
    }


def error_response(
    status: int, message: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The one error shape of this API: ``{"message": ..., "errors": [{"field", "message"}]}``."""
    return json_response(status, {"message": message, "errors": errors or []})


def _json_default(value: Any) -> Any:
    """DynamoDB hands numbers back as Decimal, which json cannot encode: int or float them."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def api_handler(handler: Handler) -> Handler:
    """Turn refused input into 400/413 and any other exception into a logged, bare 500."""

    @functools.wraps(handler)
    def wrapper(event: dict[str, Any], context: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return handler(event, context, *args, **kwargs)
        except TooLarge as e:
            return error_response(413, e.message, e.errors)
        except InvalidInput as e:
            return error_response(400, e.message, e.errors)
        except Exception:
            # The traceback goes to CloudWatch Logs; the client learns nothing about our
            # internals (table names, stack frames), only that it was not its fault.
            request_id = getattr(context, "aws_request_id", "-")
            logger.exception("unhandled error in %s (request %s)", handler.__name__, request_id)
            return error_response(500, "Internal server error")

    return wrapper


def location(event: dict[str, Any], *segments: str | int) -> str:
    """An absolute path below the request's own, stage prefix included (``/dev/apps/x``)."""
    context = event.get("requestContext") or {}
    base = context.get("path") or event.get("path") or ""
    return "/".join([base.rstrip("/"), *(str(s) for s in segments)])
