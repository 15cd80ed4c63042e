"""``workshop sandbox start``: a moto server on loopback that other processes share.

The server runs in its own process (``python -m workshop_lib.server --port N``), records
its pid under ``$WORKSHOP_HOME`` so ``workshop sandbox stop`` can find it, and refuses
non-loopback sockets like the in-process sandbox.
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
from pathlib import Path


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
    otherwise walk them all, every few thousand requests, for 60-200 ms at a time (the
    served API's p99 was 60-140 ms; frozen, 3-5 ms). For long-running server processes
    only: frozen objects are never collected."""
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
    events, up to 10,000 per stream), and a full collection walked all of it: 35-140 ms
    pauses every few seconds at 5,000 requests a second. Frozen objects are still freed when
    nothing refers to them; a reference cycle frozen while its request was in flight is not
    (moto's server, werkzeug on a thread per connection, leaves cycles: a request's socket,
    buffers and headers). So every ``FULL_COLLECTION_EVERY`` rounds (a minute at two a
    second) the frozen heap is collected once in full and frozen again: one pause a minute
    instead of a leak that never stops.
    """
    import gc

    if next(_ROUNDS) % FULL_COLLECTION_EVERY == 0:
        gc.unfreeze()
        gc.collect()
    else:
        gc.collect(1)
    gc.freeze()


def serve(port: int, seed: int | None = 0, region: str | None = None) -> None:
    """Serve a sandbox on 127.0.0.1:port until SIGTERM or Ctrl-C.

    It is a full in-process sandbox (moto plus every emulation layer, so Lambda functions
    run) whose loopback endpoint is the server other processes use.
    """
    from workshop_lib.sandbox import DEFAULT_REGION, Sandbox

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    box = Sandbox(region or DEFAULT_REGION, seed=seed, port=port).start()
    settle_heap()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f"sandbox server listening on {box.endpoint_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while not done.wait(0.5):
            settle_young()
    box.stop()


def start(
    port: int = 5000, seed: int | None = 0, timeout: float = 30.0, region: str | None = None
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
    args = parser.parse_args(argv)
    serve(args.port, None if args.no_seed else args.seed, args.region)


if __name__ == "__main__":
    main()
