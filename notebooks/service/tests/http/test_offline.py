"""The whole service over HTTP, the way a client sees it: `workshop sls offline` in this folder.

`offline` packages and deploys this very folder into a sandbox of its own (API Gateway with
the API key, usage plan and authorizer; Lambda in worker processes; the DynamoDB table) and
serves the stage on a local port. Slowest layer of the pyramid, so: one server, few tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from auth.tokens import mint
from events import SECRET

SERVICE_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120


class Offline:
    """A running `workshop sls offline`: its base URL and the stage's API key."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url, self.api_key = url, api_key

    def call(self, method: str, path: str, *, token: str | None = None, **kwargs):
        headers = {"x-api-key": self.api_key, **kwargs.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)


def _first_line(process: subprocess.Popen, timeout_s: float) -> str:
    """The server's first line of output, or a failure that shows what it printed instead."""
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    if not line or not line[0].startswith("Serverless offline listening on "):
        process.kill()
        _, err = process.communicate(timeout=10)
        pytest.fail(f"`workshop sls offline` did not start: {line[:1]} {err[-2000:]}")
    return line[0]


@pytest.fixture(scope="module")
def offline() -> Iterator[Offline]:
    environment = {**os.environ, "JWT_SECRET": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "workshop_lib.cli", "sls", "offline", "--port", "0"],
        cwd=SERVICE_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _first_line(process, START_TIMEOUT_S)
        # Serverless offline listening on http://127.0.0.1:PORT/dev (API key workshop-key: K)
        url = line.split()[4]
        api_key = line.split("(API key workshop-key: ")[1].rstrip(")\n")
        yield Offline(url, api_key)
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def writer() -> str:
    return mint("alice", ["apps:write"], secret=SECRET)


def test_every_route_without_the_api_key_is_forbidden(offline):
    for method, path in [("GET", "/apps"), ("GET", "/apps/x"), ("POST", "/apps")]:
        response = requests.request(method, offline.url + path, timeout=30)
        assert (response.status_code, response.json()) == (403, {"message": "Forbidden"})


def test_writes_need_a_token_with_the_write_scope(offline):
    body = {"id": "no-token", "release": 1, "version": "1.0.0"}
    missing = offline.call("POST", "/apps", json=body)
    assert (missing.status_code, missing.json()) == (401, {"message": "Unauthorized"})
    reader = mint("bob", ["apps:read"], secret=SECRET)
    assert offline.call("POST", "/apps", json=body, token=reader).status_code == 403
    forged = mint("alice", ["apps:write"], secret="another-secret-at-least-32-bytes-long")
    assert offline.call("POST", "/apps", json=body, token=forged).status_code == 401


def test_create_list_and_read_an_app(offline, writer):
    body = {"id": "weather", "release": 1, "version": "1.0.0", "notes": "first"}
    created = offline.call("POST", "/apps", json=body, token=writer)
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/dev/apps/weather/releases/1"
    assert created.headers["Access-Control-Allow-Origin"] == "*"
    again = offline.call("POST", "/apps", json=body, token=writer)
    assert again.status_code == 409
    listed = offline.call("GET", "/apps").json()
    assert ("weather", 1) in {(item["id"], item["release"]) for item in listed["items"]}
    app = offline.call("GET", "/apps/weather").json()
    assert [r["release"] for r in app["releases"]] == [1]


def test_invalid_bodies_are_400_with_field_errors(offline, writer):
    response = offline.call("POST", "/apps", json={"id": "x", "release": 0}, token=writer)
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"release", "version"} <= fields


@pytest.mark.exercise("apps/get_release.py")
def test_read_one_release_and_a_missing_one(offline, writer):
    body = {"id": "maps", "release": 2, "version": "2.0.0"}
    assert offline.call("POST", "/apps", json=body, token=writer).status_code == 201
    found = offline.call("GET", "/apps/maps/releases/2")
    assert found.status_code == 200 and found.json()["version"] == "2.0.0"
    missing = offline.call("GET", "/apps/maps/releases/3")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Release 3 of app 'maps' not found"


def test_delete_a_release_then_it_is_gone(offline, writer):
    body = {"id": "notes", "release": 1, "version": "0.1.0"}
    assert offline.call("POST", "/apps", json=body, token=writer).status_code == 201
    assert offline.call("DELETE", "/apps/notes/releases/1").status_code == 401
    deleted = offline.call("DELETE", "/apps/notes/releases/1", token=writer)
    assert (deleted.status_code, deleted.text) == (204, "")
    assert offline.call("GET", "/apps/notes").status_code == 404
    assert offline.call("DELETE", "/apps/notes/releases/1", token=writer).status_code == 404


def test_a_browser_preflight_gets_cors_headers(offline):
    response = requests.options(
        offline.url + "/apps",
        headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
