"""Checks for notebook 05 (DynamoDB throughput and partitions).

5.1 and 5.3 call the learner's function on many cases and compare with
:mod:`workshop_lib.dynamodb.capacity`; a wrong answer is compared with the results of the
usual single mistakes (no rounding up, 1,000-byte kilobytes, eventual reads not halved, the
formula's max instead of its sum...) so the hint can name the mistake. 5.2 and 5.4 drive a
workload in the running sandbox, on its virtual clock, against a table of their own: 5.2
provisions the learner's WCU on a table whose burst capacity is used up, 5.4 writes with the
learner's partition keys to an on-demand table; both pass only if nothing is throttled.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from numbers import Real
from typing import Any

from workshop_lib.dynamodb import (
    item_size,
    partitions,
    pricing,
    read_capacity_units,
    write_capacity_units,
)
from workshop_lib.exercises import Fail, exercise
from workshop_lib.exercises.common import require_function, running_sandbox
from workshop_lib.facts import value

KB = 1024

# -- 5.1 ------------------------------------------------------------------------------------
OPERATIONS = ("eventual read", "strong read", "transactional read", "write", "transactional write")


def padded(size: int, **attributes: Any) -> dict[str, Any]:
    """An item of exactly ``size`` bytes: ``attributes`` plus a ``notes`` string to fill."""
    item = {**attributes, "notes": ""}
    item["notes"] = "x" * (size - item_size(item))
    return item


def _items_5_1() -> list[dict[str, Any]]:
    release = {
        "id": "weather",
        "release": 12,
        "published": True,
        "platforms": ["ios", "android"],
        "downloads": {"ios": 120_934, "android": 98_001},
        "tags": {"maps"},
    }
    return [
        {"id": "weather", "release": 12},  # a few bytes
        padded(KB, id="weather"),  # exactly one write unit
        padded(KB + 1, id="weather"),  # one byte more
        padded(4 * KB, id="weather"),  # exactly one read unit
        padded(4 * KB + 1, id="weather"),  # one byte more
        # many small attributes: their names count, quotes and commas of a printout do not
        padded(4000, id="weather", **{f"a{n}": n for n in range(40)}),
        padded(6_500, **release),  # the talk's kind of item, with nested attributes
        padded(25 * KB + 300, **release),
    ]


def _units(
    item: dict[str, Any],
    operation: str,
    *,
    size_of: Callable[[Any], int] = item_size,
    kb: int = KB,
    rounding: Callable[[float], float] = math.ceil,
    minimum: float = 1.0,
    eventual: float | None = None,
    transactional: float | None = None,
    read_kb: float | None = None,
    write_kb: float | None = None,
) -> float:
    """What one operation on ``item`` costs; every keyword changed from its default is a mistake."""
    eventual = float(value("dynamodb.eventual_read_cost_factor")) if eventual is None else eventual
    factor = float(value("dynamodb.transactional_cost_factor"))
    transactional = factor if transactional is None else transactional
    read_kb = float(value("dynamodb.rcu_item_kb")) if read_kb is None else read_kb
    write_kb = float(value("dynamodb.wcu_item_kb")) if write_kb is None else write_kb
    size = size_of(item)
    if operation.endswith("read"):
        units = max(minimum, rounding(size / (read_kb * kb)))
        if operation == "eventual read":
            return units * eventual
        return units * transactional if operation == "transactional read" else units
    units = max(minimum, rounding(size / (write_kb * kb)))
    return units * transactional if operation == "transactional write" else units


def _cost(item: dict[str, Any], operation: str) -> float:
    """What ``operation`` on ``item`` costs, by :mod:`workshop_lib.dynamodb.capacity`."""
    size = item_size(item)
    if operation.endswith("read"):
        return read_capacity_units(size, operation.split()[0])
    return write_capacity_units(size, transactional=operation.startswith("transactional"))


def _json_size(item: Any) -> int:
    return len(json.dumps(item, default=lambda v: sorted(v) if isinstance(v, set) else str(v)))


_SIZE_HINT = (
    "an item's size is its attribute names plus values by DynamoDB's rules: item_size(item)"
)


def _mistakes_5_1() -> list[tuple[dict[str, Any], str, str]]:
    read_kb, write_kb = value("dynamodb.rcu_item_kb"), value("dynamodb.wcu_item_kb")
    return [
        (
            {"rounding": lambda x: x, "minimum": 0},
            "your units are fractions: the size is not rounded up",
            f"DynamoDB rounds up to whole units: math.ceil(size / ({read_kb} * 1024)) for reads, "
            f"math.ceil(size / ({write_kb} * 1024)) for writes",
        ),
        (
            {"rounding": round, "minimum": 0},
            "your units are rounded to the nearest whole number",
            "DynamoDB always rounds up: math.ceil, not round",
        ),
        (
            {"rounding": math.floor, "minimum": 0},
            "your units are rounded down",
            "DynamoDB always rounds up: math.ceil, not math.floor or int()",
        ),
        (
            {"kb": 1000},
            "your kilobytes have 1,000 bytes",
            f"DynamoDB's KB has 1,024 bytes: size / ({read_kb} * 1024) for reads, "
            f"size / ({write_kb} * 1024) for writes",
        ),
        (
            {"eventual": 1.0},
            "an eventually consistent read costs you as much as a strong one",
            "an eventually consistent read costs half a strong one: multiply by "
            "value('dynamodb.eventual_read_cost_factor')",
        ),
        (
            {"transactional": 1.0},
            "a transactional read or write costs you as much as a plain one",
            "transactions cost double: multiply by value('dynamodb.transactional_cost_factor')",
        ),
        (
            {"read_kb": write_kb, "write_kb": read_kb},
            "your read and write unit sizes are swapped",
            f"one read unit covers {read_kb} KB, one write unit {write_kb} KB",
        ),
        (
            {"size_of": _json_size},
            "your sizes look like the length of the item as text (len(str(item)) or its JSON)",
            _SIZE_HINT,
        ),
    ]


def _diagnose(
    got: list[float], first: int, shown: str, variants: list[tuple[list[float], str, str]]
) -> None:
    """Name the mistake: one that explains every answer; else, among those that explain the
    first wrong answer and at least half of all answers, the one that explains most (so that
    fixing one of two mistakes leads to the next). Returns if none fits."""
    for variant, what, hint in variants:
        if all(_same(g, v) for g, v in zip(got, variant, strict=True)):
            raise Fail(f"{shown}: {what}", hint)

    def score(variant: list[float]) -> int:
        return sum(_same(g, v) for g, v in zip(got, variant, strict=True))

    likely = [v for v in variants if _same(got[first], v[0][first]) and 2 * score(v[0]) >= len(got)]
    if likely:
        _, what, hint = max(likely, key=lambda v: score(v[0]))  # the first of the best
        raise Fail(f"{shown}: {what}", hint)


def _is_number(x: Any) -> bool:
    return isinstance(x, (Real, Decimal)) and not isinstance(x, bool) and math.isfinite(float(x))


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@exercise(
    "5.1",
    title="Capacity units for an item",
    hint="capacity_units(item, operation) returns one number, e.g. 1.5",
)
def check_capacity_units(capacity_units: Any) -> None:
    require_function(capacity_units, "5.1", "capacity_units")
    cases = [(item, op) for item in _items_5_1() for op in OPERATIONS]
    got = []
    for item, operation in cases:
        result = capacity_units(dict(item), operation)
        if not _is_number(result):
            raise Fail(
                f"capacity_units(<item of {item_size(item):,} bytes>, {operation!r}) returned "
                f"{result!r}, not a number",
                "return the capacity units as a number, e.g. 0.5 or 3",
            )
        got.append(float(result))
    want = [_cost(item, op) for item, op in cases]
    if all(_same(g, w) for g, w in zip(got, want, strict=True)):
        return
    first = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if not _same(g, w))
    item, operation = cases[first]
    shown = (
        f"capacity_units(<item of {item_size(item):,} bytes>, {operation!r}) returned "
        f"{got[first]:g}; it costs {want[first]:g}"
    )
    variants = [
        ([_units(item, op, **knobs) for item, op in cases], what, hint)
        for knobs, what, hint in _mistakes_5_1()
    ]
    _diagnose(got, first, shown, variants)
    read_bytes = int(value("dynamodb.rcu_item_kb")) * KB
    write_bytes = int(value("dynamodb.wcu_item_kb")) * KB
    eventual = value("dynamodb.eventual_read_cost_factor")
    factor = value("dynamodb.transactional_cost_factor")
    raise Fail(
        shown,
        f"size = item_size(item); reads: math.ceil(size / {read_bytes}) units, × {eventual} "
        f"eventual, × {factor} transactional; writes: math.ceil(size / {write_bytes}), "
        f"× {factor} transactional",
    )


# -- shared: a table of the checker's own in the running sandbox ----------------------------
def _running_sandbox() -> Any:
    aws = running_sandbox(
        "the workload has nowhere to run",
        "run the notebook's first code cell (it starts the sandbox), then this cell again",
    )
    if not aws.clock.virtual:
        raise Fail(
            "the sandbox runs on the real clock, so a minute of traffic would take a minute",
            "start it as the notebook does: aws = sandbox(clock='virtual').start()",
        )
    return aws


@contextmanager
def _table(aws: Any, name: str, **spec: Any) -> Iterator[Any]:
    """A fresh table of the checker's own (deleted afterwards)."""
    client = aws.client("dynamodb")
    if name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    client.create_table(TableName=name, **spec)
    try:
        yield client
    finally:
        client.delete_table(TableName=name)


# -- 5.2 ------------------------------------------------------------------------------------
#: 5.2: the workload: this order, written this many times a second.
ORDER_5_2 = {
    "id": "order-00042",
    "customer": "ann",
    "app": "weather",
    "total": 499,
    "receipt": "r" * 2200,
}
ORDERS_PER_SECOND = 25
SECONDS_5_2 = 10
TABLE_5_2 = "exercise-5-2-orders"
#: 5.2: more than this many times the WCU needed is paying for capacity nobody uses.
HEADROOM_5_2 = 2


def needed_wcu_5_2() -> int:
    return ORDERS_PER_SECOND * int(write_capacity_units(item_size(ORDER_5_2)))


def _low_level(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {k: serializer.serialize(v) for k, v in item.items()}


def _drain_burst(aws: Any, client: Any) -> None:
    """Use up a fresh 1-WCU table's burst capacity with one big write, as busy traffic would.

    The table then holds no unused capacity, so the learner's WCU has to carry the workload
    from the first second (a full burst would hide a shortfall for many minutes). The clock
    moves half a second, so the partition, which took the whole write at once, recovers; the
    table itself refills only half a unit meanwhile.
    """
    burst = int(value("dynamodb.burst_capacity_s"))  # seconds of 1 WCU: that many KB
    big = padded(burst * KB, id="burst")
    client.put_item(TableName=TABLE_5_2, Item=_low_level(big))
    aws.clock.advance(0.5)


def _drive_orders(aws: Any, wcu: int) -> Any:
    from workshop_lib.dynamodb.workload import NO_RETRIES, drive

    spec = {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    }
    with _table(aws, TABLE_5_2, **spec) as client:
        _drain_burst(aws, client)
        client.update_table(
            TableName=TABLE_5_2,
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": wcu},
        )
        fast = aws.client("dynamodb", config=NO_RETRIES)
        order = _low_level(ORDER_5_2)

        def put(n: int) -> Any:
            return fast.put_item(TableName=TABLE_5_2, Item={**order, "id": {"S": f"order-{n:05d}"}})

        aws.clock.advance(1 / ORDERS_PER_SECOND)
        return drive(aws, put, rate=ORDERS_PER_SECOND, seconds=SECONDS_5_2)


@exercise(
    "5.2",
    title="Enough write capacity for the orders",
    hint="wcu is one whole number of write capacity units",
)
def check_orders_wcu(wcu: Any) -> None:
    if not _is_number(wcu):
        raise Fail(
            f"wcu is {type(wcu).__name__} {wcu!r}, not a number",
            "set wcu to a whole number of write capacity units, e.g. 40",
        )
    size = item_size(ORDER_5_2)
    per_order = int(write_capacity_units(size))
    need = needed_wcu_5_2()
    recipe = (
        f"each order is {size:,} bytes, so writing one costs {per_order} WCU; the table "
        f"needs that for each of the {ORDERS_PER_SECOND} orders of every second"
    )
    if float(wcu) <= 0:
        raise Fail(f"wcu = {wcu}", "a table needs at least 1 WCU; " + recipe)
    if not float(wcu).is_integer():
        raise Fail(
            f"wcu = {float(wcu):g} is not a whole number: tables are provisioned in whole units",
            "round each order up to whole write units before multiplying: "
            "write_capacity_units(item_size(order)) or math.ceil(size / 1024)",
        )
    wcu = int(wcu)
    if wcu > HEADROOM_5_2 * need:
        extra = pricing.provisioned_monthly(0, wcu - need)
        raise Fail(
            f"{wcu} WCU never throttles, but {wcu - need:,} of them are never used (about "
            f"${extra:,.2f} a month for nothing)",
            recipe,
        )
    result = _drive_orders(aws=_running_sandbox(), wcu=wcu)
    if result.total_throttled == 0:
        return
    what = (
        f"with {wcu} WCU, {result.total_throttled} of {result.total_ok + result.total_throttled} "
        f"orders were throttled in {SECONDS_5_2} s"
    )
    if wcu == ORDERS_PER_SECOND:
        raise Fail(f"{what}: one WCU per order is too few", recipe)
    if wcu in (math.floor(ORDERS_PER_SECOND * size / KB), round(ORDERS_PER_SECOND * size / KB)):
        raise Fail(
            f"{what}: you multiplied before rounding up",
            f"DynamoDB rounds each write up to whole KB: {recipe}",
        )
    if wcu == math.ceil(ORDERS_PER_SECOND * size / 1000):
        raise Fail(f"{what}: your KB has 1,000 bytes", f"a KB is 1,024 bytes; {recipe}")
    raise Fail(what, recipe)


# -- 5.3 ------------------------------------------------------------------------------------
#: 5.3: (rcu, wcu, storage_gb) the learner's function is called with.
CASES_5_3: list[tuple[float, float, float]] = [
    (6000, 500, 0),  # slide 39
    (1000, 500, 0),
    (3000, 1000, 0),  # exactly two partitions' worth
    (10, 5, 0),  # the apps table of slide 36
    (0, 0, 0),
    (4500, 0, 0),
    (2000, 1000, 25),  # storage decides
    (100, 100, 45),
    (30000, 10000, 0),
    (2500, 1500, 5),
]


def _partitions_variant(
    rcu: float,
    wcu: float,
    gb: float,
    *,
    rounding: Callable[[float], float] = math.ceil,
    combine: Callable[[float, float], float] = lambda r, w: r + w,
    storage: str = "max",
    minimum: int = 1,
    swap: bool = False,
    each_term: bool = False,
) -> float:
    per_rcu = float(value("dynamodb.partition_max_rcu"))
    per_wcu = float(value("dynamodb.partition_max_wcu"))
    per_gb = float(value("dynamodb.partition_max_gb"))
    if swap:
        per_rcu, per_wcu = per_wcu, per_rcu
    if each_term:  # reads and writes rounded up on their own, then added
        throughput = rounding(round(rcu / per_rcu, 9)) + rounding(round(wcu / per_wcu, 9))
    else:
        throughput = rounding(round(combine(rcu / per_rcu, wcu / per_wcu), 9))
    space = rounding(round(gb / per_gb, 9))
    if storage == "ignore":
        total = throughput
    elif storage == "add":
        total = throughput + space
    else:
        total = max(throughput, space)
    return max(minimum, total)


def _mistakes_5_3() -> list[tuple[dict[str, Any], str, str]]:
    r, w, g = (
        value("dynamodb.partition_max_rcu"),
        value("dynamodb.partition_max_wcu"),
        value("dynamodb.partition_max_gb"),
    )
    return [
        (
            {"rounding": lambda x: x},
            "your answer is a fraction of a partition",
            "a table has whole partitions: round up with math.ceil",
        ),
        (
            {"rounding": round},
            "your answer is rounded to the nearest whole number",
            "round up: 2.5 partitions' worth of throughput needs 3 (math.ceil)",
        ),
        (
            {"rounding": math.floor},
            "your answer is rounded down",
            "round up with math.ceil: rounding down leaves throughput without a partition",
        ),
        (
            {"combine": max},
            f"you took the larger of RCU / {r:,} and WCU / {w:,}",
            f"the talk adds them: RCU / {r:,} + WCU / {w:,}, because reads and writes share "
            "each partition",
        ),
        (
            {"storage": "ignore"},
            "your answer ignores storage",
            f"a partition also holds at most {g} GB: take the larger of the throughput count "
            f"and math.ceil(storage_gb / {g})",
        ),
        (
            {"storage": "add"},
            "you added the storage partitions to the throughput partitions",
            "take the larger of the two counts: the same partitions hold data and serve traffic",
        ),
        (
            {"minimum": 0},
            "an idle, empty table gets 0 partitions from you",
            "every table has at least one partition: max(1, ...)",
        ),
        (
            {"each_term": True},
            f"you rounded RCU / {r:,} and WCU / {w:,} up each on its own, then added them",
            f"add the two fractions first, then round up once: math.ceil(rcu / {r} + "
            f"wcu / {w}): reads and writes share each partition",
        ),
        (
            {"swap": True},
            "your per-partition limits are swapped",
            f"a partition serves up to {r:,} RCU and {w:,} WCU",
        ),
    ]


def _call_5_3(args: tuple[float, float, float]) -> str:
    return "partitions_for(" + ", ".join(f"{a:g}" for a in args) + ")"


@exercise(
    "5.3",
    title="Partitions for a provisioned table",
    hint="partitions_for(rcu, wcu, storage_gb) returns a whole number",
)
def check_partitions_for(partitions_for: Any) -> None:
    require_function(partitions_for, "5.3", "partitions_for")
    got = []
    for args in CASES_5_3:
        result = partitions_for(*args)
        if not _is_number(result):
            raise Fail(
                f"{_call_5_3(args)} returned {result!r}, not a number",
                "return the number of partitions, e.g. 3",
            )
        got.append(float(result))
    want = [float(partitions(*args)) for args in CASES_5_3]
    if got == want:
        return
    first = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w)
    shown = f"{_call_5_3(CASES_5_3[first])} returned {got[first]:g}; it is {want[first]:g}"
    variants = [
        ([float(_partitions_variant(*args, **knobs)) for args in CASES_5_3], what, hint)
        for knobs, what, hint in _mistakes_5_3()
    ]
    _diagnose(got, first, shown, variants)
    r, w, g = (
        value("dynamodb.partition_max_rcu"),
        value("dynamodb.partition_max_wcu"),
        value("dynamodb.partition_max_gb"),
    )
    raise Fail(
        shown,
        f"max(1, math.ceil(rcu / {r} + wcu / {w}), math.ceil(storage_gb / {g})), with the "
        "limits from value('dynamodb.partition_max_rcu') and friends",
    )


# -- 5.4 ------------------------------------------------------------------------------------
#: 5.4: votes for one app, this fast, each this big (a hot key when all share one key).
HOT_APP = "weather"
VOTES_PER_SECOND = 400
VOTE_BYTES = 4000
SECONDS_5_4 = 2
MAX_SHARDS = 50
TABLE_5_4 = "exercise-5-4-votes"


def vote_item(key: str, n: int) -> dict[str, Any]:
    """The n-th vote, about ``VOTE_BYTES`` big (low-level form)."""
    return {"id": {"S": key}, "n": {"N": str(n)}, "ballot": {"S": "x" * (VOTE_BYTES - 40)}}


@exercise(
    "5.4",
    title="Spread a hot key",
    hint="vote_key(n) returns a string such as 'weather#3'",
)
def check_vote_key(vote_key: Any) -> None:
    require_function(vote_key, "5.4", "vote_key")
    total = VOTES_PER_SECOND * SECONDS_5_4
    keys = [vote_key(n) for n in range(total)]
    odd = next((k for k in keys if not isinstance(k, str)), None)
    if odd is not None:
        raise Fail(
            f"vote_key returned {odd!r}, not a string",
            f"return a string key such as f'{HOT_APP}#{{n % 10}}'",
        )
    prefix = f"{HOT_APP}#"
    stray = next((k for k in keys if not k.startswith(prefix)), None)
    if stray is not None:
        raise Fail(
            f"vote_key returned {stray!r}, which does not start with {prefix!r}",
            f"keep the app in the key so readers find its shards: f'{prefix}{{suffix}}'",
        )
    distinct = sorted(set(keys))
    if len(distinct) > MAX_SHARDS:
        raise Fail(
            f"vote_key made {len(distinct)} different keys for {total} votes: to count "
            f"{HOT_APP}'s votes a reader must query every one of them",
            f"use a small, fixed set of suffixes (at most {MAX_SHARDS}), e.g. n % 10",
        )
    result, placed = _drive_votes(_running_sandbox(), vote_key, distinct)
    if result.total_throttled == 0:
        return
    what = f"{result.total_throttled} of {total} votes were throttled"
    if len(distinct) == 1:
        raise Fail(
            f"{what}: every vote went to the one key {distinct[0]!r}, so one partition took "
            "all the writes",
            "spread the votes over several keys: add a suffix that changes with n, "
            f"e.g. f'{prefix}{{n % 10}}'",
        )
    spread = Counter(placed[key] for key in keys)
    busiest = max(spread.values()) / total
    raise Fail(
        f"{what}: your {len(distinct)} keys put {busiest:.0%} of the writes on one partition",
        "use more suffixes, so that no partition takes much more than its share (e.g. n % 10)",
    )


def _partition(aws: Any, key: str) -> int:
    return aws.plugin("dynamodb").partition_for(TABLE_5_4, key)


def _drive_votes(
    aws: Any, vote_key: Callable[[int], str], keys: list[str]
) -> tuple[Any, dict[str, int]]:
    from workshop_lib.dynamodb.workload import NO_RETRIES, drive

    spec = {
        "KeySchema": [
            {"AttributeName": "id", "KeyType": "HASH"},
            {"AttributeName": "n", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    with _table(aws, TABLE_5_4, **spec):
        fast = aws.client("dynamodb", config=NO_RETRIES)

        def put(n: int) -> Any:
            return fast.put_item(TableName=TABLE_5_4, Item=vote_item(vote_key(n), n))

        result = drive(aws, put, rate=VOTES_PER_SECOND, seconds=SECONDS_5_4)
        placed = {key: _partition(aws, key) for key in keys}
    return result, placed
