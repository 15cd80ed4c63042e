"""Shared by the framework's compile tests."""

from __future__ import annotations

from typing import Any


def one_zip_each(service: Any) -> dict[str, tuple[str, str]]:
    """``update_template``'s code map: one zip per function, as ``package`` makes them (the
    names and hashes do not matter to what the tests read)."""
    return {key: (f"{key}.zip", "sha") for key in service.functions}
