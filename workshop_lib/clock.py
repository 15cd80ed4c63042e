"""The sandbox's one clock: real time, or a virtual clock that a notebook can compress.

Every plug-in that waits (Lambda retries, DynamoDB throttling and TTL, usage-plan quotas)
reads and sleeps through this clock, so a notebook can show minutes of traffic in seconds
and print the same timestamps on every run.
"""

from __future__ import annotations

import threading
import time as _time
from datetime import datetime, timezone

#: The virtual clock's default start: fixed, so notebook output is the same on every run.
DEFAULT_START = datetime(2026, 1, 1, 9, 0, 0, tzinfo=timezone.utc)


class Clock:
    """Real wall-clock time; the interface every plug-in uses."""

    virtual = False

    def time(self) -> float:
        """Seconds since the epoch, like :func:`time.time`."""
        return _time.time()

    def monotonic(self) -> float:
        """A clock that never goes back, for measuring intervals."""
        return _time.monotonic()

    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        if seconds > 0:
            _time.sleep(seconds)

    def __repr__(self) -> str:
        return "Clock(real)"


class VirtualClock(Clock):
    """A clock that starts at a fixed instant and runs ``speed`` times faster than real time.

    ``speed=None`` (the default) freezes time between calls: it only moves when something
    sleeps or calls :meth:`advance`, so a sleep of 300 s returns at once and output is
    reproducible. ``speed=60`` compresses: one real second is a virtual minute, and a
    sleep of 60 virtual seconds takes one real second.
    """

    virtual = True

    def __init__(self, start: datetime = DEFAULT_START, speed: float | None = None) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive (or None for a frozen clock)")
        self._lock = threading.Lock()
        self._offset = start.timestamp()  # virtual seconds at the real anchor
        self._anchor = _time.monotonic()
        self.speed = speed

    def _elapsed(self) -> float:
        if self.speed is None:
            return 0.0
        return (_time.monotonic() - self._anchor) * self.speed

    def time(self) -> float:
        with self._lock:
            return self._offset + self._elapsed()

    def monotonic(self) -> float:
        return self.time()

    def advance(self, seconds: float) -> None:
        """Move virtual time forward without waiting."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._offset += seconds

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.speed is None:
            self.advance(seconds)
        else:
            _time.sleep(seconds / self.speed)

    def __repr__(self) -> str:
        mode = "frozen" if self.speed is None else f"x{self.speed:g}"
        return f"VirtualClock({self.now().isoformat()}, {mode})"


class SdkTime:
    """Stands in for the ``time`` module inside botocore's endpoint while a sandbox with a
    virtual clock runs (a seam, workshop_lib/seams.py): its retry back-off sleeps on that
    clock, everything else is real time."""

    def sleep(self, seconds: float) -> None:
        from workshop_lib import seams

        clock = seams.holder("clock")
        (clock.sleep if clock is not None else _time.sleep)(seconds)

    def __getattr__(self, name: str) -> object:
        return getattr(_time, name)


SDK_TIME = SdkTime()


def route_sdk_sleeps(clock: Clock | None) -> None:
    """Make boto3's retry back-off sleep on ``clock`` (``None``: real time again)."""
    from workshop_lib import seams

    if clock is not None and clock.virtual:
        seams.install("clock", clock)
    else:
        seams.uninstall("clock", seams.holder("clock"))


def make_clock(spec: Clock | str | float | None) -> Clock:
    """Build a clock from the sandbox's ``clock=`` argument.

    ``None`` or ``"real"`` → real time; ``"virtual"`` → frozen virtual time;
    a number → virtual time compressed by that factor; a :class:`Clock` is used as is.
    """
    if isinstance(spec, Clock):
        return spec
    if spec is None or spec == "real":
        return Clock()
    if spec == "virtual":
        return VirtualClock()
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return VirtualClock(speed=float(spec))
    raise ValueError(
        f"clock={spec!r} is not understood: use 'real', 'virtual', a speed-up factor such as "
        "60, or a Clock object"
    )


__all__ = ["DEFAULT_START", "Clock", "VirtualClock", "make_clock", "route_sdk_sleeps"]
