"""Every seam in workshop_lib/seams.py, checked against the moto (botocore, werkzeug,
jsonschema) installed here: an upgrade that moves one fails here, naming it."""

from __future__ import annotations

import sys
import types
import warnings
from dataclasses import replace

import pytest

from workshop_lib import seams
from workshop_lib.ec2 import defer_offerings
from workshop_lib.seams import ABSENT, BEHAVIOUR, SPEED, Seam, SeamError, SeamWarning

defer_offerings()  # as a sandbox does before moto's CloudFormation imports EC2's models


@pytest.mark.parametrize("seam", seams.SEAMS, ids=lambda seam: seam.name)
def test_the_seam_fits_the_code_it_was_written_against(seam):
    found = seams.problem(seam)
    if found is None:
        return
    signature, fingerprint = seams.measure(seam)
    if seam.fingerprint == ABSENT or fingerprint == ABSENT or signature != seam.signature:
        todo = "change the replacement to fit, then re-fingerprint"
    else:
        todo = "read what changed; if the replacement still fits, re-fingerprint"
    pytest.fail(
        f"{seam.kind} seam {seam.name} ({seam.why}): {found}. To do: {todo} "
        f"(signature={signature!r}, fingerprint={fingerprint!r}); see {seams.PROCEDURE}",
        pytrace=False,
    )


def test_each_seam_is_declared_once_with_a_kind_and_a_reason():
    names = [seam.name for seam in seams.SEAMS]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    for seam in seams.SEAMS:
        assert seam.kind in (BEHAVIOUR, SPEED) and seam.why, seam.name
        assert bool(seam.lines is None) == bool(seam.replacement), seam.name


def _state(group: str) -> list[tuple[str, object]]:
    """What each seam's target holds now (_MISSING-like None for nothing)."""
    marker = object()
    state = []
    for seam in seams.group(group):
        if seam.lines is not None:
            continue
        owner = seams.resolve(seam.owner)
        if seam.key is not None:
            state.append((seam.name, getattr(owner, seam.attribute).get(seam.key, marker)))
        else:
            state.append((seam.name, vars(owner).get(seam.attribute, marker)))
    return [(name, None if value is marker else value) for name, value in state]


@pytest.mark.parametrize(
    "group", [g for g in seams.groups() if any(s.lines is None for s in seams.group(g))]
)
def test_install_replaces_and_uninstall_restores_exactly(group):
    running = seams.installed(group)
    holder = seams.holder(group)
    seams.uninstall(group, holder)  # motoquick stays installed for the process
    try:
        before = _state(group)
        token, other = object(), object()
        seams.install(group, token)
        seams.install(group, token)  # idempotent
        during = _state(group)
        seams._CHECKED.clear()  # checked again while installed: against the saved originals
        assert [s.name for s in seams.group(group) if seams.problem(s)] == []
        for (name, was), (_, now) in zip(before, during, strict=True):
            assert now is not was, f"{name} was not replaced"
        seams.uninstall(group, other)  # not the holder: nothing happens
        assert _state(group) == during
        seams.uninstall(group, token)
        after = _state(group)
        for (name, was), (_, now) in zip(before, after, strict=True):
            assert now is was, f"{name} is not what it was before the install"
    finally:
        if running:
            seams.install(group, holder)


def test_a_sandbox_installs_its_plug_ins_seams_and_removes_them():
    from workshop_lib import sandbox

    plug_ins = ("lambda", "dynamodb", "apigateway", "apigatewayv2", "iam", "cloudformation")
    was = {group: seams.installed(group) for group in plug_ins}
    with sandbox():
        assert all(seams.installed(group) for group in plug_ins)
    assert {group: seams.installed(group) for group in plug_ins} == was


# -- a target that moved: a fake module stands in for moto ----------------------------------
def _original(x, y):
    return x + y


def _replacement(x, y):
    return x * y


_FAKE = "tests.fake_moto_for_seams"


@pytest.fixture
def fake(monkeypatch):
    """A fake moto module, one seam of each kind on it, and the registry holding only those."""
    module = types.ModuleType(_FAKE)
    module.add, module.sub = _original, _original
    monkeypatch.setitem(sys.modules, _FAKE, module)
    here = f"{__name__}:_replacement"
    written = seams.measure(Seam("x", _FAKE, "add", "", SPEED, None, ABSENT, here))
    speed = Seam("fake", _FAKE, "add", "faster adds", SPEED, *written, here)
    behaviour = Seam("fake", _FAKE, "sub", "AWS's subtraction", BEHAVIOUR, *written, here)
    monkeypatch.setattr(seams, "SEAMS", (speed, behaviour))
    monkeypatch.setattr(seams, "_WARNED", set())
    yield module
    seams.uninstall("fake")


def test_a_fitting_fake_seam_installs_and_uninstalls(fake):
    seams.install("fake")
    assert fake.add is _replacement and fake.sub is _replacement
    seams.uninstall("fake")
    assert fake.add is _original and fake.sub is _original


def test_a_speed_seam_whose_target_changed_turns_itself_off_with_one_warning(fake):
    def add(x, y):  # same signature, other source
        return y + x

    fake.add = add
    with pytest.warns(SeamWarning) as caught:
        seams.install("fake")
    assert fake.add is add and fake.sub is _replacement  # off; the behaviour seam is on
    message = str(caught[0].message)
    assert "speed seam tests.fake_moto_for_seams.add is off" in message
    assert "its source changed" in message and seams.PROCEDURE in message
    assert "\n" not in message
    seams.uninstall("fake")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seams.install("fake")  # warned once per process
    assert fake.add is add


def test_a_speed_seam_whose_target_is_missing_turns_itself_off(fake):
    del fake.add
    with pytest.warns(SeamWarning, match="is off .*: it is missing"):
        seams.install("fake")
    assert not hasattr(fake, "add") and fake.sub is _replacement


def test_a_behaviour_seam_whose_target_changed_refuses_to_start_and_changes_nothing(fake):
    fake.sub = lambda x, y, z=0: x - y
    with pytest.raises(SeamError) as refused:
        seams.install("fake")
    message = str(refused.value)
    assert message.startswith("the sandbox cannot start: moto's tests.fake_moto_for_seams.sub")
    assert "its signature is now (x, y, z=0) (written against (x, y))" in message
    assert seams.PROCEDURE in message and "\n" not in message
    assert fake.add is _original and not seams.installed("fake")


def test_an_import_seam_whose_lines_changed_is_not_usable(monkeypatch):
    seam = seams.find("jsonschema._format")
    monkeypatch.setattr(seams, "SEAMS", (replace(seam, fingerprint="0" * 16),))
    monkeypatch.setattr(seams, "_WARNED", set())
    monkeypatch.setattr(seams, "_CHECKED", {})
    with pytest.warns(SeamWarning, match="speed seam jsonschema._format is off"):
        assert not seams.usable("jsonschema._format")


def test_a_sandbox_refuses_to_start_when_a_behaviour_seam_moved_and_leaves_moto_as_it_was(
    monkeypatch,
):
    from workshop_lib import motoquick, sandbox

    motoquick.install()  # for the whole process, by whichever sandbox starts first
    moved = seams.find("moto.awslambda.models:LambdaBackend.create_function")
    changed = replace(moved, signature="(self, spec, extra)", fingerprint="0" * 16)
    monkeypatch.setattr(seams, "SEAMS", tuple(changed if s is moved else s for s in seams.SEAMS))
    monkeypatch.setattr(seams, "_CHECKED", {})
    before = {group: seams.installed(group) for group in seams.groups()}
    with pytest.raises(SeamError, match="LambdaBackend.create_function .* has moved: its "):
        sandbox().start()
    assert {group: seams.installed(group) for group in seams.groups()} == before


def test_a_virtual_clock_sandbox_routes_the_sdks_retry_sleeps_to_its_clock():
    import time

    import botocore.endpoint

    from workshop_lib import sandbox

    with sandbox(clock="virtual") as aws:
        before, started = aws.clock.time(), time.monotonic()
        botocore.endpoint.time.sleep(60)  # what a retry's back-off calls
        assert aws.clock.time() - before >= 60 and time.monotonic() - started < 5
    assert botocore.endpoint.time is time
