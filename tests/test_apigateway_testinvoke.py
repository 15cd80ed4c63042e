"""TestInvokeMethod (the console's Test tab, ``aws apigateway test-invoke-method``): the method
as configured now, deployed or not, without its API key, through the sandbox's own method
execution (API reference: https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html)."""

from __future__ import annotations

import json

from tests.lambda_helpers import create
from workshop_lib import sandbox

ECHO = """
import json

def handler(event, context):
    found = {"id": event["pathParameters"]["id"], "q": event["queryStringParameters"],
             "stage": event["stageVariables"]}
    return {"statusCode": 200, "headers": {"x-id": found["id"]}, "body": json.dumps(found)}
"""


def test_test_invoke_method_runs_an_undeployed_private_method():
    with sandbox() as aws:
        fn = create(aws, "echo", ECHO)
        apigw = aws.client("apigateway")
        api = apigw.create_rest_api(name="items")["id"]
        root = apigw.get_resources(restApiId=api)["items"][0]["id"]
        items = apigw.create_resource(restApiId=api, parentId=root, pathPart="items")["id"]
        item = apigw.create_resource(restApiId=api, parentId=items, pathPart="{id}")["id"]
        apigw.put_method(
            restApiId=api, resourceId=item, httpMethod="GET", authorizationType="NONE",
            apiKeyRequired=True,
        )  # fmt: skip
        uri = (
            f"arn:aws:apigateway:{aws.region}:lambda:path/2015-03-31/functions/"
            f"{fn['FunctionArn']}/invocations"
        )
        apigw.put_integration(
            restApiId=api, resourceId=item, httpMethod="GET", type="AWS_PROXY",
            integrationHttpMethod="POST", uri=uri,
        )  # fmt: skip
        answer = apigw.test_invoke_method(
            restApiId=api,
            resourceId=item,
            httpMethod="GET",
            pathWithQueryString="/items/42?verbose=yes",
            stageVariables={"table": "apps-test"},
        )
        assert answer["status"] == 200  # no deployment, no API key: the Test tab's rules
        assert json.loads(answer["body"]) == {
            "id": "42", "q": {"verbose": "yes"}, "stage": {"table": "apps-test"}
        }  # fmt: skip
        assert answer["headers"]["x-id"] == "42"
        assert "Method completed with status: 200" in answer["log"]
        assert '"pathParameters": {"id": "42"}' in answer["log"]
        try:
            apigw.test_invoke_method(restApiId=api, resourceId=item, httpMethod="DELETE")
        except apigw.exceptions.NotFoundException as refused:
            assert "Invalid Method identifier" in str(refused)
        else:
            raise AssertionError("a method the resource does not have was test-invoked")
