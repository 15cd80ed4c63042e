"""The seams in moto 5.2 where the DynamoDB layer plugs in (declared in workshop_lib/seams.py).

- ``DynamoHandler.<action>`` for every data and table action: limits, admission,
  charging and ``ConsumedCapacity`` around moto's own handling.
- ``Table.query`` / ``Table.scan``: every item read (before the filter) is recorded, since
  DynamoDB charges for what it reads, not for what it returns; and the call reads only the
  items it can return, picked from key-ordered storage (``storage.narrowed``).
- ``Table.__init__`` / ``Table.all_items``: ``Table.items`` kept in key order
  (``storage.py``), so nothing sorts the whole table on each call.
- ``Item.__new__``: moto's record of every ``Item`` it made (``instances_tracked``, for
  ``/moto-api/data.json``) holds them weakly (``storage.LiveInstances``): the items a read
  copied are freed after the request instead of kept forever.
- ``LimitedSizeDict.__setitem__``: moto's 405,000-byte cap is lifted; the layer enforces
  AWS's 409,600 bytes by the item-size rules instead.
- ``moto.dynamodb.responses.TRANSACTION_MAX_ITEMS``: 100, as AWS allows today (moto: 25).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

from workshop_lib import seams
from workshop_lib.dynamodb import storage

if TYPE_CHECKING:
    from workshop_lib.dynamodb.layer import DynamoDBLayer

#: DynamoDB's limit on the items of one transaction (TransactWriteItems, TransactGetItems)
TRANSACTION_MAX_ITEMS = 100


def action(original: Any) -> Any:
    """``DynamoHandler.<action>``: the layer's handling around moto's."""
    name = original.__name__

    def wrapper(handler: DynamoHandler) -> Any:
        return seams.holder("dynamodb").handle(name, handler, original)

    wrapper.__name__ = name
    return wrapper


class _ReadRecorder:
    """Stands in for a query's or scan's filter: sees every item read, then filters."""

    def __init__(self, table: Table, inner: Any) -> None:
        self.table, self.inner = table, inner

    def expr(self, item: Any) -> bool:
        layer = seams.holder("dynamodb")
        if layer is not None:
            layer.record_read(self.table, item)
        return True if self.inner is None else self.inner.expr(item)


def recording(original: Any) -> Any:
    """``Table.query`` / ``Table.scan``: every item read recorded, only candidates read."""
    method = original.__name__
    signature = inspect.signature(original)

    def wrapper(self: Table, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.arguments["filter_expression"] = _ReadRecorder(
            self, bound.arguments.get("filter_expression")
        )
        with storage.narrowed(self, method, bound.arguments):
            return original(*bound.args, **bound.kwargs)

    return wrapper


def ordered_init(original: Any) -> Any:
    """``Table.__init__``: ``Table.items`` kept in key order."""

    def wrapper(self: Table, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        storage.ordered(self)

    return wrapper


def install(layer: DynamoDBLayer) -> None:
    seams.install("dynamodb", layer)


def uninstall(layer: DynamoDBLayer) -> None:
    seams.uninstall("dynamodb", layer)
