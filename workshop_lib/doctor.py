"""``workshop doctor``: is this laptop ready for a meetup? Plain words for what to fix.

The setup check's rows (Python, packages, sandbox, offline guard, widgets, plots, write
access) plus what a room of laptops trips over: a kernel that will not start, the
JupyterLab widget extension, and ports already taken by something else.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from functools import partial

from workshop_lib.setup_check import CheckResult, run_checks

PORTS = {8888: "JupyterLab (make lab)", 5000: "the sandbox server (workshop sandbox start)"}


def check_port(port: int, purpose: str) -> CheckResult:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return CheckResult(
                f"port {port}",
                False,
                f"in use by another program ({purpose} wants it)",
                f"close that program, or choose another port (make lab PORT={port + 2}; "
                f"workshop sandbox start --port {port + 1})",
            )
    return CheckResult(f"port {port}", True, f"free for {purpose}")


def check_loopback(timeout: float = 2) -> CheckResult:
    """Connect to ourselves on 127.0.0.1: JupyterLab, its kernels and the sandbox need it."""
    try:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            with socket.create_connection(server.getsockname(), timeout=timeout):
                pass
    except OSError as exc:
        return CheckResult(
            "loopback",
            False,
            f"this computer cannot connect to itself on 127.0.0.1 ({exc.strerror or exc}); "
            "JupyterLab, its kernels and the sandbox all talk over it",
            "allow 127.0.0.1 in the firewall or VPN client; in a Linux container or "
            "network namespace: `ip link set lo up`",
        )
    return CheckResult("loopback", True, "127.0.0.1 answers (JupyterLab and kernels use it)")


def check_kernel(timeout: float = 60) -> CheckResult:
    """Start a Python kernel the way JupyterLab does and run one line in it."""
    from jupyter_client.manager import start_new_kernel

    try:
        manager, client = start_new_kernel(kernel_name="python3", startup_timeout=timeout)
    except Exception as exc:
        return CheckResult(
            "kernel",
            False,
            f"a Python kernel does not start: {exc}",
            "run `make install`, then try again",
        )
    try:
        reply = client.execute_interactive("import workshop_lib", timeout=timeout)
        ok = reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    if not ok:
        return CheckResult(
            "kernel",
            False,
            "the kernel cannot import workshop_lib",
            "start JupyterLab with `make lab` so it uses the course's Python",
        )
    return CheckResult("kernel", True, "a Python kernel starts and imports the course")


def check_widget_extension() -> CheckResult:
    out = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True
    )
    text = out.stdout + out.stderr
    line = next((x for x in text.splitlines() if "@jupyter-widgets/jupyterlab-manager" in x), "")
    if "enabled" in line and "OK" in line:
        return CheckResult("widget extension", True, "JupyterLab shows sliders and buttons")
    return CheckResult(
        "widget extension",
        False,
        "JupyterLab's widget extension is missing",
        "run `make install`, then restart JupyterLab",
    )


def run(ports: dict[int, str] | None = None, kernel: bool = True) -> list[CheckResult]:
    """Every row, in order; a bar while the slow ones (extension list, kernel) run."""
    from workshop_lib.bars import bar

    loopback = check_loopback()
    steps: list[Callable[[], CheckResult]] = [check_widget_extension]
    if kernel and not loopback.ok:
        steps.append(
            lambda: CheckResult(
                "kernel", False, "not tried: kernels need 127.0.0.1", "see loopback"
            )
        )
    elif kernel:
        steps.append(check_kernel)
    steps += [partial(check_port, port, purpose) for port, purpose in (ports or PORTS).items()]
    rows = [loopback, *run_checks()]
    return rows + [step() for step in bar(steps, desc="checking this laptop", unit="check")]


def doctor(ports: dict[int, str] | None = None, kernel: bool = True) -> bool:
    """Print every check and what to do about each failure; True when all is well."""
    rows = run(ports, kernel)
    width = max(len(r.name) for r in rows)
    for row in rows:
        print(f"{'ok  ' if row.ok else 'FAIL'}  {row.name:<{width}}  {row.detail}")
        if row.fix:
            print(f"{'':6}{'':<{width}}  → {row.fix}")
    failed = [r for r in rows if not r.ok]
    if failed:
        print(
            f"{len(failed)} problem(s): fix the rows marked FAIL, then run `workshop doctor` again."
        )
    else:
        print("This laptop is ready for the workshop.")
    return not failed
