"""Execution environments per function: warm reuse, cold starts, concurrency and reclaiming.

An invocation takes an idle environment of the function's current configuration (warm) or
starts a new one (cold), if concurrency allows: the function's reserved concurrency, or
else what the account limit leaves after every reservation. An environment whose function
changed since it started is retired; idle ones are reclaimed after ``idle_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from workshop_lib.lambda_runtime.environment import ExecutionEnvironment, FunctionSpec


class Throttled(Exception):
    """No concurrency left: AWS answers TooManyRequestsException with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _FunctionPool:
    key: tuple | None = None
    idle: list[ExecutionEnvironment] = field(default_factory=list)
    busy: int = 0
    reserved: int | None = None


class EnvironmentPool:
    """All execution environments of one sandbox."""

    def __init__(
        self,
        factory: Callable[[FunctionSpec], ExecutionEnvironment],
        account_concurrency: int = 10,
        idle_seconds: float = 300.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.factory = factory
        self.now = now  # the sandbox clock: idle time is measured on it
        self.account_concurrency = account_concurrency
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._pools: dict[str, _FunctionPool] = {}
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, daemon=True, name="lambda-reaper")
        self._reaper.start()
        self.cold_starts = 0
        self.warm_starts = 0

    # -- taking and giving back -------------------------------------------------------------
    def acquire(self, spec: FunctionSpec) -> tuple[ExecutionEnvironment, bool]:
        """An environment for ``spec`` and whether it is a cold start; or :class:`Throttled`."""
        doomed: list[ExecutionEnvironment] = []
        with self._lock:
            pool = self._pools.setdefault(spec.arn, _FunctionPool())
            pool.reserved = spec.reserved_concurrency
            if pool.key != spec.key:  # code or configuration changed: retire old environments
                doomed, pool.idle, pool.key = pool.idle, [], spec.key
            self._check_concurrency(pool)
            pool.busy += 1
            env = pool.idle.pop() if pool.idle else None
            if env is not None:
                self.warm_starts += 1
        for old in doomed:
            old.kill()
        if env is not None and env.alive:
            return env, False
        try:
            env = self.factory(spec)
        except BaseException:
            with self._lock:
                pool.busy -= 1
            raise
        with self._lock:
            self.cold_starts += 1
        return env, True

    def _check_concurrency(self, pool: _FunctionPool) -> None:
        if pool.reserved is not None:
            if pool.busy >= pool.reserved:
                raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
            return
        reserved_total = sum(p.reserved or 0 for p in self._pools.values())
        unreserved_busy = sum(p.busy for p in self._pools.values() if p.reserved is None)
        if unreserved_busy >= self.account_concurrency - reserved_total:
            raise Throttled("ConcurrentInvocationLimitExceeded")

    def release(self, spec: FunctionSpec, env: ExecutionEnvironment, reusable: bool) -> None:
        """Give an environment back: idle for the next warm start, or killed."""
        keep = False
        with self._lock:
            pool = self._pools.get(spec.arn)
            if pool is not None:
                pool.busy -= 1
                # reusable: it has just answered (acquire checks it is still alive)
                keep = reusable and env.key == pool.key
                if keep:
                    env.last_used = self.now()
                    pool.idle.append(env)
        if not keep:
            env.kill()

    # -- housekeeping ------------------------------------------------------------------------
    def retire(self, arn: str | None = None) -> int:
        """Kill idle environments (of one function, or all); return how many."""
        with self._lock:
            pools = (
                [self._pools[arn]]
                if arn in self._pools
                else (list(self._pools.values()) if arn is None else [])
            )
            doomed = [env for p in pools for env in p.idle]
            for p in pools:
                p.idle = []
        for env in doomed:
            env.kill()
        return len(doomed)

    def forget(self, arn: str) -> None:
        """A deleted function: kill its idle environments and drop its reservation."""
        self.retire(arn)
        with self._lock:
            pool = self._pools.get(arn)
            if pool is not None and pool.busy == 0:
                del self._pools[arn]
            elif pool is not None:
                pool.reserved = 0

    def environments(self) -> dict[str, int]:
        """Idle environments per function ARN (for teaching and tests)."""
        with self._lock:
            return {arn: len(p.idle) for arn, p in self._pools.items() if p.idle}

    def busy(self) -> int:
        with self._lock:
            return sum(p.busy for p in self._pools.values())

    def _reap_loop(self) -> None:
        while not self._stop.wait(min(1.0, max(0.05, self.idle_seconds / 4))):
            cutoff = self.now() - self.idle_seconds
            doomed: list[ExecutionEnvironment] = []
            with self._lock:
                for pool in self._pools.values():
                    keep = [e for e in pool.idle if e.last_used >= cutoff and e.alive]
                    doomed += [e for e in pool.idle if e not in keep]
                    pool.idle = keep
            for env in doomed:
                env.kill()

    def shutdown(self) -> None:
        """Stop reaping and kill every idle environment (busy ones die on release)."""
        self._stop.set()
        self.retire()
        with self._lock:
            self._pools.clear()
