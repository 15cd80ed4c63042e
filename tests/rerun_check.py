"""Run All, then every code cell again, last to first, in the same kernel: as a learner who
scrolls back up after the notebook's last cell, on a laptop with real AWS credentials.

``python -m tests.rerun_check 04 09`` (no numbers: every notebook in ``solutions/``).
The kernel runs with real-looking keys, a region, a profile whose ``credential_process``
fails, and an audit hook behind netguard's that records and refuses any lookup or socket
to a non-loopback host before the system call. It reports every such attempt and every
error output that does not name a next step; exit status 1 if there is one.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: An error names a next step when it says one of these (the sandbox's refusals, the
#: checkers' hints).
NEXT_STEPS = ("re-run the notebook's first cell", "aws.start()", "hint:")

REAL_LOOKING = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_REGION": "eu-central-1",
    "AWS_PROFILE": "production",
}

RECORDER = """
import ipaddress as _ipaddress, socket as _socket_module, sys as _sys
from workshop_lib import netguard as _netguard
_outbound = []
def _record_outbound(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        inet = sock.family in (_socket_module.AF_INET, _socket_module.AF_INET6)
        host = address[0] if inet and isinstance(address, tuple) else None
    elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
        host = args[0]
        try:  # an address is parsed, not looked up: its connection is what counts
            _ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host))
            return
        except ValueError:
            pass
    elif event == "socket.gethostbyaddr":
        host = args[0]
    else:
        return
    if isinstance(host, bytes):
        host = host.decode()
    if host not in (None, "", "0.0.0.0", "::") and not _netguard.is_loopback_host(str(host)):
        _outbound.append((event, host))
        raise OSError(f"rerun_check refused {event} to {host}: netguard let it through")
_was_armed = _netguard.active()
_netguard.install(); _netguard.uninstall()  # netguard's hook first, the recorder behind it
if not _was_armed:
    _netguard.disarm()
_sys.addaudithook(_record_outbound)
"""


def rerun(notebook: Path, timeout: int = 600) -> list[str]:
    """The problems found in one notebook (empty: none)."""
    import nbformat
    from nbclient import NotebookClient

    home = tempfile.mkdtemp(prefix="rerun-check-")
    config = Path(home, "config")
    config.write_text(
        "[profile production]\nregion = eu-central-1\ncredential_process = /bin/false\n"
    )
    env = {**REAL_LOOKING, "AWS_CONFIG_FILE": str(config), "WORKSHOP_HOME": home}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # the kernel inherits them
    try:
        nb = nbformat.read(notebook, as_version=4)
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(notebook.parent)}},
        )
        problems: list[str] = []
        # nbclient writes each result into nb.cells[index]: the recorder and the probe
        # are cells of their own, before and after the notebook's
        code = [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        nb.cells.insert(0, nbformat.v4.new_code_cell(RECORDER))
        nb.cells.append(nbformat.v4.new_code_cell("print(_outbound)"))
        with client.setup_kernel():
            client.execute_cell(nb.cells[0], 0)
            for index, cell in code:
                client.execute_cell(cell, index + 1)
            for index, cell in reversed(code):
                cell.outputs = []
                client.execute_cell(cell, index + 1)
                for output in cell.outputs:
                    text = ""
                    if output.output_type == "error":
                        text = f"{output.ename}: {output.evalue}"
                    elif output.output_type == "stream" and "FAILED" in output.text:
                        text = output.text.strip()
                    if text and not any(step in text for step in NEXT_STEPS):
                        problems.append(f"{notebook.name} cell {index}: no next step in {text!r}")
            probe = nb.cells[-1]
            client.execute_cell(probe, len(nb.cells) - 1)
            attempts = probe.outputs[0].text.strip() if probe.outputs else "?"
            if attempts != "[]":
                problems.append(f"{notebook.name}: tried to leave the machine: {attempts}")
        return problems
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv: list[str]) -> int:
    notebooks = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if argv:
        notebooks = [nb for nb in notebooks if nb.name[:2] in argv]
    problems = []
    for notebook in notebooks:
        found = rerun(notebook)
        print(f"{notebook.name}: {'ok' if not found else f'{len(found)} problem(s)'}", flush=True)
        problems += found
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
