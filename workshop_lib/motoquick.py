"""moto's first request to each REST service, made cheaper: the same routes, built with less.

The first call to a REST service (S3, Lambda, API Gateway...) makes moto load the service's
model and build a werkzeug URL map of all its operations. Two parts of that are waste for
the sandbox, which pays them on every start (``workshop sls offline``, each notebook):

- ``moto.core.utils._load_service_model`` makes a new loader for each model, and each new
  loader lists botocore's ~400 service folders again (about 15 ms a service). One moto
  loader serves them all; moto caches the models it builds anyway.
- werkzeug compiles two URL *builders* per rule (Python source, parsed and compiled: 30 ms
  for API Gateway's 125 operations, 20 ms for Lambda's) that moto never calls: it only
  matches. The builders are compiled the first time something builds a URL with the rule.

The moto and werkzeug seams are pinned by tests/test_moto_seams.py.
"""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.Lock()
_INSTALLED = False


def install() -> None:
    """Share one model loader and defer URL builders (idempotent, for the whole process)."""
    global _INSTALLED
    with _LOCK:
        if _INSTALLED:
            return
        _share_model_loader()
        _defer_url_builders()
        _INSTALLED = True


def _share_model_loader() -> None:
    import moto.core.utils as utils

    made = utils.create_loader
    loaders: list[Any] = []
    lock = threading.Lock()

    def create_loader() -> Any:
        with lock:
            if not loaders:
                loaders.append(made())
            return loaders[0]

    utils.create_loader = create_loader


def _defer_url_builders() -> None:
    from moto.core.routing import SmithyRule
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder

    def deferred(self: Any, append_unknown: bool = True) -> Any:
        built: list[Any] = []

        def build(rule: Any, *args: Any, **kwargs: Any) -> Any:
            if not built:
                built.append(compile_builder(rule, append_unknown).__get__(rule, None))
            return built[0](*args, **kwargs)

        return build

    SmithyRule._compile_builder = deferred
