"""EventBridge schedule expressions: ``rate(5 minutes)`` and ``cron(0 12 * * ? *)``.

The rules of the EventBridge user guide ("Schedule expressions for rules",
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html):
a rate is a positive whole number and ``minute(s)``, ``hour(s)`` or ``day(s)`` (singular
for 1), counted from when the rule was created; a cron has six fields, minutes, hours,
day-of-month, month, day-of-week (1-7 is SUN-SAT) and year, all in UTC, with ``*``, ``,``,
``-``, ``/``, and ``?`` in exactly one of the two day fields. ``L``, ``W`` and ``#`` are
refused here with a one-line error (the sandbox does not fire them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DAYS = "SUN MON TUE WED THU FRI SAT".split()
#: (name, smallest, largest, names counted from ``smallest``)
_FIELDS = (
    ("minutes", 0, 59, None),
    ("hours", 0, 23, None),
    ("day-of-month", 1, 31, None),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, None),
)


class ScheduleError(ValueError):
    """A schedule expression EventBridge would refuse (or the sandbox cannot fire)."""


@dataclass(frozen=True)
class Rate:
    seconds: int

    def occurrences(self, start: float, after: float, until: float) -> list[float]:
        """Fire times in ``(after, until]`` of a rate counted from ``start``."""
        if until <= start:
            return []
        first = int(max(0.0, after - start) // self.seconds) + 1
        times = []
        k = first
        while start + k * self.seconds <= until:
            times.append(start + k * self.seconds)
            k += 1
        return times


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: "?"
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 1-7, SUN-SAT; None: "?"
    years: frozenset[int]

    def matches(self, moment: datetime) -> bool:
        weekday = (moment.isoweekday() % 7) + 1  # Sunday 1 ... Saturday 7
        return (
            moment.year in self.years
            and moment.month in self.months
            and (self.days is None or moment.day in self.days)
            and (self.weekdays is None or weekday in self.weekdays)
            and moment.hour in self.hours
            and moment.minute in self.minutes
        )

    def occurrences(self, start: float, after: float, until: float) -> list[float]:
        """Fire times in ``(after, until]`` (whole minutes, UTC)."""
        moment = datetime.fromtimestamp(after, tz=timezone.utc).replace(second=0, microsecond=0)
        moment += timedelta(minutes=1)
        end = datetime.fromtimestamp(until, tz=timezone.utc)
        times = []
        while moment <= end and moment.year <= max(self.years):
            if moment.year not in self.years or moment.month not in self.months:
                moment = (moment.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(
                    day=1
                )
                continue
            day_ok = (self.days is None or moment.day in self.days) and (
                self.weekdays is None or (moment.isoweekday() % 7) + 1 in self.weekdays
            )
            if not day_ok:
                moment = moment.replace(hour=0, minute=0) + timedelta(days=1)
                continue
            if moment.hour not in self.hours:
                moment = moment.replace(minute=0) + timedelta(hours=1)
                continue
            if moment.minute in self.minutes:
                times.append(moment.timestamp())
            moment += timedelta(minutes=1)
        return times


def parse(expression: str) -> Rate | Cron:
    """A schedule from its expression; :class:`ScheduleError` saying what is wrong."""
    text = (expression or "").strip()
    rate = _RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise ScheduleError(f"{text}: the rate must be a positive whole number")
        if (value == 1) != (not unit.endswith("s")):
            raise ScheduleError(
                f"{text}: write 'rate(1 {unit.rstrip('s')})' for one and "
                f"'rate({value} {unit.rstrip('s')}s)' for more"
            )
        return Rate(value * _UNITS[unit.rstrip("s")])
    if text.startswith("cron(") and text.endswith(")"):
        return _cron(text, text[5:-1].split())
    raise ScheduleError(
        f"{text!r} is not a schedule expression: write rate(5 minutes) or cron(0 12 * * ? *)"
    )


def _cron(text: str, fields: list[str]) -> Cron:
    if len(fields) != 6:
        raise ScheduleError(
            f"{text}: a cron has six fields (minutes hours day-of-month month day-of-week "
            f"year), this one has {len(fields)}"
        )
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ScheduleError(
            f"{text}: put '?' in exactly one of day-of-month and day-of-week "
            "(for example cron(0 12 * * ? *))"
        )
    values = []
    for (name, low, high, names), field in zip(_FIELDS, fields, strict=True):
        if field == "?":
            values.append(None)
            continue
        if any(c in field for c in "LW#"):
            raise ScheduleError(f"{text}: {name} {field!r} (L, W, #) is not fired by the sandbox")
        values.append(frozenset(_field(text, name, field, low, high, names)))
    return Cron(*values)


def _field(text: str, name: str, field: str, low: int, high: int, names: list | None) -> set[int]:
    found: set[int] = set()
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        step = _number(text, name, step_text, 1, high, None) if step_text else 1
        if body == "*":
            first, last = low, high
        elif "-" in body:
            a, b = body.split("-", 1)
            first, last = (_number(text, name, x, low, high, names) for x in (a, b))
        else:
            first = _number(text, name, body, low, high, names)
            last = high if step_text else first
        if first > last:
            raise ScheduleError(f"{text}: {name} range {body!r} runs backwards")
        found.update(range(first, last + 1, step))
    return found


def _number(text: str, name: str, token: str, low: int, high: int, names: list | None) -> int:
    if names and token.upper() in names:
        return names.index(token.upper()) + low
    if not token.isdigit() or not low <= int(token) <= high:
        raise ScheduleError(f"{text}: {name} {token!r} is not between {low} and {high}")
    return int(token)
