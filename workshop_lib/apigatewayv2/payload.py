"""Payload format 2.0 (and 1.0 for HTTP APIs): the event a function gets, and how its
answer becomes an HTTP response.

Source: API Gateway developer guide, "Create AWS Lambda proxy integrations for HTTP APIs"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
Format 2.0 has no multi-value fields: repeated headers and query parameters are joined with
commas; cookies move to ``cookies``; empty parts are left out. Header names are lower case
in both formats (an HTTP API's, unlike a REST API's 1.0 event). The answer: with a
``statusCode`` it is taken field by field (``cookies`` become ``set-cookie`` headers);
without one, valid JSON becomes a 200 ``application/json`` body (a JSON string is the body
itself). Lambda function URLs use the same format
(https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from workshop_lib.apigateway.gateway import (
    HttpRequest,
    HttpResponse,
    request_time,
    single_and_multi,
)

#: content types passed to the function as text; any other body arrives base64-encoded
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
_TEXT_SUFFIXES = ("+json", "+xml")


class MalformedResponse(ValueError):
    """The function's answer cannot be turned into an HTTP response."""


@dataclass
class Target:
    """Where a request landed: what the event's requestContext says about it."""

    api_id: str
    domain_name: str
    stage: str
    route_key: str
    raw_path: str
    path_parameters: dict[str, str]
    stage_variables: dict[str, str]
    account_id: str
    request_id: str
    now: float


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return (
        kind.startswith(_TEXT_TYPES)
        or kind.endswith(_TEXT_SUFFIXES)
        or (kind == "application/x-www-form-urlencoded")
    )


def _body(request: HttpRequest) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    if is_text(request.header("content-type")):
        return request.body.decode("utf-8", errors="replace"), False
    return base64.b64encode(request.body).decode("ascii"), True


def _times(now: float) -> tuple[str, int]:
    """``requestContext.time`` (to the second) and ``timeEpoch``."""
    return request_time(int(now)), int(now * 1000)


_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade"}
_NOT_FORWARDED = frozenset(_HOP_BY_HOP | {"host"})


def forwarded_headers(request: HttpRequest, host: str) -> list[tuple[str, str]]:
    """The request's headers as the function sees them behind AWS's front end: no hop-by-hop
    headers; ``host`` the API's, and ``x-forwarded-for/-port/-proto`` added."""
    kept = [(k, v) for k, v in request.headers if k.lower() not in _NOT_FORWARDED]
    return [
        *kept,
        ("host", host),
        ("x-forwarded-for", request.source_ip),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
    ]


def event_v2(
    request: HttpRequest, target: Target, authorizer: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The payload format 2.0 event for one request."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in forwarded_headers(request, target.domain_name):
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    body, encoded = _body(request)
    time_text, epoch_ms = _times(target.now)
    context: dict[str, Any] = {
        "accountId": target.account_id,
        "apiId": target.api_id,
        "domainName": target.domain_name,
        "domainPrefix": target.domain_name.split(".", 1)[0],
        "http": {
            "method": request.method.upper(),
            "path": target.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": target.request_id,
        "routeKey": target.route_key,
        "stage": target.stage,
        "time": time_text,
        "timeEpoch": epoch_ms,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": target.route_key,
        "rawPath": target.raw_path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if body is not None:
        event["body"] = body
    if target.path_parameters:
        event["pathParameters"] = dict(target.path_parameters)
    event["isBase64Encoded"] = encoded
    if target.stage_variables:
        event["stageVariables"] = dict(target.stage_variables)
    return event


def event_v1(request: HttpRequest, target: Target, resource: str) -> dict[str, Any]:
    """The payload format 1.0 event an HTTP API sends (REST's shape, ``version: "1.0"``)."""
    headers, multi_headers = single_and_multi(  # lower-cased, both
        (name.lower(), value) for name, value in forwarded_headers(request, target.domain_name)
    )
    query, multi_query = single_and_multi(parse_qsl(request.query, keep_blank_values=True))
    body, encoded = _body(request)
    time_text, epoch_ms = _times(target.now)
    return {
        "version": "1.0",
        "resource": resource,
        "path": target.raw_path,
        "httpMethod": request.method.upper(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": {
            "accountId": target.account_id,
            "apiId": target.api_id,
            "domainName": target.domain_name,
            "domainPrefix": target.domain_name.split(".", 1)[0],
            "extendedRequestId": target.request_id,
            "httpMethod": request.method.upper(),
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": request.source_ip,
                "user": None,
                "userAgent": request.header("user-agent") or "",
                "userArn": None,
            },
            "path": target.raw_path,
            "protocol": "HTTP/1.1",
            "requestId": target.request_id,
            "requestTime": time_text,
            "requestTimeEpoch": epoch_ms,
            "resourceId": target.route_key,
            "resourcePath": resource,
            "stage": target.stage,
        },
        "pathParameters": dict(target.path_parameters) or None,
        "stageVariables": dict(target.stage_variables) or None,
        "body": body,
        "isBase64Encoded": encoded,
    }


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedResponse(f"header value {value!r} is not a string")


def _checked(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for name, value in headers:
        if any(c in name + value for c in "\r\n\0"):
            raise MalformedResponse(f"header {name!r} holds CR, LF or NUL")
    return headers


def response_v2(payload: str) -> HttpResponse:
    """The HTTP response for a function's 2.0 answer (JSON text)."""
    try:
        result = json.loads(payload)
    except ValueError as exc:
        raise MalformedResponse("the function's answer is not JSON") from exc
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else payload
        return HttpResponse(200, [("content-type", "application/json")], body.encode())
    return _explicit(result, cookies=True, multi=False)


def response_v1(payload: str) -> HttpResponse:
    """The HTTP response for a function's 1.0 answer: it must carry ``statusCode``."""
    try:
        result = json.loads(payload)
    except ValueError as exc:
        raise MalformedResponse("the function's answer is not JSON") from exc
    if not (isinstance(result, dict) and "statusCode" in result):
        raise MalformedResponse("a 1.0 answer needs statusCode")
    return _explicit(result, cookies=False, multi=True)


def _explicit(result: dict[str, Any], *, cookies: bool, multi: bool) -> HttpResponse:
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status!r} is not an HTTP status")
    headers: list[tuple[str, str]] = []
    given = result.get("headers") or {}
    if not isinstance(given, dict):
        raise MalformedResponse("headers is not an object")
    headers += [(str(k), _header_value(v)) for k, v in given.items()]
    if multi:
        given_multi = result.get("multiValueHeaders") or {}
        if not isinstance(given_multi, dict):
            raise MalformedResponse("multiValueHeaders is not an object")
        for name, values in given_multi.items():
            if not isinstance(values, list):
                raise MalformedResponse(f"multiValueHeaders[{name!r}] is not a list")
            headers += [(str(name), _header_value(v)) for v in values]
    if cookies:
        given_cookies = result.get("cookies") or []
        if not isinstance(given_cookies, list):
            raise MalformedResponse("cookies is not a list")
        headers += [("set-cookie", _header_value(c)) for c in given_cookies]
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise MalformedResponse("body is not a string")
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise MalformedResponse("isBase64Encoded, but the body is not base64") from exc
    else:
        data = body.encode("utf-8")
    return HttpResponse(status, _checked(headers), data)


def error(status: int, message: str) -> HttpResponse:
    """An HTTP API's own error: ``{"message": ...}`` with its status."""
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)
