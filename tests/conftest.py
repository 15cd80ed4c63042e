"""Shared fixtures: every test gets its own WORKSHOP_HOME and no leftover sandbox (a
module-scoped fixture may keep one for its tests if it sets ``aws.shared_by_module``)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path / "workshop-home"))
    yield
    from workshop_lib import sandbox

    running = sandbox.active()
    if running is not None and not getattr(running, "shared_by_module", False):
        running.stop()
        pytest.fail("a test left a sandbox running")
