"""The sandbox: plain boto3 inside, idempotent start, reset, seeded ids, layers, clock."""

from __future__ import annotations

import os
from unittest import mock

import boto3
import pytest

import workshop_lib
from workshop_lib import sandbox
from workshop_lib.clock import VirtualClock


def make_table(client, name="apps"):
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_sandbox_is_a_callable_module_that_stays_patchable():
    import workshop_lib.sandbox as module

    assert sandbox is module and workshop_lib.sandbox is module
    with mock.patch("workshop_lib.sandbox.DEFAULT_REGION", "eu-west-1"):
        assert module.DEFAULT_REGION == "eu-west-1"
    assert isinstance(sandbox(), module.Sandbox)


def test_plain_boto3_clients_work_inside_with_no_arguments():
    with sandbox() as aws:
        make_table(boto3.client("dynamodb"))
        table = boto3.resource("dynamodb").Table("apps")
        table.put_item(Item={"id": "42", "name": "demo"})
        assert aws.resource("dynamodb").Table("apps").get_item(Key={"id": "42"})["Item"] == {
            "id": "42",
            "name": "demo",
        }
        assert boto3.client("dynamodb").meta.region_name == "us-east-1"
        assert aws.client("s3").meta.region_name == "us-east-1"


def test_region_is_configurable():
    with sandbox("eu-west-1") as aws:
        assert boto3.client("dynamodb").meta.region_name == "eu-west-1"
        assert aws.client("lambda").meta.region_name == "eu-west-1"


def test_start_is_idempotent_and_a_new_sandbox_replaces_the_old_one():
    from moto.core.models import MockAWS

    first = sandbox().start()
    assert first.start() is first
    make_table(boto3.client("dynamodb"))
    second = sandbox().start()  # re-running the notebook cell
    assert not first.started and second.started and sandbox.active() is second
    assert boto3.client("dynamodb").list_tables()["TableNames"] == []
    assert MockAWS._nested_count == 1
    second.stop()
    second.stop()  # stopping twice is harmless
    assert MockAWS._nested_count == 0
    assert sandbox.active() is None


def test_stop_keeps_the_users_environment_hidden_until_the_real_aws_opt_in(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    with sandbox():
        assert "AWS_PROFILE" not in os.environ
        assert "AWS_ENDPOINT_URL_DYNAMODB" not in os.environ
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    # a stopped sandbox still keeps the process off the learner's account
    assert "AWS_PROFILE" not in os.environ and os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    with sandbox(real_aws_costs_money=True):  # the opt-in gives the environment back
        assert os.environ["AWS_PROFILE"] == "prod"
        assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:1"
        assert "AWS_ACCESS_KEY_ID" not in os.environ


def test_reset_empties_every_service_and_restarts_ids():
    with sandbox() as aws:
        make_table(aws.client("dynamodb"))
        aws.client("s3").create_bucket(Bucket="course-bucket")
        first_ids = [aws.ids.uuid4() for _ in range(2)]
        aws.reset()
        assert aws.client("dynamodb").list_tables()["TableNames"] == []
        assert aws.client("s3").list_buckets()["Buckets"] == []
        assert [aws.ids.uuid4() for _ in range(2)] == first_ids


def test_moto_ids_are_seeded_so_output_is_repeatable():
    def run(seed):
        with sandbox(seed=seed) as aws:
            q = aws.client("sqs").create_queue(QueueName="q")["QueueUrl"]
            make_table(aws.client("dynamodb"))
            rid = aws.client("dynamodb").describe_table(TableName="apps")["ResponseMetadata"]
            return q, rid["RequestId"], aws.ids.uuid4()

    assert run(7) == run(7)
    assert run(7)[1:] != run(8)[1:]


def test_endpoint_url_serves_the_same_state_to_other_processes():
    import json
    import subprocess
    import sys

    with sandbox() as aws:
        make_table(aws.client("dynamodb"))
        url = aws.endpoint_url
        assert url.startswith("http://127.0.0.1:")
        assert aws.endpoint_url == url  # one server per sandbox
        code = (
            "import boto3, json, sys;"
            "c = boto3.client('dynamodb', endpoint_url=sys.argv[1], region_name='us-east-1',"
            "aws_access_key_id='testing', aws_secret_access_key='testing');"
            "c.put_item(TableName='apps', Item={'id': {'S': 'from-worker'}});"
            "print(json.dumps(c.list_tables()['TableNames']))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, url], capture_output=True, text=True, check=True
        )
        assert json.loads(out.stdout) == ["apps"]
        item = aws.client("dynamodb").get_item(TableName="apps", Key={"id": {"S": "from-worker"}})
        assert "Item" in item


class RecordingPlugin:
    def __init__(self, name, log, fail=False):
        self.name, self.log, self.fail = name, log, fail

    def install(self, aws):
        if self.fail:
            raise RuntimeError(f"{self.name} cannot install")
        aws.client("dynamodb").list_tables()  # plug-ins may use clients while installing
        self.log.append(f"install {self.name}")

    def uninstall(self, aws):
        self.log.append(f"uninstall {self.name}")

    def reset(self, aws):
        self.log.append(f"reset {self.name}")


def test_layers_install_in_order_and_uninstall_in_reverse():
    log = []
    with sandbox(plugins=[RecordingPlugin("a", log), RecordingPlugin("b", log)]) as aws:
        assert aws.plugin("b").name == "b"
        aws.reset()
        with pytest.raises(KeyError, match="installed: a, b"):
            aws.plugin("nope")
    assert log == ["install a", "install b", "reset a", "reset b", "uninstall b", "uninstall a"]


def test_a_layer_that_fails_to_install_leaves_nothing_running():
    from moto.core.models import MockAWS

    log = []
    box = sandbox(plugins=[RecordingPlugin("a", log), RecordingPlugin("bad", log, fail=True)])
    with pytest.raises(RuntimeError, match="bad cannot install"):
        box.start()
    assert log == ["install a", "uninstall a"]
    assert not box.started and sandbox.active() is None and MockAWS._nested_count == 0


def test_layers_can_be_named_by_import_path():
    with sandbox(plugins=["tests.layers_for_tests:make_layer"]) as aws:
        assert aws.plugin("from-path").installed


def test_clients_need_a_running_sandbox():
    box = sandbox()
    with pytest.raises(
        sandbox.SandboxError, match=r"re-run the notebook's first cell, or call aws"
    ):
        box.client("dynamodb")
    with box:
        pass
    for after_stop in (lambda: box.client("s3"), lambda: box.endpoint_url, box.reset):
        with pytest.raises(sandbox.SandboxError, match=r"stopped: re-run"):
            after_stop()


def test_virtual_clock_is_shared_and_sleeps_instantly():
    with sandbox(clock="virtual") as aws:
        assert isinstance(aws.clock, VirtualClock)
        start = aws.clock.now()
        aws.clock.sleep(300)
        assert (aws.clock.now() - start).total_seconds() == 300
        assert start.isoformat() == "2026-01-01T09:00:00+00:00"


def test_compressed_clock_runs_faster_than_real_time():
    import time

    clock = VirtualClock(speed=1000)
    t0, r0 = clock.time(), time.monotonic()
    clock.sleep(100)  # 100 virtual seconds = 0.1 real seconds
    elapsed_real = time.monotonic() - r0
    assert 0.09 <= elapsed_real < 1.0
    assert clock.time() - t0 == pytest.approx(elapsed_real * 1000, rel=0.05)


def test_bad_clock_argument_says_what_works():
    with pytest.raises(ValueError, match="'real', 'virtual'"):
        sandbox(clock="fast")


def test_seeded_ids_are_the_sequence_random_choice_and_uuid_give():
    """The id generator's fast paths draw exactly what ``random.choice`` and
    ``uuid.UUID(version=4)`` would: every committed notebook's ids depend on it."""
    import random
    import uuid

    from workshop_lib.ids import IdGenerator

    ids, reference = IdGenerator(11), random.Random(11)
    for n in range(1, 200):
        if n % 3 == 0:
            assert ids.uuid4() == str(uuid.UUID(int=reference.getrandbits(128), version=4))
        else:
            expected = "".join(reference.choice("0123456789abcdef") for _ in range(n % 40))
            assert ids.hex(n % 40) == expected


def test_every_sandbox_shares_one_botocore_loader_so_models_are_decoded_once():
    with sandbox() as first:
        first.client("dynamodb")
        loader = first.session()._session.get_component("data_loader")
    with sandbox(region="eu-west-1") as second:
        assert second.session()._session.get_component("data_loader") is loader
        before = dict(loader._cache)
        second.client("dynamodb").list_tables()
        assert loader._cache.keys() == before.keys()  # nothing decoded again


def test_plug_ins_are_plug_ins_and_the_old_layer_names_still_work_with_a_warning():
    # "layer" keeps its AWS meaning (a Lambda layer); code written before the rename runs on
    with pytest.warns(DeprecationWarning, match=r"sandbox\(plugins=\.\.\.\)"):
        old = sandbox(layers=[])
    with old:
        assert old.plugins == []
    with sandbox() as aws:
        lam = aws.plugin("lambda")
        with pytest.warns(DeprecationWarning, match=r"aws\.plugin\(name\)"):
            assert aws.layer("lambda") is lam
        with pytest.raises(KeyError, match="no plug-in 'nope'"):
            aws.plugin("nope")
