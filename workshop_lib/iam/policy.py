"""Evaluating IAM policy statements the way AWS does, for one action on one resource.

An explicit ``Deny`` wins, then any ``Allow``; nothing matching means denied. ``Action``,
``NotAction``, ``Resource`` and ``NotResource`` take ``*`` and ``?`` wildcards; actions
compare case-insensitively, resources case-sensitively. Conditions are not evaluated (a
statement with a ``Condition`` is assumed to match): the point here is to show a learner
which calls their role forgot, not to be a policy simulator.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _wild(pattern: str, value: str, *, case: bool) -> bool:
    regex = fnmatch.translate(pattern)
    return re.match(regex, value, 0 if case else re.IGNORECASE) is not None


def _matches(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement:
        action_ok = any(_wild(p, action, case=False) for p in _as_list(statement["Action"]))
    else:
        action_ok = not any(
            _wild(p, action, case=False) for p in _as_list(statement.get("NotAction"))
        )
    if not action_ok:
        return False
    if "Resource" in statement:
        return any(_wild(p, resource, case=True) for p in _as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(_wild(p, resource, case=True) for p in _as_list(statement["NotResource"]))
    return False


def allows(statements: Iterable[dict[str, Any]], action: str, resource: str = "*") -> bool:
    """Whether ``statements`` allow ``action`` (``dynamodb:PutItem``) on ``resource`` (an ARN)."""
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict) or not _matches(statement, action, resource):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed
