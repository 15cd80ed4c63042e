"""Lambda in the sandbox: real handler execution without Docker.

Installed into every sandbox as the ``lambda`` plugin: functions created with boto3 run
their real code in worker processes (execution environments), with AWS's context, logs,
timeouts, concurrency, async retries and dead-letter delivery. See ``service.py`` for the
one seam every caller shares, ``bootstrap.py`` for what runs inside an environment, and
``local.py`` for running a handler defined in a notebook cell.
"""

from __future__ import annotations

from workshop_lib.lambda_runtime.deploy import execution_role, package
from workshop_lib.lambda_runtime.local import LocalResult, invoke_local
from workshop_lib.lambda_runtime.service import LambdaPlugin, Outcome

__all__ = ["LambdaPlugin", "LocalResult", "Outcome", "execution_role", "invoke_local", "package"]
