"""The served API's HTTP server (``aws.serve_api``): keep-alive, pipelining, concurrency,
odd clients, and the behaviours that must survive its event loop (timeouts, authorizers,
logs, cold and warm starts)."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from tests.apigateway_helpers import ECHO, Api, echo_api, slow_functions
from tests.lambda_helpers import create
from tests.test_apigateway import authorized_api
from workshop_lib import sandbox


@pytest.fixture
def aws():
    with sandbox(clock="virtual") as box:
        yield box


@pytest.fixture
def served(aws):
    """The echo API served over HTTP: (aws, base URL, host, port)."""
    api, _ = echo_api(aws)
    api.deploy("dev")
    base = aws.serve_api(api.id, "dev")
    parts = urlsplit(base)
    return aws, base, parts.hostname, parts.port


def connect(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, dict[str, str], bytes]:
    """One HTTP response from ``sock`` (bytes beyond it stay in ``buffer``)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response")
        buffer += chunk
    end = buffer.index(b"\r\n\r\n")
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    del buffer[: end + 4]
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(buffer) < length:
        buffer += sock.recv(65536)
    body = bytes(buffer[:length])
    del buffer[:length]
    return status, headers, body


def request_bytes(method: str, path: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_pipelined_requests_on_one_connection_are_answered_in_order(served):
    _, _, host, port = served
    with connect(host, port) as sock:
        sock.sendall(b"".join(request_bytes("GET", f"/dev/apps/{n}") for n in range(5)))
        buffer = bytearray()
        ids = []
        for _ in range(5):
            status, headers, body = read_response(sock, buffer)
            assert status == 200 and headers["content-type"] == "application/json"
            ids.append(json.loads(body)["pathParameters"]["id"])
        assert ids == ["0", "1", "2", "3", "4"]
        sock.sendall(request_bytes("GET", "/dev/apps/again"))  # still open: keep-alive
        assert json.loads(read_response(sock, buffer)[2])["pathParameters"]["id"] == "again"


def test_concurrent_connections_overlap_and_each_gets_its_own_answer(served):
    _, base, _, _ = served

    def call(n: int) -> str:
        with requests.Session() as session:
            return "".join(
                session.get(f"{base}/apps/{n}-{i}").json()["pathParameters"]["id"] for i in range(5)
            )

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(call, range(16)))
    assert answers == ["".join(f"{n}-{i}" for i in range(5)) for n in range(16)]


def test_a_body_sent_in_pieces_and_a_chunked_body_arrive_whole(served):
    _, _, host, port = served
    body = json.dumps({"name": "demo", "padding": "x" * 3000}).encode()
    with connect(host, port) as sock:
        data = request_bytes("POST", "/dev/apps", body, Content_Type="application/json")
        for piece in (data[:10], data[10:200], data[200:-7], data[-7:]):
            sock.sendall(piece)
            time.sleep(0.05)
        buffer = bytearray()
        status, _, answer = read_response(sock, buffer)
        assert status == 200 and json.loads(json.loads(answer)["body"]) == json.loads(body)
        chunked = (
            b"POST /dev/apps HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"
        )
        sock.sendall(chunked[:60])
        time.sleep(0.05)
        sock.sendall(chunked[60:])
        status, _, answer = read_response(sock, buffer)
        assert status == 200 and json.loads(answer)["body"] == "hello world"


def test_expect_100_continue_gets_an_interim_response(served):
    _, _, host, port = served
    with connect(host, port) as sock:
        sock.sendall(
            b"POST /dev/apps HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        buffer = bytearray()
        assert read_response(sock, buffer)[0] == 100
        sock.sendall(b"ping")
        status, _, answer = read_response(sock, buffer)
        assert status == 200 and json.loads(answer)["body"] == "ping"


def test_clients_that_hang_up_mid_request_do_not_break_the_server(served):
    _, base, host, port = served
    for partial in (b"GET /dev/apps/1 HTTP/1.1\r\nHo", request_bytes("POST", "/dev/apps")[:-2]):
        with connect(host, port) as sock:
            sock.sendall(partial)
    with connect(host, port) as sock:  # a body shorter than its Content-Length
        sock.sendall(b"POST /dev/apps HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
    with connect(host, port) as sock:  # gone before the answer is written
        sock.sendall(request_bytes("GET", "/dev/apps/1"))
    assert requests.get(f"{base}/apps/after").json()["pathParameters"] == {"id": "after"}


def test_head_connection_close_http_1_0_and_bad_requests(served):
    _, base, host, port = served
    head = requests.head(f"{base}/apps/1")  # no HEAD method: API Gateway's 403, without a body
    assert head.status_code == 403 and int(head.headers["Content-Length"]) > 0
    assert head.content == b""
    with connect(host, port) as sock:
        sock.sendall(request_bytes("GET", "/dev/apps/1", Connection="close"))
        buffer = bytearray()
        status, headers, _ = read_response(sock, buffer)
        assert status == 200 and headers["connection"] == "close"
        assert sock.recv(10) == b""  # closed by the server
    with connect(host, port) as sock:
        sock.sendall(b"GET /dev/apps/1 HTTP/1.0\r\n\r\n")
        assert read_response(sock, bytearray())[0] == 200
        assert sock.recv(10) == b""
    with connect(host, port) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert read_response(sock, bytearray())[0] == 400
    with connect(host, port) as sock:
        sock.sendall(b"BREW /dev/apps HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert read_response(sock, bytearray())[0] == 501
    outside = requests.get(base.replace("/dev", "/elsewhere"))
    assert outside.status_code == 403
    assert outside.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_served_logs_are_in_cloudwatch_when_the_response_arrives(served):
    aws, base, _, _ = served
    logs = aws.client("logs")
    for n in range(3):
        assert requests.get(f"{base}/apps/{n}").ok
        events = logs.filter_log_events(logGroupName="/aws/lambda/echo")["events"]
        messages = [e["message"] for e in events]
        assert sum(m.startswith("START RequestId:") for m in messages) == n + 1
        assert sum(m.startswith("REPORT RequestId:") for m in messages) == n + 1
    reports = [m for m in messages if m.startswith("REPORT")]
    assert "Init Duration" in reports[0] and "Init Duration" not in reports[-1]  # cold, warm


def test_served_timeouts_errors_and_authorizers_keep_their_answers(aws):
    short, long = slow_functions(aws)
    api = Api(aws)
    api.proxy("/short", "GET", short["FunctionArn"])
    api.proxy("/long", "GET", long["FunctionArn"], timeout_ms=1000)
    api.deploy("dev")
    base = aws.serve_api(api.id, "dev")
    fast = create(aws, "fast", ECHO)["FunctionArn"]
    api.proxy("/fast", "GET", fast)
    api.deploy("dev")
    results: dict[str, requests.Response] = {}

    def fetch(name: str) -> None:
        results[name] = requests.get(f"{base}/{name}")

    threads = [threading.Thread(target=fetch, args=(n,)) for n in ("short", "long")]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert requests.get(f"{base}/fast").ok  # not held up by the two slow ones
    assert time.monotonic() - started < 0.9
    for thread in threads:
        thread.join()
    assert results["short"].status_code == 502  # the function's own timeout
    assert results["long"].status_code == 504
    assert results["long"].json() == {"message": "Endpoint request timed out"}

    auth_api, _ = authorized_api(aws, "TOKEN")
    auth_base = aws.serve_api(auth_api.id, "dev")
    assert requests.post(f"{auth_base}/apps").status_code == 401
    assert requests.post(f"{auth_base}/apps", headers={"Authorization": "bad"}).status_code == 403
    event = requests.post(f"{auth_base}/apps", headers={"Authorization": "admin"}).json()
    assert event["requestContext"]["authorizer"]["principalId"] == "user-admin"


def test_stopping_the_sandbox_closes_the_port(aws):
    api, _ = echo_api(aws)
    api.deploy("dev")
    parts = urlsplit(aws.serve_api(api.id, "dev"))
    assert requests.get(f"http://{parts.netloc}/dev/apps/1").ok
    aws.reset()
    with pytest.raises(OSError):
        connect(parts.hostname, parts.port).recv(1)
