"""A stage served over real HTTP on 127.0.0.1 (``aws.serve_api``).

HTTP/1.1 with keep-alive and ``TCP_NODELAY`` (no Nagle stalls between small writes), one
thread per connection. ``http://127.0.0.1:PORT/{stage}/path`` reaches the stage's API.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from workshop_lib.apigateway.gateway import HttpRequest

if TYPE_CHECKING:
    from workshop_lib.apigateway.layer import ApiGatewayLayer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up mid-request is not the notebook's business

    def server_bind(self) -> None:
        super().server_bind()
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class StageServer:
    """One stage of one API on one loopback port."""

    def __init__(self, layer: ApiGatewayLayer, api_id: str, stage: str, port: int = 0) -> None:
        self.layer, self.api_id, self.stage = layer, api_id, stage
        handler = _handler_for(self)
        self.httpd = _Server(("127.0.0.1", port), handler)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/{stage}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, daemon=True, name=f"apigw-{api_id}-{stage}"
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler_for(server: StageServer) -> type[BaseHTTPRequestHandler]:
    prefix = f"/{server.stage}"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "workshop-apigateway"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # no per-request lines in notebooks

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if parts.path != prefix and not parts.path.startswith(prefix + "/"):
                status, headers, data = (
                    403,
                    [
                        ("Content-Type", "application/json"),
                        ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
                    ],
                    (b'{"message":"Missing Authentication Token"}'),
                )
            else:
                request = HttpRequest(
                    method=self.command,
                    path=parts.path[len(prefix) :] or "/",
                    query=parts.query,
                    headers=list(self.headers.items()),
                    body=body,
                    source_ip=self.client_address[0],
                )
                response = server.layer.handle(server.api_id, server.stage, request)
                status, headers, data = response.status, response.headers, response.body
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    return Handler
