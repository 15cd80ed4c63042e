"""The meetup install: `make wheelhouse` fills a folder, `OFFLINE=1` installs from it only.

The real download and network-free install run in `make offline-check` (they take minutes
and a package index); here: the commands, the failure message, the Makefile wiring.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from workshop_lib import wheelhouse

ROOT = Path(__file__).resolve().parent.parent


def make_dry_run(*args: str) -> str:
    """What `make` would run (-n), with the install stamp forced out of date (-W)."""
    result = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_the_download_is_wheels_only_with_test_tools_and_the_build_backend(tmp_path):
    command = wheelhouse.download_command(tmp_path)
    assert command[1:4] == ["-m", "pip", "download"]
    assert "--only-binary=:all:" in command and str(tmp_path) in command
    assert f"{ROOT}[test]" in command
    requires = re.search(r"requires = \[(.*)\]", (ROOT / "pyproject.toml").read_text()).group(1)
    assert [r.strip().strip('"') for r in requires.split(",")] == list(
        wheelhouse.BUILD_REQUIREMENTS
    )


def test_other_laptops_get_their_platforms_wheels(tmp_path):
    command = wheelhouse.download_command(tmp_path, "macosx_11_0_arm64", "3.12")
    assert command[command.index("--platform") + 1] == "macosx_11_0_arm64"
    assert command[command.index("--python-version") + 1] == "3.12"


def test_build_writes_the_wheels_and_a_readme_that_says_how_to_install(tmp_path, monkeypatch):
    def fake_pip(dest, platform=None, python_version=None):
        name = f"demo-1.0-py3-none-{platform or 'any'}.whl"
        return [sys.executable, "-c", f"open({str(dest / name)!r}, 'wb').write(b'x' * 2000)"]

    monkeypatch.setattr(wheelhouse, "download_command", fake_pip)
    text = wheelhouse.build(tmp_path, ["win_amd64", "macosx_11_0_arm64"], ["3.12"])
    assert text.startswith("2 wheels")
    readme = (tmp_path / "README.txt").read_text()
    assert "make lab OFFLINE=1" in readme and "--no-index --find-links wheelhouse" in readme


def test_a_failed_download_says_why(tmp_path, monkeypatch):
    def failing_pip(dest, platform=None, python_version=None):
        message = "ERROR: No matching distribution found for numpy==9.9"
        return [sys.executable, "-c", f"import sys; sys.stderr.write({message!r}); sys.exit(1)"]

    monkeypatch.setattr(wheelhouse, "download_command", failing_pip)
    with pytest.raises(RuntimeError, match="win_amd64.*\n.*No matching distribution"):
        wheelhouse.build(tmp_path, ["win_amd64"], ["3.12"])
    assert wheelhouse.main(["--dest", str(tmp_path), "--platform", "win_amd64"]) == 1


def test_offline_install_uses_only_the_wheelhouse():
    offline = make_dry_run("install", "OFFLINE=1")
    assert "--no-index --find-links wheelhouse -e '.[test]'" in offline
    assert "--upgrade pip" not in offline  # pip cannot upgrade itself without a network
    online = make_dry_run("install")
    assert "--no-index" not in online and "--upgrade pip" in online


def test_offline_install_without_a_wheelhouse_says_where_to_get_one(tmp_path):
    result = subprocess.run(
        ["make", "install", "OFFLINE=1", f"VENV={tmp_path / 'venv'}", f"WHEELHOUSE={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "USB stick" in result.stdout and "make wheelhouse" in result.stdout
    assert not (tmp_path / "venv").exists()  # nothing half-installed


def test_make_wheelhouse_passes_the_rooms_platforms():
    dry = make_dry_run("wheelhouse", "PLATFORMS=win_amd64 macosx_11_0_arm64", "PYTHONS=3.12")
    assert "--platform win_amd64 --platform macosx_11_0_arm64 --python 3.12" in dry
