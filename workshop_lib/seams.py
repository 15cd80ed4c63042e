"""Every seam: each attribute of moto (or botocore, werkzeug, jsonschema, requests) the
sandbox replaces or adds, declared as data and installed and removed by one mechanism.

A :class:`Seam` names its owner (``"package.module"`` or ``"package.module:Class"``), the
attribute, why it exists, its kind and what it was written against: the original's signature
and a fingerprint of its source (of the sources it relies on too). Before a group of seams is
installed each one is checked against the code installed now:

- a *behaviour* seam whose target is missing or changed refuses to start the sandbox
  (:class:`SeamError`, one line naming the seam and the upgrade procedure): the sandbox
  would answer differently from AWS, or fail somewhere later;
- a *speed* seam switches itself off with one warning (:class:`SeamWarning`): the sandbox
  runs as moto does, only slower.

``install(group, holder)`` saves the originals and puts the replacements in place (again
with the same holder: nothing to do; with another: the first is removed first);
``uninstall(group, holder)`` puts back exactly what was there (an attribute the owner only
inherited is deleted again), and only for the holder that installed it, so nested sandboxes
leave each other's seams alone. A plug-in reads its own object back with :func:`holder` and
calls the code it replaced with :func:`original`.

*Import seams* (``lines`` set) change how moto imports a module, not an attribute: their
module installs an import hook after asking :func:`usable`; the fingerprint covers only the
lines of the target's source that match ``lines``, read without importing it.

tests/test_seams.py checks every seam; docs/UPGRADING-MOTO.md says what to do when one moved
(``python -m workshop_lib.seams`` prints each seam's status and its fingerprint today).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib
import importlib.util
import inspect
import linecache
import re
import sys
import threading
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BEHAVIOUR = "behaviour"
SPEED = "speed"
ABSENT = "absent"  # the fingerprint of an attribute (or dict key) the seam adds
PROCEDURE = "docs/UPGRADING-MOTO.md"


class SeamError(RuntimeError):
    """A behaviour seam's target moved: the sandbox refuses to start."""


class SeamWarning(UserWarning):
    """A speed seam's target moved: the seam is off, the sandbox runs slower."""


@dataclasses.dataclass(frozen=True)
class Seam:
    group: str  # who installs it ("lambda", "dynamodb", ...): one install() per group
    owner: str  # "package.module" or "package.module:Class"
    attribute: str  # what is replaced or added ("" for an import seam)
    why: str
    kind: str  # BEHAVIOUR or SPEED
    signature: str | None  # the original's, as written against (None: not callable, or absent)
    fingerprint: str  # of the original's source and of relies_on's, or ABSENT
    replacement: str = ""  # "module:name.path" of what goes in its place
    build: bool = False  # replacement is a factory, called with the original
    wrap: str = ""  # "staticmethod", "classmethod" or "property" around the replacement
    key: str | None = None  # the seam adds this key to the dict owner.attribute
    relies_on: tuple[str, ...] = ()  # "module:Class.name" whose source the seam relies on
    lines: str | None = None  # an import seam: fingerprint the owner's source lines matching

    @property
    def name(self) -> str:
        target = f"{self.owner}.{self.attribute}" if self.attribute else self.owner
        return target + (f"[{self.key!r}]" if self.key is not None else "")


_L = "moto.awslambda.models:"
_LP = "workshop_lib.lambda_runtime.patches:"
_DT = "moto.dynamodb.models.table:Table"
_DP = "workshop_lib.dynamodb.patches:"
_AG = "moto.apigateway.models:"
_AGR = "moto.apigateway.responses:APIGatewayResponse"
_AP = "workshop_lib.apigateway.patches:"
B, S = BEHAVIOUR, SPEED

#: DynamoHandler's actions the DynamoDB plug-in handles: action -> fingerprint (signature (self))
_DYNAMO_ACTIONS: dict[str, str] = {
    "put_item": "4c9efb73275195ec",
    "update_item": "638893af1afd43d2",
    "delete_item": "677cb014c5c455d9",
    "get_item": "e84cc4b607a62aa3",
    "batch_get_item": "680c9cb275660ea4",
    "batch_write_item": "26221a09e2b2b1fd",
    "transact_get_items": "6275dc506a3f7c6b",
    "transact_write_items": "61c163fff213f33a",
    "query": "681834c64038af93",
    "scan": "530223d9fd284f2b",
    "create_table": "f55498d4178c6d88",
    "update_table": "b786d1626f12f96d",
    "delete_table": "d4c8a038d061f6e5",
}

_V2 = "moto.apigatewayv2.models:"
_V2R = "moto.apigatewayv2.responses:ApiGatewayV2Response"
_V2D = "workshop_lib.apigatewayv2.deployments:"

#: ApiGatewayV2Backend's methods that change what a deployment would freeze, followed so that
#: auto-deploying stages take the change: method -> (signature, fingerprint); the replacement
#: reads the API's id as the first argument
_HTTP_API_CHANGES: dict[str, tuple[str, str]] = {
    "update_api": (
        "(self, api_id, api_key_selection_expression, cors_configuration, description, "
        "disable_schema_validation, disable_execute_api_endpoint, name, "
        "route_selection_expression, version)",
        "3e20ba7cb4a14dcf",
    ),
    "reimport_api": ("(self, api_id, body, fail_on_warnings)", "3143e6797dea7edb"),
    "delete_cors_configuration": ("(self, api_id)", "04199fedd8908f4d"),
    "create_authorizer": (
        "(self, api_id, auth_creds_arn, auth_payload_format_version, auth_result_ttl, "
        "authorizer_uri, authorizer_type, enable_simple_response, identity_source, "
        "identity_validation_expr, jwt_config, name)",
        "aeb07d74862a5da3",
    ),
    "update_authorizer": (
        "(self, api_id, authorizer_id, auth_creds_arn, auth_payload_format_version, "
        "auth_result_ttl, authorizer_uri, authorizer_type, enable_simple_response, "
        "identity_source, identity_validation_expr, jwt_config, name)",
        "c2514d94f1e3f7e2",
    ),
    "delete_authorizer": ("(self, api_id, authorizer_id)", "293c3d9246e12109"),
    "create_integration": (
        "(self, api_id, connection_id, connection_type, content_handling_strategy, "
        "credentials_arn, description, integration_method, integration_subtype, "
        "integration_type, integration_uri, passthrough_behavior, payload_format_version, "
        "request_parameters, request_templates, response_parameters, "
        "template_selection_expression, timeout_in_millis, tls_config)",
        "e3c10f9044a5e992",
    ),
    "update_integration": (
        "(self, api_id, connection_id, connection_type, content_handling_strategy, "
        "credentials_arn, description, integration_id, integration_method, "
        "integration_subtype, integration_type, integration_uri, passthrough_behavior, "
        "payload_format_version, request_parameters, request_templates, response_parameters, "
        "template_selection_expression, timeout_in_millis, tls_config)",
        "68ec7976c27054f3",
    ),
    "delete_integration": ("(self, api_id, integration_id)", "0c94a8b12adfe8cb"),
    "create_route": (
        "(self, api_id, api_key_required, authorization_scopes, authorization_type, "
        "authorizer_id, model_selection_expression, operation_name, request_models, "
        "request_parameters, route_key, route_response_selection_expression, target)",
        "e3f21f154292cdca",
    ),
    "update_route": (
        "(self, api_id, api_key_required, authorization_scopes, authorization_type, "
        "authorizer_id, model_selection_expression, operation_name, request_models, "
        "request_parameters, route_id, route_key, route_response_selection_expression, "
        "target)",
        "6f588b83e7cd7184",
    ),
    "delete_route": ("(self, api_id, route_id)", "d63336eb61784620"),
    "delete_route_request_parameter": (
        "(self, api_id, route_id, request_param)",
        "f6c4e85705176b6f",
    ),
}

#: what the HTTP API plug-in adds to ApiGatewayV2Response: operation -> (replacement, why)
_HTTP_API_ADDED: dict[str, tuple[str, str]] = {
    "get_authorizers": (
        "workshop_lib.apigatewayv2.plugin:get_authorizers",
        "GetAuthorizers, which moto lacks: deploys list them to stay idempotent",
    ),
    "create_deployment": (
        _V2D + "create_deployment",
        "CreateDeployment, which moto lacks: freezes the API for a stage",
    ),
    "get_deployments": (_V2D + "get_deployments", "GetDeployments, which moto lacks"),
    "get_deployment": (_V2D + "get_deployment", "GetDeployment, which moto lacks"),
    "delete_deployment": (_V2D + "delete_deployment", "DeleteDeployment, which moto lacks"),
    "update_stage": (
        _V2D + "update_stage",
        "UpdateStage, which moto lacks: points a stage at a deployment, settings",
    ),
}

#: the URL-table keys routing the added deployment operations to moto's v2 dispatch
_HTTP_API_PATHS = (
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments$",
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments/(?P<deployment_id>[^/]+)$",
)

# fmt: off
SEAMS: tuple[Seam, ...] = (
    # -- Lambda (lambda_runtime/patches.py) -------------------------------------------------
    Seam("lambda", "moto.awslambda_simple.models:LambdaSimpleBackend", "invoke",
         "the Invoke API runs the handler (moto echoes the payload); moto's response re-checks "
         "the size with sys.getsizeof, which patches._LimitApplied passes", B,
         "(self, function_name, qualifier, body, headers, response_headers)", "6d68c03fa21353bd",
         _LP + "backend_invoke",
         relies_on=("moto.awslambda.responses:LambdaResponse.invoke",)),
    Seam("lambda", _L + "LambdaFunction", "invoke",
         "what moto's own triggers call (SNS, DynamoDB streams...) runs the handler", B,
         "(self, body, request_headers, response_headers)", "dadc324f30aed38b",
         _LP + "function_invoke"),
    Seam("lambda", _L + "LambdaBackend", "create_function",
         "AWS's checks on runtime, environment and configuration; keeps DeadLetterConfig", B,
         "(self, spec)", "dea879c1b1bc6a09", _LP + "create_function"),
    Seam("lambda", _L + "LambdaFunction", "update_configuration",
         "the same checks on update; DeadLetterConfig and /tmp size applied", B,
         "(self, config_updates)", "eca1cdec066f996f", _LP + "update_configuration"),
    Seam("lambda", _L + "LambdaBackend", "update_function_code",
         "refused from the runtime's block-update date", B,
         "(self, function_name, qualifier, body)", "da42535db0cfddda",
         _LP + "update_function_code"),
    Seam("lambda", _L + "LambdaFunction", "get_configuration",
         "reports DeadLetterConfig back", B,
         "(self, on_create=False)", "803fb04bffde71d9", _LP + "get_configuration"),
    Seam("lambda", _L + "LambdaBackend", "delete_function",
         "retires the function's environments", B,
         "(self, function_name, qualifier=None)", "828280c86a667d39", _LP + "delete_function"),
    Seam("lambda", _L + "LambdaBackend", "create_event_source_mapping",
         "SQS mappings go to the sandbox's poller, not moto's invoke-inside-send_message", B,
         "(self, spec)", "19f8125cabf7d67b", _LP + "create_event_source_mapping"),
    Seam("lambda", _L + "LambdaBackend", "put_function_concurrency",
         "a tenth of the account's concurrency stays unreserved, as on AWS", B,
         "(self, function_name, reserved_concurrency)", "8caf590f63fc8f80",
         _LP + "put_function_concurrency"),
    Seam("lambda", "moto.s3.notifications", "_invoke_awslambda",
         "S3 invokes asynchronously with full records", B,
         "(account_id, event_body, fn_arn, region_name)", "3e321d949008d14e",
         _LP + "s3_invoke_lambda"),
    Seam("lambda", "moto.core.responses:BaseResponse", "_enrich_response",
         "x-amzn-RequestId is the invocation's aws_request_id (moto puts a random one)", B,
         "(headers, body)", "86cd4a4051dd20e8", _LP + "enrich_response", wrap="staticmethod"),
    # -- DynamoDB (dynamodb/patches.py, storage.py) -----------------------------------------
    *(
        Seam("dynamodb", "moto.dynamodb.responses:DynamoHandler", action,
             "limits, admission, charging and ConsumedCapacity around moto's handling", B,
             "(self)", fingerprint, _DP + "action",
             build=True)
        for action, fingerprint in _DYNAMO_ACTIONS.items()
    ),
    Seam("dynamodb", _DT, "query",
         "every item read is charged; reads only the candidates from key-ordered storage", B,
         "(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, "
         "scan_index_forward, projection_expressions, index_name=None, consistent_read=False, "
         "filter_expression=None, hash_key_conditions=None, range_key_conditions=None, "
         "**filter_kwargs)", "002b4d00be6df07c", _DP + "recording", build=True),
    Seam("dynamodb", _DT, "scan",
         "every item read is charged; reads only the candidates from key-ordered storage", B,
         "(self, filters, limit, exclusive_start_key, filter_expression=None, index_name=None, "
         "consistent_read=False, projection_expression=None, segments=(None, None))",
         "5ef1ab21eef06a74", _DP + "recording", build=True),
    Seam("dynamodb", _DT, "__init__",
         "Table.items kept in key order (storage.py): nothing sorts the table per call", B,
         "(self, table_name, account_id, region, schema, attr, throughput=None, "
         "billing_mode=None, indexes=None, global_indexes=None, streams=None, "
         "sse_specification=None, tags=None, deletion_protection_enabled=False, "
         "warm_throughput=None)", "a56181a75aa27005",
         _DP + "ordered_init", build=True),
    Seam("dynamodb", _DT, "all_items",
         "every item in key order, or only the narrowed call's candidates", B,
         "(self)", "c80d2ee3c896acd0", "workshop_lib.dynamodb.storage:all_items"),
    Seam("dynamodb", "moto.dynamodb.models.dynamo_type:Item", "__new__",
         "moto's record of every Item holds them weakly: copies a read made are freed", S,
         "(cls, *args, **kwargs)", "08cf0ef20e88029a", "workshop_lib.dynamodb.storage:track_weakly",
         wrap="staticmethod"),
    Seam("dynamodb", "moto.dynamodb.models.dynamo_type:LimitedSizeDict", "__setitem__",
         "moto's 405,000-byte cap lifted: the plug-in enforces AWS's 409,600 bytes", B,
         "(self, key, value)", "d979580fdbe14f79", "builtins:dict.__setitem__"),
    Seam("dynamodb", "moto.dynamodb.responses", "TRANSACTION_MAX_ITEMS",
         "100 items a transaction, as AWS allows today (moto: 25)", B,
         None, "b7a56873cd771f2c", _DP + "TRANSACTION_MAX_ITEMS"),
    Seam("dynamodb", "moto.dynamodb.models.table:StreamShard", "add",
         "a shard keeps 24 hours of records on the sandbox clock (and a bounded count)", B,
         "(self, old, new)", "357dc6da267e5dd7", _DP + "retaining_add", build=True),
    Seam("dynamodb", "moto.dynamodb.models.table:StreamShard", "get",
         "reading a trimmed record is TrimmedDataAccessException, as on AWS", B,
         "(self, start, quantity)", "fa7e9a0d7b438c2f", _DP + "checked_get", build=True),
    Seam("dynamodb", "moto.dynamodb.models.table:StreamRecord", "__new__",
         "moto's record of every stream record holds them weakly: trimmed records are freed", S,
         "(cls, *args, **kwargs)", "08cf0ef20e88029a", "workshop_lib.dynamodb.storage:track_weakly",
         wrap="staticmethod"),
    Seam("dynamodb", "moto.dynamodbstreams.models:ShardIterator", "__new__",
         "moto's record of every shard iterator holds them weakly: expired ones are freed", S,
         "(cls, *args, **kwargs)", "08cf0ef20e88029a", "workshop_lib.dynamodb.storage:track_weakly",
         wrap="staticmethod"),
    Seam("dynamodb", "moto.dynamodbstreams.models:ShardIterator", "get",
         "the next iterator's issue time kept: iterators expire after 15 minutes", B,
         "(self, limit=1000)", "8932c0f7250e8996", _DP + "next_issuing", build=True),
    Seam("dynamodb", "moto.dynamodbstreams.models:DynamoDBStreamsBackend", "get_shard_iterator",
         "the iterator's issue time kept: iterators expire after 15 minutes", B,
         "(self, arn, shard_id, shard_iterator_type, sequence_number=None)", "a0be676df0bfc9ef",
         _DP + "issuing", build=True),
    Seam("dynamodb", "moto.dynamodbstreams.models:DynamoDBStreamsBackend", "get_records",
         "an expired iterator is ExpiredIteratorException; at most 1,000 iterators kept", B,
         "(self, iterator_arn, limit)", "db8c6cb04430c08f", _DP + "get_records"),
    # -- API Gateway (apigateway/patches.py, testinvoke.py) ---------------------------------
    Seam("apigateway", _AG + "RestAPI", "create_deployment",
         "the deployment is frozen as the plug-in will serve it", B,
         "(self, name, description, stage_variables=None)", "961e1a331835a944",
         _AP + "create_deployment"),
    Seam("apigateway", _AG + "RestAPI", "update_integration_mocks",
         "the plug-in serves the whole stage (moto's literal URLs miss path parameters)", B,
         "(self, stage_name)", "9fa3ff83cac49f15", _AP + "update_integration_mocks"),
    Seam("apigateway", _AG + "APIGatewayBackend", "import_rest_api",
         "Swagger 2.0 and OpenAPI 3 with API Gateway's extensions (openapi.py)", B,
         "(self, api_doc, fail_on_warnings)", "dedcce114ca39db4", _AP + "import_rest_api"),
    Seam("apigateway", _AG + "APIGatewayBackend", "put_rest_api",
         "Swagger 2.0 and OpenAPI 3 with API Gateway's extensions, merge or overwrite", B,
         "(self, function_id, api_doc, fail_on_warnings, mode='merge')", "f1dc2dc5beb0efd1",
         _AP + "put_rest_api"),
    Seam("apigateway", _AGR, "get_export",
         "exports the deployed stage as Swagger or OpenAPI 3, with extensions", B,
         "(self)", "c68023c858e4a8d2", _AP + "get_export"),
    Seam("apigateway", _AGR, "create_deployment",
         "canary deployments (canarySettings); the stage keeps its settings", B,
         "(self)", "de31677c3c6d4060", _AP + "create_deployment_response"),
    Seam("apigateway", _AG + "Stage", "to_json",
         "shows canarySettings", B,
         "(self)", "bfa6ece2809c2176", _AP + "stage_to_json"),
    Seam("apigateway", _AG + "Stage", "apply_operations",
         "canary patch operations: change the split, promote, remove", B,
         "(self, patch_operations)", "e5cceec298be8184", _AP + "stage_apply_operations"),
    Seam("apigateway", _AGR, "get_usage",
         "GetUsage, which moto lacks, from the usage the plug-in counted", B,
         None, ABSENT, _AP + "get_usage"),
    Seam("apigateway", "moto.apigateway.urls", "url_paths",
         "routes GetUsage to moto's dispatch", B,
         None, ABSENT, _AGR + ".dispatch", key="{0}/usageplans/(?P<usage_plan_id>[^/]+)/usage$"),
    Seam("apigateway", _AGR, "update_method",
         "UpdateMethod (PATCH with patchOperations), which moto lacks", B,
         None, ABSENT, _AP + "update_method"),
    Seam("apigateway", _AGR, "update_integration",
         "UpdateIntegration (PATCH with patchOperations), which moto lacks", B,
         None, ABSENT, _AP + "update_integration"),
    Seam("apigateway", _AGR, "test_invoke_method",
         "TestInvokeMethod (the console's Test tab), which moto answers not implemented", B,
         None, ABSENT, "workshop_lib.apigateway.testinvoke:answer"),
    # -- HTTP APIs (apigatewayv2/plugin.py, deployments.py, urls.py) -------------------------
    *(
        Seam("apigatewayv2", _V2R, operation, why, B, None, ABSENT, replacement)
        for operation, (replacement, why) in _HTTP_API_ADDED.items()
    ),
    *(
        Seam("apigatewayv2", table, "url_paths", why, B,
             None, ABSENT, _V2R + ".dispatch", key=path)
        for table, why in (
            ("moto.apigatewayv2.urls", "routes the deployment operations to moto's v2 dispatch"),
            ("moto.apigateway.urls", "the same in REST API Gateway's table, which copies v2's: "
                                     "moto routes the shared host's requests through it"),
        )
        for path in _HTTP_API_PATHS
    ),
    *(
        Seam("apigatewayv2", _V2 + "ApiGatewayV2Backend", method,
             "auto-deploying stages take every change to the API", B,
             signature, fingerprint, _V2D + "following", build=True)
        for method, (signature, fingerprint) in _HTTP_API_CHANGES.items()
    ),
    Seam("apigatewayv2", _V2 + "ApiGatewayV2Backend", "create_stage",
         "a stage points at an existing deployment, or deploys at once with AutoDeploy", B,
         "(self, api_id, config)", "09f0a6db000393c8", _V2D + "create_stage"),
    Seam("apigatewayv2", _V2 + "ApiGatewayV2Backend", "delete_api",
         "the API's deployments and served copy go with it", B,
         "(self, api_id)", "d7150d791841fc86", _V2D + "delete_api"),
    Seam("apigatewayv2", _V2 + "Stage", "to_json",
         "GetStage(s) show the stage's deploymentId", B,
         "(self)", "a44e4ccc0be986f4", _V2D + "stage_to_json"),
    *(
        Seam("apigatewayv2", "moto.awslambda.models:LambdaFunction", method,
             "a URL configuration changed: the function-URL index is rebuilt on next use", B,
             signature, fingerprint, "workshop_lib.apigatewayv2.urls:forgetting", build=True)
        for method, signature, fingerprint in (
            ("create_url_config", "(self, config)", "dd468657df628b35"),
            ("update_url_config", "(self, config)", "6ef6956440f667af"),
            ("delete_url_config", "(self)", "a63386f1fccb821e"),
        )
    ),
    # -- the call audit (iam/audit.py) ------------------------------------------------------
    Seam("iam", "moto.core.authorization:ActionAuthenticatorMixin",
         "_authenticate_and_authorize_action",
         "records which function's key called which action (every request of every service)",
         B, "(self, iam_request_cls, resource='*')", "648a1e4bce97ab23",
         "workshop_lib.iam.audit:recorded", build=True,
         relies_on=(
             "moto.core.authorization:ActionAuthenticatorMixin."
             "_authenticate_and_authorize_normal_action",
             "moto.core.authorization:ActionAuthenticatorMixin."
             "_authenticate_and_authorize_s3_action",
         )),
    Seam("iam", "moto.moto_api._internal.urls", "url_paths",
         "a server answers GET /moto-api/workshop/calls with the record", B,
         None, ABSENT, "workshop_lib.iam.audit:serve_calls", key="{0}/moto-api/workshop/calls$"),
    # -- the framework's CloudFormation (framework/plugin.py) --------------------------------
    Seam("cloudformation", _AG + "Method", "create_from_cloudformation_json",
         "a MOCK integration (CORS preflight) has no Uri: moto's KeyError is avoided", B,
         "(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)",
         "09f9d0e88b0df66a", "workshop_lib.framework.plugin:mock_integrations", build=True,
         wrap="classmethod"),
    Seam("cloudformation", "moto.cloudformation.models:Stack", "stack_resources",
         "a resource moto skipped is listed by its logical id and type", B,
         "(self)", "48081724e7f64b7e", "workshop_lib.framework.plugin:stack_resources",
         wrap="property"),
    # -- the SDK's retry back-off on the sandbox clock (clock.py) ----------------------------
    Seam("clock", "botocore.endpoint", "time",
         "boto3's retries sleep on a virtual clock (token buckets refill in its time)", B,
         None, "78de9962877c1c04", "workshop_lib.clock:SDK_TIME",
         relies_on=("botocore.endpoint:Endpoint._needs_retry",)),
    # -- notebook 9's checker: the learner's requests to the stage (exercises/nb09.py) --------
    Seam("nb09", "requests.sessions:Session", "send",
         "records what the learner's function sent the stage and what it got back", B,
         "(self, request, **kwargs)", "11793248454d9e3d", "workshop_lib.exercises.nb09:recording",
         build=True),
    # -- speed: each REST service's first request (motoquick.py) ----------------------------
    Seam("motoquick", "moto.core.utils", "create_loader",
         "one botocore loader for every model moto loads", S,
         "()", "4b87ae77742535f0", "workshop_lib.motoquick:shared_loader", build=True,
         relies_on=("moto.core.utils:_load_service_model",)),
    Seam("motoquick", "moto.core.routing:SmithyRule", "_compile_builder",
         "URL builders compiled on first use (moto only matches)", S,
         "(self, append_unknown=True)", "a57081ef860e730d",
         "workshop_lib.motoquick:deferred_builders", build=True,
         relies_on=("werkzeug.routing.rules:Rule.compile",)),
    Seam("motoquick", "moto.apigateway.models", "",
         "the OpenAPI validator imported on first use, not with API Gateway's models", S,
         None, "6cab90af2a3bbbb4",
         lines=r"openapi_spec_validator|OpenAPIValidationError|validate\("),
    # -- speed: moto's EC2 models imported cheaply (ec2.py, botodata.py) --------------------
    Seam("ec2", "moto.ec2.models.instance_types", "",
         "each region's instance-type offerings read on first use", S,
         None, "da279115d66cea15",
         lines=r"load_resource|INSTANCE_TYPE_OFFERINGS|LocationType|_location_type",
         relies_on=("moto.utilities.utils:load_resource",)),
    Seam("ec2", "moto.ec2.models.availability_zones_and_regions", "",
         "regions listed from botocore's endpoint data on the shared loader", S,
         None, "74cea05ba526439a", lines=r"Session|boto3"),
    # -- speed: jsonschema without the IRI grammar (quickjsonschema.py) ---------------------
    Seam("jsonschema", "jsonschema._format", "",
         "jsonschema imported without building rfc3987_syntax's grammar", S,
         None, "91bbd5ec90e67540", lines=r"rfc3987_syntax"),
)
# fmt: on


# -- the mechanism ---------------------------------------------------------------------------
_MISSING = object()
_LOCK = threading.RLock()


@dataclasses.dataclass
class _Installed:
    holder: Any
    saved: list[tuple[Seam, Any, Any]]  # (seam, owner object, what was there or _MISSING)


_INSTALLED: dict[str, _Installed] = {}
_ORIGINALS: dict[tuple[Any, ...], Any] = {}  # (owner, attribute[, key]) -> the original
_CHECKED: dict[str, tuple[Any, str | None]] = {}  # seam name -> (original seen, problem)
_WARNED: set[str] = set()


def resolve(path: str) -> Any:
    """The object at ``"package.module"`` or ``"package.module:Name.attr"`` (imported)."""
    module_name, _, attributes = path.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in filter(None, attributes.split(".")):
        found = getattr(found, part)
    return found


@functools.cache
def moto_object(path: str) -> Any:
    """:func:`resolve`, imported on first use and then kept: an import statement inside a
    function runs again on every call, and the served path asks for moto's registries and
    models on every request."""
    return resolve(path)


def moto_backend(backends: Any, account_id: str, region: str) -> Any:
    """``backends[account_id][region]`` without moto's per-lookup lock and key copy.

    moto's ``BackendDict.__getitem__`` creates a missing account under a global lock and
    copies the key list every time: a cost on each request of a served API. Plain dict
    reads return the very same backend once it exists; the first lookup goes through moto.
    """
    account = dict.get(backends, account_id)
    backend = dict.get(account, region) if account is not None else None
    return backend if backend is not None else backends[account_id][region]


def group(name: str) -> tuple[Seam, ...]:
    """The seams one ``install(name)`` puts in place."""
    return tuple(seam for seam in SEAMS if seam.group == name)


def groups() -> tuple[str, ...]:
    return tuple(dict.fromkeys(seam.group for seam in SEAMS))


def find(name: str) -> Seam:
    """The seam called ``name`` (:attr:`Seam.name`)."""
    for seam in SEAMS:
        if seam.name == name:
            return seam
    raise KeyError(f"no seam called {name!r}")


def _target(seam: Seam) -> Any:
    """What the seam replaces as moto has it (its saved original while installed), or
    _MISSING."""
    owner = resolve(seam.owner)
    saved_at = _saved_at(owner, seam)
    if saved_at in _ORIGINALS:
        return _ORIGINALS[saved_at]
    if seam.key is not None:
        return getattr(owner, seam.attribute).get(seam.key, _MISSING)
    if isinstance(owner, type):
        for cls in owner.__mro__:  # inherited: what the owner has through its bases
            if seam.attribute in vars(cls):
                return vars(cls)[seam.attribute]
        return _MISSING
    return getattr(owner, seam.attribute, _MISSING)


def _saved_at(owner: Any, seam: Seam) -> tuple[Any, ...]:
    """Where _ORIGINALS keeps what the seam replaced while it is installed."""
    if seam.key is None:
        return (owner, seam.attribute)
    return (owner, seam.attribute, seam.key)


def _function(value: Any) -> Any:
    if isinstance(value, (staticmethod, classmethod)):
        return value.__func__
    if isinstance(value, property):
        return value.fget
    return value


def _last_line(code: types.CodeType) -> int:
    nested = [_last_line(c) for c in code.co_consts if isinstance(c, types.CodeType)]
    return max([end for _, end, _, _ in code.co_positions() if end is not None] + nested)


def _source(value: Any) -> str:
    """The function's source lines, from its first (decorators included) to its last line
    of code: what ``inspect.getsource`` gives, read without tokenising the file (a sandbox
    checks its seams when it starts)."""
    function = inspect.unwrap(_function(value))
    code = getattr(function, "__code__", None)
    if code is None:
        return repr(function)  # a constant: its value is its source
    lines = linecache.getlines(code.co_filename)
    if not hasattr(code, "co_positions"):  # Python 3.10: no end lines, tokenise instead
        return inspect.getsource(function)
    if not lines:
        return code.co_filename + ":" + repr(code.co_code)
    return "".join(lines[code.co_firstlineno - 1 : _last_line(code)])


def _signature(value: Any) -> str | None:
    """The parameters, their kinds and defaults (annotations left out: they are not the
    contract, and their spelling varies)."""
    function = _function(value)
    if not callable(function):
        return None
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    empty = inspect.Parameter.empty
    parameters = [p.replace(annotation=empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=parameters, return_annotation=empty))


def _module_file(module: str) -> Path | None:
    """The source file of ``module``, found without importing it or its packages."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None:
        return None
    base = Path(spec.origin).parent
    if not rest:
        return Path(spec.origin)
    for candidate in (base.joinpath(*rest).with_suffix(".py"), base.joinpath(*rest, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def measure(seam: Seam) -> tuple[str | None, str]:
    """``(signature, fingerprint)`` of the seam's target as installed now (ABSENT: missing)."""
    if seam.lines is not None:
        path = _module_file(seam.owner)
        if path is None:
            return None, ABSENT
        pattern = re.compile(seam.lines)
        text = path.read_text(encoding="utf-8").splitlines()
        return None, _digest("\n".join(line for line in text if pattern.search(line)))
    target = _target(seam)
    if target is _MISSING:
        return None, ABSENT
    sources = [_source(target)] + [_source(resolve(path)) for path in seam.relies_on]
    return _signature(target), _digest("".join(sources))


def problem(seam: Seam) -> str | None:
    """What changed in the seam's target since it was written (None: nothing), one line."""
    try:
        target = seam.lines if seam.lines is not None else _target(seam)
        seen = _CHECKED.get(seam.name)
        if seen is not None and seen[0] is target:
            return seen[1]
        signature, fingerprint = measure(seam)
    except (ImportError, AttributeError, OSError) as exc:
        return f"its owner is gone ({exc})"
    if fingerprint == seam.fingerprint:
        found = None
    elif seam.fingerprint == ABSENT:
        found = "moto has it now (the seam would hide moto's own)"
    elif fingerprint == ABSENT:
        found = "it is missing"
    elif signature != seam.signature:
        found = f"its signature is now {signature} (written against {seam.signature})"
    else:
        found = (
            f"its source changed (fingerprint {fingerprint}, written against {seam.fingerprint})"
        )
    _CHECKED[seam.name] = (target, found)
    return found


def usable(seam: Seam | str) -> bool:
    """Whether a speed seam may be used; if not, warns once (import seams ask this)."""
    seam = find(seam) if isinstance(seam, str) else seam
    found = problem(seam)
    if found is None:
        return True
    if seam.kind == BEHAVIOUR:
        raise SeamError(_message(seam, found))
    if seam.name not in _WARNED:
        _WARNED.add(seam.name)
        warnings.warn(_message(seam, found), SeamWarning, stacklevel=3)
    return False


def _message(seam: Seam, found: str) -> str:
    if seam.kind == BEHAVIOUR:
        return (
            f"the sandbox cannot start: moto's {seam.name} ({seam.why}) has moved: {found}; "
            f"follow {PROCEDURE}"
        )
    return f"speed seam {seam.name} is off (the sandbox runs, slower): {found}; see {PROCEDURE}"


def _replacement(seam: Seam, original: Any) -> Any:
    value = resolve(seam.replacement)
    if seam.build:
        value = value(original)
    if seam.wrap:
        value = {"staticmethod": staticmethod, "classmethod": classmethod, "property": property}[
            seam.wrap
        ](value)
    return value


def check(name: str) -> list[Seam]:
    """Group ``name``'s seams that may be installed: raises SeamError if a behaviour seam
    moved, warns once for each speed seam that did (a plug-in may ask before it builds
    anything; :func:`install` asks again, from the cache)."""
    return [seam for seam in group(name) if usable(seam)]


def install(name: str, holder: Any = None) -> None:
    """Put group ``name``'s seams in place for ``holder`` (a plug-in; None for the process).
    Refuses (SeamError) before changing anything if a behaviour seam's target moved."""
    with _LOCK:
        installed = _INSTALLED.get(name)
        if installed is not None:
            if installed.holder is holder:
                return
            uninstall(name, installed.holder)
        chosen = [seam for seam in check(name) if seam.lines is None]
        saved: list[tuple[Seam, Any, Any]] = []
        for seam in chosen:
            owner = resolve(seam.owner)
            if seam.key is not None:
                table = getattr(owner, seam.attribute)
                saved.append((seam, owner, table.get(seam.key, _MISSING)))
                _ORIGINALS[_saved_at(owner, seam)] = saved[-1][2]
                table[seam.key] = _replacement(seam, None)
                continue
            here = vars(owner).get(seam.attribute, _MISSING)
            original = here if here is not _MISSING else getattr(owner, seam.attribute, _MISSING)
            replacement = _replacement(seam, original)
            saved.append((seam, owner, here))
            _ORIGINALS[_saved_at(owner, seam)] = original
            setattr(owner, seam.attribute, replacement)
        _INSTALLED[name] = _Installed(holder, saved)


def uninstall(name: str, holder: Any = None) -> None:
    """Put back exactly what group ``name`` replaced, if ``holder`` installed it."""
    with _LOCK:
        installed = _INSTALLED.get(name)
        if installed is None or installed.holder is not holder:
            return
        for seam, owner, was in reversed(installed.saved):
            _ORIGINALS.pop(_saved_at(owner, seam), None)
            if seam.key is not None:
                table = getattr(owner, seam.attribute)
                if was is _MISSING:
                    table.pop(seam.key, None)
                else:
                    table[seam.key] = was
                continue
            if was is _MISSING:
                delattr(owner, seam.attribute)
            else:
                setattr(owner, seam.attribute, was)
        del _INSTALLED[name]


def holder(name: str) -> Any:
    """The object group ``name`` is installed for (None: not installed)."""
    installed = _INSTALLED.get(name)
    return None if installed is None else installed.holder


def installed(name: str) -> bool:
    return name in _INSTALLED


@contextlib.contextmanager
def swapped(owner: Any, attribute: str, value: Any) -> Iterator[None]:
    """``owner.attribute`` is ``value`` for the block only (an import seam's hook runs
    moto's module so), then exactly what it was."""
    here = vars(owner).get(attribute, _MISSING)
    setattr(owner, attribute, value)
    try:
        yield
    finally:
        if here is _MISSING:
            delattr(owner, attribute)
        else:
            setattr(owner, attribute, here)


def original(owner: Any, attribute: str) -> Any:
    """What ``owner.attribute`` was before its seam was installed (as the owner held it:
    a staticmethod stays one)."""
    return _ORIGINALS[(owner, attribute)]


def main() -> int:
    """Print each seam's status and today's signature and fingerprint (for re-fingerprinting
    after an upgrade, docs/UPGRADING-MOTO.md)."""
    moved = 0
    for seam in SEAMS:
        found = problem(seam)
        moved += found is not None
        print(f"{'moved' if found else 'ok':5} {seam.kind:9} {seam.group:12} {seam.name}")
        if found:
            signature, fingerprint = measure(seam)
            print(f"      {found}\n      now: signature={signature!r} fingerprint={fingerprint!r}")
    print(f"{len(SEAMS)} seams, {moved} moved")
    return 1 if moved else 0


if __name__ == "__main__":
    sys.exit(main())
