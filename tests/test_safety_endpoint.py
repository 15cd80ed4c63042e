"""The loopback endpoint (aws.endpoint_url, `workshop sandbox start`) refuses foreign pages.

A web page open in the learner's browser can send requests to 127.0.0.1, or to a name it
controls that resolves there (DNS rebinding). These requests are sent as a browser would
send them, to the real endpoint on loopback.
"""

from __future__ import annotations

import http.client
import json
import os
from urllib.parse import urlsplit

import boto3
import pytest

from workshop_lib import netguard, sandbox, server

EVIL = "https://evil.example"


def send(url: str, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    """One request with exactly these headers (``Host`` included when given)."""
    parts = urlsplit(url)
    headers = {"Host": parts.netloc, **headers}
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served():
    """One sandbox for the module: each endpoint start builds moto's apps again (~0.5 s)."""
    aws = sandbox()
    aws.shared_by_module = True
    yield aws
    aws.stop()


@pytest.fixture
def endpoint(served):
    """The served endpoint, with one table in it."""
    served.start()  # again, if a test in between started its own sandbox
    ddb = served.client("dynamodb")
    if "kept" not in ddb.list_tables()["TableNames"]:
        ddb.create_table(
            TableName="kept",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return served.endpoint_url


def tables(url: str) -> list[str]:
    return boto3.client("dynamodb", endpoint_url=url).list_tables()["TableNames"]


@pytest.mark.parametrize("host", ["rebind.example", "rebind.example:5000", "10.0.0.5", ""])
def test_a_host_that_is_not_loopback_is_refused_before_any_action(endpoint, host):
    for method, path in (("GET", "/moto-api/data.json"), ("POST", "/moto-api/reset")):
        status, headers, body = send(endpoint, method, path, {"Host": host})
        assert status == 403, (method, path)
        assert json.loads(body)["__type"] == "AccessDeniedException"
        assert "127.0.0.1" in json.loads(body)["message"]  # what to use instead
    assert tables(endpoint) == ["kept"]  # the reset never ran


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"])
def test_loopback_hosts_are_served(endpoint, host):
    port = urlsplit(endpoint).port
    status, _, _ = send(endpoint, "GET", "/moto-api/data.json", {"Host": host.format(port=port)})
    assert status == 200


def test_no_cors_grant_to_a_foreign_origin_and_its_requests_are_refused(endpoint):
    for method, path in (("GET", "/moto-api/data.json"), ("POST", "/moto-api/reset")):
        status, headers, _ = send(endpoint, method, path, {"Origin": EVIL})
        assert status == 403
        assert not any(k.lower().startswith("access-control-") for k in headers)
    preflight = {"Origin": EVIL, "Access-Control-Request-Method": "POST"}
    status, headers, _ = send(endpoint, "OPTIONS", "/", preflight)
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    assert tables(endpoint) == ["kept"]


def test_requests_without_an_origin_get_no_cors_headers(endpoint):
    status, headers, _ = send(endpoint, "GET", "/moto-api/data.json", {})
    assert status == 200
    assert not any(k.lower().startswith("access-control-") for k in headers)


def test_cross_site_state_changes_are_refused_and_same_origin_ones_served(endpoint):
    cross_site = {"Sec-Fetch-Site": "cross-site"}  # a form post: some browsers send no Origin
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert send(endpoint, method, "/", cross_site)[0] == 403
    assert send(endpoint, "GET", "/moto-api/reset", cross_site)[0] == 403
    assert tables(endpoint) == ["kept"]
    same_origin = {"Origin": endpoint, "Sec-Fetch-Site": "same-origin"}
    assert send(endpoint, "POST", "/moto-api/reset", same_origin)[0] == 200
    assert tables(endpoint) == []


def test_an_allow_listed_front_end_gets_cors_and_may_change_state():
    mine = "http://localhost:3000"
    with sandbox(cors_origins=[mine + "/"]) as aws:
        url = aws.endpoint_url
        preflight = {
            "Origin": mine,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target",
        }
        status, headers, _ = send(url, "OPTIONS", "/", preflight)
        assert status == 204
        assert headers["Access-Control-Allow-Origin"] == mine
        assert headers["Access-Control-Allow-Headers"] == "content-type,x-amz-target"
        status, headers, _ = send(
            url, "POST", "/moto-api/reset", {"Origin": mine, "Sec-Fetch-Site": "cross-site"}
        )
        assert status == 200 and headers["Access-Control-Allow-Origin"] == mine
        assert send(url, "GET", "/moto-api/data.json", {"Origin": EVIL})[0] == 403


@pytest.mark.parametrize("origin", ["localhost:3000", "http://localhost:3000/app", "*"])
def test_an_origin_that_is_not_one_says_what_to_give(origin):
    with pytest.raises(sandbox.SandboxError, match="e.g. http://localhost:3000"):
        sandbox(cors_origins=[origin])


def test_the_server_command_takes_cors_origins(monkeypatch, capsys):
    from workshop_lib import cli

    served = {}
    monkeypatch.setattr(server, "serve", lambda *args: served.setdefault("args", args))
    server.main(["--port", "5999", "--cors-origin", "http://localhost:3000"])
    assert served["args"][3] == ["http://localhost:3000"]
    with pytest.raises(SystemExit):
        cli.main(["sandbox", "start", "--cors-origin", "localhost:3000"])
    assert "e.g. http://localhost:3000" in capsys.readouterr().err


def test_a_stopped_server_mode_sandbox_forgets_its_endpoint():
    """A client made after a server-mode sandbox stopped goes nowhere, with the next step."""
    from tests.test_safety import STOPPED

    with sandbox():
        pass  # this process's moto state, served below as another process's server would
    endpoint = server.LoopbackEndpoint().start()
    try:
        with sandbox(endpoint=endpoint.url) as aws:
            assert os.environ["AWS_ENDPOINT_URL"] == endpoint.url
            aws.client("sqs").list_queues()
        assert "AWS_ENDPOINT_URL" not in os.environ
        with pytest.raises(netguard.SandboxNetworkError, match=STOPPED):
            boto3.client("sqs").list_queues()
    finally:
        endpoint.stop()


def test_the_moto_server_seams_the_endpoint_builds_on():
    from moto.moto_server import werkzeug_app

    assert callable(werkzeug_app.DomainDispatcherApplication)
    assert callable(werkzeug_app.create_backend_app)
    from werkzeug.serving import WSGIRequestHandler

    assert issubclass(werkzeug_app.MotoRequestHandler, WSGIRequestHandler)
