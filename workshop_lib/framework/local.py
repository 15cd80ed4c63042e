"""``invoke local``: a service's handler run in this process, the way Lambda would run it.

The function's environment variables are set for the call (values that are CloudFormation
functions, such as a ``Ref`` to a table, cannot be known before a deploy and are left out
with a note), the service folder is importable like Lambda's task root, and the handler
gets a real context and AWS-format logs (:func:`workshop_lib.lambda_runtime.invoke_local`).
The handler's own AWS calls go to the sandbox running in this process, if any.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from workshop_lib.framework.service import Function, Service
from workshop_lib.lambda_runtime.local import LocalResult
from workshop_lib.lambda_runtime.local import invoke_local as run_handler


@contextlib.contextmanager
def _task_root(service: Service, fn: Function) -> Iterator[None]:
    saved_env = {k: os.environ.get(k) for k in fn.environment}
    saved_path = list(sys.path)
    before = set(sys.modules)
    for key, value in fn.environment.items():
        if isinstance(value, str):
            os.environ[key] = value
        else:
            print(f"note: {key} is set by CloudFormation at deploy time; not set locally")
    sys.path.insert(0, str(service.root))
    try:
        yield
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - before:  # the next call imports the code afresh
            module = sys.modules.get(name)
            if getattr(module, "__file__", "") and str(service.root) in str(module.__file__):
                del sys.modules[name]
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_handler(service: Service, fn: Function) -> Any:
    """Import ``fn.handler`` (``apps/create.create``) from the service folder."""
    module_path, _, name = fn.handler.rpartition(".")
    module_name = module_path.replace("/", ".")
    if not (service.root / fn.module_path).is_file():
        raise ValueError(f"handler {fn.handler!r}: no file {fn.module_path} in {service.root}")
    module = importlib.import_module(module_name)
    handler = getattr(module, name, None)
    if not callable(handler):
        raise ValueError(f"handler {fn.handler!r}: {fn.module_path} has no function {name!r}")
    return handler


def invoke_local(
    service: Service, fn: Function, event: Any = None, *, show_logs: bool = False
) -> LocalResult:
    """Run ``fn``'s handler here with ``event``; the result, error and log lines."""
    with _task_root(service, fn):
        handler = load_handler(service, fn)
        return run_handler(
            handler,
            event,
            function_name=fn.name,
            memory_mb=fn.memory_mb,
            timeout_s=fn.timeout_s,
            show_logs=show_logs,
        )
