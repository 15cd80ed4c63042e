"""Mint HS256 tokens the authorizer accepts: for tests, notebooks and curl, not production."""

from __future__ import annotations

import time
from collections.abc import Iterable

import jwt


def mint(
    sub: str, scopes: Iterable[str], secret: str, ttl_s: int = 3600, now: float | None = None
) -> str:
    """A JWT for ``sub`` with space-separated ``scope``, valid ``ttl_s`` seconds (<0: expired)."""
    issued = int(time.time() if now is None else now)
    claims = {"sub": sub, "scope": " ".join(scopes), "iat": issued, "exp": issued + ttl_s}
    return jwt.encode(claims, secret, algorithm="HS256")
