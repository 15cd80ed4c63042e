"""What moto's CloudFormation leaves out, done with plain API calls after the stack is up.

moto 5.2 reaches CREATE_COMPLETE while silently skipping ``AWS::ApiGateway::Authorizer``,
``ApiKey``, ``UsagePlan``, ``UsagePlanKey``, ``Model``, ``RequestValidator`` and
``GatewayResponse``, and its
``AWS::ApiGateway::Method`` keeps only the HTTP method, authorization type, API-key flag and
the integration's type and URI (no authorizer, validator, models, request parameters, MOCK
templates or integration responses). :func:`complete` reads the same template, resolves its
intrinsic functions against the stack's physical ids, and creates or updates exactly those
pieces, then deploys the stage again so the API serves what the template says. Each piece
is idempotent (found by name), so an update deploys cleanly too.
"""

from __future__ import annotations

import json
import re
from typing import Any

SKIPPED_TYPES = (
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::Model",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::ApiGateway::GatewayResponse",
    # Skipped too, and left so on purpose: the framework's deployment bucket policy denies
    # every request without TLS (aws:SecureTransport false), and moto enforces it, while the
    # sandbox's endpoints are plain HTTP on loopback: applied, it would refuse every upload.
    "AWS::S3::BucketPolicy",
)


class Intrinsics:
    """Resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Join`` and ``Fn::Sub`` for one stack."""

    def __init__(
        self, aws: Any, region: str, physical: dict[str, str], types: dict[str, str] | None = None
    ) -> None:
        self.aws, self.region, self.physical = aws, region, dict(physical)
        self.types = dict(types or {})
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": aws.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()  # fmt: skip
            if key == "Ref":
                return self.pseudo.get(arg) or self.physical[arg]
            if key == "Fn::GetAtt":
                return self.get_att(*(arg if isinstance(arg, list) else arg.split(".", 1)))
            if key == "Fn::Join":
                return str(arg[0]).join(str(self(v)) for v in arg[1])
            if key == "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub(m.group(1))), arg)
        return {k: self(v) for k, v in value.items()}

    def _sub(self, name: str) -> Any:
        if "." in name:
            return self.get_att(*name.split(".", 1))
        return self.pseudo.get(name) or self.physical[name]

    def get_att(self, logical: str, attribute: str) -> str:
        physical = self.physical[logical]
        if attribute == "RootResourceId":
            return self.aws.client("apigateway", region_name=self.region).get_rest_api(
                restApiId=physical
            )["rootResourceId"]
        if attribute == "Arn":
            return self._arn(physical, self.types.get(logical, ""))
        raise KeyError(f"Fn::GetAtt {logical}.{attribute} is not supported here")

    def _arn(self, physical: str, kind: str) -> str:
        """The ARN of a deployed resource, asked of the service that owns it."""
        if physical.startswith("arn:"):
            return physical
        client = self.aws.client
        region = self.region
        if kind == "AWS::DynamoDB::Table":
            return client("dynamodb", region_name=region).describe_table(TableName=physical)[
                "Table"
            ]["TableArn"]
        if kind == "AWS::IAM::Role":
            return client("iam", region_name=region).get_role(RoleName=physical)["Role"]["Arn"]
        if kind == "AWS::SQS::Queue":
            sqs = client("sqs", region_name=region)
            attrs = sqs.get_queue_attributes(QueueUrl=physical, AttributeNames=["QueueArn"])
            return attrs["Attributes"]["QueueArn"]
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{physical}"
        if kind == "AWS::Lambda::Function" or not kind:
            lam = client("lambda", region_name=region)
            return lam.get_function(FunctionName=physical)["Configuration"]["FunctionArn"]
        raise KeyError(f"Fn::GetAtt Arn of a {kind} is not supported here")


def complete(
    aws: Any, region: str, template: dict[str, Any], physical: dict[str, str]
) -> dict[str, str]:
    """Create what moto skipped; returns ``{logical id: physical id}`` for those resources."""
    apigw = aws.client("apigateway", region_name=region)
    types = {k: v.get("Type", "") for k, v in template.get("Resources", {}).items()}
    resolve = Intrinsics(aws, region, physical, types)
    resources = template.get("Resources", {})
    created: dict[str, str] = {}

    def put(kinds: tuple[str, ...]) -> None:
        for logical, spec in resources.items():
            kind = spec.get("Type", "").rpartition("::")[2]
            if spec.get("Type", "").startswith("AWS::ApiGateway::") and kind in kinds:
                props = resolve(spec.get("Properties", {}))
                created[logical] = _PUT[kind](apigw, logical, props)
                resolve.physical[logical] = created[logical]

    put(("Model", "RequestValidator", "Authorizer", "GatewayResponse"))  # before the redeploy
    for spec in resources.values():
        if spec.get("Type") == "AWS::ApiGateway::Method":
            _put_method(apigw, resolve(spec["Properties"]))
    for spec in resources.values():
        if spec.get("Type") == "AWS::ApiGateway::Deployment":
            props = resolve(spec["Properties"])
            if props.get("StageName"):
                apigw.create_deployment(
                    restApiId=props["RestApiId"], stageName=props["StageName"],
                    description="the stage again, with what moto's CloudFormation skipped",
                )  # fmt: skip
    put(("ApiKey", "UsagePlan", "UsagePlanKey"))  # these need the stage deployed
    return created


def _pages(call: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return list(call(limit=500, **kwargs).get("items", []))


def _put_model(apigw: Any, logical: str, props: dict) -> str:
    name = props.get("Name") or logical
    schema = props.get("Schema", {})
    schema_text = schema if isinstance(schema, str) else json.dumps(schema)
    api = props["RestApiId"]
    for model in _pages(apigw.get_models, restApiId=api):
        if model["name"] == name:
            if model.get("schema") == schema_text:
                return name  # a Model's Ref is its name
            apigw.delete_model(restApiId=api, modelName=name)  # moto has no update_model
    apigw.create_model(
        restApiId=api, name=name, contentType=props.get("ContentType", "application/json"),
        schema=schema_text, description=props.get("Description", ""),
    )  # fmt: skip
    return name


def _put_requestvalidator(apigw: Any, logical: str, props: dict) -> str:
    name = props.get("Name") or logical
    api = props["RestApiId"]
    for validator in _pages(apigw.get_request_validators, restApiId=api):
        if validator["name"] == name:
            return validator["id"]
    return apigw.create_request_validator(
        restApiId=api, name=name,
        validateRequestBody=bool(props.get("ValidateRequestBody")),
        validateRequestParameters=bool(props.get("ValidateRequestParameters")),
    )["id"]  # fmt: skip


def _put_authorizer(apigw: Any, logical: str, props: dict) -> str:
    api, name = props["RestApiId"], props.get("Name") or logical
    fields = {
        "type": props.get("Type", "TOKEN"),
        "authorizerUri": props.get("AuthorizerUri"),
        "identitySource": props.get("IdentitySource"),
        "authorizerResultTtlInSeconds": int(props.get("AuthorizerResultTtlInSeconds", 300)),
    }
    if props.get("IdentityValidationExpression"):
        fields["identityValidationExpression"] = props["IdentityValidationExpression"]
    for existing in _pages(apigw.get_authorizers, restApiId=api):
        if existing["name"] == name:
            ops = [{"op": "replace", "path": f"/{k}", "value": str(v)} for k, v in fields.items()]
            apigw.update_authorizer(restApiId=api, authorizerId=existing["id"], patchOperations=ops)
            return existing["id"]
    return apigw.create_authorizer(restApiId=api, name=name, **fields)["id"]


def _put_gatewayresponse(apigw: Any, logical: str, props: dict) -> str:
    """A gateway response (``put_gateway_response`` replaces one of the same type)."""
    fields: dict[str, Any] = {
        "restApiId": props["RestApiId"],
        "responseType": props["ResponseType"],
        "responseParameters": props.get("ResponseParameters") or {},
        "responseTemplates": props.get("ResponseTemplates") or {},
    }
    if props.get("StatusCode"):
        fields["statusCode"] = str(props["StatusCode"])
    apigw.put_gateway_response(**fields)
    return f"{props['RestApiId']}:{props['ResponseType']}"


def _put_method(apigw: Any, props: dict) -> None:
    """Write the method and its integration whole, as the template has them."""
    api, resource, verb = props["RestApiId"], props["ResourceId"], props["HttpMethod"]
    method: dict[str, Any] = {
        "restApiId": api, "resourceId": resource, "httpMethod": verb,
        "authorizationType": props.get("AuthorizationType", "NONE"),
        "apiKeyRequired": bool(props.get("ApiKeyRequired")),
        "requestParameters": props.get("RequestParameters") or {},
        "requestModels": props.get("RequestModels") or {},
    }  # fmt: skip
    if props.get("AuthorizerId"):
        method["authorizerId"] = props["AuthorizerId"]
    if props.get("RequestValidatorId"):
        method["requestValidatorId"] = props["RequestValidatorId"]
    apigw.put_method(**method)
    integration = props.get("Integration") or {}
    call: dict[str, Any] = {
        "restApiId": api, "resourceId": resource, "httpMethod": verb,
        "type": integration.get("Type", "AWS_PROXY"),
    }  # fmt: skip
    if integration.get("Uri"):
        call["uri"] = integration["Uri"]
    if integration.get("IntegrationHttpMethod"):
        call["integrationHttpMethod"] = integration["IntegrationHttpMethod"]
    if integration.get("RequestTemplates"):
        call["requestTemplates"] = integration["RequestTemplates"]
    if integration.get("PassthroughBehavior"):
        call["passthroughBehavior"] = integration["PassthroughBehavior"]
    if integration.get("RequestParameters"):
        call["requestParameters"] = integration["RequestParameters"]
    apigw.put_integration(**call)
    for response in props.get("MethodResponses") or []:
        apigw.put_method_response(
            restApiId=api, resourceId=resource, httpMethod=verb,
            statusCode=str(response["StatusCode"]),
            responseParameters=response.get("ResponseParameters") or {},
            responseModels=response.get("ResponseModels") or {},
        )  # fmt: skip
    for response in integration.get("IntegrationResponses") or []:
        apigw.put_integration_response(
            restApiId=api, resourceId=resource, httpMethod=verb,
            statusCode=str(response["StatusCode"]),
            selectionPattern=response.get("SelectionPattern") or "",
            responseParameters=response.get("ResponseParameters") or {},
            responseTemplates=response.get("ResponseTemplates") or {},
        )  # fmt: skip


def _put_apikey(apigw: Any, logical: str, props: dict) -> str:
    name = props.get("Name") or logical
    for key in _pages(apigw.get_api_keys, nameQuery=name):
        if key["name"] == name:
            return key["id"]
    fields: dict[str, Any] = {"name": name, "enabled": bool(props.get("Enabled", True))}
    if props.get("Value"):
        fields["value"] = props["Value"]
    if props.get("Description"):
        fields["description"] = props["Description"]
    stage_keys = [{"restApiId": k["RestApiId"], "stageName": k["StageName"]}
                  for k in props.get("StageKeys") or []]  # fmt: skip
    if stage_keys:
        fields["stageKeys"] = stage_keys
    return apigw.create_api_key(**fields)["id"]


def _put_usageplan(apigw: Any, logical: str, props: dict) -> str:
    name = props.get("UsagePlanName") or logical
    stages = [{"apiId": s["ApiId"], "stage": s["Stage"]} for s in props.get("ApiStages") or []]
    throttle = {
        k: v for k, v in {
            "burstLimit": (props.get("Throttle") or {}).get("BurstLimit"),
            "rateLimit": (props.get("Throttle") or {}).get("RateLimit"),
        }.items() if v is not None
    }  # fmt: skip
    quota = {
        k: v for k, v in {
            "limit": (props.get("Quota") or {}).get("Limit"),
            "offset": (props.get("Quota") or {}).get("Offset"),
            "period": (props.get("Quota") or {}).get("Period"),
        }.items() if v is not None
    }  # fmt: skip
    for plan in _pages(apigw.get_usage_plans):
        if plan["name"] == name:
            apigw.delete_usage_plan(usagePlanId=plan["id"])  # settings changed: start afresh
    fields: dict[str, Any] = {"name": name, "apiStages": stages}
    if props.get("Description"):
        fields["description"] = props["Description"]
    if throttle:
        fields["throttle"] = {
            k: (float(v) if k == "rateLimit" else int(v)) for k, v in throttle.items()
        }
    if quota:
        fields["quota"] = {k: (v if k == "period" else int(v)) for k, v in quota.items()}
    return apigw.create_usage_plan(**fields)["id"]


def _put_usageplankey(apigw: Any, logical: str, props: dict) -> str:
    plan, key = props["UsagePlanId"], props["KeyId"]
    for existing in _pages(apigw.get_usage_plan_keys, usagePlanId=plan):
        if existing["id"] == key:
            return key
    apigw.create_usage_plan_key(
        usagePlanId=plan, keyId=key, keyType=props.get("KeyType", "API_KEY")
    )
    return key


_PUT = {
    "Model": _put_model,
    "RequestValidator": _put_requestvalidator,
    "Authorizer": _put_authorizer,
    "ApiKey": _put_apikey,
    "UsagePlan": _put_usageplan,
    "UsagePlanKey": _put_usageplankey,
    "GatewayResponse": _put_gatewayresponse,
}


def remove(aws: Any, region: str, template: dict[str, Any]) -> None:
    """Delete the API keys and usage plans :func:`complete` made (moto does not know them)."""
    apigw = aws.client("apigateway", region_name=region)
    resources = template.get("Resources", {})
    plans = {s["Properties"].get("UsagePlanName") for s in resources.values()
             if s.get("Type") == "AWS::ApiGateway::UsagePlan"}  # fmt: skip
    for plan in _pages(apigw.get_usage_plans):
        if plan["name"] in plans:
            apigw.delete_usage_plan(usagePlanId=plan["id"])
    names = {s["Properties"].get("Name") or logical for logical, s in resources.items()
             if s.get("Type") == "AWS::ApiGateway::ApiKey"}  # fmt: skip
    for key in _pages(apigw.get_api_keys):
        if key["name"] in names:
            apigw.delete_api_key(apiKey=key["id"])
    apis = {s["Properties"].get("Name") for s in resources.values()
            if s.get("Type") == "AWS::ApiGateway::RestApi"}  # fmt: skip
    for api in _pages(apigw.get_rest_apis):
        if api["name"] in apis:  # moto's stack deletion leaves the REST API behind
            apigw.delete_rest_api(restApiId=api["id"])
