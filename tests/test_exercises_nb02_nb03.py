"""Exercises 2.1-2.4 and 3.1-3.3: right answers pass, typical mistakes get a hint naming them.

The wrong answers are written out by hand, the way a learner would get them wrong, so a
diagnosis that silently stops matching its mistake fails a test. Exercises that deploy into
the sandbox run against a real one (frozen virtual clock, so retries take no time).
"""

from __future__ import annotations

import base64
import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.exercise_helpers import failed_with, not_attempted, passes
from workshop_lib import authoring, sandbox
from workshop_lib.exercises import exercises_of
from workshop_lib.lambda_runtime import execution_role, package


def test_exercises_are_registered_in_order():
    assert [ex.id for ex in exercises_of("02")] == authoring.exercise_ids("02")
    assert [ex.id for ex in exercises_of("03")] == authoring.exercise_ids("03")


@pytest.fixture
def aws():
    with sandbox(clock="virtual") as box:
        yield box


# -- 2.1: a proxy response ---------------------------------------------------------------------
CORS_JSON = {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}
HELLO = json.dumps({"message": "Hello, serverless!"})


def hello(event, context):
    return {"statusCode": 200, "headers": dict(CORS_JSON), "body": HELLO}


def test_2_1_the_solution_passes(aws):
    passes("2.1", hello)


def test_2_1_passes_without_a_sandbox_too():
    passes("2.1", hello)


def test_2_1_lowercase_header_names_and_a_charset_pass():
    def lower(event, context):
        headers = {
            "content-type": "application/json; charset=utf-8",
            "access-control-allow-origin": "*",
        }
        return {"statusCode": 200, "headers": headers, "body": HELLO}

    passes("2.1", lower)


def test_2_1_stubs_are_not_attempted():
    def stub(event, context):
        """Answer every request with 200 and a JSON greeting."""
        raise NotImplementedError("# your answer here")

    not_attempted("2.1", stub)
    not_attempted("2.1", ...)


@pytest.mark.parametrize(
    "response, phrases",
    [
        (
            {"statusCode": 200, "headers": CORS_JSON, "body": {"message": "Hello, serverless!"}},
            ["body is a dict", "json.dumps"],
        ),
        ({"statusCode": "200", "headers": CORS_JSON, "body": HELLO}, ["string '200'", "200"]),
        ({"headers": CORS_JSON, "body": HELLO}, ["no statusCode", "'statusCode'"]),
        ({"statusCode": 201, "headers": CORS_JSON, "body": HELLO}, ["statusCode is 201"]),
        ({"statusCode": 200, "headers": CORS_JSON}, ["no body"]),
        (
            {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": HELLO},
            ["Access-Control-Allow-Origin is missing", "'*'"],
        ),
        (
            {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": HELLO},
            ["no Content-Type header", "application/json"],
        ),
        (
            {"statusCode": 200, "headers": CORS_JSON, "body": "Hello, serverless!"},
            ["which is not JSON", "json.dumps"],
        ),
        (
            {"statusCode": 200, "headers": CORS_JSON, "body": json.dumps({"msg": "hi"})},
            ['expected {"message": "Hello, serverless!"}'],
        ),
        (None, ["returned None", "return"]),
        ("Hello, serverless!", ["returned a str", "statusCode, headers and body"]),
        ({"statusCode": 200, "body": {1, 2}}, ["cannot turn into JSON"]),
    ],
    ids=[
        "body-dict",
        "status-string",
        "no-status",
        "wrong-status",
        "no-body",
        "no-cors",
        "no-content-type",
        "body-not-json",
        "wrong-message",
        "none",
        "string",
        "a-set",
    ],
)
def test_2_1_typical_mistakes_get_a_hint(response, phrases):
    failed_with("2.1", lambda event, context: response, *phrases)


def test_2_1_calling_the_handler_instead_of_passing_it():
    failed_with("2.1", hello({}, None), "expected your handler function, got dict")


def test_2_1_a_handler_that_raises_is_reported_as_a_502():
    def broken(event, context):
        return {"statusCode": 200, "body": event["body"]["name"]}

    failed_with("2.1", broken, "raised TypeError", "502")


# -- 2.2: path parameter and query string -------------------------------------------------------
def respond(status, body):
    return {"statusCode": status, "headers": {}, "body": json.dumps(body)}


def get_app(event, context):
    app_id = event["pathParameters"]["id"]
    release = (event.get("queryStringParameters") or {}).get("release")
    if release is None:
        return respond(200, {"id": app_id, "release": "latest"})
    if not release.isdigit():
        return respond(400, {"message": "release must be a number"})
    return respond(200, {"id": app_id, "release": int(release)})


def test_2_2_the_solution_passes(aws):
    passes("2.2", get_app)


def test_2_2_reading_the_id_from_the_path_passes_too():
    def from_path(event, context):
        event = dict(event, pathParameters={"id": event["path"].rsplit("/", 1)[1]})
        return get_app(event, context)

    passes("2.2", from_path)


def test_2_2_stub_is_not_attempted():
    def stub(event, context):
        """GET /apps/{id}?release=N: the app's id and the release asked for."""
        raise NotImplementedError("# your answer here")

    not_attempted("2.2", stub)


def test_2_2_query_string_parameters_can_be_none():
    def subscripts_none(event, context):
        release = event["queryStringParameters"]["release"]
        return respond(200, {"id": event["pathParameters"]["id"], "release": int(release)})

    failed_with(
        "2.2", subscripts_none, "no query string", "TypeError", "'queryStringParameters': None"
    )


def test_2_2_another_parameter_only():
    def assumes_release(event, context):
        query = event.get("queryStringParameters") or {}
        if not query:
            return respond(200, {"id": event["pathParameters"]["id"], "release": "latest"})
        return respond(200, {"id": event["pathParameters"]["id"], "release": int(query["release"])})

    failed_with("2.2", assumes_release, "?debug=1", "KeyError", ".get()")


def test_2_2_release_as_a_string():
    def as_string(event, context):
        release = (event.get("queryStringParameters") or {}).get("release", "latest")
        return respond(200, {"id": event["pathParameters"]["id"], "release": release})

    failed_with("2.2", as_string, "the string '3'", "int(")


def test_2_2_a_bad_release_crashes_or_is_accepted():
    def crashes(event, context):
        release = (event.get("queryStringParameters") or {}).get("release")
        number = "latest" if release is None else int(release)
        return respond(200, {"id": event["pathParameters"]["id"], "release": number})

    failed_with("2.2", crashes, "release=three", "ValueError", "400")

    def accepts(event, context):
        release = (event.get("queryStringParameters") or {}).get("release")
        number = int(release) if release and release.isdigit() else "latest"
        return respond(200, {"id": event["pathParameters"]["id"], "release": number})

    failed_with("2.2", accepts, "statusCode is 200", "400")


def test_2_2_a_400_needs_a_message():
    def silent(event, context):
        release = (event.get("queryStringParameters") or {}).get("release")
        if release is not None and not release.isdigit():
            return respond(400, {})
        return get_app(event, context)

    failed_with("2.2", silent, "400 response's body", "'message'")


def test_2_2_wrong_id():
    def proxy_id(event, context):
        response = get_app(event, context)
        body = json.loads(response["body"])
        if "id" in body:
            body["id"] = "sample"
        return respond(response["statusCode"], body)

    failed_with("2.2", proxy_id, "id is 'sample'", "pathParameters")


# -- 2.3: deploy and invoke ------------------------------------------------------------------------
GREETER = """
def handler(event, context):
    return {"greeting": f"Hello, {event['name']}!", "function": context.function_name}
"""


def deploy_greeter(handler="greeter.handler", filename="greeter.py"):
    return boto3.client("lambda").create_function(
        FunctionName="greeter",
        Runtime="python3.12",
        Role=execution_role(boto3.client("iam")),
        Handler=handler,
        Code={"ZipFile": package({filename: GREETER})},
    )


def invoke_greeter(event=None, log_type="Tail"):
    extra = {"LogType": log_type} if log_type else {}
    return boto3.client("lambda").invoke(
        FunctionName="greeter", Payload=json.dumps(event or {"name": "Ada"}), **extra
    )


def decoded(response):
    payload = json.loads(response["Payload"].read())
    log = response.get("LogResult")
    return payload, None if log is None else base64.b64decode(log).decode()


def test_2_3_the_solution_passes(aws):
    deploy_greeter()
    passes("2.3", decoded(invoke_greeter()))


def test_2_3_stubs_are_not_attempted(aws):
    not_attempted("2.3", (..., ...))
    not_attempted("2.3", ...)


def test_2_3_needs_a_running_sandbox():
    failed_with("2.3", ({"greeting": "Hello, Ada!"}, "START"), "no sandbox is running")


def test_2_3_the_function_must_exist(aws):
    failed_with("2.3", ({}, ""), "no function called 'greeter'", "create_function")


def test_2_3_payload_not_decoded(aws):
    deploy_greeter()
    response = invoke_greeter()
    log = base64.b64decode(response["LogResult"]).decode()
    failed_with("2.3", (response["Payload"], log), "the response's stream", "json.loads")
    failed_with("2.3", (invoke_greeter()["Payload"].read(), log), "JSON text (bytes)")
    failed_with("2.3", (invoke_greeter(), log), "whole invoke response")


def test_2_3_log_not_decoded_or_not_asked_for(aws):
    deploy_greeter()
    response = invoke_greeter()
    payload = json.loads(response["Payload"].read())
    failed_with("2.3", (payload, response["LogResult"]), "still base64", "b64decode")
    failed_with("2.3", (payload, base64.b64decode(response["LogResult"])), "log is bytes", "decode")
    failed_with("2.3", decoded(invoke_greeter(log_type=None)), "log is missing", "LogType='Tail'")
    failed_with("2.3", (payload, ...), "log is missing")


def test_2_3_the_log_must_come_from_a_real_invocation(aws):
    deploy_greeter()
    payload, log = decoded(invoke_greeter())
    request_id = log.split("START RequestId: ", 1)[1].split()[0]
    forged = log.replace(request_id, "00000000-0000-4000-8000-000000000000")
    failed_with("2.3", (payload, forged), "not in the function's CloudWatch log")


def test_2_3_wrong_event_and_broken_deployments(aws):
    deploy_greeter()
    failed_with("2.3", decoded(invoke_greeter({"name": "Bob"})), "Hello, Bob!", '{"name": "Ada"}')
    failed_with("2.3", decoded(invoke_greeter({"who": "Ada"})), "KeyError", "Payload=json.dumps")
    boto3.client("lambda").delete_function(FunctionName="greeter")
    deploy_greeter(handler="greeter.greet")
    failed_with("2.3", decoded(invoke_greeter()), "Runtime.HandlerNotFound", "'greeter.handler'")
    boto3.client("lambda").delete_function(FunctionName="greeter")
    deploy_greeter(filename="app.py")
    failed_with("2.3", decoded(invoke_greeter()), "Runtime.ImportModuleError", "greeter.py")


def test_2_1_a_handler_that_crashes_on_no_query_string_gets_2_1s_hint():
    # 2.1's own hint, not 2.2's ("...get('release')", a parameter exercise 2.1 never mentions)
    def reads_the_name(event, context):
        name = event["queryStringParameters"]["name"]
        return hello(event, context) if name else None

    line = failed_with(
        "2.1", reads_the_name, "raised TypeError", "'queryStringParameters': None", "need not"
    )
    assert "release" not in line


# -- 2.4: fix the handler string -----------------------------------------------------------------
DELETE_PY = """
def delete_release(event, context):
    return {"statusCode": 204, "headers": {"Access-Control-Allow-Origin": "*"}, "body": ""}
"""


@pytest.fixture
def broken_delete(aws):
    lam = boto3.client("lambda")
    lam.create_function(
        FunctionName="apps-delete",
        Runtime="python3.12",
        Role=execution_role(boto3.client("iam")),
        Handler="apps/delete.delete",
        Code={"ZipFile": package({"apps/delete.py": DELETE_PY})},
    )
    return lam


def fix(lam, handler):
    return lam.update_function_configuration(FunctionName="apps-delete", Handler=handler)


@pytest.mark.parametrize("handler", ["apps/delete.delete_release", "apps.delete.delete_release"])
def test_2_4_the_fixed_handler_passes(broken_delete, handler):
    passes("2.4", fix(broken_delete, handler))


def test_2_4_stub_is_not_attempted(broken_delete):
    not_attempted("2.4", ...)


@pytest.mark.parametrize(
    "handler, phrases",
    [
        ("apps/delete.delete", ["Runtime.HandlerNotFound", "not called that"]),
        ("delete.delete_release", ["Runtime.ImportModuleError", "apps/delete"]),
        ("apps/delete.py.delete_release", ["Runtime.ImportModuleError", "without .py"]),
        ("delete_release", ["Runtime.MalformedHandlerName", "file.function"]),
    ],
    ids=["unchanged", "no-folder", "with-py", "no-module"],
)
def test_2_4_typical_mistakes_get_a_hint(broken_delete, handler, phrases):
    failed_with("2.4", fix(broken_delete, handler), f"Handler={handler!r}", *phrases)


@pytest.mark.parametrize(
    "also, phrases",
    [
        ({"Timeout": 30}, ["Timeout is 30, deployed with 3", "change nothing else", "Timeout=3"]),
        ({"MemorySize": 512}, ["MemorySize is 512, deployed with 128", "MemorySize=128"]),
        (
            {"Environment": {"Variables": {"DEBUG": "1"}}},
            ["Environment is {'DEBUG': '1'}", "Environment={'Variables': {}}"],
        ),
    ],
    ids=["timeout", "memory", "environment"],
)
def test_2_4_changing_more_than_the_handler_fails(broken_delete, also, phrases):
    config = broken_delete.update_function_configuration(
        FunctionName="apps-delete", Handler="apps/delete.delete_release", **also
    )
    failed_with("2.4", config, "the handler is fixed, but", *phrases)


def test_2_4_the_answer_is_the_update_response(broken_delete):
    fix(broken_delete, "apps/delete.delete_release")
    failed_with("2.4", "apps/delete.delete_release", "got str", "update_function_configuration")


def test_2_4_needs_the_function(aws):
    failed_with("2.4", {"FunctionName": "apps-delete"}, "no function called 'apps-delete'")


# -- 3.1: count cold starts ----------------------------------------------------------------------
def count_cold_starts(lines):
    count, after_failure = 0, False
    for line in lines:
        if line.startswith("REPORT"):
            count += "Init Duration" in line or after_failure
            after_failure = "Status: timeout" in line or "Status: error" in line
    return count


def test_3_1_the_solution_passes():
    passes("3.1", count_cold_starts)


def test_3_1_stubs_are_not_attempted():
    def stub(lines):
        """How many of these log lines report a cold start."""
        raise NotImplementedError("# your answer here")

    not_attempted("3.1", stub)
    not_attempted("3.1", None)


@pytest.mark.parametrize(
    "counter, phrases",
    [
        (
            lambda lines: sum("Duration" in line for line in lines),
            ["counted every REPORT line", "'Init Duration'"],
        ),
        (lambda lines: len(lines), ["counted every line"]),
        (
            lambda lines: sum("REPORT" in line and "Init" not in line for line in lines),
            ["number of warm starts"],
        ),
        (
            lambda lines: [line for line in lines if "Init Duration" in line],
            ["not a whole number"],
        ),
        (lambda lines: "Init Duration" in "".join(lines), ["returned True"]),
        (lambda lines: 1, ["expected 0"]),
        (
            # counting the 'Init Duration' lines misses the INIT after a timeout or crash
            lambda lines: sum("Init Duration" in line for line in lines),
            ["counted the 'Init Duration' lines", "suppressed init"],
        ),
        (
            lambda lines: sum("Init Duration" in line or "Status:" in line for line in lines),
            ["counted the failed invocations themselves", "NEXT REPORT line"],
        ),
    ],
    ids=[
        "every-report",
        "every-line",
        "warm",
        "a-list",
        "a-bool",
        "constant",
        "init-duration-only",
        "the-failures",
    ],
)
def test_3_1_typical_mistakes_get_a_hint(counter, phrases):
    failed_with("3.1", counter, *phrases)


def test_3_1_the_learner_code_raising_is_reported():
    def crashes_on_an_empty_log(lines):
        return max(len(line) for line in lines) and 1

    failed_with("3.1", crashes_on_an_empty_log, "raised ValueError")


def test_3_1_passing_a_number():
    failed_with("3.1", 1, "expected your function, got int")


# -- 3.2: stop before the deadline -----------------------------------------------------------------
MARGIN_MS = 300


def process(item):
    time.sleep(0.1)
    return item


def process_batch(event, context):
    items = event["items"]
    for done, item in enumerate(items):
        if context.get_remaining_time_in_millis() < MARGIN_MS:
            return {"done": done, "left": items[done:]}
        process(item)
    return {"done": len(items), "left": []}


def test_3_2_the_solution_passes():
    passes("3.2", process_batch)


def test_3_2_stub_is_not_attempted():
    def stub(event, context):
        """Process event["items"] in order; stop before the timeout and say what is left."""
        raise NotImplementedError("# your answer here")

    not_attempted("3.2", stub)


def test_3_2_a_handler_that_ignores_the_deadline_times_out():
    def naive(event, context):
        for item in event["items"]:
            process(item)
        return {"done": len(event["items"]), "left": []}

    failed_with("3.2", naive, "timed out", "get_remaining_time_in_millis()")


def test_3_2_no_margin_still_times_out():
    def no_margin(event, context):
        items = event["items"]
        for done, item in enumerate(items):
            if context.get_remaining_time_in_millis() <= 0:
                return {"done": done, "left": items[done:]}
            process(item)
        return {"done": len(items), "left": []}

    failed_with("3.2", no_margin, "timed out", "margin")


def test_3_2_a_margin_as_long_as_the_timeout_does_nothing():
    def too_careful(event, context):
        items = event["items"]
        if context.get_remaining_time_in_millis() < 5000:
            return {"done": 0, "left": items}
        return {"done": len(items), "left": []}

    failed_with("3.2", too_careful, "stopped before doing any work", "margin")


def test_3_2_items_left_must_be_returned():
    def drops_the_rest(event, context):
        items = event["items"]
        for done, item in enumerate(items):
            if context.get_remaining_time_in_millis() < MARGIN_MS:
                return {"done": done, "left": []}
            process(item)
        return {"done": len(items), "left": []}

    failed_with("3.2", drops_the_rest, "unaccounted for", "items[done:]")


def test_3_2_checking_the_deadline_after_process_reports_a_done_item_as_left():
    # the item just processed goes back in left: the caller sends it again, a duplicate
    def checks_after(event, context):
        items = event["items"]
        for done, item in enumerate(items):
            process(item)
            if context.get_remaining_time_in_millis() < MARGIN_MS:
                return {"done": done, "left": items[done:]}
        return {"done": len(items), "left": []}

    failed_with("3.2", checks_after, "processed twice", "BEFORE process(item)")


def test_3_2_done_must_count_what_went_through_process():
    def skips_the_first(event, context):
        items = event["items"]
        for done, item in enumerate(items):
            if context.get_remaining_time_in_millis() < MARGIN_MS:
                return {"done": done, "left": items[done:]}
            if done:
                process(item)
        return {"done": len(items), "left": []}

    failed_with("3.2", skips_the_first, "items to process() (1, 2, 3", "count exactly those")


def test_3_2_the_notebooks_process_is_put_back_after_the_check():
    before = globals()["process"]
    passes("3.2", process_batch)
    assert globals()["process"] is before


def test_3_2_wrong_shape():
    def counts_only(event, context):
        return len(event["items"])

    failed_with("3.2", counts_only, "returned 30", "'done'")


# -- 3.3: a dead-letter queue ------------------------------------------------------------------
PAYMENTS_PY = """
def handler(event, context):
    if event["amount"] <= 0:
        raise ValueError(f"invalid amount: {event['amount']}")
    return {"charged": event["amount"]}
"""


@pytest.fixture
def payments(aws):
    lam = boto3.client("lambda")
    lam.create_function(
        FunctionName="payments",
        Runtime="python3.12",
        Role=execution_role(boto3.client("iam")),
        Handler="app.handler",
        Code={"ZipFile": package({"app.py": PAYMENTS_PY})},
    )
    return lam


def queue(name="payments-dlq"):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def set_dlq(lam, target):
    return lam.update_function_configuration(
        FunctionName="payments", DeadLetterConfig={"TargetArn": target}
    )


def test_3_3_the_solution_passes_and_leaves_the_learners_messages_visible(payments):
    url, arn = queue()
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"amount": 0}))
    passes("3.3", set_dlq(payments, arn))
    left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in left] == [{"amount": 0}]  # the check's own is gone


def test_3_3_the_check_can_run_again(payments):
    _, arn = queue()
    config = set_dlq(payments, arn)
    passes("3.3", config)
    passes("3.3", config)


def test_3_3_stub_is_not_attempted(payments):
    not_attempted("3.3", ...)


def test_3_3_no_dead_letter_queue(payments):
    queue()
    config = payments.get_function_configuration(FunctionName="payments")
    failed_with("3.3", config, "has no dead-letter queue", "DeadLetterConfig")


def test_3_3_the_queue_url_instead_of_its_arn_is_refused_by_lambda_itself(payments):
    url, _ = queue()
    with pytest.raises(ClientError, match="not a URL"):  # as on AWS: the learner sees it at once
        set_dlq(payments, url)


def test_3_3_another_queue(payments):
    _, arn = queue("payments-dead")
    failed_with("3.3", set_dlq(payments, arn), "'payments-dead'", "asks for 'payments-dlq'")


def test_3_3_a_queue_that_does_not_exist(payments):
    target = "arn:aws:sqs:us-east-1:123456789012:payments-dlq"
    failed_with("3.3", set_dlq(payments, target), "does not exist", "create_queue")


def test_3_3_an_sns_topic(payments):
    topic = boto3.client("sns").create_topic(Name="payments-dlq")["TopicArn"]
    failed_with("3.3", set_dlq(payments, topic), "not an SQS queue")


def test_3_3_an_on_failure_destination_is_not_a_dead_letter_queue(payments):
    _, arn = queue()
    payments.put_function_event_invoke_config(
        FunctionName="payments", DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    config = payments.get_function_configuration(FunctionName="payments")
    failed_with("3.3", config, "on-failure destination", "DeadLetterConfig")


def test_3_3_the_answer_is_the_update_response(payments):
    _, arn = queue()
    set_dlq(payments, arn)
    failed_with("3.3", arn, "got str", "update_function_configuration")


def test_3_3_needs_the_function(aws):
    failed_with("3.3", {}, "no function 'payments'")


def test_3_3_needs_a_running_sandbox():
    failed_with("3.3", {}, "no sandbox is running")
