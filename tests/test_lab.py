"""`workshop lab --no-browser` (what `make lab NO_BROWSER=1` runs) serves JupyterLab."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request


def test_lab_serves_headless_and_prints_a_url_with_token(tmp_path):
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "workshop_lib.cli", "lab", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        url = None
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            match = re.search(r"JupyterLab is ready: (http://127\.0\.0\.1:\d+/\S+)", line)
            if match:
                url = match.group(1)
            elif not line and proc.poll() is not None:
                break
        assert url, "no URL printed"
        assert "/lab/tree/notebooks/00_welcome.ipynb?token=" in url
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        api = re.sub(r"/lab/tree/.*\?token=", "/api/contents/notebooks?token=", url)
        with urllib.request.urlopen(api, timeout=10) as response:
            assert response.status == 200
        no_token = url.split("?")[0].replace("/lab/tree/notebooks/00_welcome.ipynb", "/api/status")
        try:
            urllib.request.urlopen(no_token, timeout=10)
            raise AssertionError("the server answered without a token")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
