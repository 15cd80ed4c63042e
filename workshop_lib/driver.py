"""The one request driver: every request path is written once, as ``async`` code.

A served API's loop awaits the gateway, the Lambda run and the worker hop directly. A
caller without a loop of its own (boto3's ``invoke`` through moto, ``requests`` answered
in-process, the sandbox's WSGI server, a notebook cell) uses :meth:`Driver.run`, the thin
synchronous wrapper: the same coroutine on the driver's event loop, in a thread of its own,
while the caller waits. A notebook cell already runs inside the kernel's loop, which cannot
be re-entered, hence a thread rather than a loop per caller.

What would block a loop (a cold start's INIT, an authorizer, an HTTP backend) goes to a
thread pool through :func:`blocking`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (everywhere but native Windows): its
    transports, timers and pipe watches cost about half of asyncio's; asyncio's own loop
    otherwise (same behaviour, slower)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


#: the executor of steps that block, per event loop (a served API's, or the driver's)
_EXECUTORS: dict[asyncio.AbstractEventLoop, Executor] = {}
_EXECUTORS_LOCK = threading.Lock()


def use_executor(loop: asyncio.AbstractEventLoop, executor: Executor) -> None:
    """Have :func:`blocking` run steps of coroutines on ``loop`` in ``executor``."""
    with _EXECUTORS_LOCK:
        _EXECUTORS[loop] = executor


def forget_executor(loop: asyncio.AbstractEventLoop) -> None:
    with _EXECUTORS_LOCK:
        _EXECUTORS.pop(loop, None)


async def blocking(function: Callable[..., T], *args: Any) -> T:
    """Run a step that blocks (INIT, an authorizer, an HTTP backend) in a thread: the loop
    goes on serving other requests meanwhile."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_EXECUTORS.get(loop), function, *args)


class Driver:
    """An event loop in a background thread that runs request coroutines for synchronous
    callers (:meth:`run`); started on first use, ended for good by :meth:`stop`."""

    def __init__(self, name: str = "workshop-driver") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` to its end on the driver's loop and return its result (or raise
        its exception) in the calling thread."""
        try:
            loop = self._loop if self._loop is not None else self._start()
        except RuntimeError:
            coroutine.close()  # never to run: no "was never awaited" warning
            raise
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError(
                "a synchronous request from inside the request driver's own loop would wait "
                "for itself: run the blocking step with workshop_lib.driver.blocking"
            )
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._stopped:
                raise RuntimeError(f"{self.name} has stopped: the sandbox it served has ended")
            if self._loop is None:
                loop = new_loop()
                self._executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix=self.name)
                use_executor(loop, self._executor)
                self._thread = threading.Thread(
                    target=loop.run_forever, daemon=True, name=self.name
                )
                self._thread.start()
                self._loop = loop
            return self._loop

    def stop(self) -> None:
        """Cancel what still runs, end the thread, close the loop."""
        with self._lock:
            loop, thread, executor = self._loop, self._thread, self._executor
            self._loop = self._thread = self._executor = None
            self._stopped = True
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(_cancel_all(), loop)
        with contextlib.suppress(Exception):  # stopping regardless
            future.result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        if not thread.is_alive():
            loop.close()
        forget_executor(loop)
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


async def _cancel_all() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
