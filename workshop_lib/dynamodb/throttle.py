"""Throughput limits on the sandbox clock: provisioned throughput, burst capacity,
partitions, on-demand tables.

A provisioned table (and each GSI) refills at its RCU / WCU per second and keeps up to
``burst_seconds`` (AWS: 300 s) of unused capacity: a :class:`~workshop_lib.tokenbucket.TokenBucket`,
the one API Gateway's throttles use. Every table is also split into
partitions, placed by the hash of the partition key, each with DynamoDB's hard limit of
3,000 RCU and 1,000 WCU in any one second, which burst capacity cannot lift: a hot key
throttles even when the table has room. An on-demand table serves up to twice its previous
peak (a new table's previous peak is 2,000 WRU / 6,000 RRU); a new peak counts towards that
30 minutes later, and the table's quota (40,000 of each by default) caps it.
A request is admitted while its limits have room; what it consumed is then charged, which
may go past a limit by that one request (DynamoDB lets a request finish, then throttles).
Sources: the DynamoDB developer guide's "Burst and adaptive capacity"
(burst-adaptive-capacity.html), "On-demand capacity mode" (initial throughput, peak
traffic) and "Service quotas" (ServiceQuotas.html).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from workshop_lib.clock import Clock
from workshop_lib.dynamodb.capacity import partitions as partition_count
from workshop_lib.facts import value
from workshop_lib.tokenbucket import TokenBucket

#: a new on-demand table's "previous peak" (developer guide, on-demand initial throughput):
#: it serves twice that at once, 12,000 RRU / 4,000 WRU
ON_DEMAND_INITIAL_PEAK = {"read": 6000.0, "write": 2000.0}
ON_DEMAND_PEAK_DELAY_S = 30 * 60  # a new peak raises the allowance after 30 minutes
#: a new on-demand table's partitions: 12,000 RRU / 3,000 per partition = 4,000 WRU / 1,000
ON_DEMAND_PARTITIONS = 4
#: how much history a table keeps for :func:`~workshop_lib.dynamodb.workload.partition_heatmap`:
#: the consumed units of the last minute on the sandbox clock; older ones are dropped
TIMELINE_WINDOW_S = 60.0
#: how many throttling events the model keeps (the latest), for tests and plots
THROTTLES_KEPT = 1000


class PerSecondLimit:
    """A hard limit: at most ``limit`` units in any one second (a sliding window), with no
    burst above it. Not a token bucket: a full bucket ``limit`` deep would admit its depth
    and then what flows in during the same second, nearly twice the limit in the first one.
    """

    def __init__(self, limit: float, clock: Clock) -> None:
        self.clock = clock
        self.limit = float(limit)
        self.window: deque[tuple[float, float]] = deque()
        self.used = 0.0

    def available(self) -> float:
        now = self.clock.time()
        while self.window and self.window[0][0] <= now - 1.0:
            self.used -= self.window.popleft()[1]
        if not self.window:
            self.used = 0.0  # no float drift once the window is empty
        return self.limit - self.used

    def consume(self, units: float) -> None:
        self.available()
        self.window.append((self.clock.time(), units))
        self.used += units


class OnDemandAllowance:
    """What an on-demand table serves of one kind (read or write) per second: twice its
    previous peak, where a second's traffic counts as a peak 30 minutes after it happened,
    never more than the table's quota."""

    def __init__(self, kind: str, quota: float, clock: Clock) -> None:
        self.clock = clock
        self.quota = float(quota)
        self.peak = ON_DEMAND_INITIAL_PEAK[kind]
        self.limit = PerSecondLimit(self.allowed(), clock)
        self.seconds: deque[list[float]] = deque()  # [second, level], not yet a peak

    def allowed(self) -> float:
        return min(self.quota, 2 * self.peak)

    def available(self) -> float:
        now = self.clock.time()
        while self.seconds and self.seconds[0][0] <= now - ON_DEMAND_PEAK_DELAY_S:
            self.peak = max(self.peak, self.seconds.popleft()[1])
        self.limit.limit = self.allowed()
        return self.limit.available()

    def consume(self, units: float) -> None:
        self.limit.consume(units)
        # the traffic level: the units of the last second (a sliding window), highest per
        # second of the clock, so a burst that straddles two seconds counts whole
        second, level = math.floor(self.clock.time()), self.limit.used
        if self.seconds and self.seconds[-1][0] == second:
            self.seconds[-1][1] = max(self.seconds[-1][1], level)
        else:
            self.seconds.append([second, level])


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
    """The buckets of one table: table level, per GSI, per partition; and what was used in
    the last :data:`TIMELINE_WINDOW_S` seconds, as ``(time, partition, kind, units)``."""

    name: str
    provisioned: bool
    read: TokenBucket | None
    write: TokenBucket | None
    indexes: dict[str, tuple[TokenBucket, TokenBucket]]
    partitions: list[tuple[PerSecondLimit, PerSecondLimit]]
    on_demand: tuple[OnDemandAllowance, OnDemandAllowance] | None = None  # (read, write)
    timeline: deque[tuple[float, int, str, float]] = field(default_factory=deque)


class ThroughputModel:
    """Buckets for every table of a sandbox, kept in step with the tables' settings."""

    def __init__(self, clock: Clock, burst_seconds: float | None = None) -> None:
        self.clock = clock
        self.burst_seconds = (
            float(value("dynamodb.burst_capacity_s")) if burst_seconds is None else burst_seconds
        )
        self.tables: dict[str, TableThroughput] = {}
        self.throttles: deque[Throttle] = deque(maxlen=THROTTLES_KEPT)
        self.lock = threading.RLock()

    def bucket(self, rate: float) -> TokenBucket:
        """A bucket refilling at ``rate`` units a second that keeps ``burst_seconds`` of them."""
        return TokenBucket(float(rate), float(rate) * self.burst_seconds, self.clock.time())

    def set_rate(self, bucket: TokenBucket, rate: float) -> None:
        """UpdateTable: a new rate; the unused capacity stays, up to the new depth."""
        bucket.resize(self.clock.time(), float(rate), float(rate) * self.burst_seconds)

    def sync(self, table: Any) -> TableThroughput:
        """Create or update the buckets of moto ``table`` from its current settings."""
        with self.lock:
            provisioned = table.billing_mode != "PAY_PER_REQUEST"
            rcu = float(table.throughput.get("ReadCapacityUnits") or 0)
            wcu = float(table.throughput.get("WriteCapacityUnits") or 0)
            per_rcu = float(value("dynamodb.partition_max_rcu"))
            per_wcu = float(value("dynamodb.partition_max_wcu"))
            state = self.tables.get(table.name)
            if state is None or state.provisioned != provisioned:
                state = TableThroughput(
                    table.name,
                    provisioned,
                    self.bucket(rcu) if provisioned else None,
                    self.bucket(wcu) if provisioned else None,
                    {},
                    [],
                )
                if not provisioned:
                    state.on_demand = (
                        OnDemandAllowance(
                            "read", float(value("dynamodb.table_max_rcu")), self.clock
                        ),
                        OnDemandAllowance(
                            "write", float(value("dynamodb.table_max_wcu")), self.clock
                        ),
                    )
                self.tables[table.name] = state
            elif provisioned:
                self.set_rate(state.read, rcu)
                self.set_rate(state.write, wcu)
            if provisioned:
                count = partition_count(rcu, wcu)
            else:  # enough partitions for what the table may serve now
                read, write = state.on_demand
                read.available()
                write.available()
                count = max(
                    ON_DEMAND_PARTITIONS,
                    math.ceil(read.allowed() / per_rcu),
                    math.ceil(write.allowed() / per_wcu),
                )
            while len(state.partitions) < count:  # partitions split, never merge
                state.partitions.append(
                    (PerSecondLimit(per_rcu, self.clock), PerSecondLimit(per_wcu, self.clock))
                )
            gsis = {}
            for index in table.global_indexes:
                throughput = getattr(index, "throughput", None) or {}
                r = float(throughput.get("ReadCapacityUnits") or 0)
                w = float(throughput.get("WriteCapacityUnits") or 0)
                old = state.indexes.get(index.name)
                if old is not None:
                    self.set_rate(old[0], r)
                    self.set_rate(old[1], w)
                    gsis[index.name] = old
                else:
                    gsis[index.name] = (self.bucket(r), self.bucket(w))
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
            now = self.clock.time()
            if state.provisioned:
                table_bucket = state.read if kind == "read" else state.write
                if table_bucket.refill(now) <= 0:
                    return self._refuse(state, kind, "table")
                for name in indexes:
                    if name in state.indexes and state.indexes[name][slot].refill(now) <= 0:
                        return self._refuse(state, kind, f"index:{name}")
            elif state.on_demand is not None and state.on_demand[slot].available() <= 0:
                return self._refuse(state, kind, "table")
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
                (state.read if kind == "read" else state.write).charge(now, table_units)
                for name, units in index_units.items():
                    if name in state.indexes:
                        state.indexes[name][slot].charge(now, units)
            elif state.on_demand is not None:
                state.on_demand[slot].consume(table_units)
            for partition, units in partition_units.items():
                state.partitions[partition][slot].consume(units)
                state.timeline.append((now, partition, kind, units))
            while state.timeline and state.timeline[0][0] <= now - TIMELINE_WINDOW_S:
                state.timeline.popleft()
