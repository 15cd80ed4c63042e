"""The request driver: one async path, run from synchronous code on the driver's loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import pytest

from workshop_lib.driver import Driver, blocking


@pytest.fixture
def driver():
    made = Driver("test-driver")
    yield made
    made.stop()


async def _answer(value: int) -> tuple[int, str]:
    await asyncio.sleep(0)
    return value * 2, threading.current_thread().name


def test_run_returns_the_coroutines_result_computed_on_the_drivers_thread(driver):
    value, thread = driver.run(_answer(21))
    assert value == 42
    assert thread == "test-driver" != threading.current_thread().name


def test_run_raises_the_coroutines_exception_in_the_caller():
    async def fail() -> None:
        raise KeyError("no such function")

    made = Driver("test-driver-fail")
    try:
        with pytest.raises(KeyError, match="no such function"):
            made.run(fail())
    finally:
        made.stop()


def test_run_works_where_a_loop_already_runs_as_in_a_notebook_cell(driver):
    """A Jupyter cell runs inside the kernel's loop: the driver must not need that loop."""

    async def cell() -> int:
        return driver.run(_answer(5))[0]  # a synchronous call (requests, boto3) in the cell

    assert asyncio.run(cell()) == 10


def test_a_synchronous_call_from_the_drivers_own_loop_is_refused_not_a_deadlock(driver):
    async def reentrant() -> None:
        driver.run(_answer(1))

    with pytest.raises(RuntimeError, match="would wait for itself"):
        driver.run(reentrant())


def test_blocking_steps_run_in_a_thread_and_the_loop_goes_on(driver):
    release = threading.Event()

    async def both() -> tuple[str, bool]:
        step = asyncio.ensure_future(blocking(lambda: release.wait(5) and "done"))
        await asyncio.sleep(0.01)  # the loop is free while the step blocks
        meanwhile = not step.done()
        release.set()
        return await step, meanwhile

    assert driver.run(both()) == ("done", True)


def test_stop_cancels_what_runs_and_ends_the_thread():
    made = Driver("test-driver-stop")
    made.run(_answer(1))
    (thread,) = [t for t in threading.enumerate() if t.name == "test-driver-stop"]
    started = threading.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    ended: list[type] = []

    def wait_for_it() -> None:
        try:
            made.run(forever())
        except concurrent.futures.CancelledError as exc:
            ended.append(type(exc))

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    assert started.wait(5)
    made.stop()
    waiter.join(5)
    assert not thread.is_alive() and not waiter.is_alive()
    assert ended == [concurrent.futures.CancelledError]
    with pytest.raises(RuntimeError, match="has stopped"):  # no thread started after the end
        made.run(_answer(1))
