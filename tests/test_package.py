"""The package imports light and fast; the CLI answers; the setup check sees a good machine."""

from __future__ import annotations

import subprocess
import sys


def test_import_workshop_lib_does_not_load_boto3_or_moto():
    code = (
        "import sys, workshop_lib; print(sorted(m for m in ('boto3','moto') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_help_lists_the_commands():
    out = subprocess.run(
        [sys.executable, "-m", "workshop_lib.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    for name in ("sandbox", "check", "lab"):
        assert name in out.stdout


def test_setup_check_passes_here_and_prints_a_table(capsys):
    from workshop_lib.setup_check import run_checks, setup_check

    results = run_checks()
    assert [r.name for r in results if not r.ok] == []
    assert setup_check() is True
    out = capsys.readouterr().out
    assert "ok    course packages" in out and out.endswith("Ready for the course.\n")


def test_setup_check_reports_a_wrong_package_with_a_fix(monkeypatch, capsys):
    from workshop_lib import setup_check

    monkeypatch.setattr(
        setup_check, "pinned_requirements", lambda: {"boto3": "0.0.1", "no-such-dist": "1.0"}
    )
    row = setup_check.check_packages()
    assert not row.ok
    assert "boto3 1.44.5 (want 0.0.1)" in row.detail and "no-such-dist missing" in row.detail
    assert "make install" in row.fix


def test_a_crashing_check_becomes_a_failed_row(monkeypatch):
    from workshop_lib import setup_check

    def boom():
        raise RuntimeError("kaput")

    monkeypatch.setattr(setup_check, "CHECKS", [boom])
    (row,) = setup_check.run_checks()
    assert not row.ok and row.detail == "RuntimeError: kaput" and row.name == "boom"
