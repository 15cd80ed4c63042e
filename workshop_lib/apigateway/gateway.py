"""One REST API stage answering HTTP requests the way API Gateway does.

The four steps of method execution (the talk's slides 47–48): **method request** (route,
API key and usage plan, authorizer, request validation), **integration request** (a Lambda
proxy event, a mock, or an HTTP backend), **integration response** and **method response**
(the Lambda proxy response mapped to HTTP; anything malformed becomes a 502). Every
refusal is an AWS-shaped JSON error with ``x-amzn-ErrorType``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from workshop_lib.apigateway.invoking import IntegrationThrottled, IntegrationTimeout
from workshop_lib.apigateway.spec import ApiSpec, MethodSpec, ResourceSpec
from workshop_lib.driver import blocking

if TYPE_CHECKING:
    from workshop_lib.apigateway.plugin import ApiGatewayPlugin
    from workshop_lib.lambda_runtime.run import Outcome

MAX_BODY = 10 * 1024 * 1024  # REST API payload limit: 10 MB


def single_and_multi(
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A proxy event's two views of repeated names (headers, query parameters): the last
    value of each, and all of them in order."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


@dataclass
class HttpRequest:
    """What reached the gateway: method, path below the stage, query, headers, body."""

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in reversed(self.headers):
            if key.lower() == name:
                return value
        return None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class GatewayError(Exception):
    """An API Gateway refusal: status, error type (gateway response type) and message."""

    def __init__(
        self, status: int, error_type: str, message: str | None, response_type: str = "DEFAULT_4XX"
    ) -> None:
        super().__init__(message)
        self.status, self.error_type, self.message = status, error_type, message
        self.response_type = response_type


MISSING_TOKEN = GatewayError(
    403,
    "MissingAuthenticationTokenException",
    "Missing Authentication Token",
    "MISSING_AUTHENTICATION_TOKEN",
)


class Gateway:
    """A deployed stage of one REST API."""

    def __init__(
        self,
        plugin: ApiGatewayPlugin,
        api_id: str,
        stage: str,
        trace: dict[str, Any] | None = None,
        fixed: tuple[ApiSpec, dict[str, str]] | None = None,
    ) -> None:
        self.plugin, self.api_id, self.stage = plugin, api_id, stage
        self.trace = trace  # filled with the event and the integration's answer, if given
        self.fixed = fixed  # a configuration and stage variables to serve instead of a stage's
        self.spec: ApiSpec | None = None
        self.variables: dict[str, str] = {}
        self.canary = False

    # -- the whole request ----------------------------------------------------------------------
    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request from synchronous code: :meth:`handle_async` on the request
        driver's loop (:class:`workshop_lib.driver.Driver`)."""
        return self.plugin.driver().run(self.handle_async(request))

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        """Answer one request: method execution, awaiting the Lambda hops (the authorizer's
        and the integration's); an HTTP backend, which blocks, runs in a thread
        (:func:`workshop_lib.driver.blocking`)."""
        request_id = self.plugin.aws.ids.uuid4()
        spec = None
        try:
            if self.fixed is not None:
                spec, self.variables, self.canary = self.fixed[0], dict(self.fixed[1]), False
            else:
                spec, self.variables, self.canary = self.plugin.deployments.select(
                    self.api_id, self.stage
                )
            self.spec = spec
            if len(request.body) > MAX_BODY:
                raise GatewayError(
                    413, "RequestTooLongException", "Request Too Long", "REQUEST_TOO_LARGE"
                )
            if spec is None:  # no such stage (or never deployed)
                raise GatewayError(403, "ForbiddenException", "Forbidden", "DEFAULT_4XX")
            routed = spec.route(request.path, request.method)
            if routed is None or routed[1] is None:
                raise MISSING_TOKEN
            resource, method, path_params = routed
            return await self._execute(spec, resource, method, path_params, request, request_id)
        except GatewayError as error:
            return self._error(error, request_id, spec)

    async def _execute(
        self,
        spec: ApiSpec,
        resource: ResourceSpec,
        method: MethodSpec,
        path_params: dict[str, str],
        request: HttpRequest,
        request_id: str,
    ) -> HttpResponse:
        identity: dict[str, Any] = {}
        from_authorizer = spec.api_key_source == "AUTHORIZER"
        if method.api_key_required and not from_authorizer:
            identity.update(
                self.plugin.usage.admit(self.api_id, self.stage, request, spec.api_key_source)
            )
        authorizer_context, usage_key = None, None
        if method.authorization_type == "CUSTOM" and method.authorizer_id:
            authorizer_context, usage_key = await self.plugin.authorizers.authorize(
                self, spec, method, resource, request, path_params
            )
        if method.api_key_required and from_authorizer:  # the key is the authorizer's answer
            identity.update(
                self.plugin.usage.admit(self.api_id, self.stage, request, "AUTHORIZER", usage_key)
            )
        self.plugin.validation.check(spec, method, request)
        integration = method.integration
        if integration is None:
            raise GatewayError(
                500, "InternalServerErrorException", "Internal server error", "DEFAULT_5XX"
            )
        event = self.proxy_event(
            resource, method, request, path_params, request_id, identity, authorizer_context
        )
        if integration.type == "AWS_PROXY":
            return await self._lambda_proxy(integration, event, request_id)
        if integration.type == "MOCK":
            return self._mock(method, integration, request_id)
        if integration.type == "HTTP_PROXY":
            return await blocking(self._http_proxy, integration, request, path_params, request_id)
        if integration.type == "AWS":
            return await self._lambda_custom(integration, event, request, path_params, request_id)
        raise GatewayError(
            500,
            "InternalServerErrorException",
            f"integration type {integration.type} is not emulated yet",
            "DEFAULT_5XX",
        )

    # -- integration: Lambda proxy ------------------------------------------------------------
    def proxy_event(
        self,
        resource: ResourceSpec,
        method: MethodSpec,
        request: HttpRequest,
        path_params: dict[str, str],
        request_id: str,
        identity: dict[str, Any],
        authorizer: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The REST API (payload format 1.0) Lambda proxy event for this request."""
        aws = self.plugin.aws
        # through datetime: the event's times keep datetime's rounding to the microsecond
        stamp = datetime.fromtimestamp(aws.clock.time(), tz=timezone.utc).timestamp()
        headers, multi_headers = single_and_multi(request.headers)
        query, multi_query = (
            single_and_multi(parse_qsl(request.query, keep_blank_values=True))
            if request.query
            else ({}, {})
        )
        binary = _is_binary(request, self.spec)
        body: str | None
        if not request.body:
            body = None
        elif binary:
            body = base64.b64encode(request.body).decode()
        else:
            body = request.body.decode("utf-8", errors="replace")
        stage_variables = self.variables
        context_identity = {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.header("User-Agent"),
            "user": None,
            "apiKey": identity.get("apiKey"),
            "apiKeyId": identity.get("apiKeyId"),
        }
        context: dict[str, Any] = {
            "resourceId": resource.id,
            "resourcePath": resource.path,
            "httpMethod": request.method.upper(),
            "extendedRequestId": aws.ids.hex(16),
            "requestTime": request_time(int(stamp)),
            "path": f"/{self.stage}{request.path}",
            "accountId": aws.account_id,
            "protocol": "HTTP/1.1",
            "stage": self.stage,
            "domainPrefix": self.api_id,
            "requestTimeEpoch": int(stamp * 1000),
            "requestId": request_id,
            "identity": context_identity,
            "domainName": f"{self.api_id}.execute-api.{aws.region}.amazonaws.com",
            "apiId": self.api_id,
        }
        if authorizer is not None:
            context["authorizer"] = authorizer
        return {
            "resource": resource.path,
            "path": request.path,
            "httpMethod": request.method.upper(),
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": {k: unquote(v) for k, v in path_params.items()} or None,
            "stageVariables": stage_variables or None,
            "requestContext": context,
            "body": body,
            "isBase64Encoded": binary and bool(request.body),
        }

    async def _lambda_proxy(
        self, integration: Any, event: dict[str, Any], request_id: str
    ) -> HttpResponse:
        if self.trace is not None:
            self.trace["event"] = event
        outcome = await self._invoke(integration, event)
        if self.trace is not None and outcome is not None:
            self.trace["lambda_response"] = json.loads(outcome.body)
        if outcome is None or outcome.error is not None:
            raise _bad_gateway()  # a crash or the function's own timeout: 502, as on AWS
        return _proxy_response(outcome.payload, request_id)

    # -- integration: Lambda with mapping templates (non-proxy) --------------------------------
    async def _lambda_custom(
        self,
        integration: Any,
        event: dict[str, Any],
        request: HttpRequest,
        path_params: dict[str, str],
        request_id: str,
    ) -> HttpResponse:
        """Request template → Lambda → response selected by ``selectionPattern`` → template."""
        from workshop_lib.apigateway import vtl

        params = {
            "path": {k: unquote(v) for k, v in path_params.items()},
            "querystring": event["queryStringParameters"] or {},
            "header": event["headers"] or {},
        }
        scope = {
            "context": event["requestContext"],
            "stageVariables": event["stageVariables"] or {},
        }
        content_type = (request.header("Content-Type") or "application/json").split(";")[0]
        templates = integration.request_templates
        template = templates.get(content_type)
        body = request.body.decode("utf-8", errors="replace")
        if template is None and (
            integration.passthrough == "NEVER"
            or (integration.passthrough == "WHEN_NO_TEMPLATES" and templates)
        ):
            raise GatewayError(
                415,
                "UnsupportedMediaTypeException",
                "Unsupported Media Type",
                "UNSUPPORTED_MEDIA_TYPE",
            )
        try:
            payload = (
                body
                if template is None
                else vtl.render(template, {**scope, "input": vtl.Input(body, params)})
            )
            lambda_event = json.loads(payload or "{}")
        except (vtl.TemplateError, ValueError):
            raise GatewayError(
                500, "InternalServerErrorException", "Internal server error", "DEFAULT_5XX"
            ) from None
        if self.trace is not None:
            self.trace["event"] = lambda_event
        outcome = await self._invoke(integration, lambda_event)
        if outcome is None:
            raise _bad_gateway()
        result_text = outcome.body.decode()
        if self.trace is not None:
            self.trace["lambda_response"] = json.loads(result_text)
        selector = (outcome.error or {}).get("errorMessage") if outcome.error else None
        chosen = _select_response(integration.responses, selector)
        if chosen is None:
            raise GatewayError(
                500, "InternalServerErrorException", "Internal server error", "DEFAULT_5XX"
            )
        status = int(chosen.get("statusCode", 200))
        out_template = (chosen.get("responseTemplates") or {}).get("application/json")
        try:
            data = (
                result_text
                if not out_template
                else vtl.render(out_template, {**scope, "input": vtl.Input(result_text, params)})
            )
        except vtl.TemplateError:
            raise GatewayError(
                500, "InternalServerErrorException", "Internal server error", "DEFAULT_5XX"
            ) from None
        headers = [("Content-Type", "application/json")]
        document = json.loads(result_text)
        for name, expression in (chosen.get("responseParameters") or {}).items():
            if not name.startswith("method.response.header."):
                continue
            header = name.removeprefix("method.response.header.")
            if expression.startswith("integration.response.body."):
                found = vtl.json_path(
                    document, "$." + expression.removeprefix("integration.response.body.")
                )
                headers.append((header, "" if found is None else str(found)))
            else:
                headers.append((header, _static_value(expression)))
        return HttpResponse(status, headers + _ids(request_id), data.encode())

    # -- integration: HTTP proxy ---------------------------------------------------------------
    def _http_proxy(
        self, integration: Any, request: HttpRequest, path_params: dict[str, str], request_id: str
    ) -> HttpResponse:
        """Pass the request through to an HTTP backend and its answer back, unchanged."""
        import urllib.error
        import urllib.request

        url = integration.uri or ""
        for name, value in path_params.items():
            url = url.replace("{" + name + "+}", value).replace("{" + name + "}", value)
        if request.query:
            url += ("&" if "?" in url else "?") + request.query
        method = (
            request.method
            if integration.http_method in (None, "ANY")
            else (integration.http_method)
        )
        skip = {"host", "content-length", "connection"}
        outgoing = urllib.request.Request(
            url,
            data=request.body or None,
            method=method,
            headers={k: v for k, v in request.headers if k.lower() not in skip},
        )
        try:
            with urllib.request.urlopen(outgoing, timeout=integration.timeout_ms / 1000) as reply:
                status, headers, data = reply.status, list(reply.headers.items()), reply.read()
        except urllib.error.HTTPError as reply:
            status, headers, data = reply.code, list(reply.headers.items()), reply.read()
        except TimeoutError:
            raise GatewayError(
                504,
                "InternalServerErrorException",
                "Endpoint request timed out",
                "INTEGRATION_TIMEOUT",
            ) from None
        except OSError:
            raise GatewayError(
                500, "InternalServerErrorException", "Internal server error", "INTEGRATION_FAILURE"
            ) from None
        skip_back = {"content-length", "transfer-encoding", "connection", "server", "date"}
        kept = [(k, v) for k, v in headers if k.lower() not in skip_back]
        return HttpResponse(status, kept + _ids(request_id), data)

    async def _invoke(self, integration: Any, event: dict[str, Any]) -> Outcome | None:
        """Run the integration's function; 504 once the integration timeout has passed, and
        500 when Lambda throttles it (AWS maps Lambda's 429 to a 500, not to a 429: the
        client did nothing wrong, the backend had no capacity)."""
        try:
            return await self.plugin.integrations.invoke(
                integration.uri, event, integration.timeout_ms, self.variables
            )
        except IntegrationTimeout:
            raise GatewayError(
                504,
                "InternalServerErrorException",
                "Endpoint request timed out",
                "INTEGRATION_TIMEOUT",
            ) from None
        except IntegrationThrottled:
            raise GatewayError(
                500, "InternalServerErrorException", "Internal server error", "INTEGRATION_FAILURE"
            ) from None

    # -- integration: mock ----------------------------------------------------------------------
    def _mock(self, method: MethodSpec, integration: Any, request_id: str) -> HttpResponse:
        status = 200
        responses = integration.responses or {}
        chosen = responses.get("200") or (next(iter(responses.values())) if responses else {})
        if chosen:
            status = int(chosen.get("statusCode", 200))
        headers = [("Content-Type", "application/json")]
        for name, expression in (chosen.get("responseParameters") or {}).items():
            if name.startswith("method.response.header."):
                headers.append(
                    (name.removeprefix("method.response.header."), _static_value(expression))
                )
        template = (chosen.get("responseTemplates") or {}).get("application/json") or ""
        return HttpResponse(status, headers + _ids(request_id), template.encode())

    # -- errors ---------------------------------------------------------------------------------
    def _error(self, error: GatewayError, request_id: str, spec: ApiSpec | None) -> HttpResponse:
        status, message = error.status, error.message
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.error_type)]
        custom = (spec.gateway_responses.get(error.response_type) if spec else None) or (
            spec.gateway_responses.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")
            if spec
            else None
        )
        body = json.dumps({"message": message}).encode()
        if custom:
            status = int(custom.get("statusCode") or status)
            for name, expression in (custom.get("responseParameters") or {}).items():
                if name.startswith("gatewayresponse.header."):
                    headers.append(
                        (name.removeprefix("gatewayresponse.header."), _static_value(expression))
                    )
            template = (custom.get("responseTemplates") or {}).get("application/json")
            if template:
                body = template.replace("$context.error.messageString", json.dumps(message))
                body = body.replace("$context.error.message", message or "").encode()
        return HttpResponse(status, headers + _ids(request_id), body)


def _select_response(
    responses: dict[str, dict[str, Any]], error_message: str | None
) -> dict[str, Any] | None:
    """The integration response whose selectionPattern matches an error, else the default."""
    import re

    default = None
    for response in responses.values():
        pattern = response.get("selectionPattern")
        if not pattern:
            default = default or response
        elif error_message is not None and re.fullmatch(pattern, error_message, re.DOTALL):
            return response
    return default


def _static_value(expression: str) -> str:
    return expression[1:-1] if expression[:1] == "'" and expression[-1:] == "'" else expression


def _ids(request_id: str) -> list[tuple[str, str]]:
    return [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", request_id[:16])]


def _bad_gateway() -> GatewayError:
    return GatewayError(502, "InternalServerErrorException", "Internal server error", "DEFAULT_5XX")


_last_second: tuple[int, str] = (-1, "")


def request_time(second: int) -> str:
    """A proxy event's ``requestTime`` (REST) or ``time`` (HTTP API) for a request in epoch
    second ``second``: formatted once a second (strftime costs more than the rest of the
    event's clock fields together)."""
    global _last_second
    known, text = _last_second
    if known != second:
        text = datetime.fromtimestamp(second, tz=timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
        _last_second = (second, text)
    return text


def _is_binary(request: HttpRequest, spec: ApiSpec | None) -> bool:
    types = spec.binary_media_types if spec else []
    if not types:
        return False
    content_type = (request.header("Content-Type") or "").split(";")[0].strip()
    return bool(content_type) and any(
        t == content_type or t == "*/*" or (t.endswith("/*") and content_type.startswith(t[:-1]))
        for t in types
    )


PROXY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


def _proxy_response(payload: str | None, request_id: str) -> HttpResponse:
    """Map a Lambda proxy response to HTTP, or 502 when it is malformed (as AWS does)."""
    try:
        response = json.loads(payload or "null")
    except ValueError:
        raise _bad_gateway() from None
    if not isinstance(response, dict) or not PROXY_KEYS.issuperset(response):
        raise _bad_gateway()
    status = response.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise _bad_gateway()
    headers: list[tuple[str, str]] = []
    single = response.get("headers") or {}
    multi = response.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise _bad_gateway()
    for name, values in multi.items():
        if not isinstance(values, list):
            raise _bad_gateway()
        headers += [(name, _header_value(v)) for v in values]
    lowered = {name.lower() for name, _ in headers}
    for name, value in single.items():
        if name.lower() not in lowered:
            headers.append((name, _header_value(value)))
    body = response.get("body")
    if body is not None and not isinstance(body, str):
        raise _bad_gateway()
    data = (body or "").encode()
    if response.get("isBase64Encoded") and body:
        try:
            data = base64.b64decode(body)
        except ValueError:
            raise _bad_gateway() from None
    if "content-type" not in {name.lower() for name, _ in headers}:
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers + _ids(request_id), data)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)) or value is None:
        raise _bad_gateway()
    return str(value)
