"""Seeded identifiers, so the sandbox prints the same request ids on every run.

AWS request ids are random UUIDs; a course that compares notebook output strictly needs
them repeatable. A seed gives a repeatable sequence; ``seed=None`` gives real randomness.
"""

from __future__ import annotations

import random
import threading
import uuid


class IdGenerator:
    """Makes UUIDs and hex ids from one seeded stream."""

    def __init__(self, seed: int | None = 0) -> None:
        self.seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()  # concurrent invocations draw ids from many threads

    def reseed(self, seed: int | None = None) -> None:
        """Start the sequence again (from ``seed``, or from the original seed)."""
        self._random = random.Random(self.seed if seed is None else seed)

    def uuid4(self) -> str:
        """A version-4 UUID string such as AWS uses for request ids."""
        if self.seed is None:
            return str(uuid.uuid4())
        with self._lock:
            bits = self._random.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))

    def hex(self, length: int = 32) -> str:
        """``length`` lowercase hex digits (log stream suffixes, API ids)."""
        if self.seed is None:
            return uuid.uuid4().hex[:length] if length <= 32 else random.randbytes(length).hex()
        with self._lock:
            return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def __repr__(self) -> str:
        return f"IdGenerator(seed={self.seed!r})"
