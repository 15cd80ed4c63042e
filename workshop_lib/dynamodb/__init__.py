"""DynamoDB in the sandbox: item sizes, capacity units, throttling, partitions, TTL.

The capacity math is public (notebooks, exercises and tests call it):
``item_size``, ``read_capacity_units``, ``write_capacity_units``, ``partitions``.
:class:`DynamoDBPlugin` applies it to every request the sandbox answers.
"""

from __future__ import annotations

from workshop_lib.dynamodb.capacity import partitions, read_capacity_units, write_capacity_units
from workshop_lib.dynamodb.plugin import DynamoDBPlugin
from workshop_lib.dynamodb.size import item_size

__all__ = [
    "DynamoDBPlugin",
    "item_size",
    "partitions",
    "read_capacity_units",
    "write_capacity_units",
]
