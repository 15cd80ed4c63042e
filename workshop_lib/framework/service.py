"""A service: ``serverless.yml`` read, its variables resolved, its functions and events typed.

``Service.load(path, stage=..., region=...)`` is what every ``workshop sls`` command starts
from. The defaults are the framework's (v3): stage ``dev``, region ``us-east-1``, 1024 MB,
6 s, function names ``{service}-{stage}-{function}``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from workshop_lib.framework import config, variables
from workshop_lib.framework.config import ConfigError

DEFAULT_MEMORY_MB = 1024
DEFAULT_TIMEOUT_S = 6
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "any"}
#: The events the sandbox creates on deploy; any other is named in a warning.
BUILT_EVENTS = {"http", "httpApi", "sqs", "sns", "stream", "s3", "schedule"}


def _not_built(kind: str) -> str:
    return f"{kind} events are not created by the sandbox: the function deploys without it"


@dataclass
class HttpEvent:
    """One ``- http:`` event: a method on a path of the service's REST API."""

    path: str
    method: str
    cors: dict[str, Any] | None = None
    private: bool = False
    authorizer: dict[str, Any] | None = None
    schemas: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)  # the event as written


@dataclass
class Function:
    """One entry of ``functions:`` with the provider's settings merged in."""

    key: str
    name: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    events: list[dict[str, Any]]
    on_error: str | None = None
    description: str | None = None
    http: list[HttpEvent] = field(default_factory=list)
    package: dict[str, Any] = field(default_factory=dict)

    @property
    def module_path(self) -> str:
        """``apps/create.create`` → ``apps/create.py``: the file the handler lives in."""
        return self.handler.rsplit(".", 1)[0] + ".py"


@dataclass
class Service:
    """A resolved ``serverless.yml`` and the folder it lives in."""

    root: Path
    config: dict[str, Any]
    raw: config.RawConfig
    options: dict[str, Any]
    functions: dict[str, Function]
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def load(
        cls,
        root: str | Path = ".",
        *,
        stage: str | None = None,
        region: str | None = None,
        options: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Service:
        """Read ``root/serverless.yml`` for a stage (``--stage``) and region (``--region``)."""
        opts = {k: v for k, v in dict(options or {}).items() if v is not None}
        if stage is not None:
            opts["stage"] = stage
        if region is not None:
            opts["region"] = region
        raw = config.load(root)
        resolved = variables.Resolver(raw, opts, env if env is not None else os.environ)
        data = resolved.resolve_all()
        config.validate(raw, data)  # as v3: the schema after variables
        service = cls(Path(root).resolve(), data, raw, opts, {}, list(raw.warnings))
        functions = data.get("functions") or {}
        service.functions = {
            str(key): service._function(str(key), spec) for key, spec in functions.items()
        }
        service.warnings += runtime_warnings({fn.runtime for fn in service.functions.values()})
        from workshop_lib.framework import plugins

        plugins.check(service)
        return service

    # -- names the framework uses --------------------------------------------------------------
    @property
    def name(self) -> str:
        service = self.config["service"]
        return service["name"] if isinstance(service, dict) else str(service)

    @property
    def provider(self) -> dict[str, Any]:
        return self.config.get("provider") or {}

    @property
    def stage(self) -> str:
        return str(self.options.get("stage") or self.provider.get("stage") or "dev")

    @property
    def region(self) -> str:
        return str(self.options.get("region") or self.provider.get("region") or "us-east-1")

    @property
    def stack_name(self) -> str:
        return str(self.provider.get("stackName") or f"{self.name}-{self.stage}")

    @property
    def api_name(self) -> str:
        return str(self.provider.get("apiName") or f"{self.stage}-{self.name}")

    @property
    def api_gateway(self) -> dict[str, Any]:
        return self.provider.get("apiGateway") or {}

    @property
    def iam_statements(self) -> list[dict[str, Any]]:
        """``provider.iam.role.statements`` (v3) or the older ``provider.iamRoleStatements``."""
        iam = self.provider.get("iam") or {}
        role = iam.get("role") if isinstance(iam, dict) else None
        statements = role.get("statements") if isinstance(role, dict) else None
        return list(statements or self.provider.get("iamRoleStatements") or [])

    @property
    def package_patterns(self) -> list[str]:
        package = self.config.get("package") or {}
        patterns = list(package.get("patterns") or [])
        patterns += list(package.get("include") or [])
        patterns += [f"!{p}" for p in package.get("exclude") or []]
        return patterns

    @property
    def plugins(self) -> list[str]:
        """``plugins:`` (a list, or v3's ``{modules: [...]}``)."""
        return config.plugin_names(self.config)

    @property
    def has_http(self) -> bool:
        return any(fn.http for fn in self.functions.values())

    def function(self, key: str) -> Function:
        """The function called ``key`` in ``serverless.yml`` (a clear error if not)."""
        if key not in self.functions:
            known = ", ".join(self.functions) or "none"
            raise ConfigError(f"function {key!r} is not in serverless.yml (functions: {known})")
        return self.functions[key]

    # -- reading functions ------------------------------------------------------------------------
    def _function(self, key: str, spec: dict[str, Any]) -> Function:
        provider = self.provider
        where = self.raw.where(("functions", key))
        runtime = str(spec.get("runtime") or provider.get("runtime") or "")
        if not runtime.startswith("python"):
            raise ConfigError(
                f"{where}: runtime {runtime or '(none)'!r}: the sandbox runs Python functions; "
                "set provider.runtime to e.g. python3.12"
            )
        env = {**(provider.get("environment") or {}), **(spec.get("environment") or {})}
        fn = Function(
            key=key,
            name=str(spec.get("name") or f"{self.name}-{self.stage}-{key}"),
            handler=str(spec["handler"]),
            runtime=runtime,
            memory_mb=int(
                spec.get("memorySize") or provider.get("memorySize") or DEFAULT_MEMORY_MB
            ),
            timeout_s=int(spec.get("timeout") or provider.get("timeout") or DEFAULT_TIMEOUT_S),
            environment={k: _env_value(v) for k, v in env.items()},
            events=[e for e in spec.get("events") or [] if isinstance(e, dict)],
            on_error=spec.get("onError"),
            description=spec.get("description"),
            package=dict(spec.get("package") or {}),
        )
        for index, event in enumerate(spec.get("events") or []):
            keys = ("functions", key, "events", str(index))
            (kind,) = [event] if isinstance(event, str) else event
            if kind == "http":
                fn.http.append(self._http(event["http"], keys))
            elif kind not in BUILT_EVENTS and kind in config.EVENTS:
                self.warnings.append(f"{self.raw.where(keys)}: {_not_built(kind)}")
        return fn

    def _http(self, spec: Any, keys: tuple[str, ...]) -> HttpEvent:
        if isinstance(spec, str):  # "- http: GET users/{id}"
            method, _, path = spec.partition(" ")
            spec = {"method": method, "path": path}
        method = str(spec.get("method", "")).lower()
        if method not in HTTP_METHODS:
            raise ConfigError(f"{self.raw.where(keys)}: http method {method!r} is not one of "
                              f"{', '.join(sorted(HTTP_METHODS))}")  # fmt: skip
        path = str(spec.get("path") or "").strip("/")
        cors = spec.get("cors")
        if cors is True:
            cors = {}
        elif not cors:
            cors = None
        authorizer = spec.get("authorizer")
        if isinstance(authorizer, str):
            authorizer = {"name": authorizer}
        request = spec.get("request") or {}
        return HttpEvent(
            path=path,
            method=method,
            cors=cors,
            private=bool(spec.get("private")),
            authorizer=authorizer,
            schemas=dict(request.get("schemas") or {}),
            parameters=dict(request.get("parameters") or {}),
            spec=dict(spec),
        )


def runtime_warnings(runtimes: set[str], day: date | None = None) -> list[str]:
    """One line per runtime AWS's table lists as deprecated on ``day`` (today if None) that
    Lambda still creates and updates: the deploy goes on, as on AWS, until the block dates.
    A runtime already blocked is refused by the deploy itself, with AWS's error."""
    from workshop_lib.facts import RUNTIMES

    day = day or date.today()
    out = []
    for runtime in sorted(runtimes):
        known = RUNTIMES.get(runtime)
        if known is None or not known.deprecated_but_creatable(day):
            continue
        out.append(
            f"runtime {runtime} is deprecated since {known.deprecated} (AWS's runtime table): "
            f"Lambda blocks creating functions with it from {known.block_create} and updating "
            f"them from {known.block_update}; move to {known.successor or 'a newer runtime'}"
        )
    return out


def _env_value(value: Any) -> Any:
    """Environment values are strings on AWS; CloudFormation functions stay as they are."""
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
