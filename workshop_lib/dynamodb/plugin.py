"""The DynamoDB plug-in of the sandbox: capacity, throttling, partitions, limits and TTL.

moto answers every call with hard-coded ``ConsumedCapacity`` (put 1.0, get 0.5), never
throttles, never expires TTL items, caps items at 405,000 bytes and transactions at 25
items. Around each of moto's DynamoDB actions this plugin:

1. enforces AWS's limits (400 KB = 409,600-byte items, 25 items per batch write, 100 per
   transaction, 20 GSIs and 5 LSIs per table) and expires TTL items on the sandbox clock;
2. admits the request only if the table's, its indexes' and the key's partition's token
   buckets hold capacity, else answers ``ProvisionedThroughputExceededException``;
3. lets moto do the work, then measures what it read or wrote (item sizes by the
   DynamoDB rules, index entries included), charges the buckets and reports
   ``ConsumedCapacity`` for ``TOTAL`` and ``INDEXES`` as DynamoDB does.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.dynamodb.exceptions import DynamodbException, MockValidationException

from workshop_lib.dynamodb.capacity import read_capacity_units, write_capacity_units
from workshop_lib.dynamodb.size import item_size
from workshop_lib.dynamodb.throttle import TableThroughput, ThroughputModel, partition_of
from workshop_lib.facts import value

if TYPE_CHECKING:
    from workshop_lib.sandbox import Sandbox

ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
TABLE_THROTTLED = (
    "The level of configured provisioned throughput for the table was exceeded. Consider "
    "increasing your provisioning level with the UpdateTable API."
)
INDEX_THROTTLED = (
    "The level of configured provisioned throughput for one or more global secondary indexes "
    "of the table was exceeded. Consider increasing your provisioning level for the "
    "under-provisioned global secondary indexes with the UpdateTable API."
)
KEY_THROTTLED = (
    "Throughput exceeds the current capacity of your table or index. DynamoDB is "
    "automatically scaling your table or index so please try again shortly. If exceptions "
    "persist, check if you have a hot key: "
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
)


class ProvisionedThroughputExceeded(DynamodbException):
    def __init__(self, message: str) -> None:
        super().__init__(ERROR_PREFIX + "ProvisionedThroughputExceededException", message)


class LimitExceeded(DynamodbException):
    def __init__(self, message: str) -> None:
        super().__init__(ERROR_PREFIX + "LimitExceededException", message)


_EXPRESSIONS = (
    "ConditionExpression",
    "UpdateExpression",
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
)
_WRITES = frozenset(
    {"put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items"}
)


@dataclass
class Cost:
    """Units one request consumed: on the table, and on each index."""

    table: float = 0.0
    gsi: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    lsi: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    partitions: dict[int, float] = field(default_factory=lambda: defaultdict(float))

    @property
    def total(self) -> float:
        return self.table + sum(self.gsi.values()) + sum(self.lsi.values())

    def report(self, table_name: str, mode: str) -> dict[str, Any]:
        """The ``ConsumedCapacity`` entry for ``ReturnConsumedCapacity=mode``."""
        entry: dict[str, Any] = {"TableName": table_name, "CapacityUnits": self.total}
        if mode == "INDEXES":
            entry["Table"] = {"CapacityUnits": self.table}
            if self.gsi:
                entry["GlobalSecondaryIndexes"] = {
                    k: {"CapacityUnits": v} for k, v in self.gsi.items()
                }
            if self.lsi:
                entry["LocalSecondaryIndexes"] = {
                    k: {"CapacityUnits": v} for k, v in self.lsi.items()
                }
        return entry


# -- items as moto holds them -----------------------------------------------------------------
def low_level(item: Any) -> dict[str, Any] | None:
    """A moto ``Item`` as a low-level attribute map (None stays None)."""
    return None if item is None else item.to_json()["Attributes"]


def key_bytes(attribute: dict[str, Any]) -> bytes:
    ((kind, raw),) = attribute.items()
    if kind == "B":
        import base64

        return raw if isinstance(raw, (bytes, bytearray)) else base64.b64decode(raw)
    return str(raw).encode()


def index_entry(table: Any, index: Any, item: dict[str, Any] | None) -> dict[str, Any] | None:
    """What ``item`` puts into ``index`` (None if it lacks the index keys: sparse)."""
    if item is None or any(k not in item for k in index.schema_key_attrs):
        return None
    projection = (index.projection or {}).get("ProjectionType", "ALL")
    if projection == "ALL":
        return item
    keep = set(table.table_key_attrs) | set(index.schema_key_attrs)
    if projection == "INCLUDE":
        keep |= set(index.projection.get("NonKeyAttributes", []))
    return {k: v for k, v in item.items() if k in keep}


class DynamoDBPlugin:
    """Capacity, throttling, partitions, limits and TTL for the sandbox's DynamoDB."""

    name = "dynamodb"

    def __init__(self, *, burst_seconds: float | None = None, ttl_delay_s: float = 0.0) -> None:
        self.burst_seconds = burst_seconds
        self.ttl_delay_s = ttl_delay_s
        self.aws: Sandbox | None = None
        self._local = threading.local()
        # DynamoDB applies each write atomically: a condition is checked against the item
        # as it is when the write lands. moto checks, then writes, in plain Python; two
        # threads (two Lambda workers calling the sandbox) can both pass the check. Writes
        # take turns here, so a conditional write means what it means on AWS.
        self._writes = threading.RLock()

    def install(self, aws: Sandbox) -> None:
        from workshop_lib.dynamodb import patches

        self.aws = aws
        self.model = ThroughputModel(aws.clock, self.burst_seconds)
        patches.install(self)

    def uninstall(self, aws: Sandbox) -> None:
        from workshop_lib.dynamodb import patches

        patches.uninstall(self)

    def reset(self, aws: Sandbox) -> None:
        self.model = ThroughputModel(aws.clock, self.burst_seconds)

    # -- public views ---------------------------------------------------------------------------
    def backend(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self.aws.account_id][self.aws.region]

    def throughput(self, table_name: str) -> TableThroughput:
        """The buckets and recent usage of a table (created on first use)."""
        return self.model.sync(self.backend().get_table(table_name))

    def partition_for(self, table_name: str, key_value: Any) -> int:
        """The partition a partition-key value lands in (plain value or ``{"S": ...}``)."""
        state = self.throughput(table_name)
        if not isinstance(key_value, dict):
            key_value = {"N" if isinstance(key_value, (int, float)) else "S": str(key_value)}
        return partition_of(key_bytes(key_value), len(state.partitions))

    # -- the wrapper around every moto action ---------------------------------------------------
    def handle(self, action: str, handler: Any, original: Any) -> Any:
        body = handler.body
        self.expire_ttl()
        if action in ("create_table", "update_table"):
            self._check_indexes(action, body)
            if action == "create_table":
                _check_table_name(body.get("TableName", ""))
            merged = None
            if action == "update_table" and body.get("AttributeDefinitions"):
                known = {
                    a["AttributeName"]: a for a in self.backend().get_table(body["TableName"]).attr
                }
                known.update({a["AttributeName"]: a for a in body["AttributeDefinitions"]})
                merged = list(known.values())  # AWS adds definitions; moto replaces them
            result = original(handler)
            if merged is not None:
                self.backend().get_table(body["TableName"]).attr = merged
            self.model.sync(self.backend().get_table(body["TableName"]))
            return result
        if action == "delete_table":
            result = original(handler)
            self.model.drop(body["TableName"])
            return result
        try:
            if action in _WRITES:
                with self._writes:
                    return getattr(self, f"_{action}")(handler, original, body)
            return getattr(self, f"_{action}")(handler, original, body)
        except ValueError as exc:
            # moto's expression parser raises a bare ValueError on a malformed expression
            # ("attribute_not_exist(id)", "id = = :x"); DynamoDB answers ValidationException.
            expression = next((name for name in _EXPRESSIONS if body.get(name)), None)
            if expression is None:
                raise
            raise MockValidationException(f"Invalid {expression}: {exc}") from None

    # -- writes ---------------------------------------------------------------------------------
    def _put_item(self, handler: Any, original: Any, body: dict) -> Any:
        self._check_item_size(body["Item"])
        return self._single_write(handler, original, body, body["Item"])

    def _update_item(self, handler: Any, original: Any, body: dict) -> Any:
        return self._single_write(handler, original, body, body["Key"], check_after=True)

    def _delete_item(self, handler: Any, original: Any, body: dict) -> Any:
        return self._single_write(handler, original, body, body["Key"])

    def _single_write(
        self, handler: Any, original: Any, body: dict, key_source: dict, check_after: bool = False
    ) -> Any:
        table = self.backend().get_table(body["TableName"])
        state = self.model.sync(table)
        # a request's Key must have the table's types; an Item's other attributes are free
        key = (self._checked_key if "Key" in body else self._key_of)(table, key_source)
        old = self._current(table, key)
        self._admit(state, "write", key, _affected_gsis(table, old, body))
        try:
            result = original(handler)
        except DynamodbException:
            # a failed condition still consumes write capacity
            cost = self._write_cost(table, old, old, key)
            self._charge(state, "write", cost)
            raise
        new = self._current(table, key)
        if check_after and new is not None and item_size(new, low_level=True) > self._max_item():
            self._restore(table, key, old)
            raise MockValidationException(
                "Item size to update has exceeded the maximum allowed size"
            )
        cost = self._write_cost(table, old, new, key)
        self._charge(state, "write", cost)
        self._report(result, body, {table.name: cost})
        return result

    def _batch_write_item(self, handler: Any, original: Any, body: dict) -> Any:
        requests = body.get("RequestItems", {})
        count = sum(len(v) for v in requests.values())
        if count > int(value("dynamodb.batch_write_max_items")):
            raise MockValidationException(
                f"1 validation error detected: Value '{{...}}' at 'requestItems' failed to satisfy "
                f"constraint: Map value must satisfy constraint: [Member must have length less "
                f"than or equal to {value('dynamodb.batch_write_max_items')}, Member must have "
                "length greater than or equal to 1]"
            )
        plans = []
        for name, entries in requests.items():
            table = self.backend().get_table(name)
            state = self.model.sync(table)
            for entry in entries:
                source = entry.get("PutRequest", {}).get("Item") or entry["DeleteRequest"]["Key"]
                if "PutRequest" in entry:
                    self._check_item_size(source)
                key = self._key_of(table, source)
                old = self._current(table, key)
                self._admit(
                    state, "write", key, _affected_gsis(table, old, entry.get("PutRequest", {}))
                )
                plans.append((table, state, key, old))
        return self._finish_writes(original(handler), body, plans)

    def _transact_write_items(self, handler: Any, original: Any, body: dict) -> Any:
        items = body.get("TransactItems", [])
        self._check_transaction(items)
        plans = []
        for entry in items:
            ((kind, request),) = entry.items()
            table = self.backend().get_table(request["TableName"])
            source = request.get("Item") or request["Key"]
            if kind == "Put":
                self._check_item_size(source)
            key = self._key_of(table, source)
            state = self.model.sync(table)
            old = self._current(table, key)
            self._admit(state, "write", key, _affected_gsis(table, old, request))
            plans.append((table, state, key, old))
        return self._finish_writes(original(handler), body, plans, transactional=True)

    def _finish_writes(
        self, result: Any, body: dict, plans: list[tuple], transactional: bool = False
    ) -> Any:
        """Charge each planned item write and report the total per table."""
        costs: dict[str, Cost] = {}
        for table, state, key, old in plans:
            cost = self._write_cost(table, old, self._current(table, key), key, transactional)
            self._charge(state, "write", cost)
            _add(costs.setdefault(table.name, Cost()), cost)
        self._report(result, body, costs, listed=True)
        return result

    # -- reads ----------------------------------------------------------------------------------
    def _get_item(self, handler: Any, original: Any, body: dict) -> Any:
        table = self.backend().get_table(body["TableName"])
        state = self.model.sync(table)
        key = self._checked_key(table, body["Key"])
        self._admit(state, "read", key, [])
        result = original(handler)
        size = _size(self._current(table, key))
        consistency = "strong" if body.get("ConsistentRead") else "eventual"
        cost = Cost(table=read_capacity_units(size, consistency))
        cost.partitions[self._partition(state, key)] += cost.table
        self._charge(state, "read", cost)
        self._report(result, body, {table.name: cost})
        return result

    def _batch_get_item(self, handler: Any, original: Any, body: dict) -> Any:
        plans = []
        for name, request in body.get("RequestItems", {}).items():
            table = self.backend().get_table(name)
            state = self.model.sync(table)
            consistency = "strong" if request.get("ConsistentRead") else "eventual"
            for key_source in request.get("Keys", []):
                key = self._key_of(table, key_source)
                self._admit(state, "read", key, [])
                plans.append((table, state, key, consistency))
        return self._finish_reads(original(handler), body, plans)

    def _finish_reads(self, result: Any, body: dict, plans: list[tuple]) -> Any:
        """Charge each planned item read (rounded up per item) and report per table."""
        costs: dict[str, Cost] = {}
        for table, state, key, consistency in plans:
            units = read_capacity_units(_size(self._current(table, key)), consistency)
            cost = Cost(table=units)
            cost.partitions[self._partition(state, key)] += units
            self._charge(state, "read", cost)
            _add(costs.setdefault(table.name, Cost()), cost)
        self._report(result, body, costs, listed=True)
        return result

    def _transact_get_items(self, handler: Any, original: Any, body: dict) -> Any:
        items = body.get("TransactItems", [])
        self._check_transaction(items)
        plans = []
        for entry in items:
            request = entry["Get"]
            table = self.backend().get_table(request["TableName"])
            state = self.model.sync(table)
            key = self._key_of(table, request["Key"])
            self._admit(state, "read", key, [])
            plans.append((table, state, key, "transactional"))
        return self._finish_reads(original(handler), body, plans)

    def _query(self, handler: Any, original: Any, body: dict) -> Any:
        return self._read_many(handler, original, body, "query")

    def _scan(self, handler: Any, original: Any, body: dict) -> Any:
        return self._read_many(handler, original, body, "scan")

    def _read_many(self, handler: Any, original: Any, body: dict, action: str) -> Any:
        _check_reserved_words(body.get("KeyConditionExpression"), "KeyConditionExpression")
        table = self.backend().get_table(body["TableName"])
        state = self.model.sync(table)
        index_name = body.get("IndexName")
        gsi = index_name in {i.name for i in table.global_indexes}
        self._admit(state, "read", None, [index_name] if gsi else [])
        self._local.read = []  # filled by the patched Table.query / Table.scan
        try:
            result = original(handler)
            read = self._local.read
        except TypeError:  # moto compares a number key with a string value and crashes
            raise MockValidationException(
                "One or more parameter values were invalid: Condition parameter type does not "
                "match schema type"
            ) from None
        finally:
            self._local.read = None
        consistency = "strong" if body.get("ConsistentRead") and not gsi else "eventual"
        units = read_capacity_units(sum(size for size, _ in read), consistency)
        cost = Cost()
        if gsi:
            cost.gsi[index_name] = units
        elif index_name:
            cost.lsi[index_name] = units
        else:
            cost.table = units
        if not gsi:
            spread = _spread(units, [p for _, p in read], state, table)
            for partition, share in spread.items():
                cost.partitions[partition] += share
        self._charge(state, "read", cost, index=index_name if gsi else None)
        self._report(result, body, {table.name: cost})
        return result

    def record_read(self, table: Any, item: Any) -> None:
        """Called for every item a query or scan reads (before its filter)."""
        read = getattr(self._local, "read", None)
        if read is None:
            return
        attrs = low_level(item)
        hash_value = attrs.get(table.hash_key_attr)
        read.append((item_size(attrs, low_level=True), hash_value))

    # -- pieces ---------------------------------------------------------------------------------
    def _key_of(self, table: Any, source: dict) -> dict[str, Any]:
        key = {table.hash_key_attr: source.get(table.hash_key_attr)}
        if table.range_key_attr:
            key[table.range_key_attr] = source.get(table.range_key_attr)
        return key

    def _checked_key(self, table: Any, source: dict) -> dict[str, Any]:
        """A request's ``Key`` as the table's key, or DynamoDB's refusal of a key whose
        attributes have other types than the table's (moto just finds no item)."""
        expected = {table.hash_key_attr: table.hash_key_type}
        if table.range_key_attr:
            expected[table.range_key_attr] = table.range_key_type
        given = {name: next(iter(value), None) for name, value in source.items()}
        if any(given.get(name) not in (None, kind) for name, kind in expected.items()):
            raise MockValidationException("The provided key element does not match the schema")
        return self._key_of(table, source)

    def _current(self, table: Any, key: dict) -> dict[str, Any] | None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        if any(v is None for v in key.values()):
            return None
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        try:
            return low_level(table.get_item(hash_key, range_key))
        except Exception:
            return None

    def _restore(self, table: Any, key: dict, old: dict | None) -> None:
        from moto.dynamodb.models.dynamo_type import DynamoType, Item

        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        if old is None:
            table.delete_item(hash_key, range_key)
            return
        item = Item(hash_key, range_key, old)
        if range_key is not None:
            table.items[hash_key][range_key] = item
        else:
            table.items[hash_key] = item

    def _partition(self, state: TableThroughput, key: dict) -> int:
        hash_value = next(iter(key.values()))
        return partition_of(key_bytes(hash_value), len(state.partitions)) if hash_value else 0

    def _admit(
        self, state: TableThroughput, kind: str, key: dict | None, indexes: list[str]
    ) -> None:
        partition = self._partition(state, key) if key else None
        refused = self.model.admit(state, kind, partition, indexes)
        if refused is None:
            return
        if refused.startswith("partition") and not state.provisioned:
            raise ProvisionedThroughputExceeded(KEY_THROTTLED)
        if refused.startswith("partition"):
            raise ProvisionedThroughputExceeded(KEY_THROTTLED)
        raise ProvisionedThroughputExceeded(
            INDEX_THROTTLED if refused.startswith("index") else TABLE_THROTTLED
        )

    def _charge(
        self, state: TableThroughput, kind: str, cost: Cost, index: str | None = None
    ) -> None:
        table_units = cost.table + sum(cost.lsi.values())  # LSIs share the table's capacity
        self.model.charge(state, kind, table_units, dict(cost.partitions), dict(cost.gsi))

    def _write_cost(
        self, table: Any, old: dict | None, new: dict | None, key: dict, transactional: bool = False
    ) -> Cost:
        cost = Cost(table=write_capacity_units(max(_size(old), _size(new)), transactional))
        for index in table.global_indexes:
            units = _index_write_units(table, index, old, new)
            if units:
                cost.gsi[index.name] = units
        for index in table.indexes:
            units = _index_write_units(table, index, old, new)
            if units:
                cost.lsi[index.name] = units
        state = self.model.sync(table)
        cost.partitions[self._partition(state, key)] += cost.table + sum(cost.lsi.values())
        return cost

    def _report(
        self, result: Any, body: dict, costs: dict[str, Cost], listed: bool = False
    ) -> None:
        mode = body.get("ReturnConsumedCapacity", "NONE")
        payload = getattr(result, "result", None)
        if not isinstance(payload, dict):
            return
        payload.pop("ConsumedCapacity", None)
        if mode not in ("TOTAL", "INDEXES"):
            return
        entries = [cost.report(name, mode) for name, cost in costs.items()]
        payload["ConsumedCapacity"] = entries if listed else entries[0]

    # -- limits ---------------------------------------------------------------------------------
    def _max_item(self) -> int:
        return int(value("dynamodb.item_size_max_bytes"))

    def _check_item_size(self, item: dict) -> None:
        if item_size(item, low_level=True) > self._max_item():
            raise MockValidationException("Item size has exceeded the maximum allowed size")
        if max((_depth(v) for v in item.values()), default=0) > int(
            value("dynamodb.nesting_depth_max")
        ):
            raise MockValidationException("Nesting Levels have exceeded supported limits")

    def _check_transaction(self, items: list) -> None:
        limit = int(value("dynamodb.transact_write_max_items"))
        if len(items) > limit:
            raise MockValidationException(
                "1 validation error detected: Value at 'transactItems' failed to satisfy "
                f"constraint: Member must have length less than or equal to {limit}"
            )

    def _check_indexes(self, action: str, body: dict) -> None:
        max_gsi = int(value("dynamodb.gsi_per_table"))
        max_lsi = int(value("dynamodb.lsi_per_table"))
        if action == "create_table":
            if len(body.get("LocalSecondaryIndexes") or []) > max_lsi:
                raise MockValidationException(
                    "One or more parameter values were invalid: Number of LocalSecondaryIndexes "
                    f"exceeds per-table limit of {max_lsi}"
                )
            if len(body.get("GlobalSecondaryIndexes") or []) > max_gsi:
                raise MockValidationException(
                    "One or more parameter values were invalid: GlobalSecondaryIndex count "
                    f"exceeds the per-table limit of {max_gsi}"
                )
            return
        creates = [u for u in body.get("GlobalSecondaryIndexUpdates") or [] if "Create" in u]
        if creates:
            table = self.backend().get_table(body["TableName"])
            existing = {i.name for i in [*table.global_indexes, *table.indexes]}
            if any(u["Create"].get("IndexName") in existing for u in creates):
                # moto raises a Python ValueError here, which boto3 would see as a 500
                raise MockValidationException("Attempting to create an index which already exists")
            if len(table.global_indexes) + len(creates) > max_gsi:
                raise LimitExceeded(
                    f"Subscriber limit exceeded: the number of global secondary indexes on "
                    f"table {table.name} would exceed the limit of {max_gsi}"
                )

    # -- TTL ------------------------------------------------------------------------------------
    def expire_ttl(self) -> int:
        """Delete items whose TTL attribute is in the past of the sandbox clock."""

        now = self.aws.clock.time() - self.ttl_delay_s
        deleted = 0
        for table in list(self.backend().tables.values()):
            ttl = table.ttl or {}
            if ttl.get("TimeToLiveStatus") != "ENABLED":
                continue
            attribute = ttl.get("AttributeName")
            for item in list(table.all_items()):
                expiry = item.attrs.get(attribute)
                if expiry is None or expiry.type != "N" or float(expiry.value) >= now:
                    continue
                table.delete_item(item.hash_key, item.range_key)
                deleted += 1
                if table.stream_shard is not None and table.stream_shard.items:
                    table.stream_shard.items[-1].record["userIdentity"] = {
                        "Type": "Service",  # the Streams API's spelling
                        "PrincipalId": "dynamodb.amazonaws.com",
                    }
        return deleted


def _depth(attribute: dict[str, Any]) -> int:
    """How many lists and maps deep a low-level attribute value goes."""
    ((kind, inner),) = attribute.items()
    if kind == "L":
        return 1 + max((_depth(v) for v in inner), default=0)
    if kind == "M":
        return 1 + max((_depth(v) for v in inner.values()), default=0)
    return 0


def _check_table_name(name: str) -> None:
    """AWS's table-name rules: 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'."""
    import re

    low, high = (
        int(value("dynamodb.table_name_min_chars")),
        int(value("dynamodb.table_name_max_chars")),
    )
    if not low <= len(name) <= high:
        raise MockValidationException(
            f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy "
            f"constraint: Member must have length between {low} and {high}"
        )
    if not re.fullmatch(r"[a-zA-Z0-9_.-]+", name):
        raise MockValidationException(
            f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )


def _check_reserved_words(expression: str | None, where: str) -> None:
    """A reserved word used as a name (``release``, ``owner``...) in an expression."""
    if not expression:
        return
    import re

    from moto.dynamodb.parsing.reserved_keywords import ReservedKeywords

    reserved = set(ReservedKeywords.get_reserved_keywords())
    functions = {"BEGINS_WITH", "BETWEEN", "AND", "OR", "NOT", "IN"}
    for word in re.findall(r"(?<![#:\w.])([A-Za-z_][A-Za-z0-9_]*)", expression):
        if word.upper() in reserved and word.upper() not in functions:
            raise MockValidationException(
                f"Invalid {where}: Attribute name is a reserved keyword; reserved keyword: {word}"
            )


def _size(item: dict | None) -> int:
    return 0 if item is None else item_size(item, low_level=True)


def _add(total: Cost, cost: Cost) -> None:
    total.table += cost.table
    for name, units in cost.gsi.items():
        total.gsi[name] += units
    for name, units in cost.lsi.items():
        total.lsi[name] += units


def _affected_gsis(table: Any, old: dict | None, request: dict) -> list[str]:
    """GSIs a write may touch: the old item is in them, or the request names their keys."""
    new = request.get("Item") or {}
    text = " ".join(
        [
            request.get("UpdateExpression", ""),
            *(request.get("ExpressionAttributeNames") or {}).values(),
            *(request.get("AttributeUpdates") or {}),
        ]
    )
    touched = []
    for index in table.global_indexes:
        keys = index.schema_key_attrs
        in_old = old is not None and all(k in old for k in keys)
        if in_old or all(k in new for k in keys) or any(k in text for k in keys):
            touched.append(index.name)
    return touched


def _index_write_units(table: Any, index: Any, old: dict | None, new: dict | None) -> float:
    """Write units an item change costs one index (0: untouched; 2 writes on a key change)."""
    before, after = index_entry(table, index, old), index_entry(table, index, new)
    if before is None and after is None:
        return 0.0
    if before is None:
        return write_capacity_units(_size(after))
    if after is None:
        return write_capacity_units(_size(before))
    keys_changed = any(before.get(k) != after.get(k) for k in index.schema_key_attrs)
    if keys_changed:
        return write_capacity_units(_size(before)) + write_capacity_units(_size(after))
    return write_capacity_units(_size(after)) if before != after else 0.0


def _spread(
    units: float, hash_values: list[Any], state: TableThroughput, table: Any
) -> dict[int, float]:
    """Share a read's units among the partitions its items came from."""
    if not hash_values:
        return {0: units} if units else {}
    counts: dict[int, int] = defaultdict(int)
    for hash_value in hash_values:
        counts[partition_of(key_bytes(hash_value), len(state.partitions)) if hash_value else 0] += 1
    total = sum(counts.values())
    return {p: units * n / total for p, n in counts.items()}
