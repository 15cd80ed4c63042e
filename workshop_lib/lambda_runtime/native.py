"""The native launcher (``launcher.c``): an environment's two waiting processes without Python.

Each execution environment runs a launcher, the PID-namespace init below it and the worker.
As Python processes the first two were a whole interpreter each, only to wait; ``launcher.c``
does what ``containment.py``'s ``main`` does on Linux with namespaces as a small native
program, and execs the Python launcher for the worker (which then only runs
``bootstrap.py``) or, where namespaces cannot be made, for the fallback.

It is compiled once per machine and source with the C compiler (``$CC``, else ``cc``) into
the user's cache folder. Without a compiler, off Linux, or when the build fails, environments
start under ``containment.py`` alone, as before (same guarantees, more memory).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

SOURCE = Path(__file__).resolve().with_name("launcher.c")
_LOCK = threading.Lock()
_BUILT: list[str | None] = []  # the path once looked for (None: not available here)


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/workshop`` (default ``~/.cache/workshop``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "workshop"


def launcher() -> str | None:
    """The built launcher's path, building it on first use; None where it cannot be had."""
    if _BUILT:
        return _BUILT[0]
    with _LOCK:
        if not _BUILT:
            _BUILT.append(_build() if sys.platform.startswith("linux") else None)
    return _BUILT[0]


def _build() -> str | None:
    import hashlib
    import platform
    import shutil
    import subprocess

    try:
        source = SOURCE.read_bytes()
    except OSError:  # an install without the source
        return None
    digest = hashlib.sha256(source + platform.machine().encode()).hexdigest()[:16]
    target = cache_folder() / f"lambda-launcher-{digest}"
    if os.access(target, os.X_OK):
        return str(target)
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        return None
    partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        built = subprocess.run(
            [compiler, "-O2", "-o", str(partial), str(SOURCE)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
        )
        if built.returncode != 0:
            return None
        os.replace(partial, target)  # whole, even with concurrent builds
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        partial.unlink(missing_ok=True)
    return str(target)
