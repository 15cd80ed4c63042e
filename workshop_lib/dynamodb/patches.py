"""The seams in moto 5.2 where the DynamoDB plug-in plugs in (declared in workshop_lib/seams.py).

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
- ``LimitedSizeDict.__setitem__``: moto's 405,000-byte cap is lifted; the plug-in enforces
  AWS's 409,600 bytes by the item-size rules instead.
- ``moto.dynamodb.responses.TRANSACTION_MAX_ITEMS``: 100, as AWS allows today (moto: 25).
- ``StreamShard.add`` / ``StreamShard.get`` and the streams backend's shard iterators:
  DynamoDB Streams' 24-hour retention and 15-minute iterators on the sandbox clock
  (``streams.py``); ``StreamRecord`` and ``ShardIterator`` tracked weakly like ``Item``.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator

from workshop_lib import seams
from workshop_lib.dynamodb import storage, streams

if TYPE_CHECKING:
    from workshop_lib.dynamodb.plugin import DynamoDBPlugin

#: DynamoDB's limit on the items of one transaction (TransactWriteItems, TransactGetItems)
TRANSACTION_MAX_ITEMS = 100


def action(original: Any) -> Any:
    """``DynamoHandler.<action>``: the plug-in's handling around moto's."""
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
        plugin = seams.holder("dynamodb")
        if plugin is not None:
            plugin.record_read(self.table, item)
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


def _now() -> float:
    return seams.holder("dynamodb").aws.clock.time()


def retaining_add(original: Any) -> Any:
    """``StreamShard.add``: records older than the retention period (or past the count) go."""

    def wrapper(self: StreamShard, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if seams.holder("dynamodb") is not None:
            streams.retain(self, _now())

    return wrapper


def checked_get(original: Any) -> Any:
    """``StreamShard.get``: reading a trimmed record is TrimmedDataAccessException."""

    def wrapper(self: StreamShard, start: int, quantity: int) -> Any:
        streams.check_readable(self, start)
        return original(self, start, quantity)

    return wrapper


def issuing(original: Any) -> Any:
    """``DynamoDBStreamsBackend.get_shard_iterator``: the iterator's issue time kept."""

    def wrapper(self: DynamoDBStreamsBackend, *args: Any, **kwargs: Any) -> Any:
        iterator = original(self, *args, **kwargs)
        if seams.holder("dynamodb") is not None:
            streams.issued(self, iterator, _now())
        return iterator

    return wrapper


def next_issuing(original: Any) -> Any:
    """``ShardIterator.get``: the next iterator's issue time kept."""

    def wrapper(self: ShardIterator, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if seams.holder("dynamodb") is not None:
            backend = self.streams_backend
            streams.issued(backend, backend.shard_iterators[result["NextShardIterator"]], _now())
        return result

    return wrapper


def get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> Any:
    """``DynamoDBStreamsBackend.get_records``: an expired iterator is refused."""
    now = _now() if seams.holder("dynamodb") is not None else 0.0
    return streams.live_iterator(self, iterator_arn, now).get(limit)


def install(plugin: DynamoDBPlugin) -> None:
    seams.install("dynamodb", plugin)


def uninstall(plugin: DynamoDBPlugin) -> None:
    seams.uninstall("dynamodb", plugin)
