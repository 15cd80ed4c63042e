"""The hops of one warm served GET: every call from one ``workshop_lib`` module into another.

``python benchmarks/hops.py [SERVICE_FOLDER]`` serves a Serverless service in this process
(``workshop sls offline``'s :class:`~workshop_lib.framework.offline.Offline`; by default the
bench's one-function service, ``benchmarks/targets.py``), warms it up, then traces one GET
on the server's event loop thread and prints each cross-module call in order, with the
count of calls and of modules. Counted on the loop thread only: a warm GET runs there whole.
"""

from __future__ import annotations

import http.client
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv: list[str]) -> int:
    from targets import HANDLER, SERVERLESS_YML

    from workshop_lib.framework.offline import Offline

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(argv[0]) if argv else Path(scratch)
        if not argv:
            (folder / "serverless.yml").write_text(SERVERLESS_YML.format(plugins=""))
            (folder / "handler.py").write_text(HANDLER)
        offline = Offline(folder)
        offline.start(port=0)
        try:
            (server,) = offline.aws.plugin("apigateway").servers.values()
            connection = http.client.HTTPConnection("127.0.0.1", server.port)

            def get() -> None:
                connection.request("GET", f"/{offline.service.stage}/items/42")
                connection.getresponse().read()

            for _ in range(50):
                get()
            calls = trace(server.loop, get)
        finally:
            offline.stop()
    for caller, callee, name in calls:
        print(f"{caller:34} -> {callee:34} {name}")
    modules = sorted({callee for _, callee, _ in calls})
    print(f"{len(calls)} cross-module calls into {len(modules)} modules: {', '.join(modules)}")
    return 0


def trace(loop, request) -> list[tuple[str, str, str]]:  # noqa: ANN001 - an event loop, a call
    """The cross-module calls ``loop``'s thread makes while ``request()`` runs."""
    package = str(ROOT / "workshop_lib") + os.sep
    calls: list[tuple[str, str, str]] = []

    def profile(frame, event, arg):  # noqa: ANN001, ANN202 - sys.setprofile's signature
        if event != "call" or not frame.f_code.co_filename.startswith(package):
            return
        callee = frame.f_code.co_filename
        caller = frame.f_back.f_code.co_filename if frame.f_back else ""
        if caller != callee:
            calls.append(
                (
                    caller[len(package) :] if caller.startswith(package) else "(event loop)",
                    callee[len(package) :],
                    frame.f_code.co_name,
                )
            )

    done = threading.Event()
    loop.call_soon_threadsafe(sys.setprofile, profile)
    time.sleep(0.05)
    request()
    loop.call_soon_threadsafe(lambda: (sys.setprofile(None), done.set()))
    done.wait(10)
    return calls


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
