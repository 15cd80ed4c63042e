"""The servers ``make bench`` loads with wrk: one trivial handler, served four ways.

- ``ceiling``: a stdlib ``ThreadingHTTPServer`` calling the handler directly (``served.py``):
  the most one Python process does with no gateway and no Lambda in between;
- ``workshop``: ``workshop sls offline`` on a one-function service: the full path (routing,
  proxy event, context, a Lambda worker process, CloudWatch logs); ``workshop (h11)`` the
  same with h11 framing HTTP instead of httptools (llhttp), the parser it falls back to;
- ``chalice local``: AWS Chalice's local server, the route calling the same handler;
- ``serverless-offline``: serverless 3 + serverless-offline 13 from npm, the same handler
  in the same ``serverless.yml``;
- ``workshop httpApi`` and ``serverless-offline httpApi``: the same two routes as ``httpApi``
  events (an HTTP API, payload format 2.0, served at the root), each offline server's.

Peers are installed on first use into ``build/bench/`` (exact versions below); a peer that
cannot be installed is skipped with the reason printed, never silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "build" / "bench"
CHALICE = "chalice==1.34.0"
NPM_PACKAGES = ["serverless@3.40.0", "serverless-offline@13.10.1"]

#: The handler every target serves: POST echoes JSON with an id (201), GET returns the id.
HANDLER = textwrap.dedent(
    """
    import json


    def handler(event, context):
        method = event.get("httpMethod") or event["requestContext"]["http"]["method"]
        if method == "POST":
            data = json.loads(event["body"] or "{}")
            return {"statusCode": 201, "body": json.dumps({"id": data.get("id"), "echo": data})}
        params = event["pathParameters"] or {}
        return {"statusCode": 200, "body": json.dumps({"id": params.get("id")})}
    """
).lstrip()

SERVERLESS_YML = textwrap.dedent(
    """
    service: bench
    frameworkVersion: '3'
    provider:
      name: aws
      runtime: python3.12
      region: us-east-1
    {plugins}
    functions:
      items:
        handler: handler.handler
        events:
          - http:
              path: items
              method: post
          - http:
              path: items/{{id}}
              method: get
    """
).lstrip()

HTTP_API_YML = textwrap.dedent(
    """
    service: bench
    frameworkVersion: '3'
    provider:
      name: aws
      runtime: python3.12
      region: us-east-1
    {plugins}
    functions:
      items:
        handler: handler.handler
        events:
          - httpApi: 'POST /items'
          - httpApi: 'GET /items/{{id}}'
    """
).lstrip()

CHALICE_APP = textwrap.dedent(
    """
    from chalice import Chalice, Response

    from handler import handler

    app = Chalice(app_name="bench")


    def respond(result):
        headers = {"Content-Type": "application/json"}
        return Response(body=result["body"], status_code=result["statusCode"], headers=headers)


    @app.route("/items/{id}", methods=["GET"])
    def get_item(id):
        event = {"httpMethod": "GET", "pathParameters": {"id": id}, "body": None}
        return respond(handler(event, None))


    @app.route("/items", methods=["POST"])
    def post_item():
        body = app.current_request.raw_body.decode()
        event = {"httpMethod": "POST", "pathParameters": None, "body": body}
        return respond(handler(event, None))
    """
).lstrip()


@dataclass
class Target:
    """How to start one server and where it answers (``base`` + ``/items/...``)."""

    name: str
    argv: list[str] = field(default_factory=list)
    base: str = ""
    cwd: Path | None = None
    env: dict[str, str] | None = None
    skipped: str | None = None  # why it cannot run here


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _folder(name: str, files: dict[str, str]) -> Path:
    folder = PEERS / "apps" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    return folder


def ceiling() -> Target:
    port = free_port()
    here = Path(__file__).resolve().parent
    argv = [sys.executable, str(here / "served.py"), "ceiling", "--port", str(port)]
    return Target("ceiling", argv, f"http://127.0.0.1:{port}/dev")


def workshop_http_api() -> Target:
    """``workshop sls offline`` on the same routes as httpApi events: an HTTP API at the root."""
    port = free_port()
    files = {"serverless.yml": HTTP_API_YML.format(plugins=""), "handler.py": HANDLER}
    folder = _folder("workshop-httpapi", files)
    argv = [sys.executable, "-m", "workshop_lib.cli", "sls", "offline", "--port", str(port)]
    return Target("workshop httpApi", argv, f"http://127.0.0.1:{port}", cwd=folder)


def workshop(parser: str = "", revision: str = "") -> Target:
    """``workshop sls offline``; ``parser`` forces its HTTP parser (``WORKSHOP_HTTP_PARSER``),
    ``revision`` runs the ``workshop_lib`` of that git revision instead (a before/after)."""
    name = "workshop" + (f" ({parser})" if parser else "") + (f" @{revision}" if revision else "")
    port = free_port()
    folder = _folder(
        name.replace(" ", "-").replace("@", "at-").replace("(", "").replace(")", ""),
        {"serverless.yml": SERVERLESS_YML.format(plugins=""), "handler.py": HANDLER},
    )
    argv = [sys.executable, "-m", "workshop_lib.cli", "sls", "offline", "--port", str(port)]
    env = {**os.environ}
    if parser:
        env["WORKSHOP_HTTP_PARSER"] = parser
    if revision:
        tree = PEERS / "revisions" / revision
        if not tree.exists():
            tree.mkdir(parents=True)
            archive = subprocess.run(
                ["git", "archive", revision, "workshop_lib"], cwd=ROOT, capture_output=True
            )
            if archive.returncode != 0:
                shutil.rmtree(tree)
                return Target(name, skipped=f"git archive {revision} failed")
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        env["PYTHONPATH"] = str(tree)
    return Target(name, argv, f"http://127.0.0.1:{port}/dev", cwd=folder, env=env)


def ensure_chalice() -> tuple[Path | None, str | None]:
    """The ``chalice`` executable of a venv of its own (its pins are not ours), or why not."""
    venv = PEERS / "chalice-venv"
    chalice = venv / "bin" / "chalice"
    if not chalice.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "--quiet", CHALICE],
                check=True,
                capture_output=True,
                text=True,
            )
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(venv, ignore_errors=True)
            return None, f"pip install {CHALICE} failed: {(exc.stderr or '')[-300:]}"
    return chalice, None


def chalice_local() -> Target:
    chalice, reason = ensure_chalice()
    if chalice is None:
        return Target("chalice local", skipped=reason)
    port = free_port()
    folder = _folder(
        "chalice",
        {
            "app.py": CHALICE_APP,
            "handler.py": HANDLER,
            ".chalice/config.json": '{"version": "2.0", "app_name": "bench"}',
        },
    )
    argv = [str(chalice), "local", "--port", str(port)]
    return Target("chalice local", argv, f"http://127.0.0.1:{port}", cwd=folder)


def ensure_serverless() -> tuple[Path | None, str | None]:
    """serverless 3 with serverless-offline 13 from npm, or why not."""
    prefix = PEERS / "serverless"
    executable = prefix / "node_modules" / ".bin" / "serverless"
    if executable.exists():
        return executable, None
    if not shutil.which("npm") or not shutil.which("node"):
        return None, "Node.js and npm are not installed (apt install nodejs npm)"
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "package.json").write_text('{"private": true}\n')
    done = subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", *NPM_PACKAGES],
        cwd=prefix,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not executable.exists():
        return None, f"npm install {' '.join(NPM_PACKAGES)} failed: {done.stderr[-300:]}"
    return executable, None


def serverless_offline(http_api: bool = False) -> Target:
    name = "serverless-offline" + (" httpApi" if http_api else "")
    executable, reason = ensure_serverless()
    if executable is None:
        return Target(name, skipped=reason)
    port, lambda_port = free_port(), free_port()
    template = HTTP_API_YML if http_api else SERVERLESS_YML
    yml = template.format(plugins="plugins:\n  - serverless-offline")
    folder = _folder(name.replace(" ", "-"), {"serverless.yml": yml, "handler.py": HANDLER})
    (folder / "node_modules").symlink_to(executable.parent.parent)
    argv = [
        str(executable),
        "offline",
        "--httpPort",
        str(port),
        "--lambdaPort",
        str(lambda_port),
        "--host",
        "127.0.0.1",
    ]
    env = {
        **os.environ,
        # no telemetry, no prompts, no update checks: nothing but npm is reachable here
        "SLS_TELEMETRY_DISABLED": "1",
        "SLS_NOTIFICATIONS_MODE": "off",
        "SLS_DEPRECATION_DISABLE": "*",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    base = f"http://127.0.0.1:{port}" + ("" if http_api else "/dev")  # httpApi: the root
    return Target(name, argv, base, folder, env)


def all_targets() -> list[Target]:
    """Every target; ``BENCH_BEFORE=<git revision>`` adds the workshop of that revision, so a
    change to the served path is measured against what it replaces in the same run."""
    targets = [ceiling(), workshop(), workshop(parser="h11")]
    if os.environ.get("BENCH_BEFORE"):
        targets.append(workshop(revision=os.environ["BENCH_BEFORE"]))
    return [
        *targets,
        chalice_local(),
        serverless_offline(),
        workshop_http_api(),
        serverless_offline(http_api=True),
    ]
