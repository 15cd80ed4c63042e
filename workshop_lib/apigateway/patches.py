"""The seams in moto 5.2 where the API Gateway plug-in plugs in (declared in workshop_lib/seams.py).

- ``RestAPI.create_deployment``: the deployment is frozen as the plug-in will serve it.
- ``RestAPI.update_integration_mocks``: moto registers one literal URL per method (path
  parameters never match); the plug-in registers the whole stage instead.
- ``urls.url_paths`` + ``APIGatewayResponse.get_usage``: ``GetUsage``, which moto lacks,
  answered from the usage the plug-in counted.
- ``APIGatewayBackend.import_rest_api`` / ``put_rest_api`` and ``APIGatewayResponse.get_export``:
  Swagger 2.0 and OpenAPI 3 with API Gateway's extensions (``openapi.py``).
- ``APIGatewayResponse.create_deployment``, ``Stage.to_json`` / ``apply_operations``: canary
  deployments (``canarySettings``), which moto ignores.
- ``APIGatewayResponse.update_method`` / ``update_integration``: ``UpdateMethod`` and
  ``UpdateIntegration`` (PATCH with ``patchOperations``, what the console and the AWS CLI
  send), which moto lacks.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from moto.apigateway.exceptions import (
    BadRequestException,
    NoIntegrationDefined,
    StageNotFoundException,
)
from moto.apigateway.models import APIGatewayBackend, RestAPI, Stage
from moto.apigateway.responses import APIGatewayResponse

from workshop_lib import seams
from workshop_lib.apigateway import openapi

if TYPE_CHECKING:
    from workshop_lib.apigateway.plugin import ApiGatewayPlugin

USAGE_PATH = "{0}/usageplans/(?P<usage_plan_id>[^/]+)/usage$"


def plugin() -> ApiGatewayPlugin:
    installed = seams.holder("apigateway")
    if installed is None:
        raise RuntimeError("the API Gateway plugin is not installed")
    return installed


def create_deployment(
    self: RestAPI, name: str, description: str, stage_variables: Any = None
) -> Any:
    deployment = seams.original(RestAPI, "create_deployment")(
        self, name, description, stage_variables
    )
    if seams.installed("apigateway"):
        plugin().deployments.record(self, deployment.id)
    return deployment


def update_integration_mocks(self: RestAPI, stage_name: str) -> None:
    if seams.installed("apigateway") and stage_name:
        plugin().register_stage(self.id, stage_name)


def get_usage(self: APIGatewayResponse) -> Any:
    plan_id = self.path.split("/")[-2]
    query = self.querystring
    result = plugin().usage.usage(
        plan_id,
        query.get("startDate", [""])[0],
        query.get("endDate", [""])[0],
        (query.get("keyId") or [None])[0],
    )
    return 200, {}, json.dumps(result)


def import_rest_api(self: APIGatewayBackend, api_doc: dict, fail_on_warnings: bool) -> Any:
    try:
        return openapi.import_document(self, openapi.parse(api_doc))
    except openapi.OpenApiError as exc:
        raise BadRequestException(str(exc)) from None


def put_rest_api(
    self: APIGatewayBackend,
    function_id: str,
    api_doc: dict,
    fail_on_warnings: bool,
    mode: str = "merge",
) -> Any:
    if mode not in ("merge", "overwrite"):
        raise BadRequestException(f"mode must be merge or overwrite, not {mode!r}")
    try:
        return openapi.import_document(self, openapi.parse(api_doc), function_id, mode)
    except openapi.OpenApiError as exc:
        raise BadRequestException(str(exc)) from None


def get_export(self: APIGatewayResponse) -> Any:
    parts = self.path.split("/")
    api_id, stage, export_type = parts[-5], parts[-3], parts[-1]
    if export_type not in ("swagger", "oas30"):
        raise BadRequestException(f"No API exporter for type '{export_type}'")
    spec = plugin().deployments.deployed(api_id, stage)
    if spec is None:
        raise StageNotFoundException()
    extensions = set(self.querystring.get("extensions", [""])[0].split(","))
    document = openapi.export_document(self.backend, spec, stage, export_type, extensions)
    if "yaml" in (self.headers.get("Accept") or ""):
        import yaml

        return 200, {"Content-Type": "application/yaml"}, yaml.safe_dump(document).encode()
    return 200, {"Content-Type": "application/json"}, json.dumps(document, indent=2).encode()


def create_deployment_response(self: APIGatewayResponse) -> Any:
    """A deployment with ``canarySettings`` becomes the stage's canary, not its deployment."""
    canary = self._get_param("canarySettings")
    api_id = self.path.replace("/restapis/", "", 1).split("/")[0]
    stage_name = self._get_param("stageName")
    before = None
    try:
        existing = self.backend.get_stage(api_id, stage_name) if stage_name else None
    except Exception:
        existing = None
    if canary and stage_name:
        if existing is None:
            raise BadRequestException("a canary needs an existing stage to run beside")
        before = existing
    result = seams.original(APIGatewayResponse, "create_deployment")(self)
    if existing is not None and before is None:
        # moto replaces the stage object; AWS keeps its settings and variables
        stage = self.backend.get_stage(api_id, stage_name)
        given = self._get_param("variables")
        stage.variables = {**(existing.variables or {}), **(given or {})}
        stage.method_settings = existing.method_settings
        stage.description = existing.description
    if before is not None:
        deployment_id = json.loads(result[2])["id"]
        stage = self.backend.get_stage(api_id, stage_name)
        stage.deployment_id, stage.variables = before.deployment_id, before.variables
        stage.canary_settings = {
            "deploymentId": deployment_id,
            "percentTraffic": float(canary.get("percentTraffic") or 0),
            "stageVariableOverrides": canary.get("stageVariableOverrides") or {},
            "useStageCache": bool(canary.get("useStageCache")),
        }
    return result


def stage_to_json(self: Stage) -> dict[str, Any]:
    document = seams.original(Stage, "to_json")(self)
    if getattr(self, "canary_settings", None):
        document["canarySettings"] = self.canary_settings
    return document


def stage_apply_operations(self: Stage, patch_operations: list[dict[str, Any]]) -> Stage:
    """Canary patch operations (change the split, promote, remove); the rest to moto."""
    others = []
    for op in patch_operations:
        path, source = op.get("path", ""), op.get("from", "")
        canary = getattr(self, "canary_settings", None)
        if op["op"] == "copy" and source.startswith("/canarySettings/") and canary:
            if path == "/deploymentId":  # promote the canary
                self.deployment_id = canary["deploymentId"]
            elif path == "/variables":
                self.variables = {**self.variables, **canary["stageVariableOverrides"]}
        elif path == "/canarySettings" and op["op"] == "remove":
            self.canary_settings = None
        elif path.startswith("/canarySettings/") and canary:
            field = path.removeprefix("/canarySettings/")
            if field == "percentTraffic":
                canary["percentTraffic"] = float(op["value"])
            elif field == "deploymentId":
                canary["deploymentId"] = op["value"]
            elif field.startswith("stageVariableOverrides/"):
                name = field.removeprefix("stageVariableOverrides/")
                if op["op"] == "remove":
                    canary["stageVariableOverrides"].pop(name, None)
                else:
                    canary["stageVariableOverrides"][name] = op["value"]
        else:
            others.append(op)
    return seams.original(Stage, "apply_operations")(self, others)


# -- UpdateMethod / UpdateIntegration ----------------------------------------------------------
#: patch path -> attribute of moto's Method / Integration; a path ending in "/" takes a name
#: after it (a map entry, or a set member for the list ones), JSON-pointer escaped ("~1": "/")
_METHOD_PATHS = {
    "/authorizationType": "authorization_type",
    "/authorizerId": "authorizer_id",
    "/apiKeyRequired": "api_key_required",
    "/operationName": "operation_name",
    "/requestValidatorId": "request_validator_id",
    "/requestParameters/": "request_parameters",
    "/requestModels/": "request_models",
    "/authorizationScopes/": "authorization_scopes",
}
_INTEGRATION_PATHS = {
    "/uri": "uri",
    "/httpMethod": "http_method",
    "/passthroughBehavior": "passthrough_behaviour",
    "/timeoutInMillis": "timeout_in_millis",
    "/contentHandling": "content_handling",
    "/credentials": "credentials",
    "/connectionType": "connection_type",
    "/cacheNamespace": "cache_namespace",
    "/requestTemplates/": "request_templates",
    "/requestParameters/": "request_parameters",
    "/cacheKeyParameters/": "cache_key_parameters",
}
_LISTS = {"authorization_scopes", "cache_key_parameters"}
_BOOLEANS = {"api_key_required"}


def apply_patch(target: Any, operations: list[dict[str, Any]], paths: dict[str, str]) -> None:
    """Apply API Gateway ``patchOperations`` (op add / replace / remove, path, value) to a moto
    model; a path it does not allow is a BadRequestException naming those it does."""
    for operation in operations or []:
        op, path, value = operation.get("op"), operation.get("path") or "", operation.get("value")
        if op not in ("add", "replace", "remove"):
            raise BadRequestException(
                f"Invalid patch operation specified. Must be one of: [add, remove, replace] "
                f"(got {op!r})"
            )
        prefix = path if path in paths else path[: path.rfind("/") + 1]
        if prefix not in paths or (prefix.endswith("/") and prefix == path):
            allowed = ", ".join(p + ("{name}" if p.endswith("/") else "") for p in paths)
            raise BadRequestException(
                f"Invalid patch path '{path}' specified for op '{op}'. Must be one of: [{allowed}]"
            )
        attribute = paths[prefix]
        if not prefix.endswith("/"):  # a plain field
            if attribute in _BOOLEANS:
                value = str(value).lower() == "true"
            setattr(target, attribute, None if op == "remove" else value)
            continue
        name = path[len(prefix) :].replace("~1", "/").replace("~0", "~")
        if attribute in _LISTS:
            members = list(getattr(target, attribute) or [])
            if op == "remove":
                members = [m for m in members if m != name]
            elif name not in members:
                members.append(name)
            setattr(target, attribute, members)
            continue
        entries = dict(getattr(target, attribute) or {})
        if op == "remove":
            entries.pop(name, None)
        else:
            entries[name] = value
        setattr(target, attribute, entries or None)


def _method_ids(response: APIGatewayResponse) -> tuple[str, str, str]:
    parts = response.path.split("/")
    return parts[2], parts[4], parts[6]


def update_method(self: APIGatewayResponse) -> str:
    method = self.backend.get_method(*_method_ids(self))
    apply_patch(method, self._get_param("patchOperations"), _METHOD_PATHS)
    return json.dumps(method.to_json())


def update_integration(self: APIGatewayResponse) -> str:
    integration = self.backend.get_integration(*_method_ids(self))
    if integration is None:
        raise NoIntegrationDefined()
    apply_patch(integration, self._get_param("patchOperations"), _INTEGRATION_PATHS)
    return json.dumps(integration.to_json())


def install(api_plugin: ApiGatewayPlugin) -> None:
    seams.install("apigateway", api_plugin)


def uninstall(api_plugin: ApiGatewayPlugin) -> None:
    seams.uninstall("apigateway", api_plugin)
