"""CORS as HTTP APIs and Lambda function URLs answer it themselves, from their configuration.

An HTTP API with a ``CorsConfiguration`` answers preflight ``OPTIONS`` requests without
calling any integration and adds the allow headers to every answer for an allowed origin
("Configuring CORS for an HTTP API",
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html). A function
URL's ``Cors`` works the same way (https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors).
"""

from __future__ import annotations

from typing import Any

from workshop_lib.apigateway.gateway import HttpRequest, HttpResponse


def normalized(config: dict[str, Any] | None) -> dict[str, Any]:
    """The configuration with lower-camel keys (HTTP APIs store ``allowOrigins``, function
    URLs ``AllowOrigins``)."""
    return {k[:1].lower() + k[1:]: v for k, v in (config or {}).items()}


def _allowed_origin(config: dict[str, Any], origin: str | None) -> str | None:
    if not origin:
        return None
    allowed = config.get("allowOrigins") or []
    if "*" in allowed:
        return origin if config.get("allowCredentials") else "*"
    return origin if origin in allowed else None


def is_preflight(request: HttpRequest) -> bool:
    return (
        request.method.upper() == "OPTIONS"
        and request.header("origin") is not None
        and request.header("access-control-request-method") is not None
    )


def preflight(config: dict[str, Any] | None, request: HttpRequest) -> HttpResponse:
    """The answer to a preflight request (204, with the allow headers if allowed)."""
    config = normalized(config)
    headers: list[tuple[str, str]] = []
    origin = _allowed_origin(config, request.header("origin"))
    wanted = (request.header("access-control-request-method") or "").upper()
    methods = [m.upper() for m in config.get("allowMethods") or []]
    if origin and ("*" in methods or wanted in methods):
        headers.append(("access-control-allow-origin", origin))
        headers.append(("access-control-allow-methods", ",".join(methods)))
        if config.get("allowHeaders"):
            headers.append(("access-control-allow-headers", ",".join(config["allowHeaders"])))
        if config.get("maxAge") is not None:
            headers.append(("access-control-max-age", str(config["maxAge"])))
        if config.get("allowCredentials"):
            headers.append(("access-control-allow-credentials", "true"))
    return HttpResponse(204, headers, b"")


def decorate(config: dict[str, Any] | None, request: HttpRequest, response: HttpResponse) -> None:
    """Add the CORS headers an allowed origin gets on an ordinary answer, in place of any the
    integration sent (API Gateway ignores those when the API has a CORS configuration)."""
    config = normalized(config)
    # with CORS configured on the API, the integration's own CORS headers are ignored
    response.headers[:] = [
        (k, v) for k, v in response.headers if not k.lower().startswith("access-control-")
    ]
    origin = _allowed_origin(config, request.header("origin"))
    if not origin:
        return
    response.headers.append(("access-control-allow-origin", origin))
    if config.get("exposeHeaders"):
        response.headers.append(
            ("access-control-expose-headers", ",".join(config["exposeHeaders"]))
        )
    if config.get("allowCredentials"):
        response.headers.append(("access-control-allow-credentials", "true"))
