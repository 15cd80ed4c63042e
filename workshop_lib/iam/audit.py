"""Recording the AWS calls each Lambda function's code makes, like CloudTrail would.

On AWS a function calls other services with its execution role's temporary credentials.
The sandbox gives each function's execution environment its own access key
(:func:`access_key_for`, ``ASIA…``); moto's one authorisation seam
(``ActionAuthenticatorMixin._authenticate_and_authorize_action``, called for every request
of every service) tells :class:`AuditPlugin` which key asked for which action, so the
framework can compare them with the role's statements. A ``workshop sandbox start`` server
answers ``GET /moto-api/workshop/calls`` with the same record for other processes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import threading
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workshop_lib.sandbox import Sandbox

CALLS_PATH = "/moto-api/workshop/calls"
_KEYS: dict[str, str] = {}  # access key id -> function name
_LOCK = threading.Lock()
_RECORD: dict[tuple[str, str, str], int] = {}
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]{20})/[^/]+/([^/]+)/([^/]+)/")


@dataclass(frozen=True)
class Call:
    """One kind of call a function made: ``dynamodb:PutItem`` on a table ARN, ``count`` times."""

    function: str
    action: str
    resource: str
    count: int


def access_key_for(function_name: str) -> str:
    """The access key id a function's environment signs with (stable per function name)."""
    digest = hashlib.sha256(function_name.encode()).digest()
    key = "ASIA" + base64.b32encode(digest).decode()[:16]
    with _LOCK:
        _KEYS[key] = function_name
    return key


def calls(function_name: str | None = None) -> list[Call]:
    """What was recorded in this process, for one function or all, sorted."""
    with _LOCK:
        items = sorted(_RECORD.items())
    return [
        Call(fn, action, resource, count)
        for (fn, action, resource), count in items
        if function_name is None or fn == function_name
    ]


def clear() -> None:
    with _LOCK:
        _RECORD.clear()


def _resource(service: str, response: Any, region: str, account: str) -> str:
    if service == "dynamodb":
        body = getattr(response, "body", None) or {}
        try:
            params = body if isinstance(body, dict) else json.loads(body)
        except (TypeError, ValueError):
            params = {}
        table = params.get("TableName") if isinstance(params, dict) else None
        if table:
            return f"arn:aws:dynamodb:{region}:{account}:table/{table}"
    return "*"


def _record(response: Any, resource: str) -> None:
    header = response.headers.get("Authorization") or ""
    match = _CREDENTIAL.search(header)
    if not match or match.group(1) not in _KEYS:
        return
    key, region, service = match.groups()
    try:
        operation = response._get_action()
    except Exception:
        return
    if not operation:
        return
    if resource == "*":
        resource = _resource(service, response, region, getattr(response, "current_account", ""))
    entry = (_KEYS[key], f"{service}:{operation}", resource)
    with _LOCK:
        _RECORD[entry] = _RECORD.get(entry, 0) + 1


def recorded(original: Any) -> Any:
    """``_authenticate_and_authorize_action``, recording each call a function makes first."""

    def authenticate(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        with contextlib.suppress(Exception):  # the audit must never break a request
            _record(self, resource)
        return original(self, iam_request_cls, resource)

    authenticate.__wrapped__ = original  # type: ignore[attr-defined]
    return authenticate


def serve_calls(request: Any, full_url: str, headers: Any) -> tuple[int, dict, str]:
    body = json.dumps([asdict(c) for c in calls()])
    return 200, {"Content-Type": "application/json"}, body


class AuditPlugin:
    """Installs the recording seam into moto for as long as the sandbox runs."""

    name = "iam"

    def install(self, aws: Sandbox) -> None:
        from workshop_lib import seams

        seams.install("iam", self)
        clear()

    def uninstall(self, aws: Sandbox) -> None:
        from workshop_lib import seams

        seams.uninstall("iam", self)
        clear()

    def reset(self, aws: Sandbox) -> None:
        clear()


def fetch(endpoint_url: str) -> list[Call]:
    """The record of a ``workshop sandbox start`` server at ``endpoint_url``."""
    import urllib.request

    with urllib.request.urlopen(endpoint_url.rstrip("/") + CALLS_PATH, timeout=5) as response:
        return [Call(**item) for item in json.loads(response.read())]
