"""One execution environment: a worker process running ``bootstrap.py`` for one function.

The parent side of the pipe: spawn (the cold start), INIT, one invocation at a time with a
deadline, and a kill that really stops the code (SIGKILL), so a handler past its timeout
burns no CPU and the next call starts cold.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop_lib.lambda_runtime import bootstrap

BOOTSTRAP = Path(bootstrap.__file__).resolve()


@dataclass(frozen=True)
class FunctionSpec:
    """Everything an environment is built from; ``key`` changes when any of it changes."""

    name: str
    arn: str
    version: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: float
    region: str
    variables: dict[str, str] = field(default_factory=dict)
    code_dir: str = ""
    layer_paths: tuple[str, ...] = ()
    reserved_concurrency: int | None = None

    @property
    def key(self) -> tuple:
        return (
            self.handler,
            self.runtime,
            self.memory_mb,
            self.timeout_s,
            self.code_dir,
            self.layer_paths,
            tuple(sorted(self.variables.items())),
        )

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


class EnvironmentGone(RuntimeError):
    """The worker process exited or was killed."""


class ExecutionEnvironment:
    """A worker process for one function configuration."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        env_id: str,
        log_stream: str,
        runtime_dir: Path,
        endpoint_url: str | None,
        credentials: dict[str, str],
    ) -> None:
        self.spec = spec
        self.key = spec.key
        self.id = env_id
        self.log_stream = log_stream
        self.invocations = 0
        self.last_used = 0.0  # set by the pool, on the sandbox clock
        self.init_ms = 0.0
        self.max_memory_mb = 0
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        env = self._environment(runtime_dir, endpoint_url, credentials)
        env["_WORKSHOP_RUNTIME_FDS"] = f"{to_child_r},{from_child_w}"
        self._started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(BOOTSTRAP)],
            env=env,
            cwd=spec.code_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_child_r, from_child_w),
            start_new_session=True,
        )
        os.close(to_child_r)
        os.close(from_child_w)

    def _environment(
        self, runtime_dir: Path, endpoint_url: str | None, credentials: dict[str, str]
    ) -> dict[str, str]:
        spec = self.spec
        env = {
            **spec.variables,
            "_HANDLER": spec.handler,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "LAMBDA_TASK_ROOT": spec.code_dir,
            "LAMBDA_RUNTIME_DIR": str(runtime_dir),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
            "_WORKSHOP_PYTHONPATH": os.pathsep.join([*spec.layer_paths, str(runtime_dir)]),
            **credentials,
        }
        if endpoint_url:
            env["AWS_ENDPOINT_URL"] = endpoint_url  # the sandbox, for the handler's boto3
        if credentials.get("AWS_ACCESS_KEY_ID") == "testing":
            # as on AWS, each function signs with its own role's session key: the sandbox
            # can tell which function made which call (workshop_lib.iam.audit)
            from workshop_lib.iam.audit import access_key_for

            env["AWS_ACCESS_KEY_ID"] = access_key_for(spec.name)
        return env

    # -- INIT and INVOKE ----------------------------------------------------------------------
    def init(self, clock_now: float, timeout_s: float) -> dict[str, Any]:
        """Send the INIT request and wait for the runtime: the cold start."""
        self._send({"clock": clock_now})
        ready = self._receive(timeout_s)
        if ready is None:
            self.kill()
            return {
                "error": bootstrap.make_error(
                    f"INIT did not finish within {timeout_s:g} seconds", "Runtime.InitTimeout", []
                ),
                "logs": [],
                "init_ms": timeout_s * 1000,
            }
        ready["init_ms"] = (time.perf_counter() - self._started) * 1000
        self.init_ms = ready["init_ms"]
        self.max_memory_mb = ready.get("max_memory_mb", 0)
        if ready.get("error"):
            self.kill()
        return ready

    def invoke(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any] | None:
        """One invocation; ``None`` if it ran past ``timeout_s`` (the process is then killed)."""
        self.invocations += 1
        self._send(request)
        result = self._receive(timeout_s)
        if result is None:
            self.kill()
            return None
        self.max_memory_mb = result.get("max_memory_mb", self.max_memory_mb)
        return result

    def submit(self, request: dict[str, Any]) -> int:
        """Send one invocation without waiting: the returned file descriptor turns readable
        when the answer is there, for an event loop to wait on; :meth:`collect` reads it."""
        self.invocations += 1
        self._send(request)
        return self._from_child

    def collect(self) -> dict[str, Any]:
        """The answer to :meth:`submit`, once its file descriptor is readable."""
        result = self._read()
        self.max_memory_mb = result.get("max_memory_mb", self.max_memory_mb)
        return result

    def _send(self, message: dict[str, Any]) -> None:
        try:
            bootstrap.write_frame(self._to_child, json.dumps(message).encode())
        except (BrokenPipeError, OSError) as exc:
            raise EnvironmentGone(f"the runtime exited: {exc}") from None

    def _receive(self, timeout_s: float) -> dict[str, Any] | None:
        ready, _, _ = select.select([self._from_child], [], [], max(0.0, timeout_s))
        if not ready:
            return None
        return self._read()

    def _read(self) -> dict[str, Any]:
        frame = bootstrap.read_frame(self._from_child)
        if frame is None:
            code = self.process.wait(timeout=5)
            raise EnvironmentGone(f"Runtime exited with error: exit status {code}")
        return json.loads(frame)

    # -- life ------------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Stop the environment at once (SIGKILL: a runaway handler stops burning CPU)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        for fd in (self._to_child, self._from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._to_child = self._from_child = -1

    def __repr__(self) -> str:
        state = "alive" if self.alive else "dead"
        return f"<environment {self.id} of {self.spec.name}: {state}, {self.invocations} calls>"
