"""Nothing leaves the machine, even with real-looking credentials, a profile and endpoints."""

from __future__ import annotations

import os
import socket
import sys

import boto3
import pytest

from workshop_lib import netguard, sandbox

REAL_LOOKING = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_PROFILE": "production",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_ENDPOINT_URL": "https://dynamodb.eu-central-1.amazonaws.com",
    "AWS_ENDPOINT_URL_S3": "https://s3.eu-central-1.amazonaws.com",
    "AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/admin",
}


@pytest.fixture
def real_looking_user(tmp_path, monkeypatch):
    """A user whose shell and ~/.aws point at a real account."""
    config = tmp_path / "config"
    config.write_text(
        "[profile production]\nregion = eu-central-1\n"
        "endpoint_url = https://dynamodb.eu-central-1.amazonaws.com\n"
        "credential_process = /bin/false\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[production]\naws_access_key_id = AKIAREALREALREAL\naws_secret_access_key = x\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    for key, val in REAL_LOOKING.items():
        monkeypatch.setenv(key, val)


# -- the test's own guard: an audit hook behind netguard's -------------------------------------
# CPython raises these audit events in C before the system call (for _socket too). The hook
# is added once per process, after netguard's (added by the install/disarm below), so it
# sees exactly what netguard let through: it records that and refuses it, so no test ever
# sends off this machine, not even to show that netguard would have refused.
_ATTEMPTS: list[tuple] = []


def _is_local(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    return host in ("", "0.0.0.0", "::") or netguard.is_loopback_host(str(host))


def _is_ip(host) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host))
    except ValueError:
        return False
    return True


def _test_audit(event, args):
    if not event.startswith("socket."):
        return
    host = None
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            host = address[0]
    elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
        host = None if _is_ip(args[0]) else args[0]  # an address is parsed, not looked up
    elif event == "socket.gethostbyaddr":
        host = args[0]
    elif event == "socket.getnameinfo":
        host = args[0][0]
    if host is not None and not _is_local(host):
        _ATTEMPTS.append((event, host))
        raise OSError(f"the test refused {event} to {host} (netguard let it through)")


def _add_test_hook_once() -> None:
    if not getattr(socket, "_workshop_test_hook", False):
        was_armed = netguard.active()
        netguard.install()  # netguard's hook first...
        netguard.uninstall()
        if not was_armed and hasattr(netguard, "disarm"):
            netguard.disarm()
        sys.addaudithook(_test_audit)  # ...then the recorder, behind it
        socket._workshop_test_hook = True


@pytest.fixture
def outbound_attempts():
    """What reached the system-call edge for a non-loopback host (refused there)."""
    _add_test_hook_once()
    _ATTEMPTS.clear()
    yield _ATTEMPTS
    _ATTEMPTS.clear()


def exercise_aws(aws):
    ddb = boto3.client("dynamodb")
    ddb.create_table(
        TableName="accounts",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="accounts", Item={"id": {"S": "1"}})
    boto3.client("s3").create_bucket(Bucket="workshop-bucket")
    boto3.resource("s3").Object("workshop-bucket", "k").put(Body=b"x")
    aws.client("sqs").create_queue(QueueName="q")
    return ddb


def test_real_looking_environment_is_ignored_and_no_socket_leaves(
    real_looking_user, outbound_attempts
):
    with sandbox() as aws:
        ddb = exercise_aws(aws)
        creds = boto3.Session().get_credentials().get_frozen_credentials()
        assert creds.access_key == "testing"
        assert ddb.meta.region_name == "us-east-1"
        assert ddb.meta.endpoint_url == "https://dynamodb.us-east-1.amazonaws.com"  # moto's
    assert outbound_attempts == []
    assert "AWS_PROFILE" not in os.environ  # still hidden after stop: see the opt-in test


def test_the_mock_alone_keeps_traffic_local_even_without_the_guard(
    real_looking_user, outbound_attempts, monkeypatch
):
    """Defence in depth: with netguard switched off, moto still answers every call."""
    netguard.disarm()
    monkeypatch.setattr(netguard, "install", lambda: None)
    monkeypatch.setattr(netguard, "uninstall", lambda: None)
    with sandbox() as aws:
        exercise_aws(aws)
    assert outbound_attempts == []


def test_the_guard_refuses_non_loopback_sockets_while_running_and_after_stop(
    outbound_attempts,
):
    with sandbox(), socket.socket() as sock:
        assert netguard.active()
        with pytest.raises(netguard.SandboxNetworkError, match="real_aws_costs_money=True"):
            sock.connect(("192.0.2.1", 443))
        with pytest.raises(netguard.SandboxNetworkError):
            sock.connect_ex(("203.0.113.5", 80))
    assert netguard.active() and not netguard.running()
    with socket.socket() as sock, pytest.raises(netguard.SandboxNetworkError, match="stopped"):
        sock.connect(("192.0.2.1", 443))
    assert outbound_attempts == []


def test_the_guard_lets_loopback_through():
    import socketserver
    import threading

    class Echo(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(self.request.recv(16))

    with socketserver.TCPServer(("127.0.0.1", 0), Echo) as server:
        threading.Thread(target=server.handle_request, daemon=True).start()
        with sandbox(), socket.create_connection(server.server_address, timeout=5) as sock:
            sock.sendall(b"ping")
            assert sock.recv(16) == b"ping"


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://dynamodb.us-east-1.amazonaws.com",
        "http://10.0.0.5:4566",
        "http://example.com:5000",
    ],
)
def test_non_loopback_endpoints_need_the_explicit_opt_in(endpoint):
    with pytest.raises(sandbox.SandboxError, match="real_aws_costs_money=True"):
        sandbox(endpoint=endpoint)


def test_real_aws_opt_in_gives_the_environment_and_network_back(real_looking_user, capsys):
    with sandbox():
        pass  # a stopped sandbox keeps the process contained...
    box = sandbox(real_aws_costs_money=True)
    assert box.mode == "real-aws"
    with box:  # ...until the explicit opt-in
        assert {key: os.environ.get(key) for key in REAL_LOOKING} == REAL_LOOKING
        assert os.environ.get("AWS_SESSION_TOKEN") != "testing"
        assert not netguard.active()
        with pytest.raises(sandbox.SandboxError, match="real AWS"):
            box.reset()
    assert "may cost money" in capsys.readouterr().err


def test_the_guard_is_armed_again_by_the_next_sandbox_after_an_opt_in(outbound_attempts):
    with sandbox(real_aws_costs_money=True):
        assert not netguard.active()
    with sandbox():
        assert netguard.active()
        with pytest.raises(netguard.SandboxNetworkError):
            socket.getaddrinfo("dynamodb.eu-central-1.amazonaws.com", 443)
    assert outbound_attempts == []


# -- 1. containment outlives stop() --------------------------------------------------------------
STOPPED = r"sandbox is stopped: re-run the notebook's first cell, or call aws\.start\(\)"


def test_after_stop_every_aws_call_fails_at_once_and_says_what_to_do(
    real_looking_user, outbound_attempts
):
    aws = sandbox().start()
    inside = boto3.client("dynamodb")  # made while the sandbox ran
    inside.list_tables()
    aws.stop()  # the notebook's last cell
    after = boto3.client("lambda")  # made after: not the learner's account or region
    assert after.meta.region_name == "us-east-1"
    assert boto3.Session().get_credentials().access_key == "testing"
    attempts = []
    for client in (inside, after):
        client.meta.events.register("request-created", lambda **_: attempts.append(1))
    calls = [
        inside.list_tables,
        lambda: after.create_function(
            FunctionName="f",
            Runtime="python3.12",
            Role="arn:aws:iam::123456789012:role/r",
            Handler="h.handler",
            Code={"ZipFile": b"x"},
        ),
        lambda: boto3.resource("s3").Bucket("learner-bucket").create(),
    ]
    for call in calls:
        with pytest.raises(netguard.SandboxNetworkError, match=STOPPED) as refused:
            call()
        assert "\n" not in str(refused.value) and "amazonaws.com" in str(refused.value)
    assert attempts == [1, 1]  # once each: no retries, no back-off
    assert outbound_attempts == []


def test_after_stop_other_libraries_are_refused_too_with_the_same_next_step(outbound_attempts):
    import requests

    with sandbox():
        pass
    with pytest.raises(requests.ConnectionError, match=STOPPED):
        requests.get("https://abc123.lambda-url.eu-west-1.on.aws/", timeout=5)
    assert outbound_attempts == []


def test_a_stopped_sandbox_starts_again_in_the_same_process(real_looking_user, outbound_attempts):
    aws = sandbox().start()
    aws.stop()
    aws.start()  # aws.start(), as the refusal says
    ddb = boto3.client("dynamodb")
    assert ddb.list_tables()["TableNames"] == []
    aws.stop()
    with sandbox() as again:  # or re-running the first cell
        again.client("sqs").create_queue(QueueName="q")
        assert boto3.client("sqs").list_queues()["QueueUrls"]
    assert outbound_attempts == []


# -- 2. one network guard: name resolution and every send path -----------------------------------
def _lookups():
    import _socket
    import urllib.request

    import requests

    return {
        "getaddrinfo": lambda: socket.getaddrinfo("abc.lambda-url.eu-west-1.on.aws", 443),
        "_socket.getaddrinfo": lambda: _socket.getaddrinfo("example.com", 443),
        "gethostbyname": lambda: socket.gethostbyname("example.com"),
        "gethostbyname_ex": lambda: socket.gethostbyname_ex("example.com"),
        "gethostbyaddr": lambda: socket.gethostbyaddr("192.0.2.1"),
        "getnameinfo": lambda: socket.getnameinfo(("192.0.2.1", 443), 0),
        "create_connection": lambda: socket.create_connection(("example.com", 443), timeout=2),
        "urllib": lambda: urllib.request.urlopen("http://example.com/", timeout=2),
        "requests": lambda: requests.get("https://example.com/", timeout=2),
    }


@pytest.mark.parametrize(
    "how",
    [
        "getaddrinfo",
        "_socket.getaddrinfo",
        "gethostbyname",
        "gethostbyname_ex",
        "gethostbyaddr",
        "getnameinfo",
        "create_connection",
        "urllib",
        "requests",
    ],
)
def test_name_lookups_off_the_machine_are_refused_before_they_are_made(how, outbound_attempts):
    lookup = _lookups()[how]
    with sandbox(), pytest.raises(OSError, match=r"refused a name lookup of \S+"):
        lookup()
    assert outbound_attempts == []


def _send(how: str) -> None:
    import _socket

    kind = socket.SOCK_DGRAM if how.endswith(("sendto", "sendmsg")) else socket.SOCK_STREAM
    family = socket.AF_INET6 if "v6" in how else socket.AF_INET
    address = ("2001:db8::1", 443, 0, 0) if "v6" in how else ("192.0.2.1", 443)
    if "by name" in how:
        address = ("example.com", 443)  # C would resolve it before its audit event
    cls = _socket.socket if how.startswith("_socket") else socket.socket
    sock = cls(family, kind)
    try:
        if how.endswith("connect_ex"):
            sock.connect_ex(address)
        elif how.endswith("sendto"):
            sock.sendto(b"x", address)
        elif how.endswith("sendmsg"):
            sock.sendmsg([b"x"], [], 0, address)
        else:
            sock.connect(address)
    finally:
        sock.close()


@pytest.mark.parametrize(
    "how",
    [
        "connect",
        "connect_ex",
        "sendto",
        "sendmsg",
        "v6 connect",
        "connect by name",
        "sendto by name",
        "_socket connect",
        "_socket connect_ex",
        "_socket sendto",
        "_socket sendmsg",
        "_socket v6 connect",
    ],
)
def test_every_send_path_is_refused_at_the_socket_level_too(how, outbound_attempts):
    with (
        sandbox(),
        pytest.raises(netguard.SandboxNetworkError, match=r"refused (a connection|sending) to"),
    ):
        _send(how)
    assert outbound_attempts == []


def test_the_sandboxs_own_aws_hostnames_never_need_a_lookup(
    real_looking_user, outbound_attempts, monkeypatch
):
    """Service endpoints and execute-api URLs are answered in-process: netguard never has to
    refuse a lookup for them (it would have, for any name that reached a socket)."""
    import requests

    refused: list[str] = []
    original = netguard.refusal

    def recording(what, host):
        refused.append(host)
        return original(what, host)

    monkeypatch.setattr(netguard, "refusal", recording)
    with sandbox() as aws:
        exercise_aws(aws)
        boto3.client("sts").get_caller_identity()
        boto3.client("lambda").list_functions()
        boto3.client("s3").list_objects_v2(Bucket="workshop-bucket")
        api = boto3.client("apigateway")
        rest_api = api.create_rest_api(name="a")["id"]
        root = api.get_resources(restApiId=rest_api)["items"][0]["id"]
        api.put_method(
            restApiId=rest_api, resourceId=root, httpMethod="GET", authorizationType="NONE"
        )
        api.put_integration(
            restApiId=rest_api,
            resourceId=root,
            httpMethod="GET",
            type="MOCK",
            requestTemplates={"application/json": '{"statusCode": 200}'},
        )
        api.create_deployment(restApiId=rest_api, stageName="dev")
        url = f"https://{rest_api}.execute-api.us-east-1.amazonaws.com/dev/"
        assert requests.get(url, timeout=5).status_code == 200
    assert refused == [] and outbound_attempts == []


def test_netguard_loads_by_path_without_the_package(tmp_path):
    """The Lambda worker loads it by file path (standard library only), and says in its
    refusals where they come from."""
    import subprocess

    from workshop_lib import netguard as module

    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('netguard', {module.__file__!r})\n"
        "guard = importlib.util.module_from_spec(spec); spec.loader.exec_module(guard)\n"
        "guard.install(hint='A Lambda function reaches only this machine.')\n"
        "import socket\n"
        "try:\n"
        "    socket.getaddrinfo('example.com', 443)\n"
        "except guard.SandboxNetworkError as e:\n"
        "    print('refused', e)\n"
        "print(sorted(m for m in sys.modules if m.startswith('workshop_lib')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=30, cwd=tmp_path
    ).stdout
    assert (
        "refused workshop sandbox refused a name lookup of example.com:443. "
        "A Lambda function reaches only this machine." in out
    )
    assert out.strip().endswith("[]")


def test_the_moto_seams_the_guards_rely_on():
    """sdkguard lets through what moto's mock answers: its before-send stubber, on while a
    mock runs."""
    import botocore.handlers
    from moto import mock_aws
    from moto.core import models

    assert ("before-send", models.botocore_stubber) in botocore.handlers.BUILTIN_HANDLERS
    with mock_aws():
        assert models.botocore_stubber.enabled is True
    assert models.botocore_stubber.enabled is False


def test_an_address_is_parsed_not_looked_up_and_its_connection_refused(outbound_attempts):
    """create_connection to an IP address: getaddrinfo only parses it (no DNS), so the
    refusal names the connection, as notebook 00 shows."""
    with sandbox(), pytest.raises(netguard.SandboxNetworkError, match="a connection to 192"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    assert outbound_attempts == []


def test_guarded_arms_for_a_block_and_leaves_the_process_as_it_was(outbound_attempts):
    netguard.disarm()
    with netguard.guarded():
        assert netguard.active()
        with pytest.raises(netguard.SandboxNetworkError, match="example.com"):
            socket.getaddrinfo("example.com", 443)
    assert not netguard.active()  # not armed before: not armed after
    with sandbox():
        pass
    with netguard.guarded():
        pass
    assert netguard.active()  # armed before (a stopped sandbox): still armed
    assert outbound_attempts == []
