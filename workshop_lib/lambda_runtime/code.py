"""Where a function's code lives on disk: its unzipped package, its layers, and the runtime.

Each code package is unpacked once per SHA-256 into the layer's temporary folder (the
``/var/task`` of the environment). Layers go beside it and are put on the path the way AWS
mounts them under ``/opt``. The runtime folder holds only what AWS's Python runtime ships
besides the standard library: boto3 and its dependencies, linked from this installation.
"""

from __future__ import annotations

import importlib.util
import io
import os
import threading
import zipfile
from pathlib import Path

#: What the AWS Python runtime ships besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")


class CodeError(ValueError):
    """A code package that cannot be used (not a zip, or escaping its folder)."""


def unzip(data: bytes, target: Path) -> None:
    """Extract a zip, refusing members that would land outside ``target``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CodeError(f"the function's code is not a valid zip file: {exc}") from None
    root = target.resolve()
    with archive:
        for member in archive.infolist():
            destination = (root / member.filename).resolve()
            if root != destination and root not in destination.parents:
                raise CodeError(f"zip member {member.filename!r} escapes the code folder")
        archive.extractall(root)


class CodeStore:
    """Unpacked code packages and layers under one folder, each unpacked once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._runtime: Path | None = None
        self._done: dict[tuple[str, str], Path] = {}  # unpacked already: no disk look-up

    def _unpacked(self, kind: str, sha: str, data: bytes) -> Path:
        known = self._done.get((kind, sha))
        if known is not None:
            return known
        folder = self.root / kind / sha.replace("/", "_").replace("+", "-")[:64]
        with self._lock:
            if not folder.exists():
                partial = folder.with_name(folder.name + ".partial")
                partial.mkdir(parents=True, exist_ok=True)
                unzip(data, partial)
                partial.rename(folder)
            self._done[(kind, sha)] = folder
        return folder

    def function_dir(self, sha: str, data: bytes) -> Path:
        """The task root for a code package (``LAMBDA_TASK_ROOT``)."""
        return self._unpacked("task", sha or "empty", data)

    def layer_paths(self, layers: list[tuple[str, bytes]], python: str) -> list[str]:
        """Path entries for layers, in order: ``python/`` and its site-packages, as on AWS."""
        paths: list[str] = []
        for sha, data in layers:
            opt = self._unpacked("layer", sha, data)
            paths += [
                str(opt / "python" / "lib" / python / "site-packages"),
                str(opt / "python"),
            ]
        return paths

    def runtime_dir(self) -> Path:
        """A folder with only the runtime's packages (links into this installation)."""
        with self._lock:
            if self._runtime is None:
                folder = self.root / "runtime"
                folder.mkdir(parents=True, exist_ok=True)
                for name in RUNTIME_PACKAGES:
                    spec = importlib.util.find_spec(name)
                    if spec is None or spec.origin is None:
                        continue
                    origin = Path(spec.origin)
                    source = origin.parent if origin.name == "__init__.py" else origin
                    link = folder / source.name
                    if not link.exists():
                        os.symlink(source, link)
                self._runtime = folder
            return self._runtime
