"""The one token bucket every throttle uses (usage plans, HTTP API routes, DynamoDB)."""

from __future__ import annotations

from workshop_lib.tokenbucket import TokenBucket


def test_take_refuses_without_taking_and_refills_at_the_rate_up_to_the_burst():
    bucket = TokenBucket(rate=2.0, burst=3.0, now=100.0)
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.tokens == 0.0  # the refused take left nothing owing
    assert bucket.take(100.5) and not bucket.take(100.5)  # half a second: one token
    assert bucket.refill(200.0) == 3.0  # a long pause fills it to the burst, no further
    assert not bucket.take(200.0, units=4.0) and bucket.tokens == 3.0


def test_charge_may_leave_a_debt_that_the_refill_pays_off_first():
    bucket = TokenBucket(rate=1.0, burst=10.0, now=0.0)
    bucket.charge(0.0, 25.0)  # DynamoDB: an admitted request is charged in full
    assert bucket.refill(0.0) == -15.0
    assert bucket.refill(14.0) == -1.0  # still nothing to admit
    assert bucket.refill(16.0) == 1.0


def test_resize_keeps_what_the_bucket_holds_up_to_the_new_burst():
    bucket = TokenBucket(rate=5.0, burst=50.0, now=0.0)
    bucket.charge(0.0, 20.0)  # 30 left
    bucket.resize(2.0, rate=1.0, burst=100.0)  # refilled at the old rate until now: 40
    assert bucket.tokens == 40.0 and bucket.refill(12.0) == 50.0  # then the new rate
    bucket.resize(12.0, rate=1.0, burst=10.0)
    assert bucket.tokens == 10.0
    assert bucket.refill(11.0) == 10.0  # a clock that steps back adds nothing
