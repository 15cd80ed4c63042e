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
