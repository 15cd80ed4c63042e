"""HTTP APIs and function URLs served over real HTTP on 127.0.0.1.

The same loopback server as REST stages (:class:`workshop_lib.apigateway.server.LoopbackServer`:
llhttp framing, API Gateway's limits, timeouts, loopback ``Host`` only), answering with an
HTTP API (``http://127.0.0.1:PORT/path``: the stage is chosen from the path as on AWS, so a
``$default`` stage is at the root) or a function URL (every path). :class:`OfflineServer`
serves both kinds of a Serverless service on one port as serverless-offline does: ``http``
events under ``/{stage}``, ``httpApi`` events at the root.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workshop_lib.apigateway.gateway import Gateway, HttpRequest, HttpResponse
from workshop_lib.apigateway.server import LoopbackServer
from workshop_lib.driver import blocking

if TYPE_CHECKING:
    from workshop_lib.apigateway.plugin import ApiGatewayPlugin
    from workshop_lib.apigatewayv2.plugin import HttpApiPlugin

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

    def __init__(self, plugin: HttpApiPlugin, api_id: str, port: int = 0) -> None:
        super().__init__(f"httpapi-{api_id}", port)
        self.plugin, self.api_id = plugin, api_id

    async def respond(self, request: HttpRequest) -> HttpResponse:
        return await self.plugin.handle_async(self.api_id, request)


class FunctionUrlServer(LoopbackServer):
    """One function URL on one loopback port: every method and path reaches the function."""

    def __init__(self, plugin: HttpApiPlugin, url_id: str, port: int = 0) -> None:
        super().__init__(f"lambda-url-{url_id[:8]}", port)
        self.plugin, self.url_id = plugin, url_id

    async def respond(self, request: HttpRequest) -> HttpResponse:
        return await blocking(self.plugin.urls.handle, self.url_id, request)


class OfflineServer(LoopbackServer):
    """A service's REST stage under ``/{stage}`` and its HTTP API at the root, one port."""

    def __init__(
        self,
        port: int,
        *,
        rest: tuple[ApiGatewayPlugin, str, str] | None = None,
        http_api: tuple[HttpApiPlugin, str] | None = None,
    ) -> None:
        super().__init__("sls-offline", port)
        self.rest, self.http_api = rest, http_api

    async def respond(self, request: HttpRequest) -> HttpResponse:
        if self.rest is not None:
            plugin, api_id, stage = self.rest
            prefix = f"/{stage}"
            if request.path == prefix or request.path.startswith(prefix + "/"):
                request.path = request.path[len(prefix) :] or "/"
                gateway = Gateway(plugin, api_id, stage)
                return await gateway.handle_async(request)
        if self.http_api is None:
            return _MISSING_TOKEN
        plugin2, api_id2 = self.http_api
        return await plugin2.handle_async(api_id2, request)
