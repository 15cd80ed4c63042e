"""`python benchmarks/memory.py`: what the served demo service keeps per request, in-process.

``make soak`` says whether the server grows; this says what grows. It serves the demo service
as the soak does (the same copy, widened usage plan and clients, on 127.0.0.1 only) but in
this process (``framework.offline.Offline``, as ``workshop sls offline`` runs it), and after
``--warm-up`` requests diffs two ``tracemalloc`` snapshots taken ``--requests`` apart:

- the allocation sites (file and line) whose live memory grew, and the calls that led to the
  largest ones;
- the live objects by type (the collector's view, the frozen start-up heap included).

A leak grows with the request count; a bounded structure stops once full (run longer, or
with a smaller ``--table``, to tell them apart). ``tracemalloc`` slows the server several
times and adds its own memory: the figures are what Python allocated, not the RSS.
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import soak  # noqa: E402


def live_objects() -> collections.Counter[str]:
    """Live objects by type name, the frozen generation included (then frozen again)."""
    gc.unfreeze()
    gc.collect()
    counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    gc.freeze()
    return counts


def serve(folder: Path) -> tuple[object, str, dict[str, str]]:
    """The demo service in this process: the Offline server, its URL and request headers."""
    from workshop_lib.framework.offline import Offline

    offline = Offline(folder)
    url = offline.start(soak.free_port(), settle=True)
    headers = {
        "x-api-key": offline.api_keys["workshop-key"],
        "Authorization": f"Bearer {soak.token()}",
    }
    return offline, url, headers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="benchmarks/memory.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--warm-up", type=int, default=3_000, help="requests before (3000)")
    parser.add_argument("--requests", type=int, default=4_000, help="between snapshots (4000)")
    parser.add_argument("--table", type=int, default=400, help="items the table holds (400)")
    parser.add_argument("--clients", type=int, default=4, help="keep-alive clients (4)")
    parser.add_argument("--frames", type=int, default=6, help="frames per traceback (6)")
    parser.add_argument("--top", type=int, default=15, help="rows per list (15)")
    args = parser.parse_args(argv)
    if args.warm_up < 0 or args.requests < 1 or not 1 <= args.clients <= 32:
        parser.error("--warm-up >= 0, --requests >= 1 and --clients in 1..32")
    from workshop_lib.server import settle_young

    with tempfile.TemporaryDirectory(prefix="memory-") as tmp:
        folder, env = soak.prepare(Path(tmp))
        os.environ.update(env)
        offline, url, headers = serve(folder)
        stop = threading.Event()

        def settle() -> None:  # what serve_forever's loop does between requests
            while not stop.wait(0.5):
                settle_young()

        tally = soak.Tally()
        pool = [soak.Client(url, headers) for _ in range(args.clients)]
        keep = max(1, args.table // args.clients)
        total = args.warm_up + args.requests
        threads = [threading.Thread(target=settle, daemon=True)] + [
            threading.Thread(target=soak.drive, args=(n, pool[n], tally, stop, total, keep))
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()

        def reach(count: int) -> int:
            while tally.requests < count and not stop.is_set():
                time.sleep(0.2)
            return tally.requests

        try:
            done = reach(args.warm_up)
            tracemalloc.start(args.frames)
            before, objects = tracemalloc.take_snapshot(), live_objects()
            print(f"snapshot 1 at {done:,} requests ({len(tally.created):,} items)", flush=True)
            started = time.monotonic()
            done_after = reach(total)
            gc.collect()
            after, objects_after = tracemalloc.take_snapshot(), live_objects()
            seconds = time.monotonic() - started
        finally:
            stop.set()
            for thread in threads[1:]:
                thread.join(timeout=soak.TIMEOUT_S + 5)
            for client in pool:
                client.close()
            offline.stop()
    requests = done_after - done
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)
    grown = [s for s in after.compare_to(before, "lineno") if s.size_diff > 0]
    growth = sum(s.size_diff for s in grown)
    print(
        f"snapshot 2 at {done_after:,} requests ({requests:,} in {seconds:.0f} s), errors "
        f"{len(tally.errors)}; Python memory grew by {growth / 1e6:.2f} MB "
        f"({growth / requests * 1e4 / 1e6:.2f} MB per 10k requests)"
    )
    print("\nsites that grew (per 10k requests):")
    for stat in grown[: args.top]:
        frame = stat.traceback[0]
        per_10k = stat.size_diff / requests * 1e4 / 1e6
        print(f"  {per_10k:7.2f} MB  {stat.count_diff:+8,} blocks  {frame.filename}:{frame.lineno}")
    print("\nthe largest, with their calls:")
    for stat in after.compare_to(before, "traceback")[: min(5, args.top)]:
        print(f"  {stat.size_diff / 1e3:+,.0f} KB")
        for line in stat.traceback.format(most_recent_first=True)[::2]:
            print(f"      {line.strip()}")
    print("\nlive objects by type (change):")
    changes = {k: objects_after[k] - objects[k] for k in objects_after | objects}
    for name, change in sorted(changes.items(), key=lambda kv: -abs(kv[1]))[: args.top]:
        print(f"  {change:+9,}  {name}")
    return 1 if tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
