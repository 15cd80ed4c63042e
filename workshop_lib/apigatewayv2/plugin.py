"""The HTTP API plug-in: HTTP APIs and Lambda function URLs answered in this process.

moto stores HTTP APIs (``apigatewayv2``) and function URL configurations but never calls an
integration. While a sandbox runs, ``requests`` calls to an HTTP API's
``https://{api}.execute-api.{region}.amazonaws.com/...`` and to a function URL's
``https://{url-id}.lambda-url.{region}.on.aws/...`` are answered here (as moto answers other
AWS URLs), so they never need a name lookup. Lambda integrations run through the sandbox's
Lambda plug-in, the seam boto3's ``invoke`` and REST APIs share.
"""

from __future__ import annotations

import contextlib
import re
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from workshop_lib.apigateway.gateway import HttpRequest, HttpResponse
from workshop_lib.apigateway.invoking import IntegrationThrottled, IntegrationTimeout
from workshop_lib.apigatewayv2 import payload
from workshop_lib.apigatewayv2.authorizers import HttpAuthorizers
from workshop_lib.apigatewayv2.deployments import Deployments
from workshop_lib.apigatewayv2.gateway import HttpApiGateway, LambdaStep, lambda_uri
from workshop_lib.apigatewayv2.issuer import LocalIssuer
from workshop_lib.apigatewayv2.urls import FunctionUrls
from workshop_lib.tokenbucket import TokenBucket

if TYPE_CHECKING:
    from collections.abc import Callable

    from workshop_lib.driver import Driver
    from workshop_lib.sandbox import Sandbox

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


class HttpApiPlugin:
    """Serves the sandbox's HTTP APIs and function URLs."""

    name = "apigatewayv2"

    def __init__(self) -> None:
        self.aws: Sandbox | None = None
        self.urls = FunctionUrls(self)
        self.authorizers = HttpAuthorizers(self)
        self.deployments = Deployments(self)
        self._apis: dict[str, Any] = {}  # API id -> moto's HTTP API, as served
        self.issuers: dict[str, LocalIssuer] = {}
        self._registered: list[Any] = []
        self._throttles: dict[tuple[str, str, str], tuple[tuple, TokenBucket]] = {}
        self._lock = threading.Lock()
        self.servers: dict[str, Any] = {}  # API or function URL id -> its loopback server

    def install(self, aws: Sandbox) -> None:
        import responses
        from moto.core.models import responses_mock

        from workshop_lib import seams

        self.aws = aws
        seams.install("apigatewayv2", self)  # deployments, GetAuthorizers, the URL index
        region = re.escape(aws.region)
        execute_api = re.compile(
            rf"https://(?P<id>[a-z0-9]+)\.execute-api\.{region}\.amazonaws\.com(?P<rest>[/?].*)?$",
            re.IGNORECASE,
        )
        function_url = re.compile(
            rf"https://(?P<id>[a-z0-9]+)\.lambda-url\.{region}\.on\.aws(?P<rest>[/?].*)?$",
            re.IGNORECASE,
        )
        for method in METHODS:
            for pattern, answer, match in (
                (execute_api, self._answer_api, self._is_http_api),
                (function_url, self._answer_url, None),
            ):
                callback = responses.CallbackResponse(
                    method=method,
                    url=pattern,
                    callback=lambda prepared, p=pattern, a=answer: a(p, prepared),
                    match=[match] if match else [],
                )
                responses_mock.add(callback)
                self._registered.append(callback)

    def uninstall(self, aws: Sandbox) -> None:
        from moto.core.models import responses_mock

        from workshop_lib import seams

        seams.uninstall("apigatewayv2", self)
        self.reset(aws)  # moto's state may go with the mock; nothing kept may outlive it
        for made in self.issuers.values():
            made.stop()
        self.issuers.clear()
        self._stop_servers()
        for callback in self._registered:
            with contextlib.suppress(ValueError):
                responses_mock.remove(callback)
        self._registered.clear()

    def reset(self, aws: Sandbox) -> None:
        self.authorizers.clear()  # the rest lives in moto's state, which the sandbox resets
        self.deployments.clear()
        self.urls.forget()
        with self._lock:
            self._throttles.clear()
            self._apis.clear()
        self._stop_servers()

    # -- loopback servers -----------------------------------------------------------------------
    def serve(self, api_id: str, port: int = 0) -> str:
        """Serve an HTTP API on 127.0.0.1 (the same API always gets the same URL); its base
        URL, under which each stage is where AWS has it (``$default`` at the root)."""
        from workshop_lib.apigatewayv2.server import HttpApiServer

        if self.http_api(api_id) is None:
            raise ValueError(
                f"{api_id!r} is not an HTTP API of this sandbox: create it with "
                "boto3.client('apigatewayv2').create_api(Name=..., ProtocolType='HTTP')"
            )
        return self._serve(api_id, lambda: HttpApiServer(self, api_id, port))

    def serve_url(self, function_name: str, port: int = 0) -> str:
        """Serve a function's URL on 127.0.0.1; the loopback base URL."""
        from workshop_lib.apigatewayv2.server import FunctionUrlServer

        lam = self.aws.client("lambda")
        try:
            url = lam.get_function_url_config(FunctionName=function_name)["FunctionUrl"]
        except lam.exceptions.ResourceNotFoundException:
            raise ValueError(
                f"function {function_name!r} has no URL: create one with "
                "lambda.create_function_url_config(FunctionName=..., AuthType='NONE')"
            ) from None
        url_id = url.split("//", 1)[1].split(".", 1)[0]
        return self._serve(url_id, lambda: FunctionUrlServer(self, url_id, port))

    def _serve(self, key: str, make: Callable[[], Any]) -> str:
        with self._lock:
            server = self.servers.get(key)
            if server is None:
                server = self.servers[key] = make()
                server.start()
        return server.base_url

    def _stop_servers(self) -> None:
        with self._lock:
            servers, self.servers = list(self.servers.values()), {}
        for server in servers:
            server.stop()

    def admit(self, api_id: str, stage: Any, route_key: str) -> bool:
        """Whether the stage's throttle for this route lets one more request through: the
        route's own settings (``RouteSettings``), else the stage's ``DefaultRouteSettings``
        (``ThrottlingRateLimit`` per second, ``ThrottlingBurstLimit`` deep); none: no limit."""
        settings = _throttle(stage.route_settings.get(route_key)) or _throttle(
            stage.default_route_settings
        )
        if settings is None:
            return True
        key = (api_id, stage.name, route_key)
        now = self.aws.clock.time()
        with self._lock:
            known = self._throttles.get(key)
            if known is None or known[0] != settings:  # new, or the settings changed
                known = self._throttles[key] = (settings, TokenBucket(*settings, now))
            return known[1].take(now)

    def issuer(self) -> LocalIssuer:
        """A local OpenID issuer for JWT authorizers (keys and JWKS on 127.0.0.1): use
        ``issuer.url`` as an authorizer's issuer and ``issuer.token(audience)`` as a token."""
        made = LocalIssuer(self.aws.clock).start()
        self.issuers[made.url] = made
        return made

    # -- moto's state -----------------------------------------------------------------------
    def http_api(self, api_id: str) -> Any:
        """moto's HTTP API with this id, or None (no such API, or a WebSocket API); found
        once, then kept until the API is deleted or the sandbox reset."""
        found = self._apis.get(api_id)
        if found is None:
            found = self._find_api(api_id)
            if found is not None:
                with self._lock:
                    self._apis[api_id] = found
        return found

    def forget_api(self, api_id: str) -> None:
        """The API was deleted: stop serving it."""
        with self._lock:
            self._apis.pop(api_id, None)

    def _find_api(self, api_id: str) -> Any:
        from moto.apigatewayv2.exceptions import ApiNotFound
        from moto.apigatewayv2.models import apigatewayv2_backends

        from workshop_lib.seams import moto_backend

        backend = moto_backend(apigatewayv2_backends, self.aws.account_id, self.aws.region)
        try:
            api = backend.get_api(api_id)
        except ApiNotFound:
            return None
        return api if api.protocol_type == "HTTP" else None

    def _is_http_api(self, prepared: Any) -> tuple[bool, str]:
        host = urlsplit(prepared.url).hostname or ""
        found = self.http_api(host.split(".", 1)[0])
        return found is not None, "" if found is not None else "not an HTTP API"

    # -- requests ----------------------------------------------------------------------------
    @staticmethod
    def _request(pattern: re.Pattern[str], prepared: Any) -> tuple[str, HttpRequest]:
        found = pattern.match(prepared.url)
        parts = urlsplit(prepared.url)
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode()
        request = HttpRequest(
            method=prepared.method,
            path=parts.path or "/",
            query=parts.query,
            headers=list(prepared.headers.items()),
            body=body,
        )
        return found["id"], request

    def _answer_api(self, pattern: re.Pattern[str], prepared: Any) -> tuple:
        api_id, request = self._request(pattern, prepared)
        response = self.handle(api_id, request)
        return response.status, list(response.headers), _body_for(request, response)

    def _answer_url(self, pattern: re.Pattern[str], prepared: Any) -> tuple:
        url_id, request = self._request(pattern, prepared)
        response = self.urls.handle(url_id, request)
        return response.status, list(response.headers), _body_for(request, response)

    def handle(self, api_id: str, request: HttpRequest) -> HttpResponse:
        """Answer one request to an HTTP API (``request.path`` with the stage, if any)."""
        api = self.http_api(api_id)
        if api is None:
            return payload.error(404, "Not Found")
        return HttpApiGateway(self, api).handle(request)

    async def handle_async(self, api_id: str, request: HttpRequest) -> HttpResponse:
        """:meth:`handle` on a served API's event loop."""
        api = self.http_api(api_id)
        if api is None:
            return payload.error(404, "Not Found")
        return await HttpApiGateway(self, api).handle_async(request)

    def driver(self) -> Driver:
        """The request driver synchronous callers go through (the Lambda plug-in's)."""
        return self.aws.plugin("lambda").driver

    # -- integrations -----------------------------------------------------------------------
    async def invoke(self, step: LambdaStep) -> HttpResponse:
        """Run the function a Lambda integration names and map its answer."""
        rest = self.aws.plugin("apigateway")
        uri = lambda_uri(step.uri, self.aws.region)
        try:
            outcome = await rest.integrations.invoke(uri, step.event, step.timeout_ms)
        except IntegrationTimeout:
            return payload.error(503, "Service Unavailable")
        except IntegrationThrottled:
            return payload.error(500, "Internal Server Error")
        return _mapped(outcome, step.answer)

    def call_function(self, uri: str, event: dict[str, Any]) -> Any:
        """Run an authorizer function synchronously: its answer as JSON (ValueError if it
        failed or there is no such function)."""
        import json

        rest = self.aws.plugin("apigateway")
        try:
            outcome = rest.integrations.invoke_sync(lambda_uri(uri, self.aws.region), event, 10_000)
        except (IntegrationTimeout, IntegrationThrottled):
            raise ValueError("the authorizer did not answer") from None
        if outcome is None or outcome.error is not None or outcome.payload is None:
            raise ValueError("the authorizer failed")
        return json.loads(outcome.payload)

    def invoke_function(
        self, fn: Any, event: dict[str, Any], answer: Callable[[str], HttpResponse]
    ) -> HttpResponse:
        """Run a function for its function URL and map its answer."""
        from workshop_lib.lambda_runtime.pool import Throttled
        from workshop_lib.lambda_runtime.service import DecodedEvent

        try:
            outcome = self.aws.plugin("lambda").run(fn, DecodedEvent(event))
        except Throttled:
            return HttpResponse(
                429,
                [("content-type", "application/json")],
                b'{"Message":"Rate Exceeded.","Type":"User"}',
            )
        if outcome.error is not None or outcome.payload is None:
            return HttpResponse(502, [("content-type", "text/plain")], b"Internal Server Error")
        try:
            return answer(outcome.payload)
        except payload.MalformedResponse:
            return HttpResponse(502, [("content-type", "text/plain")], b"Internal Server Error")

    def forward(
        self,
        integration: Any,
        request: HttpRequest,
        params: dict[str, str],
        route_key: str,
        below: str,
    ) -> HttpResponse:
        """An HTTP proxy integration: the request goes on to the integration's URL."""
        import requests

        from workshop_lib.netguard import SandboxNetworkError

        url = integration.integration_uri or ""
        for name, value in params.items():
            url = url.replace("{" + name + "}", value).replace("{" + name + "+}", value)
        if route_key == "$default":
            url = url.rstrip("/") + below
        if request.query:
            url += ("&" if "?" in url else "?") + request.query
        method = (integration.integration_method or "ANY").upper()
        method = request.method if method == "ANY" else method
        headers = {k: v for k, v in request.headers if k.lower() not in ("host", "content-length")}
        timeout = (integration.timeout_in_millis or 30_000) / 1000
        try:
            answer = requests.request(
                method, url, headers=headers, data=request.body, timeout=timeout
            )
        except requests.Timeout:
            return payload.error(503, "Service Unavailable")
        except (requests.RequestException, SandboxNetworkError):
            return payload.error(500, "Internal Server Error")
        kept = [
            (k, v)
            for k, v in answer.raw.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding", "connection")
        ]
        return HttpResponse(answer.status_code, kept, answer.content)


def _mapped(outcome: Any, answer: Callable[[str], HttpResponse]) -> HttpResponse:
    if outcome is None or outcome.error is not None or outcome.payload is None:
        return payload.error(500, "Internal Server Error")
    try:
        return answer(outcome.payload)
    except payload.MalformedResponse:
        return payload.error(500, "Internal Server Error")


def get_authorizers(response: Any) -> tuple[int, dict, str]:
    """``GetAuthorizers`` for moto's API Gateway v2 responses, which moto answers "not
    implemented" (deploys list them to stay idempotent); one page: moto has no paging for
    the other v2 listings either."""
    import json

    api_id = response.path.split("/")[-2]
    api = response.apigatewayv2_backend.get_api(api_id)
    return 200, {}, json.dumps({"items": [a.to_json() for a in api.authorizers.values()]})


def _throttle(settings: dict[str, Any] | None) -> tuple[float, float] | None:
    """``(rate, burst)`` from route settings (moto keeps the request's key casing)."""
    if not settings:
        return None
    found = {k.lower(): v for k, v in settings.items()}
    rate, burst = found.get("throttlingratelimit"), found.get("throttlingburstlimit")
    if rate is None and burst is None:
        return None
    return float(rate if rate is not None else 10_000), float(burst if burst is not None else 5_000)


def _body_for(request: HttpRequest, response: HttpResponse) -> bytes:
    """A response to HEAD carries no body (its headers are those GET would have)."""
    return b"" if request.method.upper() == "HEAD" else response.body
