"""IAM in the sandbox: which AWS actions each function's code calls, and whether its
role allows them (moto's own IAM enforcement cannot be relied on: it fails on requests with
an empty body). See ``audit.py`` (recording) and ``policy.py`` (evaluating statements).
"""

from __future__ import annotations

from workshop_lib.iam.audit import AuditPlugin, Call, access_key_for, calls
from workshop_lib.iam.policy import allows

__all__ = ["AuditPlugin", "Call", "access_key_for", "allows", "calls"]
