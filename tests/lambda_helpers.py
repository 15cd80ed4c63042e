"""Shared helpers for the Lambda runtime tests."""

from __future__ import annotations

import base64
import json
from typing import Any

from botocore.config import Config

from workshop_lib.lambda_runtime import execution_role, package


def create(
    aws: Any,
    name: str,
    files: dict[str, str] | str,
    handler: str = "app.handler",
    runtime: str = "python3.12",
    **config: Any,
) -> dict:
    """Create a function from source (a string is app.py)."""
    if isinstance(files, str):
        files = {"app.py": files}
    return aws.client("lambda").create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=execution_role(aws.client("iam")),
        Handler=handler,
        Code={"ZipFile": package(files)},
        **config,
    )


NO_RETRIES = Config(retries={"total_max_attempts": 1})


def invoke(aws: Any, name: str, event: Any = None, retries: bool = True, **kwargs: Any) -> dict:
    """Invoke synchronously; decode payload (JSON) and the tail log.

    ``retries=False`` turns off botocore's own retries, which otherwise hide throttling
    (TooManyRequestsException is retried with back-off by every AWS SDK).
    """
    client = aws.client("lambda") if retries else aws.client("lambda", config=NO_RETRIES)
    response = client.invoke(
        FunctionName=name,
        Payload=json.dumps(event if event is not None else {}),
        LogType="Tail",
        **kwargs,
    )
    response["body"] = json.loads(response["Payload"].read() or b"null")
    response["log"] = base64.b64decode(response.get("LogResult", "")).decode()
    return response
