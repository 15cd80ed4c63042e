"""Execution environments: warm state, cold starts, timeouts, concurrency, reclaiming."""

from __future__ import annotations

import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from tests.lambda_helpers import create, invoke
from workshop_lib import sandbox
from workshop_lib.lambda_runtime import LambdaPlugin

STATEFUL = """
import os, time
CALLS = 0
def handler(event, context):
    global CALLS
    CALLS += 1
    time.sleep(event.get("sleep", 0))
    remaining = context.get_remaining_time_in_millis()
    return {"calls": CALLS, "env": context.log_stream_name, "remaining": remaining}
"""


@pytest.fixture
def aws():
    with sandbox() as box:
        yield box


def environment_pids(stream: str) -> list[int]:
    """The live processes (launcher, namespace init and worker) of the environment writing
    to log stream ``stream``: a worker is not its handler's ``os.getpid()`` here (it runs
    in a PID namespace), but its environment names its stream. Streams repeat across
    sandboxes (seeded ids): only this test process's descendants count."""
    marker = f"AWS_LAMBDA_LOG_STREAM_NAME={stream}"
    table = _processes()
    mine = []
    for pid, (_, environ) in table.items():
        if marker in environ:
            up = pid
            while up in table and up != os.getpid():
                up = table[up][0]
            if up == os.getpid():
                mine.append(pid)
    return mine


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, environment text) of live processes (a zombie shows none)."""
    table = {}
    if not os.path.isdir("/proc"):  # macOS: ps -E prints the environment after the command
        listing = subprocess.run(
            ["ps", "-E", "-ww", "-o", "pid=,ppid=,command="], capture_output=True, text=True
        ).stdout
        for line in listing.splitlines():
            pid, ppid, rest = line.split(None, 2)
            table[int(pid)] = (int(ppid), " " + rest.replace(" ", "\0") + "\0")
        return table
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    environ = "\0" + f.read().decode(errors="replace")
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rpartition(")")[2].split()[1])
            except OSError:
                continue
            table[int(entry)] = (ppid, environ)
    return table


def env_alive(stream: str) -> bool:
    return bool(environment_pids(stream))


def worker_pid(stream: str) -> int:
    """The worker of that environment: the last of launcher, namespace init and worker."""
    table = _processes()
    pids = environment_pids(stream)
    parents = {table[pid][0] for pid in pids if pid in table}
    (worker,) = [pid for pid in pids if pid not in parents]
    return worker


def test_module_state_persists_while_warm_and_resets_on_cold_start(aws):
    create(aws, "state", STATEFUL)
    first = invoke(aws, "state")
    second = invoke(aws, "state")
    assert (first["body"]["calls"], second["body"]["calls"]) == (1, 2)
    assert first["body"]["env"] == second["body"]["env"]
    assert "Init Duration" in first["log"] and "Init Duration" not in second["log"]
    aws.client("lambda").update_function_configuration(FunctionName="state", MemorySize=256)
    third = invoke(aws, "state")
    assert third["body"]["calls"] == 1 and "Init Duration" in third["log"]
    assert not env_alive(first["body"]["env"])  # the old environment was retired
    aws.client("lambda").update_function_code(
        FunctionName="state",
        ZipFile=__import__("workshop_lib").lambda_runtime.package(
            {"app.py": STATEFUL + "\nVERSION = 2\n"}
        ),
    )
    assert invoke(aws, "state")["body"]["calls"] == 1


def test_a_handler_past_its_timeout_is_stopped_promptly(aws):
    create(aws, "slow", STATEFUL, Timeout=1)
    warm = invoke(aws, "slow")
    started = time.monotonic()
    response = invoke(aws, "slow", {"sleep": 30})
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed  # Timeout + margin, not 30 s
    rid = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert response["body"] == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {rid} Error: Task timed out after 1.00 seconds",
    }
    assert f"{rid} Task timed out after 1.00 seconds" in response["log"]
    assert "Status: timeout" in response["log"] and "Duration: 1000.00 ms" in response["log"]
    assert not env_alive(warm["body"]["env"])  # the environment was killed
    after = invoke(aws, "slow")
    # a new INIT, not reported as Init Duration: a "suppressed init" (test_lambda_suppressed_init)
    assert after["body"]["calls"] == 1 and "Init Duration" not in after["log"]


def test_a_cpu_burning_handler_is_killed_not_left_spinning(aws):
    create(
        aws,
        "spin",
        "def handler(e, c):\n    if e.get('env'):\n"
        "        return c.log_stream_name\n    while True:\n        pass\n",
        Timeout=1,
    )
    stream = invoke(aws, "spin", {"env": True})["body"]
    assert invoke(aws, "spin")["body"]["errorType"] == "Sandbox.Timedout"
    assert not env_alive(stream)


def test_remaining_time_decreases_and_is_never_negative(aws):
    create(
        aws,
        "clock",
        """
        import time
        def handler(event, context):
            seen = []
            for _ in range(3):
                seen.append(context.get_remaining_time_in_millis())
                time.sleep(0.05)
            return seen
    """,
        Timeout=2,
    )
    seen = invoke(aws, "clock")["body"]
    assert 2000 >= seen[0] > seen[1] > seen[2] > 1500
    from workshop_lib.lambda_runtime.bootstrap import LambdaContext

    past = LambdaContext("r", None, None, int(time.time() * 1000) - 5000, "arn", env={})
    assert past.get_remaining_time_in_millis() == 0


def test_concurrent_invocations_get_separate_environments(aws):
    create(aws, "burst", STATEFUL)
    with ThreadPoolExecutor(5) as pool:
        results = list(pool.map(lambda _: invoke(aws, "burst", {"sleep": 0.5}), range(5)))
    envs = {r["body"]["env"] for r in results}
    assert len(envs) == 5
    assert sum("Init Duration" in r["log"] for r in results) == 5
    assert aws.plugin("lambda").pool.environments() == {
        "arn:aws:lambda:us-east-1:123456789012:function:burst": 5
    }


def test_reserved_concurrency_throttles_with_awss_error(aws):
    create(aws, "reserved", STATEFUL)
    aws.client("lambda").put_function_concurrency(
        FunctionName="reserved", ReservedConcurrentExecutions=2
    )

    def call(_):
        try:
            return invoke(aws, "reserved", {"sleep": 0.5}, retries=False)["StatusCode"]
        except ClientError as exc:
            return exc.response["Error"]["Code"], exc.response.get("Reason")

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(call, range(4)))
    assert outcomes.count(200) == 2
    throttled = [o for o in outcomes if o != 200]
    assert (
        throttled
        == [("TooManyRequestsException", "ReservedFunctionConcurrentInvocationLimitExceeded")] * 2
    )


def test_zero_reserved_concurrency_stops_a_function(aws):
    create(aws, "stopped", STATEFUL)
    aws.client("lambda").put_function_concurrency(
        FunctionName="stopped", ReservedConcurrentExecutions=0
    )
    with pytest.raises(ClientError, match="TooManyRequestsException"):
        invoke(aws, "stopped", retries=False)


def test_the_account_limit_is_configurable_and_enforced():
    with sandbox(plugins=[LambdaPlugin(account_concurrency=2)]) as aws:
        create(aws, "a", STATEFUL)
        create(aws, "b", STATEFUL)

        def call(name):
            try:
                return invoke(aws, name, {"sleep": 1.5}, retries=False)["StatusCode"]
            except ClientError as exc:
                return exc.response.get("Reason")

        with ThreadPoolExecutor(3) as pool:
            outcomes = list(pool.map(call, ["a", "b", "a"]))
        assert sorted(map(str, outcomes)) == ["200", "200", "ConcurrentInvocationLimitExceeded"]


def test_idle_environments_are_reclaimed():
    with sandbox(plugins=[LambdaPlugin(idle_seconds=0.2)]) as aws:
        create(aws, "idle", STATEFUL)
        stream = invoke(aws, "idle")["body"]["env"]
        time.sleep(1.0)
        assert not env_alive(stream)
        assert "Init Duration" in invoke(aws, "idle")["log"]


def test_exiting_the_process_is_a_runtime_exit_error(aws):
    create(aws, "exit", "import sys\ndef handler(e, c):\n    sys.exit(3)\n")
    response = invoke(aws, "exit")
    body = response["body"]
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: exit status 3")
    assert "Init Duration" not in invoke(aws, "exit")["log"]  # a suppressed init


def test_a_runtime_a_signal_ends_is_worded_as_lambda_words_it(aws):
    create(aws, "killed", "import os\ndef handler(e, c):\n    os.kill(os.getpid(), 9)\n")
    body = invoke(aws, "killed")["body"]
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: signal: killed")


def test_deleting_a_function_retires_its_environments(aws):
    create(aws, "gone", STATEFUL)
    stream = invoke(aws, "gone")["body"]["env"]
    aws.client("lambda").delete_function(FunctionName="gone")
    assert not env_alive(stream)


def test_stopping_the_sandbox_kills_every_environment():
    with sandbox() as aws:
        create(aws, "f", STATEFUL)
        stream = invoke(aws, "f")["body"]["env"]
    assert not env_alive(stream)


def test_no_docker_is_involved(aws, monkeypatch):
    import docker

    def refuse(*args, **kwargs):
        raise AssertionError("Docker must not be used")

    monkeypatch.setattr(docker, "from_env", refuse)
    monkeypatch.setattr(docker, "DockerClient", refuse)
    create(aws, "nodocker", "def handler(e, c):\n    return 'ok'\n")
    assert invoke(aws, "nodocker")["body"] == "ok"


@pytest.mark.parametrize(
    "config, message",
    [
        ({"MemorySize": 20000}, "Value '20000' at 'memorySize'"),
        ({"Timeout": 1000}, "Value '1000' at 'timeout'"),
        ({"EphemeralStorage": {"Size": 20000}}, "ephemeralStorage.size"),
        (
            {"DeadLetterConfig": {"TargetArn": "https://sqs.us-east-1.amazonaws.com/1/q"}},
            "not a URL",
        ),
    ],
)
def test_configuration_limits_are_enforced(aws, config, message):
    with pytest.raises(ClientError, match=message):
        create(aws, "limited", STATEFUL, **config)
    create(aws, "fine", STATEFUL)
    with pytest.raises(ClientError, match=message):
        aws.client("lambda").update_function_configuration(FunctionName="fine", **config)


def test_reservations_leave_part_of_the_account_unreserved_and_die_with_the_function(aws):
    create(aws, "hog", STATEFUL)
    create(aws, "other", STATEFUL)
    lam = aws.client("lambda")
    with pytest.raises(ClientError, match="below its minimum value of \\[1\\]"):
        lam.put_function_concurrency(FunctionName="hog", ReservedConcurrentExecutions=10)
    lam.put_function_concurrency(FunctionName="hog", ReservedConcurrentExecutions=9)
    invoke(aws, "hog")
    lam.delete_function(FunctionName="hog")
    assert invoke(aws, "other", retries=False)["StatusCode"] == 200


def test_idle_time_is_measured_on_the_sandbox_clock_and_retire_recycles():
    with sandbox(clock="virtual", plugins=[LambdaPlugin(idle_seconds=60)]) as aws:
        create(aws, "idle", STATEFUL)
        assert "Init Duration" in invoke(aws, "idle")["log"]
        aws.clock.advance(30)
        time.sleep(1.2)
        assert "Init Duration" not in invoke(aws, "idle")["log"]  # 30 s idle: still warm
        aws.clock.advance(61)
        deadline = time.monotonic() + 5
        while aws.plugin("lambda").pool.environments() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Init Duration" in invoke(aws, "idle")["log"]  # reclaimed after 60 s idle
        assert aws.plugin("lambda").retire("idle") == 1
        assert "Init Duration" in invoke(aws, "idle")["log"]


# -- the served path's worker hop: awaited on an event loop ----------------------------------
def _run_on(loop, aws, name, event):
    """The Lambda plug-in's Runner.run for function ``name`` on ``loop`` (running in another
    thread), as a served API awaits it."""
    import asyncio

    plugin = aws.plugin("lambda")
    return asyncio.run_coroutine_threadsafe(
        plugin.runner.run(plugin.function(name), event), loop
    ).result(timeout=30)


@pytest.fixture
def served_loop():
    """An event loop in a thread, as the served API runs one (uvloop's where installed)."""
    import threading

    from workshop_lib.apigateway.server import new_loop

    loop = new_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


def test_the_served_api_runs_on_uvloop(served_loop):
    import uvloop

    assert isinstance(served_loop, uvloop.Loop)


def test_a_decoded_event_reaches_the_handler_as_is_even_a_json_string(aws, served_loop):
    """The gateway sends its event decoded (no JSON text round trip); a JSON string event
    (a mapping template can make one) stays a string, not JSON text to parse again."""
    from workshop_lib.lambda_runtime.service import DecodedEvent

    create(aws, "echo", "def handler(event, context):\n    return {'got': event}\n")
    for value in ("hello", {"a": [1, 2.5, None, True]}, [1, "two"], 3):
        outcome = _run_on(served_loop, aws, "echo", DecodedEvent(value))
        assert json.loads(outcome.payload) == {"got": value}
    assert json.loads(_run_on(served_loop, aws, "echo", '"text"').payload) == {"got": "text"}


def test_an_environment_killed_from_another_thread_leaves_the_loop_then_closes_its_pipe(
    aws, served_loop
):
    """The loop keeps watching a warm environment's pipe between calls; a kill from another
    thread (the reaper, a redeploy) hands the unwatching to the loop's thread, and the pipe
    is closed only once no loop watches it (a watched descriptor must never be closed)."""
    create(aws, "state", STATEFUL)
    first = _run_on(served_loop, aws, "state", "{}")
    (env,) = [e for p in aws.plugin("lambda").pool._pools.values() for e in p.idle]
    assert served_loop in env._watchers and env._from_child >= 0
    aws.plugin("lambda").retire()  # this thread: not the loop's
    deadline = time.monotonic() + 5
    while env._from_child >= 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert env._from_child == -1 and not env._watchers
    second = _run_on(served_loop, aws, "state", "{}")
    assert json.loads(second.payload)["calls"] == 1 and second.cold
    assert json.loads(first.payload)["env"] != json.loads(second.payload)["env"]


def test_a_worker_that_dies_while_idle_and_watched_means_a_cold_start(aws, served_loop):
    """Its pipe reaches end of file with nothing waiting: the loop lets go of it, and the
    next call finds the environment dead and starts a new one."""
    create(aws, "state", STATEFUL)
    stream = json.loads(_run_on(served_loop, aws, "state", "{}").payload)["env"]
    (env,) = [e for p in aws.plugin("lambda").pool._pools.values() for e in p.idle]
    os.kill(worker_pid(stream), 9)
    deadline = time.monotonic() + 5
    while env._watchers and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not env._watchers  # the end of file woke the loop, which stopped watching
    again = _run_on(served_loop, aws, "state", "{}")
    assert again.cold and again.error is None and json.loads(again.payload)["calls"] == 1


def test_a_function_changed_in_place_gets_new_environments(aws):
    """The runner keeps each function's spec while moto's function is unchanged; moto
    updates functions in place, so a change made there, even into its variables' own
    dictionary, must still reach the next invocation as a new environment."""
    create(
        aws,
        "changing",
        "import os\ndef handler(e, c):\n    return os.environ.get('COLOUR')\n",
        Environment={"Variables": {"COLOUR": "red"}},
    )
    assert invoke(aws, "changing")["body"] == "red"
    assert invoke(aws, "changing")["body"] == "red"  # warm: the same spec, kept
    lam = aws.plugin("lambda")
    fn = lam.models.function("changing")
    fn.environment_vars["COLOUR"] = "blue"  # in place, as no API does but code may
    assert invoke(aws, "changing")["body"] == "blue"
    aws.client("lambda").update_function_configuration(
        FunctionName="changing", Environment={"Variables": {"COLOUR": "green"}}, MemorySize=256
    )
    assert invoke(aws, "changing")["body"] == "green"
    assert lam.models.spec(lam.models.function("changing")).memory_mb == 256
