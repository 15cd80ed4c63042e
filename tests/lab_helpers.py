"""JupyterLab as `make lab NO_BROWSER=1` starts it, for the tests that need a real server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_lab(**env: str) -> Iterator[str]:
    """Start `workshop lab --no-browser --port 0` with ``env`` added; yield the URL it prints.

    The server (and its kernels: a process group of their own) is stopped on exit.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "workshop_lib.cli", "lab", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, **env),
        start_new_session=True,
        cwd=ROOT,
    )
    try:
        url = None
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            match = re.search(r"JupyterLab is ready: (http://127\.0\.0\.1:\d+/\S+)", line)
            url = match.group(1) if match else None
            if not line and proc.poll() is not None:
                break
        assert url, "JupyterLab did not start (no URL printed)"
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
