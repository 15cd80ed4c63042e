"""`workshop lab --no-browser` (what `make lab NO_BROWSER=1` runs) serves JupyterLab."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from tests.lab_helpers import running_lab


@pytest.mark.slow
def test_lab_serves_headless_and_prints_a_url_with_token(tmp_path):
    with running_lab(
        JUPYTER_RUNTIME_DIR=str(tmp_path),
        JUPYTER_CONFIG_DIR=str(tmp_path),
        WORKSHOP_HOME=str(tmp_path),
    ) as url:
        assert "/lab/tree/notebooks/00_welcome.ipynb?token=" in url
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        api = re.sub(r"/lab/tree/.*\?token=", "/api/contents/notebooks?token=", url)
        with urllib.request.urlopen(api, timeout=10) as response:
            assert response.status == 200
        # the course's styles: output lines wrap between words (JupyterLab breaks anywhere)
        css = re.sub(r"/lab/tree/.*\?token=", "/custom/custom.css?token=", url)
        with urllib.request.urlopen(css, timeout=10) as response:
            assert "word-break: normal" in response.read().decode()
        no_token = url.split("?")[0].replace("/lab/tree/notebooks/00_welcome.ipynb", "/api/status")
        try:
            urllib.request.urlopen(no_token, timeout=10)
            raise AssertionError("the server answered without a token")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403
