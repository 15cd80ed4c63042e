"""make corpus: every service of tests/framework_corpus through every step a new user takes.

Steps, each as the user types it (``workshop sls ...`` in a fresh copy of the service):

- ``print`` and ``package``;
- ``sls3``: ``package``'s template against the real Serverless Framework 3's (npm
  serverless@3, run with no network: ``unshare --net``): the same logical ids and types, apart
  from hashed versions and deployments. Plugins that add no CloudFormation resources
  (NO_RESOURCE_PLUGINS) are left out of the reference run's copy, as npm plugins are not
  installed; a service with any other plugin is not compared;
- ``offline``: ``workshop sls offline --port 0``, then one request to every http/httpApi
  route (an answer of any status is what API Gateway would give: a handler's error is a 502);
- ``deploy`` to a ``workshop sandbox start`` server, then ``invoke`` of every function with
  ``{}`` (the handler ran: a handler's own exception on an empty event is what Lambda reports);
- ``invoke local`` of every function with ``{}``.

Each step is ``ok``, ``refused`` (exit 1 with exactly one line saying why: what serverless@3 or
AWS do, or a gap of the sandbox) or ``BROKEN`` (a traceback, several lines, a hang, a
mismatch). ``n/a`` where a step does not apply (offline for a service without http events,
invoke after a refused deploy). The table goes to stdout and to build/corpus/table.md.
The machine is shared: wall times are indicative only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import targets  # benchmarks/ (this script's folder)
import yaml
from run import stop_group

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "framework_corpus"
WORKSHOP = Path(os.environ.get("WORKSHOP", ROOT / ".venv" / "bin" / "workshop"))
OUT = ROOT / "build" / "corpus"
STEPS = ("print", "package", "sls3", "offline", "deploy", "invoke", "invoke local")
#: npm plugins that change only the zip or local commands, never the template's resources.
NO_RESOURCE_PLUGINS = {
    "serverless-python-requirements", "serverless-wsgi", "serverless-offline",
    "serverless-dynamodb-local", "serverless-prune-plugin",
}  # fmt: skip
#: Lines that inform, not fail: warnings, and invoke local's note on where AWS calls go.
NOTICES = ("workshop sls: warning", "invoke local: the handler's AWS calls go to")
#: Refusals that are what AWS or serverless@3 answer too (the step works as on AWS with the
#: real framework): a runtime Lambda no longer creates, v3's own stops (frameworkVersion, an
#: unresolvable variable), a setting the user must write first.
AS_REAL = re.compile(
    r"is no longer supported for creating or updating|does not satisfy the .frameworkVersion|"
    r"Serverless Framework 3 stops here too|cannot resolve .\$\{(?:env|file)\(?:?|"
    r"as on AWS:|Configuration error at '"
)
sys.path.insert(0, str(ROOT))


@dataclass
class Outcome:
    status: str  # ok, refused, BROKEN, n/a
    why: str = ""

    def cell(self) -> str:
        return self.status if not self.why else f"{self.status}: {self.why[:200]}"


@dataclass
class Row:
    name: str
    steps: dict[str, Outcome] = field(default_factory=dict)


def sls(folder: Path, *argv: str, timeout: float = 120) -> tuple[int, str, str]:
    try:
        done = subprocess.run(
            [str(WORKSHOP), "sls", *argv], cwd=folder, capture_output=True, text=True,
            timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return -1, "", f"timed out after {timeout:.0f} s"
    return done.returncode, done.stdout, done.stderr


def judge(status: int, err: str) -> Outcome:
    """ok, one-line refusal, or broken, from a command's exit status and stderr."""
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(NOTICES)]
    if status == 0 and not lines:
        return Outcome("ok")
    if status == 1 and len(lines) == 1 and "Traceback" not in err:
        return Outcome("refused", lines[0].split(": ", 1)[-1])
    return Outcome("BROKEN", (lines[-1] if lines else f"exit {status}"))


def _in_service(folder: Path, module: str) -> bool:
    """``module`` is the service's own code (a .py file or package in its folder)."""
    top = module.split(".")[0]
    found = [*folder.rglob(f"{top}.py"), *(p for p in folder.rglob(top) if p.is_dir())]
    return any(".serverless" not in p.relative_to(folder).parts for p in found)


def ran(folder: Path, status: int, out: str, err: str) -> Outcome:
    """An invoke: the handler ran (its own exception on ``{}`` is Lambda's answer too)."""
    if status not in (0, 1) or "Traceback" in err:
        return judge(status, err)
    try:
        payload = json.loads(out)
    except ValueError:
        return judge(status, err)
    missing = re.search(r"No module named '([\w.]+)'|cannot import name \S+ from '([\w.]+)'",
                        str(payload))  # fmt: skip
    library = missing and (missing.group(1) or missing.group(2))
    if isinstance(payload, dict) and library and not _in_service(folder, library):
        # a library the package (or this Python, for invoke local) lacks, or one that does
        # not fit another it was installed with: Lambda and v3's invoke local fail the same way
        return Outcome("refused", f"as on AWS: {payload.get('errorMessage', '')}")
    if isinstance(payload, dict) and str(payload.get("errorType", "")).startswith("Runtime."):
        return Outcome("refused", f"{payload['errorType']}: {payload.get('errorMessage', '')}")
    if status == 1 and isinstance(payload, dict) and "errorType" in payload:
        return Outcome("ok", f"handler raised {payload['errorType']} on {{}}")
    return judge(status, err) if status == 1 else Outcome("ok")


def functions_of(status: int, out: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The functions' keys and (method, path) of every http/httpApi route, from ``sls
    print``'s exit status and output."""
    if status != 0:
        return [], []
    config = yaml.safe_load(out) or {}
    functions = config.get("functions") or {}
    if isinstance(functions, list):  # the framework's list-of-maps form
        functions = {k: v for part in functions for k, v in (part or {}).items()}
    routes = []
    for spec in functions.values():
        for event in (spec or {}).get("events") or []:
            if not isinstance(event, dict):
                continue
            for kind in ("http", "httpApi"):
                if kind not in event:
                    continue
                value = event[kind]
                if isinstance(value, str):
                    method, _, path = value.partition(" ")
                    if kind == "httpApi" and value == "*":
                        method, path = "GET", "/"
                elif isinstance(value, dict):
                    method, path = str(value.get("method", "get")), str(value.get("path", "/"))
                else:
                    continue
                routes.append((kind, method.upper(), path))
    return list(functions), routes


def _url_path(path: str) -> str:
    path = re.sub(r"\{[^}/]+\+\}", "any/thing", path)
    return "/" + re.sub(r"\{[^}/]+\}", "1", path).strip("/")


def offline(folder: Path, routes: list[tuple[str, str, str]]) -> Outcome:
    if not routes:
        return Outcome("n/a", "no http or httpApi events")
    proc = subprocess.Popen(
        [str(WORKSHOP), "sls", "offline", "--port", "0"], cwd=folder, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        url, started = None, time.monotonic()
        while url is None and time.monotonic() - started < 120:
            line = proc.stdout.readline()
            if not line:
                break
            found = re.search(r"listening on (http://\S+)", line)
            url = found.group(1) if found else None
        if url is None:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            return judge(proc.returncode if proc.returncode == 1 else -1, err)
        base_rest = url
        base_root = re.sub(r"^(http://[^/]+).*$", r"\1", url)
        statuses = []
        for kind, method, path in routes:
            method = "GET" if method in ("ANY", "*") else method
            base = base_rest if kind == "http" else base_root
            body = b"{}" if method in ("POST", "PUT", "PATCH") else None
            request = urllib.request.Request(base + _url_path(path), data=body, method=method)
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
            except OSError as exc:
                return Outcome("BROKEN", f"{method} {path}: {exc}")
        return Outcome("ok", "answers " + " ".join(str(s) for s in statuses))
    finally:
        stop_group(proc, term_s=20)


def reference(folder: Path, serverless: Path | None, refused: Outcome | None) -> Outcome:
    """package's resources against serverless@3's."""
    from tests.test_framework_corpus import NOT_YET, _ids
    from workshop_lib.framework.config import plugin_names

    if serverless is None:
        return Outcome("n/a", "serverless@3 not installed")
    if refused is not None and not AS_REAL.search(refused.why):
        return Outcome("n/a", "the sandbox's package refused (see package)")
    config = yaml.safe_load((folder / "serverless.yml").read_text()) or {}
    plugins = plugin_names(config)
    other = sorted(p for p in plugins if p not in NO_RESOURCE_PLUGINS)
    if other:
        return Outcome("n/a", f"plugins from npm: {', '.join(other)}")
    copy = folder.parent / (folder.name + "-sls3")
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns(".serverless"))
    if plugins:  # the copy without its top-level plugins: block (they add no resources)
        text = (copy / "serverless.yml").read_text()
        text = re.sub(r"^plugins:.*\n(?:(?:[ \t]+|-).*\n|[ \t]*\n)*", "", text, flags=re.M)
        (copy / "serverless.yml").write_text(text)
    env = {
        **os.environ, "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
        "SLS_DEPRECATION_DISABLE": "*", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "HOME": str(copy),
    }  # fmt: skip
    real = subprocess.run(
        ["unshare", "--net", "--map-root-user", str(serverless), "package"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    written = ".serverless/cloudformation-template-update-stack.json"
    ours = folder / written
    if real.returncode != 0:
        said = [ln for ln in (real.stdout + real.stderr).splitlines() if ln.strip()]
        reason = next((ln.strip() for ln in said if "Error" not in ln and len(ln) > 20), "")
        if not ours.exists():
            return Outcome("ok", f"both stop ({reason})")
        return Outcome("BROKEN", f"serverless@3 stops, the sandbox does not: {reason}")
    if not ours.exists():
        return Outcome("BROKEN", "serverless@3 packages it, the sandbox does not")
    theirs_all = _ids(json.loads((copy / written).read_text()))
    mine_all = _ids(json.loads(ours.read_text()))
    theirs = {r for r in theirs_all if not NOT_YET.search(f"{r[1]} {r[0]}")}
    mine = {r for r in mine_all if not NOT_YET.search(f"{r[1]} {r[0]}")}
    if mine != theirs or not mine_all <= theirs_all:
        missing = sorted(f"{i}" for i, _ in theirs - mine)
        extra = sorted(f"{i}" for i, _ in mine_all - theirs_all)
        return Outcome("BROKEN", f"missing {missing} extra {extra}")
    return Outcome("ok", f"{len(mine_all)} resources match")


def run_service(name: str, tmp: Path, endpoint: str, serverless: Path | None) -> Row:
    row = Row(name)
    folder = tmp / name
    shutil.copytree(CORPUS / name, folder)
    printed = sls(folder, "print")
    row.steps["print"] = judge(*printed[::2])
    status, _, err = sls(folder, "package")
    row.steps["package"] = judge(status, err)
    package = row.steps["package"]
    refused = package if package.status == "refused" else None
    row.steps["sls3"] = reference(folder, serverless, refused)
    functions, routes = functions_of(*printed[:2])
    row.steps["offline"] = (
        offline(folder, routes) if row.steps["print"].status == "ok" else Outcome("n/a")
    )
    status, _, err = sls(folder, "deploy", "--endpoint", endpoint, timeout=300)
    row.steps["deploy"] = judge(status, err)
    invoked: list[Outcome] = []
    local: list[Outcome] = []
    for fn in functions:
        if row.steps["deploy"].status == "ok":
            invoked.append(ran(folder, *sls(folder, "invoke", "-f", fn, "--endpoint", endpoint)))
        local.append(ran(folder, *sls(folder, "invoke", "local", "-f", fn)))
    row.steps["invoke"] = worst(invoked) if invoked else Outcome("n/a", "not deployed")
    row.steps["invoke local"] = worst(local) if local else Outcome("n/a", "no functions")
    return row


def worst(outcomes: list[Outcome]) -> Outcome:
    for status in ("BROKEN", "refused"):
        found = [o for o in outcomes if o.status == status]
        if found:
            return Outcome(status, f"{len(found)}/{len(outcomes)} functions: {found[0].why}")
    notes = sorted({o.why for o in outcomes if o.why})
    return Outcome("ok", "; ".join(notes))


def table(rows: list[Row]) -> str:
    def mark(o: Outcome) -> str:
        return (
            "refused (as AWS/v3)" if o.status == "refused" and AS_REAL.search(o.why) else o.status
        )

    lines = ["| service | " + " | ".join(STEPS) + " |", "|---" * (len(STEPS) + 1) + "|"]
    for row in rows:
        cells = [mark(row.steps[s]) for s in STEPS]
        lines.append(f"| {row.name} | " + " | ".join(cells) + " |")
    counted = [o for row in rows for o in row.steps.values() if o.status != "n/a"]
    ok = sum(o.status == "ok" for o in counted)
    as_real = sum(mark(o) == "refused (as AWS/v3)" for o in counted)
    refused = sum(o.status == "refused" for o in counted) - as_real
    broken = len(counted) - ok - refused - as_real
    total = max(len(counted), 1)
    lines += [
        "",
        f"{ok}/{len(counted)} steps ok ({100 * ok / total:.0f} %); with the {as_real} refused "
        f"as AWS or serverless@3 refuse them: {100 * (ok + as_real) / total:.0f} % work as on "
        f"AWS with the real framework; {refused} refused with one line (a gap of the sandbox), "
        f"{broken} broken ({len(rows)} services; n/a steps not counted)",
        "",
        "Why, step by step (ok steps with a note, every refusal and break):",
    ]
    for row in rows:
        for step in STEPS:
            outcome = row.steps[step]
            if outcome.why:
                lines.append(f"- {row.name} / {step}: {outcome.cell()}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these services")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-reference", action="store_true", help="skip serverless@3")
    args = parser.parse_args()
    names = args.names or sorted(
        p.name for p in CORPUS.iterdir() if (p / "serverless.yml").is_file()
    )
    serverless = None
    if not args.no_reference and shutil.which("unshare"):
        serverless, reason = targets.ensure_serverless()
        if serverless is None:
            print(f"serverless@3 not compared: {reason}", file=sys.stderr)
    port = targets.free_port()
    server = subprocess.Popen(
        [str(WORKSHOP), "sandbox", "start", "--foreground", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    started = time.monotonic()
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() - started > 60 or server.poll() is not None:
                    print("the sandbox server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.3)
        endpoint = f"http://127.0.0.1:{port}"
        with (
            tempfile.TemporaryDirectory(prefix="corpus-") as tmp,
            ThreadPoolExecutor(args.jobs) as pool,
        ):
            rows = list(pool.map(lambda n: run_service(n, Path(tmp), endpoint, serverless), names))
            text = table(rows)
            print(text, flush=True)
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / f"table{'-pip' if os.environ.get('WORKSHOP_PIP_INSTALL') == '1' else ''}.md"
             ).write_text(text + "\n")  # fmt: skip
    finally:
        stop_group(server, term_s=60)  # a server may be busy finishing Lambda workers
    print(f"\nmake corpus: {time.monotonic() - started:.0f} s (shared machine)")
    return 0 if all(o.status != "BROKEN" for r in rows for o in r.steps.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
