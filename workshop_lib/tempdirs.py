"""Temporary folders that name their owner, so the next start can remove a dead one's.

A sandbox, its Lambda layer, a test-suite run and notebooks 07 and 08 keep files in temporary
folders, removed when they stop or when the kernel exits. A kernel that is killed (a crash,
out of memory, Kernel > Restart when it does not answer) removes nothing: each folder would
stay in the temporary directory, and they add up. Here every folder is called
``workshop-<kind>-<pid>-<random>``; :func:`remove_stale`, which each sandbox start calls,
removes those of this user whose process is gone, and nothing else.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"workshop-[a-z0-9]+-(?P<pid>\d+)-")


def _prefix(kind: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+", kind):
        raise ValueError(f"a folder kind is lower-case letters and digits, not {kind!r}")
    return f"workshop-{kind}-{os.getpid()}-"


def temporary(kind: str) -> tempfile.TemporaryDirectory[str]:
    """A ``TemporaryDirectory`` named after this process (removed by ``cleanup()``)."""
    return tempfile.TemporaryDirectory(prefix=_prefix(kind))


def folder(kind: str) -> Path:
    """A scratch folder named after this process, removed when the process exits."""
    path = Path(tempfile.mkdtemp(prefix=_prefix(kind)))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_stale(where: str | None = None) -> list[Path]:
    """Remove this user's ``workshop-*`` folders whose process has exited; the removed ones."""
    base = Path(where or tempfile.gettempdir())
    removed = []
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        entries = list(base.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _NAME.match(path.name)
        if match is None or int(match["pid"]) == os.getpid():
            continue
        try:
            info = path.lstat()
        except OSError:
            continue
        mine = uid is None or info.st_uid == uid
        if mine and path.is_dir() and not path.is_symlink() and not _alive(int(match["pid"])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
