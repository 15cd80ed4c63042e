"""``make lab`` / ``workshop lab``: JupyterLab on the course's first notebook.

Headless (``--no-browser``) it serves on 127.0.0.1 only and prints one line with the full
URL and token, so a script or a person can open it. Its terminals (which inherit the
server's environment) find the course's Python first on ``PATH``.

The token never goes on the command line, which every user of the machine can read
(``ps``, ``/proc/<pid>/cmdline``): Jupyter Server reads it from the file named by
``JUPYTER_TOKEN_FILE``, written readable by this user only in a private directory and
removed once the server has answered with it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_NOTEBOOK = "notebooks/00_welcome.ipynb"


def free_port(preferred: int) -> int:
    """``preferred`` if it is free on 127.0.0.1, else the next free one (0: any)."""
    candidates = list(range(preferred, preferred + 50)) if preferred else []
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: The course's own addition to JupyterLab's styles. JupyterLab's output areas break long
#: lines anywhere (``.jp-OutputArea-output pre { word-break: break-all }``): a Lambda REPORT
#: line read "Max Mem" / "ory Used". Here they wrap between words, as a terminal would.
CUSTOM_CSS = """\
/* Serverless Workshop (workshop_lib/lab.py): long output lines wrap between words
   (body: more specific than JupyterLab's own rule, whose style sheet is added later) */
body .jp-OutputArea-output pre {
  word-break: normal;
  overflow-wrap: break-word;
}
"""


def custom_css_dir() -> Path:
    """A folder holding ``custom.css`` (:data:`CUSTOM_CSS`), below the course's home folder
    (``$WORKSHOP_HOME``, else ``~/.workshop``), never in the learner's Jupyter config."""
    home = Path(os.environ.get("WORKSHOP_HOME") or Path.home() / ".workshop")
    folder = home / "lab-custom"
    folder.mkdir(parents=True, exist_ok=True)
    css = folder / "custom.css"
    if not css.exists() or css.read_text(encoding="utf-8") != CUSTOM_CSS:
        css.write_text(CUSTOM_CSS, encoding="utf-8")
    return folder


def lab_command(port: int, no_browser: bool) -> list[str]:
    """The JupyterLab command line: no token on it (see :func:`token_environment`)."""
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={ROOT}",
        "--LabApp.custom_css=True",
        # (ServerApp.static_custom_path is not configurable; the tornado setting it fills is)
        f"--ServerApp.tornado_settings=static_custom_path={custom_css_dir()}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root
    if no_browser:
        cmd.append("--no-browser")
    else:
        cmd.append(str(ROOT / FIRST_NOTEBOOK))
    return cmd


def lab_environment(base: Mapping[str, str]) -> dict[str, str]:
    """``base`` with the course's environment (this Python's ``bin``) first on ``PATH``, so
    ``python -m pytest`` typed in a JupyterLab terminal runs where the course is installed."""
    env = dict(base)
    bin_dir = os.path.dirname(sys.executable)  # not resolved: a venv's python is a symlink
    rest = [p for p in env.get("PATH", os.defpath).split(os.pathsep) if p and p != bin_dir]
    env["PATH"] = os.pathsep.join([bin_dir, *rest])
    if sys.prefix != sys.base_prefix:  # a venv: what `source .venv/bin/activate` sets too
        env["VIRTUAL_ENV"] = sys.prefix
    return env


def token_environment(
    token: str, directory: str, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The server's environment: ``base`` (default ours), with ``JUPYTER_TOKEN_FILE``
    naming a file in ``directory`` (a private one: mode 0700) only this user can read."""
    path = os.path.join(directory, "token")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(token)
    base = os.environ if base is None else base
    env = {key: value for key, value in base.items() if key != "JUPYTER_TOKEN"}
    env["JUPYTER_TOKEN_FILE"] = path
    return env


def wait_ready(port: int, token: str, process: subprocess.Popen, timeout: float = 60) -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {token}"}
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def run_lab(no_browser: bool = False, port: int = 8888) -> int:
    """Run JupyterLab until Ctrl-C; print its URL once it answers."""
    from workshop_lib import kernelhints

    kernelhints.install()  # its kernels say "run the cells above first" after a restart
    port = free_port(port)
    token = secrets.token_hex(24)
    private = tempfile.mkdtemp(prefix="workshop-lab-")  # mode 0700
    env = token_environment(token, private, lab_environment(os.environ))
    process = subprocess.Popen(lab_command(port, no_browser), cwd=ROOT, env=env)
    try:
        ready = wait_ready(port, token, process)
        shutil.rmtree(private, ignore_errors=True)  # read at start: not needed any more
        if not ready:
            print("JupyterLab did not start: see the messages above.", file=sys.stderr)
            process.terminate()
            return 1
        url = f"http://127.0.0.1:{port}/lab/tree/{FIRST_NOTEBOOK}?token={token}"
        print(f"\nJupyterLab is ready: {url}\n(stop it with Ctrl-C)", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
    finally:
        shutil.rmtree(private, ignore_errors=True)
