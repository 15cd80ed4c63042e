"""The service's deployment package, as ``serverless package`` with the
serverless-python-requirements plugin builds it: the code without tests, plus the
distributions in requirements.txt (and theirs) copied from this Python installation."""

from __future__ import annotations

import re
from importlib.metadata import distribution
from pathlib import Path

from packaging.requirements import Requirement
from workshop_lib.lambda_runtime import package

SERVICE_ROOT = Path(__file__).resolve().parent.parent
EXCLUDED = re.compile(r"(^|/)(tests|__pycache__|\.[^/]+)(/|$)")


def service_files() -> dict[str, bytes]:
    """The service's own files, minus ``tests/``, caches and dot-folders."""
    return {
        path.relative_to(SERVICE_ROOT).as_posix(): path.read_bytes()
        for path in sorted(SERVICE_ROOT.rglob("*"))
        if path.is_file() and not EXCLUDED.search(path.relative_to(SERVICE_ROOT).as_posix())
    }


def requirement_files() -> dict[str, bytes]:
    """requirements.txt's distributions and their dependencies, as site-packages holds them."""
    lines = (SERVICE_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    todo = [Requirement(line).name for line in lines if line.strip() and not line.startswith("#")]
    files: dict[str, bytes] = {}
    seen: set[str] = set()
    while todo:
        dist = distribution(todo.pop())
        if dist.metadata["Name"].lower() in seen:
            continue
        seen.add(dist.metadata["Name"].lower())
        for name in dist.files or []:
            if not name.as_posix().startswith("..") and "__pycache__" not in name.parts:
                files[name.as_posix()] = Path(dist.locate_file(name)).read_bytes()
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return files


def deployment_package() -> bytes:
    """One zip for every function of the service, as the framework deploys it."""
    return package({**requirement_files(), **service_files()})
