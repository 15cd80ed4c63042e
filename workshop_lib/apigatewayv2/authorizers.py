"""Authorization on HTTP API routes: JWT authorizers, Lambda authorizers and AWS_IAM.

- JWT ("Controlling access to HTTP APIs with JWT authorizers",
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
  the token from the identity source (a ``Bearer`` prefix is dropped) must be signed by a key
  of the issuer's JWKS, with ``iss`` the configured issuer, ``aud`` (or ``client_id``) one of
  the audiences, and ``exp``/``nbf``/``iat`` valid now; a route's scopes need at least one
  of the token's ``scope``/``scp``. No or a bad token: 401 ``Unauthorized``; missing
  scope: 403 ``Forbidden``; each with a ``www-authenticate`` challenge saying why
  (:func:`bearer`). AWS documents the form and one description, "the token does not have
  a valid audience"; the others (malformed, bad signature, issuer, expired, not valid yet,
  insufficient scope) are written in the same form. Claims and scopes reach the function in
  ``requestContext.authorizer.jwt``.
- Lambda (REQUEST) authorizers ("Working with AWS Lambda authorizers for HTTP APIs",
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html):
  a missing identity source is 401; the function answers ``{"isAuthorized": ...}`` (simple
  responses, payload 2.0) or an IAM policy for ``execute-api:Invoke`` on the route's ARN;
  the answer is cached per identity-source values for ``AuthorizerResultTtlInSeconds`` on
  the sandbox clock. A denial is 403, a failing authorizer 500.
- AWS_IAM: a Signature Version 4 for ``execute-api`` (:mod:`.sigv4`), else 403.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import jwt

from workshop_lib.apigateway.gateway import HttpRequest
from workshop_lib.apigatewayv2 import payload, sigv4
from workshop_lib.iam.policy import allows

if TYPE_CHECKING:
    from workshop_lib.apigatewayv2.plugin import HttpApiPlugin

UNAUTHORIZED = (401, "Unauthorized")
FORBIDDEN = (403, "Forbidden")


class Refused(Exception):
    """Authorization failed: the HTTP API's answer (with ``www-authenticate``, if given)."""

    def __init__(self, status: int, message: str, challenge: str | None = None) -> None:
        super().__init__(message)
        self.response = payload.error(status, message)
        if challenge is not None:
            self.response.headers.append(("www-authenticate", challenge))


def bearer(scopes: list[str], error: str | None = None, description: str = "") -> str:
    """A JWT authorizer's ``www-authenticate`` value, in the form AWS shows ("Troubleshooting
    issues with HTTP API JWT authorizers": ``Bearer scope="" error="invalid_token"
    error_description="the token does not have a valid audience"``): ``scope`` the route's
    scopes; no ``error`` when the request had no token (RFC 6750, section 3.1)."""
    challenge = f'Bearer scope="{" ".join(scopes)}"'
    if error is not None:
        challenge += f' error="{error}" error_description="{description}"'
    return challenge


class HttpAuthorizers:
    """The authorizers of every HTTP API in the sandbox, with the Lambda authorizers' cache."""

    def __init__(self, plugin: HttpApiPlugin) -> None:
        self.plugin = plugin
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, dict[str, Any] | None]] = {}
        self._keys: dict[str, dict[str, Any]] = {}  # issuer -> {kid: public key}

    def authorize(
        self, api: Any, route: Any, request: HttpRequest, target: payload.Target, below: str
    ) -> dict[str, Any] | None:
        """The ``requestContext.authorizer`` the function gets (None: no authorizer);
        raises :class:`Refused` with the HTTP API's answer."""
        kind = (route.authorization_type or "NONE").upper()
        if kind == "NONE":
            return None
        if kind == "AWS_IAM":
            host = f"{api.api_id}.execute-api.{self.plugin.aws.region}.amazonaws.com"
            identity = sigv4.verify(
                request, host, "execute-api", self.plugin.aws.account_id, self.plugin.aws.region
            )
            if identity is None:
                raise Refused(*FORBIDDEN)
            return {"iam": identity}
        authorizer = api.authorizers.get(route.authorizer_id or "")
        if authorizer is None:
            raise Refused(500, "Internal Server Error")
        if kind == "JWT":
            return {"jwt": self._jwt(authorizer, route, request)}
        return {"lambda": self._lambda(api, authorizer, request, target, below)}

    # -- JWT ------------------------------------------------------------------------------------
    def _jwt(self, authorizer: Any, route: Any, request: HttpRequest) -> dict[str, Any]:
        wanted = list(route.authorization_scopes or [])

        def refuse(description: str) -> Refused:
            return Refused(*UNAUTHORIZED, bearer(wanted, "invalid_token", description))

        sources = _sources(authorizer) or ["$request.header.Authorization"]
        token = identity_value(sources[0], request, {}) or ""
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Refused(*UNAUTHORIZED, bearer(wanted))
        config = authorizer.jwt_config or {}
        issuer = config.get("Issuer") or config.get("issuer") or ""
        audiences = config.get("Audience") or config.get("audience") or []
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise refuse("the token is malformed") from None
        try:
            key = self._key(issuer, header.get("kid"))
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256", "RS384", "RS512"],
                options={
                    "verify_aud": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_iss": False,
                },
            )
        except (jwt.PyJWTError, KeyError, ValueError):
            raise refuse("the token signature is invalid") from None
        now = self.plugin.aws.clock.time()
        # aud, else client_id ("API Gateway validates client_id only if aud is not present")
        given = claims.get("aud", claims.get("client_id"))
        given = [given] if isinstance(given, str) else list(given or [])
        if claims.get("iss") != issuer:
            raise refuse("the token does not have a valid issuer")
        if not set(given) & set(audiences):
            raise refuse("the token does not have a valid audience")
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
            raise refuse("the token has expired")
        if claims.get("nbf", 0) > now or claims.get("iat", 0) > now:
            raise refuse("the token is not valid yet")
        scopes = _scopes(claims)
        if wanted and not set(wanted) & set(scopes):
            raise Refused(
                *FORBIDDEN,
                bearer(wanted, "insufficient_scope", "the token does not have a required scope"),
            )
        return {
            "claims": {k: _claim_text(v) for k, v in claims.items()},
            "scopes": scopes or None,
        }

    def _key(self, issuer: str, kid: str | None) -> Any:
        with self._lock:
            keys = self._keys.get(issuer)
        if keys is None or kid not in keys:
            keys = self._fetch_keys(issuer)
            with self._lock:
                self._keys[issuer] = keys
        return keys[kid]

    def _fetch_keys(self, issuer: str) -> dict[str, Any]:
        """The issuer's keys by kid: the sandbox's own issuer directly, any other one over
        HTTP (the sandbox's network guard refuses anything but loopback)."""
        import requests

        local = self.plugin.issuers.get(issuer.rstrip("/"))
        if local is not None:
            document = local.jwks()
        else:
            configuration = requests.get(
                f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=5
            ).json()
            document = requests.get(configuration["jwks_uri"], timeout=5).json()
        return {
            key.get("kid"): jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
            for key in document.get("keys", [])
            if key.get("kty") == "RSA"
        }

    # -- Lambda -------------------------------------------------------------------------------
    def _lambda(
        self, api: Any, authorizer: Any, request: HttpRequest, target: payload.Target, below: str
    ) -> dict[str, Any]:
        sources = _sources(authorizer)
        values = [identity_value(s, request, target.stage_variables) for s in sources]
        if sources and any(v is None for v in values):
            raise Refused(*UNAUTHORIZED)
        ttl = int(authorizer.auth_result_ttl or 0) if sources else 0
        key = (authorizer.id, tuple(v or "" for v in values))
        now = self.plugin.aws.clock.time()
        with self._lock:
            cached = self._cache.get(key)
        if ttl and cached is not None and cached[0] > now:
            context = cached[1]
        else:
            context = self._call(api, authorizer, request, target, below, values)
            if ttl:
                with self._lock:
                    self._cache[key] = (now + ttl, context)
        if context is None:
            raise Refused(*FORBIDDEN)
        return context

    def _call(
        self,
        api: Any,
        authorizer: Any,
        request: HttpRequest,
        target: payload.Target,
        below: str,
        values: list[str | None],
    ) -> dict[str, Any] | None:
        """Run the authorizer function: its context if it allows, None if it denies."""
        aws = self.plugin.aws
        method = request.method.upper()
        route_arn = (
            f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{api.api_id}/{target.stage}/"
            f"{method}{below}"
        )
        version = authorizer.auth_payload_format_version or "2.0"
        if version == "2.0":
            event = payload.event_v2(request, target)
            event.update(type="REQUEST", routeArn=route_arn, identitySource=values)
        else:
            event = payload.event_v1(request, target, target.route_key.partition(" ")[2])
            event.update(
                type="REQUEST",
                methodArn=route_arn,
                identitySource=",".join(v or "" for v in values),
            )
        try:
            answer = self.plugin.call_function(authorizer.authorizer_uri, event)
        except ValueError:
            raise Refused(500, "Internal Server Error") from None
        if not isinstance(answer, dict):
            raise Refused(500, "Internal Server Error")
        if version == "2.0" and authorizer.enable_simple_response:
            if not isinstance(answer.get("isAuthorized"), bool):
                raise Refused(500, "Internal Server Error")
            return dict(answer.get("context") or {}) if answer["isAuthorized"] else None
        policy = answer.get("policyDocument")
        if not isinstance(policy, dict):
            raise Refused(500, "Internal Server Error")
        statements = policy.get("Statement") or []
        statements = [statements] if isinstance(statements, dict) else statements
        if not allows(statements, "execute-api:Invoke", route_arn):
            return None
        return {"principalId": answer.get("principalId"), **(answer.get("context") or {})}

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._keys.clear()


def _sources(authorizer: Any) -> list[str]:
    sources = authorizer.identity_source or []
    return [sources] if isinstance(sources, str) else list(sources)


def identity_value(
    source: str, request: HttpRequest, stage_variables: dict[str, str]
) -> str | None:
    """The value an identity source (``$request.header.X``, ``$request.querystring.q``,
    ``$stageVariables.v``) names in a request, or None when it is absent or empty."""
    from urllib.parse import parse_qsl

    if source.startswith("$request.header."):
        value = request.header(source.removeprefix("$request.header."))
    elif source.startswith("$request.querystring."):
        name = source.removeprefix("$request.querystring.")
        found = [v for k, v in parse_qsl(request.query, keep_blank_values=True) if k == name]
        value = ",".join(found) if found else None
    elif source.startswith("$stageVariables."):
        value = stage_variables.get(source.removeprefix("$stageVariables."))
    else:
        value = None
    return value or None


def _scopes(claims: dict[str, Any]) -> list[str]:
    found = claims.get("scope", claims.get("scp"))
    if isinstance(found, str):
        return found.split()
    return [str(s) for s in found] if isinstance(found, list) else []


def _claim_text(value: Any) -> Any:
    """Claims as API Gateway passes them: strings, a list as ``[a b]``."""
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return value if isinstance(value, str) else json.dumps(value)
