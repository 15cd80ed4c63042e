"""A local OpenID issuer: RSA keys, a JWKS document and tokens, for JWT authorizers.

An HTTP API's JWT authorizer reads the issuer's ``/.well-known/openid-configuration``, then
its ``jwks_uri``, and checks a token's signature with the key its ``kid`` names ("Controlling
access to HTTP APIs with JWT authorizers",
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html).
This issuer serves both documents on 127.0.0.1 (so any client can fetch them) and signs
tokens with RS256 on the sandbox's clock; nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from workshop_lib.netguard import is_loopback_host_header
from workshop_lib.server import STOP_POLL_S


class LocalIssuer:
    """An OpenID provider on loopback: ``issuer.url`` goes into a JWT authorizer's
    ``JwtConfiguration.Issuer``; ``issuer.token(...)`` makes tokens it accepts."""

    def __init__(self, clock: Any, kid: str = "workshop-key-1") -> None:
        self.clock = clock
        self.kid = kid
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- documents ----------------------------------------------------------------------------
    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set: the public key, with its ``kid``."""
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "jwks_uri": f"{self.url}/.well-known/jwks.json",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def token(
        self,
        audience: str | list[str],
        *,
        subject: str = "learner",
        scopes: list[str] | None = None,
        expires_in: int = 3600,
        **claims: Any,
    ) -> str:
        """A signed RS256 token from this issuer (``scope`` space-separated, as OAuth has it)."""
        now = int(self.clock.time())
        body: dict[str, Any] = {
            "iss": self.url,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
            **claims,
        }
        if scopes:
            body["scope"] = " ".join(scopes)
        return jwt.encode(body, self._key, algorithm="RS256", headers={"kid": self.kid})

    # -- serving --------------------------------------------------------------------------------
    def start(self) -> LocalIssuer:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                documents = {
                    "/.well-known/openid-configuration": issuer.openid_configuration,
                    "/.well-known/jwks.json": issuer.jwks,
                }
                found = documents.get(self.path.split("?", 1)[0])
                if not is_loopback_host_header(self.headers.get("Host")):
                    status, body = 403, {"message": "Forbidden"}
                elif found is None:
                    status, body = 404, {"message": "Not Found"}
                else:
                    status, body = 200, found()
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": STOP_POLL_S}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
