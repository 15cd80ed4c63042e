"""The service's business rules as pure functions: no boto3, no HTTP, no event (slide 21).

Everything here takes plain values and returns plain values or raises ``InvalidInput``, so
it is tested in microseconds without AWS, a sandbox or a proxy event.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "release.json"
RELEASE_SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
PROPERTIES: dict[str, dict[str, Any]] = RELEASE_SCHEMA["properties"]

MAX_BODY_BYTES = 64 * 1024
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
MAX_RELEASE: int = PROPERTIES["release"]["maximum"]
MAX_CURSOR_CHARS = 512
ID_PATTERN = re.compile(PROPERTIES["id"]["pattern"])


class InvalidInput(ValueError):
    """The client sent something we refuse: ``message`` for people, ``errors`` per field."""

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class TooLarge(InvalidInput):
    """The request body is over ``MAX_BODY_BYTES``."""


# jsonschema checks "format" only when asked to, and checks "uri" only if an optional
# package happens to be installed: a silent skip. Five explicit lines are safer.
FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("uri", raises=ValueError)
def _is_http_url(value: object) -> bool:
    """Accept absolute http(s) URLs only (urlsplit raises ValueError on e.g. a broken IPv6)."""
    if not isinstance(value, str):
        return True  # "type" reports non-strings
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and value.isprintable()


VALIDATOR = Draft202012Validator(RELEASE_SCHEMA, format_checker=FORMAT_CHECKER)


# -- request bodies --------------------------------------------------------------------------
def parse_json_body(body: str | None, is_base64: bool = False) -> dict[str, Any]:
    """Decode a proxy event's body into a JSON object, refusing anything else with a reason."""
    if not body:
        raise InvalidInput("Request body is required: a JSON object")
    try:
        raw = base64.b64decode(body, validate=True) if is_base64 else body.encode("utf-8")
    except (binascii.Error, UnicodeEncodeError):
        raise InvalidInput("Request body is not valid base64 or UTF-8") from None
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge(f"Request body must be at most {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        raise InvalidInput("Request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("Request body must be a JSON object")
    return data


def _refuse_constant(name: str) -> None:
    """Python's json accepts NaN and Infinity; JSON does not, and neither do we."""
    raise ValueError(f"{name} is not JSON")


def release_errors(data: Any) -> list[dict[str, str]]:
    """Every problem with a create body, one message per field, sorted by field."""
    errors: dict[str, str] = {}
    for error in VALIDATOR.iter_errors(data):
        for field, message in _describe(error):
            errors.setdefault(field, message)
    # jsonschema's "pattern" uses re.search, where "$" also matches before a trailing
    # newline ("app\n" would pass): check every pattern again with fullmatch.
    for field, rules in PROPERTIES.items():
        value = data.get(field) if isinstance(data, dict) else None
        pattern = rules.get("pattern")
        if pattern and isinstance(value, str) and not re.fullmatch(pattern, value):
            errors.setdefault(field, f"must be {rules['description']}")
    return [{"field": field, "message": errors[field]} for field in sorted(errors)]


def _describe(error: ValidationError) -> list[tuple[str, str]]:
    """A jsonschema error as (field, message) pairs that neither echo input nor run long."""
    field = ".".join(str(part) for part in error.absolute_path)[:64] or "body"
    value = error.validator_value
    if error.validator == "required":
        return [(name, "is required") for name in value if name not in error.instance]
    if error.validator == "additionalProperties":
        return [(name[:64], "is not allowed") for name in error.instance if name not in PROPERTIES]
    messages = {
        "type": f"must be {'an' if value == 'integer' else 'a'} {value}",
        "minimum": f"must be at least {value}",
        "maximum": f"must be at most {value}",
        "minLength": f"must be at least {value} character{'s' if value != 1 else ''} long",
        "maxLength": f"must be at most {value} characters long",
        "pattern": f"must be {error.schema.get('description', 'well formed')}",
        "format": f"must be {error.schema.get('description', 'well formed')}",
    }
    return [(field, messages.get(str(error.validator), "is invalid"))]


def new_release(
    body: dict[str, Any], now: datetime, created_by: str | None = None
) -> dict[str, Any]:
    """The item to store for a valid create body (raises InvalidInput for an invalid one)."""
    errors = release_errors(body)
    if errors:
        raise InvalidInput("Invalid request body", errors)
    item = {key: body[key] for key in PROPERTIES if key in body}
    item["release"] = int(body["release"])  # JSON 2.0 is an "integer" to JSON Schema
    item["createdAt"] = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if created_by:
        item["createdBy"] = created_by
    return item


# -- path and query parameters ---------------------------------------------------------------
def check_app_id(value: str | None) -> str:
    """An app id from the path, or InvalidInput: this is what keeps '..', '/' and '%2e' out."""
    if isinstance(value, str) and ID_PATTERN.fullmatch(value):
        return value
    message = f"must be {PROPERTIES['id']['description']}"
    raise InvalidInput("Invalid app id", [{"field": "id", "message": message}])


def parse_release(value: str | None) -> int:
    """A release number from the path. int() alone would accept ' 7', '1_0' and '٧'."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,10}", value):
        number = int(value)
        if 1 <= number <= MAX_RELEASE:
            return number
    message = f"must be an integer from 1 to {MAX_RELEASE}"
    raise InvalidInput("Invalid release", [{"field": "release", "message": message}])


def parse_limit(value: str | None) -> int:
    """The page size from ``?limit=``: 1 to MAX_LIMIT, DEFAULT_LIMIT when absent."""
    if value is None:
        return DEFAULT_LIMIT
    if re.fullmatch(r"[0-9]{1,3}", value) and 1 <= int(value) <= MAX_LIMIT:
        return int(value)
    message = f"must be an integer from 1 to {MAX_LIMIT}"
    raise InvalidInput("Invalid limit", [{"field": "limit", "message": message}])


# -- pagination cursors ------------------------------------------------------------------------
def encode_cursor(last_key: dict[str, Any]) -> str:
    """DynamoDB's LastEvaluatedKey as an opaque, URL-safe token for ``?cursor=``."""
    key = {"id": last_key["id"], "release": int(last_key["release"])}
    raw = json.dumps(key, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The ExclusiveStartKey a cursor stands for; the client can forge it, so check it all."""
    if not cursor:
        return None
    try:
        if len(cursor) > MAX_CURSOR_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
            raise ValueError("not base64url")
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(key, dict) and set(key) == {"id", "release"}:
            release = key["release"]
            if type(release) is int and 1 <= release <= MAX_RELEASE:
                return {"id": check_app_id(key["id"]), "release": release}
    except (ValueError, binascii.Error):  # InvalidInput is a ValueError too
        pass
    message = "must be the nextCursor of a previous page"
    raise InvalidInput("Invalid cursor", [{"field": "cursor", "message": message}])
