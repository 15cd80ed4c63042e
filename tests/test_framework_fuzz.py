"""No traceback reaches the user of `workshop sls`, whatever shape serverless.yml has.

Every key of real serverless.yml files (the test service's and a minimal one) is replaced,
one at a time, by each value of the wrong kinds (empty, text, a number, true, a list, a
mapping, an unresolvable or unbalanced variable), and the file is given to print, package,
invoke local and deploy as a learner would. Each must end with exit status 0, or 1 and
exactly one line on stderr (besides warnings) that starts with `workshop sls`: never a
traceback, never an exception out of the command.
"""

from __future__ import annotations

import copy
import io
import os
import shutil
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_server import free_port
from workshop_lib.framework.cli import main

SERVICE = Path(__file__).parent / "framework_service"
MINIMAL = {
    "service": "tiny",
    "frameworkVersion": "3",
    "provider": {"name": "aws", "runtime": "python3.12", "environment": {"A": "b"}},
    "package": {"patterns": ["!tests/**"], "individually": False},
    "functions": {"hello": {"handler": "src/notes.scan", "events": [
        {"http": {"path": "x", "method": "get", "cors": True}},
        {"schedule": "rate(1 minute)"}, {"sqs": "arn:aws:sqs:us-east-1:123456789012:q"},
        {"s3": {"bucket": "b", "event": "s3:ObjectCreated:*"}},
    ]}},
    "plugins": ["serverless-python-requirements"],
    "custom": {"k": "${self:provider.runtime}"},
    "resources": {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}},
}  # fmt: skip
WRONG = [None, "oops", 7, True, [], ["x"], {}, {"x": 1}, "${self:nope.nowhere}", "${opt:stage"]


def paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every key path (mapping keys and list indexes) in ``value``."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        yield (*prefix, key)
        if isinstance(child, (dict, list)):
            yield from paths(child, (*prefix, key))


def mutated(data: dict, path: tuple, wrong: Any) -> dict:
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = copy.deepcopy(wrong)
    return out


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse: not reached with these command lines
            status = int(exc.code or 0)
    return status, err.getvalue()


def assert_one_line(status: int, err: str, what: str) -> None:
    assert "Traceback" not in err, what
    lines = [
        line for line in err.splitlines()
        if not line.startswith(("workshop sls: warning:", "invoke local:", "note:"))
    ]  # fmt: skip
    assert status in (0, 1), (what, status, err)
    if status == 1 and lines:  # a handler's own error goes to stdout with status 1
        assert len(lines) == 1 and lines[0].startswith("workshop sls"), (what, err)


def cases(every: bool) -> list[tuple[str, dict, tuple, Any]]:
    """Each key path with every wrong value (``WORKSHOP_FUZZ=all``, ~1,500 cases), else with
    one of them, rotating, so that each wrong value is tried on a tenth of the paths (a few
    seconds of CPU in make test)."""
    demo = yaml.safe_load((SERVICE / "serverless.yml").read_text())
    out = []
    for name, data in (("demo", demo), ("minimal", MINIMAL)):
        for index, path in enumerate(paths(data)):
            chosen = WRONG if every else [WRONG[index % len(WRONG)]]
            out += [(name, data, path, wrong) for wrong in chosen]
    return out


@pytest.mark.slow
def test_every_wrong_shape_is_one_line_or_works(tmp_path, monkeypatch):
    from workshop_lib import sandbox

    monkeypatch.setenv("NOTES_TABLE", "notes")
    folder = tmp_path / "svc"
    shutil.copytree(SERVICE, folder)
    nowhere = f"http://127.0.0.1:{free_port()}"  # never reached: the file is refused first
    failures: list[str] = []
    every = os.environ.get("WORKSHOP_FUZZ") == "all"
    all_cases = cases(every)
    assert len(all_cases) > (1000 if every else 150)
    with sandbox(region="eu-west-1"):  # invoke local's calls: here, not to a new one each time
        for name, data, path, wrong in all_cases:
            what = f"{name}: {'.'.join(map(str, path))} = {wrong!r}"
            text = yaml.safe_dump(mutated(data, path, wrong), sort_keys=False)
            (folder / "serverless.yml").write_text(text)
            service = ["--service", str(folder)]
            try:
                status, err = run("print", *service)
                assert_one_line(status, err, what + " (print)")
                if status == 1:  # the same one line from every command, before any deploy
                    assert run("deploy", *service, "--endpoint", nowhere)[0] == 1
                    continue
                assert_one_line(*run("package", *service), what + " (package)")
                if path[0] in ("functions", "provider") and (every or "get" in path):
                    for fn in ("hello", "get"):
                        assert_one_line(*run("invoke", "local", "-f", fn, *service), what)
            except AssertionError as exc:
                failures.append(str(exc)[:300])
            except Exception as exc:  # an exception out of the command: what this test finds
                failures.append(f"{what}: {type(exc).__name__}: {exc}"[:300])
    assert failures == [], f"{len(failures)} of {len(all_cases)}:\n" + "\n".join(failures[:40])
