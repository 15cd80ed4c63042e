"""`workshop lab --no-browser` (what `make lab NO_BROWSER=1` runs) serves JupyterLab."""

from __future__ import annotations

import re
import stat
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.lab_helpers import running_lab


def command_lines_holding(secret: str) -> list[str]:
    """Every process whose command line (readable by any user: ``ps``) holds ``secret``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if secret.encode() in cmdline.read_bytes():
                found.append(cmdline.read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


@pytest.mark.slow
def test_lab_serves_headless_and_prints_a_url_with_token(tmp_path):
    with running_lab(JUPYTER_RUNTIME_DIR=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path)) as url:
        assert "/lab/tree/notebooks/00_welcome.ipynb?token=" in url
        token = url.rsplit("token=", 1)[1]
        if Path("/proc/self/cmdline").exists():  # Linux: the token is on no command line
            assert command_lines_holding(token) == []
        leftovers = [p for p in Path(tempfile.gettempdir()).glob("workshop-lab-*/token")]
        assert all(p.read_text() != token for p in leftovers)  # removed once read
        assert all(not p.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO) for p in leftovers)
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
