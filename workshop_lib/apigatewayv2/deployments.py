"""Deployments of HTTP APIs, and what each stage serves.

A deployment freezes an API's configuration; a stage serves the deployment it points at, so
a change reaches clients only once it is deployed, unless the stage deploys automatically
(API Gateway developer guide, "Stages for HTTP APIs",
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html). So:

- ``CreateDeployment`` freezes the API's routes, integrations, authorizers and CORS
  configuration; with a ``StageName`` that stage serves the snapshot from then on, and later
  changes are not served there until the next deployment. An API without routes cannot be
  deployed (``BadRequestException: Unable to deploy API because no routes exist in this
  API``). ``UpdateStage(DeploymentId=...)`` points a stage at an older snapshot.
- A stage created with ``AutoDeploy`` (or switched to it) gets a deployment of its own at
  once and another after every change to the API (``autoDeployed: true``).
- A stage that no deployment reached answers ``{"message":"Not Found"}``, like a missing one.

Stage settings (throttling, stage variables) are the stage's own and apply at once. moto 5.2
keeps stages but has no deployments and no ``UpdateStage``: this module's seams (declared
in workshop_lib/seams.py, group ``apigatewayv2``) add ``CreateDeployment``,
``GetDeployment(s)``, ``DeleteDeployment`` and ``UpdateStage``, add ``deploymentId`` to
``GetStage(s)``, and follow every change moto's API Gateway v2 backend makes to an API
(:func:`following`) so that auto-deploying stages take it.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from workshop_lib import seams
from workshop_lib.apigatewayv2 import routes

if TYPE_CHECKING:
    from workshop_lib.apigatewayv2.plugin import HttpApiPlugin

#: the description AWS gives the deployments it makes for an auto-deploying stage
AUTO_DESCRIPTION = "Automatic deployment triggered by changes to the Api configuration"


@dataclass(frozen=True)
class Snapshot:
    """What one deployment serves: copies of the API's routes (by route key), integrations
    and authorizers (by id) and CORS configuration, with the routes parsed for selection."""

    api_id: str
    routes: dict[str, Any]
    integrations: dict[str, Any]
    authorizers: dict[str, Any]
    cors_configuration: dict[str, Any] | None
    table: routes.RouteTable
    #: route keys whose authorization is a Lambda authorizer (it blocks: served in a thread)
    custom: frozenset[str]

    @classmethod
    def of(cls, api: Any) -> Snapshot:
        """Freeze moto's API as it is now."""
        by_key: dict[str, Any] = {}
        for route in api.routes.values():
            by_key.setdefault(route.route_key, _plain(route))  # AWS refuses a second one
        custom = frozenset(
            key for key, r in by_key.items() if (r.authorization_type or "").upper() == "CUSTOM"
        )
        return cls(
            api.api_id,
            by_key,
            {key: _plain(found) for key, found in api.integrations.items()},
            {key: _plain(found) for key, found in api.authorizers.items()},
            copy.deepcopy(api.cors_configuration),
            routes.RouteTable(by_key),
            custom,
        )

    def integration(self, route: Any) -> Any | None:
        """The integration a route targets (``integrations/{id}``), or None."""
        target = route.target or ""
        if not target.startswith("integrations/"):
            return None
        return self.integrations.get(target.split("/", 1)[1])


@dataclass(frozen=True)
class Deployment:
    """One deployment of an API, as ``GetDeployment`` describes it, with its snapshot."""

    deployment_id: str
    created: float  # sandbox clock
    description: str | None
    auto_deployed: bool
    snapshot: Snapshot = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        moment = datetime.fromtimestamp(self.created, tz=timezone.utc)
        found: dict[str, Any] = {
            "autoDeployed": self.auto_deployed,
            "createdDate": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "deploymentId": self.deployment_id,
            "deploymentStatus": "DEPLOYED",
        }
        if self.description:
            found["description"] = self.description
        return found


class Deployments:
    """Every HTTP API's deployments in one sandbox, and the stage-to-deployment pointers
    (kept in moto's stage, ``config["deploymentId"]``, so they go with the stage)."""

    def __init__(self, plugin: HttpApiPlugin) -> None:
        self.plugin = plugin
        self._lock = threading.Lock()
        self._by_api: dict[str, dict[str, Deployment]] = {}
        self._made: dict[str, int] = {}  # deployments ever made per API: names the next one

    def serving(self, api: Any, stage: Any) -> Snapshot | None:
        """The snapshot a stage serves, or None when no deployment reached it."""
        deployment_id = stage.config.get("deploymentId")
        found = self._by_api.get(api.api_id, {}).get(deployment_id) if deployment_id else None
        return found.snapshot if found is not None else None

    def deploy(
        self,
        api: Any,
        stage_name: str | None = None,
        description: str | None = None,
        *,
        auto: bool = False,
    ) -> Deployment:
        """Freeze the API now; point ``stage_name`` (if given) at the new deployment."""
        from moto.apigatewayv2.exceptions import BadRequestException, StageNotFound

        if stage_name is not None and stage_name not in api.stages:
            raise StageNotFound
        if not api.routes:
            raise BadRequestException("Unable to deploy API because no routes exist in this API")
        with self._lock:
            known = self._by_api.setdefault(api.api_id, {})
            count = self._made[api.api_id] = self._made.get(api.api_id, 0) + 1
            deployment_id = _deployment_id(api.api_id, count)
            made = Deployment(
                deployment_id,
                self.plugin.aws.clock.time(),
                description,
                auto,
                Snapshot.of(api),
            )
            known[deployment_id] = made
            if stage_name is not None:
                api.stages[stage_name].config["deploymentId"] = deployment_id
        return made

    def changed(self, api: Any) -> None:
        """The API changed: every auto-deploying stage of it takes the change."""
        if not api.routes:
            return
        for name, stage in list(api.stages.items()):
            if stage.auto_deploy:
                self.deploy(api, name, AUTO_DESCRIPTION, auto=True)

    def get(self, api_id: str, deployment_id: str) -> Deployment:
        """The deployment, or moto's ``NotFoundException`` (404) for the client."""
        from moto.apigatewayv2.exceptions import APIGatewayV2Error

        found = self._by_api.get(api_id, {}).get(deployment_id)
        if found is None:
            error = APIGatewayV2Error(
                "NotFoundException", f"Invalid Deployment identifier specified {deployment_id}"
            )
            error.code = 404  # as moto's own not-found errors (a class attribute there)
            raise error
        return found

    def listing(self, api_id: str) -> list[Deployment]:
        return list(self._by_api.get(api_id, {}).values())

    def delete(self, api_id: str, deployment_id: str) -> None:
        self.get(api_id, deployment_id)
        with self._lock:
            self._by_api[api_id].pop(deployment_id, None)

    def forget(self, api_id: str) -> None:
        with self._lock:
            self._by_api.pop(api_id, None)
            self._made.pop(api_id, None)

    def clear(self) -> None:
        with self._lock:
            self._by_api.clear()
            self._made.clear()


def _plain(model: Any) -> SimpleNamespace:
    """A moto model's data, copied (its attribute names kept). Models it holds (route and
    integration responses, which only WebSocket APIs use) stay out: a copied moto model
    would join moto's own list of every model ever made."""
    from moto.core.common_models import BaseModel

    kept = {}
    for name, value in vars(model).items():
        if isinstance(value, BaseModel) or (
            isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values())
        ):
            continue
        kept[name] = copy.deepcopy(value)
    return SimpleNamespace(**kept)


def _deployment_id(api_id: str, index: int) -> str:
    """A deployment id shaped like AWS's (6 lower-case letters and digits), derived from the
    API and a counter: the sandbox's seeded id streams (printed ids) stay untouched."""
    digest = hashlib.sha256(f"{api_id}/{index}".encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:6])


# -- moto seams (declared in workshop_lib/seams.py, group "apigatewayv2") ----------------------
def _plugin() -> HttpApiPlugin | None:
    return seams.holder("apigatewayv2")


def following(original: Callable[..., Any]) -> Callable[..., Any]:
    """A backend method that, once done, lets the API's auto-deploying stages take the
    change (every method it follows takes the API's id first)."""

    @functools.wraps(original)
    def changing(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        api_id = kwargs.get("api_id", args[0] if args else None)
        api = self.apis.get(api_id) if isinstance(api_id, str) else None
        plugin = _plugin()
        if api is not None and plugin is not None:
            plugin.deployments.changed(api)
        return result

    return changing


def create_stage(self: Any, api_id: str, config: dict[str, Any]) -> Any:
    """A stage pointing at an existing deployment, or auto-deploying from the start."""
    from moto.apigatewayv2.models import ApiGatewayV2Backend

    api = self.get_api(api_id)
    plugin = _plugin()
    if plugin is not None and config.get("deploymentId"):
        plugin.deployments.get(api_id, config["deploymentId"])  # NotFoundException if unknown
    stage = seams.original(ApiGatewayV2Backend, "create_stage")(self, api_id, config)
    if plugin is not None and stage.auto_deploy and api.routes:
        plugin.deployments.deploy(api, stage.name, AUTO_DESCRIPTION, auto=True)
    return stage


def delete_api(self: Any, api_id: str) -> None:
    from moto.apigatewayv2.models import ApiGatewayV2Backend

    seams.original(ApiGatewayV2Backend, "delete_api")(self, api_id)
    plugin = _plugin()
    if plugin is not None:
        plugin.deployments.forget(api_id)
        plugin.forget_api(api_id)


def stage_to_json(self: Any) -> dict[str, Any]:
    from moto.apigatewayv2.models import Stage

    found = seams.original(Stage, "to_json")(self)
    if self.config.get("deploymentId"):
        found["deploymentId"] = self.config["deploymentId"]
    return found


# -- the operations moto lacks (methods added to ApiGatewayV2Response) -----------------------
def _deployments() -> Deployments:
    plugin = _plugin()
    if plugin is None:
        raise RuntimeError("the HTTP API plugin is not installed")
    return plugin.deployments


def _api_id(response: Any) -> str:
    parts = response.path.split("/")
    return parts[parts.index("apis") + 1]


def create_deployment(response: Any) -> tuple[int, dict, str]:
    params = json.loads(response.body or "{}")
    api = response.apigatewayv2_backend.get_api(_api_id(response))
    made = _deployments().deploy(api, params.get("stageName"), params.get("description"))
    return 201, {}, json.dumps(made.to_json())


def get_deployments(response: Any) -> tuple[int, dict, str]:
    api = response.apigatewayv2_backend.get_api(_api_id(response))
    items = [d.to_json() for d in _deployments().listing(api.api_id)]
    return 200, {}, json.dumps({"items": items})


def get_deployment(response: Any) -> tuple[int, dict, str]:
    api = response.apigatewayv2_backend.get_api(_api_id(response))
    found = _deployments().get(api.api_id, unquote(response.path.split("/")[-1]))
    return 200, {}, json.dumps(found.to_json())


def delete_deployment(response: Any) -> tuple[int, dict, str]:
    api = response.apigatewayv2_backend.get_api(_api_id(response))
    _deployments().delete(api.api_id, unquote(response.path.split("/")[-1]))
    return 204, {}, ""


#: UpdateStage's fields and the moto ``Stage`` attributes they set
_STAGE_FIELDS = {
    "accessLogSettings": "access_log_settings",
    "autoDeploy": "auto_deploy",
    "clientCertificateId": "client_certificate_id",
    "defaultRouteSettings": "default_route_settings",
    "description": "description",
    "routeSettings": "route_settings",
    "stageVariables": "stage_variables",
}


def update_stage(response: Any) -> tuple[int, dict, str]:
    params = json.loads(response.body or "{}")
    api = response.apigatewayv2_backend.get_api(_api_id(response))
    stage = api.get_stage(unquote(response.path.split("/")[-1]))
    deployments = _deployments()
    if params.get("deploymentId"):
        deployments.get(api.api_id, params["deploymentId"])  # NotFoundException if unknown
        stage.config["deploymentId"] = params["deploymentId"]
    for wire, attribute in _STAGE_FIELDS.items():
        if wire in params:
            setattr(stage, attribute, params[wire])
            stage.config[wire] = params[wire]
    stage.updated = datetime.now()
    if params.get("autoDeploy") and api.routes:
        deployments.deploy(api, stage.name, AUTO_DESCRIPTION, auto=True)
    return 200, {}, json.dumps(stage.to_json())
