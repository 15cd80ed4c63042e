"""Serverless Framework v3 variables: ``${opt:…}``, ``${self:…}``, ``${env:…}``, ``${sls:…}``,
``${file(…):…}``, ``${aws:…}``, defaults (``${opt:stage, self:provider.stage}``) and nesting.

Resolution works inside out: the innermost ``${…}`` is resolved first, so
``${self:custom.tables.${opt:stage}}`` works. A string that is exactly one variable takes the
variable's value whatever its type (a mapping, a number); inside a longer string the value
must be text or a number. ``self:`` references resolve the referenced value first, with
cycles reported instead of recursing forever.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

import yaml

from workshop_lib.framework.config import ConfigError, RawConfig, Yaml12Loader

_INNERMOST = re.compile(r"\$\{([^${}]*)\}")
_SOURCE = re.compile(r"^(?P<source>[a-zA-Z]+)(?:\((?P<arg>[^)]*)\))?(?::(?P<address>.*))?$")
_LITERAL_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_MISSING = object()


class Resolver:
    """Resolves every variable of one ``serverless.yml`` for given CLI options."""

    def __init__(
        self,
        raw: RawConfig,
        options: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        *,
        account_id: str = "123456789012",
    ) -> None:
        self.raw = raw
        self.options = dict(options or {})
        self.env = dict(os.environ if env is None else env)
        self.account_id = account_id
        self._done: dict[tuple[str, ...], Any] = {}
        self._resolving: list[tuple[str, ...]] = []

    def resolve_all(self) -> dict[str, Any]:
        """The whole configuration with every variable replaced."""
        return self._value(self.raw.data, ())

    # -- walking ----------------------------------------------------------------------------
    def _value(self, value: Any, keys: tuple[str, ...]) -> Any:
        if isinstance(value, dict):
            return {k: self._value(v, (*keys, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [self._value(v, (*keys, str(i))) for i, v in enumerate(value)]
        if isinstance(value, str) and "${" in value:
            return self._string(value, keys)
        return value

    def _string(self, text: str, keys: tuple[str, ...]) -> Any:
        while True:
            match = _INNERMOST.search(text)
            if match is None:
                if "${" in text:
                    raise self._error(keys, f"unbalanced variable syntax in {text!r}")
                return text
            value = self._expression(match.group(1), keys)
            if match.start() == 0 and match.end() == len(text):
                return value  # the whole string was one variable: keep its type
            if isinstance(value, (dict, list)):
                raise self._error(
                    keys, f"${{{match.group(1)}}} is a {type(value).__name__}, not text, "
                    f"so it cannot be part of the string {text!r}"
                )  # fmt: skip
            piece = json.dumps(value) if isinstance(value, bool) else str(value)
            text = text[: match.start()] + piece + text[match.end() :]

    def _expression(self, expression: str, keys: tuple[str, ...]) -> Any:
        """``source:address`` with comma-separated fallbacks, first one found wins."""
        parts = _split_fallbacks(expression)
        for part in parts:
            value = self._one(part.strip(), keys)
            if value is not _MISSING and value is not None:
                return value
        defaults = [p.strip() for p in parts if p.replace(" ", "").startswith("self:provider.")]
        first = (defaults or parts)[0].strip()
        raise self._error(keys, f'cannot resolve "${{{expression}}}": {_why_missing(first)}')

    def _one(self, part: str, keys: tuple[str, ...]) -> Any:
        if not part:
            return _MISSING
        if part[0] in "'\"" and part[-1] == part[0] and len(part) >= 2:
            return part[1:-1]
        if _LITERAL_NUMBER.match(part):
            return float(part) if "." in part else int(part)
        if part in ("true", "false"):
            return part == "true"
        if part == "null":
            return None
        match = _SOURCE.match(part)
        if match is None:
            raise self._error(
                keys, f"{part!r} is not a variable source (opt:, self:, env:, sls:, file(...):, "
                "aws:) nor a quoted default"
            )  # fmt: skip
        source, arg, address = match["source"], match["arg"], (match["address"] or "").strip()
        if match["address"] is None and arg is None:  # a bare word: not a source
            raise self._error(
                keys, f"{part!r} is not a variable source (opt:, self:, env:, sls:, file(...), "
                "aws:) nor a quoted default"
            )  # fmt: skip
        if source == "opt":
            return self.options.get(address, _MISSING)
        if source == "env":
            return self.env.get(address, _MISSING)
        if source == "self":
            return self._self(address, keys)
        if source == "sls":
            if address == "stage":
                return self._stage(keys)
            if address == "instanceId":
                return "sandbox"
            raise self._error(keys, f"unknown sls variable {address!r} (stage, instanceId)")
        if source == "aws":
            if address == "region":
                return self._region(keys)
            if address == "accountId":
                return self.account_id
            raise self._error(keys, f"unknown aws variable {address!r} (region, accountId)")
        if source == "file":
            return self._file(arg or "", address, keys)
        if source == "construct":
            raise self._error(
                keys, "the construct: variable source comes with the serverless-lift plugin, "
                "which the sandbox does not have; write the resource under resources: and "
                "refer to it with {Ref: ...} or {'Fn::GetAtt': [...]}"
            )  # fmt: skip
        raise self._error(
            keys, f"the variable source {source!r} is not available in the sandbox "
            "(opt, self, env, sls, file, aws are)"
        )  # fmt: skip

    # -- sources ----------------------------------------------------------------------------
    def _self(self, address: str, keys: tuple[str, ...]) -> Any:
        path = tuple(p for p in address.split(".") if p) if address else ()
        if path in self._done:
            return self._done[path]
        if path in self._resolving:
            cycle = " -> ".join(".".join(p) or "self" for p in [*self._resolving, path])
            raise self._error(keys, f"variables refer to each other in a circle: {cycle}")
        value: Any = self.raw.data
        for depth, part in enumerate(path):
            if isinstance(value, str) and "${" in value:  # e.g. custom: ${file(x.yml)}
                value = self._self(".".join(path[:depth]), keys)
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return _MISSING
        self._resolving.append(path)
        try:
            resolved = self._value(value, path)
        finally:
            self._resolving.pop()
        self._done[path] = resolved
        return resolved

    def _stage(self, keys: tuple[str, ...]) -> str:
        stage = self.options.get("stage")
        if stage is None:
            stage = self._self("provider.stage", keys)
        return "dev" if stage in (_MISSING, None) else str(stage)

    def _region(self, keys: tuple[str, ...]) -> str:
        region = self.options.get("region")
        if region is None:
            region = self._self("provider.region", keys)
        return "us-east-1" if region in (_MISSING, None) else str(region)

    def _file(self, name: str, address: str, keys: tuple[str, ...]) -> Any:
        path = (self.raw.path.parent / name.strip().strip("'\"")).resolve()
        if not path.is_file():
            return _MISSING
        if path.suffix not in (".yml", ".yaml", ".json"):
            raise self._error(
                keys, f"${{file({name})}}: the sandbox reads YAML and JSON files; a "
                f"{path.suffix or 'extensionless'} file is not one (v3 runs .js files, which "
                "the sandbox does not)"
            )  # fmt: skip
        text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Yaml12Loader)
        except ValueError as exc:
            raise self._error(keys, f"{path.name} is not valid JSON: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f", line {mark.line + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "cannot be parsed"
            raise self._error(keys, f"{path.name}{line} is not valid YAML: {problem}") from None
        for part in (p for p in address.split(".") if p):
            if not isinstance(data, dict) or part not in data:
                return _MISSING
            data = data[part]
        return self._value(data, keys)  # the file's own variables, as v3 resolves them

    def _error(self, keys: tuple[str, ...], message: str) -> ConfigError:
        at = ".".join(keys)
        return ConfigError(f"{self.raw.where(keys)}: {message}" + (f" (at {at})" if at else ""))


def _split_fallbacks(expression: str) -> list[str]:
    """Split on commas that are outside quotes and parentheses."""
    parts, depth, quote, current = [], 0, "", []
    for char in expression:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _why_missing(part: str) -> str:
    source = part.split(":", 1)[0].split("(", 1)[0]
    if part.replace(" ", "") in ("self:provider.stage", "self:provider.region"):
        # v3 fills in stage dev / region us-east-1 after its variables, not before:
        # serverless@3 stops here with "Value not found at "self" source" too.
        option = part.rsplit(".", 1)[1]
        return (
            f"provider.{option} is not set and no --{option} was given (Serverless Framework 3 "
            f"stops here too: it applies its default after resolving variables); pass --{option} "
            f"or set provider.{option}"
        )
    reasons = {
        "opt": "no such command-line option was given",
        "env": "no such environment variable is set",
        "self": "no such key in serverless.yml",
        "file": "the file or the key in it does not exist",
    }
    return reasons.get(source, "no value") + "; add a default: ${" + part + ", 'value'}"


def resolve(
    raw: RawConfig, options: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``serverless.yml`` with every variable resolved for these CLI options."""
    return Resolver(raw, options, env).resolve_all()
