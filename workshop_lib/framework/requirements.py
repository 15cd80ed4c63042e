"""The ``serverless-python-requirements`` plugin, offline: ``requirements.txt`` into the zip.

Lambda's Python runtime has the standard library and boto3, nothing else; whatever else a
handler imports must travel in the deployment package. The plugin runs ``pip install -r
requirements.txt`` into the package; the sandbox has no internet, so it copies the same
distributions (and what they require) from this Python installation, and refuses with a
clear message when one is missing or installed at another version than pinned.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

# packaging is imported only when a requirements.txt is read, which most commands never do
if TYPE_CHECKING:
    from packaging.requirements import Requirement

PLUGIN = "serverless-python-requirements"


class RequirementsError(ValueError):
    """A requirement cannot be bundled; the message says what to install."""


def _requirements(path: Path) -> list[Requirement]:
    from packaging.requirements import InvalidRequirement, Requirement

    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            out.append(Requirement(line))
        except InvalidRequirement as exc:
            raise RequirementsError(f"{path.name}, line {number}: {exc}") from None
    return out


def bundle(
    service_root: Path, filename: str = "requirements.txt", extra: tuple[str, ...] = ()
) -> dict[str, bytes]:
    """``{path in zip: bytes}`` of every distribution ``requirements.txt`` (and ``extra``
    requirements, such as a plugin's own) needs."""
    path = service_root / filename
    if not path.is_file() and not extra:
        return {}
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement

    todo = (_requirements(path) if path.is_file() else []) + [Requirement(e) for e in extra]
    files: dict[str, bytes] = {}
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        try:
            dist = distribution(requirement.name)
        except PackageNotFoundError:
            raise RequirementsError(
                f"{requirement.name} (from {filename}) is not installed here, so it cannot go "
                f"into the package: pip install '{requirement}'"
            ) from None
        name = dist.metadata["Name"].lower()
        if name in seen:
            continue
        seen.add(name)
        if requirement.specifier and not requirement.specifier.contains(
            dist.version, prereleases=True
        ):
            raise RequirementsError(
                f"{filename} wants {requirement} but {dist.version} is installed: "
                f"pip install '{requirement}'"
            )
        for item in dist.files or []:
            posix = item.as_posix()
            if posix.startswith("..") or "__pycache__" in item.parts or posix.endswith(".pyc"):
                continue
            files[posix] = Path(dist.locate_file(item)).read_bytes()
        for line in dist.requires or []:
            needed = Requirement(line)
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                todo.append(needed)
    return files
