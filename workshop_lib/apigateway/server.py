"""A stage served over real HTTP on 127.0.0.1 (``aws.serve_api``).

HTTP/1.1 with keep-alive, pipelining and ``TCP_NODELAY`` (no Nagle stalls), on one event
loop (uvloop's, where installed) in a background thread. The gateway runs on the loop and
*awaits* the Lambda worker hop (:meth:`Gateway.handle_async`), so concurrent connections
overlap their hops instead of queueing for the GIL behind one thread each; what would block
the loop (cold starts, authorizers, HTTP backends) runs in a small thread pool. Each
connection answers its requests in order. ``http://127.0.0.1:PORT/{stage}/path`` reaches
the stage's API.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import platform
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from workshop_lib.apigateway.gateway import Gateway, HttpRequest, HttpResponse

if TYPE_CHECKING:
    from workshop_lib.apigateway.layer import ApiGatewayLayer

METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
MAX_HEAD = 64 * 1024  # request line and headers
SERVER = f"workshop-apigateway Python/{platform.python_version()}"
_REASONS = {s.value: s.phrase for s in http.HTTPStatus}


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (everywhere but native Windows): its
    transports, timers and pipe watches cost about half of asyncio's, which is ~10 % of a
    served request; asyncio's own loop otherwise (same behaviour, slower)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class BadRequest(Exception):
    """A request this server cannot parse: answered with ``status`` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class StageServer:
    """One stage of one API on one loopback port."""

    def __init__(self, layer: ApiGatewayLayer, api_id: str, stage: str, port: int = 0) -> None:
        self.layer, self.api_id, self.stage = layer, api_id, stage
        self.prefix = f"/{stage}"
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix=f"apigw-{stage}")
        self.loop = new_loop()
        self.connections: set[_Connection] = set()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        self._socket.listen(128)
        self.port = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/{stage}"
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(
            target=self.loop.run_forever, daemon=True, name=f"apigw-{api_id}-{stage}"
        )
        self._date = (0, "")

    def start(self) -> None:
        """Run the loop in its thread and listen (safe to call under another running loop,
        such as a Jupyter kernel's)."""
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            self.loop.create_server(lambda: _Connection(self), sock=self._socket), self.loop
        ).result(timeout=10)

    def stop(self) -> None:
        """Close the port and every connection, cancel requests in flight, end the thread."""
        if self.loop.is_closed():
            return
        if self._thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self._close(), self.loop)
            with contextlib.suppress(Exception):
                future.result(timeout=10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()
        self._socket.close()
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in list(self.connections):
            connection.abort()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def date(self) -> str:
        """The ``Date`` header, formatted once a second."""
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, formatdate(now, usegmt=True))
        return self._date[1]

    # -- one request ------------------------------------------------------------------------
    async def answer(self, request: _Request) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body for one parsed request (AWS-shaped errors throughout)."""
        parts = urlsplit(request.target)
        path = parts.path
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return (
                403,
                [
                    ("Content-Type", "application/json"),
                    ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
                ],
                b'{"message":"Missing Authentication Token"}',
            )
        gateway_request = HttpRequest(
            method=request.method,
            path=path[len(self.prefix) :] or "/",
            query=parts.query,
            headers=request.headers,
            body=request.body,
            source_ip=request.peer,
        )
        try:
            gateway = Gateway(self.layer, self.api_id, self.stage)
            response: HttpResponse = await gateway.handle_async(gateway_request, self.executor)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug, not the client's: API Gateway's own 500
            return (
                500,
                [
                    ("Content-Type", "application/json"),
                    ("x-amzn-ErrorType", "InternalServerErrorException"),
                ],
                b'{"message": "Internal server error"}',
            )
        return response.status, response.headers, response.body


class _Request:
    __slots__ = ("method", "target", "version", "headers", "body", "peer", "close")

    def __init__(self, method: str, target: str, version: str, headers: list, peer: str) -> None:
        self.method, self.target, self.version, self.headers = method, target, version, headers
        self.body, self.peer = b"", peer
        connection = ""
        for name, value in headers:
            if name.lower() == "connection":
                connection = value.lower()
        self.close = "close" in connection or (
            version == "HTTP/1.0" and "keep-alive" not in connection
        )


class _Connection(asyncio.Protocol):
    """One client connection: parses requests as bytes arrive, answers them in order."""

    def __init__(self, server: StageServer) -> None:
        self.server = server
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.peer = "127.0.0.1"
        self.pending: _Request | None = None  # head parsed, body still arriving
        self.length = 0
        self.chunked = False
        self.busy = False  # a request is being answered: later ones wait in the buffer
        self.paused = False
        self.closed = False

    # -- asyncio's callbacks ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer = peer[0]
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._next()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if not self.busy:
            self._next()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- parsing ------------------------------------------------------------------------------
    def _next(self) -> None:
        """Answer the next complete request in the buffer, if any (one at a time)."""
        if self.closed or self.paused:
            return
        try:
            request = self._parse()
        except BadRequest as bad:
            message = f'{{"message": "{bad}"}}'.encode()
            self._write(bad.status, [("Content-Type", "application/json")], message, True, False)
            return
        if request is None:
            return
        self.busy = True
        if request.method not in METHODS:
            body = f'{{"message": "Unsupported method {request.method}"}}'.encode()
            self._done(request, (501, [("Content-Type", "application/json")], body))
            return
        task = self.server.loop.create_task(self.server.answer(request))
        task.add_done_callback(lambda t: self._done(request, t))

    def _parse(self) -> _Request | None:
        buffer = self.buffer
        if self.pending is None:
            while buffer[:2] == b"\r\n":  # stray line ends between requests
                del buffer[:2]
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    raise BadRequest(431, "Request Header Fields Too Large")
                return None
            head = buffer[:end].decode("latin-1")
            del buffer[: end + 4]
            self.pending = self._head(head)
        request = self.pending
        if self.chunked:
            body = self._chunks()
            if body is None:
                return None
        else:
            if len(buffer) < self.length:
                return None
            body = bytes(buffer[: self.length])
            del buffer[: self.length]
        request.body = body
        self.pending = None
        return request

    def _head(self, head: str) -> _Request:
        lines = head.split("\r\n")
        words = lines[0].split()
        if len(words) != 3 or not words[2].startswith("HTTP/1."):
            raise BadRequest(400, "Bad request syntax")
        headers = []
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise BadRequest(400, "Bad header line")
            headers.append((name, value.strip()))
        request = _Request(words[0], words[1], words[2], headers, self.peer)
        self.length, self.chunked, expect = 0, False, ""
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-length":
                if not value.isdigit():
                    raise BadRequest(400, "Bad Content-Length")
                self.length = int(value)
            elif lowered == "transfer-encoding":
                self.chunked = value.lower().endswith("chunked")
            elif lowered == "expect":
                expect = value.lower()
        if expect == "100-continue" and words[2] == "HTTP/1.1":
            has_body = self.chunked or self.length > len(self.buffer)
            if has_body and self.transport is not None:
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return request

    def _chunks(self) -> bytes | None:
        """A whole chunked body (and its trailers) from the buffer, or None: not all here."""
        buffer, position, parts = self.buffer, 0, []
        while True:
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                return None
            size_text = bytes(buffer[position:line_end]).split(b";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise BadRequest(400, "Bad chunk size") from None
            position = line_end + 2
            if size == 0:
                trailers_end = buffer.find(b"\r\n\r\n", line_end)
                if buffer[position : position + 2] == b"\r\n":
                    position += 2
                elif trailers_end >= 0:
                    position = trailers_end + 4
                else:
                    return None
                del buffer[:position]
                return b"".join(parts)
            if len(buffer) < position + size + 2:
                return None
            parts.append(bytes(buffer[position : position + size]))
            position += size + 2

    # -- answering ----------------------------------------------------------------------------
    def _done(self, request: _Request, answered: asyncio.Task | tuple) -> None:
        self.busy = False
        if isinstance(answered, tuple):
            status, headers, body = answered
        else:
            if answered.cancelled() or self.closed:
                return
            status, headers, body = answered.result()
        self._write(status, headers, body, request.close, request.method == "HEAD")
        if not request.close:
            self._next()

    def _write(
        self, status: int, headers: list[tuple[str, str]], body: bytes, close: bool, head: bool
    ) -> None:
        if self.closed or self.transport is None or self.transport.is_closing():
            return
        lines = [
            f"HTTP/1.1 {status} {_REASONS.get(status, '')}",
            f"Server: {SERVER}",
            f"Date: {self.server.date()}",
        ]
        lines += [f"{name}: {value}" for name, value in headers]
        lines.append(f"Content-Length: {len(body)}")
        if close:
            lines.append("Connection: close")
        text = "\r\n".join(lines) + "\r\n\r\n"
        try:
            data = text.encode("latin-1")
        except UnicodeEncodeError:
            data = text.encode("utf-8")
        self.transport.write(data if head else data + body)
        if close:
            self.closed = True
            self.transport.close()
