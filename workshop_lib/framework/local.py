"""``invoke local``: a service's handler run in this process, the way Lambda would run it.

As v3 does, the Lambda environment is in place before the handler's module is imported: the
region (``AWS_REGION``, ``AWS_DEFAULT_REGION``: the service's), credentials, the
``AWS_LAMBDA_*`` variables and the function's own environment, so a module-level
``boto3.client("sqs")`` works. The handler's AWS calls stay on this machine: they go to the
sandbox running in this process (a notebook's), else to the sandbox server at
``--endpoint`` (what ``workshop sls deploy`` deployed to), else to a temporary, empty
in-process sandbox made for the call. Environment values that are CloudFormation functions
are read back from that sandbox's stack as v3 does (``Ref``: the physical id,
``Fn::ImportValue``: the export), so a table's name works after a deploy.

An import that fails (a missing module, a syntax error, no such function, an exception at
module level) is the invocation's error, worded as Lambda's Python runtime words it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from workshop_lib.framework.service import Function, Service
from workshop_lib.lambda_runtime import bootstrap
from workshop_lib.lambda_runtime.local import LocalResult
from workshop_lib.lambda_runtime.local import invoke_local as run_handler


def lambda_environment(service: Service, fn: Function) -> dict[str, str]:
    """What v3's invoke local sets before importing the handler (its own AWS_* and the
    function's environment, the function's winning)."""
    env = {
        "AWS_REGION": service.region,
        "AWS_DEFAULT_REGION": service.region,
        "AWS_LAMBDA_FUNCTION_NAME": fn.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.name}",
        "LAMBDA_TASK_ROOT": str(service.root),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime}",
    }
    for key, value in fn.environment.items():
        env[key] = value if isinstance(value, str) else _from_stack(service, key, value)
    return env


def _from_stack(service: Service, name: str, value: Any) -> str:
    """A value CloudFormation sets, read back as v3's invoke local does: ``Ref`` is the
    deployed stack's physical id, ``Fn::ImportValue`` an export; anything else refused."""
    from botocore.exceptions import ClientError

    from workshop_lib import sandbox

    cf = sandbox.active().client("cloudformation", region_name=service.region)
    try:
        if isinstance(value, dict) and set(value) == {"Ref"}:
            pages = cf.get_paginator("list_stack_resources").paginate(StackName=service.stack_name)
            for item in (i for page in pages for i in page["StackResourceSummaries"]):
                if item.get("LogicalResourceId") == value["Ref"]:
                    return item["PhysicalResourceId"]
            problem = f"Could not resolve Ref with name {value['Ref']} in {service.stack_name}"
        elif isinstance(value, dict) and set(value) == {"Fn::ImportValue"}:
            exports = cf.get_paginator("list_exports").paginate()
            for export in (e for page in exports for e in page["Exports"]):
                if export["Name"] == value["Fn::ImportValue"]:
                    return export["Value"]
            problem = f"no export named {value['Fn::ImportValue']!r}"
        else:
            problem = f"Unsupported environment variable format: {value!r} (Ref, Fn::ImportValue)"
    except ClientError as exc:  # no such stack: nothing deployed here
        problem = exc.response.get("Error", {}).get("Message", str(exc))
    raise ValueError(
        f'Could not resolve "{name}" environment variable: {problem}; deploy the service to '
        "the sandbox the call uses (--endpoint URL of a `workshop sandbox start` server)"
    )


@contextlib.contextmanager
def _task_root(service: Service, env: dict[str, str], fn: Function) -> Iterator[list[Path]]:
    """The service folder importable (and the files plugins write beside it, in a temporary
    folder), the environment set; all undone afterwards."""
    from workshop_lib.framework import plugins

    saved_env = {k: os.environ.get(k) for k in env}
    saved_path = list(sys.path)
    before = set(sys.modules)
    os.environ.update(env)
    with tempfile.TemporaryDirectory(prefix="workshop-invoke-local-") as extra:
        for name, data in plugins.handler_files(service).items():
            (Path(extra) / name).write_bytes(data)
        # a serverless-python-requirements module: is the root of its function's zip
        roots = [service.root / plugins.function_module(service, fn.key), Path(extra)]
        sys.path[:0] = [str(root) for root in roots]
        try:
            yield roots
        finally:
            sys.path[:] = saved_path
            for name in set(sys.modules) - before:  # the next call imports the code afresh
                file = str(getattr(sys.modules.get(name), "__file__", "") or "")
                if any(file.startswith(str(root)) for root in roots):
                    del sys.modules[name]
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _sandbox(service: Service, endpoint: str | None) -> Iterator[None]:
    """The sandbox the handler's calls go to (see the module's docstring)."""
    from workshop_lib import sandbox

    active = sandbox.active()
    if active is not None and endpoint is None:
        yield
        return
    if endpoint is None:
        print(
            "invoke local: the handler's AWS calls go to a temporary, empty sandbox; pass "
            "--endpoint URL to use a `workshop sandbox start` server the service is deployed to",
            file=sys.stderr,
        )
    with sandbox.Sandbox(region=service.region, endpoint=endpoint):
        yield


def load_handler(
    service: Service, fn: Function, roots: list[Path] | None = None
) -> Callable[[Any, Any], Any]:
    """Import ``fn.handler`` from the service folder as Lambda's runtime does; a failure
    becomes a handler that fails with the runtime's error (the invocation reports it)."""
    if not any((root / fn.module_path).is_file() for root in roots or [service.root]):
        raise ValueError(
            f"handler {fn.handler!r}: no file {fn.module_path} in {(roots or [service.root])[0]}; "
            "check the function's handler in serverless.yml"
        )
    try:
        return bootstrap.get_handler(fn.handler)
    except Exception as exc:  # Lambda reports an init failure as the invocation's error
        failure = exc

        def failed(event: Any, context: Any) -> Any:
            raise failure

        return failed


def invoke_local(
    service: Service,
    fn: Function,
    event: Any = None,
    *,
    show_logs: bool = False,
    endpoint: str | None = None,
) -> LocalResult:
    """Run ``fn``'s handler here with ``event``; the result, error and log lines."""
    environment = lambda_environment(service, fn)
    with _sandbox(service, endpoint), _task_root(service, environment, fn) as roots:
        handler = load_handler(service, fn, roots)
        return run_handler(
            handler,
            event,
            function_name=fn.name,
            memory_mb=fn.memory_mb,
            timeout_s=fn.timeout_s,
            show_logs=show_logs,
        )
