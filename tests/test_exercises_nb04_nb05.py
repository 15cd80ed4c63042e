"""Exercises 4.1-4.3 and 5.1-5.4: right answers pass, typical mistakes get a hint that names them.

Wrong answers are written out by hand, the way a learner would write them (not produced by the
checkers' own variants), so a diagnosis that silently stops matching its mistake fails a test.
Checks that need DynamoDB run in a sandbox of their own; 5.2 and 5.4 drive traffic, so theirs
runs on the virtual clock.
"""

from __future__ import annotations

import json
import math
import random
from decimal import Decimal
from pathlib import Path

import boto3
import nbformat
import pytest
from boto3.dynamodb.conditions import Attr, Key

from tests.exercise_helpers import failed_with, passes
from workshop_lib import authoring, sandbox
from workshop_lib.dynamodb import item_size, partitions, read_capacity_units, write_capacity_units
from workshop_lib.dynamodb.throttle import ON_DEMAND_PARTITIONS, partition_of
from workshop_lib.exercises import NOT_ATTEMPTED, evaluate, exercises_of, nb05

ROOT = Path(__file__).resolve().parent.parent


def not_yet(*args):
    raise NotImplementedError("# your answer here")


def test_exercises_are_registered_in_order():
    assert [ex.id for ex in exercises_of("04")] == authoring.exercise_ids("04")
    assert [ex.id for ex in exercises_of("05")] == authoring.exercise_ids("05")


@pytest.fixture
def aws():
    with sandbox(clock="virtual") as box:
        yield box


@pytest.mark.parametrize("exercise_id", authoring.exercise_ids("04") + authoring.exercise_ids("05"))
def test_stubs_are_not_attempted(aws, exercise_id):
    assert evaluate(exercise_id, ...) == (NOT_ATTEMPTED, f"[{exercise_id}] not attempted yet")
    if exercise_id not in ("4.1", "5.2"):  # those two take values, the others functions
        assert evaluate(exercise_id, not_yet) == (
            NOT_ATTEMPTED,
            f"[{exercise_id}] not attempted yet",
        )
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


# -- 4.1: the apps table -----------------------------------------------------------------------
def create_apps(
    ddb,
    *,
    name="apps",
    keys=(("id", "HASH", "S"), ("release", "RANGE", "N")),
    throughput=(10, 5),
    more_attributes=(),
    **extra,
):
    attributes = [(n, t) for n, _, t in keys] + list(more_attributes)
    spec = {
        "TableName": name,
        "KeySchema": [{"AttributeName": n, "KeyType": k} for n, k, _ in keys],
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attributes],
        **extra,
    }
    if throughput:
        spec["ProvisionedThroughput"] = {
            "ReadCapacityUnits": throughput[0],
            "WriteCapacityUnits": throughput[1],
        }
    else:
        spec["BillingMode"] = "PAY_PER_REQUEST"
    return ddb.create_table(**spec)


def test_4_1_the_slide_36_table_passes(aws):
    ddb = aws.client("dynamodb")
    response = create_apps(ddb)
    passes("4.1", response["TableDescription"])
    passes("4.1", response)  # the whole create_table response
    passes("4.1", ddb.describe_table(TableName="apps"))


@pytest.mark.parametrize(
    "kwargs, phrases",
    [
        ({"name": "releases"}, ["called 'releases'", "TableName='apps'"]),
        (
            {"keys": (("release", "HASH", "N"), ("id", "RANGE", "S"))},
            ["keys are swapped", "id is the partition key (HASH)"],
        ),
        ({"keys": (("id", "HASH", "S"),)}, ["no sort (RANGE) key", "composite key"]),
        (
            {"keys": (("app", "HASH", "S"), ("release", "RANGE", "N"))},
            ["partition (HASH) key is 'app'"],
        ),
        (
            {"keys": (("id", "HASH", "S"), ("version", "RANGE", "N"))},
            ["sort (RANGE) key is 'version'"],
        ),
        (
            {"keys": (("id", "HASH", "S"), ("release", "RANGE", "S"))},
            ["'release' has type 'S' (string)", "'10' would sort before '9'", "'N'"],
        ),
        (
            {"keys": (("id", "HASH", "N"), ("release", "RANGE", "N"))},
            ["'id' has type 'N' (number)", "'AttributeType': 'S'"],
        ),
        ({"throughput": None}, ["on demand", "ReadCapacityUnits': 10"]),
        ({"throughput": (5, 10)}, ["swapped (5 RCU, 10 WCU)"]),
        ({"throughput": (100, 50)}, ["100 RCU and 50 WCU", "10 and 5"]),
    ],
    ids=[
        "name",
        "swapped-keys",
        "no-sort-key",
        "hash-name",
        "range-name",
        "release-string",
        "id-number",
        "on-demand",
        "swapped-throughput",
        "other-throughput",
    ],
)
def test_4_1_wrong_tables_say_what_differs(aws, kwargs, phrases):
    description = create_apps(aws.client("dynamodb"), **kwargs)["TableDescription"]
    failed_with("4.1", description, *phrases)


def test_4_1_indexes_are_not_on_the_slide(aws):
    description = create_apps(
        aws.client("dynamodb"),
        more_attributes=[("owner", "S")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-owner",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }
        ],
    )["TableDescription"]
    failed_with("4.1", description, "GlobalSecondaryIndexes", "exactly as the slide")


@pytest.mark.parametrize(
    "answer, phrases",
    [
        ("apps", ["the string 'apps'", "['TableDescription']"]),
        (42, ["expected the table description (a dict), got int"]),
        ({"ResponseMetadata": {}}, ["no 'TableName'", "ResponseMetadata"]),
    ],
)
def test_4_1_something_other_than_a_description(answer, phrases):
    failed_with("4.1", answer, *phrases)


def test_4_1_the_table_must_be_in_the_running_sandbox(aws):
    description = create_apps(aws.client("dynamodb"))["TableDescription"]
    aws.reset()
    failed_with("4.1", description, "has no table 'apps'", "run this cell again")
    aws.stop()
    failed_with("4.1", description, "no sandbox is running")


def test_4_1_a_description_edited_by_hand_does_not_match_the_live_table(aws):
    ddb = aws.client("dynamodb")
    description = create_apps(ddb, keys=(("id", "HASH", "S"), ("version", "RANGE", "N")))
    description = json.loads(json.dumps(description["TableDescription"], default=str))
    description["KeySchema"][1]["AttributeName"] = "release"
    description["AttributeDefinitions"][1]["AttributeName"] = "release"
    failed_with("4.1", description, "different key schema")


# -- 4.2: releases newer than N ----------------------------------------------------------------
def releases_after(table, app_id, after):
    return table.query(KeyConditionExpression=Key("id").eq(app_id) & Key("release").gt(after))[
        "Items"
    ]


def releases_after_with_names(table, app_id, after):
    response = table.query(
        KeyConditionExpression="id = :id AND #r > :after",
        ExpressionAttributeNames={"#r": "release"},
        ExpressionAttributeValues={":id": app_id, ":after": after},
    )
    return response["Items"]


def releases_after_paginated(table, app_id, after):
    condition = Key("id").eq(app_id) & Key("release").gt(after)
    response = table.query(KeyConditionExpression=condition)
    items = response["Items"]
    while "LastEvaluatedKey" in response:
        response = table.query(
            KeyConditionExpression=condition, ExclusiveStartKey=response["LastEvaluatedKey"]
        )
        items += response["Items"]
    return items


@pytest.mark.parametrize(
    "answer", [releases_after, releases_after_with_names, releases_after_paginated]
)
def test_4_2_right_answers_pass(aws, answer):
    passes("4.2", answer)
    assert aws.client("dynamodb").list_tables()["TableNames"] == []  # the check cleans up


def bare_release(table, app_id, after):
    return table.query(
        KeyConditionExpression="id = :id AND release > :after",
        ExpressionAttributeValues={":id": app_id, ":after": after},
    )["Items"]


def at_least(table, app_id, after):
    return table.query(KeyConditionExpression=Key("id").eq(app_id) & Key("release").gte(after))[
        "Items"
    ]


def scanned(table, app_id, after):
    items = table.scan(FilterExpression=Attr("id").eq(app_id) & Attr("release").gt(after))
    return sorted(items["Items"], key=lambda item: item["release"])


def filtered(table, app_id, after):
    return table.query(
        KeyConditionExpression=Key("id").eq(app_id), FilterExpression=Attr("release").gt(after)
    )["Items"]


def whole_response(table, app_id, after):
    return table.query(KeyConditionExpression=Key("id").eq(app_id) & Key("release").gt(after))


def newest_first(table, app_id, after):
    return table.query(
        KeyConditionExpression=Key("id").eq(app_id) & Key("release").gt(after),
        ScanIndexForward=False,
    )["Items"]


def numbers_only(table, app_id, after):
    return [int(item["release"]) for item in releases_after(table, app_id, after)]


def prefix_match(table, app_id, after):
    items = []
    for app in ("weather", "chat", "weather-radar"):
        if app.startswith(app_id):
            items += releases_after(table, app, after)
    return items


def releases_after_string(table, app_id, after):
    return table.query(KeyConditionExpression=Key("id").eq(app_id) & Key("release").gt(str(after)))[
        "Items"
    ]


def notebook_table(table, app_id, after):
    # the notebook's own `apps`, found as a global, instead of the argument
    apps = boto3.resource("dynamodb").Table("apps")
    return releases_after(apps, app_id, after)


@pytest.mark.parametrize(
    "answer, phrases",
    [
        (bare_release, ["KeyConditionExpression names `release` directly", "'#r'"]),
        (at_least, ["also returned release 9 itself", "release > N, not >="]),
        (scanned, ["scans the table", "reads (and bills) every item", "table.query"]),
        (filtered, ["12 read, 3 returned", "KeyConditionExpression, not FilterExpression"]),
        (whole_response, ["returned a dict", "response['Items']"]),
        (newest_first, ["[12, 11, 10], out of order", "ScanIndexForward=False"]),
        (numbers_only, ["[10, 11, 12]", "not items", "dicts with 'id' and 'release'"]),
        (prefix_match, ["also returned releases of 'weather-radar'", "not begins_with"]),
        (releases_after_string, ["compares release, a number, with a string", "not str("]),
    ],
    ids=[
        "bare-reserved-word",
        "at-least",
        "scan",
        "filter",
        "whole-response",
        "newest-first",
        "numbers-only",
        "prefix",
        "string-values",
    ],
)
def test_4_2_typical_mistakes(aws, answer, phrases):
    failed_with("4.2", answer, *phrases)
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def _notebook_apps(aws):
    """The notebook's own `apps` table, with a release of each app the checks ask about."""
    client = aws.client("dynamodb")
    client.create_table(
        TableName="apps",
        KeySchema=[
            {"AttributeName": "id", "KeyType": "HASH"},
            {"AttributeName": "release", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "release", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for app in ("weather", "chat"):
        client.put_item(TableName="apps", Item={"id": {"S": app}, "release": {"N": "99"}})


def test_4_2_querying_the_notebooks_apps_instead_of_the_argument(aws):
    # the key condition is right: the message must name the table it read, not the condition
    _notebook_apps(aws)
    failed_with("4.2", notebook_table, "never read the table it was given", "argument")


def test_4_3_writing_to_the_notebooks_apps_instead_of_the_argument(aws):
    _notebook_apps(aws)
    failed_with("4.3", writes_to_the_notebook_table, "never wrote to the table it was given")


def test_4_2_a_reserved_word_error_from_aws_gets_the_same_hint(aws):
    def projected(table, app_id, after):  # the sandbox refuses a bare name in a projection
        return table.query(
            KeyConditionExpression=Key("id").eq(app_id) & Key("release").gt(after),
            ProjectionExpression="id, release",
        )["Items"]

    failed_with("4.2", projected, "reserved word", "ExpressionAttributeNames")


def test_4_2_not_a_function_and_no_sandbox():
    failed_with("4.2", [1, 2], "expected your function, got list", "check('4.2', releases_after)")
    failed_with("4.2", releases_after, "no sandbox is running")


def test_4_2_the_learner_s_own_error_names_the_exception(aws):
    def broken(table, app_id, after):
        return table.query(KeyConditionExpression=Key("id").eq(app_id))["Itemz"]

    failed_with("4.2", broken, "your code raised KeyError", "table.query")


# -- 4.3: refuse duplicates --------------------------------------------------------------------
def create_release(table, item):
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def create_release_attr(table, item):
    try:
        table.put_item(Item=item, ConditionExpression=Attr("release").not_exists())
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def create_release_names(table, item):
    from botocore.exceptions import ClientError

    try:
        table.put_item(
            Item=item,
            ConditionExpression="attribute_not_exists(#i) AND attribute_not_exists(#r)",
            ExpressionAttributeNames={"#i": "id", "#r": "release"},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


@pytest.mark.parametrize("answer", [create_release, create_release_attr, create_release_names])
def test_4_3_right_answers_pass(aws, answer):
    passes("4.3", answer)
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def unconditional(table, item):
    table.put_item(Item=item)
    return True


def uncaught(table, item):
    table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    return True


def read_then_write(table, item):
    if "Item" in table.get_item(Key={"id": item["id"], "release": item["release"]}):
        return False
    table.put_item(Item=item)
    return True


def bare_release_condition(table, item):
    return create_release_with(table, item, "attribute_not_exists(release)")


def create_release_with(table, item, condition):
    try:
        table.put_item(Item=item, ConditionExpression=condition)
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def one_release_per_app(table, item):
    if table.query(KeyConditionExpression=Key("id").eq(item["id"]))["Items"]:
        return False
    return create_release(table, item)


def inverted(table, item):
    return create_release_with(table, item, "attribute_exists(id)")


def returns_nothing(table, item):
    create_release(table, item)


def status_codes(table, item):
    return 201 if create_release(table, item) else 409


def hides_every_error(table, item):
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    except Exception:
        return False
    return True


def hides_every_client_error(table, item):
    from botocore.exceptions import ClientError

    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    except ClientError:
        return False
    return True


def writes_to_the_notebook_table(table, item):
    return create_release(boto3.resource("dynamodb").Table("apps"), item)


@pytest.mark.parametrize(
    "answer, phrases",
    [
        (unconditional, ["replaced the first release", "attribute_not_exists(id)"]),
        (uncaught, ["let ConditionalCheckFailedException out", "return False"]),
        (read_then_write, ["reads first and then writes", "in one request"]),
        (bare_release_condition, ["`release` is a reserved word", "#r"]),
        (one_release_per_app, ["weather release 2) returned False", "same id AND release"]),
        (inverted, ["on an empty table returned False", "return True after a put"]),
        (returns_nothing, ["returned None, not True or False"]),
        (status_codes, ["returned 201, not True or False"]),
        (hides_every_error, ["returned False", "ValidationException", "let every other error"]),
        (hides_every_client_error, ["hid that", "catch only ConditionalCheckFailedException"]),
    ],
    ids=[
        "unconditional",
        "uncaught",
        "read-then-write",
        "reserved-word",
        "one-per-app",
        "inverted",
        "returns-nothing",
        "status-codes",
        "hides-every-error",
        "hides-every-client-error",
    ],
)
def test_4_3_typical_mistakes(aws, answer, phrases):
    failed_with("4.3", answer, *phrases)
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def test_4_3_not_a_function_and_no_sandbox():
    failed_with("4.3", True, "expected your function, got bool")
    failed_with("4.3", create_release, "no sandbox is running")


# -- 5.1: capacity units -----------------------------------------------------------------------
def capacity_units(item, operation):
    size = item_size(item)
    reads = math.ceil(size / 4096)
    writes = math.ceil(size / 1024)
    return {
        "eventual read": reads / 2,
        "strong read": reads,
        "transactional read": reads * 2,
        "write": writes,
        "transactional write": writes * 2,
    }[operation]


def with_library(item, operation):
    size = item_size(item)
    if operation.endswith("read"):
        return read_capacity_units(size, operation.split()[0])
    return write_capacity_units(size, operation.startswith("transactional"))


def capacity_units_decimal(item, operation):
    return Decimal(str(capacity_units(item, operation)))


@pytest.mark.parametrize("answer", [capacity_units, with_library, capacity_units_decimal])
def test_5_1_right_answers_pass(answer):
    passes("5.1", answer)


def variant(*, size=item_size, kb=1024, rounding=math.ceil, half=0.5, double=2, swap=False):
    read_kb, write_kb = (1, 4) if swap else (4, 1)

    def units(item, operation):
        n = size(item)
        if operation.endswith("read"):
            u = rounding(n / (read_kb * kb))
            return {"eventual read": u * half, "strong read": u}.get(operation, u * double)
        u = rounding(n / (write_kb * kb))
        return u * double if operation.startswith("transactional") else u

    return units


@pytest.mark.parametrize(
    "answer, phrases",
    [
        (variant(rounding=lambda x: x), ["returned 0.00219727", "not rounded up", "math.ceil"]),
        (variant(rounding=round), ["rounded to the nearest", "not round"]),
        (variant(rounding=math.floor), ["rounded down", "math.ceil"]),
        (variant(rounding=int), ["rounded down"]),
        (variant(kb=1000), ["1,000 bytes", "1,024 bytes"]),
        (variant(half=1), ["eventually consistent read costs you as much", "half"]),
        (variant(double=1), ["transactional read or write costs you as much", "double"]),
        (variant(swap=True), ["read and write unit sizes are swapped"]),
        (variant(size=lambda item: len(json.dumps(item, default=str))), ["JSON", "item_size"]),
        (variant(size=lambda item: len(str(item))), ["len(str(item))", "item_size"]),
    ],
    ids=[
        "fractions",
        "round",
        "floor",
        "int",
        "kb-1000",
        "eventual-full-price",
        "transactions-plain-price",
        "unit-sizes-swapped",
        "json-size",
        "str-size",
    ],
)
def test_5_1_typical_mistakes(answer, phrases):
    failed_with("5.1", answer, *phrases)


def test_5_1_other_answers():
    failed_with("5.1", lambda item, op: "1", "returned '1', not a number")
    failed_with("5.1", lambda item, op: 1, "returned 1; it costs 0.5", "math.ceil(size / 4096)")
    failed_with("5.1", 3, "expected your function, got int")


# -- 5.2: enough WCU ---------------------------------------------------------------------------
def test_5_2_the_cell_shows_the_workload_the_check_drives():
    nb = nbformat.read(ROOT / "solutions" / "05_dynamodb_throughput_and_partitions.ipynb", 4)
    cell = next(c for c in nb.cells if c.id == "nb05-ex-5-2")
    namespace = {}
    exec(cell.source.split("### BEGIN SOLUTION")[0], namespace)
    assert namespace["order"] == nb05.ORDER_5_2
    assert namespace["orders_per_second"] == nb05.ORDERS_PER_SECOND


NEED = nb05.needed_wcu_5_2()


@pytest.mark.parametrize("answer", [NEED, float(NEED), NEED + 10, 2 * NEED])
def test_5_2_enough_capacity_passes(aws, answer):
    passes("5.2", answer)
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


@pytest.mark.parametrize(
    "answer, phrases",
    [
        (NEED - 1, [f"with {NEED - 1} WCU", "orders were throttled in 10 s", "costs 3 WCU"]),
        (nb05.ORDERS_PER_SECOND, ["one WCU per order is too few", "2,249 bytes"]),
        (55, ["with 55 WCU", "multiplied before rounding up"]),
        (54.9, ["54.9 is not a whole number", "round each order up"]),
        (57, ["your KB has 1,000 bytes"]),
        (10 * NEED, [f"{10 * NEED} WCU never throttles", "a month for nothing"]),
        ("75", ["wcu is str '75', not a number"]),
        (True, ["wcu is bool True, not a number"]),
        (0, ["wcu = 0", "at least 1 WCU"]),
    ],
    ids=[
        "one-short",
        "one-per-order",
        "unrounded",
        "fraction",
        "kb-1000",
        "far-too-many",
        "text",
        "bool",
        "zero",
    ],
)
def test_5_2_typical_mistakes(aws, answer, phrases):
    failed_with("5.2", answer, *phrases)
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def test_5_2_needs_a_virtual_clock_sandbox():
    failed_with("5.2", NEED, "no sandbox is running")
    with sandbox():
        failed_with("5.2", NEED, "real clock", "clock='virtual'")


# -- 5.3: partitions ---------------------------------------------------------------------------
def partitions_for(rcu, wcu, storage_gb):
    return max(1, math.ceil(rcu / 3000 + wcu / 1000), math.ceil(storage_gb / 10))


@pytest.mark.parametrize("answer", [partitions_for, partitions])
def test_5_3_right_answers_pass(answer):
    passes("5.3", answer)


@pytest.mark.parametrize(
    "answer, phrases",
    [
        (
            lambda r, w, g: max(1, r / 3000 + w / 1000, g / 10),
            ["partitions_for(6000, 500, 0) returned 2.5; it is 3", "math.ceil"],
        ),
        (
            lambda r, w, g: max(1, round(r / 3000 + w / 1000), round(g / 10)),
            ["nearest whole number"],
        ),
        (
            lambda r, w, g: max(1, math.floor(r / 3000 + w / 1000), math.floor(g / 10)),
            ["rounded down"],
        ),
        (
            lambda r, w, g: max(1, math.ceil(max(r / 3000, w / 1000)), math.ceil(g / 10)),
            ["returned 2; it is 3", "larger of RCU / 3,000 and WCU / 1,000", "adds them"],
        ),
        (
            lambda r, w, g: max(1, math.ceil(r / 3000 + w / 1000)),
            ["partitions_for(2000, 1000, 25) returned 2; it is 3", "ignores storage"],
        ),
        (
            lambda r, w, g: max(1, math.ceil(r / 3000 + w / 1000) + math.ceil(g / 10)),
            ["added the storage partitions"],
        ),
        (
            lambda r, w, g: max(math.ceil(r / 3000 + w / 1000), math.ceil(g / 10)),
            ["partitions_for(0, 0, 0) returned 0; it is 1", "max(1, ...)"],
        ),
        (
            lambda r, w, g: max(1, math.ceil(r / 1000 + w / 3000), math.ceil(g / 10)),
            ["limits are swapped"],
        ),
        (
            # each count rounded up on its own; the limits are the right way round
            lambda r, w, g: max(1, math.ceil(r / 3000) + math.ceil(w / 1000), math.ceil(g / 10)),
            [
                "partitions_for(1000, 500, 0) returned 2; it is 1",
                "each on its own",
                "round up once",
            ],
        ),
        (lambda r, w, g: math.ceil(r / 3000 + w / 1000), ["returned 0; it is 1"]),
        (lambda r, w, g: 3, ["partitions_for(1000, 500, 0) returned 3; it is 1"]),
        (lambda r, w, g: "3", ["returned '3', not a number"]),
    ],
    ids=[
        "fraction",
        "round",
        "floor",
        "max-not-sum",
        "no-storage",
        "storage-added",
        "no-minimum",
        "limits-swapped",
        "each-term-rounded",
        "two-mistakes",
        "constant",
        "text",
    ],
)
def test_5_3_typical_mistakes(answer, phrases):
    failed_with("5.3", answer, *phrases)


# -- 5.4: spread a hot key ---------------------------------------------------------------------
def shards(n):
    return f"weather#{n % 10}"


VOTER = random.Random(3)


def random_shards(n):
    return f"weather#{VOTER.randrange(20)}"  # a random suffix from a fixed range is fine too


@pytest.mark.parametrize("answer", [shards, random_shards])
def test_5_4_spread_keys_pass(aws, answer):
    passes("5.4", answer)
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def same_partition_suffixes(count):
    """Suffixes whose weather#... keys all hash to one partition of an on-demand table."""
    found, suffix = [], 0
    while len(found) < count:
        if partition_of(f"weather#{suffix}".encode(), ON_DEMAND_PARTITIONS) == 0:
            found.append(suffix)
        suffix += 1
    return found


def test_5_4_one_key_is_throttled(aws):
    failed_with(
        "5.4",
        lambda n: "weather#0",
        "votes were throttled",
        "the one key 'weather#0'",
        "n % 10",
    )
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def test_5_4_shards_in_one_partition_are_throttled(aws):
    colliding = same_partition_suffixes(3)
    failed_with(
        "5.4",
        lambda n: f"weather#{colliding[n % 3]}",
        "votes were throttled",
        "your 3 keys put 100% of the writes on one partition",
        "more suffixes",
    )


@pytest.mark.parametrize(
    "answer, phrases",
    [
        (lambda n: "weather", ["'weather', which does not start with 'weather#'"]),
        (lambda n: f"user-{n}", ["'user-0', which does not start with 'weather#'"]),
        (lambda n: f"weather#{n}", ["800 different keys", "at most 50"]),
        (lambda n: n % 10, ["returned 0, not a string"]),
        ("weather#1", ["expected your function, got str"]),
    ],
    ids=["no-suffix", "other-prefix", "a-key-per-vote", "number", "a-string"],
)
def test_5_4_keys_that_readers_cannot_find(answer, phrases):
    failed_with("5.4", answer, *phrases)  # refused before any traffic: no sandbox needed


def test_5_4_needs_a_running_sandbox():
    failed_with("5.4", shards, "no sandbox is running")


@pytest.mark.parametrize(
    ("exercise_id", "name"),
    [
        ("3.1", "count_cold_starts"),
        ("4.2", "releases_after"),
        ("4.3", "create_release"),
        ("5.1", "capacity_units"),
        ("5.3", "partitions_for"),
        ("5.4", "vote_key"),
        ("6.2", "add_cors_preflight"),
        ("6.4", "protect"),
    ],
)
def test_a_value_where_a_function_belongs_says_how_to_pass_it(exercise_id, name):
    from workshop_lib.exercises import evaluate

    status, line = evaluate(exercise_id, 42)
    assert status == "FAILED"
    assert line == (
        f"[{exercise_id}] FAILED: expected your function, got int — "
        f"hint: pass the function itself: check('{exercise_id}', {name})"
    )
