"""Small helpers for deploying functions into the sandbox with plain boto3.

A course shows the real ``create_function`` call; these only take the chores out of it:
zipping source files, and the IAM role every function needs.
"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from typing import Any

ASSUME_LAMBDA = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def package(files: dict[str, str | bytes]) -> bytes:
    """A deployment package (zip bytes) from ``{"path/in/zip.py": source}``.

    Source strings are dedented, so a triple-quoted block in a notebook cell works as is.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            if isinstance(content, str):
                content = textwrap.dedent(content).lstrip("\n")
            info = zipfile.ZipInfo(name, date_time=(2018, 3, 7, 0, 0, 0))  # the talk's date
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def execution_role(iam: Any, name: str = "lambda-execution-role") -> str:
    """The ARN of a role Lambda can assume (created once, reused after)."""
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ASSUME_LAMBDA)
        return role["Role"]["Arn"]
