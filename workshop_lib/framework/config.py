"""Reading ``serverless.yml`` (Serverless Framework v3 syntax) with the line of every key.

``load`` parses the file and notes the line of every key; ``validate`` checks the resolved
configuration as v3 does after its variables: ``configValidationMode`` decides what a key the
framework does not know costs (``warn``, the default: a warning naming file, line and key;
``error``: refused; ``off``: nothing), ``frameworkVersion`` must admit the framework version
the sandbox follows, and a key the sandbox reads must have the type it needs (a string where
a mapping belongs is refused in every mode: v3 warns there and then fails further on).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """``serverless.yml`` cannot be used as written; the message says where and why."""


#: The Serverless Framework release whose behaviour the sandbox follows (and is compared with:
#: tests/test_framework_corpus.py runs it): what ``frameworkVersion`` is checked against.
FRAMEWORK_VERSION = "3.40.0"
VALIDATION_MODES = ("warn", "error", "off")


@dataclass
class RawConfig:
    """The parsed YAML (variables not yet resolved), where each key sits, and the warnings
    reading it gave (``configValidationMode: warn``)."""

    data: dict[str, Any]
    path: Path
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def line_of(self, keys: tuple[str, ...]) -> int | None:
        """The 1-based line of the key at ``keys`` (or of its nearest parent)."""
        while keys:
            if keys in self.lines:
                return self.lines[keys]
            keys = keys[:-1]
        return None

    def where(self, keys: tuple[str, ...]) -> str:
        line = self.line_of(keys)
        return f"{self.path.name}, line {line}" if line else self.path.name

    @property
    def mode(self) -> str:
        """``configValidationMode`` as written (``warn`` when absent or not a known mode)."""
        mode = self.data.get("configValidationMode", "warn")
        return mode if mode in VALIDATION_MODES else "warn"

    def complain(self, message: str) -> None:
        """A finding v3 reports according to ``configValidationMode``: refused, warned, or
        nothing."""
        if self.mode == "error":
            raise ConfigError(f"{message} (configValidationMode: error)")
        if self.mode == "warn":
            self.warnings.append(message)


# -- the keys the framework (v3) knows, as far as the sandbox reads them ----------------------
TOP_LEVEL = {
    "service", "frameworkVersion", "configValidationMode", "deprecationNotificationMode",
    "disabledDeprecations", "useDotenv", "variablesResolutionMode", "provider", "package",
    "functions", "layers", "resources", "plugins", "custom", "params", "org", "app",
    "console", "dashboard", "outputs", "unresolvedVariablesNotificationMode",
}  # fmt: skip
PROVIDER = {
    "name", "runtime", "stage", "region", "profile", "memorySize", "timeout", "environment",
    "iamRoleStatements", "iamManagedPolicies", "iam", "role", "apiGateway", "apiName",
    "deploymentBucket", "deploymentPrefix", "stackName", "stackTags", "tags", "logs",
    "logRetentionInDays", "tracing", "versionFunctions", "architecture", "description",
    "endpointType", "httpApi", "lambdaHashingVersion", "layers", "vpc", "kmsKeyArn",
    "stackPolicy", "rolePermissionsBoundary", "cfnRole", "deploymentMethod", "runtimeManagement",
    "ecr", "eventBridge", "alb", "cloudFront", "s3", "websocketsApiName",
    "websocketsApiRouteSelectionExpression", "websocketsDescription", "notificationArns",
    "stackParameters", "disableRollback", "logDataProtectionPolicy", "resolver",
}  # fmt: skip
IAM = {"role", "deploymentRole"}
IAM_ROLE = {
    "name", "path", "statements", "managedPolicies", "permissionsBoundary", "tags",
}  # fmt: skip
API_GATEWAY = {
    "apiKeys", "usagePlan", "restApiId", "restApiRootResourceId", "restApiResources",
    "websocketApiId", "apiKeySourceType", "minimumCompressionSize", "description",
    "binaryMediaTypes", "metrics", "shouldStartNameWithService", "resourcePolicy",
    "request", "disableDefaultEndpoint", "stage", "timeoutInMillis",
}  # fmt: skip
USAGE_PLAN = {"quota", "throttle"}
FUNCTION = {
    "handler", "name", "description", "memorySize", "timeout", "environment", "events",
    "onError", "role", "runtime", "package", "tags", "layers", "reservedConcurrency",
    "provisionedConcurrency", "destinations", "maximumRetryAttempts", "maximumEventAge",
    "architecture", "ephemeralStorageSize", "tracing", "vpc", "disableLogs", "logRetentionInDays",
    "url", "image", "snapStart", "kmsKeyArn", "condition", "dependsOn", "fileSystemConfig",
    "iamRoleStatementsName", "runtimeManagement", "logs",
}  # fmt: skip
#: Function keys that plugins add to v3's schema.
PLUGIN_FUNCTION_KEYS = {"serverless-python-requirements": ("module",)}
EVENTS = {
    "http", "httpApi", "sqs", "s3", "schedule", "sns", "stream", "websocket", "eventBridge",
    "cloudwatchEvent", "cloudwatchLog", "alb", "alexaSkill", "iot", "cognitoUserPool",
    "kafka", "msk", "activemq", "rabbitmq", "alexaSmartHome", "cloudFront", "iotFleetProvisioning",
}  # fmt: skip
HTTP_EVENT = {
    "path", "method", "cors", "private", "authorizer", "request", "integration", "response",
    "async", "operationId", "connectionType", "connectionId", "summary", "description",
}  # fmt: skip
HTTP_REQUEST = {"schemas", "parameters", "template", "passThrough", "contentHandling"}
HTTP_AUTHORIZER = {
    "name", "arn", "type", "identitySource", "resultTtlInSeconds", "identityValidationExpression",
    "authorizerId", "scopes", "claims", "managedExternally",
}  # fmt: skip
SQS_EVENT = {
    "arn", "batchSize", "maximumBatchingWindow", "enabled", "functionResponseType",
    "filterPatterns", "maximumConcurrency",
}  # fmt: skip
S3_EVENT = {"bucket", "event", "rules", "existing", "forceDeploy"}
SCHEDULE_EVENT = {"rate", "enabled", "name", "description", "input", "inputPath", "method"}
PACKAGE = {"patterns", "include", "exclude", "individually", "artifact", "excludeDevDependencies"}
RESOURCES = {"Resources", "Outputs", "Conditions", "Mappings", "Parameters", "Description"}


def load(service_dir: str | Path, filename: str = "serverless.yml") -> RawConfig:
    """Parse ``serverless.yml`` in ``service_dir``; :class:`ConfigError` names line and key.

    The keys are checked by :func:`validate` once variables are resolved, as v3 does."""
    path = Path(service_dir) / filename
    if not path.is_file():
        raise ConfigError(
            f"no {filename} in {Path(service_dir).resolve()}: run the command in a service "
            "folder, pass --service DIR, or create one with `workshop sls create`"
        )
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=Yaml12Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path.name}{where}: not valid YAML ({problem})") from None
    raw = RawConfig({}, path)
    builder = _Builder(Yaml12Loader(""), raw.lines, path)
    data = builder.build(node, ()) if node is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: the top level must be a mapping of keys")
    raw.data = data
    return raw


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2's booleans, as the framework's js-yaml reads them:
    only true/false; ``off``, ``no``, ``on``, ``yes`` stay text (``configValidationMode:
    off`` is the mode, not False)."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _Builder:
    """YAML nodes to Python values, noting the line of every key and list item."""

    def __init__(self, loader: yaml.SafeLoader, lines: dict, path: Path) -> None:
        self.loader, self.lines, self.path = loader, lines, path

    def build(self, node: yaml.Node, keys: tuple[str, ...]) -> Any:
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = _js_key(self.scalar(key_node))
                line = key_node.start_mark.line + 1
                if key in out:
                    raise ConfigError(f"{self.path.name}, line {line}: key {key!r} appears twice")
                self.lines[(*keys, key)] = line
                out[key] = self.build(value_node, (*keys, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*keys, str(index))] = item.start_mark.line + 1
                items.append(self.build(item, (*keys, str(index))))
            return items
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:  # e.g. !Ref: CloudFormation short form
            raise ConfigError(
                f"{self.path.name}, line {node.start_mark.line + 1}: {exc.problem}; write "
                "CloudFormation functions in their long form ({'Ref': ...}, {'Fn::GetAtt': [...]})"
            ) from None


def plugin_names(data: dict[str, Any]) -> list[str]:
    """``plugins:`` of a serverless.yml's data (a list, or v3's ``{modules: [...]}``)."""
    plugins = data.get("plugins") or []
    if isinstance(plugins, dict):
        plugins = plugins.get("modules") or []
    return [str(p) for p in plugins]


def _js_key(value: Any) -> str:
    """A mapping key as js-yaml gives it to the framework: JavaScript's ``String(key)``
    (``true: x`` is the key "true", ``1.0: x`` the key "1", ``~: x`` the key "null")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def validate(raw: RawConfig, data: dict[str, Any] | None = None) -> None:
    """Check the configuration (``data``: resolved; else the raw file) as v3 does.

    What the sandbox cannot go on without (no ``service``, a function without a handler, a
    string where a mapping belongs) is a :class:`ConfigError` naming file, line and key; a
    key the framework does not know is reported as ``configValidationMode`` says."""
    data = raw.data if data is None else data
    if "configValidationMode" in data and data["configValidationMode"] not in VALIDATION_MODES:
        raw.warnings.append(
            f"{raw.where(('configValidationMode',))}: configValidationMode must be one of "
            f"{', '.join(VALIDATION_MODES)}, not {data['configValidationMode']!r}; using warn"
        )
    _framework_version(raw, data)
    if "service" not in data:
        raise ConfigError(f"{raw.path.name}: missing the top-level key 'service'")
    provider = data.get("provider")
    if not isinstance(provider, dict) or "name" not in provider:
        raise ConfigError(f"{raw.where(('provider',))}: 'provider' needs 'name: aws'")
    functions = data.get("functions") or {}
    if isinstance(functions, dict):
        for name, fn in functions.items():
            if isinstance(fn, dict) and "handler" not in fn and "image" not in fn:
                keys = ("functions", str(name))
                close = difflib.get_close_matches("handler", [str(k) for k in fn], n=1)
                fix = "; e.g. handler: handler.hello"
                if close:
                    fix = f" ({close[0]!r} on line {raw.line_of((*keys, close[0]))}: a typo?)"
                raise ConfigError(f"{raw.where(keys)}: function {name!r} needs a 'handler'{fix}")
    from workshop_lib.framework import schema  # the types the sandbox needs, checked

    schema.check(raw, data)
    _unknown_keys(raw, data)
    _runtimes(raw, data)


#: v3.40.0's schema of runtimes (lib/plugins/aws/provider.js, awsLambdaRuntime).
V3_RUNTIMES = (
    "dotnet6 go1.x java21 java17 java11 java8 java8.al2 nodejs14.x nodejs16.x nodejs18.x "
    "nodejs20.x provided provided.al2 provided.al2023 python3.7 python3.8 python3.9 "
    "python3.10 python3.11 ruby2.7 ruby3.2"
).split()


def _runtimes(raw: RawConfig, data: dict[str, Any]) -> None:
    """v3's schema check of ``runtime``, for runtimes Lambda does not create either (unknown,
    or past AWS's block-create date): reported as ``configValidationMode`` says. Runtimes AWS
    added after v3.40.0's list (python3.12 on) pass: Lambda creates them."""
    from datetime import date

    from workshop_lib.facts import RUNTIMES

    provider = data.get("provider") or {}
    places = [(("provider", "runtime"), provider.get("runtime"))]
    functions = data.get("functions") or {}
    if isinstance(functions, dict):
        places += [
            (("functions", str(k), "runtime"), f.get("runtime"))
            for k, f in functions.items()
            if isinstance(f, dict)
        ]
    for keys, runtime in places:
        if not isinstance(runtime, str) or runtime in V3_RUNTIMES:
            continue
        known = RUNTIMES.get(runtime)
        if known is not None and not known.blocked_since("create", date.today()):
            continue
        kind = "error" if raw.mode == "error" else "warning"
        raw.complain(
            f"{raw.where(keys)}: Configuration {kind} at '{'.'.join(keys)}': must be equal to "
            f"one of the allowed values [{', '.join(V3_RUNTIMES)}]"
        )


def _framework_version(raw: RawConfig, data: dict[str, Any]) -> None:
    """v3's check (lib/classes/service.js), in its words: a range that leaves out the
    version the sandbox follows is refused; one that is not a range is warned about."""
    wanted = data.get("frameworkVersion")
    if wanted is None:
        return
    from semantic_version import NpmSpec, Version

    where = raw.where(("frameworkVersion",))
    try:
        spec = NpmSpec(str(wanted))
    except ValueError:
        raw.complain(
            f'{where}: Configured "frameworkVersion" does not represent a valid semver version '
            "range, version validation is skipped"
        )
        return
    if str(wanted) != FRAMEWORK_VERSION and Version(FRAMEWORK_VERSION) not in spec:
        raise ConfigError(
            f"{where}: The Serverless version ({FRAMEWORK_VERSION}) does not satisfy the "
            f'"frameworkVersion" ({wanted}) in {raw.path.name}; the sandbox follows v3: '
            "set frameworkVersion: '3'"
        )


def _unknown_keys(raw: RawConfig, data: dict[str, Any]) -> None:
    _check(raw, (), data, TOP_LEVEL)
    provider = data["provider"]
    _check(raw, ("provider",), provider, PROVIDER)
    if isinstance(provider.get("iam"), dict):
        _check(raw, ("provider", "iam"), provider["iam"], IAM)
        if isinstance(provider["iam"].get("role"), dict):
            _check(raw, ("provider", "iam", "role"), provider["iam"]["role"], IAM_ROLE)
    if isinstance(provider.get("apiGateway"), dict):
        gateway = provider["apiGateway"]
        _check(raw, ("provider", "apiGateway"), gateway, API_GATEWAY)
        if isinstance(gateway.get("usagePlan"), dict):
            _check(raw, ("provider", "apiGateway", "usagePlan"), gateway["usagePlan"], USAGE_PLAN)
    if isinstance(data.get("package"), dict):
        _check(raw, ("package",), data["package"], PACKAGE)
    if isinstance(data.get("resources"), dict):
        _check(raw, ("resources",), data["resources"], RESOURCES)
    plugins = plugin_names(data)
    # keys a listed plugin defines (configSchemaHandler.defineFunctionProperties)
    function_keys = FUNCTION | {k for p in plugins for k in PLUGIN_FUNCTION_KEYS.get(p, ())}
    for name, fn in (data.get("functions") or {}).items():
        keys = ("functions", str(name))
        _check(raw, keys, fn, function_keys)
        if isinstance(fn.get("package"), dict):
            _check(raw, (*keys, "package"), fn["package"], PACKAGE)
        for index, event in enumerate(fn.get("events") or []):
            if isinstance(event, str):  # a bare event name: v3's schema warns, goes on
                where = raw.where((*keys, "events", str(index)))
                raw.complain(f"{where}: {'.'.join(keys)}.events.{index} must be object")
                continue
            _check_event(raw, (*keys, "events", str(index)), event)


def _check_event(raw: RawConfig, keys: tuple[str, ...], event: dict[str, Any]) -> None:
    _check(raw, keys, event, EVENTS)
    (kind, spec), = event.items()  # fmt: skip
    known = {"http": HTTP_EVENT, "sqs": SQS_EVENT, "s3": S3_EVENT, "schedule": SCHEDULE_EVENT}
    if kind in known and isinstance(spec, dict):
        _check(raw, (*keys, kind), spec, known[kind])
        if kind == "http" and isinstance(spec.get("authorizer"), dict):
            _check(raw, (*keys, kind, "authorizer"), spec["authorizer"], HTTP_AUTHORIZER)
        if kind == "http" and isinstance(spec.get("request"), dict):
            _check(raw, (*keys, kind, "request"), spec["request"], HTTP_REQUEST)


def _check(raw: RawConfig, keys: tuple[str, ...], mapping: dict, known: set[str]) -> None:
    for key in mapping:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            section = ".".join(keys) or "the top level"
            raw.complain(f"{raw.where((*keys, str(key)))}: unknown key {key!r} in {section}{hint}")
