"""Execution environments are contained: no learner secret, a private /tmp of the function's
EphemeralStorage size, every process a handler starts dies with its environment, none
outlives a dead parent, and the network guard reaches the handler and its Python children.

Network probes never leave the machine: the handler installs an audit hook that records and
refuses every non-loopback connect, send and name lookup before the system call, so a probe
the sandbox's guard lets through is caught (and stopped) by the hook, never sent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from tests.lambda_helpers import create, invoke
from workshop_lib import netguard, sandbox
from workshop_lib.lambda_runtime import containment, environment
from workshop_lib.lambda_runtime.environment import ExecutionEnvironment, FunctionSpec

# auto is namespaces where the kernel allows them; "-python": containment.py's own launcher
# where launcher.c is built (the path of a machine without a C compiler)
MODES = ["auto", "userns", "fallback", "auto-python"]
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; elsewhere setsid escapes"
)


def pids_with(marker: str) -> list[int]:
    """Live processes anywhere on the machine whose environment holds ``marker``."""
    needle = marker.encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if needle in f.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


def count_within(marker: str, count: int, seconds: float = 5) -> int:
    """How many processes hold ``marker`` once ``count`` do (or the time is up): a forked
    child shows its new environment only after its exec."""
    deadline = time.monotonic() + seconds
    while len(found := pids_with(marker)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(found)


def gone_within(marker: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := pids_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # do not leave them behind, whatever the test says
        os.kill(pid, signal.SIGKILL)
    return left


@pytest.fixture(params=MODES)
def mode(request, monkeypatch):
    if request.param.endswith("-python"):
        monkeypatch.setattr(environment, "native_launcher", lambda: None)
    monkeypatch.setenv(containment.USER_VAR, request.param.removesuffix("-python"))
    monkeypatch.setattr(containment, "_NOTED", ["(warned)"])  # the warning has its own test
    return request.param.removesuffix("-python")


# -- the environment's own processes ----------------------------------------------------------
def direct_environment(tmp_path: Path, code: str, tmp_mb: int) -> ExecutionEnvironment:
    """One environment started without a sandbox (so /tmp can be smaller than AWS allows)."""
    task = tmp_path / "task"
    task.mkdir(parents=True)
    (task / "app.py").write_text(textwrap.dedent(code))
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    spec = FunctionSpec(
        name="f",
        arn="arn:aws:lambda:us-east-1:123456789012:function:f",
        version="$LATEST",
        handler="app.handler",
        runtime="python3.12",
        memory_mb=128,
        timeout_s=10,
        region="us-east-1",
        code_dir=str(task),
        tmp_mb=tmp_mb,
    )
    env = ExecutionEnvironment(
        spec,
        env_id="test",
        log_stream="stream",
        runtime_dir=runtime,
        endpoint_url=None,
        credentials={},
    )
    ready = env.init(time.time(), 20)
    assert ready["error"] is None, ready
    wanted = os.environ.get(containment.USER_VAR, "auto")
    if wanted != "fallback" and ready["containment"].startswith("fallback"):
        env.kill()
        pytest.skip(f"no namespaces here ({ready['containment']}): the fallback is tested")
    return env


def call(env: ExecutionEnvironment, event: dict | None = None) -> object:
    now = time.time()
    result = env.invoke(
        {
            "request_id": "r",
            "clock": now,
            "deadline_ms": int((now + 10) * 1000),
            "invoked_function_arn": env.spec.arn,
            "event": json.dumps(event or {}),
        },
        10,
    )
    assert result is not None and result["error"] is None, result
    return json.loads(result["payload"])


FILL_TMP = """
import errno, os, tempfile
def handler(event, context):
    folder = tempfile.gettempdir()
    path = os.path.join(folder, event["name"])
    try:
        with open(path, "wb") as f:
            for _ in range(event["mb"]):
                f.write(b"x" * 1024 * 1024)
                f.flush()
    except OSError as exc:
        return {"folder": folder, "path": path, "errno": errno.errorcode[exc.errno]}
    return {"folder": folder, "path": path, "errno": None}
"""


def test_tmp_is_private_sized_by_ephemeral_storage_and_gone_with_the_environment(tmp_path, mode):
    env = direct_environment(tmp_path, FILL_TMP, tmp_mb=2)
    try:
        name = f"probe-{uuid.uuid4().hex}"
        small = call(env, {"name": name + "-small", "mb": 1})
        assert small["errno"] is None
        assert not os.path.exists(f"/tmp/{name}-small")  # not the host's /tmp
        big = call(env, {"name": name, "mb": 3})
        if env.containment.startswith("fallback"):  # each file is capped, not the folder
            assert big["errno"] == "EFBIG" and big["folder"] == str(env._tmp_dir)
            assert os.path.exists(big["path"])
        else:  # as on AWS: the file system is full
            assert big["errno"] == "ENOSPC" and big["folder"] == "/tmp"
    finally:
        env.kill()
    assert not env._tmp_dir.exists()


@linux_only
def test_ephemeral_storage_sizes_tmp_and_a_change_means_new_environments():
    code = (
        "import os\ndef handler(e, c):\n    s = os.statvfs('/tmp')\n"
        "    return s.f_blocks * s.f_frsize // 2**20\n"
    )
    with sandbox() as aws:
        create(aws, "sized", code, EphemeralStorage={"Size": 1024})
        first = invoke(aws, "sized")
        (env,) = [e for p in aws.plugin("lambda").pool._pools.values() for e in p.idle]
        if env.containment.startswith("fallback"):
            pytest.skip(f"no namespaces here ({env.containment})")
        assert first["body"] == 1024
        aws.client("lambda").update_function_configuration(
            FunctionName="sized", EphemeralStorage={"Size": 2048}
        )
        second = invoke(aws, "sized")
        assert second["body"] == 2048 and "Init Duration" in second["log"]


SPAWN = """
import os, subprocess
def handler(event, context):
    env = {**os.environ, "CHILD_MARKER": event["marker"]}
    subprocess.Popen(["sleep", "300"], env=env, start_new_session=True)
    if os.fork() == 0:  # and a grandchild that leaves its own session too
        os.setsid()
        os.execvpe("sleep", ["sleep", "300"], env)
    return os.getpid()
"""


@linux_only
def test_a_setsid_child_dies_with_a_discarded_environment(tmp_path, mode):
    env = direct_environment(tmp_path, SPAWN, tmp_mb=512)
    marker = f"CHILD_MARKER={uuid.uuid4().hex}"
    call(env, {"marker": marker.partition("=")[2]})
    assert count_within(marker, 2) == 2
    env.kill()
    assert gone_within(marker, 2) == []


@linux_only
@pytest.mark.parametrize("end", ["timeout", "sandbox stop"])
def test_a_setsid_child_dies_with_a_timed_out_or_stopped_environment(end):
    marker = f"CHILD_MARKER={uuid.uuid4().hex}"
    code = SPAWN.replace("    return os.getpid()", "    import time; time.sleep(event['sleep'])")
    with sandbox() as aws:
        create(aws, "spawn", code, Timeout=1)
        sleep = 5 if end == "timeout" else 0
        response = invoke(aws, "spawn", {"marker": marker.partition("=")[2], "sleep": sleep})
        if end == "timeout":
            assert response["body"]["errorType"] == "Sandbox.Timedout"
            assert gone_within(marker, 2) == []
        else:
            assert count_within(marker, 2) == 2
    assert gone_within(marker, 2) == []


PROBE = """
import os
def handler(event, context):
    seen = {"own": os.environ.get("LEARNER_SECRET")}
    for pid in [p for p in os.listdir("/proc") if p.isdigit()] if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                seen[pid] = f.read().decode(errors="replace")
        except OSError:
            pass
    return {"seen": seen, "ppid": os.getppid(), "pids": sorted(seen), "names": sorted(os.environ)}
"""


def test_a_handler_cannot_read_the_learners_secrets(tmp_path, mode, monkeypatch):
    secret = f"learner-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("LEARNER_SECRET", secret)  # in os.environ, for Popen to pass on
    env = direct_environment(tmp_path, PROBE, tmp_mb=512)
    try:
        body = call(env)
    finally:
        env.kill()
    assert body["seen"]["own"] is None
    assert not [name for name in body["names"] if name.startswith("_WORKSHOP")]
    leaks = [pid for pid, text in body["seen"].items() if text and secret in text]
    assert leaks == [], f"the secret is readable in /proc/{leaks[0]}/environ"
    if env.containment.startswith("namespaces"):  # it sees only itself
        assert body["ppid"] == 1 and len(body["pids"]) <= 4  # own, init, the children


# -- the sandbox process killed with -9 mid-request ------------------------------------------
SERVER = """
import json, sys, threading
from workshop_lib import sandbox
from tests.lambda_helpers import create, invoke
aws = sandbox().start()
create(aws, "probe", sys.argv[1])
print(json.dumps(invoke(aws, "probe")["body"]), flush=True)
create(aws, "sleepy", "import time\\ndef handler(e, c):\\n    time.sleep(60)\\n",
       Timeout=120, Environment={"Variables": {"MARKER": sys.argv[2]}})
threading.Thread(target=invoke, args=(aws, "sleepy"), daemon=True).start()
print("invoking", flush=True)
threading.Event().wait()
"""


@linux_only
@pytest.mark.slow
def test_no_worker_outlives_a_server_killed_mid_request_nor_reads_its_environment(tmp_path):
    """The secret is in the server's own start-up environment (what /proc/<pid>/environ
    shows), as in a shell that exported the learner's AWS keys."""
    secret = f"learner-secret-{uuid.uuid4().hex}"
    marker = uuid.uuid4().hex
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, PROBE, marker],
        cwd=root,
        env={**os.environ, "LEARNER_SECRET": secret, "WORKSHOP_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        probe = json.loads(server.stdout.readline())
        assert server.stdout.readline() == "invoking\n"
        deadline = time.monotonic() + 10
        while not pids_with(f"MARKER={marker}") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # into the handler's sleep
        assert pids_with(f"MARKER={marker}")
    finally:
        server.kill()
        server.wait()
    assert gone_within(f"MARKER={marker}", 2) == []
    leaks = [pid for pid, text in probe["seen"].items() if text and secret in text]
    assert leaks == [] and probe["seen"]["own"] is None


# -- the network guard ------------------------------------------------------------------------
LEAK_HOOK = """
import ipaddress, socket, sys
LEAKS = []
def _loopback(host):
    host = str(host).strip("[]")
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")
def _numeric(host):
    try:
        ipaddress.ip_address(str(host).strip("[]"))
        return True
    except ValueError:
        return False
def _hook(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[-1]
        if isinstance(address, tuple) and not _loopback(address[0]):
            LEAKS.append(event)
            raise RuntimeError("LEAK: " + event)
    elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
        if not _loopback(args[0]) and not _numeric(args[0]):  # a name: a DNS query
            LEAKS.append(event)
            raise RuntimeError("LEAK: " + event)
sys.addaudithook(_hook)
"""

NETWORK = (
    LEAK_HOOK
    + """
import _socket, subprocess
CHILD = {child!r}
def attempt(fn):
    try:
        fn()
        return "sent"
    except Exception as exc:
        return type(exc).__name__ + ": " + str(exc)
def handler(event, context):
    target = ("192.0.2.1", 80)  # TEST-NET-1: never routed, and never reached here
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out = {{
        "connect": attempt(lambda: socket.socket().connect(target)),
        "connect_ex": attempt(lambda: socket.socket().connect_ex(target)),
        "sendto": attempt(lambda: s.sendto(b"x", target)),
        "sendmsg": attempt(lambda: s.sendmsg([b"x"], [], 0, target)),
        "_socket": attempt(lambda: _socket.socket().connect(target)),
        "dns": attempt(lambda: socket.getaddrinfo("example.com", 80)),
    }}
    child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True)
    out["python child"] = child.stdout.strip() or child.stderr.strip()[-300:]
    out["leaks"] = LEAKS
    return out
"""
)

CHILD = (
    LEAK_HOOK
    + """
try:
    socket.create_connection(("192.0.2.1", 80), timeout=1)
    print("sent")
except Exception as exc:
    print(type(exc).__name__ + ": " + str(exc))
print("leaks", LEAKS)
"""
)


@pytest.fixture(scope="module")
def network_probe():
    with sandbox() as aws:
        create(aws, "net", NETWORK.format(child=CHILD), Timeout=30)
        return invoke(aws, "net")["body"]


ONE_GUARD = "addaudithook" in Path(netguard.__file__).read_text()  # the safety helper's


@pytest.mark.parametrize(
    "probe",
    [
        "connect",
        "connect_ex",
        "sendto",
        "python child",
        pytest.param(
            "sendmsg",
            marks=pytest.mark.xfail(not ONE_GUARD, reason="netguard: sendmsg", strict=True),
        ),
        pytest.param(
            "_socket",
            marks=pytest.mark.xfail(not ONE_GUARD, reason="netguard: _socket", strict=True),
        ),
        pytest.param(
            "dns", marks=pytest.mark.xfail(not ONE_GUARD, reason="netguard: DNS", strict=True)
        ),
    ],
)
def test_the_worker_and_its_python_children_refuse_to_leave_the_machine(network_probe, probe):
    outcome = network_probe[probe]
    assert "LEAK" not in outcome and "sent" not in outcome.split("\n")[0], outcome
    assert "SandboxNetworkError" in outcome or "refused" in outcome, outcome
    if probe == "python child":
        assert "leaks []" in outcome, outcome


# -- the fallback says what it is -------------------------------------------------------------
def test_the_fallback_warns_once(tmp_path, monkeypatch):
    monkeypatch.setenv(containment.USER_VAR, "fallback")
    monkeypatch.setattr(containment, "_NOTED", [])
    with pytest.warns(RuntimeWarning, match="only partly contained.*forced"):
        first = direct_environment(tmp_path / "a", FILL_TMP, tmp_mb=1)
    first.kill()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        direct_environment(tmp_path / "b", FILL_TMP, tmp_mb=1).kill()


# -- invoke local (``workshop sls invoke local``) without a sandbox ------------------------
_WATCHING: list[list[str]] = []  # the leaks of the test running now, if it watches
_HOOKED: list[bool] = []


def _refuse_leaks(event: str, args: tuple) -> None:
    if not _WATCHING:
        return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        host = args[-1][0] if isinstance(args[-1], tuple) else None
    elif event == "socket.getaddrinfo" and not _is_address(args[0]):  # a name: DNS
        host = args[0]
    else:
        return
    if host is not None and not netguard.is_loopback_host(str(host)):
        _WATCHING[-1].append(f"{event} {host}")
        raise RuntimeError(f"LEAK: {event} {host}")


def _is_address(host: object) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(str(host).strip("[]"))
    except ValueError:
        return False
    return True


def test_invoke_local_without_a_sandbox_keeps_to_loopback():
    import socket

    from workshop_lib.lambda_runtime.local import invoke_local

    if not _HOOKED:  # an audit hook cannot be removed: one, idle unless a test watches
        sys.addaudithook(_refuse_leaks)
        _HOOKED.append(True)

    def handler(event, context):
        socket.create_connection(("192.0.2.1", 443), timeout=1)

    assert sandbox.active() is None
    was_armed = netguard.active()  # armed for good if a sandbox ran in this process before
    leaks: list[str] = []
    _WATCHING.append(leaks)
    try:
        result = invoke_local(handler, {}, show_logs=False)
    finally:
        _WATCHING.pop()
    assert leaks == []
    assert result.error["errorType"] == "SandboxNetworkError", result.error
    assert netguard.active() == was_armed  # on for the call, then as the process was
