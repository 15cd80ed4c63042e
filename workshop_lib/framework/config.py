"""Reading ``serverless.yml`` (Serverless Framework v3 syntax) with the line of every key.

The framework's own ``configValidationMode: error`` behaviour, made the default: a YAML
syntax error or a key the framework does not know stops with a message that names the file,
the line and the key (with the nearest known key as a suggestion), before anything deploys.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """``serverless.yml`` cannot be used as written; the message says where and why."""


@dataclass
class RawConfig:
    """The parsed YAML (variables not yet resolved) and where each key sits."""

    data: dict[str, Any]
    path: Path
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)

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
    """Parse ``serverless.yml`` in ``service_dir``; :class:`ConfigError` names line and key."""
    path = Path(service_dir) / filename
    if not path.is_file():
        raise ConfigError(
            f"no {filename} in {Path(service_dir).resolve()}: run the command in a service "
            "folder, pass --service DIR, or create one with `workshop sls create`"
        )
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path.name}{where}: not valid YAML ({problem})") from None
    raw = RawConfig({}, path)
    builder = _Builder(yaml.SafeLoader(""), raw.lines, path)
    data = builder.build(node, ()) if node is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: the top level must be a mapping of keys")
    raw.data = data
    validate(raw)
    return raw


class _Builder:
    """YAML nodes to Python values, noting the line of every key and list item."""

    def __init__(self, loader: yaml.SafeLoader, lines: dict, path: Path) -> None:
        self.loader, self.lines, self.path = loader, lines, path

    def build(self, node: yaml.Node, keys: tuple[str, ...]) -> Any:
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self.scalar(key_node))
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


def validate(raw: RawConfig) -> None:
    """Unknown keys are errors (v3's ``configValidationMode: error``), with a suggestion."""
    data = raw.data
    _check(raw, (), data, TOP_LEVEL)
    if "service" not in data:
        raise ConfigError(f"{raw.path.name}: missing the top-level key 'service'")
    provider = data.get("provider")
    if not isinstance(provider, dict) or "name" not in provider:
        raise ConfigError(f"{raw.where(('provider',))}: 'provider' needs 'name: aws'")
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
    functions = data.get("functions") or {}
    if not isinstance(functions, dict):
        raise ConfigError(f"{raw.where(('functions',))}: 'functions' must be a mapping")
    for name, fn in functions.items():
        keys = ("functions", name)
        if not isinstance(fn, dict):
            raise ConfigError(f"{raw.where(keys)}: function {name!r} must be a mapping")
        _check(raw, keys, fn, FUNCTION)
        if "handler" not in fn:
            raise ConfigError(f"{raw.where(keys)}: function {name!r} needs a 'handler'")
        for index, event in enumerate(fn.get("events") or []):
            _check_event(raw, (*keys, "events", str(index)), event)


def _check_event(raw: RawConfig, keys: tuple[str, ...], event: Any) -> None:
    if not isinstance(event, dict) or len(event) != 1:
        raise ConfigError(f"{raw.where(keys)}: each event is one mapping such as '- http: ...'")
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
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            section = ".".join(keys) or "the top level"
            raise ConfigError(f"{raw.where((*keys, key))}: unknown key {key!r} in {section}{hint}")
