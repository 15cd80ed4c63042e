"""moto's first request to each REST service, made cheaper: the same routes, built with less.

The first call to a REST service (S3, Lambda, API Gateway...) makes moto load the service's
model and build a werkzeug URL map of all its operations. Two parts of that are waste for
the sandbox, which pays them on every start (``workshop sls offline``, each notebook):

- ``moto.core.utils._load_service_model`` makes a new loader for each model, and each new
  loader lists botocore's service folders again. One moto loader serves them all; moto
  caches the models it builds anyway.
- werkzeug compiles two URL *builders* per rule (Python source, parsed and compiled) that
  moto never calls: it only matches. The builders are compiled the first time something
  builds a URL with the rule.
- ``moto.apigateway.models`` imports ``openapi_spec_validator`` (pydantic and friends) for
  ``import_rest_api``/``put_rest_api`` with ``failOnWarnings``. It is imported
  the first time such a call validates a document; until then moto's ``validate`` is a
  stand-in that imports the real one and puts it (and its exception class) in its place.

The seams are declared in workshop_lib/seams.py (speed seams: if moto moves one, it is off
with a warning and moto runs as it is); tests/test_moto_seams.py checks they answer the same.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
import types
from typing import Any

_LOCK = threading.Lock()
_INSTALLED = False
APIGATEWAY_MODELS = "moto.apigateway.models"
_VALIDATOR = "openapi_spec_validator"
_VALIDATOR_ERRORS = "openapi_spec_validator.validation.exceptions"


def install() -> None:
    """Share one model loader, defer URL builders and API Gateway's OpenAPI validator
    (idempotent, for the whole process)."""
    global _INSTALLED
    with _LOCK:
        if _INSTALLED:
            return
        from workshop_lib import seams

        if _FINDER not in sys.meta_path and seams.usable(APIGATEWAY_MODELS):
            sys.meta_path.insert(0, _FINDER)
        seams.install("motoquick")  # for the whole process
        _INSTALLED = True


def shared_loader(made: Any) -> Any:
    """``moto.core.utils.create_loader``: the first loader ``made`` makes, every time."""
    loaders: list[Any] = []
    lock = threading.Lock()

    def create_loader() -> Any:
        with lock:
            if not loaders:
                loaders.append(made())
            return loaders[0]

    return create_loader


def deferred_builders(compile_builder: Any) -> Any:
    """``SmithyRule._compile_builder``: each URL builder compiled on its first use."""

    def deferred(self: Any, append_unknown: bool = True) -> Any:
        built: list[Any] = []

        def build(rule: Any, *args: Any, **kwargs: Any) -> Any:
            if not built:
                built.append(compile_builder(rule, append_unknown).__get__(rule, None))
            return built[0](*args, **kwargs)

        return build

    return deferred


class _NotYetImported(Exception):
    """What moto's ``except OpenAPIValidationError`` names until the validator is imported:
    nothing raises it (only the real ``validate`` raises, after putting the real class in
    its place)."""


def _real_validator() -> tuple[Any, type[BaseException]]:
    """moto's own choice: ``validate`` (0.7 and later), else ``validate_spec``."""
    from workshop_lib.quickjsonschema import import_jsonschema

    import_jsonschema()  # the same quick jsonschema import request models make
    import openapi_spec_validator
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    validate = getattr(openapi_spec_validator, "validate", None)
    if validate is None:
        validate = openapi_spec_validator.validate_spec
    return validate, OpenAPIValidationError


class _ApiGatewayLoader(importlib.abc.Loader):
    """Runs moto's API Gateway models with stand-ins for the OpenAPI validator's modules."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self.inner.create_module(spec)

    def exec_module(self, module: Any) -> None:
        if _VALIDATOR in sys.modules:  # imported already: nothing to save
            self.inner.exec_module(module)
            return

        def validate(*args: Any, **kwargs: Any) -> Any:
            real, error = _real_validator()
            module.validate, module.OpenAPIValidationError = real, error
            return real(*args, **kwargs)

        package = types.ModuleType(_VALIDATOR)
        package.validate = package.validate_spec = validate  # type: ignore[attr-defined]
        errors = types.ModuleType(_VALIDATOR_ERRORS)
        errors.OpenAPIValidationError = _NotYetImported  # type: ignore[attr-defined]
        stand_ins = {_VALIDATOR: package, _VALIDATOR_ERRORS: errors}
        sys.modules.update(stand_ins)
        try:
            self.inner.exec_module(module)
        finally:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != APIGATEWAY_MODELS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _ApiGatewayLoader(spec.loader)
        return spec


_FINDER = _Finder()
