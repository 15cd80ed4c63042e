"""A handler's result is marshalled as AWS's Python runtime does it.

Source: awslambdaric 4.2.2, ``awslambdaric/lambda_runtime_marshaller.py``
(``Encoder`` and ``LambdaMarshaller.marshal_response``): simplejson, a Decimal written as its
exact text (``RawJSON(str(obj))``), NaN as NaN, ``ensure_ascii=False`` when
``AWS_EXECUTION_ENV`` is python3.12 to 3.15, bytes results passed through, and
"Unable to marshal response: " + the encoder's message. The expected answers were produced by
that code itself (tests/data/marshal_cases.py says how).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.data.marshal_cases import CASES, RUNTIMES
from tests.lambda_helpers import create
from workshop_lib import sandbox
from workshop_lib.lambda_runtime import bootstrap

ANSWERS = json.loads((Path(__file__).parent / "data" / "awslambdaric_marshaller.json").read_text())


def _ours(result, env):
    try:
        body = bootstrap.to_json(result, execution_env=env)
    except bootstrap.FaultException as e:
        return {"errorType": e.exception_type, "errorMessage": e.msg}
    if isinstance(body, bytes):
        return {"bytes": body.hex(), "contentType": "application/unknown"}
    return {"text": body, "contentType": "application/json"}


@pytest.mark.parametrize("env", RUNTIMES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_result_is_marshalled_as_awslambdaric_does(name, env):
    assert _ours(CASES[name], env) == ANSWERS[f"{env}|{name}"]


def test_every_case_has_an_answer_from_awslambdaric():
    assert set(ANSWERS) == {f"{env}|{name}" for env in RUNTIMES for name in CASES}


def test_the_issues_examples():
    assert bootstrap.to_json(Decimal("10")) == "10"
    assert bootstrap.to_json(Decimal("12345678901234567890.123456789")) == (
        "12345678901234567890.123456789"
    )
    assert bootstrap.to_json({"price": Decimal("1.50")}) == '{"price": 1.50}'
    with pytest.raises(bootstrap.FaultException) as info:
        bootstrap.to_json({1, 2, 3})
    assert (
        info.value.msg == "Unable to marshal response: Object of type set is not JSON serializable"
    )


def test_a_circular_result_is_a_marshal_error_in_simplejsons_words():
    loop: list = []
    loop.append({"again": loop})
    with pytest.raises(bootstrap.FaultException, match="Circular reference detected"):
        bootstrap.to_json(loop)


def test_the_namedtuple_scan_ends_on_a_circular_result():
    loop: dict = {}
    loop["self"] = [loop, (1, 2)]
    assert bootstrap._holds_namedtuple(loop) is False
    assert bootstrap._holds_namedtuple({"a": [1, {"b": CASES["namedtuple"]}]}) is True


def test_through_the_sandbox_invoke_returns_awss_bytes():
    """End to end: the worker marshals with its own AWS_EXECUTION_ENV (python3.12: no escapes;
    python3.11: escapes), and a bytes result reaches the caller as it is."""
    code = """
from decimal import Decimal
def handler(event, context):
    if event.get("raw"):
        return b"\\x00not json"
    return {"n": Decimal("12345678901234567890.123456789"), "p": Decimal("1.50"), "s": "Zoë"}
"""
    with sandbox() as aws:
        lam = aws.client("lambda")
        create(aws, "new", code, runtime="python3.12")
        create(aws, "old", code, runtime="python3.11")
        new = lam.invoke(FunctionName="new", Payload="{}")["Payload"].read()
        old = lam.invoke(FunctionName="old", Payload="{}")["Payload"].read()
        raw = lam.invoke(FunctionName="new", Payload='{"raw": true}')
    assert new == '{"n": 12345678901234567890.123456789, "p": 1.50, "s": "Zoë"}'.encode()
    assert old == b'{"n": 12345678901234567890.123456789, "p": 1.50, "s": "Zo\\u00eb"}'
    assert raw["Payload"].read() == b"\x00not json" and "FunctionError" not in raw
