"""The sandbox's DynamoDB: ConsumedCapacity, throttling, partitions, limits and TTL."""

from __future__ import annotations

import random

import pytest
from botocore.exceptions import ClientError

from workshop_lib import sandbox
from workshop_lib.dynamodb.workload import NO_RETRIES, drive, partition_heatmap

KB = 1024


@pytest.fixture
def aws():
    with sandbox(clock="virtual") as box:
        yield box


def apps_table(aws, *, provisioned=(100, 100), gsi_wcu=100, name="apps", lsi=True):
    """The talk's apps table (id HASH, release RANGE) with a GSI and an LSI."""
    ddb = aws.client("dynamodb")
    throughput = {"ReadCapacityUnits": provisioned[0], "WriteCapacityUnits": provisioned[1]}
    spec = dict(
        TableName=name,
        KeySchema=[
            {"AttributeName": "id", "KeyType": "HASH"},
            {"AttributeName": "release", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": t}
            for n, t in [("id", "S"), ("release", "N"), ("owner", "S"), ("stage", "S")]
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-owner",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 100, "WriteCapacityUnits": gsi_wcu},
            }
        ],
        ProvisionedThroughput=throughput,
    )
    if not lsi:
        spec["AttributeDefinitions"] = spec["AttributeDefinitions"][:3]
    if lsi:
        spec["LocalSecondaryIndexes"] = [
            {
                "IndexName": "by-stage",
                "KeySchema": [
                    {"AttributeName": "id", "KeyType": "HASH"},
                    {"AttributeName": "stage", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    ddb.create_table(**spec)
    return ddb


def put(ddb, item, **kwargs):
    return ddb.put_item(TableName="apps", Item=item, **kwargs)


def item(i="app", release=1, pad=0, **extra):
    out = {"id": {"S": i}, "release": {"N": str(release)}}
    if pad:
        out["pad"] = {"S": "x" * pad}
    out.update({k: {"S": v} for k, v in extra.items()})
    return out


def test_consumed_capacity_of_writes_with_indexes(aws):
    ddb = apps_table(aws)
    first = put(ddb, item(pad=2500, owner="ann", stage="dev"), ReturnConsumedCapacity="INDEXES")
    assert first["ConsumedCapacity"] == {
        "TableName": "apps",
        "CapacityUnits": 7.0,
        "Table": {"CapacityUnits": 3.0},  # ~2.5 KB item → 3 WCU
        "GlobalSecondaryIndexes": {"by-owner": {"CapacityUnits": 1.0}},  # KEYS_ONLY entry
        "LocalSecondaryIndexes": {"by-stage": {"CapacityUnits": 3.0}},  # ALL projected
    }
    total = put(ddb, item(pad=10, owner="bob"), ReturnConsumedCapacity="TOTAL")
    # the old item (≈2.5 KB) is larger than the new one: the larger size is charged; the GSI
    # key changed (ann → bob): two index writes; the LSI entry is removed: one write
    assert total["ConsumedCapacity"] == {"TableName": "apps", "CapacityUnits": 3.0 + 2.0 + 3.0}
    plain = put(ddb, item(release=2), ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in plain
    update = ddb.update_item(
        TableName="apps",
        Key={"id": {"S": "app"}, "release": {"N": "2"}},
        UpdateExpression="SET big = :b",
        ExpressionAttributeValues={":b": {"S": "y" * 1500}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert update["ConsumedCapacity"] == {"TableName": "apps", "CapacityUnits": 2.0}
    delete = ddb.delete_item(
        TableName="apps",
        Key={"id": {"S": "app"}, "release": {"N": "2"}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert delete["ConsumedCapacity"]["CapacityUnits"] == 2.0
    missing = ddb.delete_item(
        TableName="apps",
        Key={"id": {"S": "no"}, "release": {"N": "9"}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert missing["ConsumedCapacity"]["CapacityUnits"] == 1.0


def test_consumed_capacity_of_reads(aws):
    ddb = apps_table(aws)
    put(ddb, item(release=1, pad=10 * KB))
    get = ddb.get_item(
        TableName="apps",
        Key={"id": {"S": "app"}, "release": {"N": "1"}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert get["ConsumedCapacity"]["CapacityUnits"] == 1.5  # 10 KB → 12 KB, eventual
    strong = ddb.get_item(
        TableName="apps",
        Key={"id": {"S": "app"}, "release": {"N": "1"}},
        ConsistentRead=True,
        ReturnConsumedCapacity="TOTAL",
    )
    assert strong["ConsumedCapacity"]["CapacityUnits"] == 3.0
    missing = ddb.get_item(
        TableName="apps",
        Key={"id": {"S": "x"}, "release": {"N": "1"}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert missing["ConsumedCapacity"]["CapacityUnits"] == 0.5


def test_query_pays_for_what_it_reads_not_what_the_filter_returns(aws):
    ddb = apps_table(aws)
    for release in range(10):
        put(ddb, item(release=release, pad=1000))  # 10 items of ~1 KB: ~10 KB read
    query = ddb.query(
        TableName="apps",
        KeyConditionExpression="id = :i",
        FilterExpression="#r = :r",
        ExpressionAttributeNames={"#r": "release"},
        ExpressionAttributeValues={":i": {"S": "app"}, ":r": {"N": "3"}},
        ReturnConsumedCapacity="TOTAL",
        ConsistentRead=True,
    )
    assert query["Count"] == 1 and query["ScannedCount"] == 10
    assert query["ConsumedCapacity"]["CapacityUnits"] == 3.0  # ~10 KB total → 12 KB → 3 RCU
    scan = ddb.scan(TableName="apps", ReturnConsumedCapacity="TOTAL")
    assert scan["ConsumedCapacity"]["CapacityUnits"] == 1.5
    small = ddb.query(
        TableName="apps",
        KeyConditionExpression="id = :i",
        Limit=2,
        ExpressionAttributeValues={":i": {"S": "app"}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert small["ConsumedCapacity"]["CapacityUnits"] == 0.5


def test_index_queries_report_the_index(aws):
    ddb = apps_table(aws)
    put(ddb, item(owner="ann", stage="dev"))
    gsi = ddb.query(
        TableName="apps",
        IndexName="by-owner",
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": "ann"}},
        ReturnConsumedCapacity="INDEXES",
    )
    assert gsi["ConsumedCapacity"] == {
        "TableName": "apps",
        "CapacityUnits": 0.5,
        "Table": {"CapacityUnits": 0.0},
        "GlobalSecondaryIndexes": {"by-owner": {"CapacityUnits": 0.5}},
    }
    lsi = ddb.query(
        TableName="apps",
        IndexName="by-stage",
        KeyConditionExpression="id = :i AND stage = :s",
        ExpressionAttributeValues={":i": {"S": "app"}, ":s": {"S": "dev"}},
        ReturnConsumedCapacity="INDEXES",
    )
    assert lsi["ConsumedCapacity"]["LocalSecondaryIndexes"] == {"by-stage": {"CapacityUnits": 0.5}}


def test_batch_and_transactions(aws):
    ddb = apps_table(aws, lsi=False)
    put(ddb, item(release=1, pad=int(1.5 * KB)))
    put(ddb, item(release=2, pad=int(6.5 * KB)))
    # AWS's example: a batch of a 1.5 KB and a 6.5 KB item reads 4 KB + 8 KB = 12 KB
    batch = ddb.batch_get_item(
        RequestItems={
            "apps": {
                "Keys": [
                    {"id": {"S": "app"}, "release": {"N": "1"}},
                    {"id": {"S": "app"}, "release": {"N": "2"}},
                ],
                "ConsistentRead": True,
            }
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert batch["ConsumedCapacity"] == [{"TableName": "apps", "CapacityUnits": 3.0}]
    writes = ddb.batch_write_item(
        RequestItems={"apps": [{"PutRequest": {"Item": item(release=n)}} for n in range(10, 15)]},
        ReturnConsumedCapacity="TOTAL",
    )
    assert writes["ConsumedCapacity"] == [{"TableName": "apps", "CapacityUnits": 5.0}]
    transaction = ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "apps", "Item": item(release=n)}} for n in range(20, 22)
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert transaction["ConsumedCapacity"] == [{"TableName": "apps", "CapacityUnits": 4.0}]
    reads = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": "apps", "Key": {"id": {"S": "app"}, "release": {"N": "20"}}}}
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert reads["ConsumedCapacity"] == [{"TableName": "apps", "CapacityUnits": 2.0}]


def test_an_under_provisioned_table_throttles_after_its_burst(aws):
    apps_table(aws, provisioned=(1, 1), lsi=False)
    ddb = aws.client("dynamodb", config=NO_RETRIES)
    # 50 writes a second for 10 s against 1 WCU: the 300 s of unused capacity (burst) and
    # the refill carry the first ~300, then DynamoDB throttles
    result = drive(aws, lambda n: put(ddb, item(release=n)), rate=50, seconds=10)
    assert result.ok[:6] == [50] * 6
    assert 300 <= result.total_ok <= 310 and result.throttled[-1] == 49
    with pytest.raises(ClientError) as info:
        put(ddb, item(release=9999))
    assert info.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert "provisioned throughput for the table was exceeded" in str(info.value)
    aws.clock.advance(5)  # 5 seconds at 1 WCU refill 5 units
    for n in range(5):
        put(ddb, item(release=1000 + n))
    with pytest.raises(ClientError):
        put(ddb, item(release=2000))
    assert aws.plugin("dynamodb").model.throttles[-1].scope == "table"


def test_sdk_retries_back_off_on_the_sandbox_clock_and_update_table_fixes_it(aws):
    apps_table(aws, provisioned=(1, 1), lsi=False)
    no_retries = aws.client("dynamodb", config=NO_RETRIES)
    spent = drive(aws, lambda n: put(no_retries, item(release=n)), rate=50, seconds=7)
    assert spent.throttled[-1] > 0  # the burst is gone
    ddb = aws.client("dynamodb")  # default retries
    before = aws.clock.time()
    response = put(ddb, item(release=999))
    assert response["ResponseMetadata"]["RetryAttempts"] >= 1
    assert aws.clock.time() > before  # the back-off slept on the virtual clock
    ddb.update_table(
        TableName="apps", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 50}
    )
    aws.clock.advance(1)  # one second at the new rate
    result = drive(
        aws,
        lambda n: put(aws.client("dynamodb", config=NO_RETRIES), item(release=5000 + n)),
        rate=40,
        seconds=3,
    )
    assert result.total_throttled == 0 and result.total_ok == 120


def test_a_gsi_without_capacity_throttles_table_writes(aws):
    apps_table(aws, gsi_wcu=1, lsi=False)
    ddb = aws.client("dynamodb", config=NO_RETRIES)
    result = drive(aws, lambda n: put(ddb, item(release=n, owner="ann")), rate=50, seconds=8)
    assert result.total_throttled > 0
    with pytest.raises(ClientError, match="global secondary indexes"):
        put(ddb, item(release=999, owner="ann"))
    put(ddb, item(release=1000))  # no owner: not in the sparse index, not throttled
    assert aws.plugin("dynamodb").model.throttles[-1].scope == "index:by-owner"


def test_on_demand_tables_do_not_throttle_at_provisioned_rates(aws):
    aws.client("dynamodb").create_table(
        TableName="on-demand",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    ddb = aws.client("dynamodb", config=NO_RETRIES)
    result = drive(
        aws,
        lambda n: ddb.put_item(TableName="on-demand", Item={"id": {"S": f"k{n}"}}),
        rate=250,
        seconds=2,
    )
    assert result.total_throttled == 0 and result.total_ok == 500


def test_a_hot_key_throttles_where_a_spread_workload_does_not(aws):
    aws.client("dynamodb").create_table(
        TableName="hot",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "id", "KeyType": "HASH"},
            {"AttributeName": "n", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
        ],
    )
    ddb = aws.client("dynamodb", config=NO_RETRIES)
    rng = random.Random(1)
    pad = "x" * (4 * KB - 100)  # ~4 KB items: 4 WCU each, 400 writes/s = 1,600 WCU/s

    def write(key):
        return lambda n: ddb.put_item(
            TableName="hot", Item={"id": {"S": key(n)}, "n": {"N": str(n)}, "pad": {"S": pad}}
        )

    spread = drive(aws, write(lambda n: f"user-{rng.randrange(10_000)}"), rate=400, seconds=2)
    aws.clock.advance(10)
    hot = drive(aws, write(lambda n: "celebrity"), rate=400, seconds=2)
    assert spread.total_throttled == 0  # 4 partitions share 1,600 WCU/s
    assert hot.total_throttled > 150  # one partition serves at most 1,000 WCU per second
    assert hot.throttled[-1] >= 140
    partitions, grid = partition_heatmap(aws, "hot")
    assert partitions == [0, 1, 2, 3]
    hot_partition = aws.plugin("dynamodb").partition_for("hot", "celebrity")
    last = [row[-1] for row in grid]
    assert last[hot_partition] == max(last) and sum(1 for u in last if u) == 1
    assert all(units <= 1000 + 500 for units in last)


def test_item_size_limit_is_aws_s_409600_bytes(aws):
    ddb = apps_table(aws, lsi=False)
    name_and_keys = len("id") + 3 + len("release") + 2 + len("pad")
    put(ddb, item(pad=409_600 - name_and_keys))  # exactly 400 KB: accepted (moto: refused)
    with pytest.raises(ClientError, match="Item size has exceeded the maximum allowed size"):
        put(ddb, item(release=2, pad=409_601 - name_and_keys))
    put(ddb, item(release=3, pad=400_000 - name_and_keys))
    with pytest.raises(ClientError, match="Item size to update has exceeded"):
        ddb.update_item(
            TableName="apps",
            Key={"id": {"S": "app"}, "release": {"N": "3"}},
            UpdateExpression="SET more = :m",
            ExpressionAttributeValues={":m": {"S": "y" * 10_000}},
        )
    kept = ddb.get_item(TableName="apps", Key={"id": {"S": "app"}, "release": {"N": "3"}})
    assert "more" not in kept["Item"]  # nothing half-written


def test_key_size_limits(aws):
    ddb = apps_table(aws, lsi=False)
    with pytest.raises(ClientError, match="hashkey"):
        put(ddb, {"id": {"S": "k" * 2049}, "release": {"N": "1"}})
    put(ddb, {"id": {"S": "k" * 2048}, "release": {"N": "1"}})


def test_batch_and_transaction_limits(aws):
    ddb = apps_table(aws, lsi=False)
    with pytest.raises(ClientError, match="less than or equal to 25"):
        ddb.batch_write_item(
            RequestItems={"apps": [{"PutRequest": {"Item": item(release=n)}} for n in range(26)]}
        )
    ddb.transact_write_items(
        TransactItems=[  # 100 items: allowed today (moto: 25)
            {"Put": {"TableName": "apps", "Item": item(release=n)}} for n in range(100)
        ]
    )
    with pytest.raises(ClientError, match="less than or equal to 100"):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "apps", "Item": item(release=n)}} for n in range(101)
            ]
        )


def index_spec(n, kind):
    if kind == "lsi":
        return {
            "IndexName": f"lsi{n}",
            "KeySchema": [
                {"AttributeName": "id", "KeyType": "HASH"},
                {"AttributeName": f"a{n}", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    return {
        "IndexName": f"gsi{n}",
        "KeySchema": [{"AttributeName": f"a{n}", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }


@pytest.mark.parametrize(
    "kind, count, message",
    [
        ("lsi", 6, "Number of LocalSecondaryIndexes exceeds per-table limit of 5"),
        ("gsi", 21, "GlobalSecondaryIndex count exceeds the per-table limit of 20"),
    ],
)
def test_index_count_limits(aws, kind, count, message):
    attributes = [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "r", "AttributeType": "S"},
    ]
    attributes += [{"AttributeName": f"a{n}", "AttributeType": "S"} for n in range(count)]
    key = "LocalSecondaryIndexes" if kind == "lsi" else "GlobalSecondaryIndexes"
    spec = {
        "TableName": "many",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": attributes,
        "KeySchema": [
            {"AttributeName": "id", "KeyType": "HASH"},
            {"AttributeName": "r", "KeyType": "RANGE"},
        ],
        key: [index_spec(n, kind) for n in range(count)],
    }
    with pytest.raises(ClientError, match=message):
        aws.client("dynamodb").create_table(**spec)
    spec[key] = spec[key][:-1]
    spec["AttributeDefinitions"] = attributes[:-1]
    aws.client("dynamodb").create_table(**spec)


@pytest.mark.parametrize("existing", ["gsi0", "lsi0"])
def test_creating_an_index_that_exists_is_a_validation_exception(aws, existing):
    """moto raises a Python ValueError for an existing GSI (a 500 to boto3); DynamoDB answers
    ValidationException, also for the name of a local index."""
    ddb = aws.client("dynamodb", config=NO_RETRIES)
    ddb.create_table(
        TableName="apps",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("id", "r", "a0")
        ],
        KeySchema=[
            {"AttributeName": "id", "KeyType": "HASH"},
            {"AttributeName": "r", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[index_spec(0, "gsi")],
        LocalSecondaryIndexes=[index_spec(0, "lsi")],
    )
    create = {**index_spec(0, "gsi"), "IndexName": existing}
    with pytest.raises(ClientError) as raised:
        ddb.update_table(TableName="apps", GlobalSecondaryIndexUpdates=[{"Create": create}])
    error = raised.value.response
    assert error["Error"]["Code"] == "ValidationException"
    assert error["Error"]["Message"] == "Attempting to create an index which already exists"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_ttl_expires_items_on_the_sandbox_clock_with_stream_records(aws):
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName="sessions",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"},
    )
    ddb.update_time_to_live(
        TableName="sessions", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    now = int(aws.clock.time())
    ddb.put_item(TableName="sessions", Item={"id": {"S": "short"}, "expires": {"N": str(now + 60)}})
    ddb.put_item(
        TableName="sessions", Item={"id": {"S": "long"}, "expires": {"N": str(now + 3600)}}
    )
    ddb.put_item(TableName="sessions", Item={"id": {"S": "forever"}})
    assert ddb.scan(TableName="sessions")["Count"] == 3
    aws.clock.advance(61)
    ids = sorted(i["id"]["S"] for i in ddb.scan(TableName="sessions")["Items"])
    assert ids == ["forever", "long"]
    streams = aws.client("dynamodbstreams")
    arn = ddb.describe_table(TableName="sessions")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    removes = [r for r in records if r["eventName"] == "REMOVE"]
    assert len(removes) == 1
    assert removes[0]["userIdentity"] == {
        "Type": "Service",
        "PrincipalId": "dynamodb.amazonaws.com",
    }


def test_reserved_words_type_mismatches_names_and_nesting_give_validation_errors(aws):
    ddb = apps_table(aws, lsi=False)
    put(ddb, item(release=1))
    with pytest.raises(ClientError, match="reserved keyword: release"):
        ddb.query(
            TableName="apps",
            KeyConditionExpression="id = :i AND release > :r",
            ExpressionAttributeValues={":i": {"S": "app"}, ":r": {"N": "0"}},
        )
    with pytest.raises(ClientError, match="type does not match schema type"):
        ddb.query(
            TableName="apps",
            KeyConditionExpression="id = :i AND #r > :r",
            ExpressionAttributeNames={"#r": "release"},
            ExpressionAttributeValues={":i": {"S": "app"}, ":r": {"S": "zero"}},
        )
    with pytest.raises(ClientError, match="length between 3 and 255"):
        ddb.create_table(
            TableName="ab",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
    nested = {"L": []}
    for _ in range(33):
        nested = {"L": [nested]}
    with pytest.raises(ClientError, match="Nesting Levels"):
        put(ddb, {**item(release=2), "deep": nested})


def test_update_table_adds_attribute_definitions(aws):
    ddb = apps_table(aws, lsi=False)
    ddb.update_table(
        TableName="apps",
        AttributeDefinitions=[{"AttributeName": "stage", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-stage",
                    "KeySchema": [{"AttributeName": "stage", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                }
            }
        ],
    )
    names = sorted(
        a["AttributeName"]
        for a in ddb.describe_table(TableName="apps")["Table"]["AttributeDefinitions"]
    )
    assert names == ["id", "owner", "release", "stage"]


def test_one_large_write_does_not_starve_the_partition(aws):
    apps_table(aws, provisioned=(1000, 1000), lsi=False)
    no_retries = aws.client("dynamodb", config=NO_RETRIES)
    put(no_retries, item(release=1, pad=300_000))  # ~293 WCU in one request
    put(no_retries, item(release=2))


def test_conditional_writes_are_atomic_even_when_moto_is_slow_between_check_and_write(
    aws, monkeypatch
):
    """Eight threads put the same new item with attribute_not_exists: exactly one wins, as on
    DynamoDB. moto evaluates the condition, then writes; the sandbox makes writes take turns.
    The window is widened here (a condition that takes 20 ms) so a race would show."""
    import threading
    import time

    from moto.dynamodb.models import table as moto_table

    real = moto_table.get_filter_expression

    def slow_condition(*args, **kwargs):
        condition = real(*args, **kwargs)
        evaluate = condition.expr

        def expr(item):
            time.sleep(0.02)
            return evaluate(item)

        condition.expr = expr
        return condition

    monkeypatch.setattr(moto_table, "get_filter_expression", slow_condition)
    aws.client("dynamodb").create_table(
        TableName="race",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    barrier, results, lock = threading.Barrier(8), [], threading.Lock()

    def put(n: int) -> None:
        client = aws.client("dynamodb")
        barrier.wait(timeout=30)
        try:
            client.put_item(
                TableName="race",
                Item={"id": {"S": "one"}, "writer": {"N": str(n)}},
                ConditionExpression="attribute_not_exists(id)",
            )
            outcome = "won"
        except ClientError as error:
            outcome = error.response["Error"]["Code"]
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["ConditionalCheckFailedException"] * 7 + ["won"]


def test_malformed_conditions_and_wrongly_typed_keys_are_validation_errors(aws):
    """moto raises a bare ValueError on a malformed condition and finds nothing for a key of
    the wrong type; DynamoDB (and the sandbox) answer 400 ValidationException."""
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName="things",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item, number_key = {"id": {"S": "a"}}, {"id": {"N": "1"}}
    refused = {
        "misspelt function": lambda: ddb.put_item(
            TableName="things", Item=item, ConditionExpression="attribute_not_exist(id)"
        ),
        "bad comparison": lambda: ddb.delete_item(
            TableName="things",
            Key=item,
            ConditionExpression="id = = :x",
            ExpressionAttributeValues={":x": {"S": "b"}},
        ),
        "get, number key": lambda: ddb.get_item(TableName="things", Key=number_key),
        "delete, number key": lambda: ddb.delete_item(TableName="things", Key=number_key),
        "update, number key": lambda: ddb.update_item(
            TableName="things",
            Key=number_key,
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": {"S": "b"}},
        ),
    }
    messages = {}
    for name, call in refused.items():
        with pytest.raises(ClientError) as caught:
            call()
        error = caught.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400, name
        assert error["Error"]["Code"] == "ValidationException", name
        messages[name] = error["Error"]["Message"]
    assert messages["misspelt function"].startswith("Invalid ConditionExpression: ")
    assert messages["get, number key"] == "The provided key element does not match the schema"
    assert ddb.get_item(TableName="things", Key=item).get("Item") is None  # nothing written
