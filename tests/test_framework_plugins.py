"""Plugins: serverless-wsgi runs a Flask app on Lambda (its handler and configuration in the
zip, PyPI's serverless-wsgi doing the wrapping); other plugins are one line."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from workshop_lib import sandbox
from workshop_lib.framework import Service, deploy, sls
from workshop_lib.framework.config import ConfigError
from workshop_lib.framework.package import build_packages

SERVICE = """\
service: flask-notes
provider:
  name: aws
  runtime: python3.12
  region: eu-west-1
custom:
  wsgi:
    app: app.app
functions:
  api:
    handler: wsgi_handler.handler
    events:
      - http: ANY /
      - http: 'ANY /{proxy+}'
plugins:
  - serverless-wsgi
"""

APP = """\
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/notes/<note_id>")
def get_note(note_id):
    return jsonify(id=note_id, q=request.args.get("q"), stage=request.environ.get("SCRIPT_NAME"))
"""


def rest_event(path: str, query: dict[str, str] | None = None) -> dict:
    """An API Gateway REST proxy event (payload 1.0) for GET ``path``."""
    return {
        "resource": "/{proxy+}", "path": path, "httpMethod": "GET",
        "headers": {"Host": "abc.execute-api.eu-west-1.amazonaws.com"},
        "multiValueHeaders": {"Host": ["abc.execute-api.eu-west-1.amazonaws.com"]},
        "queryStringParameters": query, "multiValueQueryStringParameters":
            {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
        "requestContext": {"stage": "dev", "path": f"/dev{path}", "httpMethod": "GET",
                           "requestId": "r1", "identity": {"sourceIp": "127.0.0.1"}},
        "body": None, "isBase64Encoded": False,
    }  # fmt: skip


@pytest.fixture
def flask_service(tmp_path: Path) -> Path:
    (tmp_path / "serverless.yml").write_text(SERVICE)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "requirements.txt").write_text("Flask\n")
    return tmp_path


def test_wsgi_package_has_the_plugins_files_and_the_requirements(flask_service):
    service = Service.load(flask_service)
    artifact = build_packages(service).main
    names = set(zipfile.ZipFile(io.BytesIO(artifact.data)).namelist())
    assert {"app.py", "wsgi_handler.py", "serverless_wsgi.py", ".serverless-wsgi"} <= names
    assert {"flask/__init__.py", "werkzeug/__init__.py"} <= names  # requirements + the plugin's
    config = zipfile.ZipFile(io.BytesIO(artifact.data)).read(".serverless-wsgi")
    assert config == b'{"app":"app.app"}'  # JSON.stringify's form, as the plugin writes it


def test_wsgi_app_answers_invoke_local(flask_service, capsys):
    event = json.dumps(rest_event("/notes/n1", {"q": "x"}))
    assert sls(f"invoke local -f api -d '{event}'", service=flask_service) == 0
    response = json.loads(capsys.readouterr().out)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"id": "n1", "q": "x", "stage": "/dev"}


@pytest.mark.slow
def test_wsgi_app_deployed_answers_through_api_gateway(flask_service):
    import requests

    with sandbox(region="eu-west-1") as aws:
        result = deploy.deploy(Service.load(flask_service), aws, out=lambda line: None)
        url = aws.serve_api(result.info.rest_api_id, "dev")
        response = requests.get(f"{url}/notes/n2?q=y", timeout=30)
    assert response.status_code == 200, response.text
    # serverless-wsgi puts the stage in SCRIPT_NAME only for an execute-api Host (on AWS);
    # the sandbox's gateway is reached on loopback
    assert response.json() == {"id": "n2", "q": "y", "stage": ""}


def test_wsgi_without_an_app_is_the_plugins_warning(flask_service):
    text = SERVICE.replace("custom:\n  wsgi:\n    app: app.app\n", "")
    (flask_service / "serverless.yml").write_text(text)
    service = Service.load(flask_service)
    assert any("No WSGI app specified" in w for w in service.warnings)
    names = build_packages(service).main.files
    assert "wsgi_handler.py" not in names


@pytest.mark.parametrize(
    ("plugin", "expected"),
    [
        ("serverless-lift", "it would have built the `constructs:`"),
        ("serverless-step-functions", "it would have created the Step Functions state machines"),
        ("some-private-plugin", "it may add resources or change the package"),
    ],
)
def test_other_plugins_are_refused_naming_what_they_do(flask_service, plugin, expected):
    (flask_service / "serverless.yml").write_text(SERVICE + f"  - {plugin}\n")
    with pytest.raises(ConfigError) as info:
        Service.load(flask_service)
    message = str(info.value)
    assert f"plugin {plugin!r} is not available in the sandbox ({expected}" in message
    assert "serverless.yml, line 17" in message and "\n" not in message


def test_plugins_that_act_after_a_deploy_are_a_warning(flask_service):
    (flask_service / "serverless.yml").write_text(SERVICE + "  - serverless-prune-plugin\n")
    warnings = Service.load(flask_service).warnings
    assert any("'serverless-prune-plugin' is not in the sandbox; it would have deleted" in w
               for w in warnings)  # fmt: skip


# -- serverless-python-requirements: what the plugin reads ---------------------------------
REQUIREMENTS_SERVICE = """\
service: reqs
provider:
  name: aws
  runtime: python3.12
plugins:
  - serverless-python-requirements
functions:
  one:
    handler: handler.main
"""


def _names(artifact) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(artifact.data)).namelist())


def test_requirements_follow_includes_and_the_file_name(tmp_path):
    text = REQUIREMENTS_SERVICE + "custom:\n  pythonRequirements:\n    fileName: reqs/prod.txt\n"
    (tmp_path / "serverless.yml").write_text(text)
    (tmp_path / "handler.py").write_text("def main(e, c): return 1\n")
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "prod.txt").write_text("# pinned below\n-r common.txt\n")
    (tmp_path / "reqs" / "common.txt").write_text("six  # a comment\n")
    names = _names(build_packages(Service.load(tmp_path)).main)
    assert "six.py" in names and "handler.py" in names
    (tmp_path / "reqs" / "prod.txt").write_text("-r missing.txt\n")
    with pytest.raises(ValueError, match=r"prod.txt, line 1: missing.txt \(included with -r\)"):
        build_packages(Service.load(tmp_path))


def test_a_poetry_project_is_read_before_requirements_txt(tmp_path):
    (tmp_path / "serverless.yml").write_text(REQUIREMENTS_SERVICE)
    (tmp_path / "handler.py").write_text("def main(e, c): return 1\n")
    (tmp_path / "requirements.txt").write_text("six\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry.dependencies]\npython = "^3.9"\nno-such-dist = "^0.10.2"\n'
        '[build-system]\nrequires = ["poetry-core>=1.0"]\n'
    )
    with pytest.raises(ValueError, match=r"no-such-dist \(from pyproject.toml\).*<0.11,>=0.10.2"):
        build_packages(Service.load(tmp_path))
    (tmp_path / "serverless.yml").write_text(
        REQUIREMENTS_SERVICE + "custom:\n  pythonRequirements:\n    usePoetry: false\n"
    )
    assert "six.py" in _names(build_packages(Service.load(tmp_path)).main)


def test_a_module_is_the_root_of_its_functions_zip_with_its_own_requirements(tmp_path):
    text = REQUIREMENTS_SERVICE.replace("handler.main\n", "handler.main\n    module: one\n")
    text += "  two:\n    handler: handler.main\n    module: two\npackage:\n  individually: true\n"
    (tmp_path / "serverless.yml").write_text(text)
    for module, requirement in (("one", "six\n"), ("two", "")):
        (tmp_path / module).mkdir()
        (tmp_path / module / "handler.py").write_text("def main(e, c): return 1\n")
        (tmp_path / module / "requirements.txt").write_text(requirement)
    service = Service.load(tmp_path)
    assert not [w for w in service.warnings if "module" in w]  # the plugin's schema key
    zips = build_packages(service).by_function
    assert {"handler.py", "requirements.txt", "six.py"} <= _names(zips["one"])
    assert _names(zips["two"]) == {"handler.py", "requirements.txt"}


def test_a_missing_requirement_is_pip_installed_only_when_asked(tmp_path, monkeypatch):
    """Offline by default (one line naming both ways on); with WORKSHOP_PIP_INSTALL=1, pip
    installs the list into .serverless/requirements, as the plugin does (pip faked here:
    nothing leaves the machine), and pip's own error is one line."""
    import subprocess

    from workshop_lib.framework.requirements import PIP_OPT_IN, bundle

    (tmp_path / "requirements.txt").write_text("no-such-dist==1.0\nsix\n")
    monkeypatch.delenv(PIP_OPT_IN, raising=False)
    with pytest.raises(ValueError, match=rf"pip install 'no-such-dist==1.0' \(or {PIP_OPT_IN}=1"):
        bundle(tmp_path)
    calls = []

    def fake_pip(argv, **kwargs):
        calls.append(argv)
        target = Path(argv[argv.index("--target") + 1])
        (target / "no_such_dist.py").write_text("VERSION = '1.0'\n")
        (target / "bin").mkdir()
        (target / "bin" / "tool").write_text("#!/bin/sh\n")
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setenv(PIP_OPT_IN, "1")
    monkeypatch.setattr(subprocess, "run", fake_pip)
    assert bundle(tmp_path) == {"no_such_dist.py": b"VERSION = '1.0'\n"}
    assert bundle(tmp_path) and len(calls) == 1  # the same list again: the kept install
    assert calls[0][-2:] == ["no-such-dist==1.0", "six"]
    (tmp_path / "requirements.txt").write_text("other-dist\n")
    monkeypatch.setattr(
        subprocess, "run",
        lambda argv, **kw: subprocess.CompletedProcess(argv, 1, "", "ERROR: No matching "
                                                        "distribution found for other-dist\n"),
    )  # fmt: skip
    with pytest.raises(ValueError, match="failed: ERROR: No matching distribution found"):
        bundle(tmp_path)
