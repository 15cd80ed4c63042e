"""The ceiling for ``make bench``: the bench's handler behind a stdlib ``ThreadingHTTPServer``
that calls it directly (HTTP/1.1, keep-alive): the most a Python process does with no
gateway and no Lambda in between. The other targets are in ``targets.py``.

Prints ``ready http://127.0.0.1:PORT/dev`` once it answers, then serves until killed.
"""

from __future__ import annotations

import argparse
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def ceiling(port: int) -> str:
    from targets import HANDLER

    namespace: dict = {}
    exec(HANDLER, namespace)  # the very same handler function
    handler = namespace["handler"]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # as the sandbox's server: no 40 ms Nagle stalls

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else None
            parts = self.path.strip("/").split("/")
            event = {
                "httpMethod": self.command,
                "body": body,
                "pathParameters": {"id": parts[-1]} if len(parts) > 1 else None,
            }
            result = handler(event, None)
            data = result["body"].encode()
            self.send_response(result["statusCode"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # wrk closes connections abruptly
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/dev"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ceiling"])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    url = ceiling(args.port)
    print(f"ready {url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
