"""``workshop sls …``: the Serverless Framework's commands, against the sandbox.

Flags mirror the framework's (v3). Every command takes ``--service DIR`` (default: the
current folder), ``--stage`` and ``--region``. Commands other than ``offline``, ``invoke
local``, ``package``, ``print`` and ``create`` act on a sandbox: the one running in this
process (a notebook's ``with sandbox() as aws:``; see :func:`sls`), else the
``workshop sandbox start`` server at ``--endpoint`` (default ``http://127.0.0.1:5000``);
real AWS only with ``--real-aws-costs-money``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workshop_lib.framework.config import ConfigError

DEFAULT_ENDPOINT = "http://127.0.0.1:5000"
TEMPLATES = ("aws-python3", "aws-python")


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--service", default=".", help="the service folder (serverless.yml)")
    common.add_argument("--stage", "-s", help="stage (default: provider.stage, else dev)")
    common.add_argument("--region", "-r", help="region (default: provider.region)")
    common.add_argument("--endpoint", help=f"sandbox server URL (default {DEFAULT_ENDPOINT})")
    common.add_argument("--real-aws-costs-money", action="store_true", help=argparse.SUPPRESS)
    p = argparse.ArgumentParser(prog="workshop sls", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", parents=[common], help="a new service from a template")
    create.add_argument("--template", "-t", default="aws-python3", choices=TEMPLATES)
    create.add_argument("--path", "-p", required=True, help="folder to create")
    create.add_argument("--name", "-n", help="service name (default: the folder's name)")
    deploy = sub.add_parser("deploy", parents=[common], help="deploy the service (or a function)")
    deploy.add_argument("what", nargs="?", choices=["function"], help="deploy function -f NAME")
    deploy.add_argument("--function", "-f", help="with `deploy function`: which one")
    deploy.add_argument("--verbose", "-v", action="store_true", help="show the stack's events")
    deploy.add_argument("--force", action="store_true", help="deploy even if nothing changed")
    sub.add_parser("info", parents=[common], help="stack, endpoints, functions, API keys")
    invoke = sub.add_parser("invoke", parents=[common], help="invoke a deployed function")
    invoke.add_argument("where", nargs="?", choices=["local"], help="invoke local: run it here")
    invoke.add_argument("--function", "-f", required=True)
    invoke.add_argument("--data", "-d", help="the event (JSON, or text with --raw)")
    invoke.add_argument("--path", "-p", help="a file with the event")
    invoke.add_argument("--raw", action="store_true", help="pass --data as a string")
    invoke.add_argument("--log", "-l", action="store_true", help="print the function's log")
    logs = sub.add_parser("logs", parents=[common], help="a function's CloudWatch logs")
    logs.add_argument("--function", "-f", required=True)
    logs.add_argument("--filter", help="only lines containing this")
    sub.add_parser("remove", parents=[common], help="delete the stack and everything in it")
    sub.add_parser("package", parents=[common], help="write .serverless/ (templates and zip)")
    sub.add_parser("print", parents=[common], help="serverless.yml with variables resolved")
    offline = sub.add_parser("offline", parents=[common], help="serve the http events locally")
    offline.add_argument("--port", type=int, default=3000, help="0: any free port")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one ``workshop sls`` command; 0 on success, 1 on a failure (one line that says
    what to do, as the framework exits 1), 2 on a mistyped command line."""
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"workshop sls: {_one_line(exc)}", file=sys.stderr)
        return 1
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"workshop sls {args.command}: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:
        message = aws_error(exc)
        if message is None:
            raise
        print(f"workshop sls {args.command}: {message}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    """The message on one line (an AWS reason or a file's text may hold line breaks)."""
    return " ".join(str(exc).split())


def aws_error(exc: BaseException) -> str | None:
    """One line for an error an AWS API (the sandbox's or AWS's) answered with, or None.

    A Lambda error that CloudFormation passes on can arrive as JSON inside CloudFormation's
    XML; botocore then raises ``ResponseParserError`` with the whole body: its message is
    dug out instead of showing the body or a traceback."""
    import re

    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "") or "the call"
        text = error.get("Message") or str(exc)
        return f"{operation} failed: {error.get('Code', 'Error')}: {' '.join(text.split())}"
    if isinstance(exc, ResponseParserError):
        body = str(exc)
        found = re.search(r'"(?:message|Message|errorMessage)"\s*:\s*"((?:[^"\\]|\\.)*)"', body)
        found = found or re.search(r"<Message>(.*?)</Message>", body, re.S)
        text = found.group(1) if found else body.splitlines()[0]
        return f"the sandbox refused a call: {' '.join(text.split())}"
    if isinstance(exc, BotoCoreError):
        return " ".join(str(exc).split())
    return None


def sls(command: str, *, service: str | Path = ".") -> int:
    """Run ``workshop sls <command>`` in this process (a notebook's sandbox is used).

    ``sls("deploy --verbose", service="hello-service")``; returns the exit status.
    """
    try:
        return main([*shlex.split(command), "--service", str(service)])
    except SystemExit as exc:  # argparse's answer to a mistyped flag: a status, not a traceback
        return int(exc.code or 0)


# -- helpers --------------------------------------------------------------------------------
def _service(args: argparse.Namespace) -> Any:
    """The service, its warnings (``configValidationMode: warn``, plugins, events the
    sandbox does not create) printed first, one line each."""
    from workshop_lib.framework.service import Service

    service = Service.load(args.service, stage=args.stage, region=args.region)
    for warning in service.warnings:
        print(f"workshop sls: warning: {warning}", file=sys.stderr)
    return service


@contextlib.contextmanager
def _target(args: argparse.Namespace, service: Any) -> Iterator[Any]:
    """The sandbox to act on: this process's, else a server's (or real AWS, if asked)."""
    from workshop_lib import sandbox

    active = sandbox.active()
    if active is not None and not args.endpoint:
        yield active
        return
    if args.real_aws_costs_money:
        box = sandbox.Sandbox(region=service.region, real_aws_costs_money=True)
    else:
        endpoint = args.endpoint or DEFAULT_ENDPOINT
        box = sandbox.Sandbox(region=service.region, endpoint=endpoint)
    with box:
        yield box


def _event(args: argparse.Namespace) -> Any:
    text = args.data
    if args.path:
        text = Path(args.service, args.path).read_text(encoding="utf-8")
    if text is None:
        return {}
    if args.raw:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text  # the framework passes non-JSON data as a string too


# -- commands -------------------------------------------------------------------------------
def _create(args: argparse.Namespace) -> int:
    from workshop_lib.framework.templates import create

    folder = create(args.path, args.template, args.name)
    print(f"Service {folder.name} created in {folder} from template {args.template}")
    return 0


def _deploy(args: argparse.Namespace) -> int:
    from workshop_lib.framework import deploy

    service = _service(args)
    with _target(args, service) as aws:
        if args.what == "function":
            if not args.function:
                raise ValueError("deploy function needs --function/-f NAME")
            deploy.deploy_function(service, aws, args.function)
            return 0
        result = deploy.deploy(service, aws, force=args.force, verbose=args.verbose)
    return 0 if result.stack_name else 1


def _info(args: argparse.Namespace) -> int:
    from workshop_lib.framework import deploy

    service = _service(args)
    with _target(args, service) as aws:
        print(deploy.info(service, aws))
    return 0


def _invoke(args: argparse.Namespace) -> int:
    service = _service(args)
    fn = service.function(args.function)
    event = _event(args)
    if args.where == "local":
        from workshop_lib.framework.local import invoke_local

        result = invoke_local(service, fn, event, show_logs=args.log, endpoint=args.endpoint)
        print(json.dumps(result.error if result.error else result.result, indent=4))
        return 1 if result.error else 0
    import base64

    with _target(args, service) as aws:
        lam = aws.client("lambda", region_name=service.region)
        try:
            response = lam.invoke(
                FunctionName=fn.name,
                Payload=json.dumps(event).encode(),
                LogType="Tail" if args.log else "None",
            )
        except lam.exceptions.ResourceNotFoundException:
            raise ValueError(
                f"function {fn.name} is not deployed (stage {service.stage}, region "
                f"{service.region}): deploy first with `workshop sls deploy`"
            ) from None
        payload = json.loads(response["Payload"].read() or b"null")
        print(json.dumps(payload, indent=4))
        if args.log and response.get("LogResult"):
            print(base64.b64decode(response["LogResult"]).decode().rstrip())
        return 1 if response.get("FunctionError") else 0


def _logs(args: argparse.Namespace) -> int:
    service = _service(args)
    fn = service.function(args.function)
    with _target(args, service) as aws:
        logs = aws.client("logs", region_name=service.region)
        group = f"/aws/lambda/{fn.name}"
        try:
            pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
            events = [e for page in pages for e in page.get("events", [])]
        except logs.exceptions.ResourceNotFoundException:
            print(f"no logs yet for {fn.name} (it has not run)")
            return 0
    for event in sorted(events, key=lambda e: (e["timestamp"], e.get("ingestionTime", 0))):
        message = event["message"].rstrip("\n")
        if not args.filter or args.filter in message:
            print(message)
    return 0


def _remove(args: argparse.Namespace) -> int:
    from workshop_lib.framework import deploy

    service = _service(args)
    with _target(args, service) as aws:
        deploy.remove(service, aws)
    return 0


def _package(args: argparse.Namespace) -> int:
    from workshop_lib.framework import deploy

    service = _service(args)
    packaged = deploy.package(service)
    folder = service.root / ".serverless"
    for artifact in packaged.packages.artifacts:
        size, count = len(artifact.data), len(artifact.files)
        files = f"{count} file" + ("s" if count != 1 else "")
        print(f"Packaged {artifact.name} ({files}, {size:,} bytes zipped)")
    for path in sorted(folder.iterdir()):
        print(f"  .serverless/{path.name}")
    return 0


def _print(args: argparse.Namespace) -> int:
    import yaml

    service = _service(args)
    print(yaml.safe_dump(service.config, sort_keys=False, allow_unicode=True).rstrip())
    return 0


def _offline(args: argparse.Namespace) -> int:
    from workshop_lib.framework.offline import serve_forever

    service = _service(args)
    return serve_forever(service, port=args.port, stage=args.stage, region=args.region)


COMMANDS = {
    "create": _create,
    "deploy": _deploy,
    "info": _info,
    "invoke": _invoke,
    "logs": _logs,
    "remove": _remove,
    "package": _package,
    "print": _print,
    "offline": _offline,
}


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["main", "sls"]
