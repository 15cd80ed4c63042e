"""Lambda function URLs: ``https://<url-id>.lambda-url.<region>.on.aws/`` answered here.

A function URL takes any method and path and sends the function a payload format 2.0 event
(``routeKey`` and ``stage`` are ``$default``; Lambda developer guide, "Invoking Lambda
function URLs", https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html). With
``AuthType`` ``AWS_IAM`` the request must be signed with Signature Version 4 for the
``lambda`` service; an unsigned or badly signed request gets 403 ``{"Message":"Forbidden"}``
(https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html). Every principal of the
sandbox signs with the sandbox's fake secret, so a signature can be checked for real.

A request finds its function through an index by URL id, built from moto's functions on
first use and dropped whenever a URL configuration is created, updated or deleted (a seam,
:func:`forgetting`, follows moto's ``LambdaFunction`` for that); a deleted function's URL
is noticed when its request comes.
"""

from __future__ import annotations

import functools
import json
import threading
from typing import TYPE_CHECKING, Any

from workshop_lib import seams
from workshop_lib.apigateway.gateway import HttpRequest, HttpResponse
from workshop_lib.apigatewayv2 import cors, payload, sigv4

if TYPE_CHECKING:
    from workshop_lib.apigatewayv2.plugin import HttpApiPlugin


def _forbidden() -> HttpResponse:
    body = json.dumps({"Message": "Forbidden"}).encode()
    return HttpResponse(403, [("content-type", "application/json")], body)


def id_of(url: str) -> str:
    """``abc123`` of ``https://abc123.lambda-url.us-east-1.on.aws/``."""
    return url.split("//", 1)[1].split(".", 1)[0]


class FunctionUrls:
    """The function URLs of the sandbox's Lambda functions."""

    def __init__(self, plugin: HttpApiPlugin) -> None:
        self.plugin = plugin
        self._lock = threading.Lock()
        self._index: dict[str, str] | None = None  # URL id -> function name; None: rebuild
        self._changes = 0

    def forget(self) -> None:
        """A URL configuration changed (or the sandbox was reset): rebuild on next use."""
        with self._lock:
            self._index = None
            self._changes += 1

    def public(self, fn: Any) -> bool:
        """Whether the function's resource-based policy lets anyone call its URL: an
        ``AuthType`` ``NONE`` URL needs ``lambda:InvokeFunctionUrl`` for principal ``*``
        ("Control access to Lambda function URLs"; since October 2025 AWS asks new URLs for
        ``lambda:InvokeFunction`` too, which the sandbox does not enforce)."""
        from moto.awslambda.utils import get_backend

        aws = self.plugin.aws
        try:
            wire = get_backend(aws.account_id, aws.region).get_policy(fn.function_name)
            statements = json.loads(json.loads(wire)["Policy"]).get("Statement") or []
        except Exception:  # no policy at all
            return False
        for statement in statements:
            actions = statement.get("Action")
            actions = [actions] if isinstance(actions, str) else list(actions or [])
            principal = statement.get("Principal")
            anyone = principal == "*" or (
                isinstance(principal, dict) and principal.get("AWS") == "*"
            )
            if (
                statement.get("Effect") == "Allow"
                and anyone
                and any(a in ("lambda:InvokeFunctionUrl", "lambda:*", "*") for a in actions)
            ):
                return True
        return False

    def find(self, url_id: str) -> tuple[Any, dict[str, Any]] | None:
        """``(function, its URL configuration)`` for a URL id, or None."""
        from moto.awslambda.exceptions import UnknownFunctionException
        from moto.awslambda.utils import get_backend

        aws = self.plugin.aws
        backend = get_backend(aws.account_id, aws.region)
        index = self._index
        if index is None:
            changes = self._changes
            index = {
                id_of(fn.url_config.url): fn.function_name
                for fn in backend.list_functions("ALL")
                if getattr(fn, "url_config", None) is not None
            }
            with self._lock:
                if self._changes == changes:  # no change while it was being built
                    self._index = index
        name = index.get(url_id)
        if name is None:
            return None
        try:
            fn = backend.get_function(name)
        except UnknownFunctionException:  # deleted with its URL
            return None
        config = getattr(fn, "url_config", None)
        if config is None or id_of(config.url) != url_id:
            return None
        return fn, config.config

    def handle(self, url_id: str, request: HttpRequest) -> HttpResponse:
        found = self.find(url_id)
        if found is None:
            return payload.error(404, "Not Found")  # a URL that was deleted or never made
        fn, config = found
        if config.get("Cors") and cors.is_preflight(request):
            return cors.preflight(config["Cors"], request)
        authorizer = None
        if config.get("AuthType") == "AWS_IAM":
            host = f"{url_id}.lambda-url.{self.plugin.aws.region}.on.aws"
            identity = sigv4.verify(
                request, host, "lambda", self.plugin.aws.account_id, self.plugin.aws.region
            )
            if identity is None:
                return _forbidden()
            authorizer = {"iam": {**identity, "cognitoIdentity": None}}
        elif not self.public(fn):
            return _forbidden()
        aws = self.plugin.aws
        request_id = aws.ids.uuid4()
        target = payload.Target(
            api_id=url_id,
            domain_name=f"{url_id}.lambda-url.{aws.region}.on.aws",
            stage="$default",
            route_key="$default",
            raw_path=request.path or "/",
            path_parameters={},
            stage_variables={},
            account_id=aws.account_id if authorizer else "anonymous",  # as AWS reports it
            request_id=request_id,
            now=aws.clock.time(),
        )
        event = payload.event_v2(request, target, authorizer)
        response = self.plugin.invoke_function(fn, event, payload.response_v2)
        if config.get("Cors"):
            cors.decorate(config["Cors"], request, response)
        response.headers.append(("x-amzn-requestid", request_id))
        return response


# -- moto seam: URL configurations change (declared in workshop_lib/seams.py) ------------------
def forgetting(original: Any) -> Any:
    """``LambdaFunction``'s URL-config method ``original``, followed: once it ran, the
    installed HTTP API plug-in's function-URL index is rebuilt on next use."""

    @functools.wraps(original)
    def changing(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        finally:
            plugin = seams.holder("apigatewayv2")
            if plugin is not None:
                plugin.urls.forget()

    return changing
