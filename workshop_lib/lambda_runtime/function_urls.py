"""Lambda function URLs, answered in-process: ``https://<id>.lambda-url.<region>.on.aws/``.

moto stores a function's URL configuration but serves nothing at the URL, so a request to
it would need a real DNS lookup (which the sandbox refuses). This layer answers those URLs
where moto answers the other AWS host names: in moto's ``responses`` mock, for the
``requests`` library. Each request becomes a payload 2.0 event (Lambda developer guide,
"Invoking Lambda function URLs"; aws-lambda-powertools' ``LambdaFunctionUrlModel``), is
invoked synchronously, and the result is turned back into HTTP as Lambda does: a dict
with ``statusCode`` is the response; anything else is a 200 ``application/json`` body.
A function error is a 502; ``AuthType: AWS_IAM`` without a signature is a 403.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import time
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, urlsplit

URL = re.compile(r"https?://([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)\.on\.aws(?::\d+)?(/.*)?$")
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


class FunctionUrlLayer:
    """Registers the function-URL answer in moto's ``responses`` mock while the sandbox
    runs (again after a reset, which empties the mock's registry)."""

    name = "function-urls"

    def __init__(self) -> None:
        self._aws: Any = None
        self._registered: list[Any] = []

    def install(self, aws: Any) -> None:
        self._aws = aws
        self._register()

    def reset(self, aws: Any) -> None:
        self._register()

    def uninstall(self, aws: Any) -> None:
        self._unregister()
        self._aws = None

    def _unregister(self) -> None:
        from moto.core.models import responses_mock

        for response in self._registered:
            with contextlib.suppress(ValueError):  # the mock's registry was reset meanwhile
                responses_mock.remove(response)
        self._registered = []

    def _register(self) -> None:
        from moto.core.models import responses_mock
        from responses import CallbackResponse

        self._unregister()
        self._registered = [
            CallbackResponse(method=method, url=URL, callback=self.answer) for method in METHODS
        ]
        for response in self._registered:
            responses_mock.add(response)

    # -- one request --------------------------------------------------------------------------
    def answer(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        """``responses`` callback: (status, headers, body) for one request."""
        match = URL.match(request.url)
        url_id, region = match.group(1), match.group(2)
        lam = self._aws.client("lambda", region_name=region)
        config = _config_for(lam, url_id)
        if config is None:
            return _message(403, "Forbidden")  # what AWS answers for an unknown URL id
        headers = {k.lower(): v for k, v in request.headers.items()}
        if config["AuthType"] == "AWS_IAM" and "authorization" not in headers:
            return _message(403, "Forbidden")
        event = payload_v2(request, url_id, region, self._aws.account_id, self._aws.ids.uuid4())
        result = lam.invoke(FunctionName=config["FunctionArn"], Payload=json.dumps(event))
        payload = result["Payload"].read()
        if "FunctionError" in result:
            return _message(502, "Internal Server Error")
        return http_response(payload)


def _config_for(lam: Any, url_id: str) -> dict[str, Any] | None:
    for page in lam.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            try:
                config = lam.get_function_url_config(FunctionName=function["FunctionName"])
            except lam.exceptions.ResourceNotFoundException:
                continue
            if urlsplit(config["FunctionUrl"]).hostname.split(".")[0] == url_id:
                return config
    return None


def payload_v2(request: Any, url_id: str, region: str, account_id: str, request_id: str) -> dict:
    """The event Lambda gives a function behind its URL (payload format 2.0)."""
    parts = urlsplit(request.url)
    headers: dict[str, str] = {}
    for key, value in request.headers.items():
        key = key.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    content_type = headers.get("content-type", "")
    is_text = body is None or content_type.startswith(_TEXT_TYPES) or not content_type
    now = time.time()
    domain = parts.hostname or ""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": url_id,
            "domainName": domain,
            "domainPrefix": url_id,
            "http": {
                "method": request.method,
                "path": parts.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": formatdate(now, usegmt=True),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": not is_text,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if body:
        event["body"] = body.decode() if is_text else base64.b64encode(body).decode()
    return event


def http_response(payload: bytes) -> tuple[int, dict[str, str], bytes]:
    """A function's result as HTTP, with Lambda's inference for results without a
    ``statusCode``."""
    try:
        result = json.loads(payload) if payload else None
    except ValueError:
        result = payload.decode(errors="replace")
    if not (isinstance(result, dict) and "statusCode" in result):
        return 200, {"Content-Type": "application/json"}, payload
    headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
    for cookie in result.get("cookies") or []:
        headers["Set-Cookie"] = cookie  # responses keeps one value per name
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), headers, data


def _message(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps({"Message": message}).encode()
