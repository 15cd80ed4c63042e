"""Token buckets on the sandbox clock: provisioned throughput, burst capacity, partitions.

A provisioned table (and each GSI) refills at its RCU / WCU per second and keeps up to
``burst_seconds`` (AWS: 300 s) of unused capacity. Every table is also split into
partitions, placed by the hash of the partition key, each with DynamoDB's hard limit of
3,000 RCU and 1,000 WCU per second: a hot key throttles even when the table has room.
A request is admitted while its buckets hold tokens; what it consumed is then charged,
which may take a bucket below zero (DynamoDB lets a request finish, then throttles).
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from workshop_lib.clock import Clock
from workshop_lib.dynamodb.capacity import partitions as partition_count
from workshop_lib.facts import value

ON_DEMAND_PARTITIONS = 4  # new on-demand tables serve up to 4,000 WCU / 12,000 RCU
PARTITION_BURST_S = 0.5  # a partition's hard per-second limit leaves little room to burst


class TokenBucket:
    """Capacity units that refill at ``rate`` per second up to ``rate * burst_seconds``."""

    def __init__(self, rate: float, burst_seconds: float, clock: Clock) -> None:
        self.clock = clock
        self.rate = float(rate)
        self.burst_seconds = burst_seconds
        self.tokens = self.capacity
        self.updated = clock.time()

    @property
    def capacity(self) -> float:
        return self.rate * self.burst_seconds

    def available(self) -> float:
        now = self.clock.time()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return self.tokens

    def consume(self, units: float) -> None:
        self.available()
        self.tokens -= units

    def set_rate(self, rate: float) -> None:
        self.available()
        self.rate = float(rate)
        self.tokens = min(self.tokens, self.capacity)


def partition_of(key: bytes, count: int) -> int:
    """Which of ``count`` partitions a partition-key value lands in (hash ranges)."""
    digest = int.from_bytes(hashlib.md5(key).digest(), "big")  # noqa: S324 - placement only
    return digest * count >> 128


@dataclass
class Throttle:
    """One throttling event, for plots and tests."""

    time: float
    table: str
    kind: str  # "read" or "write"
    scope: str  # "table", "index:NAME" or "partition:N"


@dataclass
class TableThroughput:
    """The buckets of one table: table level, per GSI, per partition; and what was used."""

    name: str
    provisioned: bool
    read: TokenBucket | None
    write: TokenBucket | None
    indexes: dict[str, tuple[TokenBucket, TokenBucket]]
    partitions: list[tuple[TokenBucket, TokenBucket]]
    usage: dict[int, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: {"read": 0.0, "write": 0.0})
    )
    timeline: list[tuple[float, int, str, float]] = field(default_factory=list)


class ThroughputModel:
    """Buckets for every table of a sandbox, kept in step with the tables' settings."""

    def __init__(self, clock: Clock, burst_seconds: float | None = None) -> None:
        self.clock = clock
        self.burst_seconds = (
            float(value("dynamodb.burst_capacity_s")) if burst_seconds is None else burst_seconds
        )
        self.tables: dict[str, TableThroughput] = {}
        self.throttles: list[Throttle] = []
        self.lock = threading.RLock()

    def _bucket(self, rate: float) -> TokenBucket:
        return TokenBucket(rate, self.burst_seconds, self.clock)

    def sync(self, table: Any) -> TableThroughput:
        """Create or update the buckets of moto ``table`` from its current settings."""
        with self.lock:
            provisioned = table.billing_mode != "PAY_PER_REQUEST"
            rcu = float(table.throughput.get("ReadCapacityUnits") or 0)
            wcu = float(table.throughput.get("WriteCapacityUnits") or 0)
            count = partition_count(rcu, wcu) if provisioned else ON_DEMAND_PARTITIONS
            state = self.tables.get(table.name)
            if state is None or state.provisioned != provisioned:
                state = TableThroughput(
                    table.name,
                    provisioned,
                    self._bucket(rcu) if provisioned else None,
                    self._bucket(wcu) if provisioned else None,
                    {},
                    [],
                )
                self.tables[table.name] = state
            elif provisioned:
                state.read.set_rate(rcu)
                state.write.set_rate(wcu)
            per_rcu = float(value("dynamodb.partition_max_rcu"))
            per_wcu = float(value("dynamodb.partition_max_wcu"))
            while len(state.partitions) < count:  # partitions split, never merge
                state.partitions.append(
                    (
                        TokenBucket(per_rcu, PARTITION_BURST_S, self.clock),
                        TokenBucket(per_wcu, PARTITION_BURST_S, self.clock),
                    )
                )
            gsis = {}
            for index in table.global_indexes:
                throughput = getattr(index, "throughput", None) or {}
                r = float(throughput.get("ReadCapacityUnits") or 0)
                w = float(throughput.get("WriteCapacityUnits") or 0)
                old = state.indexes.get(index.name)
                if old is not None:
                    old[0].set_rate(r)
                    old[1].set_rate(w)
                    gsis[index.name] = old
                else:
                    gsis[index.name] = (self._bucket(r), self._bucket(w))
            state.indexes = gsis if provisioned else {}
            return state

    def drop(self, name: str) -> None:
        with self.lock:
            self.tables.pop(name, None)

    # -- admission and charging ---------------------------------------------------------------
    def admit(
        self, state: TableThroughput, kind: str, partition: int | None, indexes: list[str] = ()
    ) -> str | None:
        """The scope that refuses the request (None: admitted)."""
        with self.lock:
            slot = 0 if kind == "read" else 1
            if state.provisioned:
                table_bucket = state.read if kind == "read" else state.write
                if table_bucket.available() <= 0:
                    return self._refuse(state, kind, "table")
                for name in indexes:
                    if name in state.indexes and state.indexes[name][slot].available() <= 0:
                        return self._refuse(state, kind, f"index:{name}")
            if partition is not None and state.partitions[partition][slot].available() <= 0:
                return self._refuse(state, kind, f"partition:{partition}")
            return None

    def _refuse(self, state: TableThroughput, kind: str, scope: str) -> str:
        self.throttles.append(Throttle(self.clock.time(), state.name, kind, scope))
        return scope

    def charge(
        self,
        state: TableThroughput,
        kind: str,
        table_units: float,
        partition_units: dict[int, float],
        index_units: dict[str, float],
    ) -> None:
        """Take consumed units from the buckets and record them per partition."""
        with self.lock:
            slot = 0 if kind == "read" else 1
            now = self.clock.time()
            if state.provisioned:
                (state.read if kind == "read" else state.write).consume(table_units)
                for name, units in index_units.items():
                    if name in state.indexes:
                        state.indexes[name][slot].consume(units)
            for partition, units in partition_units.items():
                state.partitions[partition][slot].consume(units)
                state.usage[partition][kind] += units
                state.timeline.append((now, partition, kind, units))
