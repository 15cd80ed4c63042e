"""What a REST API stage serves: a frozen snapshot of each deployment, and per request the
deployment a stage sends it to (its canary's, a seeded share of the time)."""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING, Any

from workshop_lib.apigateway.spec import ApiSpec, snapshot
from workshop_lib.seams import moto_backend, moto_object

if TYPE_CHECKING:
    from workshop_lib.sandbox import Sandbox


class Deployments:
    """The snapshots of the sandbox's REST API deployments."""

    def __init__(self, aws: Sandbox) -> None:
        self.aws = aws
        self.snapshots: dict[tuple[str, str], ApiSpec] = {}
        self._lock = threading.Lock()
        self._canary_draws = random.Random(aws.seed)

    def clear(self) -> None:
        with self._lock:
            self.snapshots.clear()

    def backend(self) -> Any:
        """moto's API Gateway backend."""
        registry = moto_object("moto.apigateway.models:apigateway_backends")
        return moto_backend(registry, self.aws.account_id, self.aws.region)

    def record(self, rest_api: Any, deployment_id: str) -> None:
        """Called when moto creates a deployment: freeze what it will serve."""
        frozen = snapshot(rest_api, deployment_id)
        with self._lock:
            self.snapshots[(rest_api.id, deployment_id)] = frozen

    def deployed(self, api_id: str, stage: str) -> ApiSpec | None:
        """The deployment a stage serves now (None: no such API or stage)."""
        try:
            stage_model = self.backend().get_stage(api_id, stage)
        except Exception:
            return None
        return self.snapshots.get((api_id, stage_model.deployment_id))

    def select(self, api_id: str, stage: str) -> tuple[ApiSpec | None, dict[str, str], bool]:
        """The deployment one request goes to, its stage variables, and whether it is the
        canary: a stage with canary settings sends ``percentTraffic`` % of requests to the
        canary deployment, with its stage-variable overrides (a seeded draw per request)."""
        try:
            stage_model = self.backend().get_stage(api_id, stage)
        except Exception:
            return None, {}, False
        variables = dict(stage_model.variables or {})
        canary = getattr(stage_model, "canary_settings", None)
        if canary and float(canary.get("percentTraffic") or 0) > 0:
            with self._lock:
                draw = self._canary_draws.random() * 100
            if draw < float(canary["percentTraffic"]):
                spec = self.snapshots.get((api_id, canary["deploymentId"]))
                return spec, {**variables, **(canary.get("stageVariableOverrides") or {})}, True
        return self.snapshots.get((api_id, stage_model.deployment_id)), variables, False
