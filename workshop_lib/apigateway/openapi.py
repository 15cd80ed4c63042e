"""Swagger 2.0 and OpenAPI 3 import and export with API Gateway's extensions (slide 52).

moto refuses Swagger 2.0 and imports no authorizers, keys, validators or gateway
responses. Here ``import_rest_api`` / ``put_rest_api`` build the whole API from a document
with ``x-amazon-apigateway-integration``, ``-authorizer`` (in the security schemes),
``-api-key-source``, ``-request-validators`` / ``-request-validator`` and
``-gateway-responses``; ``get_export`` writes a deployed stage back as either format,
with the extensions when asked (``parameters={"extensions": "integrations,authorizers"}``).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

METHODS = (
    "get",
    "put",
    "post",
    "delete",
    "patch",
    "head",
    "options",
    "x-amazon-apigateway-any-method",
)


class OpenApiError(ValueError):
    """A document that cannot be imported; the message says where."""


def parse(body: bytes | str | dict) -> dict[str, Any]:
    """A Swagger/OpenAPI document from JSON or YAML."""
    if isinstance(body, dict):
        document = body
    else:
        try:
            document = yaml.safe_load(body)
        except yaml.YAMLError as exc:
            raise OpenApiError(f"the document is neither JSON nor YAML: {exc}") from None
    if not isinstance(document, dict) or "paths" not in document:
        raise OpenApiError("not an API definition: a Swagger or OpenAPI document needs 'paths'")
    if not (
        str(document.get("swagger", "")).startswith("2")
        or str(document.get("openapi", "")).startswith("3")
    ):
        raise OpenApiError("only Swagger 2.0 and OpenAPI 3.x documents can be imported")
    _check_string_maps(document)
    return document


def _check_string_maps(document: dict[str, Any]) -> None:
    """Refuse, before anything is created, the maps API Gateway holds as text to text:
    templates (a content type to a mapping template) and response parameters (a header to an
    expression). A dict where the body's JSON text belongs is the usual mistake; AWS refuses
    the import with BadRequestException rather than fail later, on a request."""
    places: list[tuple[str, Any]] = []
    for kind, response in (document.get("x-amazon-apigateway-gateway-responses") or {}).items():
        where = f"gateway response {kind}"
        if not isinstance(response, dict):
            raise OpenApiError(f"{_IMPORT_ERRORS} {where} must be an object, got {response!r}")
        status = response.get("statusCode")
        if status is not None and not str(status).isdigit():
            raise OpenApiError(f"{_IMPORT_ERRORS} {where}: statusCode {status!r} is not a number")
        places += [(f"{where}: {key}", response.get(key)) for key in _STRING_MAPS]
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            integration = isinstance(operation, dict) and operation.get(
                "x-amazon-apigateway-integration"
            )
            if not isinstance(integration, dict):
                continue
            where = f"the integration of {method.upper()} {path}"
            places.append((f"{where}: requestTemplates", integration.get("requestTemplates")))
            for pattern, response in (integration.get("responses") or {}).items():
                if isinstance(response, dict):
                    places += [
                        (f"{where}, response {pattern!r}: {key}", response.get(key))
                        for key in _STRING_MAPS
                    ]
    for where, mapping in places:
        if mapping is None:
            continue
        if not isinstance(mapping, dict):
            raise OpenApiError(f"{_IMPORT_ERRORS} {where} must be an object, got {mapping!r}")
        for key, text in mapping.items():
            if not isinstance(text, str):
                raise OpenApiError(
                    f"{_IMPORT_ERRORS} {where}[{key!r}] must be a string, got "
                    f"{type(text).__name__} {json.dumps(text, default=str)[:60]} (a template "
                    "is text: json.dumps(...) a body)"
                )


#: How API Gateway's import begins its list of problems.
_IMPORT_ERRORS = "Errors found during import:"
_STRING_MAPS = ("responseTemplates", "responseParameters")


def import_document(
    backend: Any, document: dict[str, Any], api_id: str | None = None, mode: str = "overwrite"
) -> Any:
    """Create (or overwrite / merge into) a REST API from a document; returns moto's RestAPI."""
    info = document.get("info") or {}
    if api_id is None:
        api = backend.create_rest_api(
            name=info.get("title") or "imported",
            description=info.get("description") or "",
            api_key_source=document.get("x-amazon-apigateway-api-key-source"),
        )
    else:
        api = backend.get_rest_api(api_id)
        if mode == "overwrite":
            api.resources = {}
            api.default = api.add_child("/")
            api.root_resource_id = api.default.id
        if document.get("x-amazon-apigateway-api-key-source"):
            api.api_key_source = document["x-amazon-apigateway-api-key-source"]
    swagger2 = str(document.get("swagger", "")).startswith("2")
    schemes = document.get("securityDefinitions" if swagger2 else "components", {})
    if not swagger2:
        schemes = schemes.get("securitySchemes", {})
    authorizers = _import_authorizers(backend, api, schemes)
    api_key_schemes = {
        name
        for name, s in schemes.items()
        if s.get("type") == "apiKey" and "x-amazon-apigateway-authtype" not in s
    }
    validators = {}
    for name, spec in (document.get("x-amazon-apigateway-request-validators") or {}).items():
        validators[name] = backend.create_request_validator(
            api.id,
            name,
            bool(spec.get("validateRequestBody")),
            bool(spec.get("validateRequestParameters")),
        ).id
    default_validator = document.get("x-amazon-apigateway-request-validator")
    models = (
        document.get("definitions")
        if swagger2
        else (document.get("components") or {}).get("schemas")
    )
    for name, schema in (models or {}).items():
        backend.create_model(api.id, name, "application/json", "", json.dumps(schema))
    for path, item in sorted(document["paths"].items()):
        resource = _resource_for(backend, api, path)
        shared = item.get("parameters") or []
        for method_name, operation in item.items():
            if method_name.lower() not in METHODS:
                continue
            http_method = (
                "ANY" if method_name == "x-amazon-apigateway-any-method" else (method_name.upper())
            )
            _import_method(
                backend,
                api,
                resource,
                http_method,
                operation,
                shared,
                swagger2,
                authorizers,
                api_key_schemes,
                validators,
                default_validator,
            )
    for kind, response in (document.get("x-amazon-apigateway-gateway-responses") or {}).items():
        backend.put_gateway_response(
            api.id,
            kind,
            response.get("statusCode"),
            response.get("responseParameters"),
            response.get("responseTemplates"),
        )
    return api


def _import_authorizers(backend: Any, api: Any, schemes: dict[str, Any]) -> dict[str, str]:
    ids = {}
    for name, scheme in schemes.items():
        config = scheme.get("x-amazon-apigateway-authorizer")
        if not config:
            continue
        kind = (config.get("type") or "token").upper()
        source = config.get("identitySource")
        if kind == "TOKEN" and not source:
            source = f"method.request.header.{scheme.get('name', 'Authorization')}"
        authorizer = backend.create_authorizer(
            api.id,
            name,
            kind,
            authorizer_uri=config.get("authorizerUri"),
            identity_source=source,
            authorizer_result_ttl=config.get("authorizerResultTtlInSeconds", 300),
            identiy_validation_expression=config.get("identityValidationExpression"),
            authorizer_credentials=config.get("authorizerCredentials"),
        )
        ids[name] = authorizer.id
    return ids


def _resource_for(backend: Any, api: Any, path: str) -> Any:
    current = api.get_resource_for_path("/")
    built = ""
    for part in [p for p in path.split("/") if p]:
        built += "/" + part
        found = api.get_resource_for_path(built)
        current = found or backend.create_resource(api.id, current.id, part)
    return current


def _import_method(
    backend: Any,
    api: Any,
    resource: Any,
    http_method: str,
    operation: dict[str, Any],
    shared: list[dict[str, Any]],
    swagger2: bool,
    authorizers: dict[str, str],
    api_key_schemes: set[str],
    validators: dict[str, str],
    default_validator: str | None,
) -> None:
    security = [name for entry in operation.get("security") or [] for name in entry]
    authorizer = next((authorizers[s] for s in security if s in authorizers), None)
    parameters: dict[str, bool] = {}
    models: dict[str, str] = {}
    for parameter in shared + (operation.get("parameters") or []):
        place = {"header": "header", "query": "querystring", "path": "path"}.get(
            parameter.get("in", "")
        )
        if place:
            parameters[f"method.request.{place}.{parameter['name']}"] = bool(
                parameter.get("required", place == "path")
            )
        elif parameter.get("in") == "body" and "$ref" in parameter.get("schema", {}):
            models["application/json"] = parameter["schema"]["$ref"].rsplit("/", 1)[-1]
    if not swagger2:
        content = (operation.get("requestBody") or {}).get("content") or {}
        for content_type, media in content.items():
            if "$ref" in (media.get("schema") or {}):
                models[content_type] = media["schema"]["$ref"].rsplit("/", 1)[-1]
    validator_name = operation.get("x-amazon-apigateway-request-validator", default_validator)
    backend.put_method(
        api.id,
        resource.id,
        http_method,
        "CUSTOM" if authorizer else "NONE",
        api_key_required=any(s in api_key_schemes for s in security),
        request_parameters=parameters or None,
        request_models=models or None,
        operation_name=operation.get("operationId"),
        authorizer_id=authorizer,
        request_validator_id=validators.get(validator_name) if validator_name else None,
    )
    for code in operation.get("responses") or {}:
        backend.put_method_response(api.id, resource.id, http_method, str(code), None, None)
    integration = operation.get("x-amazon-apigateway-integration")
    if not integration:
        return
    kind = (integration.get("type") or "").upper()
    backend.put_integration(
        function_id=api.id,
        resource_id=resource.id,
        method_type=http_method,
        integration_type=kind,
        uri=integration.get("uri"),
        integration_method=integration.get("httpMethod")
        or ("POST" if kind.startswith("AWS") else http_method),
        request_templates=integration.get("requestTemplates"),
        passthrough_behavior=integration.get("passthroughBehavior"),
        timeout_in_millis=integration.get("timeoutInMillis"),
        request_parameters=integration.get("requestParameters"),
    )
    for pattern, response in (integration.get("responses") or {}).items():
        backend.put_integration_response(
            api.id,
            resource.id,
            http_method,
            str(response.get("statusCode", "200")),
            None if pattern == "default" else pattern,
            response.get("responseTemplates"),
            response.get("responseParameters"),
        )


def export_document(
    backend: Any, spec: Any, stage: str, export_type: str, extensions: set[str]
) -> dict[str, Any]:
    """A deployed stage as Swagger 2.0 (``swagger``) or OpenAPI 3 (``oas30``)."""
    api = backend.get_rest_api(spec.api_id)
    swagger2 = export_type == "swagger"
    document: dict[str, Any] = {"swagger": "2.0"} if swagger2 else {"openapi": "3.0.1"}
    document["info"] = {"title": api.name, "version": str(spec.deployment_id)}
    host = f"{api.id}.execute-api.{backend.region_name}.amazonaws.com"
    if swagger2:
        document.update({"host": host, "basePath": f"/{stage}", "schemes": ["https"]})
    else:
        document["servers"] = [
            {"url": f"https://{host}/{{basePath}}", "variables": {"basePath": {"default": stage}}}
        ]
    with_integrations = "integrations" in extensions or "apigateway" in extensions
    with_authorizers = "authorizers" in extensions or "apigateway" in extensions
    paths: dict[str, Any] = {}
    uses_key = False
    for resource in sorted(spec.resources, key=lambda r: r.path):
        operations: dict[str, Any] = {}
        for name, method in sorted(resource.methods.items()):
            operation: dict[str, Any] = {
                "responses": {
                    code: {"description": f"{code} response"} for code in method.responses
                }
                or {"200": {"description": "200 response"}}
            }
            parameters = [
                {
                    "name": key.rsplit(".", 1)[-1],
                    "in": _place(key),
                    "required": required,
                    **({"type": "string"} if swagger2 else {"schema": {"type": "string"}}),
                }
                for key, required in sorted(method.request_parameters.items())
            ]
            parameters += [
                {
                    "name": p.strip("{}+"),
                    "in": "path",
                    "required": True,
                    **({"type": "string"} if swagger2 else {"schema": {"type": "string"}}),
                }
                for p in resource.segments
                if p.startswith("{")
                and f"method.request.path.{p.strip('{}+')}" not in method.request_parameters
            ]
            if parameters:
                operation["parameters"] = parameters
            security = []
            if method.api_key_required:
                security.append({"api_key": []})
                uses_key = True
            if method.authorization_type == "CUSTOM" and method.authorizer_id:
                name_of = spec.authorizers.get(method.authorizer_id, {}).get("name", "authorizer")
                security.append({name_of: []})
            if security:
                operation["security"] = security
            if with_integrations and method.integration is not None:
                operation["x-amazon-apigateway-integration"] = _integration_doc(method.integration)
            key = "x-amazon-apigateway-any-method" if name == "ANY" else name.lower()
            operations[key] = operation
        if operations:
            paths[resource.path] = operations
    document["paths"] = paths
    schemes: dict[str, Any] = {}
    if uses_key:
        schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
    if with_authorizers:
        for config in spec.authorizers.values():
            schemes[config["name"]] = {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    k: v
                    for k, v in {
                        "type": (config.get("type") or "TOKEN").lower(),
                        "authorizerUri": config.get("authorizerUri"),
                        "identitySource": config.get("identitySource"),
                        "authorizerResultTtlInSeconds": config.get("authorizerResultTtlInSeconds"),
                        "identityValidationExpression": config.get("identityValidationExpression"),
                    }.items()
                    if v is not None
                },
            }
    if schemes:
        if swagger2:
            document["securityDefinitions"] = schemes
        else:
            document.setdefault("components", {})["securitySchemes"] = schemes
    if with_integrations and spec.gateway_responses:
        document["x-amazon-apigateway-gateway-responses"] = {
            kind: {
                k: v
                for k, v in {
                    "statusCode": r.get("statusCode"),
                    "responseParameters": r.get("responseParameters"),
                    "responseTemplates": r.get("responseTemplates"),
                }.items()
                if v
            }
            for kind, r in sorted(spec.gateway_responses.items())
        }
    if spec.api_key_source and with_integrations:
        document["x-amazon-apigateway-api-key-source"] = spec.api_key_source
    return document


def _place(key: str) -> str:
    return {"header": "header", "querystring": "query", "path": "path"}[key.split(".")[2]]


def _integration_doc(integration: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": integration.type.lower()}
    if integration.uri:
        doc["uri"] = integration.uri
    if integration.http_method:
        doc["httpMethod"] = integration.http_method
    if integration.request_templates:
        doc["requestTemplates"] = integration.request_templates
    if integration.responses:
        doc["responses"] = {
            (r.get("selectionPattern") or "default"): {
                k: v
                for k, v in {
                    "statusCode": r.get("statusCode"),
                    "responseParameters": r.get("responseParameters"),
                    "responseTemplates": r.get("responseTemplates"),
                }.items()
                if v
            }
            for r in integration.responses.values()
        }
    doc["passthroughBehavior"] = integration.passthrough.lower()
    doc["timeoutInMillis"] = integration.timeout_ms
    return doc
