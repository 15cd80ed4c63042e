"""Lambda function URLs answered in-process: no lookup of <id>.lambda-url.<region>.on.aws."""

from __future__ import annotations

import json

import pytest
import requests
from aws_lambda_powertools.utilities.parser.models import LambdaFunctionUrlModel

from tests.lambda_helpers import create
from workshop_lib import netguard, sandbox

ECHO = """import json
def handler(event, context):
    return {"statusCode": 201, "headers": {"x-echo": "1"}, "body": json.dumps(event)}
"""


@pytest.fixture(scope="module")
def urls():
    aws = sandbox(clock="virtual")
    aws.shared_by_module = True
    aws.start()
    create(aws, "echo", ECHO)
    create(aws, "plain", "def handler(event, context):\n    return {'hello': 'world'}\n")
    create(aws, "boom", "def handler(event, context):\n    raise ValueError('no')\n")
    create(aws, "iam", "def handler(event, context):\n    return 1\n")
    lam = aws.client("lambda")
    found = {}
    for name in ("echo", "plain", "boom", "iam"):
        auth = "AWS_IAM" if name == "iam" else "NONE"
        found[name] = lam.create_function_url_config(FunctionName=name, AuthType=auth)[
            "FunctionUrl"
        ]
    yield found
    aws.stop()


def test_the_event_is_payload_2_0_as_powertools_models_it(urls):
    response = requests.post(
        urls["echo"].rstrip("/") + "/items/7?tag=a&tag=b&q=",
        data=b'{"name": "x"}',
        headers={"Content-Type": "application/json", "Cookie": "a=1; b=2"},
        timeout=30,
    )
    assert response.status_code == 201 and response.headers["x-echo"] == "1"
    event = response.json()
    model = LambdaFunctionUrlModel(**event)  # raises on a missing or mistyped field
    assert model.rawPath == "/items/7" and model.rawQueryString == "tag=a&tag=b&q="
    assert event["queryStringParameters"] == {"tag": "a,b", "q": ""}
    assert event["cookies"] == ["a=1", "b=2"]
    assert json.loads(event["body"]) == {"name": "x"} and not event["isBase64Encoded"]
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["headers"]["content-type"] == "application/json"


def test_a_result_without_status_code_is_a_200_json_body(urls):
    response = requests.get(urls["plain"], timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"hello": "world"}


def test_errors_unknown_urls_and_unsigned_iam_urls(urls):
    assert requests.get(urls["boom"], timeout=30).status_code == 502
    assert requests.get(urls["iam"], timeout=30).status_code == 403
    unknown = "https://0123456789abcdef.lambda-url.us-east-1.on.aws/"
    assert requests.get(unknown, timeout=30).status_code == 403


def test_no_lookup_is_needed_for_a_function_url(urls, monkeypatch):
    refused = []
    original = netguard.refusal

    def recording(what, host):
        refused.append(host)
        return original(what, host)

    monkeypatch.setattr(netguard, "refusal", recording)
    requests.get(urls["plain"], timeout=30)
    assert refused == []
