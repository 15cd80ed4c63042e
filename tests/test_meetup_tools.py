"""Meetup tools: workshop doctor, progress and reset."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from workshop_lib import authoring, doctor, exercises
from workshop_lib.progress import course_progress, describe
from workshop_lib.reset import reset

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_doctor_passes_here_with_free_ports(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert doctor.doctor(ports={free: "a test"}, kernel=True) is True
    out = capsys.readouterr().out
    assert "ok    kernel" in out and "ok    widget extension" in out
    assert out.endswith("This laptop is ready for the workshop.\n")


def _extension_checked_elsewhere(monkeypatch):
    """``jupyter labextension list`` is slow (it starts JupyterLab's extension manager); the
    test above runs the real check."""
    monkeypatch.setattr(
        doctor, "check_widget_extension", lambda: doctor.CheckResult("widget extension", True, "")
    )


def test_doctor_catches_a_busy_port_and_says_what_to_do(monkeypatch, capsys):
    _extension_checked_elsewhere(monkeypatch)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert doctor.doctor(ports={port: "JupyterLab (make lab)"}, kernel=False) is False
    out = capsys.readouterr().out
    assert f"FAIL  port {port}" in out and f"make lab PORT={port + 2}" in out


def test_doctor_catches_a_missing_package(monkeypatch, capsys):
    from workshop_lib import setup_check

    _extension_checked_elsewhere(monkeypatch)
    monkeypatch.setattr(
        setup_check, "pinned_requirements", lambda: {"no-such-course-package": "1.0"}
    )
    assert doctor.doctor(ports={}, kernel=False) is False
    out = capsys.readouterr().out
    assert "no-such-course-package missing" in out and "make install" in out


def test_doctor_names_a_dead_loopback_instead_of_blaming_the_install():
    """In a network namespace whose loopback is down (Linux, unshare), the real thing."""
    probe = "from workshop_lib import doctor; r = doctor.check_loopback(0.5); print(r.ok, r.fix)"
    flags = ["-n"] if hasattr(os, "geteuid") and os.geteuid() == 0 else ["-r", "-n"]
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is not installed")
    result = subprocess.run(
        [unshare, *flags, sys.executable, "-c", probe], capture_output=True, text=True
    )
    if result.returncode != 0 and "unshare" in result.stderr:
        pytest.skip(f"cannot make a network namespace here: {result.stderr.strip()}")
    assert result.stdout.startswith("False") and "ip link set lo up" in result.stdout
    assert doctor.check_loopback().ok  # and here, where it is up


def test_course_progress_lists_every_exercise_with_saved_status():
    exercises.check("1.1", (200, 120))
    rows = course_progress()
    assert {r[0] for r in rows} >= {"00", "01", "02", "03", "04", "05", "06"}
    status = {r[1]: r[2] for r in rows}
    assert status["1.1"] == "passed" and status["2.1"] == "not attempted yet"
    text = describe(rows)
    assert text.splitlines()[0] == f"1 of {len(rows)} exercises passed"
    out = subprocess.run(
        [sys.executable, "-m", "workshop_lib.cli", "progress"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "notebook 01: " in out


def test_reset_restores_a_learner_notebook_and_keeps_the_old_one(tmp_path):
    for folder in ("solutions", "notebooks"):
        (tmp_path / folder).mkdir()
    name = "01_serverless_architecture.ipynb"
    shutil.copy(ROOT / "solutions" / name, tmp_path / "solutions" / name)
    edited = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    edited.cells[0].source = "my notes"
    nbformat.write(edited, tmp_path / "notebooks" / name)
    target, backup = reset("1", root=tmp_path)
    assert nbformat.read(backup, as_version=4).cells[0].source == "my notes"
    fresh = nbformat.read(target, as_version=4)
    expected = authoring.learner_notebook(nbformat.read(ROOT / "solutions" / name, as_version=4))
    assert [c.source for c in fresh.cells] == [c.source for c in expected.cells]
    with pytest.raises(ValueError, match="there is no notebook 42 .the course has: 01, service"):
        reset("42", root=tmp_path)


def test_reset_service_brings_back_the_stub_and_keeps_the_learners_folder(tmp_path):
    shutil.copytree(
        ROOT / "solutions" / "service",
        tmp_path / "solutions" / "service",
        ignore=shutil.ignore_patterns(".serverless", "__pycache__"),
    )
    authoring.build_service("service", tmp_path / "solutions", tmp_path / "notebooks")
    route = tmp_path / "notebooks" / "service" / "apps" / "get_release.py"
    stub = route.read_text()
    assert 'raise NotImplementedError("# your answer here")' in stub
    route.write_text("# my attempt\n")
    (route.parent / "helpers.py").write_text("# mine too\n")
    target, backup = reset("service", root=tmp_path)
    assert target == tmp_path / "notebooks" / "service" and route.read_text() == stub
    assert not (route.parent / "helpers.py").exists()
    assert (backup / "apps" / "get_release.py").read_text() == "# my attempt\n"
    assert (backup / "apps" / "helpers.py").read_text() == "# mine too\n"
