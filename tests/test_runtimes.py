"""Lambda's runtime lifecycle: one table (facts.RUNTIMES), checked against AWS's.

Source: AWS's runtime page, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
("Supported runtimes" and "Deprecated runtimes": deprecation, block function create, block
function update). cfn-lint ships the same table as data
(cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json, used by its rules W2531, E2531 and
W2533); the table here must agree with it, date for date.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from importlib import resources

import pytest
from botocore.exceptions import ClientError

from tests.lambda_helpers import create
from workshop_lib import facts, sandbox
from workshop_lib.clock import VirtualClock
from workshop_lib.lambda_runtime import package, runtimes


def _cfn_lint_table() -> dict[str, dict]:
    spec = resources.files("cfnlint.data.AdditionalSpecs") / "LmbdRuntimeLifecycle.json"
    return json.loads(spec.read_text())


def test_the_table_agrees_with_cfn_lints_copy_of_awss():
    theirs = _cfn_lint_table()
    assert set(theirs) == set(facts.RUNTIMES), "runtimes missing on one side"
    for name, row in theirs.items():
        ours = facts.RUNTIMES[name]
        got = (ours.deprecated, ours.block_create, ours.block_update, ours.successor)
        want = (row["deprecated"], row["create-block"], row["update-block"], row["successor"])
        assert got == want, name


def test_facts_come_from_the_table_on_its_check_date():
    day = date.fromisoformat(facts.RUNTIMES_CHECKED)
    supported = str(facts.value("lambda.python_runtimes")).split(", ")
    assert supported == facts.runtimes_supported_on(day)
    assert "python3.10" not in supported  # deprecated 2026-10-31
    assert facts.value("lambda.python_runtime_latest") == supported[-1]
    assert facts.RUNTIMES["python3.9"].block_create == "2027-02-01"
    for name in str(facts.value("lambda.python_runtimes_deprecated")).split(", "):
        assert not facts.RUNTIMES[name].supported_on(day)
        assert facts.RUNTIMES[name].blocked_since("create", day) is None


def _move_to(clock: VirtualClock, day: str) -> None:
    when = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
    clock.advance((when - clock.now()).total_seconds())


def test_create_then_update_are_refused_from_their_block_dates_on_the_sandboxs_clock():
    code = "def handler(e, c):\n    return 1\n"
    clock = VirtualClock(datetime(2027, 1, 31, 9, tzinfo=timezone.utc))
    with sandbox(clock=clock) as aws:
        lam = aws.client("lambda")
        create(aws, "old", code, runtime="python3.9")  # the day before block-create
        _move_to(clock, "2027-02-01")
        with pytest.raises(ClientError) as info:
            create(aws, "new", code, runtime="python3.9")
        error = info.value.response["Error"]
        assert error["Code"] == "InvalidParameterValueException"
        message = error["Message"]
        assert message.startswith(
            "The runtime parameter of python3.9 is no longer supported for creating or "
            "updating AWS Lambda functions. We recommend you use the new runtime (python3.14)"
        )
        assert "since 2027-02-01" in message and "Runtime='python3.14'" in message
        assert "\n" not in message
        lam.update_function_configuration(FunctionName="old", MemorySize=256)  # still allowed
        _move_to(clock, "2027-03-03")
        with pytest.raises(ClientError, match="Lambda blocks updating functions on python3.9"):
            lam.update_function_configuration(FunctionName="old", MemorySize=512)
        with pytest.raises(ClientError, match="Lambda blocks updating functions on python3.9"):
            lam.update_function_code(FunctionName="old", ZipFile=package({"app.py": code}))
        lam.update_function_configuration(FunctionName="old", Runtime="python3.14")  # the fix


def test_unknown_runtimes_list_what_is_supported_on_that_day():
    with pytest.raises(runtimes.InvalidParameterValueException) as info:
        runtimes.check_runtime("python3.99", date(2026, 12, 7))
    assert "failed to satisfy constraint" in str(info.value)
    assert "python3.14" in str(info.value) and "python3.10," not in str(info.value)


def test_a_deprecated_runtime_not_yet_blocked_is_one_warning():
    """Deprecated but still created and updated: the deploy goes on with one line; blocked
    or supported runtimes give none (the deploy's own AWS error covers the blocked ones)."""
    from datetime import date

    from workshop_lib.facts import RUNTIMES
    from workshop_lib.framework.service import runtime_warnings

    python39 = RUNTIMES["python3.9"]
    between = date.fromisoformat(python39.deprecated)
    (line,) = runtime_warnings({"python3.9", "python3.14"}, between)
    assert line.startswith(f"runtime python3.9 is deprecated since {python39.deprecated}")
    assert python39.block_create in line and python39.successor in line
    assert runtime_warnings({"python3.9"}, date.fromisoformat(python39.block_create)) == []
    assert runtime_warnings({"python3.14", "nodejs99.x"}, between) == []
