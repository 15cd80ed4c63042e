"""What a deployment of a REST API serves: a frozen copy of its resources and methods.

API Gateway serves a stage's *deployment*, a snapshot taken when the deployment was
created: edits to the API take effect with the next deployment. moto keeps no snapshot,
so the plug-in takes one (:func:`snapshot`) when ``create_deployment`` runs.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class IntegrationSpec:
    type: str  # AWS_PROXY, AWS, HTTP_PROXY, HTTP, MOCK
    uri: str | None
    http_method: str | None
    request_templates: dict[str, str]
    request_parameters: dict[str, str]
    responses: dict[str, dict[str, Any]]  # status code -> selectionPattern, templates, params
    timeout_ms: int
    passthrough: str


@dataclass(frozen=True)
class MethodSpec:
    http_method: str
    authorization_type: str
    authorizer_id: str | None
    api_key_required: bool
    request_validator_id: str | None
    request_models: dict[str, str]
    request_parameters: dict[str, bool]
    integration: IntegrationSpec | None
    responses: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ResourceSpec:
    id: str
    path: str
    methods: dict[str, MethodSpec]

    @cached_property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]

    @cached_property
    def rank(self) -> tuple[int, ...]:
        """How specific the path is: literal segments beat {param}, which beats {proxy+}."""
        return tuple(_segment_rank(s) for s in self.segments)


@dataclass
class ApiSpec:
    """One deployment: resources, authorizers, validators, models, gateway responses."""

    api_id: str
    deployment_id: str
    resources: list[ResourceSpec]
    authorizers: dict[str, dict[str, Any]] = field(default_factory=dict)
    validators: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    gateway_responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    binary_media_types: list[str] = field(default_factory=list)
    api_key_source: str = "HEADER"
    # routes already worked out, by (path, method): a deployment never changes
    _routes: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)

    def route(
        self, path: str, method: str
    ) -> tuple[ResourceSpec, MethodSpec | None, dict[str, str]] | None:
        """The resource and method for a request path, with its path parameters."""
        key = (path, method)
        routed = self._routes.get(key, _UNROUTED)
        if routed is _UNROUTED:
            routed = self._route(path, method)
            if len(self._routes) >= ROUTES_KEPT:  # many distinct paths: start again
                self._routes.clear()
            self._routes[key] = routed
        if routed is None:
            return None
        resource, chosen, params = routed
        return resource, chosen, dict(params)  # the caller's own copy

    def _route(
        self, path: str, method: str
    ) -> tuple[ResourceSpec, MethodSpec | None, dict[str, str]] | None:
        parts = [p for p in path.split("/") if p]
        best: tuple[tuple[int, ...], ResourceSpec, dict[str, str]] | None = None
        for resource in self.resources:
            params = _match(resource.segments, parts)
            if params is None:
                continue
            if best is None or resource.rank > best[0]:
                best = (resource.rank, resource, params)
        if best is None:
            return None
        _, resource, params = best
        methods = resource.methods
        chosen = methods.get(method.upper()) or methods.get("ANY")
        return resource, chosen, params


ROUTES_KEPT = 4096
_UNROUTED = object()


def _segment_rank(segment: str) -> int:
    if segment.endswith("+}"):
        return 0
    return 1 if segment.startswith("{") else 2


_PARAM = re.compile(r"^\{([^}+]+)(\+?)\}$")


def _match(template: list[str], parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, segment in enumerate(template):
        found = _PARAM.match(segment)
        if found and found.group(2):  # greedy {proxy+}: the rest of the path, at least one part
            rest = parts[index:]
            if not rest:
                return None
            params[found.group(1)] = "/".join(rest)
            return params
        if index >= len(parts):
            return None
        if found:
            params[found.group(1)] = parts[index]
        elif segment != parts[index]:
            return None
    return params if len(parts) == len(template) else None


def snapshot(rest_api: Any, deployment_id: str) -> ApiSpec:
    """Freeze moto's ``RestAPI`` as the deployment ``deployment_id`` serves it."""
    resources = []
    for resource in rest_api.resources.values():
        methods = {}
        for name, method in resource.resource_methods.items():
            integration = method.method_integration
            methods[name.upper()] = MethodSpec(
                http_method=name.upper(),
                authorization_type=(method.authorization_type or "NONE").upper(),
                authorizer_id=method.authorizer_id,
                api_key_required=bool(method.api_key_required),
                request_validator_id=method.request_validator_id,
                request_models=dict(method.request_models or {}),
                request_parameters=dict(method.request_parameters or {}),
                integration=_integration(integration) if integration else None,
                responses={
                    code: copy.deepcopy(response.to_json())
                    for code, response in (method.method_responses or {}).items()
                },
            )
        resources.append(ResourceSpec(resource.id, resource.get_path(), methods))
    return ApiSpec(
        api_id=rest_api.id,
        deployment_id=deployment_id,
        resources=resources,
        authorizers={a.id: copy.deepcopy(a.to_json()) for a in rest_api.authorizers.values()},
        validators={v.id: copy.deepcopy(v.to_dict()) for v in rest_api.request_validators.values()},
        models={m.name: copy.deepcopy(m.to_json()) for m in rest_api.models.values()},
        gateway_responses={
            r.response_type: copy.deepcopy(r.to_json()) for r in rest_api.gateway_responses.values()
        },
        binary_media_types=list(rest_api.binaryMediaTypes or []),
        api_key_source=rest_api.api_key_source or "HEADER",
    )


def _integration(integration: Any) -> IntegrationSpec:
    responses = {}
    for code, response in (integration.integration_responses or {}).items():
        responses[code] = copy.deepcopy(response.to_json())
    return IntegrationSpec(
        type=(integration.integration_type or "").upper(),
        uri=integration.uri,
        http_method=integration.http_method,
        request_templates=dict(integration.request_templates or {}),
        request_parameters=dict(integration.request_parameters or {}),
        responses=responses,
        timeout_ms=int(integration.timeout_in_millis or 29_000),
        passthrough=integration.passthrough_behaviour or "WHEN_NO_MATCH",
    )
