"""On-demand versus provisioned: what a month of DynamoDB traffic costs (us-east-1 prices).

Prices come from the facts file (checked 2026-11-27; see the notes there). Storage is left
out: it costs the same in both modes.
"""

from __future__ import annotations

import math

from workshop_lib.facts import value

HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600


def on_demand_monthly(
    reads_per_s: float, writes_per_s: float, item_kb: float = 1.0, consistency: str = "eventual"
) -> float:
    """On-demand: pay per request unit (1 write unit per KB, 1 read unit per 4 KB strong)."""
    write_units = math.ceil(item_kb / float(value("dynamodb.wcu_item_kb")))
    read_units = math.ceil(item_kb / float(value("dynamodb.rcu_item_kb")))
    if consistency == "eventual":
        read_units *= float(value("dynamodb.eventual_read_cost_factor"))
    writes = writes_per_s * SECONDS_PER_MONTH * write_units
    reads = reads_per_s * SECONDS_PER_MONTH * read_units
    return writes / 1e6 * float(
        value("dynamodb.ondemand_write_price_per_million_usd")
    ) + reads / 1e6 * float(value("dynamodb.ondemand_read_price_per_million_usd"))


def provisioned_monthly(rcu: float, wcu: float, free_tier: bool = False) -> float:
    """Provisioned: pay per capacity unit per hour, used or not."""
    if free_tier:
        rcu = max(0.0, rcu - float(value("dynamodb.free_tier_rcu")))
        wcu = max(0.0, wcu - float(value("dynamodb.free_tier_wcu")))
    return HOURS_PER_MONTH * (
        rcu * float(value("dynamodb.provisioned_rcu_hour_usd"))
        + wcu * float(value("dynamodb.provisioned_wcu_hour_usd"))
    )


def provisioned_for(
    reads_per_s: float,
    writes_per_s: float,
    item_kb: float = 1.0,
    consistency: str = "eventual",
    utilisation: float = 0.7,
) -> tuple[float, float]:  # noqa: E501
    """RCU and WCU to provision for a steady load at a target utilisation (auto scaling's 70 %)."""
    write_units = math.ceil(item_kb / float(value("dynamodb.wcu_item_kb")))
    read_units = math.ceil(item_kb / float(value("dynamodb.rcu_item_kb")))
    if consistency == "eventual":
        read_units *= float(value("dynamodb.eventual_read_cost_factor"))
    return (
        math.ceil(reads_per_s * read_units / utilisation),
        math.ceil(writes_per_s * write_units / utilisation),
    )
