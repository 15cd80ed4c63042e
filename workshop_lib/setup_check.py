"""The setup check of notebook 00 and ``workshop check``: is this machine ready?

:func:`run_checks` returns rows (a plain function tests can call); :func:`setup_check`
prints them as a table with what to do for each failure.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


@dataclass(frozen=True)
class CheckResult:
    """One row of the setup check."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def pinned_requirements() -> dict[str, str]:
    """``{distribution: version}`` for every ``==`` pin of workshop_lib's dependencies."""
    pins: dict[str, str] = {}
    for requirement in metadata.requires("workshop_lib") or []:
        if "extra ==" in requirement:
            continue
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*==\s*([^\s;]+)", requirement)
        if match:
            pins[match.group(1).lower()] = match.group(3)
    return pins


def check_python() -> CheckResult:
    version = f"Python {sys.version_info.major}.{sys.version_info.minor}"
    ok = sys.version_info >= (3, 10)
    return CheckResult(
        "Python",
        ok,
        f"{version} (3.10 or newer needed)",
        "" if ok else "install Python 3.10+ and run `make lab` again",
    )


def check_packages() -> CheckResult:
    pins = pinned_requirements()
    wrong = []
    for name, wanted in sorted(pins.items()):
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = "missing"
        if have != wanted:
            wrong.append(f"{name} {have} (want {wanted})")
    if not pins:
        return CheckResult(
            "course packages",
            False,
            "workshop_lib is not installed",
            "run `make lab` (or `pip install -e .`) in the course folder",
        )
    if wrong:
        return CheckResult(
            "course packages",
            False,
            "; ".join(wrong),
            "run `make install` to install the pinned versions",
        )
    return CheckResult("course packages", True, "every pinned package at its pinned version")


def check_sandbox() -> CheckResult:
    from workshop_lib import sandbox

    with sandbox() as aws:
        ddb = aws.client("dynamodb")
        ddb.create_table(
            TableName="setup-check",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName="setup-check", Item={"id": {"S": "hello"}})
        item = ddb.get_item(TableName="setup-check", Key={"id": {"S": "hello"}})["Item"]
        via_endpoint = aws.client("dynamodb", endpoint_url=aws.endpoint_url)
        tables = via_endpoint.list_tables()["TableNames"]
    ok = item == {"id": {"S": "hello"}} and tables == ["setup-check"]
    return CheckResult(
        "AWS sandbox",
        ok,
        "DynamoDB write and read, in-process and on loopback",
        "" if ok else "run `workshop check` in a terminal and report its output",
    )


def check_network_guard() -> CheckResult:
    import socket

    from workshop_lib import netguard, sandbox

    with sandbox(), socket.socket() as sock:
        try:
            sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed
        except netguard.SandboxNetworkError:
            return CheckResult("stays offline", True, "connections off this machine are refused")
        except OSError:
            pass
    return CheckResult(
        "stays offline",
        False,
        "a socket left the sandbox",
        "report this: the sandbox's network guard is not active",
    )


def check_widgets() -> CheckResult:
    try:
        importlib.import_module("ipywidgets")
        widgets_version = metadata.version("jupyterlab_widgets")
    except (ImportError, metadata.PackageNotFoundError):
        return CheckResult(
            "widgets",
            False,
            "ipywidgets or its JupyterLab extension is missing",
            "run `make install`, then restart JupyterLab",
        )
    return CheckResult("widgets", True, f"ipywidgets with JupyterLab extension {widgets_version}")


def check_plots() -> CheckResult:
    try:
        importlib.import_module("matplotlib.pyplot")
    except ImportError as exc:
        return CheckResult("plots", False, str(exc), "run `make install`")
    return CheckResult("plots", True, "matplotlib draws")


def check_write_access() -> CheckResult:
    folder = Path(os.environ.get("WORKSHOP_HOME") or Path.home() / ".workshop")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return CheckResult(
            "write access",
            False,
            f"cannot write {folder}: {exc.strerror}",
            "set WORKSHOP_HOME to a folder you can write to",
        )
    return CheckResult("write access", True, "progress can be saved")


CHECKS: list[Callable[[], CheckResult]] = [
    check_python,
    check_packages,
    check_sandbox,
    check_network_guard,
    check_widgets,
    check_plots,
    check_write_access,
]


def run_checks() -> list[CheckResult]:
    """Run every check; a check that crashes becomes a failed row, never an exception."""
    from workshop_lib.bars import bar

    results = []
    for check in bar(CHECKS, desc="checking your setup", unit="check"):
        try:
            results.append(check())
        except Exception as exc:
            name = check.__name__.removeprefix("check_").replace("_", " ")
            results.append(
                CheckResult(
                    name,
                    False,
                    f"{type(exc).__name__}: {exc}",
                    "run `workshop check` and report its output",
                )
            )
    return results


def setup_check() -> bool:
    """Print the setup table; True when everything is ready."""
    results = run_checks()
    width = max(len(r.name) for r in results)
    for r in results:
        print(f"{'ok  ' if r.ok else 'FAIL'}  {r.name:<{width}}  {r.detail}")
        if r.fix:
            print(f"{'':6}{'':<{width}}  → {r.fix}")
    ready = all(r.ok for r in results)
    print("Ready for the course." if ready else "Fix the rows marked FAIL, then run this again.")
    return ready
