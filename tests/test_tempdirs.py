"""Temporary folders name their process; a sandbox start removes those of dead processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile

import pytest

from workshop_lib import sandbox, tempdirs


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_folders_of_exited_processes_are_removed(tmp_path):
    dead, alive = dead_pid(), os.getppid()
    for name in (
        f"workshop-sandbox-{dead}-abc",
        f"workshop-07-{dead}-xyz",
        f"workshop-lambda-{alive}-abc",  # its process still runs
        f"workshop-sandbox-{os.getpid()}-abc",  # this process's own
        "workshop-sandbox-q1w2e3",  # no pid in the name (made before names had one)
        "other-12345-abc",
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "file").write_text("x")
    (tmp_path / f"workshop-suite-{dead}-file").write_text("not a folder")
    removed = tempdirs.remove_stale(str(tmp_path))
    assert sorted(p.name for p in removed) == [
        f"workshop-07-{dead}-xyz",
        f"workshop-sandbox-{dead}-abc",
    ]
    assert len(list(tmp_path.iterdir())) == 5


def test_folders_are_named_after_their_process_and_go_at_exit(tmp_path):
    code = (
        "from workshop_lib import tempdirs\n"
        "print(tempdirs.folder('07'), tempdirs.temporary('suite').name)\n"
    )
    env = dict(os.environ, TMPDIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    folder, temporary = out.stdout.split()
    assert os.path.basename(folder).startswith("workshop-07-")
    assert os.path.basename(temporary).startswith("workshop-suite-")
    assert list(tmp_path.iterdir()) == []  # both removed when the process exited
    with pytest.raises(ValueError, match="lower-case letters and digits"):
        tempdirs.folder("../x")


@pytest.mark.slow
def test_a_sandbox_start_removes_what_a_killed_kernel_left(tmp_path, monkeypatch):
    """A process killed with its sandbox running (a kernel killed) leaves its folders; the
    next sandbox start removes them."""
    code = (
        "from workshop_lib import sandbox\n"
        "aws = sandbox().start()\n"
        "print('started', flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    env = dict(os.environ, TMPDIR=str(tmp_path))
    child = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline() == "started\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    left = sorted(p.name.split("-")[1] for p in tmp_path.iterdir())
    assert "lambda" in left  # the Lambda plug-in's folder (code, environments' /tmp)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with sandbox():
        mine = {p.name for p in tmp_path.iterdir()}
    assert all(f"-{os.getpid()}-" in name for name in mine) and len(mine) == len(left)
