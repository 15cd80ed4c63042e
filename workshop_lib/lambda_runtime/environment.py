"""One execution environment: a worker process running ``bootstrap.py`` for one function.

The parent side of the pipe: spawn (the cold start), INIT, one invocation at a time with a
deadline, and a kill that really stops the code (SIGKILL), so a handler past its timeout
burns no CPU and the next call starts cold.

The worker starts under ``containment.py`` (its own /tmp, every process it starts dies with
it, none outlives this one; ``launcher.c`` does the same without Python where it is built)
with an environment built from an allow-list: what AWS's runtime sets, the function's
variables and the sandbox's fake credentials, nothing of this process's environment (the
learner's AWS keys stay here).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop_lib import netguard
from workshop_lib.facts import value
from workshop_lib.lambda_runtime import bootstrap, containment
from workshop_lib.lambda_runtime.native import launcher as native_launcher

BOOTSTRAP = Path(bootstrap.__file__).resolve()
LAUNCHER = Path(containment.__file__).resolve()
NETGUARD = Path(netguard.__file__).resolve()
_SERIAL = itertools.count()

#: Python processes a handler starts load the guard too (PYTHONPATH names this folder)
SITECUSTOMIZE = f"""\
# Written by workshop_lib: a Python process a Lambda handler starts keeps to loopback too.
import importlib.util as _util
import sys as _sys

_spec = _util.spec_from_file_location("workshop_netguard", {str(NETGUARD)!r})
_guard = _util.module_from_spec(_spec)
_sys.modules[_spec.name] = _guard
_spec.loader.exec_module(_guard)
_guard.install()
"""


def guard_site(root: Path) -> Path:
    """A folder holding the ``sitecustomize.py`` above (written once)."""
    folder = root / "guard-site"
    target = folder / "sitecustomize.py"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # one name per process and thread: concurrent cold starts each write their own
        partial = folder / f".sitecustomize-{os.getpid()}-{threading.get_ident()}.tmp"
        partial.write_text(SITECUSTOMIZE)
        partial.replace(target)  # atomic: a concurrent cold start never reads half a file
    return folder


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
    #: EphemeralStorage.Size: the size of the environment's /tmp
    tmp_mb: int = field(default_factory=lambda: int(value("lambda.tmp_default_mb")))

    @functools.cached_property
    def key(self) -> tuple:
        """What an environment of this spec was built from (computed once: a frozen spec
        never changes; the pool compares it on every invocation)."""
        return (
            self.handler,
            self.runtime,
            self.memory_mb,
            self.timeout_s,
            self.code_dir,
            self.layer_paths,
            tuple(sorted(self.variables.items())),
            self.tmp_mb,
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
        # set by the service: this environment replaces one that an invoke-phase timeout,
        # crash or out-of-memory reset, so its INIT is a "suppressed init"
        self.after_reset = False
        # event loops watching the answer pipe (see _watch), the call awaiting an answer and
        # its deadline on that loop's clock, with the timer checking it (see _arm)
        self._watchers: set[asyncio.AbstractEventLoop] = set()
        self._waiting: tuple[asyncio.AbstractEventLoop, asyncio.Future] | None = None
        self._deadline = 0.0
        self._timer: tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle] | None = None
        self._dead = False
        self._fds_lock = threading.Lock()
        #: what the launcher achieved (containment.py), from the INIT answer
        self.containment: str | None = None
        # the fallback's private TMPDIR (the launcher makes it; removed here too on kill)
        self._tmp_dir = runtime_dir.parent / f"tmp-{env_id}-{next(_SERIAL)}"
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # asks whether the answer pipe hung up (see alive): made once, asked before each call
        self._hangup = select.poll()
        self._hangup.register(self._from_child, 0)  # hang-ups and errors are always reported
        env = self._environment(runtime_dir, endpoint_url, credentials)
        env.update(
            {
                "_WORKSHOP_RUNTIME_FDS": f"{to_child_r},{from_child_w}",
                "_WORKSHOP_NETGUARD": str(NETGUARD),
                containment.MODE_VAR: os.environ.get(containment.USER_VAR, "auto"),
                containment.TMP_MB_VAR: str(spec.tmp_mb),
                containment.TMP_DIR_VAR: str(self._tmp_dir),
                # what the worker reads, kept visible if it lies under the covered /tmp
                containment.KEEP_VAR: ":".join(
                    [
                        spec.code_dir,
                        *spec.layer_paths,
                        str(runtime_dir),
                        env["PYTHONPATH"],
                        str(LAUNCHER.parent),
                        str(NETGUARD.parent),
                        sys.prefix,
                        sys.base_prefix,
                    ]
                ),
            }
        )
        argv = [sys.executable, "-I", "-S", "-c", containment.ENTRY, str(LAUNCHER), str(BOOTSTRAP)]
        # built on the first cold start of the process: not part of that start's INIT time
        native = native_launcher() if env[containment.MODE_VAR] != "fallback" else None
        self._started = time.perf_counter()
        self.process = subprocess.Popen(
            [native, *argv] if native else argv,
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
            # the function's own PYTHONPATH (an unreserved variable on AWS) after the guard
            "PYTHONPATH": os.pathsep.join(
                [str(guard_site(runtime_dir.parent))]
                + ([spec.variables["PYTHONPATH"]] if spec.variables.get("PYTHONPATH") else [])
            ),
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
        self.containment = ready.get("containment")
        containment.note(self.containment)
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

    async def call(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any] | None:
        """One invocation without blocking the event loop: send it, wait for the answer's
        pipe to turn readable (or the deadline: None, the environment killed), read it."""
        loop = asyncio.get_running_loop()
        answered = loop.create_future()
        self.invocations += 1
        self._send(request)
        self._waiting = (loop, answered)
        self._watch(loop)
        self._arm(loop, loop.time() + max(0.0, timeout_s))
        try:
            in_time = await answered
        except BaseException:  # cancelled (the server stopping): the worker's state is unknown
            self._waiting = None
            self.kill()
            raise
        if not in_time:
            self.kill()
            return None
        result = self._read()
        self.max_memory_mb = result.get("max_memory_mb", self.max_memory_mb)
        return result

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Have ``loop`` watch the answer pipe (see :meth:`_readable`).

        The loop keeps watching the pipe between invocations: one registration for the
        environment's life instead of one per call (a served request's overhead). A loop stops
        watching when the pipe turns readable with nothing waiting (a dead worker's end of
        file) or when the environment is killed; the pipe is closed only after every loop
        has let go of it (an event loop must never watch a closed descriptor).
        """
        if loop not in self._watchers:
            with self._fds_lock:
                self._watchers.add(loop)
            loop.add_reader(self._from_child, self._readable, loop)

    def _readable(self, loop: asyncio.AbstractEventLoop) -> None:
        waiting = self._waiting
        if waiting is not None and waiting[0] is loop:
            self._waiting = None
            if not waiting[1].done():
                waiting[1].set_result(True)
        else:  # nothing awaits this pipe on this loop: stop watching it
            self._unwatch(loop)

    def _arm(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        """The current call's deadline, on ``loop``'s clock. One timer per environment,
        moved lazily: a later deadline only updates a number, and the timer, when it fires,
        waits on for a call still in time (a timer per call would cost more than the check)."""
        self._deadline = deadline
        timer = self._timer
        if timer is None or timer[0] is not loop or timer[1].when() > deadline:
            if timer is not None and timer[0] is loop:
                timer[1].cancel()
            self._timer = (loop, loop.call_at(deadline, self._check_deadline, loop))

    def _check_deadline(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None and self._timer[0] is loop:
            self._timer = None
        waiting = self._waiting
        if waiting is None or waiting[0] is not loop or self._dead:
            return  # no call waits on this loop: no timer until the next one
        if loop.time() < self._deadline:
            self._timer = (loop, loop.call_at(self._deadline, self._check_deadline, loop))
            return
        self._waiting = None
        if not waiting[1].done():
            waiting[1].set_result(False)

    def _unwatch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Stop ``loop`` watching (in the loop's thread); the last one out closes a dead pipe."""
        with self._fds_lock:
            if loop not in self._watchers:
                return
            self._watchers.discard(loop)
            if not loop.is_closed():
                loop.remove_reader(self._from_child)
            if self._dead and not self._watchers:
                self._close_fds()

    def _send(self, message: dict[str, Any]) -> None:
        try:
            bootstrap.write_frame(self._to_child, bootstrap.encode(message))
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
            raise EnvironmentGone(f"Runtime exited with error: {exit_text(code)}")
        return bootstrap.decode(frame)

    # -- life ------------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """The worker runs: the answer pipe has not hung up. The worker holds the pipe's
        only write end and dies with its launcher, so this one system call answers for both
        (a reaped launcher's exit status is checked too, at no cost)."""
        if self._from_child < 0 or self.process.returncode is not None:
            return False
        return not self._hangup.poll(0)

    def kill(self) -> None:
        """Stop the environment at once (SIGKILL: a runaway handler stops burning CPU).

        In namespaces the worker is its PID namespace's init: killing it kills every process
        it started. The fallback asks the launcher, which kills the worker and then every
        process left below it; SIGKILL to the group if it does not end within a second.
        """
        contained = self.containment is not None and self.containment.startswith("namespaces")
        if self.process.poll() is None:
            if not contained:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.process.pid, containment.KILL_SIGNAL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=1)
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if not contained:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        with self._fds_lock:
            self._dead = True
            watchers = list(self._watchers)
            if not watchers:
                self._close_fds()
        for loop in watchers:  # each loop lets go of the pipe in its own thread
            if loop is running:
                self._unwatch(loop)
                continue
            try:
                loop.call_soon_threadsafe(self._unwatch, loop)
            except RuntimeError:  # that loop is closed: its selector, and the watch, are gone
                with self._fds_lock:
                    self._watchers.discard(loop)
                    if not self._watchers:
                        self._close_fds()

    def _close_fds(self) -> None:
        for fd in (self._to_child, self._from_child):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._to_child = self._from_child = -1

    def __repr__(self) -> str:
        state = "alive" if self.alive else "dead"
        return f"<environment {self.id} of {self.spec.name}: {state}, {self.invocations} calls>"


def exit_text(returncode: int) -> str:
    """How Lambda words a runtime's end: ``exit status 3``, or ``signal: killed`` for a process
    a signal ended (Go's names: for the common signals, strsignal's in lower case)."""
    if returncode >= 0:
        return f"exit status {returncode}"
    name = signal.strsignal(-returncode)
    return f"signal: {name.lower() if name else -returncode}"
