"""Handler results whose marshalling the sandbox must match with AWS's Python runtime.

The answers in awslambdaric_marshaller.json were produced by awslambdaric 4.2.2 itself
(``awslambdaric/lambda_runtime_marshaller.py``, ``LambdaMarshaller.marshal_response``, with
its simplejson), by running this file as a script in a virtual environment that has it:

    python -m venv /tmp/ric && /tmp/ric/bin/pip install awslambdaric==4.2.2
    /tmp/ric/bin/python tests/data/marshal_cases.py > tests/data/awslambdaric_marshaller.json

awslambdaric is not a test dependency: it builds a C++ extension where no wheel fits.
"""

from __future__ import annotations

import collections
import decimal
import json
import os

D = decimal.Decimal
Point = collections.namedtuple("Point", "x y")

#: name -> a handler's result
CASES = {
    "int_decimal": D("10"),
    "long_decimal": D("12345678901234567890.123456789"),
    "trailing_zero": D("1.50"),
    "negative_exp": D("-1E-7"),
    "exponent": D("1E+3"),
    "zero_point": D("0.00"),
    "neg_zero": D("-0"),
    "nan": D("NaN"),
    "snan": D("sNaN"),
    "neg_nan": D("-NaN"),
    "infinity": D("Infinity"),
    "neg_infinity": D("-Infinity"),
    "float_nan": float("nan"),
    "float_inf": float("inf"),
    "float": 0.1,
    "item": {"id": "a1", "price": D("19.99"), "stock": D("3"), "tags": ["x", D("2.0")]},
    "unicode": {"name": "Zoë ☃ 日本"},
    "astral": "𝄞",
    "tuple": (1, D("2.5")),
    "namedtuple": Point(1, D("2")),
    "nested_namedtuple": {"p": [Point(D("1.0"), "y")]},
    "bool_none": [True, False, None],
    "other_keys": {1: "a", 2.5: "b", False: "c", None: "d"},
    "bigint": 2**70,
    "string_like_marker": "0123456789abcdef:0",
    "bytes_nested": {"b": b"x", "list": [b"caf\xc3\xa9"]},
    "bytes_key": {b"k": 1},
    "empty": {},
    "bytes": b"\xff\x00raw",
    # results the runtime refuses (Runtime.MarshalError)
    "set": {1, 2, 3},
    "object": object(),
    "bytes_invalid_utf8": {"b": b"\xff"},
    "decimal_key": {D("1"): "x"},
}
#: AWS_EXECUTION_ENV values: 3.11 escapes non-ASCII text, 3.12 and later do not
RUNTIMES = ("AWS_Lambda_python3.11", "AWS_Lambda_python3.12")


def main() -> None:
    from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller

    answers = {}
    for env in RUNTIMES:
        os.environ["AWS_EXECUTION_ENV"] = env
        marshaller = LambdaMarshaller()
        for name, result in CASES.items():
            try:
                body, content_type = marshaller.marshal_response(result)
            except Exception as e:  # awslambdaric's FaultException
                answers[f"{env}|{name}"] = {"errorType": e.exception_type, "errorMessage": e.msg}
                continue
            if isinstance(body, bytes):
                answers[f"{env}|{name}"] = {"bytes": body.hex(), "contentType": content_type}
            else:
                answers[f"{env}|{name}"] = {"text": body, "contentType": content_type}
    print(json.dumps(answers, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
