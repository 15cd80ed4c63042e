"""API Gateway REST proxy events (payload format 1.0) and a Lambda context, for tests."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

API_ID, STAGE, ACCOUNT = "abc123defg", "dev", "123456789012"
REGION = "eu-west-1"
#: The JWT_SECRET every test runs with (32+ bytes: PyJWT warns about shorter HS256 keys).
SECRET = "unit-test-secret-at-least-32-bytes-long"


def api_event(
    method: str,
    resource: str,
    path_parameters: dict[str, str] | None = None,
    *,
    query: dict[str, str] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    principal: str | None = None,
) -> dict[str, Any]:
    """The event API Gateway sends for ``method resource`` (e.g. ``GET /apps/{id}``).

    ``body`` that is not a string is JSON-encoded; ``principal`` fills in what an authorizer
    would have put into ``requestContext.authorizer``.
    """
    path = resource
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    headers = {"Accept": "application/json", **(headers or {})}
    authorizer = {"principalId": principal, "sub": principal} if principal else None
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "resourceId": "res123",
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTime": "07/Mar/2018:19:00:00 +0000",
            "requestTimeEpoch": 1520449200000,
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "pytest", "apiKey": "test-key"},
            "authorizer": authorizer,
        },
        "body": body,
        "isBase64Encoded": False,
    }


def authorizer_event(token: str | None, method: str = "POST", path: str = "apps") -> dict:
    """The event of a TOKEN authorizer: the Authorization header and the method's ARN."""
    arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}/{path}"
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}


def lambda_context(name: str = "serverless-test-dev-apps") -> SimpleNamespace:
    """Enough of a LambdaContext for these handlers (they only log the request id)."""
    return SimpleNamespace(
        function_name=name,
        aws_request_id=str(uuid.uuid4()),
        memory_limit_in_mb="128",
        get_remaining_time_in_millis=lambda: 3000,
    )


def json_body(response: dict[str, Any]) -> Any:
    """The decoded body of a proxy response."""
    return json.loads(response["body"])
