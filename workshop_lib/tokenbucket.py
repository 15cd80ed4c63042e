"""A token bucket on the sandbox's clock: API Gateway's throttles and DynamoDB's capacity.

``rate`` tokens a second flow in up to ``burst``. API Gateway takes one token per request
and throttles a request that finds none (:meth:`TokenBucket.take`). DynamoDB admits a
request while the bucket holds any capacity and charges what the request consumed once it
is done (:meth:`TokenBucket.charge`), which may leave the bucket in debt by that one
request. The caller passes the time, so the bucket runs on any clock (real, virtual or sped
up) and tests can step through it.
"""

from __future__ import annotations


class TokenBucket:
    """``rate`` per second, ``burst`` deep, full at ``now``."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst, self.tokens, self.updated = rate, burst, burst, now

    def refill(self, now: float) -> float:
        """The tokens held at time ``now`` (what flowed in since the last call, capped)."""
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        return self.tokens

    def take(self, now: float, units: float = 1.0) -> bool:
        """Take ``units`` at time ``now``; False (and nothing taken) if there are fewer."""
        if self.refill(now) < units:
            return False
        self.tokens -= units
        return True

    def charge(self, now: float, units: float) -> None:
        """Take ``units`` at time ``now`` even if that leaves the bucket below zero."""
        self.refill(now)
        self.tokens -= units

    def resize(self, now: float, rate: float, burst: float) -> None:
        """A new rate and depth from ``now`` on, keeping what the bucket holds (up to ``burst``)."""
        self.refill(now)
        self.rate, self.burst = rate, burst
        self.tokens = min(self.tokens, burst)
