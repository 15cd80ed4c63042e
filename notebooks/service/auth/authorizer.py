"""The API Gateway TOKEN authorizer (handler ``auth/authorizer.authorize``).

API Gateway calls it with ``{"type": "TOKEN", "authorizationToken": <the Authorization
header>, "methodArn": ...}`` before a write route's function runs, and caches the policy it
returns per token (``resultTtlInSeconds``, 300 s by default).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import jwt

logger = logging.getLogger(__name__)

WRITE_SCOPE = "apps:write"


def authorize(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Allow a valid HS256 JWT with the write scope, Deny (403) one without it.

    A missing, malformed, expired or wrongly signed token raises ``Exception("Unauthorized")``:
    that exact message is how a Lambda authorizer makes API Gateway answer 401.
    """
    claims = _verified_claims(event.get("authorizationToken") or "")
    scopes = str(claims.get("scope", "")).split()
    effect = "Allow" if WRITE_SCOPE in scopes else "Deny"
    return {
        "principalId": claims["sub"],
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": effect,
                    "Resource": _whole_stage(event["methodArn"]),
                }
            ],
        },
        # handed to the function as requestContext.authorizer (strings, numbers, booleans)
        "context": {"sub": claims["sub"], "scope": " ".join(scopes)},
    }


def _verified_claims(header: str) -> dict[str, Any]:
    """The claims of ``Bearer <jwt>`` if the signature and ``exp`` check out."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Exception("Unauthorized")
    try:
        # algorithms is a list we fix: never let the token's own header choose (alg "none")
        return jwt.decode(
            token.strip(),
            _secret(),
            algorithms=["HS256"],
            options={"require": ["exp", "sub"]},
        )
    except jwt.InvalidTokenError as e:
        logger.info("token refused: %s", e)  # the reason goes to the logs, not the client
        raise Exception("Unauthorized") from None


def _secret() -> str:
    """The signing secret, from the environment serverless.yml sets (never from code)."""
    secret = os.environ.get("JWT_SECRET")
    if not secret:
        raise RuntimeError("JWT_SECRET is not set")  # a server fault: API Gateway answers 500
    return secret


def _whole_stage(method_arn: str) -> str:
    """``arn:...:api/stage/POST/apps`` -> ``arn:...:api/stage/*``.

    API Gateway caches this policy per token and reuses it for every route with this
    authorizer: a policy naming only the first route would deny the token on the next one.
    """
    arn, _, path = method_arn.partition(":execute-api:")
    region_account_api, _, rest = path.partition("/")
    stage = rest.split("/", 1)[0]
    if not (arn and region_account_api and stage):
        raise Exception("Unauthorized")
    return f"{arn}:execute-api:{region_account_api}/{stage}/*"
