"""The served API on the wire: raw-socket probes of its HTTP/1.1 framing (RFC 9112), API
Gateway's quotas and the server's own bounds, each with the answer a well-kept server gives.

Every malformed input that h11 also refuses is fed to h11 too, as a cross-check of the
verdict by a parser nobody here wrote. One server for the whole module.
"""

from __future__ import annotations

import json
import logging
import socket
import time

import h11
import pytest

from tests.apigateway_helpers import ECHO, Api
from tests.lambda_helpers import create
from workshop_lib import sandbox
from workshop_lib.apigateway.server import StageServer

SPLIT_HEADER = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"X-Note": "a\\r\\nSet-Cookie: pwned=1"}, "body": "hi"}
"""
BAD_NAME = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"X Note": "a"}, "body": "hi"}
"""


@pytest.fixture(scope="module")
def stage():
    """(aws, {parser: StageServer}) of an echo API with header-splitting routes, served
    twice: with llhttp (httptools, what the sandbox uses) and with h11 (its fallback)."""
    with sandbox(clock="virtual") as aws:
        aws.shared_by_module = True
        api = Api(aws)
        echo = create(aws, "echo", ECHO)["FunctionArn"]
        for method in ("GET", "POST"):
            api.proxy("/apps", method, echo)
            api.proxy("/apps/{id}", method, echo)
        api.proxy("/split", "GET", create(aws, "split", SPLIT_HEADER)["FunctionArn"])
        api.proxy("/badname", "GET", create(aws, "badname", BAD_NAME)["FunctionArn"])
        api.deploy("dev")
        aws.serve_api(api.id, "dev")
        main = aws.plugin("apigateway").servers[(api.id, "dev")]
        fallback = StageServer(aws.plugin("apigateway"), api.id, "dev")
        fallback.parser = "h11"
        fallback.start()
        try:
            yield aws, {main.parser: main, "h11": fallback}
        finally:
            fallback.stop()


@pytest.fixture(params=["httptools", "h11"])
def port(stage, request):
    """The port of the stage served with each parser."""
    return stage[1][request.param].port


@pytest.fixture
def served(stage):
    """(aws, the sandbox's own StageServer, its port)."""
    aws, servers = stage
    return aws, servers["httptools"], servers["httptools"].port


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, dict[str, str], bytes]:
    """One response (headers as a dict of lower-case names; bytes beyond it stay in buffer)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response; got {bytes(buffer)!r}")
        buffer += chunk
    end = buffer.index(b"\r\n\r\n")
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    del buffer[: end + 4]
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", 0)) if status >= 200 else 0
    while len(buffer) < length:
        buffer += sock.recv(65536)
    body = bytes(buffer[:length])
    del buffer[:length]
    return status, headers, body


def closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def get(path: str = "/dev/apps/1", *extra: str, version: str = "1.1") -> bytes:
    lines = [f"GET {path} HTTP/{version}", "Host: localhost", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post(body: bytes, *extra: str) -> bytes:
    head = ["POST /dev/apps HTTP/1.1", "Host: 127.0.0.1", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def h11_refuses(data: bytes) -> int | None:
    """h11's error status for ``data`` as a server reads it, None if it accepts it."""
    connection = h11.Connection(h11.SERVER)
    connection.receive_data(data)
    try:
        while connection.next_event() not in (h11.NEED_DATA, h11.PAUSED):
            pass
    except h11.RemoteProtocolError as exc:
        return exc.error_status_hint
    return None


TE_CHUNKED = "Transfer-Encoding: chunked"
# (name, request, the status a well-kept server answers, h11's own verdict agrees)
MALFORMED = [
    ("CL with TE", post(b"0\r\n\r\n", "Content-Length: 5", TE_CHUNKED), 400, False),
    ("two Content-Lengths", post(b"hello!", "Content-Length: 5", "Content-Length: 6"), 400, True),
    ("unknown coding", post(b"5\r\nhello\r\n0\r\n\r\n", "Transfer-Encoding: xchunked"), 501, True),
    ("coding before chunked", post(b"0\r\n\r\n", "Transfer-Encoding: gzip, chunked"), 501, True),
    ("chunk size -6", post(b"-6\r\nhello!\r\n0\r\n\r\n", TE_CHUNKED), 400, True),
    ("chunk size 0x5", post(b"0x5\r\nhello\r\n0\r\n\r\n", TE_CHUNKED), 400, True),
    ("chunk size +5", post(b"+5\r\nhello\r\n0\r\n\r\n", TE_CHUNKED), 400, True),
    ("chunk size 0_5", post(b"0_5\r\nhello\r\n0\r\n\r\n", TE_CHUNKED), 400, True),
    ("CR in a value", get("/dev/apps/1", "X-A: a\rb"), 400, True),
    ("LF in a value", get("/dev/apps/1", "X-A: a\nb"), 400, True),
    ("NUL in a value", get("/dev/apps/1", "X-A: a\x00b"), 400, True),
    ("NUL in a name", get("/dev/apps/1", "X\x00A: ab"), 400, True),
    ("space before the colon", get("/dev/apps/1", "X-A : ab"), 400, True),
    ("HTTP/1.1x", b"GET /dev/apps/1 HTTP/1.1x\r\nHost: localhost\r\n\r\n", 400, True),
    ("no Host on 1.1", b"GET /dev/apps/1 HTTP/1.1\r\n\r\n", 400, True),
    ("two Hosts", get("/dev/apps/1", "Host: localhost"), 400, False),
    ("Content-Length: \u00b2", post(b"x", "Content-Length: \u00b2"), 400, True),
    ("Content-Length: -1", post(b"x", "Content-Length: -1"), 400, True),
    (
        "HTTP/2.0 over 1.1 framing",
        b"GET /dev/apps/1 HTTP/2.0\r\nHost: localhost\r\n\r\n",
        505,
        False,
    ),
    (
        "a Host not on loopback",
        b"GET /dev/apps/1 HTTP/1.1\r\nHost: evil.example\r\n\r\n",
        403,
        False,
    ),
    (
        "a loopback-looking rebinding name",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1.evil.example\r\n\r\n",
        403,
        False,
    ),
]


@pytest.mark.parametrize(
    ("request_", "status", "h11_agrees"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_framing_is_refused_and_the_connection_closed(
    port, request_, status, h11_agrees, caplog
):
    with caplog.at_level(logging.DEBUG), connect(port) as sock:
        sock.sendall(request_ + get("/dev/apps/smuggled"))  # nothing after it is answered
        answer, headers, body = read_response(sock, bytearray())
        assert (answer, headers["connection"]) == (status, "close")
        assert json.loads(body)["message"]
        assert closed(sock)
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    if h11_agrees:
        assert h11_refuses(request_) in (400, 501) and h11_refuses(request_) == status


def test_a_half_closed_client_still_gets_its_answers(port):
    with connect(port) as sock:
        sock.sendall(get("/dev/apps/1") + get("/dev/apps/2"))
        sock.shutdown(socket.SHUT_WR)
        buffer = bytearray()
        first, second = read_response(sock, buffer), read_response(sock, buffer)
        assert json.loads(first[2])["pathParameters"] == {"id": "1"}
        # "Connection: close" if the server read the half-close before answering the second
        # (the end of file and the worker's answer can turn up in either order); the
        # connection closes after the second answer either way
        assert second[1].get("connection") in (None, "close")
        assert json.loads(second[2])["pathParameters"] == {"id": "2"}
        assert closed(sock)


def test_pipelined_requests_are_answered_in_order(port):
    with connect(port) as sock:
        sock.sendall(get("/dev/apps/a") + post(b"{}", "Content-Length: 2") + get("/dev/apps/b"))
        buffer = bytearray()
        answers = [json.loads(read_response(sock, buffer)[2]) for _ in range(3)]
        assert [a["httpMethod"] for a in answers] == ["GET", "POST", "GET"]
        assert answers[2]["pathParameters"] == {"id": "b"}


def test_expect_100_continue_only_when_the_body_is_wanted(port):
    with connect(port) as sock:
        sock.sendall(post(b"", "Content-Length: 4", "Expect: 100-continue"))
        buffer = bytearray()
        assert read_response(sock, buffer)[0] == 100
        sock.sendall(b"ping")
        status, _, body = read_response(sock, buffer)
        assert status == 200 and json.loads(body)["body"] == "ping"
    with connect(port) as sock:  # too big: refused before the body is sent, no 100
        sock.sendall(post(b"", f"Content-Length: {11 * 2**20}", "Expect: 100-continue"))
        assert read_response(sock, bytearray())[0] == 413


def test_chunk_extensions_and_trailers(port):
    body = b"5;name=value\r\nhello\r\n6;x\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n"
    with connect(port) as sock:
        sock.sendall(post(body, TE_CHUNKED))
        status, _, answer = read_response(sock, bytearray())
        assert status == 200 and json.loads(answer)["body"] == "hello world"


def test_a_body_in_one_byte_chunks_arrives_whole_without_stalling_others(served):
    _, _, port = served
    count = 20_000
    framing = b"1\r\nx\r\n" * count + b"0\r\n\r\n"
    pieces = [framing[i : i + 600] for i in range(0, len(framing), 600)]
    with connect(port) as slow, connect(port) as other:
        slow.sendall(post(b"", TE_CHUNKED))
        for piece in pieces[: len(pieces) // 2]:  # many small writes, each parsed once
            slow.sendall(piece)
        other.sendall(get("/dev/apps/other"))  # answered while the upload is half done
        assert read_response(other, bytearray())[0] == 200
        for piece in pieces[len(pieces) // 2 :]:
            slow.sendall(piece)
        status, _, answer = read_response(slow, bytearray())
        assert status == 200 and json.loads(answer)["body"] == "x" * count


def test_an_upgrade_request_is_answered_as_plain_http(port):
    with connect(port) as sock:
        sock.sendall(get("/dev/apps/1", "Connection: Upgrade", "Upgrade: websocket"))
        status, headers, body = read_response(sock, bytearray())
        assert status == 200 and json.loads(body)["pathParameters"] == {"id": "1"}


def test_http_1_0_keep_alive(served):
    _, _, port = served
    with connect(port) as sock:
        buffer = bytearray()
        for n in range(2):
            sock.sendall(get(f"/dev/apps/{n}", "Connection: keep-alive", version="1.0"))
            status, headers, _ = read_response(sock, buffer)
            assert (status, headers["connection"]) == (200, "keep-alive")
        sock.sendall(get("/dev/apps/last", version="1.0"))
        assert read_response(sock, buffer)[1]["connection"] == "close"
        assert closed(sock)


# -- API Gateway's quotas ---------------------------------------------------------------------
def test_a_long_url_and_large_headers_are_refused(port):
    cases = [
        (get("/dev/apps/" + "a" * 16_000), 414),
        (get("/dev/apps/1", *[f"X-Pad-{n}: {'v' * 100}" for n in range(600)]), 431),
        (get("/dev/apps/1", "X-Pad: " + "v" * 10_300), 431),
    ]
    for data, status in cases:
        with connect(port) as sock:
            for start in range(0, len(data), 1000):  # also when it arrives in pieces
                sock.sendall(data[start : start + 1000])
            assert read_response(sock, bytearray())[0] == status
    with connect(port) as sock:  # just under the quota is served
        sock.sendall(get("/dev/apps/1", "X-Pad: " + "v" * 9_900))
        assert read_response(sock, bytearray())[0] == 200


def test_a_body_over_10_mb_is_refused_before_it_is_read(port):
    with connect(port) as sock:  # declared: refused from Content-Length alone
        sock.sendall(post(b"", f"Content-Length: {2**30}"))
        status, headers, body = read_response(sock, bytearray())
        assert (status, json.loads(body)) == (413, {"message": "Request Too Long"})
    with connect(port) as sock:  # chunked: refused once it grows past 10 MB
        sock.sendall(post(b"", TE_CHUNKED))
        piece = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
        try:
            for _ in range(12):
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed while we were still sending: also a refusal
        else:
            assert read_response(sock, bytearray())[0] == 413


def test_timeouts_close_slow_and_idle_connections(served):
    _, server, port = served
    saved = server.header_timeout_s, server.idle_timeout_s, server.body_timeout_s
    server.header_timeout_s = server.idle_timeout_s = server.body_timeout_s = 0.3
    try:
        with connect(port) as idle, connect(port) as slow, connect(port) as body:
            slow.sendall(b"GET /dev/apps/1 HTTP/1.1\r\nHost: loc")
            body.sendall(post(b"ab", "Content-Length: 10"))
            started = time.monotonic()
            assert closed(idle)
            assert read_response(slow, bytearray())[0] == 408
            assert read_response(body, bytearray())[0] == 408
            assert time.monotonic() - started < 5
    finally:
        server.header_timeout_s, server.idle_timeout_s, server.body_timeout_s = saved


def test_connections_over_the_cap_get_a_clean_503(served):
    _, server, port = served
    saved = server.max_connections
    try:
        open_now = [connect(port)]
        open_now[0].sendall(get())
        read_response(open_now[0], bytearray())
        server.max_connections = len(server.connections) + 1
        open_now.append(connect(port))
        open_now[-1].sendall(get())
        assert read_response(open_now[-1], bytearray())[0] == 200
        with connect(port) as refused:
            status, headers, _ = read_response(refused, bytearray())
            assert (status, headers["connection"]) == (503, "close")
    finally:
        server.max_connections = saved
        for sock in open_now:
            sock.close()


def test_a_handler_header_that_would_split_the_response_becomes_api_gateways_502(port):
    for path in ("/dev/split", "/dev/badname"):
        with connect(port) as sock:
            sock.sendall(get(path))
            status, headers, body = read_response(sock, bytearray())
            assert "set-cookie" not in headers and "x-note" not in headers
            assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
            assert headers["x-amzn-errortype"] == "InternalServerErrorException"
            sock.sendall(get())  # the connection itself is fine
            assert read_response(sock, bytearray())[0] == 200
