"""Item sizes and capacity units against AWS's documented rules and worked examples.

Sources (checked 2026-11-27):
- Item sizes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
- Read/write units: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
  ("an item of 3.5 KB rounds up to 4 KB ... 10 KB to 12 KB"; "a 500-byte item ... 1 WCU";
  strongly consistent 4 KB read = 1 RCU, eventually consistent = 0.5, transactional = 2)
- Partitions: the talk, slide 39: (6,000 / 3,000) + (500 / 1,000) = 2.5 ~ 3.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

from workshop_lib.dynamodb import item_size, partitions, read_capacity_units, write_capacity_units
from workshop_lib.dynamodb.size import number_size

KB = 1024


@pytest.mark.parametrize(
    "item, expected",
    [
        ({"id": "42"}, 2 + 2),  # name + UTF-8 bytes
        ({"name": "Åsa"}, 4 + 4),  # Å is two bytes in UTF-8
        ({"n": 123}, 1 + 3),  # ceil(3 / 2) + 1
        ({"n": Decimal("-12.50")}, 1 + 3),  # 1250 → 125: three significant digits
        ({"n": 1000000}, 1 + 2),  # trailing zeroes trimmed
        ({"b": b"\x00\x01\x02"}, 1 + 3),
        ({"b": Binary(b"abcd")}, 1 + 4),
        ({"ok": True, "none": None}, 2 + 1 + 4 + 1),
        ({"l": []}, 1 + 3),  # an empty list: 3 bytes
        ({"l": ["a", "bc"]}, 1 + 3 + (1 + 1) + (2 + 1)),  # 1 byte per element
        ({"m": {"k": "v"}}, 1 + 3 + (1 + 1 + 1)),  # nested names count too
        ({"ss": {"a", "bb"}}, 2 + 3),
        ({"ns": {1, 22}}, 2 + 2 + 2),
    ],
)
def test_item_size_follows_the_documented_rules(item, expected):
    assert item_size(item) == expected


def test_low_level_form_gives_the_same_sizes():
    plain = {
        "id": "app-1",
        "release": 3,
        "tags": ["a", "b"],
        "meta": {"x": True},
        "data": b"xyz",
        "nums": {1, 2},
        "none": None,
    }
    low = {
        "id": {"S": "app-1"},
        "release": {"N": "3"},
        "tags": {"L": [{"S": "a"}, {"S": "b"}]},
        "meta": {"M": {"x": {"BOOL": True}}},
        "data": {"B": b"xyz"},
        "nums": {"NS": ["1", "2"]},
        "none": {"NULL": True},
    }
    assert item_size(low, low_level=True) == item_size(plain)


def test_number_sizes():
    assert number_size("0") == 1
    assert number_size("9" * 38) == 20  # 38 significant digits (the maximum)
    assert number_size("0.0001") == 2 and number_size(1.5) == 2


def test_unsupported_values_are_refused():
    with pytest.raises(TypeError):
        item_size({"x": object()})
    with pytest.raises(ValueError):
        item_size({"x": float("nan")})


@pytest.mark.parametrize(
    "size, consistency, units",
    [
        (int(3.5 * KB), "strong", 1.0),  # 3.5 KB rounds up to 4 KB
        (10 * KB, "strong", 3.0),  # 10 KB rounds up to 12 KB
        (10 * KB, "eventual", 1.5),  # half of a strongly consistent read
        (10 * KB, "transactional", 6.0),  # double
        (4 * KB, "eventual", 0.5),
        (0, "eventual", 0.5),  # a missing item still costs a read
        (4 * KB + 1, "strong", 2.0),
    ],
)
def test_read_capacity_units(size, consistency, units):
    assert read_capacity_units(size, consistency) == units


@pytest.mark.parametrize(
    "size, transactional, units",
    [
        (500, False, 1.0),
        (KB, False, 1.0),
        (KB + 1, False, 2.0),
        (int(3.5 * KB), False, 4.0),
        (int(3.5 * KB), True, 8.0),
        (0, False, 1.0),
    ],
)
def test_write_capacity_units(size, transactional, units):
    assert write_capacity_units(size, transactional) == units


def test_capacity_rejects_bad_arguments():
    with pytest.raises(ValueError, match="consistency"):
        read_capacity_units(10, "strongly")
    with pytest.raises(ValueError):
        write_capacity_units(-1)


@pytest.mark.parametrize(
    "rcu, wcu, gb, count",
    [
        (6000, 500, 0, 3),
        (3000, 1000, 0, 2),
        (10, 5, 0, 1),
        (0, 0, 0, 1),
        (1000, 500, 25, 3),
        (2000, 1000, 10, 2),
    ],
)
def test_partitions_by_the_talks_formula(rcu, wcu, gb, count):
    assert partitions(rcu, wcu, gb) == count


def test_capacity_plan_is_the_data_behind_the_calculator():
    from workshop_lib.dynamodb.calculator import capacity_calculator, capacity_plan

    plan = capacity_plan(item_kb=6, reads_per_s=1000, writes_per_s=500, consistency="strong")
    assert plan["rcu"] == 2000.0 and plan["wcu"] == 3000.0  # 6 KB: 2 read units, 6 write units
    assert plan["partitions"] == 4  # 2,000 / 3,000 + 3,000 / 1,000 = 3.67 → 4
    calculator = capacity_calculator()
    before = calculator.output.value
    calculator.controls["writes_per_s"].value = 5000
    assert calculator.plan == capacity_plan(**calculator.kwargs)
    assert calculator.output.value != before and "partition" in calculator.output.value


def test_on_demand_versus_provisioned_prices():
    from workshop_lib.dynamodb import pricing
    from workshop_lib.facts import value

    seconds = 730 * 3600
    writes = pricing.on_demand_monthly(0, 10, item_kb=1)
    assert writes == pytest.approx(
        10 * seconds / 1e6 * value("dynamodb.ondemand_write_price_per_million_usd")
    )
    reads = pricing.on_demand_monthly(10, 0, item_kb=1, consistency="eventual")
    assert reads == pytest.approx(
        5 * seconds / 1e6 * value("dynamodb.ondemand_read_price_per_million_usd")
    )
    assert pricing.provisioned_monthly(10, 5) == pytest.approx(
        730
        * (
            10 * value("dynamodb.provisioned_rcu_hour_usd")
            + 5 * value("dynamodb.provisioned_wcu_hour_usd")
        )
    )
    assert pricing.provisioned_monthly(20, 20, free_tier=True) == 0
    assert pricing.provisioned_for(100, 10) == (72, 15)  # 50 RCU and 10 WCU at 70 %
