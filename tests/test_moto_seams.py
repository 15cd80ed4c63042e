"""Every moto internal the sandbox relies on, pinned: an upgrade that moves one fails here."""

from __future__ import annotations

import inspect
from importlib import metadata


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
import moto.cloudformation.parsing
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
