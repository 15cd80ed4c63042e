"""Serverless Workshop's local AWS sandbox and teaching helpers.

``from workshop_lib import sandbox`` gives the :mod:`workshop_lib.sandbox` module, which is
callable: ``with sandbox() as aws: ...``. Submodules load lazily so that importing the
package stays fast (boto3 and moto are imported only when a sandbox starts).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {
    "authoring",
    "bars",
    "cli",
    "clock",
    "cost",
    "exercises",
    "facts",
    "ids",
    "lab",
    "server",
    "netguard",
    "sandbox",
    "setup_check",
    "reset",
    "progress",
    "doctor",
    "slides",
    "testing",
    "widgets",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
