"""`make bench`: measured figures, each with a baseline from the same run.

Prints one table and writes ``benchmarks/results/latest.json``. No pass/fail here: targets
are read off the table. ``make bench BENCH=served,lambda`` runs some parts only.

- start-up: ``import workshop_lib`` and ``with sandbox():`` to the first boto3 call
  (baseline: ``import boto3``; moto's own ``mock_aws()`` to first call);
- Lambda: boto3 ``invoke`` of a trivial handler, warm and cold, median and p99
  (baseline: moto 5.2's own invoke without Docker, which only echoes the payload);
- served: the same trivial handler through ``workshop sls offline``, a stdlib
  ``ThreadingHTTPServer`` calling it directly (the ceiling), chalice local and
  serverless-offline (``targets.py``; peers installed on first use), all started first and
  then loaded in turn, three rounds of ``wrk -t2 -c8`` (medians): req/s, p50/p99 and the
  server's CPU per request (its children included) for GET and POST,
  start-to-first-response, RSS of the server and its children after load (on Linux also
  the server's own RSS and the PSS of it and its children);
  ratios of the workshop to each, from this run (absolute numbers swing with the
  machine's load, ratios much less); ``BENCH_TARGETS=a,b`` runs the targets named only;
- dynamodb_query: a 20-item Query page and Scan page (``Limit=20`` from an
  ``ExclusiveStartKey``) at 100 and 50,000 items, median ms, in a sandbox and with moto
  alone (``plugins=[]``, which sorts the whole table on every call): the page should cost
  about the same at both sizes;
- course: executing every notebook of both folders one at a time (in a copy), and
  ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
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
        with sandbox(plugins=layers) as aws:
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


def _tree_total(pid: int, read: Callable[[int], int]) -> int:
    """``read`` of a process and of each of its descendants alive now, summed; a process
    that ends during the walk counts nothing (nor do its children)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += read(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError, IndexError, ValueError):
            continue
    return total


def _rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))


def _pss_kb(pid: int) -> int:
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1))


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def own_rss_mb(pid: int) -> float:
    """Resident memory of the process alone (a server's Lambda workers come and go)."""
    return _rss_kb(pid) / 1024


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    return _tree_total(pid, _rss_kb) / 1024


def memory_by_process(pid: int) -> dict[str, float]:
    """The server's own RSS, and the proportional set size (PSS: a page shared by n
    processes counts 1/n in each) of it and all its descendants, in MB. Summed RSS counts
    every shared page (the interpreter's code, copy-on-write heap) once per process."""
    return {"server RSS": own_rss_mb(pid), "PSS with children": _tree_total(pid, _pss_kb) / 1024}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) so far of a process and all its descendants alive now."""
    return _tree_total(pid, _cpu_ticks) / os.sysconf("SC_CLK_TCK")


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
        "requests": float(re.search(r"(\d+) requests in", out).group(1)),
    }


def _first_response(url: str, proc: subprocess.Popen, timeout_s: float = 180) -> None:
    """Wait until ``url`` answers 200 (or the server exits, or the time is up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with status {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"no answer from {url} in {timeout_s:.0f} s")


def stop_group(proc: subprocess.Popen, term_s: float = 15) -> None:
    """Stop a server and every process it started (chalice's reloader, node's children):
    SIGTERM, and SIGKILL if it has not ended within ``term_s`` seconds."""
    for sig, wait_s in ((signal.SIGTERM, term_s), (signal.SIGKILL, 15)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        try:  # the leader is gone; give the rest of the group the same signal
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return


STARTS = 3  # start-ups timed per target (median); the last one then takes the load
ROUNDS = 3  # load rounds; every target takes its turn in each round (medians reported)


def served_api(seconds: int = 3, rounds: int = ROUNDS) -> dict[str, float]:
    """Every target of targets.py under the same wrk load, interleaved: all of them are
    started first (and their start-ups timed), then each round loads each target in turn,
    starting from a different one each round, and every figure is the median of the rounds.
    The machine's load drifts over the minutes a run takes; one target measured after
    another took that drift into their ratios (20-25 % between two runs), taking turns
    spreads it over all of them."""
    from targets import all_targets

    wrk = ensure_wrk()
    if wrk is None:
        return {}
    try:
        chosen = choose(all_targets(), os.environ.get("BENCH_TARGETS", ""))
    except ValueError as exc:
        print(f"served: {exc}")
        return {}
    figures: dict[str, float] = {}
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(POST_LUA)
    running: list[tuple[str, Any, subprocess.Popen]] = []  # (figure name, target, process)
    try:
        for target in chosen:
            if target.skipped:
                print(f"served {target.name}: skipped ({target.skipped})")
                continue
            proc = _start_timed(wrk, target, figures, logs)
            if proc is not None:
                running.append((f"served {target.name}", target, proc))
        samples: dict[str, list[float]] = {}
        for turn in range(rounds):
            first = turn % max(1, len(running))
            for name, target, proc in running[first:] + running[:first]:
                try:
                    _load(wrk, target, proc, name, seconds, lua.name, samples)
                except (RuntimeError, subprocess.CalledProcessError, AttributeError) as exc:
                    print(f"{name}: failed ({exc}); its output is in {_log_of(logs, target)}")
        for key, values in samples.items():
            figures[key] = statistics.median(values)
        for name, _, proc in running:
            figures[f"{name}: RSS after load (MB)"] = rss_mb(proc.pid)
            if sys.platform.startswith("linux"):
                for kind, mb in memory_by_process(proc.pid).items():
                    figures[f"{name}: {kind} after load (MB)"] = mb
    finally:
        for _, _, proc in running:
            stop_group(proc)
        os.unlink(lua.name)
    return figures


def choose(found: list[Any], names: str) -> list[Any]:
    """The targets ``BENCH_TARGETS`` names (comma-separated, in the order given; all of them
    when it is empty). A peer's rate depends on which other servers are running
    (``benchmarks/NOTES.md``), so a pair can be measured on its own. ValueError for a name
    that is no target's, with every target's name."""
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    by_name = {target.name: target for target in found}
    missing = [repr(name) for name in wanted if name not in by_name]
    if missing:
        raise ValueError(
            f"BENCH_TARGETS names {', '.join(missing)}; the targets are {', '.join(by_name)}"
        )
    return [by_name[name] for name in wanted] if wanted else found


def _log_of(logs: Path, target: Any) -> Path:
    return logs / f"{target.name.replace(' ', '-')}.log"


def _start_timed(
    wrk: str, target: Any, figures: dict[str, float], logs: Path
) -> subprocess.Popen | None:
    """Start a target ``STARTS`` times (the median start-up into ``figures``), leave the last
    one running and warmed up; None if it would not start."""
    out = _log_of(logs, target).open("w")
    proc = None
    try:
        starts: list[float] = []
        for _ in range(STARTS):  # the median of a few starts: one swings with load
            if proc is not None:
                stop_group(proc)
            started = time.perf_counter()
            proc = subprocess.Popen(  # its own process group: peers start children
                target.argv,
                cwd=target.cwd,
                env=target.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            _first_response(f"{target.base}/items/1", proc)
            starts.append(time.perf_counter() - started)
        figures[f"served {target.name}: start to first response (s)"] = statistics.median(starts)
        run_wrk(wrk, f"{target.base}/items/42", 1)  # warm up
        return proc
    except (RuntimeError, subprocess.CalledProcessError, AttributeError) as exc:
        print(f"served {target.name}: failed ({exc}); its output is in {_log_of(logs, target)}")
        if proc is not None:
            stop_group(proc)
        return None
    finally:
        out.close()  # the process keeps its own descriptor


def _load(
    wrk: str,
    target: Any,
    proc: subprocess.Popen,
    name: str,
    seconds: int,
    post_script: str,
    samples: dict[str, list[float]],
) -> None:
    """One round of GET and POST load on one target, each figure appended to ``samples``."""
    for method, script in (("GET", None), ("POST", post_script)):
        url = f"{target.base}/items/42" if method == "GET" else f"{target.base}/items"
        cpu_before = cpu_seconds(proc.pid)
        measured = run_wrk(wrk, url, seconds, script)
        # CPU per request swings far less with the machine's load than req/s
        cpu_us = (cpu_seconds(proc.pid) - cpu_before) / measured.pop("requests") * 1e6
        for key, value in measured.items():
            samples.setdefault(f"{name}: {method} {key}", []).append(value)
        samples.setdefault(f"{name}: {method} server CPU per request (us)", []).append(cpu_us)


def served_ratios(figures: dict[str, float]) -> dict[str, float]:
    """The workshop's served API against the ceiling and each peer measured in this run."""
    ratios = {}
    others = {
        name.split(":")[0][len("served ") :] for name in figures if name.startswith("served ")
    }
    peers = ("ceiling", "chalice local", "serverless-offline")
    variants = sorted(
        o for o in others if o.startswith("workshop ") and o not in ("workshop", "workshop httpApi")
    )
    for other in (*peers, *variants):
        for method in ("GET", "POST"):
            mine = figures.get(f"served workshop: {method} req/s")
            theirs = figures.get(f"served {other}: {method} req/s")
            if mine and theirs:
                ratios[f"served workshop / {other}: {method} req/s"] = mine / theirs
        for method in ("GET", "POST"):
            mine = figures.get(f"served workshop: {method} server CPU per request (us)")
            theirs = figures.get(f"served {other}: {method} server CPU per request (us)")
            if mine and theirs:
                ratios[f"served workshop / {other}: {method} server CPU per request"] = (
                    mine / theirs
                )
        mine = figures.get("served workshop: start to first response (s)")
        theirs = figures.get(f"served {other}: start to first response (s)")
        if mine and theirs and other != "ceiling":
            ratios[f"served workshop / {other}: start to first response"] = mine / theirs
    # the HTTP API path against its peer and against the REST path, same run
    for mine_name, their_name in (
        ("workshop httpApi", "serverless-offline httpApi"),
        ("workshop httpApi", "workshop"),
    ):
        for method in ("GET", "POST"):
            mine = figures.get(f"served {mine_name}: {method} req/s")
            theirs = figures.get(f"served {their_name}: {method} req/s")
            if mine and theirs:
                ratios[f"served {mine_name} / {their_name}: {method} req/s"] = mine / theirs
        for method in ("GET", "POST"):  # steadier than req/s on a loaded machine
            mine = figures.get(f"served {mine_name}: {method} server CPU per request (us)")
            theirs = figures.get(f"served {their_name}: {method} server CPU per request (us)")
            if mine and theirs:
                key = f"served {mine_name} / {their_name}: {method} server CPU per request"
                ratios[key] = mine / theirs
    return ratios


def _page_ms(layers: list | None, size: int, calls: int = 30) -> dict[str, float]:
    """Median ms of a 20-item Query page and Scan page on a table of ``size`` items."""
    from workshop_lib import sandbox

    with sandbox(plugins=layers) as aws:
        ddb = aws.client("dynamodb")
        ddb.create_table(
            TableName="pages",
            KeySchema=[
                {"AttributeName": "id", "KeyType": "HASH"},
                {"AttributeName": "release", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "release", "AttributeType": "N"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends[aws.account_id][aws.region].get_table("pages")
        apps = max(1, size // 100)  # 100 releases per app, as the demo's table grows
        for n in range(size):  # moto's own put: a fast fill of the same storage
            table.put_item({"id": {"S": f"app-{n % apps}"}, "release": {"N": str(n)}})
        import gc

        gc.collect()  # as a served sandbox settles its heap: no full collection mid-timing
        gc.freeze()
        middle = {"id": {"S": "app-0"}, "release": {"N": str(apps * 40)}}
        query = dict(
            TableName="pages",
            Limit=20,
            KeyConditionExpression="id = :id",
            ExpressionAttributeValues={":id": {"S": "app-0"}},
            ExclusiveStartKey=middle,
        )
        scan = dict(TableName="pages", Limit=20, ExclusiveStartKey=middle)
        figures = {}
        for name, call, request in (("Query", ddb.query, query), ("Scan", ddb.scan, scan)):
            times = []
            for _ in range(calls):
                started = time.perf_counter()
                assert len(call(**request)["Items"]) == 20
                times.append((time.perf_counter() - started) * 1000)
            figures[name] = statistics.median(times)
        gc.unfreeze()
    return figures


def dynamodb_query() -> dict[str, float]:
    figures: dict[str, float] = {}
    for label, layers in (("sandbox", None), ("moto alone, baseline", [])):
        for size in (100, 50_000):
            for name, ms in _page_ms(layers, size).items():
                figures[f"dynamodb {name} 20 of {size:,} items (ms, {label})"] = ms
    return figures


def course() -> dict[str, float]:
    """Wall time of executing every notebook, both folders, one at a time (in a copy), and
    of ``make test``."""
    from workshop_lib import authoring

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for folder in ("solutions", "notebooks"):
            copy = Path(tmp) / folder
            shutil.copytree(
                ROOT / folder, copy, ignore=shutil.ignore_patterns(".serverless", "__pycache__")
            )
            for path in sorted(copy.glob("*.ipynb")):
                started = time.perf_counter()
                authoring.execute(path)
                figures[f"notebook {folder}/{path.stem} (s)"] = time.perf_counter() - started
        figures["notebooks, both folders, one at a time (s)"] = sum(figures.values())
    started = time.perf_counter()
    done = subprocess.run(["make", "test"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode == 0:
        figures["make test (s)"] = time.perf_counter() - started
    else:
        print(f"make test failed (exit {done.returncode}); not timed:\n{done.stdout[-2000:]}")
    return figures


PARTS = {
    "startup": startup,
    "lambda": lambda_figures,
    "served": served_api,
    "dynamodb_query": dynamodb_query,
    "course": course,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run (default: all of {', '.join(PARTS)})",
    )
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    figures: dict[str, float] = {}
    RESULTS.mkdir(exist_ok=True)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for part in parts:
        measured = PARTS[part]()
        figures.update(measured)
        record = {"measured at": when, "figures": measured}
        (RESULTS / f"{part}.json").write_text(json.dumps(record, indent=2))
    ratios = ratios_of(figures)
    width = max(map(len, [*figures, *ratios]))
    print(f"{'measure':<{width}}  value")
    for name, value in {**figures, **ratios}.items():
        print(f"{name:<{width}}  {value:10.3f}")
    # latest.json: the latest run of every part (each part's ratios are within its own run)
    runs = {
        p: json.loads((RESULTS / f"{p}.json").read_text())
        for p in PARTS
        if (RESULTS / f"{p}.json").exists()
    }
    merged = {name: v for run in runs.values() for name, v in run["figures"].items()}
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "measured at": {part: run["measured at"] for part, run in runs.items()},
        "figures": merged,
        "ratios": ratios_of(merged),
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    print(f"written to {RESULTS / 'latest.json'} (with the latest run of every part)")


def ratios_of(figures: dict[str, float]) -> dict[str, float]:
    """Every ratio the figures allow: served API against ceiling and peers, and baselines."""
    ratios = served_ratios(figures)
    pairs = {
        "warm invoke median / moto echo": (
            "warm invoke median (ms, workshop)",
            "warm invoke median (ms, moto echo, baseline)",
        ),
        "import workshop_lib / import boto3": (
            "import workshop_lib (s)",
            "import boto3 (s, baseline)",
        ),
        "sandbox() / mock_aws() to first call": (
            "sandbox() to first call (s)",
            "mock_aws() to first call (s, baseline)",
        ),
    }
    for label in ("sandbox", "moto alone, baseline"):
        for name in ("Query", "Scan"):
            pairs[f"dynamodb {name} page 50,000 / 100 items ({label})"] = (
                f"dynamodb {name} 20 of 50,000 items (ms, {label})",
                f"dynamodb {name} 20 of 100 items (ms, {label})",
            )
    for name, (mine, baseline) in pairs.items():
        if mine in figures and baseline in figures:
            ratios[name] = figures[mine] / figures[baseline]
    return ratios


if __name__ == "__main__":
    main()
