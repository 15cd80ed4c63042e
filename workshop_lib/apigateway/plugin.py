"""The API Gateway plugin: deployed REST APIs answered in-process and over real HTTP.

moto stores API Gateway's configuration but never calls an integration. This plug-in
answers ``requests`` calls to ``https://{api}.execute-api.{region}.amazonaws.com/{stage}/...``
in-process (like moto answers other AWS URLs) and serves a stage on
``http://127.0.0.1:PORT/{stage}`` for browsers, curl and ``requests`` (``aws.serve_api``).
Its parts: the deployments' snapshots and canaries (:mod:`.deployments`), method execution
(:mod:`.gateway`), the Lambda integrations (:mod:`.invoking`, through the sandbox's Lambda
plug-in, the same run boto3's ``invoke`` reaches), the HTTP server (:mod:`.server`).
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from workshop_lib.apigateway.authorizers import Authorizers
from workshop_lib.apigateway.deployments import Deployments
from workshop_lib.apigateway.gateway import Gateway, HttpRequest, HttpResponse
from workshop_lib.apigateway.invoking import LambdaIntegrations
from workshop_lib.apigateway.usage import UsagePlans
from workshop_lib.apigateway.validation import Validation

if TYPE_CHECKING:
    from workshop_lib.driver import Driver
    from workshop_lib.sandbox import Sandbox


METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


class ApiGatewayPlugin:
    """Serves the sandbox's REST APIs."""

    name = "apigateway"

    def __init__(self) -> None:
        self.aws: Sandbox | None = None
        self.servers: dict[tuple[str, str], Any] = {}
        self._registered: set[str] = set()
        self._lock = threading.Lock()

    def install(self, aws: Sandbox) -> None:
        # jsonschema is imported (quickjsonschema.import_jsonschema) by the first request model to
        # check, and by moto's OpenAPI validator if it ever runs (workshop_lib/motoquick.py)
        from workshop_lib.apigateway import patches

        self.aws = aws
        self.deployments = Deployments(aws)
        self.integrations = LambdaIntegrations(aws)
        self.usage = UsagePlans(self)
        self.authorizers = Authorizers(self)
        self.validation = Validation()
        patches.install(self)  # TestInvokeMethod (testinvoke.py) too

    def uninstall(self, aws: Sandbox) -> None:
        from workshop_lib.apigateway import patches

        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        patches.uninstall(self)

    def reset(self, aws: Sandbox) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        self.deployments.clear()
        self._registered.clear()
        self.usage = UsagePlans(self)
        self.authorizers = Authorizers(self)

    # -- requests -------------------------------------------------------------------------------
    def handle(
        self, api_id: str, stage: str, request: HttpRequest, trace: dict[str, Any] | None = None
    ) -> HttpResponse:
        return Gateway(self, api_id, stage, trace).handle(request)

    def register_stage(self, api_id: str, stage: str) -> None:
        """Answer ``requests`` calls to the stage's execute-api URL in this process."""
        import responses
        from moto.core.models import responses_mock

        with self._lock:  # one registration per API answers all its stages
            if api_id in self._registered:
                return
            self._registered.add(api_id)
        pattern = re.compile(
            rf"https://{re.escape(api_id)}\.execute-api\.{re.escape(self.aws.region)}"
            rf"\.amazonaws\.com/[^/?#]+(/[^?#]*)?(\?.*)?$",
            re.IGNORECASE,
        )
        for method in METHODS:
            responses_mock.add(
                responses.CallbackResponse(
                    method=method,
                    url=pattern,
                    callback=lambda prepared, a=api_id: self._answer_prepared(a, prepared),
                )
            )

    def _answer_prepared(self, api_id: str, prepared: Any) -> tuple:
        parts = urlsplit(prepared.url)
        stage = parts.path.split("/")[1]
        path = parts.path.split("/", 2)[2] if parts.path.count("/") >= 2 else ""
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode()
        request = HttpRequest(
            method=prepared.method,
            path="/" + path,
            query=parts.query,
            headers=list(prepared.headers.items()),
            body=body,
        )
        response = self.handle(api_id, stage, request)
        return response.status, dict(response.headers), response.body

    def serve(self, api_id: str, stage: str, port: int = 0) -> str:
        """Serve a stage over HTTP on 127.0.0.1; the same stage always gets the same URL."""
        from workshop_lib.apigateway.server import StageServer

        with self._lock:
            server = self.servers.get((api_id, stage))
            if server is None:
                if self.deployments.deployed(api_id, stage) is None:
                    raise ValueError(
                        f"REST API {api_id!r} has no deployed stage {stage!r}: create a "
                        "deployment first (apigateway.create_deployment(restApiId=..., "
                        f"stageName={stage!r}))"
                    )
                server = StageServer(self, api_id, stage, port)
                server.start()
                self.servers[(api_id, stage)] = server
        return server.base_url

    def driver(self) -> Driver:
        """The request driver synchronous callers go through (the Lambda plug-in's)."""
        return self.aws.plugin("lambda").driver
