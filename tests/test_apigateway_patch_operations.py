"""UpdateMethod and UpdateIntegration: PATCH requests with ``patchOperations``, the shape the
API Gateway console and the AWS CLI send, e.g.

    aws apigateway update-method --rest-api-id ID --resource-id RID --http-method GET \\
        --patch-operations op=replace,path=/authorizationType,value=AWS_IAM

Source: API Gateway API reference, UpdateMethod and UpdateIntegration
(https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateMethod.html,
https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateIntegration.html) and
PatchOperation (https://docs.aws.amazon.com/apigateway/latest/api/API_PatchOperation.html:
op add / remove / replace, a JSON-pointer path, "~1" for "/" inside a name).
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from workshop_lib import sandbox


@pytest.fixture
def api():
    with sandbox() as aws:
        client = aws.client("apigateway")
        api_id = client.create_rest_api(name="patched")["id"]
        root = client.get_resources(restApiId=api_id)["items"][0]["id"]
        resource = client.create_resource(restApiId=api_id, parentId=root, pathPart="apps")["id"]
        ids = {"restApiId": api_id, "resourceId": resource, "httpMethod": "GET"}
        client.put_method(**ids, authorizationType="NONE")
        yield client, ids


def test_update_method_applies_the_clis_patch_operations(api):
    client, ids = api
    updated = client.update_method(
        **ids,
        patchOperations=[
            {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"},
            {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
            {
                "op": "add",
                "path": "/requestParameters/method.request.querystring.q",
                "value": "true",
            },
            {"op": "add", "path": "/requestModels/application~1json", "value": "Empty"},
        ],
    )
    assert updated["authorizationType"] == "AWS_IAM" and updated["apiKeyRequired"] is True
    method = client.get_method(**ids)
    assert method["requestParameters"] == {"method.request.querystring.q": True}
    assert method["requestModels"] == {"application/json": "Empty"}
    client.update_method(
        **ids,
        patchOperations=[
            {"op": "remove", "path": "/requestParameters/method.request.querystring.q"},
            {"op": "replace", "path": "/apiKeyRequired", "value": "false"},
        ],
    )
    method = client.get_method(**ids)
    assert "requestParameters" not in method and method["apiKeyRequired"] is False


def test_update_integration_applies_patch_operations(api):
    client, ids = api
    client.put_integration(**ids, type="HTTP", integrationHttpMethod="GET", uri="http://a.test/")
    client.update_integration(
        **ids,
        patchOperations=[
            {"op": "replace", "path": "/uri", "value": "http://b.test/"},
            {"op": "replace", "path": "/timeoutInMillis", "value": "5000"},
            {"op": "add", "path": "/requestTemplates/application~1json", "value": '{"a": 1}'},
            {"op": "add", "path": "/cacheKeyParameters/method.request.path.id", "value": ""},
        ],
    )
    integration = client.get_integration(**ids)
    assert integration["uri"] == "http://b.test/" and integration["timeoutInMillis"] == 5000
    assert integration["requestTemplates"] == {"application/json": '{"a": 1}'}
    assert integration["cacheKeyParameters"] == ["method.request.path.id"]


def test_a_path_it_cannot_patch_is_a_bad_request_naming_those_it_can(api):
    client, ids = api
    with pytest.raises(ClientError) as info:
        client.update_method(
            **ids, patchOperations=[{"op": "replace", "path": "/color", "value": "red"}]
        )
    error = info.value.response["Error"]
    assert error["Code"] == "BadRequestException"
    assert (
        "Invalid patch path '/color'" in error["Message"]
        and "/authorizationType" in error["Message"]
    )
    with pytest.raises(ClientError, match="No integration defined for method"):
        client.update_integration(
            **ids, patchOperations=[{"op": "replace", "path": "/uri", "value": "http://c.test/"}]
        )
    with pytest.raises(ClientError, match="Invalid Method identifier specified"):
        client.update_method(**{**ids, "httpMethod": "POST"}, patchOperations=[])
