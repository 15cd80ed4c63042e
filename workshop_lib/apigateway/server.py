"""A stage served over real HTTP on 127.0.0.1 (``aws.serve_api``).

HTTP/1.1 with keep-alive, pipelining and ``TCP_NODELAY`` (no Nagle stalls), on one event
loop (uvloop's, where installed) in a background thread. The gateway runs on the loop and
*awaits* the Lambda worker hop (:meth:`Gateway.handle_async`, the request driver's async
core), so concurrent connections overlap their hops instead of queueing for the GIL behind
one thread each; what would block the loop (cold starts, authorizers, HTTP backends) runs in
a small thread pool. Each
connection answers its requests in order. ``http://127.0.0.1:PORT/{stage}/path`` reaches
the stage's API.

The framing (RFC 9112) is llhttp's, Node's parser, through ``httptools``; h11 where httptools
is not installed (``WORKSHOP_HTTP_PARSER=h11`` picks it). Malformed framing is a 400 and
the connection closes. API Gateway's quotas are enforced before anything reaches the
gateway: request line and headers at most 10,240 bytes, a body at most 10 MB (refused from
its ``Content-Length`` before it is read, and while a chunked body streams in). Only
loopback ``Host`` values are served (DNS rebinding). A connection waiting too long for a
request's headers, for more of its body, or idle between requests is closed
(:class:`LoopbackServer`'s ``*_timeout_s``), and at most ``max_connections`` are open at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http
import json
import os
import platform
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from workshop_lib import facts
from workshop_lib.apigateway.gateway import Gateway, HttpRequest, HttpResponse
from workshop_lib.driver import forget_executor, new_loop, use_executor
from workshop_lib.netguard import is_loopback_host_header

try:
    import httptools
except ImportError:  # pragma: no cover - a platform without its wheel: h11 instead
    httptools = None

if TYPE_CHECKING:
    from workshop_lib.apigateway.plugin import ApiGatewayPlugin

METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
MAX_HEAD = int(facts.value("apigateway.request_head_max_bytes"))  # request line + headers
MAX_BODY = int(facts.value("apigateway.payload_max_mb")) * 1024 * 1024
MAX_QUEUED = 16  # complete pipelined requests held per connection before it stops reading
LINGER_S = 2.0  # after a refusal, how long what the client still sends is read and dropped
READ_BYTES = 16 * 1024  # one read of a connection, at most, per turn of the loop
SERVER = f"workshop-apigateway Python/{platform.python_version()}"
_REASONS = {s.value: s.phrase for s in http.HTTPStatus}
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # a header name (RFC 9110 token)
_NOT_IN_VALUE = re.compile(r"[\r\n\x00]")  # would end or split a header line on the wire
_JSON = ("Content-Type", "application/json")
# the Host check parses addresses, slow next to a dict look-up; a server sees a handful of
# distinct values, so their verdicts are cached
_loopback_host = functools.lru_cache(maxsize=256)(is_loopback_host_header)
_REQUEST_LINE = re.compile(rb"(?:^|\n)([!#$%&'*+\-.^_`|~0-9A-Za-z]+) [^ \r\n]+ HTTP/1\.[01]\r\n")
# API Gateway's answer to a Lambda proxy response it cannot map (here: a header that cannot
# go on the wire)
BAD_GATEWAY = (
    502,
    [_JSON, ("x-amzn-ErrorType", "InternalServerErrorException")],
    b'{"message": "Internal server error"}',
)


def parser_name() -> str:
    """The HTTP/1.1 parser the server frames requests with: ``httptools`` (llhttp, C) where
    it is installed, else ``h11`` (pure Python); ``WORKSHOP_HTTP_PARSER`` picks one."""
    chosen = os.environ.get("WORKSHOP_HTTP_PARSER", "").strip().lower()
    if chosen == "h11" or httptools is None:
        return "h11"
    return "httptools"


def max_connections() -> int:
    """Open connections a server accepts at once: half the descriptors the process may
    open, at most 512, so workers' pipes, files and the listening socket always have room."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, ValueError, OSError):  # pragma: no cover - Windows
        return 512
    if soft < 0:  # RLIM_INFINITY
        return 512
    return max(8, min(512, soft // 2))


class Refusal(Exception):
    """A request refused before it reaches the gateway: answered with ``status`` and a JSON
    message, and the connection closed (its framing can no longer be trusted)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    def response(self) -> tuple[int, list[tuple[str, str]], bytes]:
        return self.status, [_JSON], json.dumps({"message": str(self)}).encode()


class LoopbackServer:
    """An HTTP/1.1 server on one loopback port: the framing, limits and timeouts above; what
    answers a request is :meth:`respond` (a REST stage here, an HTTP API or function URL in
    :mod:`workshop_lib.apigatewayv2.server`)."""

    header_timeout_s = 10.0  # from a request's first byte to the end of its headers
    body_timeout_s = 30.0  # with no byte of a started body arriving
    idle_timeout_s = 60.0  # a keep-alive connection between requests

    def __init__(self, name: str, port: int = 0) -> None:
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix=name)
        self.loop = new_loop()
        use_executor(self.loop, self.executor)  # for the steps that block
        self.parser = parser_name()
        self.max_connections = max_connections()
        self.connections: set[_Connection] = set()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        self._socket.listen(128)
        self.port = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name=name)
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
        forget_executor(self.loop)
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
        path, query = _split_target(request.target)
        http_request = HttpRequest(
            method=request.method,
            path=path,
            query=query,
            headers=request.headers,
            body=request.body,
            source_ip=request.peer,
        )
        try:
            response = await self.respond(http_request)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug, not the client's: API Gateway's own 500
            return (
                500,
                [_JSON, ("x-amzn-ErrorType", "InternalServerErrorException")],
                b'{"message": "Internal server error"}',
            )
        return response.status, response.headers, response.body

    async def respond(self, request: HttpRequest) -> HttpResponse:
        """The answer to one request (``request.path`` is the whole path)."""
        raise NotImplementedError


class StageServer(LoopbackServer):
    """One stage of one REST API on one loopback port: ``/{stage}/path``."""

    def __init__(self, plugin: ApiGatewayPlugin, api_id: str, stage: str, port: int = 0) -> None:
        super().__init__(f"apigw-{api_id}-{stage}", port)
        self.plugin, self.api_id, self.stage = plugin, api_id, stage
        self.prefix = f"/{stage}"
        self.base_url = f"http://127.0.0.1:{self.port}/{stage}"

    async def respond(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return HttpResponse(
                403,
                [_JSON, ("x-amzn-ErrorType", "MissingAuthenticationTokenException")],
                b'{"message":"Missing Authentication Token"}',
            )
        request.path = path[len(self.prefix) :] or "/"
        gateway = Gateway(self.plugin, self.api_id, self.stage)
        return await gateway.handle_async(request)


class _Request:
    """One request as the parser delivers it: head first, then the body in pieces."""

    __slots__ = (
        "method",
        "target",
        "version",
        "headers",
        "body",
        "received",
        "peer",
        "close",
        "head_size",
        "continue_wanted",
        "started",
    )

    def __init__(self, peer: str, started: float) -> None:
        self.method, self.target, self.version = "", "", "1.1"
        self.headers: list[tuple[str, str]] = []
        self.body = b""
        # the body so far: appended in place, each byte parsed once (a body of 1-byte
        # chunks costs what its bytes cost, not a list of millions of pieces)
        self.received = bytearray()
        self.peer, self.started = peer, started
        self.close = False
        self.head_size = 0  # bytes of the request line and headers seen so far
        self.continue_wanted = False  # Expect: 100-continue, interim answer not sent yet


class _Connection(asyncio.BufferedProtocol):
    """One client connection: feeds bytes to the parser as they arrive, answers complete
    requests one at a time and in order; the parser's callbacks (``on_*``) build them.

    Reads go into the connection's own 16 KB buffer (a buffered protocol), one read per turn
    of the loop: a body of 1-byte chunks costs a Python call per byte in the parser, and
    with the loop's own reads (uvloop's 256 KB, up to 32 in a row) a client streaming one
    would hold every other connection up for seconds.
    """

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.parser: Any = (
            httptools.HttpRequestParser(self) if server.parser == "httptools" else H11Parser(self)
        )
        self.transport: asyncio.Transport | None = None
        self.peer = "127.0.0.1"
        self.request: _Request | None = None  # being parsed
        self.queue: deque[_Request] = deque()  # complete, waiting for their turn
        self.in_head = False  # the parser is inside a request line or headers
        self.head_bytes = 0  # bytes fed while one head stayed incomplete (see data_received)
        self.codings = ""  # Transfer-Encoding of the request being parsed
        self.refusal: Refusal | None = None  # answered once earlier requests are answered
        self.busy = False  # a request is being answered
        self.paused = False  # the transport's buffer is full: answer nothing more for now
        self.reading = True
        self.eof = False  # the client half-closed: answer what is complete, then close
        self.closed = False
        self.deadline = 0.0  # loop time when the current wait ends (see _wait)
        self.on_deadline: Callable[[], None] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.buffer = memoryview(bytearray(READ_BYTES))

    # -- asyncio's callbacks ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if len(self.server.connections) >= self.server.max_connections:
            self.closed = True  # a clean refusal instead of running out of descriptors
            status, headers, body = 503, [_JSON], b'{"message": "Service Unavailable"}'
            self.transport.write(_head(self.server, status, headers, len(body), True) + body)
            self.transport.close()
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer = peer[0]
        self.server.connections.add(self)
        self._wait(self.server.idle_timeout_s, self._close_quietly)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)
        if self.timer is not None:
            self.timer.cancel()

    def eof_received(self) -> bool:
        if self.refusal is not None and self.closed:  # lingering after a refusal: done
            return False
        self.eof = True
        self._next()
        return True  # keep the write side open: a half-closed client still gets its answers

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(bytes(self.buffer[:nbytes]))
        if nbytes == READ_BYTES and self.reading and not self.closed:  # more waits: others first
            self.reading = False
            self.transport.pause_reading()
            self.server.loop.call_soon(self._resume_reading)

    def data_received(self, data: bytes) -> None:
        if self.closed or self.refusal is not None:
            return
        continuing = self.in_head
        try:
            self.parser.feed_data(data)
        except Refusal as refusal:
            self._refuse(refusal)
        except Exception as exc:  # the parser's verdict on the bytes
            upgrade = httptools is not None and isinstance(exc, httptools.HttpParserUpgrade)
            if upgrade and self.queue and self.request is None:
                # an Upgrade (WebSocket, h2c) this server declines: the request is answered
                # as plain HTTP/1.1 (RFC 9110 7.8) and the connection ends after it
                self.queue[-1].close = True
                self.reading = False
                self.transport.pause_reading()
            else:
                self._refuse(self._verdict(exc, data))
        else:
            if continuing and self.in_head:
                # a head arriving in pieces: the parser keeps the partial header line, so
                # bound what it holds (one read's worth beyond the quota at most)
                self.head_bytes += len(data)
                if self.head_bytes > MAX_HEAD:
                    self._refuse(Refusal(431, "Request Header Fields Too Large"))
            elif not self.in_head:
                self.head_bytes = 0
        request = self.request
        if request is not None:  # a request left incomplete by this read: how long to wait
            if self.in_head:  # its head's clock runs from its first byte
                remaining = request.started + self.server.header_timeout_s - self.server.loop.time()
                self._wait(remaining, self._time_out)
            else:  # its body's, from the latest byte
                self._wait(self.server.body_timeout_s, self._time_out)
        self._next()

    def _resume_reading(self) -> None:
        if self.reading or self.closed or self.refusal is not None:
            return
        if len(self.queue) < MAX_QUEUED:
            self.reading = True
            self.transport.resume_reading()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._next()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- the parser's callbacks --------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.request = _Request(self.peer, self.server.loop.time())
        self.in_head, self.head_bytes, self.codings = True, 0, ""

    def on_url(self, url: bytes) -> None:
        request = self.request
        request.target += url.decode("latin-1")
        request.head_size += len(url)
        if request.head_size > MAX_HEAD:
            raise Refusal(414, "Request-URI Too Long")

    def on_header(self, name: bytes, value: bytes) -> None:
        request = self.request
        request.head_size += len(name) + len(value) + 4  # "name: value\r\n"
        if request.head_size > MAX_HEAD:
            raise Refusal(431, "Request Header Fields Too Large")
        request.headers.append((name.decode("latin-1"), value.decode("latin-1")))
        if name.lower() == b"transfer-encoding":
            self.codings += ("," if self.codings else "") + value.decode("latin-1")

    def on_headers_complete(self) -> None:
        request, parser = self.request, self.parser
        self.in_head = False
        request.version = parser.get_http_version()
        request.method = parser.get_method().decode("ascii")
        request.head_size += len(request.method) + 13  # " HTTP/1.1\r\n", the final CRLF
        if request.head_size > MAX_HEAD:
            raise Refusal(431, "Request Header Fields Too Large")
        if not request.version.startswith("1."):
            raise Refusal(505, "HTTP Version Not Supported")
        hosts, length, expect = [], None, ""
        for name, value in request.headers:
            lowered = name.lower()
            if lowered == "host":
                hosts.append(value)
            elif lowered == "content-length":
                length = value
            elif lowered == "expect":
                expect = value.strip().lower()
        if self.codings:
            if length is not None:  # RFC 9112 6.1: a smuggling attempt, never guessed at
                raise Refusal(400, "Content-Length and Transfer-Encoding together")
            if self.codings.strip().lower() != "chunked":
                raise Refusal(501, f"Transfer-Encoding {self.codings.strip()} is not supported")
        if len(hosts) > 1 or (not hosts and request.version == "1.1"):
            raise Refusal(400, "A request needs exactly one Host header")
        # (an HTTP/1.0 request may lack Host; a browser, which a rebinding page drives,
        # always sends one)
        if hosts and not _loopback_host(hosts[0]):
            raise Refusal(
                403,
                "Host not served: this sandbox answers only loopback names "
                "(127.0.0.1, localhost, [::1])",
            )
        if length is not None and int(length) > MAX_BODY:
            raise Refusal(413, "Request Too Long")
        request.close = not parser.should_keep_alive()
        has_body = bool(self.codings) or (length is not None and int(length) > 0)
        request.continue_wanted = expect == "100-continue" and request.version == "1.1" and has_body

    def on_body(self, body: bytes) -> None:
        received = self.request.received
        received += body
        if len(received) > MAX_BODY:  # a chunked body growing past the quota
            raise Refusal(413, "Request Too Long")

    def on_message_complete(self) -> None:
        request, self.request = self.request, None
        request.body = bytes(request.received)
        request.received = bytearray()
        self.queue.append(request)
        if len(self.queue) >= MAX_QUEUED and self.reading:
            self.reading = False  # a pipelining client waits in its socket, not our memory
            self.transport.pause_reading()

    def _verdict(self, exc: Exception, data: bytes) -> Refusal:
        """The answer to a parser's error (llhttp's ``Refusal`` from a callback is inside)."""
        inner = exc.__context__
        if isinstance(inner, Refusal):
            return inner
        if httptools is not None and isinstance(exc, httptools.HttpParserUpgrade):
            return Refusal(400, "Upgrade is not supported")  # CONNECT, or an upgrade body
        if httptools is not None and isinstance(exc, httptools.HttpParserInvalidMethodError):
            # llhttp knows only registered methods; a well-formed request line with another
            # token is a method this server does not implement (RFC 9110 9.1), else bad syntax
            line = _REQUEST_LINE.search(data)
            if line:
                return Refusal(501, f"Unsupported method {line.group(1).decode()}")
        if self.codings and self.codings.strip().lower() != "chunked":
            return Refusal(501, f"Transfer-Encoding {self.codings.strip()} is not supported")
        return Refusal(400, f"Bad request: {exc}")

    # -- answering ----------------------------------------------------------------------------
    def _next(self) -> None:
        """Answer the next complete request, if any (one at a time, in order)."""
        if self.busy or self.closed or self.paused:
            return
        if self.queue:
            request = self.queue.popleft()
            if not self.reading and len(self.queue) < MAX_QUEUED // 2:
                self.reading = True
                self.transport.resume_reading()
            self.busy = True
            if request.method not in METHODS:
                body = json.dumps({"message": f"Unsupported method {request.method}"})
                self._done(request, (501, [_JSON], body.encode()))
                return
            task = self.server.loop.create_task(self.server.answer(request))
            task.add_done_callback(lambda t: self._done(request, t))
            return
        if self.refusal is not None:
            status, headers, body = self.refusal.response()
            self._write(status, headers, body, True, False, linger=True)
        elif self.request is not None:
            if self.request.continue_wanted and not self.in_head:
                self.request.continue_wanted = False  # its turn: ask for the body now
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            if self.eof:  # it can never be completed
                self._close_quietly()
        elif self.eof:
            self._close_quietly()
        else:
            self._wait(self.server.idle_timeout_s, self._close_quietly)

    def _refuse(self, refusal: Refusal) -> None:
        """Stop reading; answer ``refusal`` after the requests before it, then close."""
        self.refusal = refusal
        self.request = None
        if self.transport is not None and self.reading:
            self.reading = False
            self.transport.pause_reading()

    def _done(self, request: _Request, answered: asyncio.Task | tuple) -> None:
        self.busy = False
        if isinstance(answered, tuple):
            status, headers, body = answered
        else:
            if answered.cancelled() or self.closed:
                return
            status, headers, body = answered.result()
        close = request.close or (self.eof and not self.queue)
        if request.version == "1.0" and not close:  # a 1.0 client closes unless told
            headers = [*headers, ("Connection", "keep-alive")]
        self._write(status, headers, body, close, request.method == "HEAD")
        if not close:
            self._next()

    def _write(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        close: bool,
        head: bool,
        linger: bool = False,
    ) -> None:
        if self.closed or self.transport is None or self.transport.is_closing():
            return
        if not _writable(headers):  # never split a response on the wire: API Gateway's 502
            status, headers, body = BAD_GATEWAY
        data = _head(self.server, status, headers, len(body), close)
        self.transport.write(data if head else data + body)
        if close:
            self.closed = True
            if linger and self.transport.can_write_eof():
                self._linger()
            else:
                self.transport.close()

    def _linger(self) -> None:
        """Close after a refusal without losing it (RFC 9112 9.6): the client may still be
        sending, and closing a socket with unread bytes answers them with a reset that can
        destroy the refusal before the client reads it. So: send FIN after the refusal, read
        and drop whatever still arrives, close when the client does or after LINGER_S."""
        self.transport.write_eof()
        if not self.reading:
            self.reading = True
            self.transport.resume_reading()
        self.server.loop.call_later(LINGER_S, self.transport.close)

    # -- timeouts -----------------------------------------------------------------------------
    def _wait(self, seconds: float, then: Callable[[], None]) -> None:
        """Call ``then`` unless something happens within ``seconds``. One timer per
        connection, moved lazily: a later deadline only updates a number, the timer checks
        it when it fires (a timer per request would cost more than the deadline itself). A
        request that arrives whole in one read sets no deadline at all."""
        loop = self.server.loop
        self.deadline, self.on_deadline = loop.time() + seconds, then
        if self.timer is None or self.timer.when() > self.deadline:
            if self.timer is not None:
                self.timer.cancel()
            self.timer = loop.call_at(self.deadline, self._check_deadline)

    def _check_deadline(self) -> None:
        self.timer = None
        if self.closed:
            return
        if self.busy:  # an answer is being made: the integration's own timeout governs it
            self._wait(self.server.idle_timeout_s, self.on_deadline or self._close_quietly)
            return
        if self.server.loop.time() < self.deadline:
            self.timer = self.server.loop.call_at(self.deadline, self._check_deadline)
        elif self.on_deadline is not None:
            self.on_deadline()

    def _time_out(self) -> None:
        """A client too slow with its headers or body: 408, and the connection closes."""
        if self.request is None:
            self._close_quietly()
            return
        self._refuse(Refusal(408, "Request Timeout"))
        self._next()

    def _close_quietly(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _split_target(target: str) -> tuple[str, str]:
    """Path and query of a request target. The usual origin form (``/path?query``) is split
    at its first ``?``, which is what urlsplit makes of it; an absolute form, ``//`` (which
    urlsplit reads as an authority), a fragment or a control character (which urlsplit
    removes) go through urlsplit."""
    if target[:1] == "/" and target[1:2] != "/" and "#" not in target and target.isprintable():
        path, _, query = target.partition("?")
        return path, query
    parts = urlsplit(target)
    return parts.path, parts.query


def _writable(headers: list[tuple[str, str]]) -> bool:
    """Every name is a token and no value holds CR, LF or NUL (which would end the header
    line and let a handler's value write headers, or a whole response, of its own)."""
    for name, value in headers:
        if not _TOKEN.fullmatch(name) or _NOT_IN_VALUE.search(value):
            return False
    return True


def _head(server: LoopbackServer, status: int, headers: list, length: int, close: bool) -> bytes:
    """A response's status line and headers, ``Content-Length`` and ``Connection`` added."""
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, '')}",
        f"Server: {SERVER}",
        f"Date: {server.date()}",
    ]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {length}")
    if close:
        lines.append("Connection: close")
    text = "\r\n".join(lines) + "\r\n\r\n"
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


class H11Parser:
    """h11 behind the small part of ``httptools.HttpRequestParser``'s interface the server
    uses (``feed_data``, the ``on_*`` callbacks, version, method, keep-alive): the pure-Python
    fallback, and the second parser ``make bench`` measures.

    h11 is a whole connection state machine: it moves to the next request only after a
    response went through it. The server writes its own responses, so each complete request
    is closed in h11 with an empty one whose bytes are dropped. h11 has no HTTP/1.0
    keep-alive: with it, every HTTP/1.0 request ends its connection.
    """

    def __init__(self, protocol: _Connection) -> None:
        import h11

        self.h11, self.protocol = h11, protocol
        self.connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD + 1)
        self.version, self.method, self.keep_alive = "1.1", b"", True
        self.in_message = False  # h11 has bytes of a request it has not finished

    def feed_data(self, data: bytes) -> None:
        h11, connection, protocol = self.h11, self.connection, self.protocol
        connection.receive_data(data)
        while True:
            if not self.in_message and connection.trailing_data[0]:
                self.in_message = True  # a request's first bytes: its header clock starts
                protocol.on_message_begin()
            try:
                event = connection.next_event()
            except h11.RemoteProtocolError as exc:
                status = exc.error_status_hint
                if status == 431:  # h11's limit on an incomplete head: which part is long
                    if b"\n" not in connection.trailing_data[0][:MAX_HEAD]:
                        raise Refusal(414, "Request-URI Too Long") from None
                    raise Refusal(431, "Request Header Fields Too Large") from None
                raise Refusal(status, f"Bad request: {exc}") from None
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            kind = type(event)
            if kind is h11.Request:
                self.version = event.http_version.decode()
                self.method = event.method
                protocol.on_url(event.target)
                for name, value in event.headers.raw_items():
                    protocol.on_header(name, value)
                # h11 ends every HTTP/1.0 exchange with a close
                self.keep_alive = connection.their_state is not h11.MUST_CLOSE and (
                    self.version == "1.1" and b"close" not in _connection_header(event.headers)
                )
                protocol.on_headers_complete()
            elif kind is h11.Data:
                protocol.on_body(bytes(event.data))
            elif kind is h11.EndOfMessage:
                self.in_message = False
                protocol.on_message_complete()
                connection.send(h11.Response(status_code=204, headers=[]))
                connection.send(h11.EndOfMessage())
                if connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                    return  # the client asked to close: nothing after this request counts
                connection.start_next_cycle()
            else:  # ConnectionClosed
                return

    def get_http_version(self) -> str:
        return self.version

    def get_method(self) -> bytes:
        return self.method

    def should_keep_alive(self) -> bool:
        return self.keep_alive


def _connection_header(headers: Any) -> bytes:
    return b",".join(value.lower() for name, value in headers if name == b"connection")
