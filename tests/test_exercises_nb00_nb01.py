"""Exercises 0.1 and 1.1-1.3: right answers pass, typical mistakes get a hint that names them.

Wrong answers here are written out by hand (not produced by the checkers' own variants), so
a diagnosis that silently stops matching the mistake it is meant for fails a test.
"""

from __future__ import annotations

import math

import boto3
import pytest

from tests.exercise_helpers import failed_with
from workshop_lib import authoring, cost, sandbox
from workshop_lib.exercises import NOT_ATTEMPTED, PASSED, evaluate, exercises_of
from workshop_lib.facts import value


def test_exercises_are_registered_in_order():
    assert [ex.id for ex in exercises_of("00")] == authoring.exercise_ids("00")
    assert [ex.id for ex in exercises_of("01")] == authoring.exercise_ids("01")


# -- 0.1: a DynamoDB table in the sandbox ------------------------------------------------------
@pytest.fixture
def ddb():
    with sandbox():
        yield boto3.client("dynamodb")


def create(ddb, name="hello", key="id", kind="S", sort_key=None, billing="PAY_PER_REQUEST"):
    schema = [{"AttributeName": key, "KeyType": "HASH"}]
    attributes = [{"AttributeName": key, "AttributeType": kind}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
        attributes.append({"AttributeName": sort_key, "AttributeType": "N"})
    extra = (
        {"BillingMode": billing}
        if billing == "PAY_PER_REQUEST"
        else {"ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}
    )
    return ddb.create_table(
        TableName=name, KeySchema=schema, AttributeDefinitions=attributes, **extra
    )


def test_0_1_the_table_description_passes(ddb):
    response = create(ddb)
    assert evaluate("0.1", response["TableDescription"]) == (PASSED, "[0.1] passed")


def test_0_1_a_whole_create_or_describe_response_passes_too(ddb):
    response = create(ddb)
    assert evaluate("0.1", response)[0] == PASSED
    assert evaluate("0.1", ddb.describe_table(TableName="hello"))[0] == PASSED


def test_0_1_the_stub_is_not_attempted():
    assert evaluate("0.1", ...) == (NOT_ATTEMPTED, "[0.1] not attempted yet")


@pytest.mark.parametrize(
    "kwargs, phrases",
    [
        ({"name": "helo"}, ["called 'helo'", "asks for 'hello'", "TableName='hello'"]),
        ({"key": "pk"}, ["partition (HASH) key is 'pk'", "'AttributeName': 'id'"]),
        ({"sort_key": "release"}, ["sort (RANGE) key 'release'", "partition key only"]),
        ({"kind": "N"}, ["type 'N' (number)", "'AttributeType': 'S'"]),
        ({"billing": "PROVISIONED"}, ["provisioned capacity", "PAY_PER_REQUEST"]),
    ],
    ids=["name", "key-name", "sort-key", "key-type", "provisioned"],
)
def test_0_1_wrong_tables_say_what_differs(ddb, kwargs, phrases):
    description = create(ddb, **kwargs)["TableDescription"]
    failed_with("0.1", description, *phrases)


def test_0_1_the_name_instead_of_the_description(ddb):
    create(ddb)
    failed_with("0.1", "hello", "the string 'hello'", "['TableDescription']")


@pytest.mark.parametrize("answer", [-1, ["hello"]])
def test_0_1_something_else_entirely(answer):
    failed_with("0.1", answer, "expected the table description (a dict)")


def test_0_1_a_dict_that_is_not_a_description():
    failed_with("0.1", {"ResponseMetadata": {}}, "no 'TableName'", "ResponseMetadata")


@pytest.mark.parametrize(
    "written",
    [
        {"TableName": "hello", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]},
        {  # the arguments of create_table, kept instead of its response
            "TableName": "hello",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    ],
    ids=["hand-built", "create-arguments"],
)
def test_0_1_a_dict_written_by_hand_is_told_so(ddb, written):
    # a hand-built dict, not a missing type: the message must not say "not declared"
    create(ddb)
    line = failed_with("0.1", written, "did not come from AWS", "response = ddb.create_table")
    assert "not declared" not in line


def test_0_1_the_table_must_really_be_in_the_sandbox(ddb):
    description = create(ddb)["TableDescription"]
    sandbox.active().reset()
    failed_with("0.1", description, "has no table 'hello'", "run this cell again")


def test_0_1_a_made_up_description_does_not_match_the_live_table(ddb):
    description = create(ddb, sort_key="release")["TableDescription"]
    description["KeySchema"] = description["KeySchema"][:1]
    failed_with("0.1", description, "different key schema")


def test_0_1_without_a_running_sandbox():
    with sandbox():
        description = create(boto3.client("dynamodb"))["TableDescription"]
    failed_with("0.1", description, "no sandbox is running", "sandbox().start()")


# -- 1.1: billed duration ----------------------------------------------------------------------
OLD = value("lambda.billing_granularity_ms", talk=True)
NEW = value("lambda.billing_granularity_ms")
BILLED_2018 = math.ceil(120 / OLD) * OLD
BILLED_TODAY = math.ceil(120 / NEW) * NEW


@pytest.mark.parametrize(
    "answer",
    [(BILLED_2018, BILLED_TODAY), [BILLED_2018, BILLED_TODAY], (float(BILLED_2018), 120.0)],
)
def test_1_1_right_answers_pass(answer):
    assert evaluate("1.1", answer) == (PASSED, "[1.1] passed")


@pytest.mark.parametrize("answer", [..., (..., ...)])
def test_1_1_stubs_are_not_attempted(answer):
    assert evaluate("1.1", answer)[0] == NOT_ATTEMPTED


@pytest.mark.parametrize(
    "answer, phrases",
    [
        ((BILLED_TODAY, BILLED_2018), ["swapped", "2018 comes first"]),
        ((120, BILLED_TODAY), ["measured 120 ms", f"whole {OLD} ms steps"]),
        ((math.floor(120 / OLD) * OLD, BILLED_TODAY), ["rounds down", "rounds up"]),
        ((BILLED_2018 / 1000, BILLED_TODAY), ["billed_2018_ms looks like seconds"]),
        ((BILLED_2018, BILLED_TODAY / 1000), ["billed_today_ms looks like seconds"]),
        ((BILLED_2018, BILLED_2018), [f"2018's {OLD} ms steps", f"{NEW} ms steps"]),
        ((BILLED_2018, ...), ["billed_today_ms is still `...`"]),
        (("200", BILLED_TODAY), ["billed_2018_ms is '200', not a number"]),
        ((BILLED_2018 + 50, BILLED_TODAY), ["not what AWS billed in 2018"]),
        ((BILLED_2018, BILLED_TODAY + 7), ["not what AWS bills today"]),
        (BILLED_2018, ["expected two numbers", "check('1.1', (billed_2018_ms, billed_today_ms))"]),
    ],
    ids=[
        "swapped",
        "unrounded",
        "rounded-down",
        "seconds-2018",
        "seconds-today",
        "old-steps-today",
        "half-done",
        "text",
        "other-2018",
        "other-today",
        "one-number",
    ],
)
def test_1_1_typical_mistakes(answer, phrases):
    failed_with("1.1", answer, *phrases)


# -- 1.2: a month's bill -----------------------------------------------------------------------
FREE_REQUESTS = value("lambda.free_tier_requests")
FREE_GB_S = value("lambda.free_tier_gb_s")
PER_REQUEST = value("lambda.price_per_million_requests_usd") / 1_000_000
PER_GB_S = value("lambda.price_per_gb_s_x86_usd")


def right(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    return max(0, requests - FREE_REQUESTS) * PER_REQUEST + max(0, gb_s - FREE_GB_S) * PER_GB_S


def test_1_2_a_right_function_passes():
    assert evaluate("1.2", right) == (PASSED, "[1.2] passed")


def test_1_2_the_library_is_the_reference():
    for args in [(3_000_000, 120, 512), (30_000_000, 250, 1024), (20_000_000, 37.2, 1536)]:
        assert right(*args) == pytest.approx(cost.lambda_monthly_cost(*args).total)


def test_1_2_rounded_prices_and_cents_still_pass():
    def whitepaper_price(requests, duration_ms, memory_mb):
        gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
        compute = max(0, gb_s - FREE_GB_S) * 0.00001667
        return round(max(0, requests - FREE_REQUESTS) * PER_REQUEST + compute, 2)

    assert evaluate("1.2", whitepaper_price)[0] == PASSED


def test_1_2_the_stub_is_not_attempted():
    def monthly_cost(requests, duration_ms, memory_mb):
        """Today's Lambda bill in USD for a month, free tier included."""
        raise NotImplementedError("# your answer here")

    assert evaluate("1.2", monthly_cost) == (NOT_ATTEMPTED, "[1.2] not attempted yet")


def no_free_tier(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    return requests * PER_REQUEST + gb_s * PER_GB_S


def no_free_compute(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    return max(0, requests - FREE_REQUESTS) * PER_REQUEST + gb_s * PER_GB_S


def no_free_requests(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    return requests * PER_REQUEST + max(0, gb_s - FREE_GB_S) * PER_GB_S


def memory_in_mb(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb
    return max(0, requests - FREE_REQUESTS) * PER_REQUEST + max(0, gb_s - FREE_GB_S) * PER_GB_S


def thousand_mb(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1000
    return max(0, requests - FREE_REQUESTS) * PER_REQUEST + max(0, gb_s - FREE_GB_S) * PER_GB_S


def milliseconds(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) * memory_mb / 1024
    return max(0, requests - FREE_REQUESTS) * PER_REQUEST + max(0, gb_s - FREE_GB_S) * PER_GB_S


def hundred_ms(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms / 100) * 100 / 1000 * memory_mb / 1024
    return max(0, requests - FREE_REQUESTS) * PER_REQUEST + max(0, gb_s - FREE_GB_S) * PER_GB_S


def not_rounded(requests, duration_ms, memory_mb):
    gb_s = requests * duration_ms / 1000 * memory_mb / 1024
    return max(0, requests - FREE_REQUESTS) * PER_REQUEST + max(0, gb_s - FREE_GB_S) * PER_GB_S


def compute_only(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    return max(0, gb_s - FREE_GB_S) * PER_GB_S


def price_per_request(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    price = value("lambda.price_per_million_requests_usd")
    return max(0, requests - FREE_REQUESTS) * price + max(0, gb_s - FREE_GB_S) * PER_GB_S


def requests_only(requests, duration_ms, memory_mb):
    return max(0, requests - FREE_REQUESTS) * PER_REQUEST


def unclamped(requests, duration_ms, memory_mb):
    gb_s = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    return (requests - FREE_REQUESTS) * PER_REQUEST + (gb_s - FREE_GB_S) * PER_GB_S


@pytest.mark.parametrize(
    "wrong, phrases",
    [
        (no_free_tier, ["without the free tier", "take the free tier off first"]),
        (no_free_compute, ["not the free GB-seconds"]),
        (no_free_requests, ["not the free requests"]),
        (memory_in_mb, ["memory in MB", "memory_mb / 1024"]),
        (thousand_mb, ["divides memory by 1000", "1 GB as 1024 MB"]),
        (milliseconds, ["milliseconds where GB-seconds need seconds", "billed_ms / 1000"]),
        (hundred_ms, ["as AWS did in 2018", f"in {NEW} ms steps"]),
        (not_rounded, ["exact duration", "math.ceil"]),
        (compute_only, ["left out the request charge"]),
        (price_per_request, ["per-million price for every single request"]),
        (requests_only, ["left out the compute"]),
        (unclamped, ["below zero", "max(0, used - free)"]),
    ],
    ids=lambda x: x.__name__ if callable(x) else "",
)
def test_1_2_typical_mistakes_are_named(wrong, phrases):
    line = failed_with("1.2", wrong, "monthly_cost(", "the bill is $", *phrases)
    assert "returned" in line


def test_1_2_the_free_tier_mistake_shows_on_the_first_case_with_both_bills():
    line = failed_with("1.2", no_free_tier)
    assert "monthly_cost(3_000_000, 120, 512) returned $3.60, the bill is $0.40" in line


def test_1_2_an_unknown_mistake_points_at_explain():
    line = failed_with("1.2", lambda r, d, m: right(r, d, m) * 1.5 + 1)
    assert "print(cost.explain(3_000_000, 120, 512))" in line


@pytest.mark.parametrize(
    "wrong, phrases",
    [
        (lambda r, d, m: None, ["returned None", "return total"]),
        (lambda r, d, m: f"${right(r, d, m):.2f}", ["returned str", "not text"]),
        (lambda r, d, m: r / 0, ["your code raised ZeroDivisionError"]),
        (right(3_000_000, 120, 512), ["expected the function monthly_cost, got float"]),
    ],
    ids=["no-return", "text", "raises", "a-number"],
)
def test_1_2_answers_that_are_not_a_bill(wrong, phrases):
    failed_with("1.2", wrong, *phrases)


# -- 1.3: break-even -------------------------------------------------------------------------
SERVER = cost.server_monthly_cost()
BREAK_EVEN = cost.break_even_requests(250, 1024)


def closed_form(gb_s_per_call=0.25, free=True, request_price=PER_REQUEST):
    """n where Lambda's bill equals the server's, both free tiers used up."""
    free_usd = FREE_REQUESTS * request_price + FREE_GB_S * PER_GB_S if free else 0
    return (SERVER + free_usd) / (request_price + gb_s_per_call * PER_GB_S)


def test_1_3_the_closed_form_is_the_break_even():
    assert closed_form() == pytest.approx(BREAK_EVEN, rel=1e-6)


@pytest.mark.parametrize("factor", [1, 1.005, 0.991])
def test_1_3_answers_within_one_percent_pass(factor):
    assert evaluate("1.3", BREAK_EVEN * factor) == (PASSED, "[1.3] passed")


def test_1_3_an_integer_passes():
    assert evaluate("1.3", int(closed_form()))[0] == PASSED


def test_1_3_the_stub_is_not_attempted():
    assert evaluate("1.3", ...) == (NOT_ATTEMPTED, "[1.3] not attempted yet")


@pytest.mark.parametrize(
    "answer, phrases",
    [
        (closed_form(free=False), ["without the free tier", "come off Lambda's bill first"]),
        (closed_form(gb_s_per_call=0.3), ["the 2018 way", f"per {NEW} ms"]),
        (closed_form(request_price=0), ["leaves out the request charge"]),
        (closed_form(gb_s_per_call=0.25 * 1.024), ["divides memory by 1000"]),
        (BREAK_EVEN / 1_000_000, ["looks like millions"]),
        (BREAK_EVEN * 1.02, ["2% above the break-even", "cost.server_monthly_cost()"]),
        (BREAK_EVEN * 0.5, ["50% below the break-even"]),
        (-5, ["a positive number of requests"]),
        ("3311142", ["str '3311142', not a number"]),
        (True, ["not a number"]),
    ],
    ids=[
        "no-free-tier",
        "100ms",
        "no-request-charge",
        "thousand-mb",
        "millions",
        "two-percent-over",
        "half",
        "negative",
        "text",
        "bool",
    ],
)
def test_1_3_typical_mistakes(answer, phrases):
    failed_with("1.3", answer, *phrases)
