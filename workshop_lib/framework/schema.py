"""The types ``serverless.yml``'s keys must have for the sandbox to read them: a JSON Schema.

The framework (v3) validates its configuration against a JSON Schema after resolving
variables, and in its default mode only warns, then fails wherever a wrong type is used
(``provider.environment: oops`` warns "must be object" and later stops with a TypeError). The
sandbox checks the keys it reads against the schema below first, so a wrong type, a missing
key or a list where text belongs ends as one line naming file, line and key, with an example
of the right shape. Keys it does not read are left to :func:`config.validate`'s unknown-key
check.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from workshop_lib.framework.config import EVENTS, ConfigError

if TYPE_CHECKING:
    from workshop_lib.framework.config import RawConfig


def _any(*options: dict[str, Any], expect: str, example: str = "") -> dict[str, Any]:
    """One of ``options``; ``expect`` (and ``example``) word the error when none fits."""
    return {"anyOf": list(options), "x-expect": expect, "x-example": example}


def _list(items: dict[str, Any], expect: str, example: str = "") -> dict[str, Any]:
    return {"type": ["array", "null"], "items": items, "x-expect": expect, "x-example": example}


TEXT = {"type": "string", "x-expect": "text"}
FLAG = {"type": "boolean", "x-expect": "true or false"}
MAPPING = {"type": ["object", "null"], "x-expect": "a mapping of keys"}
NAME = {"type": "string", "minLength": 1}
CFN_VALUE = {
    "anyOf": [
        {"type": "string"},
        {"type": "object", "required": ["Ref"], "maxProperties": 1, "properties": {"Ref": NAME}},
        {"type": "object", "required": ["Fn::GetAtt"], "maxProperties": 1, "properties": {
            "Fn::GetAtt": {"anyOf": [
                {"type": "array", "minItems": 2, "maxItems": 2, "items": NAME},
                {"type": "string", "pattern": "^[^.]+[.].+$"},
            ]}}},
        {"type": "object", "minProperties": 1, "maxProperties": 1,
         "propertyNames": {"pattern": "^Fn::(Join|Sub|ImportValue|Select|If|FindInMap)$"}},
    ],
    "x-expect": "text or a CloudFormation function ({Ref: X}, {'Fn::GetAtt': [X, Arn]}, ...)",
    "x-example": "arn: {'Fn::GetAtt': [MyQueue, Arn]}",
}  # fmt: skip
WHOLE = _any(
    {"type": "integer"},
    {"type": "string", "pattern": "^[0-9]+$"},
    expect="a whole number",
    example="memorySize: 512",
)
ENVIRONMENT = {
    "type": ["object", "null"],
    "additionalProperties": {
        "type": ["string", "number", "boolean", "object", "null"],
        "x-expect": "text (or a CloudFormation function such as {Ref: MyTable})",
        "x-example": "TABLE: notes",
    },
    "x-expect": "a mapping of NAME: value",
    "x-example": "environment: {TABLE: notes}",
}
PATTERNS = _list(TEXT, "a list of patterns", "patterns: ['!tests/**']")
PACKAGE = {
    "type": ["object", "null"],
    "properties": {
        "patterns": PATTERNS,
        "include": PATTERNS,
        "exclude": PATTERNS,
        "individually": FLAG,
        "artifact": TEXT,
    },
    "x-expect": "a mapping (patterns, individually, artifact)",
    "x-example": "package: {patterns: ['!tests/**']}",
}
STATEMENTS = _list(
    {"type": "object", "x-expect": "a statement mapping (Effect, Action, Resource)"},
    "a list of IAM statements",
    "statements: [{Effect: Allow, Action: ['dynamodb:GetItem'], Resource: '*'}]",
)
CORS = _any(
    {"type": "boolean"},
    {
        "type": "object",
        "properties": {
            "origin": TEXT,
            "origins": _list(TEXT, "a list of origins"),
            "headers": _list(TEXT, "a list of header names"),
            "allowCredentials": FLAG,
        },
    },
    expect="true or a mapping (origin, headers, allowCredentials)",
    example="cors: true",
)
HTTP = _any(
    {"type": "string", "pattern": r"^\S+\s+\S*"},
    {
        "type": "object",
        "required": ["method"],
        "properties": {
            "path": {"type": ["string", "null"], "x-expect": "text"},
            "method": TEXT,
            "cors": CORS,
            "private": FLAG,
            "authorizer": _any(
                {"type": "string"},
                {"type": "object", "properties": {"name": TEXT, "arn": CFN_VALUE}},
                expect="a function's name or a mapping (name, identitySource)",
                example="authorizer: auth",
            ),
            "request": {
                "type": ["object", "null"],
                "properties": {
                    "schemas": MAPPING,
                    "parameters": {
                        "type": ["object", "null"],
                        "properties": {
                            "querystrings": MAPPING,
                            "headers": MAPPING,
                            "paths": MAPPING,
                        },
                        "x-expect": "a mapping (querystrings, headers, paths)",
                    },
                },
                "x-expect": "a mapping (schemas, parameters)",
            },
            "integration": TEXT,
        },
    },
    expect="'METHOD path' or a mapping with method and path",
    example="http: {path: users, method: get}",
)
EVENT = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        "http": HTTP,
        "sqs": _any(
            {"type": "string"},
            {
                "type": "object",
                "required": ["arn"],
                "properties": {"arn": CFN_VALUE, "batchSize": WHOLE, "enabled": FLAG},
            },
            expect="a queue ARN or a mapping with arn",
            example="sqs: {arn: {'Fn::GetAtt': [MyQueue, Arn]}}",
        ),  # fmt: skip
        "s3": _any(
            {"type": "string"},
            {
                "type": "object",
                "required": ["bucket"],
                "properties": {
                    "bucket": TEXT,
                    "event": TEXT,
                    "rules": _list(MAPPING, "a list of rules"),
                },
            },
            expect="a bucket name or a mapping with bucket",
            example="s3: {bucket: photos, event: 's3:ObjectCreated:*'}",
        ),  # fmt: skip
        "schedule": _any(
            {"type": "string"},
            {
                "type": "object",
                "required": ["rate"],
                "properties": {
                    "rate": _any(TEXT, _list(TEXT, "a list"), expect="rate(...) or cron(...)"),
                    "enabled": FLAG,
                },
            },
            expect="rate(...)/cron(...) or a mapping with rate",
            example="schedule: rate(10 minutes)",
        ),  # fmt: skip
    },
    "x-expect": "one mapping such as '- http: ...'",
    "x-example": "events: [{http: {path: users, method: get}}]",
}
#: ``- alexaSkill``: an event written as its bare name. v3's schema warns ("must be object")
#: and goes on for the events that need no settings; so does the sandbox (it creates none of
#: them, and says so).
BARE_EVENT = {"type": "string", "enum": sorted(EVENTS - {"http", "sqs", "s3", "schedule"})}
FUNCTION = {
    "type": "object",
    "properties": {
        "handler": {"type": "string", "pattern": r"\.", "x-expect": "'path/module.function'",
                    "x-example": "handler: handler.hello"},
        "name": TEXT,
        "runtime": TEXT,
        "memorySize": WHOLE,
        "timeout": WHOLE,
        "environment": ENVIRONMENT,
        "events": _list(
            {"anyOf": [EVENT, BARE_EVENT], "x-expect": EVENT["x-expect"],
             "x-example": EVENT["x-example"]},
            "a list of events", "events: [{http: {path: users, method: get}}]",
        ),  # fmt: skip
        "onError": CFN_VALUE,
        "description": TEXT,
        "package": PACKAGE,
    },
    "x-expect": "a mapping with handler",
    "x-example": "hello: {handler: handler.hello}",
}  # fmt: skip
SERVICE_YML = {
    "type": "object",
    "properties": {
        "service": _any(
            {"type": "string", "minLength": 1},
            {"type": "object", "required": ["name"], "properties": {"name": TEXT}},
            expect="the service's name",
            example="service: notes",
        ),  # fmt: skip
        "frameworkVersion": {
            "type": ["string", "number"],
            "x-expect": "a version range",
            "x-example": "frameworkVersion: '3'",
        },
        "provider": {
            "type": "object",
            "properties": {
                "name": {"const": "aws", "x-expect": "aws", "x-example": "name: aws"},
                "runtime": TEXT,
                "stage": TEXT,
                "region": TEXT,
                "stackName": TEXT,
                "apiName": TEXT,
                "memorySize": WHOLE,
                "timeout": WHOLE,
                "environment": ENVIRONMENT,
                "iamRoleStatements": STATEMENTS,
                "iam": {
                    "type": ["object", "null"],
                    "properties": {
                        "role": _any(
                            {"type": "string"},
                            {"type": "object", "properties": {"statements": STATEMENTS}},
                            expect="a role ARN or a mapping with statements",
                            example="role: {statements: [...]}",
                        )
                    },
                    "x-expect": "a mapping with role",
                },  # fmt: skip
                "apiGateway": {
                    "type": ["object", "null"],
                    "properties": {
                        "apiKeys": _list(
                            _any(
                                {"type": "string"},
                                {
                                    "type": "object",
                                    "properties": {
                                        "name": TEXT,
                                        "value": TEXT,
                                        "description": TEXT,
                                    },
                                },
                                expect="a key name or a mapping with name",
                            ),
                            "a list of API keys",
                            "apiKeys: [my-key]",
                        ),  # fmt: skip
                        "usagePlan": {
                            "type": ["object", "null"],
                            "properties": {"quota": MAPPING, "throttle": MAPPING},
                            "x-expect": "a mapping (quota, throttle)",
                        },
                        "apiKeySourceType": TEXT,
                    },
                    "x-expect": "a mapping (apiKeys, usagePlan, ...)",
                },
            },
            "x-expect": "a mapping with name: aws",
            "x-example": "provider: {name: aws, runtime: python3.12}",
        },
        "package": PACKAGE,
        "functions": {
            "type": ["object", "null"],
            "additionalProperties": FUNCTION,
            "x-expect": "a mapping of function names",
            "x-example": "functions: {hello: {handler: handler.hello}}",
        },
        "plugins": _any(
            _list(TEXT, "a list of plugin names"),
            {"type": "object", "properties": {"modules": _list(TEXT, "a list of plugin names")}},
            expect="a list of plugin names",
            example="plugins: [serverless-wsgi]",
        ),  # fmt: skip
        "custom": MAPPING,
        "resources": {
            "type": ["object", "null"],
            "properties": {
                "Resources": MAPPING,
                "Outputs": MAPPING,
                "Conditions": MAPPING,
                "Mappings": MAPPING,
                "Parameters": MAPPING,
            },
            "x-expect": "a mapping with Resources",
            "x-example": "resources: {Resources: {MyTable: {Type: 'AWS::DynamoDB::Table'}}}",
        },
    },
}

_NAMES = {
    "object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
    "number": "a number", "boolean": "true or false", "null": "empty",
}  # fmt: skip


@cache
def _validator() -> Any:
    from workshop_lib.quickjsonschema import import_jsonschema

    import_jsonschema()
    import jsonschema

    return jsonschema.Draft7Validator(SERVICE_YML)


def check(raw: RawConfig, data: dict[str, Any]) -> None:
    """Refuse the first key (in file order) whose value the sandbox cannot read."""
    errors = list(_validator().iter_errors(data))
    if not errors:
        return
    error = min(errors, key=lambda e: (raw.line_of(_keys(e)) or 0, len(e.absolute_path)))
    keys = _keys(error)
    at = ".".join(keys) or "the top level"
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        problem = f"{at} needs {missing!r}"
    elif error.validator in ("minProperties", "maxProperties"):
        problem = f"{at} must be {schema.get('x-expect', 'one mapping')}"
    else:
        expect = schema.get("x-expect") or _expected(schema)
        problem = f"{at} must be {expect}, not {_describe(error.instance)}"
    example = schema.get("x-example")
    fix = f"; write it like {example}" if example else ""
    raise ConfigError(f"{raw.where(keys)}: {problem}{fix}")


def _keys(error: Any) -> tuple[str, ...]:
    return tuple(str(part) for part in error.absolute_path)


def _expected(schema: dict[str, Any]) -> str:
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return " or ".join(_NAMES.get(k, k) for k in kinds if k != "null") or "something else"


def _describe(value: Any) -> str:
    """``the text 'oops'``, ``a list``: what was written, briefly."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return "a mapping"
