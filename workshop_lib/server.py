"""``workshop sandbox start``: a moto server on loopback that other processes share.

The server runs in its own process (``python -m workshop_lib.server --port N``), records
its pid under ``$WORKSHOP_HOME`` so ``workshop sandbox stop`` can find it, and refuses
non-loopback sockets like the in-process sandbox.

:class:`LoopbackEndpoint` is the endpoint itself, here and behind ``aws.endpoint_url``:
moto's server application behind :class:`EndpointGuard`, so a web page open in the
learner's browser can neither read, reset nor drive the sandbox (Jupyter Server's Host and
Origin checks are the model).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workshop_lib import netguard

# how often the serving loop looks for a stop request: stop() waits at most this long
STOP_POLL_S = 0.05

_STATE_CHANGING = frozenset({"POST", "PUT", "DELETE", "PATCH"})


def cors_origin(value: str) -> str:
    """An allow-listed origin as browsers send it (``http://localhost:3000``); a
    ValueError saying the fix for anything else."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(
            f"CORS origin {value!r} is not an origin: give scheme, host and port only, "
            "e.g. http://localhost:3000"
        )
    return f"{parts.scheme}://{parts.netloc}".lower()


class EndpointGuard:
    """WSGI middleware in front of a loopback endpoint.

    - a ``Host`` that is not loopback (DNS rebinding: ``rebind.example`` resolving to
      127.0.0.1) gets 403 before the application sees the request;
    - an ``Origin`` that is neither this endpoint nor allow-listed gets 403 (whatever the
      method: moto runs Query-protocol actions from GET requests too);
    - a state-changing request (POST, PUT, DELETE, PATCH, or ``/moto-api/reset``) that
      the browser marks ``Sec-Fetch-Site: cross-site`` gets 403 (forms send no Origin in
      some browsers);
    - no CORS headers, except for allow-listed origins (a learner's own front end).
    """

    def __init__(self, app: Callable[..., Any], cors_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.cors_origins = frozenset(cors_origin(origin) for origin in cors_origins)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        host = environ.get("HTTP_HOST")
        if not netguard.is_loopback_host_header(host):
            return _forbidden(
                start_response,
                f"Host {host!r} is not this machine: the sandbox answers only requests for "
                "127.0.0.1, localhost or [::1]; use http://127.0.0.1:PORT",
            )
        origin = environ.get("HTTP_ORIGIN")
        allowed = origin is not None and origin.lower() in self.cors_origins
        if origin is not None and not allowed and urlsplit(origin).netloc != host:
            return _forbidden(
                start_response,
                f"requests from the web page at {origin} are refused: if it is your own front "
                "end, allow it with sandbox(cors_origins=[...]) or `workshop sandbox start "
                f"--cors-origin {origin}`",
            )
        method = environ.get("REQUEST_METHOD", "GET")
        changes_state = method in _STATE_CHANGING or environ.get("PATH_INFO", "").startswith(
            "/moto-api/reset"
        )
        if changes_state and not allowed and environ.get("HTTP_SEC_FETCH_SITE") == "cross-site":
            return _forbidden(
                start_response,
                "a cross-site request from a web page may not change the sandbox: send it "
                "from your code, or allow your front end with --cors-origin",
            )
        cors = _cors_headers(origin, environ) if allowed else []
        if allowed and method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
            start_response("204 No Content", [*cors, ("Content-Length", "0")])
            return [b""]

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept + cors, exc_info)

        return self.app(environ, start)


def _cors_headers(origin: str | None, environ: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Access-Control-Allow-Origin", str(origin)),
        ("Vary", "Origin"),
        ("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, PATCH"),
        (
            "Access-Control-Allow-Headers",
            environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "*"),
        ),
        ("Access-Control-Expose-Headers", "*"),
        ("Access-Control-Max-Age", "600"),
    ]


def _forbidden(start_response: Callable[..., Any], message: str) -> list[bytes]:
    """An AWS-shaped 403 (JSON protocol's error body, the type in x-amzn-ErrorType)."""
    import json

    body = json.dumps({"__type": "AccessDeniedException", "message": message}).encode()
    start_response(
        "403 Forbidden",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", "AccessDeniedException"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


class ApiDispatcher:
    """WSGI middleware: requests for the sandbox's own APIs, answered by its API Gateway
    plug-ins instead of moto's control plane.

    - ``/restapis/{api}/{stage}/_user_request_/path``: a deployed REST API stage (the path
      LocalStack uses too: any HTTP client reaches it, no name lookup needed);
    - ``Host: {api}.execute-api.localhost``: a REST stage (``/{stage}/path``) or an HTTP
      API, and ``Host: {id}.lambda-url.localhost``: a function URL (browsers resolve
      ``*.localhost`` to this machine).
    """

    _USER_REQUEST = "/_user_request_"

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        from workshop_lib import sandbox

        path = environ.get("PATH_INFO", "")
        host = (environ.get("HTTP_HOST") or "").split(":", 1)[0].lower()
        box = sandbox.active()
        if box is None or box.mode != "in-process":
            return self.app(environ, start_response)
        parts = path.split("/", 4)  # "", "restapis", api, stage, "_user_request_/..."
        if len(parts) >= 5 and parts[1] == "restapis" and parts[4].startswith("_user_request_"):
            rest = parts[4][len("_user_request_") :] or "/"
            answer = box.plugin("apigateway").handle(parts[2], parts[3], _request(environ, rest))
            return _respond(start_response, answer)
        if host.endswith(".execute-api.localhost"):
            api_id = host.split(".", 1)[0]
            http_apis = box.plugin("apigatewayv2")
            if http_apis.http_api(api_id) is not None:
                return _respond(start_response, http_apis.handle(api_id, _request(environ, path)))
            stage, _, below = path.lstrip("/").partition("/")
            answer = box.plugin("apigateway").handle(api_id, stage, _request(environ, "/" + below))
            return _respond(start_response, answer)
        if host.endswith(".lambda-url.localhost"):
            url_id = host.split(".", 1)[0]
            answer = box.plugin("apigatewayv2").urls.handle(url_id, _request(environ, path))
            return _respond(start_response, answer)
        return self.app(environ, start_response)


def _request(environ: dict[str, Any], path: str) -> Any:
    from workshop_lib.apigateway.gateway import HttpRequest

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = [
        (key[5:].replace("_", "-").title(), value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    return HttpRequest(
        method=environ.get("REQUEST_METHOD", "GET"),
        path=path or "/",
        query=environ.get("QUERY_STRING", ""),
        headers=headers,
        body=body,
        source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
    )


def _respond(start_response: Callable[..., Any], answer: Any) -> list[bytes]:
    from http import HTTPStatus

    try:
        reason = HTTPStatus(answer.status).phrase
    except ValueError:
        reason = ""
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    start_response(
        f"{answer.status} {reason}".strip(), [*headers, ("Content-Length", str(len(answer.body)))]
    )
    return [answer.body]


class LoopbackEndpoint:
    """moto's server application on 127.0.0.1 in a thread, behind :class:`EndpointGuard`.

    It serves this process's moto state (the backends are process-wide), so other
    processes -- Lambda workers, the AWS CLI -- see what the notebook made.
    """

    def __init__(self, port: int = 0, cors_origins: Iterable[str] = ()) -> None:
        self.port = port
        self.cors_origins = list(cors_origins)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> LoopbackEndpoint:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request lines
        app = EndpointGuard(
            ApiDispatcher(DomainDispatcherApplication(create_backend_app)), self.cors_origins
        )
        self._server = make_server(
            "127.0.0.1", self.port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": STOP_POLL_S},
            name="workshop-endpoint",
            daemon=True,
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def state_dir() -> Path:
    """``$WORKSHOP_HOME`` (default ``~/.workshop``): pid files and saved progress."""
    return Path(os.environ.get("WORKSHOP_HOME") or Path.home() / ".workshop")


def pid_file(port: int) -> Path:
    return state_dir() / f"sandbox-{port}.pid"


def is_serving(port: int, timeout: float = 0.5) -> bool:
    """Whether a moto server answers on 127.0.0.1:port."""
    try:
        url = f"http://127.0.0.1:{port}/moto-api/data.json"
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def settle_heap() -> None:
    """Collect, then freeze what is left: moto, botocore and the deployed state are a few
    hundred MB of objects that live as long as the server. Python's full collections
    otherwise walk them all every few thousand requests, and each walk is a pause every
    request waiting then sees. For long-running server processes only: frozen objects are
    never collected."""
    import gc

    gc.collect()
    gc.freeze()


#: rounds of :func:`settle_young` between two full collections of the frozen heap
FULL_COLLECTION_EVERY = 120
_ROUNDS = itertools.count(1)


def settle_young() -> None:
    """Keep a long-running server's old generation small: collect the young generations
    and freeze the survivors, about twice a second.

    What a served API keeps grows all the time (each invocation leaves three CloudWatch log
    events, up to 10,000 per stream), and a full collection walks all of it: at a few
    thousand requests a second, a long pause every few seconds. Frozen objects are still
    freed when nothing refers to them; a reference cycle frozen while its request was in
    flight is not (moto's server, werkzeug on a thread per connection, leaves cycles: a
    request's socket, buffers and headers). So every ``FULL_COLLECTION_EVERY`` rounds (a
    minute at two a second) the frozen heap is collected once in full and frozen again: one
    pause a minute instead of a leak that never stops.
    """
    import gc

    if next(_ROUNDS) % FULL_COLLECTION_EVERY == 0:
        gc.unfreeze()
        gc.collect()
    else:
        gc.collect(1)
    gc.freeze()


def serve(
    port: int,
    seed: int | None = 0,
    region: str | None = None,
    cors_origins: Iterable[str] = (),
) -> None:
    """Serve a sandbox on 127.0.0.1:port until SIGTERM or Ctrl-C.

    It is a full in-process sandbox (moto plus every emulation plugin, so Lambda functions
    run) whose loopback endpoint is the server other processes use.
    """
    from workshop_lib.sandbox import DEFAULT_REGION, Sandbox

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    box = Sandbox(
        region or DEFAULT_REGION, seed=seed, port=port, cors_origins=list(cors_origins)
    ).start()
    settle_heap()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f"sandbox server listening on {box.endpoint_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while not done.wait(0.5):
            settle_young()
    box.stop()


def start(
    port: int = 5000,
    seed: int | None = 0,
    timeout: float = 30.0,
    region: str | None = None,
    cors_origins: Iterable[str] = (),
) -> int:
    """Start a detached server process; return its pid (the running one if already up)."""
    existing = _read_pid(port)
    if existing and _alive(existing) and is_serving(port):
        return existing
    if not port_free(port):
        raise RuntimeError(
            f"port {port} on 127.0.0.1 is in use by another program: choose another with "
            "--port, e.g. `workshop sandbox start --port 5001`"
        )
    state_dir().mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "workshop_lib.server", "--port", str(port)]
    if seed is None:
        cmd.append("--no-seed")
    else:
        cmd += ["--seed", str(seed)]
    if region:
        cmd += ["--region", region]  # API Gateway and Lambda logs live in the server's region
    for origin in cors_origins:
        cmd += ["--cors-origin", cors_origin(origin)]
    with open(state_dir() / f"sandbox-{port}.log", "ab") as log:
        process = subprocess.Popen(
            cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the sandbox server exited at start (code {process.returncode}); "
                f"see {state_dir() / f'sandbox-{port}.log'}"
            )
        if is_serving(port):
            pid_file(port).write_text(str(process.pid))
            return process.pid
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the sandbox server did not answer on port {port} within {timeout:g} s")


def stop(port: int = 5000, timeout: float = 10.0) -> bool:
    """Stop the server started on ``port``; False if none was running."""
    pid = _read_pid(port)
    pid_file(port).unlink(missing_ok=True)
    if not pid or not _alive(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    return True


def _read_pid(port: int) -> int | None:
    try:
        return int(pid_file(port).read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workshop_lib.server")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--region", default=None)
    parser.add_argument("--cors-origin", action="append", default=[], dest="cors_origins")
    args = parser.parse_args(argv)
    serve(args.port, None if args.no_seed else args.seed, args.region, args.cors_origins)


if __name__ == "__main__":
    main()
