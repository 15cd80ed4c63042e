"""Checks for notebook 00 (welcome): the warm-up exercise.

0.1 asks for a DynamoDB table created with plain boto3 inside the running sandbox. The
learner passes what ``create_table`` returned; the check reads the table's name, key schema
and billing mode from it, then asks the sandbox whether that table really exists.
"""

from __future__ import annotations

from typing import Any

from workshop_lib.exercises import Fail, exercise
from workshop_lib.exercises.common import table_description

TABLE_NAME = "hello"
KEY = "id"
_TYPE_NAMES = {"S": "string", "N": "number", "B": "binary"}
#: Fields DynamoDB writes into every table description and nobody passes to create_table.
_ADDED_BY_AWS = ("TableArn", "TableStatus", "CreationDateTime")


def _check_key_schema(table: dict[str, Any]) -> None:
    keys = [(k.get("AttributeName"), k.get("KeyType")) for k in table.get("KeySchema", [])]
    hash_keys = [name for name, kind in keys if kind == "HASH"]
    range_keys = [name for name, kind in keys if kind == "RANGE"]
    if hash_keys != [KEY]:
        found = repr(hash_keys[0]) if hash_keys else "missing"
        raise Fail(
            f"the partition (HASH) key is {found}, the exercise asks for {KEY!r}",
            f"KeySchema=[{{'AttributeName': '{KEY}', 'KeyType': 'HASH'}}]",
        )
    if range_keys:
        raise Fail(
            f"the table also has a sort (RANGE) key {range_keys[0]!r}",
            "this table needs a partition key only: KeySchema with one HASH entry "
            "(sort keys come in notebook 04)",
        )
    types = {
        d.get("AttributeName"): d.get("AttributeType")
        for d in table.get("AttributeDefinitions", [])
    }
    kind = types.get(KEY)
    if kind != "S":
        shown = f"{kind!r} ({_TYPE_NAMES.get(kind, 'unknown')})" if kind else "not declared"
        raise Fail(
            f"the key attribute {KEY!r} has type {shown}",
            f"declare it as a string: AttributeDefinitions=[{{'AttributeName': '{KEY}', "
            "'AttributeType': 'S'}]",
        )


def _billing_mode(table: dict[str, Any]) -> str:
    summary = table.get("BillingModeSummary") or {}
    if summary.get("BillingMode"):
        return str(summary["BillingMode"])
    throughput = table.get("ProvisionedThroughput") or {}
    return "PAY_PER_REQUEST" if not throughput.get("ReadCapacityUnits") else "PROVISIONED"


def _check_in_sandbox(table: dict[str, Any]) -> None:
    from workshop_lib import sandbox

    aws = sandbox.active()
    if aws is None:
        raise Fail(
            "no sandbox is running, so your table cannot be in it",
            "run the cell with `aws = sandbox().start()` again, then this cell",
        )
    client = aws.client("dynamodb")
    try:
        live = client.describe_table(TableName=TABLE_NAME)["Table"]
    except client.exceptions.ResourceNotFoundException:
        raise Fail(
            f"the running sandbox has no table {TABLE_NAME!r}",
            "was the sandbox reset or restarted after you created it? run this cell again",
        ) from None
    if live.get("KeySchema") != table.get("KeySchema"):
        raise Fail(
            f"the table {TABLE_NAME!r} in the sandbox has a different key schema than "
            "the description you passed",
            "pass the description of the table you just created, unchanged",
        )


@exercise(
    "0.1",
    title="Create a DynamoDB table in the sandbox",
    hint="pass the dict that create_table returned, unchanged",
)
def check_first_table(answer: Any) -> None:
    table = table_description(answer, "0.1")
    if not any(field in table for field in _ADDED_BY_AWS):
        keys = ", ".join(sorted(map(str, table)))
        raise Fail(
            f"this dict did not come from AWS: a table description has TableArn, TableStatus "
            f"and CreationDateTime, yours only {keys} (written by hand, or the arguments of "
            "create_table?)",
            "keep what the call returns: response = ddb.create_table(...), then "
            "check('0.1', response)",
        )
    name = table.get("TableName")
    if name != TABLE_NAME:
        raise Fail(
            f"the table is called {name!r}, the exercise asks for {TABLE_NAME!r}",
            f"use TableName='{TABLE_NAME}' and run the cell again (it resets the sandbox first)",
        )
    _check_key_schema(table)
    if _billing_mode(table) != "PAY_PER_REQUEST":
        raise Fail(
            "the table uses provisioned capacity",
            "create it on demand: BillingMode='PAY_PER_REQUEST' (then leave out "
            "ProvisionedThroughput; capacity is notebook 05's topic)",
        )
    _check_in_sandbox(table)
