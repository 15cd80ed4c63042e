"""Nothing leaves the machine, even with real-looking credentials, a profile and endpoints."""

from __future__ import annotations

import os
import socket

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


@pytest.fixture
def outbound_attempts(monkeypatch):
    """Records and fails every socket to a non-loopback address, independent of netguard."""
    attempts: list[tuple] = []
    original = socket.socket.connect

    def connect(self, address):
        inet = self.family in (socket.AF_INET, socket.AF_INET6)
        if inet and not netguard.is_loopback_host(str(address[0])):
            attempts.append(address)
            raise OSError(f"test blocked a connection to {address}")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", _loopback_only_dns(socket.getaddrinfo, attempts))
    return attempts


def _loopback_only_dns(original, attempts):
    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not netguard.is_loopback_host(str(host)):
            attempts.append(("dns", host))
            raise socket.gaierror(f"test blocked a DNS lookup of {host}")
        return original(host, *args, **kwargs)

    return getaddrinfo


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
    assert os.environ["AWS_PROFILE"] == "production"  # restored afterwards


def test_the_mock_alone_keeps_traffic_local_even_without_the_guard(
    real_looking_user, outbound_attempts, monkeypatch
):
    """Defence in depth: with netguard switched off, moto still answers every call."""
    monkeypatch.setattr(netguard, "install", lambda: None)
    monkeypatch.setattr(netguard, "uninstall", lambda: None)
    with sandbox() as aws:
        exercise_aws(aws)
    assert outbound_attempts == []


def test_the_guard_refuses_non_loopback_sockets_while_running():
    original = socket.socket.connect
    with sandbox(), socket.socket() as sock:
        assert netguard.active()
        with pytest.raises(netguard.SandboxNetworkError, match="real_aws_costs_money=True"):
            sock.connect(("192.0.2.1", 443))
        with pytest.raises(netguard.SandboxNetworkError):
            sock.connect_ex(("203.0.113.5", 80))
    assert socket.socket.connect is original and not netguard.active()


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


def test_real_aws_opt_in_leaves_the_environment_alone(real_looking_user, capsys):
    before = dict(os.environ)
    box = sandbox(real_aws_costs_money=True)
    assert box.mode == "real-aws"
    with box:
        assert dict(os.environ) == before
        assert not netguard.active()
        with pytest.raises(sandbox.SandboxError, match="real AWS"):
            box.reset()
    assert "may cost money" in capsys.readouterr().err
