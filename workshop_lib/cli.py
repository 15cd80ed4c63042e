"""The ``workshop`` command: the sandbox server, the setup check and JupyterLab.

workshop sandbox start [--port 5000]   run a moto server on 127.0.0.1 for other processes
workshop sandbox stop [--port 5000]
workshop sandbox status [--port 5000]
workshop check                         the course's setup check (notebook 00's table)
workshop doctor                        check a laptop for a meetup, with what to fix
workshop progress                      every exercise of every notebook
workshop reset 03                      a fresh copy of a notebook (the old one is kept)
workshop reset service                 a fresh copy of the demo service's folder (ditto)
workshop lab [--no-browser] [--port N] JupyterLab on the first notebook
workshop sls deploy|info|invoke|logs|...  the Serverless Framework's commands (--help)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str) -> Callable[[Callable[[argparse.Namespace], int]], Callable]:
    def register(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = fn
        return fn

    return register


@command("sandbox")
def _sandbox(args: argparse.Namespace) -> int:
    from workshop_lib import server

    if args.action == "start":
        if args.foreground:
            server.serve(args.port, region=args.region, cors_origins=args.cors_origin)
            return 0
        pid = server.start(args.port, region=args.region, cors_origins=args.cors_origin)
        url = f"http://127.0.0.1:{args.port}"
        print(f"sandbox server running at {url} (pid {pid})")
        print(f'Python: sandbox(endpoint="{url}")   AWS CLI: --endpoint-url {url}')
        return 0
    if args.action == "stop":
        stopped = server.stop(args.port)
        print("sandbox server stopped" if stopped else f"no sandbox server on port {args.port}")
        return 0
    up = server.is_serving(args.port)
    print(f"sandbox server on port {args.port}: {'running' if up else 'not running'}")
    return 0 if up else 1


@command("check")
def _check(args: argparse.Namespace) -> int:
    from workshop_lib.setup_check import setup_check

    return 0 if setup_check() else 1


@command("doctor")
def _doctor(args: argparse.Namespace) -> int:
    from workshop_lib.doctor import doctor

    return 0 if doctor() else 1


@command("progress")
def _progress(args: argparse.Namespace) -> int:
    from workshop_lib.progress import course_progress, describe

    print(describe(course_progress()))
    return 0


@command("reset")
def _reset(args: argparse.Namespace) -> int:
    from workshop_lib.reset import reset

    try:
        target, backup = reset(args.notebook)
    except ValueError as exc:
        print(f"workshop: {exc}", file=sys.stderr)
        return 2
    print(f"reset {target.name}" + (f"; your previous copy is in {backup}" if backup else ""))
    return 0


@command("lab")
def _lab(args: argparse.Namespace) -> int:
    from workshop_lib.lab import run_lab

    return run_lab(no_browser=args.no_browser, port=args.port)


@command("sls")
def _sls(args: argparse.Namespace) -> int:
    from workshop_lib.framework.cli import main as sls_main

    return sls_main(args.args)


def _origin(value: str) -> str:
    from workshop_lib.server import cors_origin

    try:
        return cors_origin(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workshop", description="Serverless Workshop tools")
    sub = p.add_subparsers(dest="command", required=True)
    sb = sub.add_parser("sandbox", help="a moto server on 127.0.0.1 shared by processes")
    sb.add_argument("action", choices=["start", "stop", "status"])
    sb.add_argument("--port", type=int, default=5000)
    sb.add_argument("--foreground", action="store_true", help="run in this terminal")
    sb.add_argument("--region", help="the server's region (a service's, e.g. eu-west-1)")
    sb.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        type=_origin,
        help="a web page allowed to call the server from a browser, e.g. http://localhost:3000",
    )
    sub.add_parser("check", help="check this machine is ready for the course")
    sub.add_parser("doctor", help="check a laptop for a meetup and say what to fix")
    sub.add_parser("progress", help="every exercise of every notebook, as saved")
    reset = sub.add_parser("reset", help="a fresh copy of a learner notebook")
    reset.add_argument("notebook", help="its number, e.g. 03, or service")
    lab = sub.add_parser("lab", help="open JupyterLab on the first notebook")
    lab.add_argument("--no-browser", action="store_true", help="serve headless, print the URL")
    lab.add_argument("--port", type=int, default=8888)
    sls = sub.add_parser("sls", help="Serverless Framework commands", add_help=False)
    sls.add_argument("args", nargs=argparse.REMAINDER)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sls"]:  # everything after `sls` belongs to its own parser
        return COMMANDS["sls"](argparse.Namespace(args=argv[1:]))
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except RuntimeError as exc:
        print(f"workshop: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
