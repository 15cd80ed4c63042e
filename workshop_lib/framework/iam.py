"""Least privilege made visible: calls a function made that its role does not allow.

The role's statements are the ones the framework compiled (logs, queues, dead-letter
targets, and ``iamRoleStatements`` / ``iam.role.statements``) with their CloudFormation
functions resolved against the deployed stack; the calls are what the sandbox recorded
(:mod:`workshop_lib.iam.audit`).
"""

from __future__ import annotations

import json
from typing import Any

from workshop_lib.framework.service import Service
from workshop_lib.iam import audit
from workshop_lib.iam.policy import allows


def role_statements(service: Service, aws: Any) -> list[dict[str, Any]]:
    """The execution role's statements as deployed (CloudFormation functions resolved)."""
    from workshop_lib.framework import compile as cfn
    from workshop_lib.framework.deploy import physical_ids
    from workshop_lib.framework.gaps import Intrinsics

    cf = aws.client("cloudformation", region_name=service.region)
    physical = physical_ids(cf, service.stack_name)
    body = cf.get_template(StackName=service.stack_name)["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body
    types = {k: v.get("Type", "") for k, v in template.get("Resources", {}).items()}
    resolve = Intrinsics(aws, service.region, physical, types)
    role = cfn.execution_role(service)
    statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    resolved = []
    for statement in statements:
        try:
            resolved.append(resolve(statement))
        except Exception:  # a reference to something not deployed: keep it visible
            resolved.append({**statement, "Resource": "unresolved"})
    return resolved


def recorded_calls(service: Service, aws: Any) -> list[audit.Call]:
    """What the service's functions called, from this process or the sandbox server."""
    names = {fn.name for fn in service.functions.values()}
    if getattr(aws, "mode", "") == "server":
        try:
            every = audit.fetch(aws.endpoint_url)
        except OSError:
            return []
    else:
        every = audit.calls()
    return [c for c in every if c.function in names]


def denied_calls(service: Service, aws: Any) -> list[audit.Call]:
    """Recorded calls that the role's statements do not allow."""
    calls = recorded_calls(service, aws)
    if not calls:
        return []
    statements = role_statements(service, aws)
    return [c for c in calls if not allows(statements, c.action, c.resource)]


def warnings(service: Service, aws: Any) -> list[str]:
    """One line per call the role does not allow, saying what to add to serverless.yml."""
    if getattr(aws, "mode", "") == "real-aws":
        return []
    lines = []
    for call in denied_calls(service, aws):
        lines.append(
            f"{call.function} called {call.action} on {call.resource} ({call.count}x) but "
            "its role does not allow it: on AWS that call fails with AccessDeniedException; "
            f"add it to provider.iam.role.statements (Action: {call.action})"
        )
    return lines
