"""launcher.c: an environment's launcher and PID-namespace init as two small native processes.

The containment guarantees themselves are tested with it and without it
(tests/test_lambda_containment.py); here, that it is the one running where it is built, what
it leaves running, and that it hands over to containment.py's fallback when namespaces
cannot be made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workshop_lib.lambda_runtime import native

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or native.launcher() is None,
    reason="launcher.c is built on Linux with a C compiler only",
)

ONE_ENVIRONMENT = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from workshop_lib.lambda_runtime.environment import ExecutionEnvironment, FunctionSpec
    root = Path(sys.argv[1])
    (root / "task").mkdir()
    (root / "task" / "app.py").write_text("def handler(event, context):\\n    return 1\\n")
    (root / "runtime").mkdir()
    spec = FunctionSpec(
        name="f", arn="arn:aws:lambda:us-east-1:123456789012:function:f", version="$LATEST",
        handler="app.handler", runtime="python3.12", memory_mb=128, timeout_s=10,
        region="us-east-1", code_dir=str(root / "task"), tmp_mb=64,
    )
    env = ExecutionEnvironment(
        spec, env_id="t", log_stream="s", runtime_dir=root / "runtime", endpoint_url=None,
        credentials={},
    )
    ready = env.init(time.time(), 20)
    started = env.process.args[0]
    print(json.dumps({"error": ready["error"], "containment": ready["containment"],
                      "started": started}))
    env.kill()
    """
)


def tree(pid: int) -> list[str]:
    """The executables of ``pid`` and its descendants, depth first."""
    found = [os.readlink(f"/proc/{pid}/exe")]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += tree(int(child))
    return found


def test_an_environment_runs_under_the_native_launcher_with_one_python(tmp_path):
    from tests.test_lambda_containment import call, direct_environment

    env = direct_environment(tmp_path, "def handler(event, context):\n    return 7\n", 64)
    try:
        assert env.containment.startswith("namespaces")
        assert call(env) == 7
        exes = tree(env.process.pid)
        launcher = os.path.realpath(native.launcher())
        # the launcher, the namespace's init (a fork of it) and the Python worker
        assert exes == [launcher, launcher, os.path.realpath(sys.executable)]
    finally:
        env.kill()


@pytest.mark.slow  # a fresh interpreter importing the sandbox, under setpriv: seconds
@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="drops capabilities with setpriv"
)
def test_without_namespaces_it_hands_over_to_the_python_fallback(tmp_path):
    """Root without capabilities cannot unshare: the fallback says why, as containment.py
    would, and the environment still answers."""
    ran = subprocess.run(
        ["setpriv", "--bounding-set=-all", "--inh-caps=-all", sys.executable, "-c",
         ONE_ENVIRONMENT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["error"] is None
    assert answer["containment"].startswith(
        "fallback (namespaces unavailable: unshare: Operation not permitted)"
    )
    assert answer["started"] == native.launcher()  # the native launcher was the one started
