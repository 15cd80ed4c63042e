"""Packaging like ``serverless package``: one zip of the service, and ``.serverless/``.

The zip holds the service folder minus the framework's default exclusions and the
``package.patterns`` (``!tests/**`` excludes, a plain pattern re-includes), in sorted order
with fixed timestamps, so the same code gives the same bytes and the same SHA-256: that is
how ``deploy`` can say "no changes" the way the framework does.
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
    ".ipynb_checkpoints/**", "**/.ipynb_checkpoints/**",
]  # fmt: skip
STATE_DIR = ".serverless"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class Artifact:
    """The zip of a service: its bytes, its SHA-256 (as Lambda reports it), its files."""

    data: bytes
    files: list[str]

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
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")


def select_files(root: Path, patterns: list[str]) -> list[str]:
    """The files of ``root`` to ship: defaults out, then each pattern in order."""
    every = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()
    )
    chosen = set(every)
    for pattern in [f"!{p}" for p in DEFAULT_EXCLUDES] + list(patterns):
        negate = pattern.startswith("!")
        regex = glob_regex(pattern[1:] if negate else pattern)
        matches = {f for f in every if regex.match(f)}
        chosen = chosen - matches if negate else chosen | matches
    return sorted(chosen)


def build_artifact(service: Service) -> Artifact:
    """Zip the service folder (deterministically), with its requirements if the
    ``serverless-python-requirements`` plugin is listed."""
    from workshop_lib.framework import requirements

    contents: dict[str, bytes] = {}
    if requirements.PLUGIN in service.plugins:
        contents.update(requirements.bundle(service.root))
    files = select_files(service.root, service.package_patterns)
    contents.update({name: (service.root / name).read_bytes() for name in files})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(contents):
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents[name])
    return Artifact(buffer.getvalue(), files)


def write_state(
    service: Service,
    artifact: Artifact,
    create_template: dict[str, Any],
    update_template: dict[str, Any],
) -> Path:
    """Write ``.serverless/`` as the framework does; returns the folder."""
    folder = service.root / STATE_DIR
    folder.mkdir(exist_ok=True)
    (folder / f"{service.name}.zip").write_bytes(artifact.data)
    for name, template in (
        ("cloudformation-template-create-stack.json", create_template),
        ("cloudformation-template-update-stack.json", update_template),
    ):
        (folder / name).write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    state = {
        "service": {"service": service.name, "provider": {"stage": service.stage,
                                                           "region": service.region}},
        "package": {"artifact": f"{service.name}.zip", "artifactSha256": artifact.sha256,
                    "files": artifact.files},
    }  # fmt: skip
    (folder / "serverless-state.json").write_text(json.dumps(state, indent=2) + "\n")
    return folder
