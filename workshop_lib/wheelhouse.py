"""``make wheelhouse``: every wheel the course needs, in one folder, for a USB stick.

A meetup room rarely has internet good enough for thirty 200 MB installs. The instructor
downloads the wheels once (for this laptop's platform, or for the room's: ``--platform`` and
``--python``); each learner then runs ``make lab OFFLINE=1``, which installs from the folder
with ``--no-index`` and never touches the network. Wheels only (``--only-binary``), so no
laptop needs a compiler.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / "wheelhouse"
# the build backend pip needs to install the course itself (`pip install -e .`) offline;
# kept in step with [build-system] requires in pyproject.toml (tests/test_wheelhouse.py)
BUILD_REQUIREMENTS = ("setuptools>=77",)
# what a room of laptops usually runs; `--platform all` downloads for each of these.
# Windows laptops run the course in WSL 2 (README), so they take the Linux wheels.
ROOM_PLATFORMS = (
    "manylinux_2_28_x86_64",
    "macosx_11_0_arm64",
    "macosx_10_13_x86_64",
)


def download_command(
    dest: Path, platform: str | None = None, python_version: str | None = None
) -> list[str]:
    """The ``pip download`` that fills ``dest`` with the course's wheels (and test tools).

    Without ``platform``/``python_version`` it downloads for this interpreter; with them,
    for another laptop (pip then needs ``--only-binary``, which we always pass anyway).
    """
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--dest",
        str(dest),
    ]
    if platform:
        command += ["--platform", platform]
    if python_version:
        command += ["--python-version", python_version]
    return [*command, f"{ROOT}[test]", *BUILD_REQUIREMENTS]


def install_command(wheelhouse: Path, python: str = "python") -> list[str]:
    """The network-free install a learner's laptop runs (``make install OFFLINE=1``)."""
    return [
        python,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-index",
        "--find-links",
        str(wheelhouse),
        "-e",
        ".[test]",
    ]


def summary(dest: Path) -> str:
    """How many wheels ``dest`` holds and their size: what goes on the USB stick."""
    wheels = sorted(dest.glob("*.whl"))
    size = sum(wheel.stat().st_size for wheel in wheels)
    return f"{len(wheels)} wheels, {size / 1e6:,.0f} MB in {dest}"


def build(
    dest: Path = DEFAULT_DEST,
    platforms: list[str] | None = None,
    python_versions: list[str] | None = None,
) -> str:
    """Download every wheel into ``dest`` (once per platform and Python); return a summary.

    Raises ``RuntimeError`` with pip's reason when a download fails (no network, or a
    package without a wheel for the requested platform).
    """
    dest.mkdir(parents=True, exist_ok=True)
    targets = [(p, v) for p in platforms or [None] for v in python_versions or [None]]
    for platform, python_version in targets:
        result = subprocess.run(
            download_command(dest, platform, python_version),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
            where = f" for {platform or 'this platform'} / Python {python_version or 'this'}"
            reason = "\n".join(errors[-3:]) or result.stderr.strip()[-500:]
            raise RuntimeError(f"pip could not download the wheels{where}:\n{reason}")
    (dest / "README.txt").write_text(
        "Serverless Workshop wheels. On each laptop, in the course folder:\n"
        "    make lab OFFLINE=1\n"
        "or, without make:\n"
        "    python3 -m venv .venv\n"
        f"    {' '.join(install_command(Path('wheelhouse'), '.venv/bin/python'))}\n",
        encoding="utf-8",
    )
    return summary(dest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop_lib.wheelhouse")
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    parser.add_argument(
        "--platform",
        action="append",
        help="a pip platform tag for other laptops, e.g. macosx_11_0_arm64 (repeatable); "
        f"'all' = {', '.join(ROOM_PLATFORMS)}",
    )
    parser.add_argument(
        "--python", action="append", help="a Python version for other laptops, e.g. 3.12"
    )
    args = parser.parse_args(argv)
    platforms = args.platform
    if platforms and "all" in platforms:
        platforms = list(ROOM_PLATFORMS)
    if platforms and not args.python:
        args.python = [f"{sys.version_info.major}.{sys.version_info.minor}"]
    try:
        print(build(args.dest, platforms, args.python))
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
