"""Capacity units: what a read or a write costs, and how many partitions a table gets.

1 RCU = one strongly consistent read per second of an item up to 4 KB (eventually
consistent: half; transactional: double); 1 WCU = one write per second of up to 1 KB
(transactional: double). Sizes round up to the next unit; 1 KB = 1,024 bytes. Numbers come
from :mod:`workshop_lib.facts`.
"""

from __future__ import annotations

import math

from workshop_lib.facts import value

KB = 1024
CONSISTENCIES = ("eventual", "strong", "transactional")


def _read_unit_bytes() -> int:
    return int(value("dynamodb.rcu_item_kb")) * KB


def _write_unit_bytes() -> int:
    return int(value("dynamodb.wcu_item_kb")) * KB


def read_capacity_units(size_bytes: int, consistency: str = "eventual") -> float:
    """RCUs to read ``size_bytes`` (one item, or a query's total) at a consistency.

    At least one 4 KB unit is charged, even for an empty or missing item.
    """
    if consistency not in CONSISTENCIES:
        raise ValueError(f"consistency must be one of {', '.join(CONSISTENCIES)}")
    if size_bytes < 0:
        raise ValueError("a size cannot be negative")
    units = float(max(1, math.ceil(size_bytes / _read_unit_bytes())))
    if consistency == "eventual":
        return units * float(value("dynamodb.eventual_read_cost_factor"))
    if consistency == "transactional":
        return units * float(value("dynamodb.transactional_cost_factor"))
    return units


def write_capacity_units(size_bytes: int, transactional: bool = False) -> float:
    """WCUs to write an item of ``size_bytes`` (at least one 1 KB unit)."""
    if size_bytes < 0:
        raise ValueError("a size cannot be negative")
    units = float(max(1, math.ceil(size_bytes / _write_unit_bytes())))
    return units * float(value("dynamodb.transactional_cost_factor")) if transactional else units


def partitions(rcu: float, wcu: float, storage_gb: float = 0) -> int:
    """Initial partitions by the talk's formula (slide 39) and 10 GB of storage each.

    ``ceil(RCU / 3,000 + WCU / 1,000)`` for throughput, ``ceil(GB / 10)`` for storage, the
    larger of the two, at least 1. Today DynamoDB splits partitions on its own (adaptive
    capacity); the per-partition limits still hold.
    """
    per_rcu = float(value("dynamodb.partition_max_rcu"))
    per_wcu = float(value("dynamodb.partition_max_wcu"))
    per_gb = float(value("dynamodb.partition_max_gb"))
    for_throughput = math.ceil(round(rcu / per_rcu + wcu / per_wcu, 9))
    for_storage = math.ceil(round(storage_gb / per_gb, 9))
    return max(1, for_throughput, for_storage)
