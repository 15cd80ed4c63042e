"""The API Gateway layer: deployed REST APIs answered in-process and over real HTTP.

moto stores API Gateway's configuration but never calls an integration. This layer takes a
snapshot of each deployment, answers ``requests`` calls to
``https://{api}.execute-api.{region}.amazonaws.com/{stage}/...`` in-process (like moto
answers other AWS URLs), and serves a stage on ``http://127.0.0.1:PORT/{stage}`` for
browsers, curl and ``requests`` (``aws.serve_api``). Lambda integrations run through the
sandbox's Lambda layer, the same seam boto3's ``invoke`` uses.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from workshop_lib.apigateway.authorizers import Authorizers
from workshop_lib.apigateway.gateway import Gateway, HttpRequest, HttpResponse
from workshop_lib.apigateway.spec import ApiSpec, snapshot
from workshop_lib.apigateway.usage import UsagePlans
from workshop_lib.apigateway.validation import Validation

if TYPE_CHECKING:
    from workshop_lib.driver import Driver
    from workshop_lib.lambda_runtime.service import Outcome
    from workshop_lib.sandbox import Sandbox

_LAMBDA_URI = re.compile(
    r"arn:aws:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<function>.+)/invocations"
)
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


class IntegrationTimeout(Exception):
    """The integration did not answer within its timeout (API Gateway answers 504)."""


class IntegrationThrottled(Exception):
    """Lambda refused the invocation: no concurrency left (API Gateway answers 500)."""


METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


class ApiGatewayLayer:
    """Serves the sandbox's REST APIs."""

    name = "apigateway"

    def __init__(self) -> None:
        self.aws: Sandbox | None = None
        self.snapshots: dict[tuple[str, str], ApiSpec] = {}
        self.servers: dict[tuple[str, str], Any] = {}
        self._registered: set[str] = set()
        self._lock = threading.Lock()
        self._canary_draws = random.Random(0)
        # integration URI -> (function name, qualifier): parsed once (not with stage variables)
        self._targets: dict[str, tuple[Any, Any]] = {}

    def install(self, aws: Sandbox) -> None:
        # jsonschema is imported (quickjsonschema.import_jsonschema) by the first request model to
        # check, and by moto's OpenAPI validator if it ever runs (workshop_lib/motoquick.py)
        from workshop_lib.apigateway import patches, testinvoke

        self.aws = aws
        self._canary_draws = random.Random(aws.seed)
        self.usage = UsagePlans(self)
        self.authorizers = Authorizers(self)
        self.validation = Validation()
        patches.install(self)
        testinvoke.install(self)

    def uninstall(self, aws: Sandbox) -> None:
        from workshop_lib.apigateway import patches, testinvoke

        testinvoke.uninstall(self)
        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        patches.uninstall(self)

    def reset(self, aws: Sandbox) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        self.snapshots.clear()
        self._registered.clear()
        self.usage = UsagePlans(self)
        self.authorizers = Authorizers(self)

    # -- moto's state -------------------------------------------------------------------------
    def backend(self) -> Any:
        from moto.apigateway.models import apigateway_backends

        from workshop_lib.lambda_runtime.logs import moto_backend

        return moto_backend(apigateway_backends, self.aws.account_id, self.aws.region)

    def record_deployment(self, rest_api: Any, deployment_id: str) -> None:
        """Called when moto creates a deployment: freeze what it will serve."""
        with self._lock:
            self.snapshots[(rest_api.id, deployment_id)] = snapshot(rest_api, deployment_id)

    def deployed(self, api_id: str, stage: str) -> ApiSpec | None:
        """The deployment a stage serves now (None: no such API or stage)."""
        try:
            stage_model = self.backend().get_stage(api_id, stage)
        except Exception:
            return None
        return self.snapshots.get((api_id, stage_model.deployment_id))

    def select(self, api_id: str, stage: str) -> tuple[ApiSpec | None, dict[str, str], bool]:
        """The deployment one request goes to, its stage variables, and whether it is the
        canary: a stage with canary settings sends ``percentTraffic`` % of requests to the
        canary deployment, with its stage-variable overrides (a seeded draw per request)."""
        try:
            stage_model = self.backend().get_stage(api_id, stage)
        except Exception:
            return None, {}, False
        variables = dict(stage_model.variables or {})
        canary = getattr(stage_model, "canary_settings", None)
        if canary and float(canary.get("percentTraffic") or 0) > 0:
            with self._lock:
                draw = self._canary_draws.random() * 100
            if draw < float(canary["percentTraffic"]):
                spec = self.snapshots.get((api_id, canary["deploymentId"]))
                return spec, {**variables, **(canary.get("stageVariableOverrides") or {})}, True
        return self.snapshots.get((api_id, stage_model.deployment_id)), variables, False

    def stage_variables(self, api_id: str, stage: str) -> dict[str, str]:
        try:
            return dict(self.backend().get_stage(api_id, stage).variables or {})
        except Exception:
            return {}

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
                if self.deployed(api_id, stage) is None:
                    raise ValueError(
                        f"REST API {api_id!r} has no deployed stage {stage!r}: create a "
                        "deployment first (apigateway.create_deployment(restApiId=..., "
                        f"stageName={stage!r}))"
                    )
                server = StageServer(self, api_id, stage, port)
                server.start()
                self.servers[(api_id, stage)] = server
        return server.base_url

    # -- Lambda ---------------------------------------------------------------------------------
    def _function(self, uri: str, variables: dict[str, str] | None) -> tuple[Any, str | None]:
        """moto's function an integration URI names and its qualifier ((None, None): none)."""
        from moto.awslambda.exceptions import UnknownFunctionException

        target = self._targets.get(uri or "")
        if target is None:
            target = _function_target(uri, variables)
            if "${stageVariables." not in (uri or ""):  # the same answer every time
                if len(self._targets) >= 1024:
                    self._targets.clear()
                self._targets[uri or ""] = target
        name, qualifier = target
        if name is None:
            return None, None
        try:
            return self.aws.layer("lambda").function(name, qualifier), qualifier
        except UnknownFunctionException:
            return None, None

    def invoke_lambda(
        self,
        uri: str,
        event: dict[str, Any],
        timeout_ms: int,
        variables: dict[str, str] | None = None,
    ) -> Outcome | None:
        """:meth:`invoke_lambda_async` for synchronous callers (an authorizer's function)."""
        return self.driver().run(self.invoke_lambda_async(uri, event, timeout_ms, variables))

    async def invoke_lambda_async(
        self,
        uri: str,
        event: dict[str, Any],
        timeout_ms: int,
        variables: dict[str, str] | None = None,
    ) -> Outcome | None:
        """Run the function an integration URI names (None if there is none).

        Raises :class:`IntegrationThrottled` when Lambda has no concurrency left for it and
        :class:`IntegrationTimeout` when it outlasts ``timeout_ms``: the caller gets its
        answer then, and the function runs on (and is logged) until it ends.
        """
        from workshop_lib.lambda_runtime.pool import Throttled
        from workshop_lib.lambda_runtime.service import DecodedEvent

        fn, qualifier = self._function(uri, variables)
        if fn is None:
            return None
        run = self.aws.layer("lambda").run_async(fn, DecodedEvent(event), qualifier=qualifier)
        try:
            if float(fn.timeout) * 1000 <= timeout_ms:  # it ends (or times out) before us
                return await run
            task = asyncio.ensure_future(run)
            done, _ = await asyncio.wait({task}, timeout=timeout_ms / 1000)
            if not done:
                task.add_done_callback(_quietly)
                raise IntegrationTimeout()
            return task.result()
        except Throttled:
            raise IntegrationThrottled() from None

    def driver(self) -> Driver:
        """The request driver synchronous callers go through (the Lambda plug-in's)."""
        return self.aws.layer("lambda").driver


def _function_target(uri: str | None, variables: dict[str, str] | None) -> tuple[Any, Any]:
    """(function name, qualifier) an integration URI names; (None, None) if none."""
    found = _LAMBDA_URI.match(uri or "")
    if not found:
        return None, None
    target = found.group("function")
    if "${stageVariables." in target:
        values = variables or {}
        target = _STAGE_VARIABLE.sub(lambda m: values.get(m.group(1), ""), target)
    name, qualifier = target, None
    if target.startswith("arn:"):
        pieces = target.split(":")
        name = pieces[6]
        qualifier = pieces[7] if len(pieces) > 7 else None
    return name, qualifier


def _quietly(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" warning
