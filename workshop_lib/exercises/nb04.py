"""Checks for notebook 04 (DynamoDB tables and keys): the apps table, a query, a conditional put.

4.1 reads the learner's table description, then describes the live table in the running
sandbox. 4.2 and 4.3 run the learner's function against a table of their own (created in
the running sandbox, seeded, and deleted afterwards), handed over behind a thin recorder
that remembers every call, so the hint can name *how* an answer went wrong: a scan instead of
a query, a filter instead of a key condition, a bare reserved word, a read before the write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from workshop_lib.exercises import Fail, exercise
from workshop_lib.exercises.common import require_function, running_sandbox, table_description

#: 4.1: the talk's apps table (slide 36).
APPS_TABLE = "apps"
APPS_KEYS = [("id", "HASH", "S"), ("release", "RANGE", "N")]
APPS_THROUGHPUT = (10, 5)  # ReadCapacityUnits, WriteCapacityUnits

#: 4.2: releases seeded per app, and the (app_id, after) calls with the releases expected back.
SEED_4_2 = {"weather": 12, "chat": 4, "weather-radar": 3}
CASES_4_2: list[tuple[str, int, list[int]]] = [
    ("weather", 9, [10, 11, 12]),
    ("chat", 0, [1, 2, 3, 4]),
    ("weather", 0, list(range(1, 13))),  # every release (and no 'weather-radar' ones)
    ("weather", 12, []),
    ("unknown", 0, []),
]
TABLE_4_2 = "exercise-4-2-apps"
TABLE_4_3 = "exercise-4-3-apps"

_TYPE_NAMES = {"S": "string", "N": "number", "B": "binary"}
_RESERVED = re.compile(r"(?<![#:\w.])release\b", re.IGNORECASE)


# -- shared pieces --------------------------------------------------------------------------
def _running_sandbox() -> Any:
    return running_sandbox(
        "there is nothing to try your answer in",
        "run the notebook's first code cell (it starts the sandbox), then this cell again",
    )


@contextmanager
def _apps_like_table(aws: Any, name: str) -> Iterator[Any]:
    """A fresh on-demand table with the apps table's keys; deleted afterwards."""
    client = aws.client("dynamodb")
    if name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": n, "KeyType": k} for n, k, _ in APPS_KEYS],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, _, t in APPS_KEYS],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        yield aws.resource("dynamodb").Table(name)
    finally:
        client.delete_table(TableName=name)


class Recorder:
    """Stands in for a boto3 ``Table``: every call goes through, and is remembered."""

    RECORDED = ("query", "scan", "get_item", "put_item", "update_item", "delete_item")

    def __init__(self, table: Any) -> None:
        self._table = table
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.responses: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._table, name)
        if name not in self.RECORDED:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            response = attribute(*args, **kwargs)
            self.responses.append((name, response))
            return response

        return call

    def used(self, method: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == method]

    def reset(self) -> None:
        self.calls.clear()
        self.responses.clear()


def _is_reserved_word_error(exc: Exception) -> bool:
    return "reserved keyword" in str(exc)


def _bare_reserved_word(kwargs: dict[str, Any]) -> str | None:
    """The expression parameter that names ``release`` without a placeholder, if any."""
    for parameter in (
        "KeyConditionExpression",
        "FilterExpression",
        "ProjectionExpression",
        "ConditionExpression",
    ):
        expression = kwargs.get(parameter)
        if isinstance(expression, str) and _RESERVED.search(expression):
            return parameter
    return None


def _reserved_word_fail(parameter: str) -> Fail:
    return Fail(
        f"your {parameter} names `release` directly; it is a DynamoDB reserved word, so "
        "DynamoDB answers ValidationException",
        "use a placeholder: '#r > :after' with ExpressionAttributeNames={'#r': 'release'}, "
        "or let boto3 make one: Key('release').gt(after)",
    )


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, Decimal) and value == int(value) else value


# -- 4.1 ------------------------------------------------------------------------------------


def _key_schema(table: dict[str, Any]) -> tuple[list[str], list[str]]:
    keys = [(k.get("AttributeName"), k.get("KeyType")) for k in table.get("KeySchema") or []]
    return [n for n, t in keys if t == "HASH"], [n for n, t in keys if t == "RANGE"]


def _check_keys(table: dict[str, Any]) -> None:
    hash_keys, range_keys = _key_schema(table)
    if hash_keys == ["release"] and range_keys == ["id"]:
        raise Fail(
            "the keys are swapped: release is the partition (HASH) key and id the sort key",
            "id is the partition key (HASH), release the sort key (RANGE): all releases of an "
            "app share one partition key and are sorted by release",
        )
    if hash_keys != ["id"]:
        found = repr(hash_keys[0]) if hash_keys else "missing"
        raise Fail(
            f"the partition (HASH) key is {found}; slide 36 has 'id'",
            "KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}, ...]",
        )
    if not range_keys:
        raise Fail(
            "the table has no sort (RANGE) key, so an app could have only one release",
            "slide 36 has a composite key: add {'AttributeName': 'release', 'KeyType': 'RANGE'} "
            "to KeySchema (and declare release in AttributeDefinitions)",
        )
    if range_keys != ["release"]:
        raise Fail(
            f"the sort (RANGE) key is {range_keys[0]!r}; slide 36 has 'release'",
            "{'AttributeName': 'release', 'KeyType': 'RANGE'}",
        )
    types = {
        d.get("AttributeName"): d.get("AttributeType")
        for d in table.get("AttributeDefinitions") or []
    }
    for name, _, want in APPS_KEYS:
        got = types.get(name)
        if got == want:
            continue
        shown = f"{got!r} ({_TYPE_NAMES.get(got, 'unknown')})" if got else "not declared"
        why = (
            " — as strings, release '10' would sort before '9'"
            if name == "release" and got == "S"
            else ""
        )
        raise Fail(
            f"the key attribute {name!r} has type {shown}; slide 36 declares it as "
            f"{want!r} ({_TYPE_NAMES[want]}){why}",
            f"AttributeDefinitions=[{{'AttributeName': '{name}', 'AttributeType': '{want}'}}, ...]",
        )


def _check_throughput(table: dict[str, Any]) -> None:
    mode = (table.get("BillingModeSummary") or {}).get("BillingMode")
    throughput = table.get("ProvisionedThroughput") or {}
    read, write = throughput.get("ReadCapacityUnits"), throughput.get("WriteCapacityUnits")
    want_read, want_write = APPS_THROUGHPUT
    if mode == "PAY_PER_REQUEST" or not read:
        raise Fail(
            "the table is on demand; slide 36 provisions its throughput",
            f"ProvisionedThroughput={{'ReadCapacityUnits': {want_read}, "
            f"'WriteCapacityUnits': {want_write}}} (and no BillingMode)",
        )
    if (read, write) == (want_write, want_read):
        raise Fail(
            f"read and write capacity are swapped ({read} RCU, {write} WCU)",
            f"slide 36 reads {want_read} and writes {want_write}: "
            f"ReadCapacityUnits={want_read}, WriteCapacityUnits={want_write}",
        )
    if (read, write) != APPS_THROUGHPUT:
        raise Fail(
            f"the table has {read} RCU and {write} WCU; slide 36 has {want_read} and {want_write}",
            f"ProvisionedThroughput={{'ReadCapacityUnits': {want_read}, "
            f"'WriteCapacityUnits': {want_write}}}",
        )


def _check_no_indexes(table: dict[str, Any]) -> None:
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if table.get(kind):
            raise Fail(
                f"the table has {kind}; slide 36's table has none",
                "create it exactly as the slide shows; indexes come later in the notebook",
            )


@exercise(
    "4.1",
    title="The apps table of slide 36",
    hint="pass the dict that create_table returned, unchanged",
)
def check_apps_table(answer: Any) -> None:
    table = table_description(answer, "4.1")
    if table.get("TableName") != APPS_TABLE:
        raise Fail(
            f"the table is called {table.get('TableName')!r}; slide 36 has {APPS_TABLE!r}",
            f"TableName='{APPS_TABLE}'",
        )
    _check_keys(table)
    _check_throughput(table)
    _check_no_indexes(table)
    aws = _running_sandbox()
    client = aws.client("dynamodb")
    try:
        live = client.describe_table(TableName=APPS_TABLE)["Table"]
    except client.exceptions.ResourceNotFoundException:
        raise Fail(
            f"the running sandbox has no table {APPS_TABLE!r}",
            "was the sandbox restarted after you created it? run this cell again",
        ) from None
    if _key_schema(live) != _key_schema(table):
        raise Fail(
            f"the {APPS_TABLE!r} table in the sandbox has a different key schema than the "
            "description you passed",
            "pass the description of the table you just created, unchanged",
        )
    _check_keys(live)
    _check_throughput(live)
    _check_no_indexes(live)


# -- 4.2 ------------------------------------------------------------------------------------
def _seed_4_2(table: Any) -> None:
    with table.batch_writer() as batch:
        for app_id, count in SEED_4_2.items():
            for release in range(1, count + 1):
                batch.put_item(
                    Item={"id": app_id, "release": release, "notes": f"{app_id} {release}"}
                )


def _releases(result: Any, call: str) -> list[tuple[Any, Any]]:
    """``[(id, release), ...]`` from what the learner's function returned."""
    if isinstance(result, dict):
        hint = (
            "return response['Items'], the list of items"
            if "Items" in result
            else "return the list of items (response['Items'])"
        )
        raise Fail(f"{call} returned a dict, not a list of items", hint)
    if result is None or isinstance(result, (str, bytes)) or not hasattr(result, "__iter__"):
        raise Fail(
            f"{call} returned {result!r}, not a list of items",
            "return response['Items'] from your query",
        )
    items = list(result)
    if items and not all(isinstance(i, dict) for i in items):
        raise Fail(
            f"{call} returned {items[:3]!r}..., not items",
            "return the items themselves (dicts with 'id' and 'release'), as query returns them",
        )
    if any("release" not in i or "id" not in i for i in items):
        raise Fail(
            f"{call} returned items without their 'id' or 'release'",
            "return the items as query returns them (drop the ProjectionExpression)",
        )
    return [(i["id"], _number(i["release"])) for i in items]


@exercise(
    "4.2",
    title="Releases newer than N",
    hint="query the table: table.query(KeyConditionExpression=..., ...)['Items']",
)
def check_releases_after(releases_after: Any) -> None:
    require_function(releases_after, "4.2", "releases_after")
    aws = _running_sandbox()
    with _apps_like_table(aws, TABLE_4_2) as table:
        _seed_4_2(table)
        recorder = Recorder(table)
        for app_id, after, want in CASES_4_2:
            call = f"releases_after(table, {app_id!r}, {after})"
            recorder.reset()
            try:
                result = releases_after(recorder, app_id, after)
            except Exception as exc:
                if _is_reserved_word_error(exc):
                    named = re.search(r"Invalid (\w+Expression)", str(exc))
                    raise _reserved_word_fail(named.group(1) if named else "expression") from None
                if "does not match schema type" in str(exc):
                    raise Fail(
                        f"{call} compares release, a number, with a string",
                        "pass after as it is, a number: Key('release').gt(after), not str(after)",
                    ) from None
                raise
            got = _releases(result, call)
            if not recorder.calls:
                raise _other_table_fail(call, "read")
            _compare_4_2(call, app_id, after, want, got)
            _check_method_4_2(call, recorder)


def _other_table_fail(call: str, verb: str) -> Fail:
    """The function never touched the table it was given (it used the notebook's ``apps``,
    or a table of its own): whatever it returns says nothing about ``table``."""
    return Fail(
        f"{call} never {verb} the table it was given: it used another one (the notebook's apps?)",
        "use the argument: table.query(...) / table.put_item(...) inside your function, "
        "not apps (check passes a table of its own)",
    )


def _compare_4_2(call: str, app_id: str, after: int, want: list[int], got: list) -> None:
    others = sorted({i for i, _ in got if i != app_id})
    if others:
        raise Fail(
            f"{call} also returned releases of {', '.join(map(repr, others))}",
            f"the key condition must match the app exactly: id = :id (not begins_with), "
            f"with ':id': {app_id!r}",
        )
    releases = [r for _, r in got]
    if releases == want:
        return
    if sorted(releases) == want:
        raise Fail(
            f"{call} returned releases {releases}, out of order",
            "query returns items in ascending sort-key order: drop ScanIndexForward=False "
            "(and any sorting of your own)",
        )
    if after in releases and sorted(r for r in releases if r != after) == want:
        raise Fail(
            f"{call} also returned release {after} itself",
            "newer than N means release > N, not >= (Key('release').gt(after))",
        )
    shown = releases if len(releases) <= 12 else f"{len(releases)} releases"
    raise Fail(
        f"{call} returned {shown}; the table holds {want} for that",
        "the key condition is id = :id AND #r > :after, with #r standing for release",
    )


def _check_method_4_2(call: str, recorder: Recorder) -> None:
    if recorder.used("scan"):
        raise Fail(
            f"{call} scans the table: the answer is right, but a scan reads (and bills) every "
            "item of every app",
            "use table.query with a key condition on id and release: it reads only that "
            "app's newer releases",
        )
    for kwargs in recorder.used("query"):
        parameter = _bare_reserved_word(kwargs)
        if parameter:
            raise _reserved_word_fail(parameter)
    for name, response in recorder.responses:
        if name != "query" or not isinstance(response, dict):
            continue
        if response.get("ScannedCount", 0) > response.get("Count", 0):
            raise Fail(
                f"{call} reads more releases than it returns ({response['ScannedCount']} read, "
                f"{response['Count']} returned): a filter throws the rest away after they "
                "were read and billed",
                "put the release condition into KeyConditionExpression, not FilterExpression",
            )


# -- 4.3 ------------------------------------------------------------------------------------
def _stored(table: Any, item: dict[str, Any]) -> dict[str, Any] | None:
    return table.get_item(Key={"id": item["id"], "release": item["release"]}).get("Item")


def _create(create_release: Callable, recorder: Recorder, item: dict[str, Any], call: str) -> Any:
    try:
        return create_release(recorder, dict(item))
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            raise Fail(
                f"{call} let ConditionalCheckFailedException out",
                "catch it and return False: except table.meta.client.exceptions."
                "ConditionalCheckFailedException: return False",
            ) from None
        if _is_reserved_word_error(exc):
            raise Fail(
                f"{call} raised ValidationException: `release` is a reserved word",
                "attribute_not_exists(id) needs no placeholder; for release write "
                "'attribute_not_exists(#r)' with ExpressionAttributeNames={'#r': 'release'}",
            ) from None
        raise


def _expect_bool(result: Any, want: bool, call: str, meaning: str) -> None:
    if result is want:
        return
    if not isinstance(result, bool):
        raise Fail(
            f"{call} returned {result!r}, not True or False",
            "return True when the release was created and False when it already existed",
        )
    raise Fail(f"{call} returned {result}, but {meaning}", _WHY_4_3[meaning])


_NEW = "the release was new"
_EXISTED = "that release already existed"
_OTHER = "only that release of the app existed, not this one"
_PUT_HINT = "write the item with table.put_item(Item=item, ...)"
_WHY_4_3 = {
    _NEW: "return True after a put that succeeded",
    _EXISTED: (
        "let DynamoDB refuse the write: ConditionExpression='attribute_not_exists(id)', "
        "then catch ConditionalCheckFailedException and return False"
    ),
    _OTHER: (
        "the condition is checked against the item with the same id AND release: "
        "attribute_not_exists(id) is enough; do not look for other releases of the app"
    ),
}

ITEMS_4_3 = [
    {"id": "weather", "release": 1, "notes": "first"},
    {"id": "weather", "release": 1, "notes": "second"},  # a duplicate: refused
    {"id": "weather", "release": 2, "notes": "radar maps"},  # same app, new release
    {"id": "chat", "release": 1, "notes": "hello"},  # another app
]


#: An item DynamoDB refuses for another reason than a duplicate: release is a number key.
NOT_A_NUMBER_4_3 = {"id": "weather", "release": "3", "notes": "release typed as text"}


def _lets_other_errors_through(create_release: Callable, recorder: Recorder, table: Any) -> None:
    """Only a duplicate is False: any other refusal (here a ValidationException, a key of
    the wrong type) must reach the caller, or a failed write reads as "already there"."""
    call = "create_release(table, an item whose release is the text '3')"
    try:
        result = create_release(recorder, dict(NOT_A_NUMBER_4_3))
    except Exception:
        return  # the caller sees the error: right
    if table.get_item(Key={"id": "weather", "release": 3}).get("Item") is not None:
        return  # converted to a number and written: not what was asked, but nothing is lost
    raise Fail(
        f"{call} returned {result!r}: DynamoDB refused the write with a ValidationException "
        "(release is a number key), not because the release existed, and your function "
        "hid that",
        "catch only ConditionalCheckFailedException (except table.meta.client.exceptions."
        "ConditionalCheckFailedException:), not Exception or every ClientError: let every "
        "other error through",
    )


@exercise(
    "4.3",
    title="Refuse duplicate releases",
    hint="put_item(Item=item, ConditionExpression=...) and catch ConditionalCheckFailedException",
)
def check_create_release(create_release: Any) -> None:
    require_function(create_release, "4.3", "create_release")
    aws = _running_sandbox()
    with _apps_like_table(aws, TABLE_4_3) as table:
        recorder = Recorder(table)
        first, duplicate, second, other = ITEMS_4_3

        call = "create_release(table, weather release 1) on an empty table"
        result = _create(create_release, recorder, first, call)
        if not recorder.calls:
            raise _other_table_fail(call, "wrote to")
        _expect_bool(result, True, call, _NEW)
        if _stored(table, first) is None:
            raise Fail(f"{call} returned True, but the table is still empty", _PUT_HINT)

        call = "create_release(table, weather release 1) a second time"
        result = _create(create_release, recorder, duplicate, call)
        stored = _stored(table, first) or {}
        if stored.get("notes") == duplicate["notes"]:
            raise Fail(
                f"{call} replaced the first release: put_item overwrites an item with the "
                "same key unless a condition stops it",
                _WHY_4_3[_EXISTED],
            )
        _expect_bool(result, False, call, _EXISTED)

        for item in (second, other):
            call = f"create_release(table, {item['id']} release {item['release']})"
            _expect_bool(_create(create_release, recorder, item, call), True, call, _OTHER)
            if _stored(table, item) is None:
                raise Fail(f"{call} returned True, but the release is not in the table", _PUT_HINT)

        _lets_other_errors_through(create_release, recorder, table)

        puts = recorder.used("put_item")
        if puts and not all(kwargs.get("ConditionExpression") for kwargs in puts):
            raise Fail(
                "your function reads first and then writes: between the two requests another "
                "writer can create the same release, and one of them is lost",
                "let DynamoDB check and write in one request: "
                "put_item(Item=item, ConditionExpression='attribute_not_exists(id)')",
            )
        for kwargs in puts:
            parameter = _bare_reserved_word(kwargs)
            if parameter:
                raise _reserved_word_fail(parameter)
