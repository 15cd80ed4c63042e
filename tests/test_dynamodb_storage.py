"""Key-ordered item storage: Query and Scan pages read what they return, and answer as moto.

The timing (100 against 50,000 items) is in ``make bench`` (``dynamodb_query``); here the
mechanism is counted: how many key values a page compares or hashes.
"""

from __future__ import annotations

import random

import pytest
from moto.dynamodb.models.dynamo_type import DynamoType

from workshop_lib import sandbox

SCHEMAS = {
    "S-N": ("S", "N"),  # name: (partition-key type, sort-key type or None)
    "N-S": ("N", "S"),
    "S-only": ("S", None),
}


def create(ddb, name: str, hash_type: str, range_type: str | None) -> None:
    keys = [{"AttributeName": "h", "KeyType": "HASH"}]
    attrs = [("h", hash_type), ("g", "S")]
    if range_type:
        keys.append({"AttributeName": "r", "KeyType": "RANGE"})
        attrs += [("r", range_type), ("l", "N")]
    spec = dict(
        TableName=name,
        KeySchema=keys,
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in attrs],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    if range_type:
        spec["LocalSecondaryIndexes"] = [
            {
                "IndexName": "by-l",
                "KeySchema": [
                    {"AttributeName": "h", "KeyType": "HASH"},
                    {"AttributeName": "l", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    ddb.create_table(**spec)


def value(kind: str, rng: random.Random) -> dict[str, str]:
    if kind == "N":
        return {"N": str(rng.choice([rng.randint(-50, 50), rng.randint(0, 9) / 4]))}
    return {"S": rng.choice(["", "a", "ab", "b"]) + rng.choice("abcz") + str(rng.randint(0, 30))}


def workload(seed: int) -> list[tuple[str, dict]]:
    """Tables of random items, then Queries and Scans of every shape, paged to the end."""
    rng = random.Random(seed)
    calls: list[tuple[str, dict]] = []
    for name, (hash_type, range_type) in SCHEMAS.items():
        hashes = [value(hash_type, rng) for _ in range(6)]
        for _ in range(40):
            item = {"h": rng.choice(hashes), "x": {"S": "x" * rng.randint(0, 40)}}
            if range_type:
                item["r"] = value(range_type, rng)
                item["l"] = {"N": str(rng.randint(0, 9))}
            if rng.random() < 0.7:
                item["g"] = {"S": rng.choice("pq")}
            calls.append(("put_item", {"TableName": name, "Item": item}))
        calls.append(("delete_item", {"TableName": name, "Key": _key(calls[-3][1]["Item"])}))
        for _ in range(14):
            request: dict = {"TableName": name, "ExpressionAttributeValues": {}}
            if rng.random() < 0.5:
                request["Limit"] = rng.randint(2, 9)
            if rng.random() < 0.2:
                request["FilterExpression"] = "attribute_exists(g)"
            values = request["ExpressionAttributeValues"]
            if rng.random() < 0.25:  # a Scan, maybe of a segment or of an index
                if rng.random() < 0.3:
                    request.update(Segment=rng.randint(0, 2), TotalSegments=3)
                if rng.random() < 0.2:
                    request["IndexName"] = "by-g"
                calls.append(("scan", _clean(request)))
                continue
            request["ScanIndexForward"] = rng.random() < 0.5
            if range_type and rng.random() < 0.15:
                request["IndexName"] = "by-l"
                condition = "h = :h AND l >= :l"
                values[":l"] = {"N": str(rng.randint(0, 9))}
            elif rng.random() < 0.1:
                request["IndexName"] = "by-g"
                condition = "g = :h"
                values[":h"] = {"S": rng.choice("pq")}
            else:
                condition = "h = :h" + (
                    _range_condition(range_type, values, rng) if range_type else ""
                )
            values.setdefault(":h", rng.choice(hashes))
            request["KeyConditionExpression"] = condition
            calls.append(("query", _clean(request)))
    return calls


def _range_condition(kind: str, values: dict, rng: random.Random) -> str:
    operator = rng.choice(["", "=", "<", "<=", ">", ">=", "between", "begins"])
    if operator == "":
        return ""
    values[":a"] = value(kind, rng)
    if operator == "between":
        values[":b"] = value(kind, rng)
        return " AND r BETWEEN :a AND :b"
    if operator == "begins":
        if kind != "S":
            return " AND r >= :a"
        values[":a"] = {"S": rng.choice(["a", "ab", "b", "c", "z"])}
        return " AND begins_with(r, :a)"
    return f" AND r {operator} :a"


def _key(item: dict) -> dict:
    return {k: v for k, v in item.items() if k in ("h", "r")}


def _clean(request: dict) -> dict:
    if not request.get("ExpressionAttributeValues"):
        request.pop("ExpressionAttributeValues", None)
    return request


def answers(layers: list | None, calls: list[tuple[str, dict]]) -> list:
    """Every page of every call (following LastEvaluatedKey), or the error it raised."""
    out = []
    with sandbox(plugins=layers) as aws:
        ddb = aws.client("dynamodb")
        for name, (hash_type, range_type) in SCHEMAS.items():
            create(ddb, name, hash_type, range_type)
        for action, request in calls:
            if action not in ("query", "scan"):
                getattr(ddb, action)(**request)
                continue
            request = dict(request)
            for _ in range(200):
                try:
                    page = getattr(ddb, action)(**request)
                except ddb.exceptions.ClientError as exc:
                    out.append((action, dict(request), exc.response["Error"]))
                    break
                page.pop("ResponseMetadata")
                out.append((action, dict(request), page))
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return out


@pytest.mark.slow
def test_queries_and_scans_answer_as_moto_does_on_random_tables():
    calls = workload(seed=2)  # 3 tables, 120 items, 42 Queries and Scans paged to the end
    moto_alone = answers([], calls)  # moto 5.2 with no plugin: the reference
    with_layers = answers(None, calls)
    assert len(with_layers) == len(moto_alone)
    for mine, theirs in zip(with_layers, moto_alone, strict=True):
        assert mine == theirs


def _count_key_reads(monkeypatch) -> list[int]:
    """Count how often any key value is compared or hashed (DynamoType.cast_value)."""
    counter = [0]
    original = DynamoType.cast_value

    def counted(self):
        counter[0] += 1
        return original.fget(self)

    monkeypatch.setattr(DynamoType, "cast_value", property(counted))
    return counter


def _page_costs(monkeypatch, size: int) -> dict[str, int]:
    """Key values touched by 20-item pages of a table of ``size`` items in 10 partitions."""
    with sandbox() as aws:
        ddb = aws.client("dynamodb")
        create(ddb, "pages", "S", "N")
        table = aws.plugin("dynamodb").backend().get_table("pages")
        for n in range(size):  # moto's own put: a fast fill, the same storage
            table.put_item({"h": {"S": f"p{n % 10}"}, "r": {"N": str(n)}, "g": {"S": "q"}})
        early = {"h": {"S": "p3"}, "r": {"N": str(size // 10 + 3)}}
        late = {"h": {"S": "p3"}, "r": {"N": str(size - 97)}}
        halfway = {"h": {"S": "p5"}, "r": {"N": str(size - 5)}}  # then p6 to p9
        pages = {
            "query": dict(KeyConditionExpression="h = :h", ExclusiveStartKey=early),
            "query backwards": dict(
                KeyConditionExpression="h = :h", ExclusiveStartKey=late, ScanIndexForward=False
            ),
            "query between": dict(
                KeyConditionExpression="h = :h AND r BETWEEN :a AND :b",
                ExpressionAttributeValues={
                    ":h": {"S": "p3"},
                    ":a": {"N": str(size // 2)},
                    ":b": {"N": str(size)},
                },
            ),
            "scan": dict(ExclusiveStartKey=halfway),
        }
        counter = _count_key_reads(monkeypatch)
        costs = {}
        for name, request in pages.items():
            action = name.split()[0]
            request.setdefault("ExpressionAttributeValues", {":h": {"S": "p3"}})
            if action == "scan":
                request.pop("ExpressionAttributeValues")
            counter[0] = 0
            page = getattr(ddb, action)(TableName="pages", Limit=20, **request)
            assert len(page["Items"]) == 20, name
            costs[name] = counter[0]
        monkeypatch.undo()
    return costs


def test_a_twenty_item_page_reads_about_twenty_items_whatever_the_table_size(monkeypatch):
    small, large = _page_costs(monkeypatch, 400), _page_costs(monkeypatch, 8_000)
    # moto alone reads every key of the table (it sorts the whole table on each call): 20
    # times the items, 20 times the key reads. Key-ordered storage bisects to the page.
    for name in small:
        assert large[name] <= 2 * small[name], (name, small[name], large[name])


def test_the_items_a_read_copies_are_freed_and_the_stored_ones_stay_listed():
    import gc

    import requests
    from moto.dynamodb.models.dynamo_type import Item

    with sandbox() as aws:
        ddb = aws.client("dynamodb")
        create(ddb, "copies", "S", "N")
        gc.collect()
        before = len(Item.instances_tracked)
        for n in range(5):
            ddb.put_item(TableName="copies", Item={"h": {"S": "a"}, "r": {"N": str(n)}})
        key = {"h": {"S": "a"}, "r": {"N": "1"}}
        for _ in range(30):  # 30 x (1 + 5 + 5) item copies handed out
            ddb.get_item(TableName="copies", Key=key)
            ddb.query(
                TableName="copies",
                KeyConditionExpression="h = :h",
                ExpressionAttributeValues={":h": {"S": "a"}},
            )
            ddb.scan(TableName="copies")
        gc.collect()
        # moto keeps every Item it made (330 here); only the 5 stored ones are alive
        assert len(Item.instances_tracked) - before <= 5
        dump = requests.get(f"{aws.endpoint_url}/moto-api/data.json", timeout=30).json()
        listed = dump["dynamodb"]["Item"]
        assert len(listed) >= 5  # moto's dashboard still lists what the tables hold
