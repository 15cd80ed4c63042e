"""The seams in moto 5.2 where the DynamoDB layer plugs in (each covered by a test).

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
- ``StreamShard.add`` / ``StreamShard.get`` and the streams backend's shard iterators:
  DynamoDB Streams' 24-hour retention and 15-minute iterators on the sandbox clock
  (``streams.py``); ``StreamRecord`` and ``ShardIterator`` tracked weakly like ``Item``.
"""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import TYPE_CHECKING, Any

from moto.dynamodb import responses
from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict
from moto.dynamodb.models.table import StreamRecord, StreamShard, Table
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator

from workshop_lib.dynamodb import storage, streams

if TYPE_CHECKING:
    from workshop_lib.dynamodb.layer import DynamoDBLayer

ACTIONS = (
    "put_item",
    "update_item",
    "delete_item",
    "get_item",
    "batch_get_item",
    "batch_write_item",
    "transact_get_items",
    "transact_write_items",
    "query",
    "scan",
    "create_table",
    "update_table",
    "delete_table",
)
_ORIGINALS: dict[tuple[type | ModuleType, str], Any] = {}
_INHERITED = object()  # the patched class had no attribute of its own: delete on uninstall
_LAYER: list[DynamoDBLayer] = []


def _action(name: str, original: Any) -> Any:
    def wrapper(handler: DynamoHandler) -> Any:
        return _LAYER[0].handle(name, handler, original)

    wrapper.__name__ = name
    return wrapper


class _ReadRecorder:
    """Stands in for a query's or scan's filter: sees every item read, then filters."""

    def __init__(self, table: Table, inner: Any) -> None:
        self.table, self.inner = table, inner

    def expr(self, item: Any) -> bool:
        if _LAYER:
            _LAYER[0].record_read(self.table, item)
        return True if self.inner is None else self.inner.expr(item)


def _recording(method: str) -> Any:
    original = vars(Table)[method]
    signature = inspect.signature(original)

    def wrapper(self: Table, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.arguments["filter_expression"] = _ReadRecorder(
            self, bound.arguments.get("filter_expression")
        )
        with storage.narrowed(self, method, bound.arguments):
            return original(*bound.args, **bound.kwargs)

    return wrapper


def _ordered_init(original: Any) -> Any:
    def wrapper(self: Table, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        storage.ordered(self)

    return wrapper


def _now() -> float:
    return _LAYER[0].aws.clock.time()


def _retaining_add(original: Any) -> Any:
    def wrapper(self: StreamShard, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if _LAYER:
            streams.retain(self, _now())

    return wrapper


def _checked_get(original: Any) -> Any:
    def wrapper(self: StreamShard, start: int, quantity: int) -> Any:
        streams.check_readable(self, start)
        return original(self, start, quantity)

    return wrapper


def _issuing(original: Any) -> Any:
    def wrapper(self: DynamoDBStreamsBackend, *args: Any, **kwargs: Any) -> Any:
        iterator = original(self, *args, **kwargs)
        if _LAYER:
            streams.issued(self, iterator, _now())
        return iterator

    return wrapper


def _next_issuing(original: Any) -> Any:
    def wrapper(self: ShardIterator, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if _LAYER:
            backend = self.streams_backend
            streams.issued(backend, backend.shard_iterators[result["NextShardIterator"]], _now())
        return result

    return wrapper


def _get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> Any:
    now = _now() if _LAYER else 0.0
    return streams.live_iterator(self, iterator_arn, now).get(limit)


def install(layer: DynamoDBLayer) -> None:
    if _LAYER:
        uninstall(_LAYER[0])
    patches: list[tuple[Any, str, Any]] = [
        (DynamoHandler, name, _action(name, vars(DynamoHandler)[name])) for name in ACTIONS
    ]
    patches += [(Table, "query", _recording("query")), (Table, "scan", _recording("scan"))]
    patches += [(Table, "__init__", _ordered_init(vars(Table)["__init__"]))]
    patches += [(Table, "all_items", storage.all_items)]
    patches += [(Item, "__new__", staticmethod(storage.track_weakly))]
    patches += [(LimitedSizeDict, "__setitem__", dict.__setitem__)]
    patches += [(responses, "TRANSACTION_MAX_ITEMS", 100)]
    patches += [
        (StreamShard, "add", _retaining_add(vars(StreamShard)["add"])),
        (StreamShard, "get", _checked_get(vars(StreamShard)["get"])),
        (StreamRecord, "__new__", staticmethod(storage.track_weakly)),
        (ShardIterator, "__new__", staticmethod(storage.track_weakly)),
        (ShardIterator, "get", _next_issuing(vars(ShardIterator)["get"])),
        (
            DynamoDBStreamsBackend,
            "get_shard_iterator",
            _issuing(vars(DynamoDBStreamsBackend)["get_shard_iterator"]),
        ),
        (DynamoDBStreamsBackend, "get_records", _get_records),
    ]
    for owner, name, replacement in patches:
        _ORIGINALS[(owner, name)] = vars(owner).get(name, _INHERITED)
        setattr(owner, name, replacement)
    _LAYER.append(layer)


def uninstall(layer: DynamoDBLayer) -> None:
    if not _LAYER or _LAYER[0] is not layer:
        return
    for (owner, name), original in _ORIGINALS.items():
        if original is _INHERITED:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
    _ORIGINALS.clear()
    _LAYER.clear()
