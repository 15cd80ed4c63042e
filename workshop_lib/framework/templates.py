"""``workshop sls create --template aws-python3 --path DIR``: a new service skeleton.

The same three files the framework's ``aws-python3`` template gives (``serverless.yml``,
``handler.py``, ``.gitignore``), in v3 syntax, with a comment per block saying what it does.
"""

from __future__ import annotations

import re
from pathlib import Path

SERVERLESS_YML = """\
# Welcome to your service. Reference: https://www.serverless.com/framework/docs (v3)
service: {name}

frameworkVersion: '3'

provider:
  name: aws
  runtime: python3.12
  # stage and region can be overridden on the command line: --stage prod --region eu-west-1
  stage: dev
  region: us-east-1
  memorySize: 128
  timeout: 6

  # permissions for the functions' role: add what your code calls
  # iam:
  #   role:
  #     statements:
  #       - Effect: Allow
  #         Action: [dynamodb:GetItem]
  #         Resource: arn:aws:dynamodb:${{aws:region}}:${{aws:accountId}}:table/my-table

  # environment variables for every function
  # environment:
  #   STAGE: ${{sls:stage}}

functions:
  hello:
    handler: handler.hello
    # events:
    #   - http:
    #       path: hello
    #       method: get

# CloudFormation resources the service needs (tables, queues, buckets)
# resources:
#   Resources:
#     ...
"""

HANDLER_PY = """\
import json


def hello(event, context):
    body = {
        "message": "Go Serverless v3.0! Your function executed successfully!",
        "input": event,
    }
    return {"statusCode": 200, "body": json.dumps(body)}
"""

GITIGNORE = """\
# Distribution / packaging
.Python
env/
build/
dist/
*.egg-info/
__pycache__/

# Serverless directories
.serverless
"""


def create(path: str | Path, template: str = "aws-python3", name: str | None = None) -> Path:
    """Write the skeleton into ``path`` (which must not exist yet or be empty)."""
    if template not in ("aws-python3", "aws-python"):
        raise ValueError(f"unknown template {template!r}: the sandbox has aws-python3")
    folder = Path(path)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} already exists and is not empty: choose another --path")
    service = name or folder.resolve().name
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", service):
        raise ValueError(
            f"service name {service!r}: use letters, digits and hyphens, starting with a letter"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "serverless.yml").write_text(SERVERLESS_YML.format(name=service), encoding="utf-8")
    (folder / "handler.py").write_text(HANDLER_PY, encoding="utf-8")
    (folder / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    return folder
