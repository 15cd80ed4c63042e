"""`workshop lab --no-browser` (what `make lab NO_BROWSER=1` runs) serves JupyterLab."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests.lab_helpers import ROOT, running_lab
from workshop_lib.exercises import nb09


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
    with running_lab(
        JUPYTER_RUNTIME_DIR=str(tmp_path),
        JUPYTER_CONFIG_DIR=str(tmp_path),
        WORKSHOP_HOME=str(tmp_path),
    ) as url:
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


def lab_env_as_started(monkeypatch) -> dict[str, str]:
    """The environment run_lab gives JupyterLab (its terminals inherit it), from a shell
    whose PATH does not have the course's environment (a learner who never activated it)."""
    from workshop_lib import lab

    started = {}

    class Server:
        def __init__(self, cmd, cwd, env=None):
            started.update(os.environ if env is None else env)

        def wait(self):
            return 0

    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    with monkeypatch.context() as patch:  # subprocess is everyone's module: undone at once
        patch.setattr(lab.subprocess, "Popen", Server)
        patch.setattr(lab, "wait_ready", lambda *args: True)
        assert lab.run_lab(no_browser=True, port=0) == 0
    return started


def test_lab_terminals_have_the_course_environment_first_on_path(monkeypatch, capsys):
    env = lab_env_as_started(monkeypatch)
    assert env["PATH"].split(os.pathsep)[0] == os.path.dirname(sys.executable)
    assert env["PATH"].split(os.pathsep)[1:] == ["/usr/local/bin", "/usr/bin", "/bin"]
    assert "JupyterLab is ready" in capsys.readouterr().out


@pytest.mark.slow
def test_the_commands_notebook_09_gives_work_in_a_lab_terminal_as_written(monkeypatch, capsys):
    """Notebook 09 says `cd notebooks/service && python -m pytest -q`: collecting the suite
    imports what the service imports (jwt...), which only the course's environment has."""
    env = lab_env_as_started(monkeypatch)
    text = "".join(
        c.source for c in nbformat.read(ROOT / "notebooks" / "09_demo_api.ipynb", 4).cells
    )
    commands = set(
        re.findall(r"`(cd notebooks/service && python -m pytest[^`]*)`", text.replace("\n", " "))
    )
    assert commands, "notebook 09 no longer gives a pytest command: update this test"
    commands.add(nb09.IN_TERMINAL)  # what 9.3's hints say
    # one collection proves them all: the same folder, the same python, the same imports
    assert all(c.startswith(nb09.IN_TERMINAL) for c in commands), commands
    collect = nb09.IN_TERMINAL + " --collect-only -q -p no:cacheprovider"
    done = subprocess.run(["sh", "-c", collect], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{collect}: {done.stdout[-1500:]}{done.stderr[-1500:]}"
