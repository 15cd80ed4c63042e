"""`workshop sls …`: in a notebook's sandbox (sls()), against a sandbox server, and offline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.test_server import free_port, workshop
from workshop_lib import sandbox
from workshop_lib.framework import sls
from workshop_lib.framework.cli import main

SERVICE = Path(__file__).parent / "framework_service"


@pytest.fixture
def service_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    shutil.copytree(SERVICE, folder)
    return folder


def test_create_then_invoke_local_package_and_print(tmp_path, capsys):
    folder = tmp_path / "hello-service"
    assert sls(f"create --template aws-python3 --path {folder}") == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        ".gitignore",
        "handler.py",
        "serverless.yml",
    ]
    assert "service: hello-service" in (folder / "serverless.yml").read_text()
    capsys.readouterr()
    assert sls('invoke local -f hello -d \'{"name": "Ada"}\'', service=folder) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["input"] == {"name": "Ada"}
    assert sls("package", service=folder) == 0
    out = capsys.readouterr().out
    assert out.startswith("Packaged hello-service.zip (1 file,")  # handler.py: not the yml
    assert ".serverless/cloudformation-template-update-stack.json" in out
    assert sls("print --stage prod", service=folder) == 0
    printed = capsys.readouterr().out
    assert "service: hello-service" in printed and "stage: dev" in printed
    assert sls(f"create --path {folder}") == 1  # not empty: refused, nothing overwritten
    assert "already exists" in capsys.readouterr().err


def test_invoke_local_logs_and_errors(tmp_path, capsys):
    folder = tmp_path / "svc"
    sls(f"create --path {folder}")
    (folder / "handler.py").write_text("def hello(event, context):\n    print('hi')\n    1 / 0\n")
    capsys.readouterr()
    assert sls("invoke local -f hello --log", service=folder) == 1
    out = capsys.readouterr().out
    assert "hi" in out and '"errorType": "ZeroDivisionError"' in out and "REPORT RequestId" in out
    assert sls("invoke local -f nope", service=folder) == 1
    assert "function 'nope' is not in serverless.yml" in capsys.readouterr().err


def test_unknown_keys_warn_naming_the_line_and_error_when_asked(tmp_path, capsys):
    folder = tmp_path / "svc"
    sls(f"create --path {folder}")
    text = (folder / "serverless.yml").read_text().replace("  memorySize:", "  memorysize:")
    (folder / "serverless.yml").write_text(text)
    capsys.readouterr()
    assert sls("print", service=folder) == 0  # v3's default, configValidationMode: warn
    err = capsys.readouterr().err
    assert err.startswith("workshop sls: warning: serverless.yml, line 12: unknown key ")
    assert "'memorysize' in provider; did you mean 'memorySize'" in err
    (folder / "serverless.yml").write_text("configValidationMode: error\n" + text)
    assert sls("print", service=folder) == 1
    err = capsys.readouterr().err
    assert err.startswith("workshop sls: serverless.yml, line 13: unknown key 'memorysize'")
    assert err.count("\n") == 1


def test_the_whole_cycle_in_a_notebook_sandbox(service_dir, capsys):
    with sandbox(region="eu-west-1"):
        assert sls("deploy --verbose", service=service_dir) == 0
        out = capsys.readouterr().out
        assert "CloudFormation - CREATE_COMPLETE - AWS::Lambda::Function - GetLambdaFunction" in out
        assert "Created what moto's CloudFormation skips:" in out
        assert (
            sls('invoke -f get -d \'{"pathParameters": {"id": "x"}}\' --log', service=service_dir)
            == 0
        )
        out = capsys.readouterr().out
        assert '"statusCode": 404' in out and "START RequestId" in out
        assert sls("logs -f get", service=service_dir) == 0
        assert "END RequestId" in capsys.readouterr().out
        assert sls("deploy function -f get", service=service_dir) == 0
        assert "Code not changed" in capsys.readouterr().out
        assert sls("info", service=service_dir) == 0
        assert "GET - https://" in capsys.readouterr().out
        assert sls("remove", service=service_dir) == 0
        assert "successfully removed" in capsys.readouterr().out


@pytest.mark.slow
def test_commands_against_a_sandbox_server(service_dir):
    port = free_port()
    # the server in the service's region: API Gateway and Lambda logs live there
    assert (
        workshop("sandbox", "start", "--port", str(port), "--region", "eu-west-1").returncode == 0
    )
    endpoint = ["--service", str(service_dir), "--endpoint", f"http://127.0.0.1:{port}"]
    try:
        deployed = workshop("sls", "deploy", *endpoint)
        assert deployed.returncode == 0, deployed.stderr
        assert "Service deployed to stack notes-dev" in deployed.stdout
        event = json.dumps({"Records": [{"body": json.dumps({"id": "n1"})}]})
        invoked = workshop("sls", "invoke", "-f", "worker", "-d", event, *endpoint)
        assert invoked.returncode == 0, invoked.stderr
        assert json.loads(invoked.stdout) == {"processed": 1}
        got = workshop(
            "sls", "invoke", "-f", "get", "-d", '{"pathParameters": {"id": "n1"}}', *endpoint
        )
        assert '"statusCode": 200' in got.stdout
        scanned = workshop("sls", "invoke", "-f", "scan", *endpoint)
        assert '"statusCode": 200' in scanned.stdout
        info = workshop("sls", "info", *endpoint)
        assert "notes-key: " in info.stdout
        assert "warning: notes-dev-scan called dynamodb:Scan" in info.stdout  # from the server
        logs = workshop("sls", "logs", "-f", "worker", *endpoint)
        assert "REPORT RequestId" in logs.stdout
        removed = workshop("sls", "remove", *endpoint)
        assert removed.returncode == 0 and "successfully removed" in removed.stdout
    finally:
        workshop("sandbox", "stop", "--port", str(port))


def test_no_server_is_a_clear_error(service_dir):
    port = free_port()
    result = workshop(
        "sls", "info", "--service", str(service_dir), "--endpoint", f"http://127.0.0.1:{port}"
    )
    assert result.returncode == 1
    assert f"start one with `workshop sandbox start --port {port}`" in result.stderr


@pytest.mark.slow
def test_offline_serves_enforces_and_reloads(service_dir):
    process = subprocess.Popen(
        [sys.executable, "-m", "workshop_lib.cli", "sls", "offline", "--port", "0",
         "--service", str(service_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        assert line.startswith("Serverless offline listening on http://127.0.0.1:"), (
            line + process.stderr.read() if process.poll() is not None else line
        )
        url = line.split()[4]
        key = line.split("(API key notes-key: ")[1].rstrip(")\n")
        assert url.endswith("/dev")
        assert requests.get(f"{url}/notes").json()["version"] == "v1"
        assert requests.post(f"{url}/notes", json={"id": "a"}).status_code == 403  # no key
        headers = {"x-api-key": key, "Authorization": "Bearer writer"}
        assert requests.post(f"{url}/notes", json={"id": "a"}, headers=headers).status_code == 201
        code = service_dir / "src" / "notes.py"
        code.write_text(code.read_text().replace('VERSION = "v1"', 'VERSION = "v2"'))
        reloaded = process.stdout.readline()
        assert reloaded.startswith("offline: reloaded (src/notes.py)"), reloaded
        assert requests.get(f"{url}/notes").json()["version"] == "v2"
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert process.returncode == 0


def test_main_rejects_unknown_commands(capsys):
    with pytest.raises(SystemExit):
        main(["fly"])
    assert "invalid choice" in capsys.readouterr().err


def test_a_mistyped_flag_in_a_notebook_returns_2_not_a_traceback(tmp_path, capsys):
    assert sls("deploy --nope", service=tmp_path) == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err
