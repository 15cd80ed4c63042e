"""Every moto internal the sandbox relies on, pinned: an upgrade that moves one fails here."""

from __future__ import annotations

import importlib.util
import inspect
import re
from importlib import metadata
from pathlib import Path

import pytest


def test_moto_and_boto_versions_are_the_pinned_ones():
    assert metadata.version("moto") == "5.2.5"
    assert metadata.version("boto3") == "1.44.5"


def test_mock_aws_takes_a_config_with_the_keys_we_set():
    from moto import mock_aws
    from moto.core.config import default_user_config

    from workshop_lib.sandbox import MOTO_CONFIG

    for section, values in MOTO_CONFIG.items():
        assert section in default_user_config
        assert set(values) <= set(default_user_config[section])
    assert "config" in inspect.signature(mock_aws).parameters


def test_mock_aws_nesting_counter_exists():
    from moto.core.models import MockAWS

    assert isinstance(MockAWS._nested_count, int)


def test_threaded_moto_server_interface():
    from moto.server import ThreadedMotoServer

    params = inspect.signature(ThreadedMotoServer).parameters
    assert list(params) == ["ip_address", "port", "verbose"]
    assert callable(ThreadedMotoServer.get_host_and_port) and callable(ThreadedMotoServer.stop)


def test_moto_api_reset_and_seedable_random():
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.models import moto_api_backend

    assert callable(moto_api_backend.reset)
    mock_random.seed(3)
    first = mock_random.uuid4()
    mock_random.seed(3)
    assert mock_random.uuid4() == first


def test_server_reset_and_seed_urls_exist():
    from moto.moto_api._internal.urls import url_paths

    joined = " ".join(url_paths)
    assert "/moto-api/reset" in joined and "/moto-api/seed" in joined


# -- workshop_lib/ec2.py: moto's EC2 models imported cheaply ---------------------------------
_EC2_PROBE = """
import json, sys
from workshop_lib import ec2
deferred = {defer}
if deferred:
    assert ec2.defer_offerings()
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
import boto3, moto.core
before = rss()
import moto.ec2.models  # what the sandbox's CloudFormation import pulls in
grown = rss() - before
from moto import mock_aws
from moto.ec2.models import instance_types
with mock_aws():
    client = boto3.client("ec2", region_name="eu-west-1")
    offerings = {{
        kind: client.describe_instance_type_offerings(LocationType=kind)["InstanceTypeOfferings"]
        for kind in ("region", "availability-zone", "availability-zone-id")
    }}
    regions = [r["RegionName"] for r in client.describe_regions()["Regions"]]
    zones = [z["ZoneName"] for z in client.describe_availability_zones()["AvailabilityZones"]]
lazy = type(instance_types.INSTANCE_TYPE_OFFERINGS["region"]).__name__
print(json.dumps({{"grown": grown, "offerings": offerings, "regions": regions, "zones": zones,
                  "lazy": lazy}}))
"""


def _ec2_probe(defer: bool) -> dict:
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _EC2_PROBE.format(defer=defer)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return json.loads(out)


@pytest.mark.slow
def test_deferred_ec2_data_is_the_same_data_read_later_and_the_import_is_smaller():
    """moto.ec2.models.instance_types still loads offerings per region file at import and
    availability_zones_and_regions still asks boto3 sessions for regions: if moto changes
    either, the lazy dict is not installed or the answers differ, and this fails."""
    plain, deferred = _ec2_probe(False), _ec2_probe(True)
    assert (plain["lazy"], deferred["lazy"]) == ("dict", "LazyRegions")
    for key in ("offerings", "regions", "zones"):
        assert deferred[key] == plain[key], key
    assert len(plain["offerings"]["availability-zone"]) > 1000
    assert plain["grown"] - deferred["grown"] >= 30, (plain["grown"], deferred["grown"])


def test_deferring_after_ec2_was_imported_says_it_is_too_late():
    import subprocess
    import sys

    code = (
        "import moto.ec2.models\nfrom workshop_lib import ec2\n"
        "print(ec2.defer_offerings(), ec2.defer_offerings())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.split() == ["False", "False"]


def test_an_in_process_sandbox_defers_ec2_data_before_anything_imports_it():
    import sys

    from workshop_lib import ec2, sandbox

    with sandbox():
        assert ec2._FINDER in sys.meta_path


# -- workshop_lib/botodata.py: botocore's files decoded once for the sandbox's sessions -------
def test_a_session_on_the_shared_loader_answers_like_its_own():
    import boto3

    from workshop_lib.botodata import share, shared_loader

    plain = boto3.Session(region_name="eu-west-1")
    assert plain._loader is plain._session.get_component("data_loader")  # boto3's seam
    shared = share(boto3.Session(region_name="eu-west-1"))
    assert shared._loader is shared_loader() is shared._session.get_component("data_loader")
    # not s3: botocore edits S3's loaded model in place on each operation's first call
    # (remove_bucket_from_url_paths_from_model, idempotent), which a session's clients share
    # already; a sandbox used earlier in this process leaves its edits in the shared model
    for service in ("lambda", "apigateway", "cloudformation", "logs"):
        assert shared.get_available_regions(service) == plain.get_available_regions(service)
        assert shared._session.get_service_data(service) == plain._session.get_service_data(service)
    # resources need boto3's own data folder on the loader
    assert shared.get_available_resources() == plain.get_available_resources()


def test_an_in_process_sandbox_and_moto_share_one_loader():
    from moto.core.base_backend import AccountSpecificBackend

    from workshop_lib import sandbox
    from workshop_lib.botodata import shared_loader

    with sandbox() as aws:
        assert aws.session()._loader is shared_loader()
        # moto lists each backend's regions with this one cached session
        assert AccountSpecificBackend.get_session() is AccountSpecificBackend.get_session()
        # a plain boto3.Session(): ec2.py gives it to moto's EC2 import for Session()
        assert "return Session()" in inspect.getsource(AccountSpecificBackend.get_session)
        assert AccountSpecificBackend.get_session()._loader is shared_loader()
        source = inspect.getsource(AccountSpecificBackend._generate_regions)
        assert "AccountSpecificBackend.get_session().get_available_regions(" in source


def test_ec2_regions_come_from_the_endpoint_data_under_ec2s_own_name():
    import boto3

    from workshop_lib.ec2 import EC2_ENDPOINT_PREFIX, REGIONS_MODULE

    session = boto3.Session()
    assert session._session.get_service_data("ec2")["metadata"]["endpointPrefix"] == (
        EC2_ENDPOINT_PREFIX
    )
    source = Path(importlib.util.find_spec(REGIONS_MODULE).origin).read_text()  # not imported
    calls = re.findall(r"Session\(\)\.(\w+)\(", source)
    assert calls and set(calls) == {"get_available_regions"}


# -- workshop_lib/motoquick.py: each REST service's first request, cheaper ---------------------
def test_moto_loads_every_model_through_its_module_level_create_loader():
    import moto.core.utils as utils

    from workshop_lib import motoquick

    source = inspect.getsource(utils._load_service_model)
    assert "create_loader()" in source
    for cached in (utils.get_service_model, utils.get_pagination_model):
        assert hasattr(cached, "cache_clear")  # functools.cache: each model built once
    motoquick.install()
    assert utils.create_loader() is utils.create_loader()


def test_moto_rules_build_urls_the_same_with_deferred_builders():
    from moto.core.routing import SmithyRule, _create_map
    from werkzeug.routing.rules import Rule

    from workshop_lib import motoquick

    motoquick.install()
    assert "self._compile_builder(False)" in inspect.getsource(Rule.compile)
    assert SmithyRule._compile_builder is not Rule._compile_builder
    path = "/restapis/<RestApiId>/resources/<ResourceId>"
    deferred = _create_map([SmithyRule(path, [], ["GET"], endpoint="e")]).bind("localhost")
    eager = _create_map([Rule(path, methods=["GET"], endpoint="e")]).bind("localhost")
    values = {"RestApiId": "abc", "ResourceId": "r 1", "extra": "x"}
    for append_unknown in (False, True):
        built = deferred.build("e", values, method="GET", append_unknown=append_unknown)
        assert built == eager.build("e", values, method="GET", append_unknown=append_unknown)
    assert deferred.match("/restapis/abc/resources/r1", method="GET") == (
        "e",
        {"RestApiId": "abc", "ResourceId": "r1"},
    )


_APIGW_PROBE = """
import json, sys
from workshop_lib import motoquick
if {defer}:
    motoquick.install()
import boto3
import moto.apigateway.models as models
from moto import mock_aws
imported_early = "openapi_spec_validator" in sys.modules
answers = []
with mock_aws():
    client = boto3.client("apigateway", region_name="us-east-1")
    doc = {{"openapi": "3.0.0", "info": {{"title": "t", "description": "d"}}, "paths": {{}}}}
    for version in (None, "1"):
        if version:
            doc["info"]["version"] = version
        try:
            client.import_rest_api(body=json.dumps(doc), failOnWarnings=True)
            answers.append("ok")
        except client.exceptions.BadRequestException as exc:
            answers.append(str(exc))
print(json.dumps({{"early": imported_early, "answers": answers,
                  "error": models.OpenAPIValidationError.__module__}}))
"""


@pytest.mark.slow
def test_moto_validates_openapi_documents_the_same_with_the_validator_imported_late():
    """moto.apigateway.models imports openapi_spec_validator's ``validate`` and
    ``OpenAPIValidationError`` at import and uses them only in ``validate(api_doc)`` /
    ``except OpenAPIValidationError``: with motoquick the import waits for the first call."""
    import json
    import subprocess
    import sys

    from workshop_lib.motoquick import APIGATEWAY_MODELS

    source = Path(importlib.util.find_spec(APIGATEWAY_MODELS).origin).read_text()
    assert "from openapi_spec_validator import validate" in source
    assert "from openapi_spec_validator.validation.exceptions import OpenAPIValidationError" in (
        source
    )
    assert len(re.findall(r"(?<![\w.])validate\(", source)) == source.count("validate(api_doc)")
    assert (
        source.count("OpenAPIValidationError")
        == source.count("except OpenAPIValidationError as e") + 1
    )

    def probe(defer: bool) -> dict:
        code = _APIGW_PROBE.format(defer=defer)
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        return json.loads(run.stdout.strip().splitlines()[-1])

    plain, deferred = probe(False), probe(True)
    assert (plain["early"], deferred["early"]) == (True, False)
    assert deferred["answers"] == plain["answers"]
    assert "'version' is a required property" in plain["answers"][0]
    assert plain["answers"][1] == "ok"
    assert deferred["error"] == plain["error"] == _VALIDATOR_ERRORS


_VALIDATOR_ERRORS = "openapi_spec_validator.validation.exceptions"


def test_moto_seams_for_deployments_and_urls_are_patched_and_restored():
    import inspect

    from moto.apigateway import urls as rest_urls
    from moto.apigatewayv2 import urls
    from moto.apigatewayv2.models import ApiGatewayV2Backend, Stage
    from moto.apigatewayv2.responses import ApiGatewayV2Response
    from moto.awslambda.models import LambdaFunction

    from workshop_lib.apigatewayv2 import deployments

    watched = [*deployments.CHANGES, "create_stage", "delete_api"]
    added = ("create_deployment", "get_deployments", "get_deployment", "update_stage")
    url_methods = ("create_url_config", "update_url_config", "delete_url_config")
    before = {name: vars(ApiGatewayV2Backend)[name] for name in watched}
    before_urls = {name: vars(LambdaFunction)[name] for name in url_methods}
    to_json = vars(Stage)["to_json"]
    # each changing method takes the API's id first, as the seam reads it
    for name in deployments.CHANGES:
        assert list(inspect.signature(before[name]).parameters)[1] == "api_id", name
    assert not any(hasattr(ApiGatewayV2Response, name) for name in added)  # moto lacks them
    from workshop_lib import sandbox

    with sandbox():
        assert all(vars(ApiGatewayV2Backend)[name] is not before[name] for name in watched)
        assert all(vars(LambdaFunction)[n] is not before_urls[n] for n in url_methods)
        for table in (urls.url_paths, rest_urls.url_paths):  # moto routes v2 through both
            assert deployments.DEPLOYMENTS_PATH in table and deployments.DEPLOYMENT_PATH in table
    assert {name: vars(ApiGatewayV2Backend)[name] for name in watched} == before
    assert {name: vars(LambdaFunction)[name] for name in url_methods} == before_urls
    assert vars(Stage)["to_json"] is to_json
    assert not any(hasattr(ApiGatewayV2Response, name) for name in added)
    assert deployments.DEPLOYMENTS_PATH not in rest_urls.url_paths
