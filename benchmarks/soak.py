"""`make soak`: the demo service under steady mixed load for minutes, on 127.0.0.1 only.

It copies the demo service (``solutions/service``: the learners' copy in ``notebooks/`` has
exercises left to do) to a temporary folder, serves it with ``workshop sls offline``
(as ``make bench`` serves its handler: ``targets.free_port``, ``run.stop_group``,
``run.rss_mb``) and drives it with a few keep-alive clients: creating releases, reading
them, querying an app's releases and paging through the listing (``GET /apps?limit=20``).
It prints, as it goes and at the end:

- the server's RSS every 10,000 requests, and its growth per 10,000 requests after the
  warm-up (a least-squares slope, so one garbage-collection step does not decide it);
- throughput against the table's size (requests per second in each window);
- errors (any answer the request should not have had, or no answer);
- lost writes: at the end every stored release is read back, item by item, and every
  deleted one must answer 404.

The table grows to ``--table`` items (3,000); from then on each client's creates and
deletes of its oldest release alternate, so the load stays mixed and the table's size
steady, and the RSS growth is also given for that part alone (what the server keeps per
request, with no new data to hold).

Bounded: it stops at ``--minutes`` (default 10) or ``--max-requests``, whichever comes
first; every request has a timeout; the read-back reads only what it created. It sends only
to 127.0.0.1 (the URL ``sls offline`` prints is checked before the first request).

The copy's usage plan is widened (quota and throttle): the demo's own plan (10 req/s, 1,000
a day) is for a room of learners, and a soak measures the server, not the plan.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import own_rss_mb, rss_mb, stop_group  # noqa: E402
from targets import free_port  # noqa: E402

ROOT = HERE.parent
SERVICE = ROOT / "solutions" / "service"
RESULTS = HERE / "results"
SECRET = "soak-secret-of-at-least-thirty-two-bytes!"
WARM_UP_REQUESTS = 2_000  # module imports, first environments, caches: not growth
REPORT_EVERY = 10_000
TIMEOUT_S = 30.0
# the mix, in percent: create, read one release, an app's releases (Query), a page (Scan)
MIX = (("create", 25), ("get", 40), ("app", 20), ("list", 15))


@dataclass
class Tally:
    """What every client adds to, under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    created: dict[tuple[str, int], str] = field(default_factory=dict)  # key -> version
    deleted: set[tuple[str, int]] = field(default_factory=set)
    latencies: dict[str, list[float]] = field(default_factory=dict)


def widened(yml: str) -> str:
    """serverless.yml with the usage plan's quota and throttle out of the soak's way."""
    yml = re.sub(r"(quota:\s*\n\s*limit:\s*)\d+", r"\g<1>100000000", yml)
    yml = re.sub(r"burstLimit:\s*\d+", "burstLimit: 100000", yml)
    return re.sub(r"rateLimit:\s*\d+", "rateLimit: 100000", yml)


def token() -> str:
    import jwt

    now = int(time.time())
    claims = {"sub": "soak", "scope": "apps:write", "iat": now, "exp": now + 24 * 3600}
    return jwt.encode(claims, SECRET, algorithm="HS256")


class Client:
    """One keep-alive connection to the served stage."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.hostname != "127.0.0.1":  # loopback only, whatever the server printed
            raise RuntimeError(f"refusing to load {url}: the soak sends to 127.0.0.1 only")
        self.port, self.prefix, self.headers = parts.port, parts.path, headers
        self.conn: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers, **({"Content-Type": "application/json"} if data else {}))
        for attempt in (1, 2):  # one retry on a connection the server closed while idle
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)
            try:
                self.conn.request(method, self.prefix + path, data, headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def drive(
    number: int,
    client: Client,
    tally: Tally,
    stop: threading.Event,
    max_requests: int,
    keep: int,
) -> None:
    """One client's loop: weighted random requests until ``stop`` or the request budget.

    Once this client has ``keep`` releases stored, each create becomes a delete of its
    oldest release and the next one a create again: the table stays about that size."""
    rng = random.Random(number)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    release = 0
    mine: list[tuple[str, int]] = []
    cursor = ""
    while not stop.is_set():
        with tally.lock:
            if tally.requests >= max_requests:
                stop.set()
                break
            tally.requests += 1
        kind = rng.choice(kinds) if mine else "create"
        if kind == "create" and len(mine) >= keep:
            kind = "delete"
        expected = 200
        try:
            started = time.perf_counter()
            if kind == "create":
                release += 1
                app_id = f"soak-{number}-{release % 50}"
                key = (app_id, release)
                body = {"id": app_id, "release": release, "version": f"1.{release}.0"}
                status, data = client.send("POST", "/apps", body)
                expected = 201
            elif kind == "delete":
                key = mine.pop(0)
                status, data = client.send("DELETE", f"/apps/{key[0]}/releases/{key[1]}")
                expected = 204
            elif kind == "get":
                app_id, rel = rng.choice(mine)
                status, data = client.send("GET", f"/apps/{app_id}/releases/{rel}")
            elif kind == "app":
                app_id, _ = rng.choice(mine)
                status, data = client.send("GET", f"/apps/{app_id}")
            else:
                status, data = client.send("GET", f"/apps?limit=20{cursor}")
                if status == 200:  # walk the listing page by page, then start over
                    after = json.loads(data).get("nextCursor")
                    cursor = f"&cursor={after}" if after else ""
            elapsed = time.perf_counter() - started
        except (OSError, http.client.HTTPException) as exc:
            client.close()
            with tally.lock:
                tally.errors.append(f"{kind}: no answer ({exc})")
            continue
        with tally.lock:
            tally.latencies.setdefault(kind, []).append(elapsed)
            if status != expected:
                tally.errors.append(f"{kind}: {status} {data[:200]!r}")
            elif kind == "create":
                tally.created[key] = body["version"]
                mine.append(key)
            elif kind == "delete":
                tally.deleted.add(key)
                del tally.created[key]


def _copy_to_log(stream: Any, log: Path) -> None:
    """The server's output after start, into ``log`` (a failure's traceback lands there)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        for line in stream:
            out.write(line)
            out.flush()


def start_offline(
    folder: Path, env: dict[str, str], log: Path
) -> tuple[subprocess.Popen, str, str]:
    """``workshop sls offline`` on a free port; returns the process, its URL and API key."""
    port = free_port()
    argv = [sys.executable, "-m", "workshop_lib.cli", "sls", "offline", "--port", str(port)]
    proc = subprocess.Popen(
        argv,
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # stop_group ends the server and its Lambda workers
    )
    deadline = time.monotonic() + 120
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"listening on (\S+) \(API key workshop-key: (\S+)\)", line)
        if found:
            # keep reading its output so the pipe never fills (and the server never blocks)
            threading.Thread(target=_copy_to_log, args=(proc.stdout, log), daemon=True).start()
            return proc, found.group(1), found.group(2)
    stop_group(proc)
    raise RuntimeError("sls offline did not start:\n" + "".join(seen[-20:]))


def slope_per_10k(points: list[tuple[int, float]]) -> float | None:
    """Least-squares MB per 10,000 requests through ``(requests, MB)`` points."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return None
    cov = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return cov / var * REPORT_EVERY


def prepare(tmp: Path) -> tuple[Path, dict[str, str]]:
    """The demo service copied into ``tmp`` with its throughput widened for load, and the
    environment variables its server needs (a home of its own, the JWT secret)."""
    folder = tmp / "service"
    shutil.copytree(
        SERVICE, folder, ignore=shutil.ignore_patterns(".serverless", "__pycache__", ".*cache")
    )
    yml = folder / "serverless.yml"
    yml.write_text(widened(yml.read_text()))
    return folder, {"WORKSHOP_HOME": str(tmp / "home"), "JWT_SECRET": SECRET}


def soak(
    minutes: float, clients: int, max_requests: int, window_s: float, log: Path, table: int
) -> dict:
    tally = Tally()
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        folder, env = prepare(Path(tmp))
        env = {**os.environ, **env}
        started = time.monotonic()
        proc, url, key = start_offline(folder, env, log)
        print(f"soak: {url} up in {time.monotonic() - started:.1f} s; {clients} clients, "
              f"{minutes:g} min or {max_requests:,} requests", flush=True)  # fmt: skip
        headers = {"x-api-key": key, "Authorization": f"Bearer {token()}"}
        pool = [Client(url, headers) for _ in range(clients)]
        threads = [
            threading.Thread(
                target=drive,
                args=(n, pool[n], tally, stop, max_requests, max(1, table // clients)),
            )
            for n in range(clients)
        ]
        rss_points: list[tuple[int, float]] = []
        steady_points: list[tuple[int, float]] = []  # once the table has its full size
        windows: list[dict] = []
        try:
            begun = time.monotonic()
            deadline = begun + minutes * 60
            for thread in threads:
                thread.start()
            last_t, last_n, next_report = begun, 0, REPORT_EVERY
            while not stop.wait(min(window_s, max(0.0, deadline - time.monotonic()))):
                now = time.monotonic()
                with tally.lock:
                    done, items, errors = tally.requests, len(tally.created), len(tally.errors)
                server_mb, total_mb = own_rss_mb(proc.pid), rss_mb(proc.pid)
                if done >= WARM_UP_REQUESTS:
                    rss_points.append((done, server_mb))
                if items >= table * 0.98:
                    steady_points.append((done, server_mb))
                rate = (done - last_n) / (now - last_t)
                windows.append(
                    {"t": now - begun, "requests": done, "items": items, "req/s": rate,
                     "RSS MB": server_mb, "with workers MB": total_mb}
                )  # fmt: skip
                print(
                    f"  {now - begun:6.0f} s  {done:7,} requests  {items:6,} items  "
                    f"{rate:6.1f} req/s  RSS {server_mb:6.1f} MB ({total_mb:.0f} MB with "
                    f"workers)  errors {errors}",
                    flush=True,
                )
                while done >= next_report:
                    print(f"  RSS at {next_report:,} requests: {server_mb:.1f} MB", flush=True)
                    next_report += REPORT_EVERY
                last_t, last_n = now, done
                if now >= deadline or proc.poll() is not None:
                    break
            stop.set()
            for thread in threads:
                thread.join(timeout=TIMEOUT_S + 5)
            elapsed = time.monotonic() - begun
            # every release a 201 created, read back (bounded: only what this run created)
            reader = pool[0]
            lost = []
            for (app_id, release), version in sorted(tally.created.items()):
                try:
                    status, data = reader.send("GET", f"/apps/{app_id}/releases/{release}")
                except (OSError, http.client.HTTPException) as exc:
                    status, data = 0, str(exc).encode()
                if status != 200 or json.loads(data).get("version") != version:
                    lost.append(f"{app_id}/{release}: {status} {data[:120]!r}")
            for app_id, release in sorted(tally.deleted):  # and every deleted one is gone
                try:
                    status, data = reader.send("GET", f"/apps/{app_id}/releases/{release}")
                except (OSError, http.client.HTTPException) as exc:
                    status, data = 0, str(exc).encode()
                if status != 404:
                    lost.append(f"deleted {app_id}/{release} answers {status} {data[:120]!r}")
            final_mb = own_rss_mb(proc.pid)
        finally:
            stop.set()
            for client in pool:
                client.close()
            stop_group(proc)
    return {
        "minutes": elapsed / 60,
        "requests": tally.requests,
        "req/s": tally.requests / elapsed,
        "created": len(tally.created) + len(tally.deleted),
        "deleted": len(tally.deleted),
        "errors": len(tally.errors),
        "first errors": tally.errors[:10],
        "lost writes": len(lost),
        "first lost": lost[:10],
        "RSS after warm-up (MB)": rss_points[0][1] if rss_points else None,
        "RSS at the end (MB)": final_mb,
        "RSS growth per 10k requests (MB)": slope_per_10k(rss_points),
        "RSS growth per 10k requests, table full (MB)": slope_per_10k(steady_points),
        "windows": windows,
    }


def by_table_size(windows: list[dict], rows: int = 6) -> list[tuple[int, float]]:
    """Throughput against table size: the windows in ``rows`` groups by item count."""
    if not windows:
        return []
    step = max(1, len(windows) // rows)
    return [
        (group[-1]["items"], sum(w["req/s"] for w in group) / len(group))
        for group in (windows[i : i + step] for i in range(0, len(windows), step))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="keep-alive clients (4)")
    parser.add_argument(
        "--max-requests", type=int, default=None, help="stop after this many (default: 400/s)"
    )
    parser.add_argument("--window", type=float, default=10.0, help="seconds per progress line")
    parser.add_argument(
        "--table",
        type=int,
        default=3_000,
        help="items the table grows to; then creates and deletes alternate (3000)",
    )
    parser.add_argument(
        "--label", default="soak", help="names results/LABEL.json and results/logs/LABEL.log"
    )
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= 120 or not 1 <= args.clients <= 32:
        parser.error("--minutes must be in (0, 120] and --clients in 1..32")
    max_requests = args.max_requests or int(args.minutes * 60 * 400)
    log = RESULTS / "logs" / f"{args.label}.log"
    result = soak(args.minutes, args.clients, max_requests, args.window, log, args.table)
    growth = result["RSS growth per 10k requests (MB)"]
    late = result["RSS growth per 10k requests, table full (MB)"]
    print(f"\nsoak: {result['requests']:,} requests in {result['minutes']:.1f} min "
          f"({result['req/s']:.1f} req/s), {result['created']:,} releases created, "
          f"{result['deleted']:,} of them deleted")  # fmt: skip
    print(
        f"errors: {result['errors']} (the server's output: {log})"
        + "".join(f"\n  {e}" for e in result["first errors"])
    )
    print(f"lost writes: {result['lost writes']} (every stored release read back, every "
          "deleted one answers 404)"
          + "".join(f"\n  {e}" for e in result["first lost"]))  # fmt: skip
    warm = result["RSS after warm-up (MB)"]
    print("server RSS: " + ("n/a" if warm is None else f"{warm:.1f} MB") + " after warm-up, "
          f"{result['RSS at the end (MB)']:.1f} MB at the end; growth per 10k requests: "
          + ("n/a (too few requests)" if growth is None else f"{growth:.1f} MB")
          + ("" if late is None else f"; {late:.1f} MB once the table was full"))  # fmt: skip
    print("throughput against table size:")
    for items, rate in by_table_size(result["windows"]):
        print(f"  {items:7,} items  {rate:6.1f} req/s")
    RESULTS.mkdir(exist_ok=True)
    record = {"measured at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **result}
    (RESULTS / f"{args.label}.json").write_text(json.dumps(record, indent=2))
    print(f"written to {RESULTS / args.label}.json")
    return 1 if result["errors"] or result["lost writes"] else 0


if __name__ == "__main__":
    sys.exit(main())
