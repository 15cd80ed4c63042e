"""DynamoDB's item storage in key order: Query and Scan read only the items they return.

DynamoDB keeps a partition's items sorted by sort key, so a Query with ``Limit=20`` reads
about 20 items whatever the table's size, and a Scan page continues from its
``ExclusiveStartKey`` without reading the pages before it. moto 5.2 keeps ``Table.items`` in
a ``defaultdict`` (hash key -> {range key -> item}) and, on every Query and every Scan,
sorts the whole table (``Table.all_items``), filters it down to one partition, sorts that
again and walks from the first item to the start key: a page costs more as the table grows.

Here ``Table.items`` becomes a ``SortedDict`` of ``SortedDict`` partitions (the same
mapping, so moto's own reads and writes work unchanged) and, around moto's
``Table.query`` / ``Table.scan``, :func:`candidates` picks the items the call can return
by bisection: the key condition's range, after the ``ExclusiveStartKey``, in the query's
direction, at most ``Limit + 1`` of them (the one past the limit tells moto there is a next
page). moto's ``all_items`` then hands moto exactly those, and moto's own code does the rest
(filters, projection, the 1 MB page, ``LastEvaluatedKey``). Calls this cannot narrow
exactly as moto would (index queries and scans, the legacy ``QueryFilter`` /
``ScanFilter``, a start key of another shape) fall back to moto's full walk, over items
that are already in order.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item
from sortedcontainers import SortedDict

# Writes (moto's, serialised by the plugin) and the readers that walk the sorted keys take
# turns: a SortedDict must not change while a reader bisects or iterates it.
_LOCK = threading.RLock()
_NARROWED = threading.local()  # table id -> the candidates of the call in progress


class _Sorted(SortedDict):
    """A SortedDict whose changes wait for readers (see ``_LOCK``)."""

    def __setitem__(self, key: Any, value: Any) -> None:
        with _LOCK:
            super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        with _LOCK:
            super().__delitem__(key)

    def pop(self, key: Any, *default: Any) -> Any:
        with _LOCK:
            return super().pop(key, *default)


class Partition(_Sorted):
    """The items of one partition-key value, by sort key."""


class RangeItems(_Sorted):
    """A table with a sort key: partition-key value -> :class:`Partition`, in key order.

    A missing partition is created on first use, as moto's ``defaultdict(dict)`` does.
    """

    def __missing__(self, key: Any) -> Partition:
        with _LOCK:
            partition = Partition()
            self[key] = partition
            return partition


class HashItems(_Sorted):
    """A table without a sort key: partition-key value -> item, in key order."""


def ordered(table: Any) -> _Sorted:
    """The table's items as sorted storage (converted once, in place of moto's dict)."""
    items = table.items
    if isinstance(items, (RangeItems, HashItems)):
        return items
    with _LOCK:
        if table.range_key_attr:
            converted: _Sorted = RangeItems({h: Partition(p) for h, p in items.items()})
        else:
            converted = HashItems(items)
        table.items = converted
    return converted


def all_items(table: Any) -> list[Any]:
    """``Table.all_items``: every item in key order, or the narrowed call's candidates."""
    narrowed = getattr(_NARROWED, "by_table", {}).get(id(table))
    if narrowed is not None:
        return narrowed
    items = ordered(table)
    with _LOCK:
        if table.range_key_attr:
            return [item for partition in items.values() for item in partition.values()]
        return list(items.values())


# -- narrowing a call ------------------------------------------------------------------------
def _key_value(table: Any, key: dict[str, Any] | None, attribute: str, kind: str) -> Any:
    """``key[attribute]`` as a DynamoType of the table's type, else None (not narrowable)."""
    if not key or attribute not in key:
        return None
    value = key[attribute]
    if isinstance(value, DynamoType):
        return value if value.type == kind else None
    if not isinstance(value, dict) or set(value) != {kind}:
        return None
    return DynamoType(value)


def _start_key(table: Any, start: dict[str, Any] | None) -> tuple[Any, Any] | None:
    """The (hash, range) of an ExclusiveStartKey naming exactly the table's key, else None."""
    names = {table.hash_key_attr} | ({table.range_key_attr} if table.range_key_attr else set())
    if set(start) != names:
        return None
    hash_value = _key_value(table, start, table.hash_key_attr, table.hash_key_type)
    range_value = None
    if table.range_key_attr:
        range_value = _key_value(table, start, table.range_key_attr, table.range_key_type)
        if range_value is None:
            return None
    return (hash_value, range_value) if hash_value is not None else None


def _bounds(comparison: str | None, values: list[Any]) -> tuple[Any, Any, bool, bool]:
    """(low, high, low inclusive, high inclusive) of a sort-key condition (None: open).

    Raises LookupError for a condition this module leaves to moto."""
    if not comparison:
        return None, None, True, True
    operator = comparison.upper()
    if operator == "EQ":
        return values[0], values[0], True, True
    if operator in ("LT", "LE"):
        return None, values[0], True, operator == "LE"
    if operator in ("GT", "GE"):
        return values[0], None, operator == "GE", True
    if operator == "BETWEEN":
        return values[0], values[1], True, True
    if operator == "BEGINS_WITH" and values[0].type == "S" and values[0].value:
        # every string that starts with the prefix sorts in [prefix, prefix's successor)
        prefix = values[0].value
        if ord(prefix[-1]) < 0x10FFFF:
            successor = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            return values[0], DynamoType({"S": successor}), True, False
    raise LookupError(operator)


def _query_candidates(table: Any, arguments: dict[str, Any]) -> list[Any] | None:
    """The items a base-table Query can return, in moto's order, or None (moto walks all)."""
    if arguments.get("index_name") or arguments.get("filter_kwargs"):
        return None
    hash_key = arguments.get("hash_key")
    if not isinstance(hash_key, DynamoType) or not table.range_key_attr:
        return None
    if hash_key.type != table.hash_key_type:
        return None
    if len(arguments.get("range_key_conditions") or []) > 1:
        return None
    values = arguments.get("range_objs") or []
    if any(not isinstance(v, DynamoType) or v.type != table.range_key_type for v in values):
        return None  # moto's own answer (or error) for a value of another type
    try:
        low, high, low_in, high_in = _bounds(arguments.get("range_comparison"), values)
    except (LookupError, IndexError):
        return None
    forward = arguments.get("scan_index_forward") is not False
    start = arguments.get("exclusive_start_key")
    if start is not None:
        parsed = _start_key(table, start)
        if parsed is None or parsed[0] != hash_key:
            return None
        after = parsed[1]  # the page continues past it, in the query's direction
        if forward and (low is None or after >= low):
            low, low_in = after, False
        if not forward and (high is None or after <= high):
            high, high_in = after, False
    limit = arguments.get("limit")
    items = ordered(table)
    with _LOCK:
        if hash_key not in items:
            return []
        partition = items[hash_key]
        if low is not None and high is not None and high < low:
            return []
        keys: Iterator[Any] = partition.irange(low, high, (low_in, high_in), reverse=not forward)
        if not limit:
            return [partition[key] for key in keys]
        picked = list(itertools.islice(keys, int(limit) + 1))
        # moto answers a LastEvaluatedKey when a full page has any item after it in the
        # partition, in the key condition or not: the first item past the range says so
        far, far_in = (high, high_in) if forward else (low, low_in)
        if len(picked) <= int(limit) and far is not None:
            bounds = (far, None, (not far_in, True)) if forward else (None, far, (True, not far_in))
            picked += itertools.islice(partition.irange(*bounds, reverse=not forward), 1)
        return [partition[key] for key in picked]


def _scan_candidates(table: Any, arguments: dict[str, Any]) -> list[Any] | None:
    """The items a table Scan page can return, in moto's order, or None (moto walks all)."""
    if arguments.get("index_name") or arguments.get("filters"):
        return None
    start = arguments.get("exclusive_start_key")
    parsed = None
    if start is not None:
        parsed = _start_key(table, start)
        if parsed is None:
            return None
    segments = arguments.get("segments") or (None, None)
    limit = arguments.get("limit")
    items = ordered(table)
    with _LOCK:
        if table.range_key_attr:
            walk = _range_items_after(items, parsed)
        else:
            low = parsed[0] if parsed else None
            keys = items.irange(low, None, (False, True)) if low is not None else iter(items)
            walk = (items[key] for key in keys)
        if segments != (None, None):
            walk = (item for item in walk if item.is_within_segment(segments))
        if limit:
            walk = itertools.islice(walk, int(limit) + 1)
        return list(walk)


def _range_items_after(items: RangeItems, start: tuple[Any, Any] | None) -> Iterator[Any]:
    """Items of a table with a sort key, in (hash, range) order, after ``start``."""
    if start is None:
        for partition in items.values():
            yield from partition.values()
        return
    hash_value, range_value = start
    for key in items.irange(hash_value, None, (True, True)):
        partition = items[key]
        if key == hash_value:
            for inner in partition.irange(range_value, None, (False, True)):
                yield partition[inner]
        else:
            yield from partition.values()


class narrowed:
    """Within it, the table's ``all_items`` returns only what this call can read.

    ``arguments`` are the bound arguments of moto's ``Table.query`` / ``Table.scan``; when
    the call can be narrowed, its ``exclusive_start_key`` is cleared (the candidates start
    after it already).
    """

    def __init__(self, table: Any, action: str, arguments: dict[str, Any]) -> None:
        self.table = table
        pick = _query_candidates if action == "query" else _scan_candidates
        self.candidates = pick(table, _flat(arguments))
        if self.candidates is not None:
            arguments["exclusive_start_key"] = None

    def __enter__(self) -> narrowed:
        if self.candidates is not None:
            if not hasattr(_NARROWED, "by_table"):
                _NARROWED.by_table = {}
            _NARROWED.by_table[id(self.table)] = self.candidates
        return self

    def __exit__(self, *exc: object) -> None:
        if self.candidates is not None:
            _NARROWED.by_table.pop(id(self.table), None)


def _flat(arguments: dict[str, Any]) -> dict[str, Any]:
    """Bound arguments with ``**filter_kwargs`` under its own name (empty dict: none)."""
    return {**arguments, "filter_kwargs": arguments.get("filter_kwargs") or {}}


# -- moto's record of every Item ---------------------------------------------------------------
class LiveInstances:
    """``Item.instances_tracked`` that holds the items still alive, not every one ever made.

    moto appends every model it creates to ``<class>.instances_tracked`` (for its
    ``/moto-api/data.json`` dump) and never lets go. A DynamoDB ``Item`` is made for every
    write, and for every item a read returns (``get_item``, ``query``, ``scan`` hand out
    deep copies; a transaction deep-copies the tables it touches): a served API grew by
    every item it ever read. Held weakly here, the dump still lists the stored items (their
    table keeps them) and the copies go when their request is done.
    """

    def __init__(self, items: list[Any] = ()) -> None:
        self._count = itertools.count()
        self._refs: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        for item in items:
            self.append(item)

    def append(self, item: Any) -> None:
        self._refs[next(self._count)] = item

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._refs.values()))

    def __len__(self) -> int:
        return len(self._refs)

    def clear(self) -> None:
        self._refs.clear()


def track_weakly(cls: type, *args: Any, **kwargs: Any) -> Any:
    """``Item.__new__``: moto's ``BaseModel.__new__``, into a :class:`LiveInstances`.

    moto's reset puts a fresh list in ``instances_tracked``; the next item replaces it."""
    if not isinstance(cls.__dict__.get("instances_tracked"), LiveInstances):
        cls.instances_tracked = LiveInstances(cls.__dict__.get("instances_tracked") or [])
    instance = object.__new__(cls)
    cls.instances_tracked.append(instance)
    return instance


__all__ = ["Item", "LiveInstances", "all_items", "narrowed", "ordered", "track_weakly"]
