"""One HTTP API (API Gateway v2) answering requests the way API Gateway does.

A request picks a stage and a route (:mod:`.routes`), passes the stage's or the route's
throttle (a token bucket on the sandbox clock: ``429 Too Many Requests``), the route's
integration runs — a
Lambda proxy integration with payload format 2.0 or 1.0, or an HTTP proxy — and the answer
is mapped back (:mod:`.payload`). HTTP APIs answer their own errors as
``{"message": ...}``: ``Not Found`` (404, no stage or route), ``Internal Server Error``
(500, a function error or a malformed answer), ``Service Unavailable`` (503, the
integration outlasted its timeout).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workshop_lib.apigateway.gateway import HttpRequest, HttpResponse
from workshop_lib.apigatewayv2 import cors, payload, routes
from workshop_lib.apigatewayv2.authorizers import Refused
from workshop_lib.driver import blocking

if TYPE_CHECKING:
    from workshop_lib.apigatewayv2.layer import HttpApiLayer

#: the longest an HTTP API waits for an integration (and its default), in milliseconds
MAX_INTEGRATION_TIMEOUT_MS = 30_000
_FUNCTION_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:[^/]+$")


@dataclass
class LambdaStep:
    """The Lambda hop of a request, awaited by :meth:`HttpApiGateway.handle_async`."""

    uri: str
    event: dict[str, Any]
    timeout_ms: int
    answer: Callable[[str], HttpResponse]


@dataclass
class BlockingStep:
    """A step that blocks (an HTTP backend): it runs in a thread."""

    run: Callable[[], HttpResponse]


class HttpApiGateway:
    """A deployed HTTP API: every stage of it, on its execute-api host."""

    def __init__(self, layer: HttpApiLayer, api: Any) -> None:
        self.layer, self.api = layer, api

    def handle(self, request: HttpRequest) -> HttpResponse:
        """:meth:`handle_async` for synchronous callers, on the request driver's loop."""
        return self.layer.driver().run(self.handle_async(request))

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        """Answer one request; ``request.path`` is the whole path, stage included. The Lambda
        hop is awaited; what blocks (a Lambda authorizer, an HTTP backend) runs in a thread."""
        request_id = self._request_id()
        if any((r.authorization_type or "").upper() == "CUSTOM" for r in self.api.routes.values()):
            step = await blocking(self._plan, request, request_id)
        else:
            step = self._plan(request, request_id)
        if isinstance(step, LambdaStep):
            response = await self.layer.invoke(step)
        elif isinstance(step, BlockingStep):
            response = await blocking(step.run)
        else:
            response = step
        return self._finish(request, response, request_id)

    def _request_id(self) -> str:
        return base64.b64encode(bytes.fromhex(self.layer.aws.ids.hex(20))).decode()

    def _finish(
        self, request: HttpRequest, response: HttpResponse, request_id: str
    ) -> HttpResponse:
        if self.api.cors_configuration and not (
            cors.is_preflight(request) and response.status == 204
        ):
            cors.decorate(self.api.cors_configuration, request, response)
        response.headers.append(("apigw-requestid", request_id))
        return response

    def _plan(
        self, request: HttpRequest, request_id: str
    ) -> HttpResponse | LambdaStep | BlockingStep:
        api = self.api
        staged = routes.split_stage(api.stages, request.path)
        if staged is None:
            return payload.error(404, "Not Found")
        stage_name, below = staged
        if api.cors_configuration and cors.is_preflight(request):
            return cors.preflight(api.cors_configuration, request)
        chosen = routes.select([r.route_key for r in api.routes.values()], request.method, below)
        if chosen is None:
            return payload.error(404, "Not Found")
        route_key, params = chosen
        route = next(r for r in api.routes.values() if r.route_key == route_key)
        integration = self._integration(route)
        if integration is None:
            return payload.error(404, "Not Found")
        stage = api.stages[stage_name]
        if not self.layer.admit(api.api_id, stage, route_key):
            return payload.error(429, "Too Many Requests")
        raw_path = request.path if stage_name == routes.DEFAULT else f"/{stage_name}{below}"
        target = payload.Target(
            api_id=api.api_id,
            domain_name=f"{api.api_id}.execute-api.{self.layer.aws.region}.amazonaws.com",
            stage=stage_name,
            route_key=route_key,
            raw_path=raw_path,
            path_parameters=params,
            stage_variables=dict(stage.stage_variables or {}),
            account_id=self.layer.aws.account_id,
            request_id=request_id,
            now=self.layer.aws.clock.time(),
        )
        try:
            authorizer = self.layer.authorizers.authorize(api, route, request, target, below)
        except Refused as refused:
            return refused.response
        return self._integrate(integration, request, target, below, params, authorizer)

    def _integrate(
        self,
        integration: Any,
        request: HttpRequest,
        target: payload.Target,
        below: str,
        params: dict[str, str],
        authorizer: dict[str, Any] | None,
    ) -> HttpResponse | LambdaStep | BlockingStep:
        route_key = target.route_key
        kind = (integration.integration_type or "").upper()
        if kind == "AWS_PROXY":
            return self._lambda(integration, request, target, below, authorizer)
        if kind == "HTTP_PROXY":
            return BlockingStep(
                lambda: self.layer.forward(integration, request, params, route_key, below)
            )
        return payload.error(500, "Internal Server Error")

    def _integration(self, route: Any) -> Any:
        target = route.target or ""
        if not target.startswith("integrations/"):
            return None
        return self.api.integrations.get(target.split("/", 1)[1])

    def _lambda(
        self,
        integration: Any,
        request: HttpRequest,
        target: payload.Target,
        below: str,
        authorizer: dict[str, Any] | None,
    ) -> LambdaStep:
        version = integration.payload_format_version or "2.0"
        if version == "1.0":
            route_key = target.route_key
            resource = below if route_key == routes.DEFAULT else route_key.split(" ", 1)[1]
            event = payload.event_v1(request, target, resource)
            if authorizer is not None:
                event["requestContext"]["authorizer"] = _v1_authorizer(authorizer)
        else:
            event = payload.event_v2(request, target, authorizer)
        timeout = min(
            integration.timeout_in_millis or MAX_INTEGRATION_TIMEOUT_MS, MAX_INTEGRATION_TIMEOUT_MS
        )
        return LambdaStep(
            integration.integration_uri,
            event,
            timeout,
            payload.response_v1 if version == "1.0" else payload.response_v2,
        )


def lambda_uri(uri: str, region: str) -> str:
    """An integration URI in API Gateway's Lambda form (HTTP APIs also take a bare ARN)."""
    if _FUNCTION_ARN.match(uri or ""):
        return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{uri}/invocations"
    return uri


def _v1_authorizer(authorizer: dict[str, Any]) -> dict[str, Any]:
    """Payload 1.0 puts a JWT's claims and scopes, or a Lambda authorizer's context, at the
    top of ``requestContext.authorizer``."""
    if "jwt" in authorizer:
        return dict(authorizer["jwt"])
    return dict(authorizer.get("lambda") or authorizer.get("iam") or {})
