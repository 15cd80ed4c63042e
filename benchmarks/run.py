"""`make bench`: measured figures, each with a baseline from the same run.

Prints one table and writes ``benchmarks/results/latest.json``. No pass/fail here: targets
are read off the table (issue 9 adds the served-API peers and the course timings).

- start-up: ``import workshop_lib`` and ``with sandbox():`` to the first boto3 call
  (baseline: ``import boto3``; moto's own ``mock_aws()`` to first call);
- Lambda: boto3 ``invoke`` of a trivial handler, warm and cold, median and p99
  (baseline: moto 5.2's own invoke without Docker, which only echoes the payload);
- served API: the same trivial handler behind ``aws.serve_api`` against a stdlib
  ``ThreadingHTTPServer`` calling it directly (the ceiling), loaded with ``wrk -t2 -c8``:
  req/s, p50/p99 for GET and POST, start-to-first-response, RSS after load. The served
  stack is one asyncio loop that awaits each Lambda worker hop; the peer figure the issue
  names is serverless-offline on the same handler (9.1–9.7k GET req/s, p50 0.8 ms, measured
  on another machine): compare through the same-run ceiling, as numbers swing with load.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
TRIVIAL = "def handler(event, context):\n    return {'id': event.get('id')}\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def child_seconds(code: str, repeat: int = 5) -> float:
    """Median wall time of ``code`` in a fresh interpreter (it prints its own seconds)."""
    times = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def startup() -> dict[str, float]:
    timer = "import time; t = time.perf_counter(); {body}; print(time.perf_counter() - t)"
    first_call = (
        "import boto3\n{open}\n"
        "    boto3.client('dynamodb', region_name='us-east-1').list_tables()\n"
    )
    return {
        "import workshop_lib (s)": child_seconds(timer.format(body="import workshop_lib")),
        "import boto3 (s, baseline)": child_seconds(timer.format(body="import boto3")),
        "sandbox() to first call (s)": child_seconds(
            "import time; t = time.perf_counter()\nfrom workshop_lib import sandbox\n"
            + first_call.format(open="with sandbox():")
            + "print(time.perf_counter() - t)"
        ),
        "mock_aws() to first call (s, baseline)": child_seconds(
            "import time; t = time.perf_counter()\nfrom moto import mock_aws\n"
            + first_call.format(open="with mock_aws():")
            + "print(time.perf_counter() - t)"
        ),
    }


def invoke_times(aws, name: str, count: int) -> list[float]:
    client = aws.client("lambda")
    times = []
    for n in range(count):
        started = time.perf_counter()
        client.invoke(FunctionName=name, Payload=json.dumps({"id": n}))
        times.append((time.perf_counter() - started) * 1000)
    return times


def lambda_figures(warm_calls: int = 500, cold_calls: int = 10) -> dict[str, float]:
    from workshop_lib import sandbox
    from workshop_lib.lambda_runtime import execution_role, package

    figures: dict[str, float] = {}
    for label, layers in (("workshop", None), ("moto echo, baseline", [])):
        with sandbox(layers=layers) as aws:
            role = execution_role(aws.client("iam"))
            lam = aws.client("lambda")
            cold = []
            for n in range(cold_calls):
                lam.create_function(
                    FunctionName=f"f{n}",
                    Runtime="python3.12",
                    Role=role,
                    Handler="app.handler",
                    Code={"ZipFile": package({"app.py": TRIVIAL})},
                )
                cold += invoke_times(aws, f"f{n}", 1)
            invoke_times(aws, "f0", 20)  # settle
            warm = invoke_times(aws, "f0", warm_calls)
        figures[f"cold invoke median (ms, {label})"] = statistics.median(cold)
        figures[f"cold invoke p99 (ms, {label})"] = percentile(cold, 0.99)
        figures[f"warm invoke median (ms, {label})"] = statistics.median(warm)
        figures[f"warm invoke p99 (ms, {label})"] = percentile(warm, 0.99)
    return figures


POST_LUA = """wrk.method = "POST"
wrk.body = '{"id": "42", "name": "demo"}'
wrk.headers["Content-Type"] = "application/json"
"""


def ensure_wrk() -> str | None:
    """wrk's path; installs Debian's package when possible, else None (with a reason)."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            "apt-get update -qq && apt-get install -y -qq wrk", shell=True, capture_output=True
        )
    if not shutil.which("wrk"):
        print("served API: skipped (wrk is not installed and could not be installed)")
    return shutil.which("wrk")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total / 1024


def run_wrk(wrk: str, url: str, seconds: int, script: str | None = None) -> dict[str, float]:
    cmd = [wrk, "-t2", "-c8", f"-d{seconds}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

    def latency(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "req/s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50 ms": latency("50%"),
        "p99 ms": latency("99%"),
    }


def served_api(seconds: int = 5) -> dict[str, float]:
    wrk = ensure_wrk()
    if wrk is None:
        return {}
    figures: dict[str, float] = {}
    here = Path(__file__).resolve().parent
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(POST_LUA)
    for mode in ("ceiling", "workshop"):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(here / "served.py"), mode], stdout=subprocess.PIPE, text=True
        )
        try:
            url = proc.stdout.readline().split()[1]
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/items/1", timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.01)
            figures[f"served {mode}: start to first response (s)"] = time.perf_counter() - started
            run_wrk(wrk, f"{url}/items/42", 1)  # warm up
            for method, script in (("GET", None), ("POST", lua.name)):
                target = f"{url}/items/42" if method == "GET" else f"{url}/items"
                for name, value in run_wrk(wrk, target, seconds, script).items():
                    figures[f"served {mode}: {method} {name}"] = value
            figures[f"served {mode}: RSS after load (MB)"] = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    os.unlink(lua.name)
    return figures


def main() -> None:
    figures = {**startup(), **lambda_figures(), **served_api()}
    ratios = {
        "warm invoke median / moto echo": figures["warm invoke median (ms, workshop)"]
        / figures["warm invoke median (ms, moto echo, baseline)"],
        "import workshop_lib / import boto3": figures["import workshop_lib (s)"]
        / figures["import boto3 (s, baseline)"],
        "sandbox() / mock_aws() to first call": figures["sandbox() to first call (s)"]
        / figures["mock_aws() to first call (s, baseline)"],
    }
    for method in ("GET", "POST"):
        key = f"served {{}}: {method} req/s"
        if key.format("workshop") in figures:
            ratios[f"served API {method} req/s / stdlib ceiling"] = (
                figures[key.format("workshop")] / figures[key.format("ceiling")]
            )
    width = max(map(len, [*figures, *ratios]))
    print(f"{'measure':<{width}}  value")
    for name, value in {**figures, **ratios}.items():
        print(f"{name:<{width}}  {value:10.3f}")
    RESULTS.mkdir(exist_ok=True)
    report = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "figures": figures,
        "ratios": ratios,
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    print(f"written to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
