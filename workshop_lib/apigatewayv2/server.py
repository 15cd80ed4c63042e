"""HTTP APIs and function URLs served over real HTTP on 127.0.0.1.

The same loopback server as REST stages (:class:`workshop_lib.apigateway.server.LoopbackServer`:
llhttp framing, API Gateway's limits, timeouts, loopback ``Host`` only), answering with an
HTTP API (``http://127.0.0.1:PORT/path``: the stage is chosen from the path as on AWS, so a
``$default`` stage is at the root) or a function URL (every path). :class:`OfflineServer`
serves both kinds of a Serverless service on one port as serverless-offline does: ``http``
events under ``/{stage}``, ``httpApi`` events at the root.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from workshop_lib.apigateway.gateway import Gateway, HttpRequest, HttpResponse
from workshop_lib.apigateway.server import LoopbackServer

if TYPE_CHECKING:
    from workshop_lib.apigateway.layer import ApiGatewayLayer
    from workshop_lib.apigatewayv2.layer import HttpApiLayer

_MISSING_TOKEN = HttpResponse(
    403,
    [
        ("Content-Type", "application/json"),
        ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
    ],
    b'{"message":"Missing Authentication Token"}',
)


class HttpApiServer(LoopbackServer):
    """One HTTP API on one loopback port."""

    def __init__(self, layer: HttpApiLayer, api_id: str, port: int = 0) -> None:
        super().__init__(f"httpapi-{api_id}", port)
        self.layer, self.api_id = layer, api_id

    async def respond(self, request: HttpRequest) -> HttpResponse:
        return await self.layer.handle_async(self.api_id, request)


class FunctionUrlServer(LoopbackServer):
    """One function URL on one loopback port: every method and path reaches the function."""

    def __init__(self, layer: HttpApiLayer, url_id: str, port: int = 0) -> None:
        super().__init__(f"lambda-url-{url_id[:8]}", port)
        self.layer, self.url_id = layer, url_id

    async def respond(self, request: HttpRequest) -> HttpResponse:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.executor, self.layer.urls.handle, self.url_id, request
        )


class OfflineServer(LoopbackServer):
    """A service's REST stage under ``/{stage}`` and its HTTP API at the root, one port."""

    def __init__(
        self,
        port: int,
        *,
        rest: tuple[ApiGatewayLayer, str, str] | None = None,
        http_api: tuple[HttpApiLayer, str] | None = None,
    ) -> None:
        super().__init__("sls-offline", port)
        self.rest, self.http_api = rest, http_api

    async def respond(self, request: HttpRequest) -> HttpResponse:
        if self.rest is not None:
            layer, api_id, stage = self.rest
            prefix = f"/{stage}"
            if request.path == prefix or request.path.startswith(prefix + "/"):
                request.path = request.path[len(prefix) :] or "/"
                gateway = Gateway(layer, api_id, stage)
                return await gateway.handle_async(request)
        if self.http_api is None:
            return _MISSING_TOKEN
        layer2, api_id2 = self.http_api
        return await layer2.handle_async(api_id2, request)
