"""One HTTP API (API Gateway v2) answering requests the way API Gateway does.

A request picks a stage, the deployment the stage serves (:mod:`.deployments`: a stage no
deployment reached is ``Not Found``) and a route in it (:mod:`.routes`), passes the stage's
or the route's throttle (a token bucket on the sandbox clock: ``429 Too Many Requests``),
the route's integration runs — a Lambda proxy integration with payload format 2.0 or 1.0, or
an HTTP proxy — and the answer is mapped back (:mod:`.payload`). HTTP APIs answer their own
errors as ``{"message": ...}``: ``Not Found`` (404, no stage or route), ``Internal Server
Error`` (500, a function error or a malformed answer), ``Service Unavailable`` (503, the
integration outlasted its timeout).
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workshop_lib.apigateway.gateway import HttpRequest, HttpResponse
from workshop_lib.apigatewayv2 import cors, payload, routes
from workshop_lib.apigatewayv2.authorizers import Refused
from workshop_lib.apigatewayv2.deployments import Snapshot
from workshop_lib.driver import blocking

if TYPE_CHECKING:
    from workshop_lib.apigatewayv2.plugin import HttpApiPlugin

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


@dataclass
class Chosen:
    """The stage, deployment and route a request goes to."""

    stage: Any  # moto's stage
    deployed: Snapshot
    route: Any
    below: str  # the path under the stage
    params: dict[str, str]


class HttpApiGateway:
    """A deployed HTTP API: every stage of it, on its execute-api host."""

    def __init__(self, plugin: HttpApiPlugin, api: Any) -> None:
        self.plugin, self.api = plugin, api
        self.cors: dict[str, Any] | None = None  # the served deployment's CORS configuration

    def handle(self, request: HttpRequest) -> HttpResponse:
        """:meth:`handle_async` for synchronous callers, on the request driver's loop."""
        return self.plugin.driver().run(self.handle_async(request))

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        """Answer one request; ``request.path`` is the whole path, stage included. The Lambda
        hop is awaited; what blocks (a Lambda authorizer, an HTTP backend) runs in a thread."""
        request_id = self._request_id()
        chosen = self._choose(request)
        if isinstance(chosen, Chosen) and chosen.route.route_key in chosen.deployed.custom:
            step = await blocking(self._plan, request, request_id, chosen)
        else:
            step = self._plan(request, request_id, chosen) if isinstance(chosen, Chosen) else chosen
        if isinstance(step, LambdaStep):
            response = await self.plugin.invoke(step)
        elif isinstance(step, BlockingStep):
            response = await blocking(step.run)
        else:
            response = step
        return self._finish(request, response, request_id)

    def _request_id(self) -> str:
        return base64.b64encode(bytes.fromhex(self.plugin.aws.ids.hex(20))).decode()

    def _finish(
        self, request: HttpRequest, response: HttpResponse, request_id: str
    ) -> HttpResponse:
        if self.cors and not (cors.is_preflight(request) and response.status == 204):
            cors.decorate(self.cors, request, response)
        response.headers.append(("apigw-requestid", request_id))
        return response

    def _choose(self, request: HttpRequest) -> Chosen | HttpResponse:
        """The stage, the deployment it serves and the route; or the answer without one."""
        api = self.api
        staged = routes.split_stage(api.stages, request.path)
        if staged is None:
            return payload.error(404, "Not Found")
        stage_name, below = staged
        stage = api.stages[stage_name]
        deployed = self.plugin.deployments.serving(api, stage)
        if deployed is None:  # never deployed to this stage
            return payload.error(404, "Not Found")
        self.cors = deployed.cors_configuration
        if self.cors and cors.is_preflight(request):
            return cors.preflight(self.cors, request)
        found = deployed.table.select(request.method, below)
        if found is None:
            return payload.error(404, "Not Found")
        route_key, params = found
        return Chosen(stage, deployed, deployed.routes[route_key], below, params)

    def _plan(
        self, request: HttpRequest, request_id: str, chosen: Chosen
    ) -> HttpResponse | LambdaStep | BlockingStep:
        api_id, stage, route, below = self.api.api_id, chosen.stage, chosen.route, chosen.below
        integration = chosen.deployed.integration(route)
        if integration is None:
            return payload.error(404, "Not Found")
        route_key = route.route_key
        if not self.plugin.admit(api_id, stage, route_key):
            return payload.error(429, "Too Many Requests")
        raw_path = request.path if stage.name == routes.DEFAULT else f"/{stage.name}{below}"
        target = payload.Target(
            api_id=api_id,
            domain_name=f"{api_id}.execute-api.{self.plugin.aws.region}.amazonaws.com",
            stage=stage.name,
            route_key=route_key,
            raw_path=raw_path,
            path_parameters=chosen.params,
            stage_variables=dict(stage.stage_variables or {}),
            account_id=self.plugin.aws.account_id,
            request_id=request_id,
            now=self.plugin.aws.clock.time(),
        )
        try:
            authorizer = self.plugin.authorizers.authorize(
                chosen.deployed, route, request, target, below
            )
        except Refused as refused:
            return refused.response
        return self._integrate(integration, request, target, below, chosen.params, authorizer)

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
                lambda: self.plugin.forward(integration, request, params, route_key, below)
            )
        return payload.error(500, "Internal Server Error")

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


@functools.lru_cache(maxsize=1024)  # asked per request; integrations are few
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
