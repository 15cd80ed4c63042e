"""The moto 5.2.5 behaviours the framework relies on or works around: each test fails
loudly when an upgrade changes one (then the workaround may go, or must change)."""

from __future__ import annotations

import pytest
from moto.apigateway.models import Method
from moto.cloudformation.parsing import get_model_map
from moto.moto_api._internal import urls

from workshop_lib.framework import gaps


@pytest.mark.parametrize("kind", gaps.SKIPPED_TYPES)
def test_moto_cloudformation_still_skips_what_gaps_creates(kind):
    assert kind not in get_model_map()  # if moto learns one, gaps would create it twice


def test_moto_method_from_cloudformation_needs_an_integration_uri():
    import boto3

    from workshop_lib import sandbox

    original = Method.__dict__["create_from_cloudformation_json"]
    with sandbox() as aws:
        apigw = boto3.client("apigateway")
        api = apigw.create_rest_api(name="seam")
        props = {
            "RestApiId": api["id"], "ResourceId": api["rootResourceId"], "HttpMethod": "OPTIONS",
            "AuthorizationType": "NONE", "Integration": {"Type": "MOCK"},
        }  # fmt: skip
        with pytest.raises(KeyError):  # what workshop_lib.framework.plugin works around
            original.__func__(Method, "M", {"Properties": props}, aws.account_id, aws.region)
        patched = Method.create_from_cloudformation_json  # the plug-in's version lets it through
        patched("M", {"Properties": props}, aws.account_id, aws.region)


def test_moto_api_routes_are_a_dict_the_server_reads():
    assert isinstance(urls.url_paths, dict)
    assert "{0}/moto-api/reset" in urls.url_paths


def test_audit_records_a_function_call_in_process():
    import boto3

    from tests.lambda_helpers import create, invoke
    from workshop_lib import sandbox
    from workshop_lib.iam import access_key_for, calls

    code = (
        "import boto3\ndef handler(e, c):\n    boto3.client('sqs').list_queues()\n    return 'ok'\n"
    )
    with sandbox() as aws:
        create(aws, "caller", code)
        invoke(aws, "caller")
        boto3.client("sqs").list_queues()  # the notebook's own calls are not a function's
        assert access_key_for("caller").startswith("ASIA") and len(access_key_for("caller")) == 20
        assert [(c.function, c.action, c.count) for c in calls()] == [
            ("caller", "sqs:ListQueues", 1)
        ]
