"""The ``serverless-python-requirements`` plugin, offline: ``requirements.txt`` into the zip.

Lambda's Python runtime has the standard library and boto3, nothing else; whatever else a
handler imports must travel in the deployment package. The plugin runs ``pip install -r
requirements.txt`` into the package; the sandbox has no internet, so it copies the same
distributions (and what they require) from this Python installation, and refuses with a
clear message when one is missing or installed at another version than pinned.

What the plugin reads, as it reads it: ``custom.pythonRequirements.fileName`` (default
``requirements.txt``, with its ``-r other.txt`` includes), else a Poetry ``pyproject.toml``'s
``[tool.poetry.dependencies]`` (``usePoetry``, on by default; the plugin exports them with
``poetry export``); with ``package.individually``, a function's ``module:`` folder has its own
requirements file and becomes the root of that function's zip (the plugin's ``moveModuleUp``).
With ``WORKSHOP_PIP_INSTALL=1`` a requirement this Python lacks is installed from PyPI as the
plugin does (``pip install --target .serverless/requirements/...``): the network, asked for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

# packaging is imported only when a requirements.txt is read, which most commands never do
if TYPE_CHECKING:
    from packaging.requirements import Requirement

PLUGIN = "serverless-python-requirements"
#: Set to 1, a requirement this Python lacks is downloaded from PyPI as the plugin does.
PIP_OPT_IN = "WORKSHOP_PIP_INSTALL"


class RequirementsError(ValueError):
    """A requirement cannot be bundled; the message says what to install."""


def _requirements(path: Path, seen: frozenset[Path] = frozenset()) -> list[Requirement]:
    """A requirements file's requirements, ``-r``/``--requirement`` includes followed (pip's
    other options, such as ``-e``, ``-i`` or ``--hash``, change no name or version here)."""
    from packaging.requirements import InvalidRequirement, Requirement

    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if line.startswith("-"):
            option, _, rest = line.partition(" ")
            if "=" in option:
                option, _, rest = line.partition("=")
            if option in ("-r", "--requirement"):
                included = (path.parent / rest.strip()).resolve()
                if not included.is_file():
                    raise RequirementsError(
                        f"{path.name}, line {number}: {rest.strip()} (included with -r) is "
                        "not there: create it or remove the line"
                    )
                if included not in seen:
                    out += _requirements(included, seen | {path.resolve()})
            continue
        line = line.split(" --hash", 1)[0].strip()
        try:
            out.append(Requirement(line))
        except InvalidRequirement as exc:
            raise RequirementsError(f"{path.name}, line {number}: {exc}") from None
    return out


def _caret(version: str, tilde: bool = False) -> str:
    """Poetry's ``^1.2.3`` / ``~1.2.3`` as a PEP 440 range (Poetry's own rules)."""
    parts = [int(p) if p.isdigit() else 0 for p in version.split(".")]
    if tilde:
        keep = 1 if len(parts) == 1 else 2
    else:  # the first non-zero part may not change
        keep = next((i + 1 for i, p in enumerate(parts) if p != 0), len(parts))
        keep = min(keep, len(parts))
    upper = parts[:keep]
    upper[-1] += 1
    return f">={version},<{'.'.join(str(p) for p in upper)}"


def poetry_requirements(pyproject: Path) -> list[str] | None:
    """``[tool.poetry.dependencies]`` as requirement lines (``python`` left out), or None if
    there is no Poetry project (its build system is not poetry's)."""
    if not pyproject.is_file():
        return None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: pip's own copy of tomli
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise RequirementsError(
                f"{pyproject.name}: reading Poetry's dependencies needs Python 3.11 or "
                "tomli: pip install tomli, or write them in requirements.txt"
            ) from None

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RequirementsError(f"{pyproject.name}: not valid TOML ({exc})") from None
    build = data.get("build-system", {}).get("requires") or []
    if not any(str(r).startswith("poetry") for r in build):  # the plugin's isPoetryProject
        return None
    section = data.get("tool", {}).get("poetry", {}).get("dependencies") or {}
    lines = []
    for name, spec in section.items():
        if name.lower() == "python":
            continue
        version = spec.get("version", "*") if isinstance(spec, dict) else str(spec)
        version = version.strip()
        if version.startswith("^"):
            version = _caret(version[1:])
        elif version.startswith("~") and not version.startswith("~="):
            version = _caret(version[1:], tilde=True)
        elif version == "*":
            version = ""
        elif version[:1].isdigit():
            version = f"=={version}"
        lines.append(f"{name}{version}")
    return lines


def bundle(
    service_root: Path,
    filename: str = "requirements.txt",
    extra: tuple[str, ...] = (),
    *,
    use_poetry: bool = True,
) -> dict[str, bytes]:
    """``{path in zip: bytes}`` of every distribution ``filename`` (else a Poetry
    ``pyproject.toml``; and ``extra`` requirements, such as a plugin's own) needs."""
    from packaging.requirements import Requirement

    path = service_root / filename
    todo = [Requirement(e) for e in extra]
    poetry = poetry_requirements(service_root / "pyproject.toml") if use_poetry else None
    if poetry is not None:  # the plugin's order: a Poetry project first
        todo = [Requirement(line) for line in poetry] + todo
        filename = "pyproject.toml"
    elif path.is_file():
        todo = _requirements(path) + todo
    if not todo:
        return {}
    try:
        return _installed(list(todo), filename)
    except RequirementsError as exc:
        if os.environ.get(PIP_OPT_IN) != "1":
            raise RequirementsError(
                f"{exc} (or {PIP_OPT_IN}=1: package downloads it from PyPI, as the plugin does)"
            ) from None
    return _pip_installed(service_root, [str(r) for r in todo])


def _pip_installed(service_root: Path, lines: list[str]) -> dict[str, bytes]:
    """The plugin's way, asked for with WORKSHOP_PIP_INSTALL=1: ``pip install --target``
    into ``.serverless/requirements/<key>`` (kept for the next package of the same list)."""
    import hashlib
    import subprocess
    import sys

    key = hashlib.sha256("\n".join([sys.version, *sorted(lines)]).encode()).hexdigest()[:16]
    target = service_root / ".serverless" / "requirements" / key
    if not (target / ".complete").is_file():
        target.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-input", "--upgrade", "--target", str(target), *lines],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            said = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
            # pip's first error line says what failed (its last is often "hint: See above")
            errors = [ln for ln in said if ln.lower().startswith("error")]
            reason = errors[0] if errors else said[-1] if said else f"exit {done.returncode}"
            raise RequirementsError(f"pip install {' '.join(lines)} failed: {reason}")
        (target / ".complete").write_text("\n".join(lines) + "\n")
    files: dict[str, bytes] = {}
    for file in sorted(target.rglob("*")):
        relative = file.relative_to(target)
        if not file.is_file() or relative.parts[0] in ("bin", ".complete"):
            continue
        if "__pycache__" in relative.parts or file.suffix == ".pyc":
            continue
        files[relative.as_posix()] = file.read_bytes()
    return files


def _installed(todo: list[Requirement], filename: str) -> dict[str, bytes]:
    """The distributions ``todo`` needs, copied from this Python installation."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement

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
