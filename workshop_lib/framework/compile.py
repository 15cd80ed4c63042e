"""One CloudFormation template per service, with the Serverless Framework's (v3) naming.

``create_template`` is the first, tiny stack (just the deployment bucket);
``update_template`` is everything: the execution role, a log group and a function per
``functions:`` entry, the REST API (resources, methods, CORS preflights, authorizers,
validators, models, a deployment, API keys and a usage plan), SQS/S3/schedule events, and
the user's own ``resources:``. Logical ids follow the framework's rules so a learner can
match them with the framework's documentation (``apps-create`` → ``AppsDashcreateLambdaFunction``).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from workshop_lib.framework import integration, subscriptions
from workshop_lib.framework.config import ConfigError
from workshop_lib.framework.service import Function, HttpEvent, Service

CORS_HEADERS = [
    "Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token",
    "X-Amz-User-Agent", "X-Amzn-Trace-Id",
]  # fmt: skip


_VALIDATOR_NAME = "Validate request body and querystring parameters"


# -- naming (the framework's lib/plugins/aws/lib/naming.js) ---------------------------------
def normalize_name(name: str) -> str:
    return name[:1].upper() + name[1:]


def normalize_function_name(name: str) -> str:
    """``apps-create`` → ``AppsDashcreate``; ``my_fn`` → ``MyUnderscorefn``."""
    return normalize_name(name.replace("-", "Dash").replace("_", "Underscore"))


def normalize_path(path: str) -> str:
    """``apps/{id}/releases`` → ``AppsIdVarReleases``."""
    parts = []
    for part in path.split("/"):
        part = re.sub(r"\{(.*)\}", r"\1Var", part.replace("-", "Dash"))
        parts.append(normalize_name(re.sub(r"[^0-9A-Za-z]", "", part)))
    return "".join(parts)


def function_id(fn: Function) -> str:
    return f"{normalize_function_name(fn.key)}LambdaFunction"


def log_group_id(fn: Function) -> str:
    return f"{normalize_function_name(fn.key)}LogGroup"


def resource_id(path: str) -> str:
    return f"ApiGatewayResource{normalize_path(path)}"


def method_id(path: str, method: str) -> str:
    return f"ApiGatewayMethod{normalize_path(path)}{normalize_name(method.lower())}"


def authorizer_id(name: str) -> str:
    return f"{normalize_function_name(name)}ApiGatewayAuthorizer"


def _ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def _arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _invocation_uri(fn_logical_id: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [
        "arn:", _ref("AWS::Partition"), ":apigateway:", _ref("AWS::Region"),
        ":lambda:path/2015-03-31/functions/", _arn(fn_logical_id), "/invocations",
    ]]}  # fmt: skip


# -- the two templates ------------------------------------------------------------------------
def create_template() -> dict[str, Any]:
    """The stack's first version: only the bucket the code is uploaded to."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "The AWS CloudFormation template for this Serverless application",
        "Resources": {
            "ServerlessDeploymentBucket": _bucket(),
            "ServerlessDeploymentBucketPolicy": _bucket_policy(),
        },
        "Outputs": {
            "ServerlessDeploymentBucketName": {"Value": _ref("ServerlessDeploymentBucket")}
        },
    }


def _bucket() -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            }
        },
    }


def _bucket_policy() -> dict[str, Any]:
    """v3's policy on its deployment bucket: nothing over plain HTTP."""
    bucket = ["arn:", _ref("AWS::Partition"), ":s3:::", _ref("ServerlessDeploymentBucket")]
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": _ref("ServerlessDeploymentBucket"),
            "PolicyDocument": {
                "Statement": [{
                    "Action": "s3:*", "Effect": "Deny", "Principal": "*",
                    "Resource": [{"Fn::Join": ["", [*bucket, "/*"]]}, {"Fn::Join": ["", bucket]}],
                    "Condition": {"Bool": {"aws:SecureTransport": False}},
                }]
            },
        },
    }  # fmt: skip


def update_template(
    service: Service, prefix: str, code: dict[str, tuple[str, str]], deployment_suffix: str
) -> dict[str, Any]:
    """Everything the service needs; ``code`` gives each function's zip (its file name under
    ``prefix`` in the bucket) and that zip's SHA-256."""
    template = create_template()
    resources: dict[str, Any] = template["Resources"]
    outputs: dict[str, Any] = template["Outputs"]
    for fn in service.functions.values():
        zip_name, code_sha256 = code[fn.key]
        resources[log_group_id(fn)] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": f"/aws/lambda/{fn.name}"},
        }
        resources[function_id(fn)] = _function(service, fn, f"{prefix}/{zip_name}")
        version_id = f"{normalize_function_name(fn.key)}LambdaVersion{_short(code_sha256)}"
        resources[version_id] = {
            "Type": "AWS::Lambda::Version",
            "DeletionPolicy": "Retain",
            "Properties": {"FunctionName": _ref(function_id(fn)), "CodeSha256": code_sha256},
        }
        outputs[f"{function_id(fn)}QualifiedArn"] = {
            "Description": "Current Lambda function version",
            "Value": _ref(version_id),
        }
    resources["IamRoleLambdaExecution"] = execution_role(service)
    if service.has_http:
        _api(service, resources, outputs, deployment_suffix)
    for fn in service.functions.values():
        _other_events(service, fn, resources)
    from workshop_lib.framework import httpapi  # it builds on this module's naming

    httpapi.compile_function_urls(service, resources, outputs)
    httpapi.compile_http_api(service, resources, outputs)
    user = copy.deepcopy(service.config.get("resources") or {})
    resources.update(user.get("Resources") or {})
    outputs.update(user.get("Outputs") or {})
    for section in ("Conditions", "Mappings", "Parameters"):
        if user.get(section):
            template[section] = user[section]
    return template


def _short(sha: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", sha)[:43]


def _function(service: Service, fn: Function, artifact_key: str) -> dict[str, Any]:
    props: dict[str, Any] = {
        "Code": {"S3Bucket": _ref("ServerlessDeploymentBucket"), "S3Key": artifact_key},
        "Handler": fn.handler,
        "Runtime": fn.runtime,
        "FunctionName": fn.name,
        "MemorySize": fn.memory_mb,
        "Timeout": fn.timeout_s,
        "Role": _arn("IamRoleLambdaExecution"),
    }
    if fn.description:
        props["Description"] = fn.description
    if fn.environment:
        props["Environment"] = {"Variables": dict(fn.environment)}
    if fn.on_error:
        props["DeadLetterConfig"] = {"TargetArn": fn.on_error}
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": props,
        "DependsOn": [log_group_id(fn)],  # the role: already implied by Fn::GetAtt
    }


def execution_role(service: Service) -> dict[str, Any]:
    """The ``IamRoleLambdaExecution`` resource v3 writes: logs, SQS event sources, on-error
    targets and the service's ``iam.role.statements``."""
    log_arn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/"
    groups = [{"Fn::Sub": f"{log_arn}{service.name}-{service.stage}*:*"}]
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:CreateLogGroup",
                                       "logs:TagResource"], "Resource": groups},
        {"Effect": "Allow", "Action": ["logs:PutLogEvents"],
         "Resource": [{"Fn::Sub": f"{log_arn}{service.name}-{service.stage}*:*:*"}]},
    ]  # fmt: skip
    queues = [e["sqs"] for fn in service.functions.values() for e in fn.events if "sqs" in e]
    if queues:
        arns = [q["arn"] if isinstance(q, dict) and "arn" in q else q for q in queues]
        statements.append({
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": arns,
        })  # fmt: skip
    for fn in service.functions.values():
        if fn.on_error:
            action = "sns:Publish" if ":sns:" in str(fn.on_error) else "sqs:SendMessage"
            statements.append({"Effect": "Allow", "Action": [action], "Resource": [fn.on_error]})
    statements += copy.deepcopy(service.iam_statements)
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": ["lambda.amazonaws.com"]},
                        "Action": ["sts:AssumeRole"],
                    }
                ],
            },  # fmt: skip
            "Policies": [
                {
                    "PolicyName": {"Fn::Join": ["-", [service.name, service.stage, "lambda"]]},
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],  # fmt: skip
            "Path": "/",
            "RoleName": {
                "Fn::Join": ["-", [service.name, service.stage, _ref("AWS::Region"), "lambdaRole"]]
            },
        },  # fmt: skip
    }


# -- API Gateway ----------------------------------------------------------------------------
def _api(service: Service, resources: dict, outputs: dict, deployment_suffix: str) -> None:
    api = "ApiGatewayRestApi"
    gateway = service.api_gateway
    resources[api] = {
        "Type": "AWS::ApiGateway::RestApi",
        "Properties": {
            "Name": service.api_name,
            "EndpointConfiguration": {"Types": ["EDGE"]},
            "Policy": "",
            **({"ApiKeySourceType": gateway["apiKeySourceType"]}
               if gateway.get("apiKeySourceType") else {}),
        },
    }  # fmt: skip
    methods: list[str] = []
    paths: dict[str, set[str]] = {}
    cors_paths: dict[str, dict[str, Any]] = {}
    for fn in service.functions.values():
        for event in fn.http:
            _resources_for(event.path, resources)
            logical = method_id(event.path, event.method)
            resources[logical] = _method(service, fn, event, resources)
            methods.append(logical)
            paths.setdefault(event.path, set()).add(event.method.upper())
            if event.cors is not None:
                cors_paths.setdefault(event.path, {}).update(event.cors)
            resources[f"{normalize_function_name(fn.key)}LambdaPermissionApiGateway"] = _permission(
                function_id(fn), "apigateway.amazonaws.com", _api_source_arn()
            )
    for path, cors in cors_paths.items():
        logical = method_id(path, "options")
        resources[logical] = _cors_method(path, cors, paths[path])
        methods.append(logical)
    deployment = f"ApiGatewayDeployment{deployment_suffix}"
    resources[deployment] = {
        "Type": "AWS::ApiGateway::Deployment",
        "Properties": {"RestApiId": _ref(api), "StageName": service.stage},
        "DependsOn": sorted(methods),
    }
    _keys_and_plan(service, resources, outputs, deployment)
    endpoint = {"Fn::Join": ["", ["https://", _ref(api), ".execute-api.", _ref("AWS::Region"),
                                  ".", _ref("AWS::URLSuffix"), f"/{service.stage}"]]}  # fmt: skip
    outputs["ServiceEndpoint"] = {"Description": "URL of the service endpoint", "Value": endpoint}


def _api_source_arn() -> dict[str, Any]:
    return {"Fn::Join": ["", [
        "arn:", _ref("AWS::Partition"), ":execute-api:", _ref("AWS::Region"), ":",
        _ref("AWS::AccountId"), ":", _ref("ApiGatewayRestApi"), "/*/*",
    ]]}  # fmt: skip


def _permission(fn_logical: str, principal: str, source_arn: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "FunctionName": _arn(fn_logical),
            "Action": "lambda:InvokeFunction",
            "Principal": principal,
            "SourceArn": source_arn,
        },
    }


def _resources_for(path: str, resources: dict) -> None:
    parent: Any = {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]}
    parts = [p for p in path.split("/") if p]
    for depth, part in enumerate(parts):
        sub_path = "/".join(parts[: depth + 1])
        logical = resource_id(sub_path)
        resources.setdefault(logical, {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {"ParentId": parent, "PathPart": part,
                           "RestApiId": _ref("ApiGatewayRestApi")},
        })  # fmt: skip
        parent = _ref(logical)


def _resource_ref(path: str) -> Any:
    if not path:
        return {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]}
    return _ref(resource_id(path))


def _method(service: Service, fn: Function, event: HttpEvent, resources: dict) -> dict:
    props: dict[str, Any] = {
        "HttpMethod": "ANY" if event.method == "any" else event.method.upper(),
        "RequestParameters": _request_parameters(event),
        "ResourceId": _resource_ref(event.path),
        "RestApiId": _ref("ApiGatewayRestApi"),
        "ApiKeyRequired": event.private,
        "AuthorizationType": "NONE",
        "Integration": {
            "IntegrationHttpMethod": "POST",
            "Type": "AWS_PROXY",
            "Uri": _invocation_uri(function_id(fn)),
        },
        "MethodResponses": [],
    }
    kind = integration.integration_type(event.spec)
    if kind == "AWS":
        props.update(
            integration.lambda_integration(event.spec, event.cors, _invocation_uri(function_id(fn)))
        )
    elif kind != "AWS_PROXY":
        raise ConfigError(
            f"{service.raw.where(('functions', fn.key, 'events'))}: http integration "
            f"{event.spec.get('integration')!r} is not compiled by the sandbox: use lambda-proxy "
            "(the default) or lambda"
        )
    depends: list[str] = [f"{normalize_function_name(fn.key)}LambdaPermissionApiGateway"]
    if event.authorizer:
        logical = _authorizer(service, event.authorizer, resources)
        props["AuthorizationType"] = "CUSTOM"
        props["AuthorizerId"] = _ref(logical)
    if event.schemas:
        validator = (
            f"ApiGateway{re.sub(r'[^0-9A-Za-z]', '', normalize_name(service.name))}RequestValidator"
        )
        resources.setdefault(validator, {
            "Type": "AWS::ApiGateway::RequestValidator",
            "Properties": {
                "RestApiId": _ref("ApiGatewayRestApi"), "ValidateRequestBody": True,
                "ValidateRequestParameters": True,
                "Name": f"{service.name}-{service.stage} | {_VALIDATOR_NAME}",
            },
        })  # fmt: skip
        models = {}
        for content_type, schema in event.schemas.items():
            if isinstance(schema, dict) and "schema" in schema:
                schema = schema["schema"]
            kind = "".join(normalize_name(p) for p in re.split(r"[^0-9A-Za-z]", content_type))
            model = f"{method_id(event.path, event.method)}{kind}Model"
            resources[model] = {
                "Type": "AWS::ApiGateway::Model",
                "Properties": {"RestApiId": _ref("ApiGatewayRestApi"), "ContentType": content_type,
                               "Schema": schema},
            }  # fmt: skip
            models[content_type] = model
        props["RequestValidatorId"] = _ref(validator)
        props["RequestModels"] = {kind: _ref(model) for kind, model in models.items()}
    return {"Type": "AWS::ApiGateway::Method", "Properties": props, "DependsOn": depends}


def _request_parameters(event: HttpEvent) -> dict[str, bool]:
    out = {}
    for where, names in event.parameters.items():
        location = {"querystrings": "querystring", "headers": "header", "paths": "path"}.get(where)
        if location and isinstance(names, dict):
            for name, required in names.items():
                if isinstance(required, dict):
                    required = required.get("required", False)
                out[f"method.request.{location}.{name}"] = bool(required)
    return out


def _authorizer(service: Service, spec: dict[str, Any], resources: dict) -> str:
    name = str(spec.get("name") or "")
    if name not in service.functions:
        raise ValueError(
            f"http authorizer {name!r} is not a function of this service "
            f"(functions: {', '.join(service.functions)})"
        )
    fn = service.functions[name]
    logical = authorizer_id(name)
    kind = str(spec.get("type") or "token").upper()
    kind = "REQUEST" if kind == "REQUEST" else "TOKEN"
    identity = spec.get("identitySource") or "method.request.header.Authorization"
    props: dict[str, Any] = {
        "AuthorizerResultTtlInSeconds": int(spec.get("resultTtlInSeconds", 300)),
        "IdentitySource": identity,
        "Name": name,
        "RestApiId": _ref("ApiGatewayRestApi"),
        "AuthorizerUri": _invocation_uri(function_id(fn)),
        "Type": kind,
    }
    if spec.get("identityValidationExpression"):
        props["IdentityValidationExpression"] = spec["identityValidationExpression"]
    resources[logical] = {"Type": "AWS::ApiGateway::Authorizer", "Properties": props}
    resources[f"{normalize_function_name(name)}LambdaPermissionApiGateway"] = _permission(
        function_id(fn), "apigateway.amazonaws.com", _api_source_arn()
    )
    return logical


def _cors_method(path: str, cors: dict[str, Any], methods: set[str]) -> dict[str, Any]:
    origin = cors.get("origin") or ",".join(cors.get("origins") or []) or "*"
    headers = cors.get("headers") or CORS_HEADERS
    allowed = ",".join(sorted({*methods, "OPTIONS"}))
    params = {
        "method.response.header.Access-Control-Allow-Origin": f"'{origin}'",
        "method.response.header.Access-Control-Allow-Headers": f"'{','.join(headers)}'",
        "method.response.header.Access-Control-Allow-Methods": f"'{allowed}'",
    }
    if cors.get("allowCredentials"):
        params["method.response.header.Access-Control-Allow-Credentials"] = "'true'"
    return {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "AuthorizationType": "NONE",
            "HttpMethod": "OPTIONS",
            "MethodResponses": [{
                "StatusCode": "200",
                "ResponseParameters": {key: True for key in params},
                "ResponseModels": {},
            }],
            "RequestParameters": {},
            "Integration": {
                "Type": "MOCK",
                "RequestTemplates": {"application/json": '{"statusCode":200}'},
                "ContentHandling": "CONVERT_TO_TEXT",
                "IntegrationResponses": [{
                    "StatusCode": "200",
                    "ResponseParameters": params,
                    "ResponseTemplates": {"application/json": ""},
                }],
            },
            "ResourceId": _resource_ref(path),
            "RestApiId": _ref("ApiGatewayRestApi"),
        },
    }  # fmt: skip


def _keys_and_plan(service: Service, resources: dict, outputs: dict, deployment: str) -> None:
    gateway = service.api_gateway
    keys = gateway.get("apiKeys") or []
    needs_plan = bool(keys) or bool(gateway.get("usagePlan"))
    stage_keys = [{"RestApiId": _ref("ApiGatewayRestApi"), "StageName": service.stage}]
    for number, key in enumerate(keys, start=1):
        spec = key if isinstance(key, dict) else {"name": key}
        props: dict[str, Any] = {"Enabled": True, "StageKeys": stage_keys}
        if spec.get("name"):
            props["Name"] = spec["name"]
        if spec.get("value"):
            props["Value"] = spec["value"]
        if spec.get("description"):
            props["Description"] = spec["description"]
        resources[f"ApiGatewayApiKey{number}"] = {
            "Type": "AWS::ApiGateway::ApiKey", "Properties": props, "DependsOn": deployment,
        }  # fmt: skip
    if not needs_plan:
        return
    plan = gateway.get("usagePlan") or {}
    props = {
        "ApiStages": [{"ApiId": _ref("ApiGatewayRestApi"), "Stage": service.stage}],
        "Description": f"Usage plan for {service.name} {service.stage} stage",
        "UsagePlanName": f"{service.name}-{service.stage}",
    }
    if plan.get("quota"):
        quota = plan["quota"]
        props["Quota"] = {k: v for k, v in {
            "Limit": quota.get("limit"), "Offset": quota.get("offset"),
            "Period": quota.get("period")}.items() if v is not None}  # fmt: skip
    if plan.get("throttle"):
        throttle = plan["throttle"]
        props["Throttle"] = {k: v for k, v in {
            "BurstLimit": throttle.get("burstLimit"),
            "RateLimit": throttle.get("rateLimit")}.items() if v is not None}  # fmt: skip
    resources["ApiGatewayUsagePlan"] = {
        "Type": "AWS::ApiGateway::UsagePlan", "Properties": props, "DependsOn": deployment,
    }  # fmt: skip
    for number in range(1, len(keys) + 1):
        resources[f"ApiGatewayUsagePlanKey{number}"] = {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {"KeyId": _ref(f"ApiGatewayApiKey{number}"), "KeyType": "API_KEY",
                           "UsagePlanId": _ref("ApiGatewayUsagePlan")},
        }  # fmt: skip


# -- other events -----------------------------------------------------------------------------
def _other_events(service: Service, fn: Function, resources: dict) -> None:
    base = normalize_function_name(fn.key)
    schedules = 0
    for event in fn.events:
        if "sqs" in event:
            spec = event["sqs"] if isinstance(event["sqs"], dict) else {"arn": event["sqs"]}
            arn = spec["arn"]
            queue = _queue_name(arn)
            resources[f"{base}EventSourceMappingSQS{queue}"] = {
                "Type": "AWS::Lambda::EventSourceMapping",
                "DependsOn": ["IamRoleLambdaExecution"],
                "Properties": {"BatchSize": int(spec.get("batchSize", 10)), "EventSourceArn": arn,
                               "FunctionName": _arn(function_id(fn)),
                               "Enabled": bool(spec.get("enabled", True))},
            }  # fmt: skip
        elif "schedule" in event:
            spec = event["schedule"]
            spec = spec if isinstance(spec, dict) else {"rate": spec}
            rates = spec["rate"] if isinstance(spec["rate"], list) else [spec["rate"]]
            target: dict[str, Any] = {"Arn": _arn(function_id(fn)), "Id": f"{fn.key}Schedule"}
            given = spec.get("input")
            if given is not None:  # the framework's order: Input, InputPath, Arn, Id
                text = (
                    json.dumps(given, separators=(",", ":")) if isinstance(given, dict) else given
                )
                target = {"Input": str(text), **target}
            elif spec.get("inputPath"):
                target = {"InputPath": str(spec["inputPath"]), **target}
            for rate in rates:
                schedules += 1
                rule = f"{base}EventsRuleSchedule{schedules}"
                props: dict[str, Any] = {
                    "ScheduleExpression": rate,
                    "State": "ENABLED" if spec.get("enabled", True) else "DISABLED",
                }
                if spec.get("name"):
                    props["Name"] = spec["name"]
                if spec.get("description"):
                    props["Description"] = spec["description"]
                props["Targets"] = [dict(target)]
                resources[rule] = {"Type": "AWS::Events::Rule", "Properties": props}
                resources[f"{base}LambdaPermissionEventsRuleSchedule{schedules}"] = _permission(
                    function_id(fn), "events.amazonaws.com", _arn(rule)
                )
        elif "sns" in event or "stream" in event:
            kind = "sns" if "sns" in event else "stream"
            where = service.raw.where(("functions", fn.key, "events"))
            getattr(subscriptions, kind)(base, _arn(function_id(fn)), event[kind], resources, where)
        elif "s3" in event:
            spec = event["s3"] if isinstance(event["s3"], dict) else {"bucket": event["s3"]}
            bucket = str(spec["bucket"])
            logical = f"S3Bucket{normalize_name(re.sub(r'[^0-9A-Za-z]', '', bucket))}"
            config = {"Event": spec.get("event", "s3:ObjectCreated:*"),
                      "Function": _arn(function_id(fn))}  # fmt: skip
            if spec.get("rules"):
                rules = [{"Name": k, "Value": v} for r in spec["rules"] for k, v in r.items()]
                config["Filter"] = {"S3Key": {"Rules": rules}}
            existing = resources.get(logical)
            if existing is None:
                permission = f"{base}LambdaPermission{logical[8:]}S3"
                resources[permission] = _permission(
                    function_id(fn), "s3.amazonaws.com", f"arn:aws:s3:::{bucket}"
                )
                resources[logical] = {
                    "Type": "AWS::S3::Bucket",
                    "Properties": {"BucketName": bucket,
                                   "NotificationConfiguration": {"LambdaConfigurations": []}},
                    "DependsOn": [permission],
                }  # fmt: skip
                existing = resources[logical]
            existing["Properties"]["NotificationConfiguration"]["LambdaConfigurations"].append(
                config
            )


def _queue_name(arn: Any) -> str:
    if isinstance(arn, str):
        return normalize_name(re.sub(r"[^0-9A-Za-z]", "", arn.rsplit(":", 1)[-1]))
    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
        return normalize_name(str(arn["Fn::GetAtt"][0]))
    return "Queue"
