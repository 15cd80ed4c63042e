"""The Lambda plug-in of the sandbox: its parts, and the one ``run`` every caller shares.

boto3's ``invoke`` (through moto's Lambda API, :mod:`.invoke_api`), the async queue, event
sources and API Gateway all reach :class:`~workshop_lib.lambda_runtime.run.Runner`: find or
start an execution environment, run the event with a deadline, write START / END / REPORT
and the function's output to CloudWatch Logs (:mod:`.logs`), return the outcome. Where the
parts live: moto's model to a spec (:mod:`.model`), the run (:mod:`.run`), the logs
(:mod:`.logs`), the Invoke API (:mod:`.invoke_api`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from workshop_lib import tempdirs
from workshop_lib.driver import Driver
from workshop_lib.lambda_runtime import invoke_api, logs
from workshop_lib.lambda_runtime.code import CodeStore
from workshop_lib.lambda_runtime.invoke_api import TooManyRequestsException
from workshop_lib.lambda_runtime.model import FunctionModels
from workshop_lib.lambda_runtime.pool import EnvironmentPool
from workshop_lib.lambda_runtime.run import DecodedEvent, Outcome, Runner

if TYPE_CHECKING:
    from workshop_lib.sandbox import Sandbox

__all__ = ["DecodedEvent", "LambdaPlugin", "Outcome", "TooManyRequestsException"]


class LambdaPlugin:
    """Real execution of Lambda functions in the sandbox (no Docker)."""

    name = "lambda"

    def __init__(
        self,
        *,
        account_concurrency: int = 10,
        idle_seconds: float = 300.0,
        async_speedup: float = 60.0,
        init_timeout_s: float = 10.0,
    ) -> None:
        self.account_concurrency = account_concurrency
        self.idle_seconds = idle_seconds
        self.async_speedup = async_speedup
        self.init_timeout_s = init_timeout_s
        self.aws: Sandbox | None = None

    # -- life cycle ---------------------------------------------------------------------------
    def install(self, aws: Sandbox) -> None:
        from workshop_lib import seams
        from workshop_lib.lambda_runtime import asyncq, patches, sources

        seams.check("lambda")  # a seam that moved refuses before any worker or thread starts
        self.aws = aws
        self._tmp = tempdirs.temporary("lambda")
        self.code = CodeStore(Path(self._tmp.name))
        self.models = FunctionModels(aws, self.code)
        self.cloudwatch = logs.CloudWatchWriter(aws.account_id, aws.region)
        self.runner = Runner(aws, self.models, self.code, self.cloudwatch, self.init_timeout_s)
        self.pool = EnvironmentPool(
            self.runner.new_environment,
            self.account_concurrency,
            self.idle_seconds,
            aws.clock.time,
        )
        self.runner.pool = self.pool
        self.queue = asyncq.AsyncQueue(self, speedup=self.async_speedup)
        self.poller = sources.SqsPoller(self)
        self.driver = Driver("lambda-driver")
        patches.install(self)

    def uninstall(self, aws: Sandbox) -> None:
        from workshop_lib.lambda_runtime import patches

        patches.uninstall(self)
        self.poller.stop()
        self.queue.stop()
        self.driver.stop()
        self.pool.shutdown()
        self._tmp.cleanup()

    def reset(self, aws: Sandbox) -> None:
        self.queue.clear()
        self.pool.retire()
        self.runner.forget_resets()

    def retire(self, function_name: str | None = None) -> int:
        """Recycle idle execution environments (of one function, or all): the next
        invocation is a cold start. Returns how many were stopped."""
        arn = None if function_name is None else self.function(function_name).function_arn
        self.runner.forget_resets(arn)  # environments a failure reset go too: plain cold next
        return self.pool.retire(arn)

    def function(self, name: str, qualifier: str | None = None) -> Any:
        """moto's model of a function (UnknownFunctionException if there is none)."""
        return self.models.function(name, qualifier)

    # -- running ------------------------------------------------------------------------------
    def run(
        self,
        fn: Any,
        event: str | DecodedEvent,
        *,
        qualifier: str | None = None,
        client_context: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> Outcome:
        """Run ``event`` (JSON text, or a :class:`DecodedEvent`) through function ``fn``
        from synchronous code (boto3's ``invoke``, the async queue, event sources): the
        runner's :meth:`~workshop_lib.lambda_runtime.run.Runner.run` on the request driver's
        loop. :class:`~workshop_lib.lambda_runtime.pool.Throttled` if there is no room."""
        return self.driver.run(
            self.runner.run(
                fn,
                event,
                qualifier=qualifier,
                client_context=client_context,
                request_id=request_id,
            )
        )

    def api_invoke(
        self,
        fn: Any,
        body: str | bytes | None,
        headers: Any,
        response_headers: dict[str, str],
        qualifier: str | None = None,
    ) -> bytes:
        """What moto's Invoke API returns (:func:`.invoke_api.api_invoke`)."""
        return invoke_api.api_invoke(self, fn, body, headers, response_headers, qualifier)
