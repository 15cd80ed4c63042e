"""Lambda (CUSTOM) authorizers: TOKEN and REQUEST, policies, caching, context.

The authorizer function gets AWS's event (``type``, ``authorizationToken`` or the
request's parts, ``methodArn``) and returns a principal, an IAM policy and a context. The
policy is evaluated against the method ARN (explicit Deny wins, no Allow means 403); the
result is cached for ``authorizerResultTtlInSeconds`` under the token (TOKEN) or the
identity sources' values (REQUEST), as API Gateway does; the context reaches the
integration in ``requestContext.authorizer``.
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
import time
from typing import TYPE_CHECKING, Any

from workshop_lib.apigateway.gateway import GatewayError, HttpRequest
from workshop_lib.apigateway.invoking import IntegrationThrottled, IntegrationTimeout
from workshop_lib.apigateway.spec import ApiSpec, MethodSpec, ResourceSpec

if TYPE_CHECKING:
    from workshop_lib.apigateway.gateway import Gateway
    from workshop_lib.apigateway.plugin import ApiGatewayPlugin

UNAUTHORIZED = GatewayError(401, "UnauthorizedException", "Unauthorized", "UNAUTHORIZED")
DENIED = GatewayError(
    403,
    "AccessDeniedException",
    "User is not authorized to access this resource",
    "ACCESS_DENIED",
)
EXPLICIT_DENY = GatewayError(
    403,
    "AccessDeniedException",
    "User is not authorized to access this resource with an explicit deny",
    "ACCESS_DENIED",
)
CONFIGURATION = GatewayError(
    500, "AuthorizerConfigurationException", None, "AUTHORIZER_CONFIGURATION_ERROR"
)


class Authorizers:
    """Runs authorizers and caches their policies."""

    def __init__(self, plugin: ApiGatewayPlugin) -> None:
        self.plugin = plugin
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self.invocations = 0  # how often an authorizer function actually ran

    async def authorize(
        self,
        gateway: Gateway,
        spec: ApiSpec,
        method: MethodSpec,
        resource: ResourceSpec,
        request: HttpRequest,
        path_params: dict[str, str],
    ) -> tuple[dict[str, Any], str | None]:
        """The context for ``requestContext.authorizer`` and the ``usageIdentifierKey`` the
        function returned (the API key, when the API's key source is ``AUTHORIZER``)."""
        config = spec.authorizers.get(method.authorizer_id or "")
        if config is None:
            raise CONFIGURATION
        aws = self.plugin.aws
        method_arn = (
            f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{spec.api_id}/"
            f"{gateway.stage}/{request.method.upper()}{request.path}"
        )
        kind = (config.get("type") or "TOKEN").upper()
        sources = [s.strip() for s in (config.get("identitySource") or "").split(",") if s.strip()]
        if kind == "TOKEN":
            header = (sources[0] if sources else "method.request.header.Authorization").rsplit(
                ".", 1
            )[-1]
            token = request.header(header)
            if not token:
                raise UNAUTHORIZED
            pattern = config.get("identityValidationExpression")
            if pattern and not re.fullmatch(pattern, token):
                raise UNAUTHORIZED
            cache_key = token
            event: dict[str, Any] = {
                "type": "TOKEN",
                "authorizationToken": token,
                "methodArn": method_arn,
            }
        else:
            values = [self._identity_value(gateway, request, s) for s in sources]
            if sources and any(v is None for v in values):
                raise UNAUTHORIZED
            cache_key = "\x1f".join(values)  # type: ignore[arg-type]
            proxy = gateway.proxy_event(
                resource, method, request, path_params, aws.ids.uuid4(), {}, None
            )
            event = {
                "type": "REQUEST",
                "methodArn": method_arn,
                **{
                    k: proxy[k]
                    for k in (
                        "resource",
                        "path",
                        "httpMethod",
                        "headers",
                        "multiValueHeaders",
                        "queryStringParameters",
                        "multiValueQueryStringParameters",
                        "pathParameters",
                        "stageVariables",
                        "requestContext",
                    )
                },
            }
        ttl = int(config.get("authorizerResultTtlInSeconds", 300) or 0)
        if not sources and kind == "REQUEST":
            ttl = 0  # without identity sources there is nothing to key a cache on
        result = self._cached(config["id"], cache_key, ttl) if ttl else None
        started = time.perf_counter()
        if result is None:
            result = await self._invoke(config, event)
            if ttl:
                with self._lock:
                    self._cache[(config["id"], cache_key)] = (aws.clock.time() + ttl, result)
        _evaluate(result.get("policyDocument") or {}, method_arn)
        context = {k: _stringify(v) for k, v in (result.get("context") or {}).items()}
        usage_key = result.get("usageIdentifierKey")
        return {
            "principalId": result.get("principalId"),
            **context,
            "integrationLatency": int((time.perf_counter() - started) * 1000),
        }, usage_key if isinstance(usage_key, str) else None

    def _cached(self, authorizer_id: str, key: str, ttl: int) -> dict[str, Any] | None:
        with self._lock:
            found = self._cache.get((authorizer_id, key))
        if found and found[0] > self.plugin.aws.clock.time():
            return found[1]
        return None

    async def _invoke(self, config: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        self.invocations += 1
        try:
            outcome = await self.plugin.integrations.invoke(
                config.get("authorizerUri") or "", event, 29_000, event.get("stageVariables") or {}
            )
        except (IntegrationTimeout, IntegrationThrottled):
            raise CONFIGURATION from None
        if outcome is None:
            raise CONFIGURATION
        if outcome.error is not None:
            if outcome.error.get("errorMessage") == "Unauthorized":
                raise UNAUTHORIZED  # the documented way for an authorizer to say 401
            raise CONFIGURATION
        try:
            result = json.loads(outcome.payload or "null")
        except ValueError:
            raise CONFIGURATION from None
        if not isinstance(result, dict) or "policyDocument" not in result:
            raise CONFIGURATION
        return result

    def _identity_value(self, gateway: Gateway, request: HttpRequest, source: str) -> str | None:
        if source.startswith("method.request.header."):
            return request.header(source.removeprefix("method.request.header."))
        if source.startswith("method.request.querystring."):
            from urllib.parse import parse_qsl

            name = source.removeprefix("method.request.querystring.")
            values = [v for k, v in parse_qsl(request.query, keep_blank_values=True) if k == name]
            return values[-1] if values else None
        if source.startswith("stageVariables."):
            return gateway.variables.get(source.removeprefix("stageVariables."))
        if source.startswith("context."):
            return {
                "context.httpMethod": request.method.upper(),
                "context.stage": gateway.stage,
            }.get(source)
        return None

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def _stringify(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)) or value is None:
        return value
    raise CONFIGURATION  # context values must be strings, numbers or booleans


def _evaluate(policy: dict[str, Any], method_arn: str) -> None:
    """IAM-style evaluation for execute-api:Invoke: explicit Deny wins; no Allow → 403."""
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        actions = _as_list(statement.get("Action"))
        resources = _as_list(statement.get("Resource"))
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(method_arn, r) for r in resources):
            continue
        if str(statement.get("Effect")).lower() == "deny":
            raise EXPLICIT_DENY
        if str(statement.get("Effect")).lower() == "allow":
            allowed = True
    if not allowed:
        raise DENIED


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
