"""``workshop reset 03``: a fresh copy of a learner notebook, keeping the old one.

The learner's copy is regenerated from ``solutions/`` (unsolved, without outputs); the
notebook as it was is moved to ``notebooks/.backup/`` first, so nothing is lost.
``workshop reset service`` does the same for the demo service's folder (notebook 09's
exercise is in it): the whole folder is copied to ``notebooks/.backup/`` first.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from workshop_lib import authoring


def reset(number: str, root: Path | None = None) -> tuple[Path, Path | None]:
    """Reset notebook ``number`` (``"03"``) or a service folder (``"service"``); returns
    (notebook or folder, backup or None)."""
    root = root or authoring.ROOT
    if number in authoring.SERVICES:
        return reset_service(number, root)
    number = f"{int(number):02d}" if number.isdigit() else number
    matches = sorted((root / "solutions").glob(f"{number}_*.ipynb"))
    if not matches:
        known = ", ".join(
            [*sorted(p.name[:2] for p in (root / "solutions").glob("*.ipynb")), *authoring.SERVICES]
        )
        raise ValueError(f"there is no notebook {number} (the course has: {known})")
    solution = matches[0]
    target = root / "notebooks" / solution.name
    backup = None
    if target.exists():
        backups = root / "notebooks" / ".backup"
        backups.mkdir(parents=True, exist_ok=True)
        backup = backups / f"{target.stem}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
        shutil.copy2(target, backup)
    import nbformat  # here, after authoring's quick jsonschema import (nbformat imports it)

    fresh = authoring.learner_notebook(nbformat.read(solution, as_version=4), solution.name)
    nbformat.write(fresh, target)
    return target, backup


def reset_service(name: str, root: Path) -> tuple[Path, Path | None]:
    """The learner's service folder as generated (stubs included), the old one backed up."""
    target = root / "notebooks" / name
    backup = None
    if target.exists():
        backup = root / "notebooks" / ".backup" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
        shutil.copytree(target, backup, ignore=shutil.ignore_patterns(".serverless", "__pycache__"))
    authoring.build_service(name, root / "solutions", root / "notebooks")
    return target, backup
