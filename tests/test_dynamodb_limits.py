"""DynamoDB's hard throughput limits, as the developer guide states them.

- Per partition: 3,000 RCU and 1,000 WCU per second, which burst capacity cannot lift:
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html
  ("Burst capacity": "... cannot exceed the per-partition limits").
- On-demand tables: a new table's previous peak is 2,000 WRU / 6,000 RRU and it serves up to
  twice its previous peak; traffic above double the previous peak within 30 minutes
  throttles; the table quota (40,000 RRU and 40,000 WRU by default) caps it:
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html
  ("Initial throughput", "Peak traffic and scaling properties") and
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
"""

from __future__ import annotations

from types import SimpleNamespace

from workshop_lib.clock import VirtualClock
from workshop_lib.dynamodb.throttle import (
    ON_DEMAND_PEAK_DELAY_S,
    THROTTLES_KEPT,
    TIMELINE_WINDOW_S,
    ThroughputModel,
)


def _table(name, rcu=None, wcu=None):
    throughput = {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu} if rcu else {}
    mode = "PROVISIONED" if rcu else "PAY_PER_REQUEST"
    return SimpleNamespace(name=name, billing_mode=mode, throughput=throughput, global_indexes=[])


def _drive(model, table, per_second, units, seconds, partitions=None, kind="write"):
    """``per_second`` requests of ``units`` each, evenly over each second; what got in, per
    second. ``partitions``: which partition each request goes to (all to 0 if None)."""
    clock = model.clock
    admitted = []
    for _ in range(seconds):
        done = 0.0
        for n in range(per_second):
            state = model.sync(table)
            partition = 0 if partitions is None else n % min(partitions, len(state.partitions))
            if model.admit(state, kind, partition) is None:
                model.charge(state, kind, units, {partition: units}, {})
                done += units
            clock.advance(1 / per_second)
        admitted.append(done)
    return admitted


def test_one_partition_takes_1000_wcu_a_second_even_with_burst_capacity_saved():
    clock = VirtualClock()
    model = ThroughputModel(clock)  # 300 s of burst capacity, as AWS keeps
    table = _table("big", rcu=10_000, wcu=10_000)
    model.sync(table)
    clock.advance(300)  # five minutes unused: the table's burst bucket is full
    written = _drive(model, table, per_second=400, units=4, seconds=3)  # 1,600 WCU/s, one key
    assert written == [1000, 1000, 1000]  # never above the hard limit, also not the first second
    reads = _drive(model, table, per_second=1000, units=4, seconds=2, kind="read")
    assert reads == [3000, 3000]


def test_a_new_on_demand_table_serves_twice_its_previous_peak():
    clock = VirtualClock()
    model = ThroughputModel(clock)
    table = _table("votes")
    assert len(model.sync(table).partitions) == 4
    # 6,000 WRU a second over many partitions: 4,000 (2 x the initial 2,000 peak) get in
    written = _drive(model, table, per_second=1500, units=4, seconds=2, partitions=8)
    assert written == [4000, 4000]
    reads = _drive(model, table, per_second=4000, units=4, seconds=1, partitions=8, kind="read")
    assert reads == [12000]


def test_a_new_peak_doubles_the_allowance_after_30_minutes_up_to_the_table_quota():
    clock = VirtualClock()
    model = ThroughputModel(clock)
    table = _table("growing")
    assert _drive(model, table, per_second=1000, units=4, seconds=1, partitions=8) == [4000]
    clock.advance(29 * 60)  # within 30 minutes: still twice the old peak
    assert _drive(model, table, per_second=1500, units=4, seconds=1, partitions=8) == [4000]
    clock.advance(60)  # 30 minutes after the 4,000 second: twice that
    assert _drive(model, table, per_second=2500, units=4, seconds=1, partitions=8) == [8000]
    assert len(model.sync(table).partitions) >= 8  # partitions split to serve it
    for _ in range(4):  # keep doubling: 16,000, 32,000, then the quota
        clock.advance(30 * 60)
        got = _drive(model, table, per_second=1200, units=40, seconds=1, partitions=64)
    assert got == [40_000]  # the table quota: 40,000 WRU a second by default


def test_the_throttling_state_stays_bounded_over_a_long_run():
    """35 minutes of traffic (provisioned and on demand, admitted and throttled) keep a
    minute of timeline, the latest throttles, one second of each partition's window and
    at most 30 minutes of not-yet-peak seconds: the state does not grow with the run."""
    clock = VirtualClock()
    model = ThroughputModel(clock, burst_seconds=1)
    provisioned = _table("orders", rcu=1, wcu=1)
    on_demand = _table("votes")
    per_second, seconds = 2, 35 * 60
    for _ in range(per_second * seconds):
        for table in (provisioned, on_demand):
            state = model.sync(table)
            if model.admit(state, "write", 0) is None:
                model.charge(state, "write", 1, {0: 1}, {})
        clock.advance(1 / per_second)
    orders, votes = model.sync(provisioned), model.sync(on_demand)
    assert len(model.throttles) == THROTTLES_KEPT  # orders throttles half its writes
    for state in (orders, votes):
        assert len(state.timeline) <= TIMELINE_WINDOW_S * per_second + 1
        assert state.timeline[-1][0] - state.timeline[0][0] < TIMELINE_WINDOW_S
        assert all(
            len(limit.window) <= per_second + 1 for pair in state.partitions for limit in pair
        )
    assert len(votes.on_demand[1].seconds) <= ON_DEMAND_PEAK_DELAY_S + 1
