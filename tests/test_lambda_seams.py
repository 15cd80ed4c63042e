"""The moto internals the Lambda layer relies on: pinned, so an upgrade fails loudly."""

from __future__ import annotations

import inspect

from workshop_lib import sandbox
from workshop_lib.lambda_runtime import patches


def test_every_patched_attribute_exists_and_is_restored_exactly():
    originals = {(owner, name): vars(owner)[name] for owner, name, _ in patches.PATCHES}
    with sandbox():
        for owner, name, replacement in patches.PATCHES:
            assert vars(owner)[name] is replacement
    for (owner, name), original in originals.items():
        assert vars(owner)[name] is original


def test_signatures_of_the_patched_moto_functions():
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.s3 import notifications

    def params(fn):
        return list(inspect.signature(fn).parameters)

    assert params(LambdaSimpleBackend.invoke) == [
        "self",
        "function_name",
        "qualifier",
        "body",
        "headers",
        "response_headers",
    ]
    assert params(LambdaFunction.invoke) == ["self", "body", "request_headers", "response_headers"]
    assert params(LambdaBackend.create_function) == ["self", "spec"]
    assert params(LambdaFunction.update_configuration) == ["self", "config_updates"]
    assert params(LambdaFunction.get_configuration) == ["self", "on_create"]
    assert params(LambdaBackend.delete_function) == ["self", "function_name", "qualifier"]
    assert params(LambdaBackend.create_event_source_mapping) == ["self", "spec"]
    assert params(notifications._invoke_awslambda) == [
        "account_id",
        "event_body",
        "fn_arn",
        "region_name",
    ]


def test_model_attributes_the_layer_reads():
    from tests.lambda_helpers import create

    with sandbox() as aws:
        fn_info = create(aws, "f", "def handler(e, c):\n    return 1\n")
        fn = aws.layer("lambda").function("f")
        for attribute in (
            "code_bytes",
            "code_sha_256",
            "function_arn",
            "function_name",
            "handler",
            "run_time",
            "memory_size",
            "timeout",
            "environment_vars",
            "layers",
            "reserved_concurrency",
            "event_invoke_config",
            "version",
            "region",
        ):
            assert hasattr(fn, attribute), attribute
        assert fn.function_arn == fn_info["FunctionArn"]
        sqs = aws.client("sqs")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        esm = aws.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="f")
        from moto.awslambda.utils import get_backend
        from moto.sqs.models import sqs_backends

        model = get_backend(aws.account_id, aws.region)._event_source_mappings[esm["UUID"]]
        for attribute in (
            "uuid",
            "enabled",
            "batch_size",
            "max_batch_window",
            "function_response_types",
            "function_arn",
            "event_source_arn",
        ):
            assert hasattr(model, attribute), attribute
        queue = sqs_backends[aws.account_id][aws.region].queues["q"]
        assert queue.lambda_event_source_mappings == {}  # moto's own trigger is off


def test_logs_backend_interface():
    from moto.logs.models import LogsBackend

    assert callable(LogsBackend.ensure_log_group) and callable(LogsBackend.create_log_stream)
    assert list(inspect.signature(LogsBackend.put_log_events).parameters) == [
        "self",
        "log_group_name",
        "log_stream_name",
        "log_events",
    ]
