"""Build REST APIs in the sandbox with plain boto3, for the API Gateway tests."""

from __future__ import annotations

from typing import Any

from tests.lambda_helpers import create

ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"},
            "body": json.dumps(event)}
"""


def lambda_uri(aws: Any, function_arn: str) -> str:
    return (
        f"arn:aws:apigateway:{aws.region}:lambda:path/2015-03-31/functions/"
        f"{function_arn}/invocations"
    )


class Api:
    """A REST API under construction: resources by path, methods, integrations."""

    def __init__(self, aws: Any, name: str = "apps") -> None:
        self.aws = aws
        self.client = aws.client("apigateway")
        self.id = self.client.create_rest_api(name=name)["id"]
        root = self.client.get_resources(restApiId=self.id)["items"][0]["id"]
        self.resources = {"/": root}

    def resource(self, path: str) -> str:
        if path in self.resources:
            return self.resources[path]
        parent, _, part = path.rstrip("/").rpartition("/")
        parent_id = self.resource(parent or "/")
        created = self.client.create_resource(restApiId=self.id, parentId=parent_id, pathPart=part)
        self.resources[path] = created["id"]
        return created["id"]

    def proxy(
        self,
        path: str,
        method: str,
        function_arn: str,
        *,
        timeout_ms: int | None = None,
        **method_args: Any,
    ) -> None:
        rid = self.resource(path)
        method_args.setdefault("authorizationType", "NONE")
        self.client.put_method(restApiId=self.id, resourceId=rid, httpMethod=method, **method_args)
        self.client.put_integration(
            restApiId=self.id,
            resourceId=rid,
            httpMethod=method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=lambda_uri(self.aws, function_arn),
            **({"timeoutInMillis": timeout_ms} if timeout_ms is not None else {}),
        )

    def deploy(self, stage: str = "dev", **kwargs: Any) -> str:
        self.client.create_deployment(restApiId=self.id, stageName=stage, **kwargs)
        return f"https://{self.id}.execute-api.{self.aws.region}.amazonaws.com/{stage}"


def echo_api(
    aws: Any,
    paths: tuple[str, ...] = ("/apps", "/apps/{id}"),
    methods: tuple[str, ...] = ("GET", "POST"),
) -> tuple[Api, str]:
    fn = create(aws, "echo", ECHO)["FunctionArn"]
    api = Api(aws)
    for path in paths:
        for method in methods:
            api.proxy(path, method, fn)
    return api, fn


def slow_functions(aws: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``short`` outlasts its own 1 s timeout; ``long`` takes 2 s of a 10 s timeout."""
    short = create(aws, "short", "import time\ndef handler(e, c):\n    time.sleep(3)\n", Timeout=1)
    long = create(
        aws,
        "long",
        "import time\ndef handler(e, c):\n    time.sleep(2)\n"
        "    return {'statusCode': 200, 'body': 'done'}\n",
        Timeout=10,
    )
    return short, long
