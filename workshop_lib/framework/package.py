"""Packaging like ``serverless package``: the zips of a service, and ``.serverless/``.

Which files go in follows v3 (lib/plugins/package/lib/package-service.js): every file, then
the default exclusions, ``serverless.yml`` itself and the deprecated ``package.exclude`` are
taken out, then ``package.include`` and ``package.patterns`` are applied in order (a
``!pattern`` takes out, a plain one puts back), so ``exclude: ['**'], include: [handler.py]``
ships handler.py. ``package.individually`` gives each function its own zip (the service's
patterns, then the function's); ``package.artifact`` (service or function) ships a zip
the user built instead. Zips list their files in sorted order with fixed timestamps, so the
same code gives the same bytes and the same SHA-256: that is how ``deploy`` can say "no
changes" the way the framework does.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workshop_lib.framework.service import Service

#: What the framework (v3) always leaves out, plus Python's caches.
DEFAULT_EXCLUDES = [
    ".git/**", ".gitignore", ".DS_Store", "npm-debug.log", "yarn-*.log", ".serverless/**",
    ".serverless_plugins/**", "**/__pycache__/**", "**/*.pyc", ".pytest_cache/**",
    ".ipynb_checkpoints/**", "**/.ipynb_checkpoints/**", "serverless.yml",
]  # fmt: skip
STATE_DIR = ".serverless"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(ValueError):
    """The package cannot be made as configured; the message says what to change."""


@dataclass
class Artifact:
    """A zip: its bytes, its SHA-256 (as Lambda reports it), its files, its file name."""

    data: bytes
    files: list[str]
    name: str = ""

    @property
    def sha256(self) -> str:
        """Base64 SHA-256, the form Lambda's ``CodeSha256`` uses."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A ``**``-aware glob as a regular expression over ``/``-separated paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "{" and "}" in pattern[i:]:  # {a,b}: one of the alternatives
            close = pattern.index("}", i)
            options = pattern[i + 1 : close].split(",")
            out.append("(?:" + "|".join(glob_regex(o).pattern[1:-1] for o in options) + ")")
            i = close + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")


def select_files(root: Path, patterns: list[str]) -> list[str]:
    """The files of ``root`` to ship: the default exclusions out, then each pattern in
    order (``!x`` takes out, ``x`` puts back), as the framework's micromatch pass does."""
    every = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()
    )
    chosen = set(every)
    for pattern in [f"!{p}" for p in DEFAULT_EXCLUDES] + list(patterns):
        negate = pattern.startswith("!")
        pattern = pattern[1:] if negate else pattern
        while pattern.startswith("./"):  # picomatch drops a leading ./ ('!./**': every file)
            pattern = pattern[2:]
        regex = glob_regex(pattern)
        matches = {f for f in every if regex.match(f)}
        chosen = chosen - matches if negate else chosen | matches
    return sorted(chosen)


def _patterns(package: Any) -> list[str]:
    """v3's order for one ``package:`` block: ``exclude`` (negated), then ``include`` and
    ``patterns`` as written."""
    package = package if isinstance(package, dict) else {}
    out = [p[1:] if p.startswith("!") else f"!{p}" for p in package.get("exclude") or []]
    return out + list(package.get("include") or []) + list(package.get("patterns") or [])


def _zip(contents: dict[str, bytes], name: str) -> Artifact:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(contents):
            info = zipfile.ZipInfo(path, _FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents[path])
    return Artifact(buffer.getvalue(), sorted(contents), name)


def _given(service: Service, path: Any, keys: tuple[str, ...]) -> Artifact:
    """``package.artifact``: a zip the user built, shipped as it is."""
    file = (service.root / str(path)).resolve()
    try:
        data = file.read_bytes()
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a zip file"
        raise PackageError(
            f"{service.raw.where(keys)}: Cannot access package artifact at {str(path)!r}: "
            f"{reason}; build the zip first or remove {'.'.join(keys)}"
        ) from None
    return Artifact(data, sorted(names), file.name)


def build_artifact(
    service: Service, patterns: list[str] | None = None, name: str = "", module: str = "."
) -> Artifact:
    """Zip the service folder (deterministically) with ``patterns`` (default: the service's),
    plus what the plugins add (``serverless-python-requirements``: the requirements;
    ``serverless-wsgi``: its handler, and the requirements unless the other plugin does it).
    ``module`` (serverless-python-requirements, individually): only that folder's files, moved
    to the zip's root, as the plugin's moveModuleUp does."""
    from workshop_lib.framework import plugins

    patterns = _patterns(service.config.get("package")) if patterns is None else patterns
    contents = plugins.package_contents(service, module)
    prefix = "" if module == "." else module + "/"
    sources = {
        f.removeprefix(prefix): f
        for f in select_files(service.root, patterns)
        if f.startswith(prefix)
    }
    sources = {k: v for k, v in sources.items() if k not in contents}
    contents.update({path: (service.root / file).read_bytes() for path, file in sources.items()})
    if not contents:
        raise PackageError(
            f"{service.raw.where(('package',))}: No file matches include / exclude patterns; "
            "check package.patterns"
        )
    return _zip(contents, name or f"{service.name}.zip")


@dataclass
class Packages:
    """Every zip of a service, and which one each function runs from."""

    by_function: dict[str, Artifact]

    @property
    def artifacts(self) -> list[Artifact]:
        """Each distinct zip once (by file name)."""
        return list({a.name: a for a in self.by_function.values()}.values())

    @property
    def main(self) -> Artifact | None:
        """The service's zip (the first one), for messages."""
        artifacts = self.artifacts
        return artifacts[0] if artifacts else None


def build_packages(service: Service) -> Packages:
    """The zips ``serverless package`` makes: one for the service, or one per function
    (``individually``), or the given ``artifact``s."""
    from workshop_lib.framework import plugins

    package = service.config.get("package") or {}
    shared: Artifact | None = None
    by_function: dict[str, Artifact] = {}
    for key, fn in service.functions.items():
        own = fn.package
        if own.get("artifact"):
            by_function[key] = _given(
                service, own["artifact"], ("functions", key, "package", "artifact")
            )
        elif own.get("individually") or package.get("individually"):
            patterns = _patterns(package) + _patterns(own)
            module = plugins.function_module(service, key)
            by_function[key] = build_artifact(service, patterns, f"{key}.zip", module)
        else:
            if shared is None:
                shared = (
                    _given(service, package["artifact"], ("package", "artifact"))
                    if package.get("artifact")
                    else build_artifact(service)
                )
            by_function[key] = shared
    return Packages(by_function)


def write_state(
    service: Service,
    packages: Packages,
    create_template: dict[str, Any],
    update_template: dict[str, Any],
) -> Path:
    """Write ``.serverless/`` as the framework does; returns the folder."""
    folder = service.root / STATE_DIR
    folder.mkdir(exist_ok=True)
    for artifact in packages.artifacts:
        (folder / artifact.name).write_bytes(artifact.data)
    for name, template in (
        ("cloudformation-template-create-stack.json", create_template),
        ("cloudformation-template-update-stack.json", update_template),
    ):
        (folder / name).write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    state = {
        "service": {"service": service.name, "provider": {"stage": service.stage,
                                                           "region": service.region}},
        "package": {key: {"artifact": a.name, "artifactSha256": a.sha256, "files": a.files}
                    for key, a in packages.by_function.items()},
    }  # fmt: skip
    (folder / "serverless-state.json").write_text(json.dumps(state, indent=2) + "\n")
    return folder
