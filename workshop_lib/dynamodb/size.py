"""Item sizes by DynamoDB's rules (CapacityUnitCalculations.html, checked 2026-11-27).

The size of an item is the sum of its attribute names (UTF-8 bytes) and values:
strings by UTF-8 bytes, numbers by 1 byte per two significant digits plus 1, binary by raw
bytes, booleans and null 1 byte, lists and maps 3 bytes plus their elements plus 1 byte per
element, sets the sum of their members. Items come either as plain Python values (what
boto3's resource layer takes) or in the low-level ``{"S": "..."}`` form.
"""

from __future__ import annotations

import base64
import math
from decimal import Decimal
from typing import Any

LIST_OR_MAP_OVERHEAD = 3
ELEMENT_OVERHEAD = 1


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def number_size(number: Any) -> int:
    """Bytes of a number: 1 per two significant digits (leading/trailing zeroes trimmed) + 1."""
    text = (repr(number) if isinstance(number, float) else str(number)).strip().lower()
    if text.lstrip("+-") in ("nan", "inf", "infinity"):
        raise ValueError(f"DynamoDB numbers must be finite: {number!r}")
    mantissa = text.lstrip("+-").split("e")[0]
    significant = mantissa.replace(".", "").strip("0")
    return math.ceil(len(significant) / 2) + 1


def _binary_size(value: Any) -> int:
    if hasattr(value, "value") and isinstance(value.value, (bytes, bytearray)):  # boto3 Binary
        value = value.value
    return len(bytes(value))


def value_size(value: Any) -> int:
    """Size of a plain Python value as boto3's resource layer sends it."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return _utf8(value)
    if isinstance(value, (int, float, Decimal)):
        return number_size(value)
    if isinstance(value, (bytes, bytearray)) or type(value).__name__ == "Binary":
        return _binary_size(value)
    if isinstance(value, (set, frozenset)):
        return sum(value_size(member) for member in value)
    if isinstance(value, (list, tuple)):
        return LIST_OR_MAP_OVERHEAD + sum(value_size(v) + ELEMENT_OVERHEAD for v in value)
    if isinstance(value, dict):
        return LIST_OR_MAP_OVERHEAD + sum(
            _utf8(k) + value_size(v) + ELEMENT_OVERHEAD for k, v in value.items()
        )
    raise TypeError(f"not a DynamoDB value: {value!r} ({type(value).__name__})")


def low_level_value_size(value: dict[str, Any]) -> int:
    """Size of one low-level attribute value such as ``{"N": "42"}``."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return _utf8(inner)
    if kind == "N":
        return number_size(inner)
    if kind == "B":
        return len(inner if isinstance(inner, (bytes, bytearray)) else base64.b64decode(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8(s) for s in inner)
    if kind == "NS":
        return sum(number_size(n) for n in inner)
    if kind == "BS":
        return sum(
            len(b if isinstance(b, (bytes, bytearray)) else base64.b64decode(b)) for b in inner
        )
    if kind == "L":
        return LIST_OR_MAP_OVERHEAD + sum(low_level_value_size(v) + ELEMENT_OVERHEAD for v in inner)
    if kind == "M":
        return LIST_OR_MAP_OVERHEAD + sum(
            _utf8(k) + low_level_value_size(v) + ELEMENT_OVERHEAD for k, v in inner.items()
        )
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: dict[str, Any], *, low_level: bool = False) -> int:
    """Bytes of an item: attribute names plus values, by DynamoDB's item-size rules.

    ``low_level=True`` takes the client form (``{"id": {"S": "42"}}``); the default takes
    plain Python values as ``boto3.resource("dynamodb")`` does (``{"id": "42"}``).
    """
    size_of = low_level_value_size if low_level else value_size
    return sum(_utf8(name) + size_of(value) for name, value in item.items())
