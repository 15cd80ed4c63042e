"""Every moto internal the sandbox reads, pinned (what it replaces is declared in
workshop_lib/seams.py and checked by tests/test_seams.py): an upgrade that moves one fails here."""

from __future__ import annotations

import inspect
from importlib import metadata

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


# -- workshop_lib/ec2.py and motoquick.py: moto's imports made cheaper, in one fresh process ----
# The process defers first (as a sandbox does), imports and answers with the deferred modules,
# then runs plain copies of moto's modules beside them: each deferred answer must equal moto's
# own (the seams' targets are fingerprinted in workshop_lib/seams.py; this checks behaviour).
_DEFERRED_PROBE = """
import importlib.machinery, importlib.util, json, sys
from workshop_lib import ec2, motoquick
assert ec2.defer_offerings()
motoquick.install()
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
def plain_copy(name):
    package = sys.modules[name.rpartition(".")[0]]
    spec = importlib.machinery.PathFinder.find_spec(name, package.__path__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # moto's own module, run without the seams
    return module
import boto3, moto.core
before = rss()
import moto.ec2.models  # what the sandbox's CloudFormation import pulls in
grown = rss() - before
from moto.ec2.models import availability_zones_and_regions as regions, instance_types
lazy = instance_types.INSTANCE_TYPE_OFFERINGS
loaded_at_import = sum(dict.__len__(regions_of) for regions_of in lazy.values())
import moto.apigateway.models as apigateway
validator_early = "openapi_spec_validator" in sys.modules
from moto import mock_aws
answers = []
with mock_aws():
    client = boto3.client("apigateway", region_name="us-east-1")
    doc = {"openapi": "3.0.0", "info": {"title": "t", "description": "d"}, "paths": {}}
    for version in (None, "1"):
        if version:
            doc["info"]["version"] = version
        try:
            client.import_rest_api(body=json.dumps(doc), failOnWarnings=True)
            answers.append("ok")
        except client.exceptions.BadRequestException as exc:
            answers.append(str(exc))
before = rss()
plain = plain_copy(instance_types.__name__).INSTANCE_TYPE_OFFERINGS
plain_grown = rss() - before
same_offerings = {kind: kind in lazy and dict(lazy[kind].items()) == plain[kind] for kind in plain}
def listed(module):
    return [(r.name, r.endpoint, r.opt_in_status) for r in module.RegionsAndZonesBackend.regions]
print(json.dumps({
    "lazy": type(lazy["region"]).__name__, "loaded_at_import": loaded_at_import,
    "grown": grown, "plain_grown": plain_grown, "same_offerings": same_offerings,
    "zones": len(plain["availability-zone"]),
    "same_regions": listed(regions) == listed(plain_copy(regions.__name__)),
    "regions": len(listed(regions)), "validator_early": validator_early, "answers": answers,
    "error": apigateway.OpenAPIValidationError.__module__,
}))
"""


@pytest.mark.slow
def test_deferred_ec2_data_and_a_late_openapi_validator_answer_as_moto_does():
    """ec2.py: EC2's offerings are read per region on first use and its regions come from the
    endpoint data; motoquick.py: moto's OpenAPI validator is imported on its first use. Both
    answer exactly what moto's own modules give, and the deferred EC2 import is smaller."""
    import json
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", _DEFERRED_PROBE], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert (seen["lazy"], seen["loaded_at_import"]) == ("LazyRegions", 0)
    assert seen["same_offerings"] == {k: True for k in ("region", "availability-zone",
                                                        "availability-zone-id")}  # fmt: skip
    assert seen["zones"] > 20 and seen["same_regions"] and seen["regions"] > 20
    assert seen["plain_grown"] >= 30, seen  # MB the import no longer decodes
    assert not seen["validator_early"]
    assert "'version' is a required property" in seen["answers"][0]
    assert seen["answers"][1] == "ok"
    assert seen["error"] == _VALIDATOR_ERRORS  # the real class, put in moto's module


def test_deferring_after_ec2_was_imported_says_it_is_too_late(monkeypatch):
    import sys
    import types

    from workshop_lib import ec2

    imported = types.ModuleType(ec2.MODULE)  # as moto leaves it, imported without the seam
    imported.INSTANCE_TYPE_OFFERINGS = {"region": {"eu-west-1": []}}
    monkeypatch.setitem(sys.modules, ec2.MODULE, imported)
    assert (ec2.defer_offerings(), ec2.defer_offerings()) == (False, False)
    imported.INSTANCE_TYPE_OFFERINGS = {"region": ec2.LazyRegions("region", {}, list)}
    assert ec2.defer_offerings()


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

    from workshop_lib.ec2 import EC2_ENDPOINT_PREFIX

    session = boto3.Session()
    assert session._session.get_service_data("ec2")["metadata"]["endpointPrefix"] == (
        EC2_ENDPOINT_PREFIX
    )


# -- workshop_lib/motoquick.py: each REST service's first request, cheaper ---------------------
def test_moto_loads_every_model_through_its_module_level_create_loader():
    import moto.core.utils as utils

    from workshop_lib import motoquick

    for cached in (utils.get_service_model, utils.get_pagination_model):
        assert hasattr(cached, "cache_clear")  # functools.cache: each model built once
    motoquick.install()
    assert utils.create_loader() is utils.create_loader()


def test_moto_rules_build_urls_the_same_with_deferred_builders():
    from moto.core.routing import SmithyRule, _create_map
    from werkzeug.routing.rules import Rule

    from workshop_lib import motoquick

    motoquick.install()
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


_VALIDATOR_ERRORS = "openapi_spec_validator.validation.exceptions"


def test_moto_routes_http_api_paths_through_rest_api_gateways_url_table_too():
    """Both APIs share the ``apigateway.{region}.amazonaws.com`` host and moto copies v2's
    paths into REST API Gateway's table: the seams adding v2 paths add them to both."""
    from moto.apigateway import urls as rest_urls
    from moto.apigatewayv2 import urls

    from workshop_lib import seams

    assert set(urls.url_paths) <= set(rest_urls.url_paths)
    added = [s for s in seams.group("apigatewayv2") if s.key is not None]
    assert (
        {s.key for s in added if s.owner == "moto.apigateway.urls"}
        == {s.key for s in added if s.owner == "moto.apigatewayv2.urls"}
        != set()
    )
