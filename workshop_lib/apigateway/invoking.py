"""An integration's Lambda function, run for API Gateway: the function its URI names (stage
variables substituted), the integration timeout (504) and Lambda's throttle (500)."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from workshop_lib.lambda_runtime.pool import Throttled
from workshop_lib.lambda_runtime.run import DecodedEvent

if TYPE_CHECKING:
    from workshop_lib.lambda_runtime.run import Outcome
    from workshop_lib.lambda_runtime.service import LambdaPlugin
    from workshop_lib.sandbox import Sandbox

_LAMBDA_URI = re.compile(
    r"arn:aws:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<function>.+)/invocations"
)
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


class IntegrationTimeout(Exception):
    """The integration did not answer within its timeout (API Gateway answers 504)."""


class IntegrationThrottled(Exception):
    """Lambda refused the invocation: no concurrency left (API Gateway answers 500)."""


class LambdaIntegrations:
    """Runs the functions integrations name, through the sandbox's Lambda plug-in."""

    def __init__(self, aws: Sandbox) -> None:
        self.aws = aws
        self._lambda: LambdaPlugin | None = None  # the sandbox's Lambda plug-in, once asked for
        # integration URI -> (function name, qualifier): parsed once (not with stage variables)
        self._targets: dict[str, tuple[Any, Any]] = {}

    def function(
        self, lam: LambdaPlugin, uri: str, variables: dict[str, str] | None
    ) -> tuple[Any, str | None]:
        """moto's function an integration URI names and its qualifier ((None, None): none)."""
        target = self._targets.get(uri or "")
        if target is None:
            target = function_target(uri, variables)
            if "${stageVariables." not in (uri or ""):  # the same answer every time
                if len(self._targets) >= 1024:
                    self._targets.clear()
                self._targets[uri or ""] = target
        name, qualifier = target
        if name is None:
            return None, None
        try:
            return lam.models.function(name, qualifier), qualifier
        except Exception as exc:
            from moto.awslambda.exceptions import UnknownFunctionException

            if isinstance(exc, UnknownFunctionException):
                return None, None
            raise

    async def invoke(
        self,
        uri: str,
        event: dict[str, Any],
        timeout_ms: int,
        variables: dict[str, str] | None = None,
    ) -> Outcome | None:
        """Run the function an integration URI names (None if there is none).

        Raises :class:`IntegrationThrottled` when Lambda has no concurrency left for it and
        :class:`IntegrationTimeout` when it outlasts ``timeout_ms``: the caller gets its
        answer then, and the function runs on (and is logged) until it ends.
        """
        lam = self._lambda or self._lambda_plugin()
        fn, qualifier = self.function(lam, uri, variables)
        if fn is None:
            return None
        run = lam.runner.run(fn, DecodedEvent(event), qualifier=qualifier)
        try:
            if float(fn.timeout) * 1000 <= timeout_ms:  # it ends (or times out) before us
                return await run
            task = asyncio.ensure_future(run)
            done, _ = await asyncio.wait({task}, timeout=timeout_ms / 1000)
            if not done:
                task.add_done_callback(_quietly)
                raise IntegrationTimeout()
            return task.result()
        except Throttled:
            raise IntegrationThrottled() from None

    def invoke_sync(
        self,
        uri: str,
        event: dict[str, Any],
        timeout_ms: int,
        variables: dict[str, str] | None = None,
    ) -> Outcome | None:
        """:meth:`invoke` for synchronous callers (an authorizer's function), on the request
        driver's loop."""
        lam = self._lambda or self._lambda_plugin()
        return lam.driver.run(self.invoke(uri, event, timeout_ms, variables))

    def _lambda_plugin(self) -> LambdaPlugin:
        self._lambda = self.aws.plugin("lambda")
        return self._lambda


def function_target(uri: str | None, variables: dict[str, str] | None) -> tuple[Any, Any]:
    """(function name, qualifier) an integration URI names; (None, None) if none."""
    found = _LAMBDA_URI.match(uri or "")
    if not found:
        return None, None
    target = found.group("function")
    if "${stageVariables." in target:
        values = variables or {}
        target = _STAGE_VARIABLE.sub(lambda m: values.get(m.group(1), ""), target)
    name, qualifier = target, None
    if target.startswith("arn:"):
        pieces = target.split(":")
        name = pieces[6]
        qualifier = pieces[7] if len(pieces) > 7 else None
    return name, qualifier


def _quietly(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" warning
