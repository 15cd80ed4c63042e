"""Which runtimes a function may use, and the checks AWS makes when it is created or updated.

The runtimes and their lifecycle dates are facts.RUNTIMES (AWS's runtime table): a function
is refused with AWS's ``InvalidParameterValueException`` once the sandbox's clock has reached
its runtime's block-create (CreateFunction) or block-update (UpdateFunctionConfiguration)
date. The sandbox runs Python 3 functions on its own interpreter; other runtimes are accepted,
as AWS would, but cannot be invoked here.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException, ValidationException

from workshop_lib.facts import RUNTIMES, runtimes_supported_on, value

#: Environment variables the Lambda runtime sets itself; a function may not define them.
RESERVED_ENV = frozenset(
    "_HANDLER _X_AMZN_TRACE_ID AWS_DEFAULT_REGION AWS_REGION AWS_EXECUTION_ENV "
    "AWS_LAMBDA_FUNCTION_NAME AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_FUNCTION_VERSION "
    "AWS_LAMBDA_INITIALIZATION_TYPE AWS_LAMBDA_LOG_GROUP_NAME AWS_LAMBDA_LOG_STREAM_NAME "
    "AWS_ACCESS_KEY AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN "
    "AWS_LAMBDA_RUNTIME_API LAMBDA_TASK_ROOT LAMBDA_RUNTIME_DIR".split()
)


def python_runtimes(day: date | None = None) -> list[str]:
    """The Python runtimes AWS lists as supported on ``day`` (the facts' check date if None)."""
    if day is None:
        return [r.strip() for r in str(value("lambda.python_runtimes")).split(",")]
    return runtimes_supported_on(day, "python")


def newest_python() -> str:
    return str(value("lambda.python_runtime_latest"))


def is_python(runtime: str | None) -> bool:
    """A Python 3 runtime of AWS's table: the sandbox can run it (once it was created)."""
    return runtime is not None and runtime.startswith("python3.") and runtime in RUNTIMES


def check_runtime(runtime: str | None, day: date | None = None, action: str = "create") -> None:
    """Raise AWS's error for an unknown runtime, or one whose block date for ``action``
    ("create" or "update") has come on ``day`` (the sandbox's clock; today if None)."""
    if runtime is None:
        return
    if day is None:
        day = date.today()
    known = RUNTIMES.get(runtime)
    if known is None:
        allowed = ", ".join(sorted(r.identifier for r in RUNTIMES.values() if r.supported_on(day)))
        raise InvalidParameterValueException(
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy "
            f"enum value set: [{allowed}] or be a valid ARN"
        )
    blocked = known.blocked_since(action, day)
    if blocked is None:
        return
    successor = known.successor or newest_python()
    what = "creating functions" if action == "create" else "updating functions"
    raise InvalidParameterValueException(
        f"The runtime parameter of {runtime} is no longer supported for creating or updating "
        f"AWS Lambda functions. We recommend you use the new runtime ({successor}) while "
        f"creating or updating functions. (Lambda blocks {what} on {runtime} since {blocked}, "
        f"AWS's runtime table; the sandbox's date is {day}: use Runtime={successor!r}.)"
    )


def check_environment(variables: dict[str, Any] | None) -> None:
    """AWS's checks on ``Environment.Variables``: reserved keys and the 4 KB limit."""
    if not variables:
        return
    reserved = sorted(set(variables) & RESERVED_ENV)
    if reserved:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided contains reserved keys that are "
            f"currently not supported for modification. Reserved keys used in this request: "
            f"{', '.join(reserved)}"
        )
    measured = json.dumps(variables, separators=(",", ":"))
    limit = int(value("lambda.env_vars_max_kb")) * 1024
    if len(measured.encode()) > limit:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the "
            f"environment variables you have provided exceeded the 4KB limit. String "
            f"measured: {measured}"
        )


def python_version_of(runtime: str | None) -> tuple[str, str]:
    """``python3.12`` → ``("3", "12")`` (the sandbox's own version for anything else)."""
    import sys

    if runtime and runtime.startswith("python3."):
        return "3", runtime.removeprefix("python3.")
    return str(sys.version_info.major), str(sys.version_info.minor)


def not_runnable_error(runtime: str, request_id: str) -> dict[str, Any]:
    """The invoke error for a supported runtime the sandbox cannot run (not Python)."""
    return {
        "errorType": "Runtime.NotAvailableInSandbox",
        "errorMessage": (
            f"RequestId: {request_id} Error: the workshop sandbox runs Python functions only; "
            f"{runtime} is a valid AWS runtime but cannot run here"
        ),
    }


_TARGET_ARN = re.compile(r"^arn:aws[a-z-]*:(sqs|sns):[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$")


def _limit_error(value_: Any, field: str, bound: str, limit: int) -> ValidationException:
    return ValidationException(
        str(value_), field, f"Member must have value {bound} or equal to {limit}"
    )


def check_configuration(config: dict[str, Any]) -> None:
    """AWS's bounds on memory, timeout and /tmp, and a well-formed dead-letter target."""
    bounds = [
        ("MemorySize", "memorySize", "lambda.memory_min_mb", "lambda.memory_max_mb"),
        ("Timeout", "timeout", None, "lambda.max_timeout_s"),
    ]
    for key, field, low, high in bounds:
        if config.get(key) is None:
            continue
        number = int(config[key])
        minimum = int(value(low)) if low else 1
        if number < minimum:
            raise _limit_error(number, field, "greater than", minimum)
        if number > int(value(high)):
            raise _limit_error(number, field, "less than", int(value(high)))
    storage = (config.get("EphemeralStorage") or {}).get("Size")
    if storage is not None and not (
        int(value("lambda.tmp_default_mb")) <= int(storage) <= int(value("lambda.tmp_max_mb"))
    ):
        raise _limit_error(
            storage, "ephemeralStorage.size", "less than", int(value("lambda.tmp_max_mb"))
        )
    target = (config.get("DeadLetterConfig") or {}).get("TargetArn")
    if target and not _TARGET_ARN.match(target):
        raise InvalidParameterValueException(
            f"The provided target arn {target!r} is invalid: a dead-letter queue must be the "
            "ARN of an SQS queue or an SNS topic (arn:aws:sqs:REGION:ACCOUNT:NAME), not a URL"
        )
