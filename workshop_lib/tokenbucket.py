"""A token bucket on the sandbox's clock: what API Gateway's throttles are.

``rate`` tokens a second flow in up to ``burst``; each request takes one, and a request that
finds none is throttled. The caller passes the time, so the bucket runs on any clock (real,
virtual or sped up) and tests can step through it.
"""

from __future__ import annotations


class TokenBucket:
    """``rate`` per second, ``burst`` deep, full at ``now``."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst, self.tokens, self.updated = rate, burst, burst, now

    def take(self, now: float) -> bool:
        """Take one token at time ``now``; False (and nothing taken) if there is none."""
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
