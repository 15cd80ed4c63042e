"""Make the service importable as Lambda sees it (``apps``, ``auth``, ``repositories`` at the
top level) and give every test a fresh default repository and signing secret."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SERVICE_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = Path(__file__).resolve().parent
for path in (str(TESTS_DIR), str(SERVICE_ROOT)):  # the service root ends up first
    if path not in sys.path:
        sys.path.insert(0, path)

from events import SECRET  # noqa: E402 - both need the path above
from repositories.apps import default_repository  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_environment(monkeypatch: pytest.MonkeyPatch):
    """No repository cached from another test; a known JWT secret (monkeypatch restores)."""
    monkeypatch.setenv("JWT_SECRET", SECRET)
    default_repository.cache_clear()
    yield
    default_repository.cache_clear()
