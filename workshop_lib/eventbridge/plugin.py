"""The EventBridge plug-in: scheduled rules fire on the sandbox's clock.

moto stores rules with a ``ScheduleExpression`` and their targets but never fires them. Here
a scheduler looks at every enabled scheduled rule of the sandbox, works out the times it was
due since it last looked (a rate counts from when the rule was first seen, a cron on UTC
minutes), and sends each Lambda target the event EventBridge sends ("Scheduled Event", with
the rule's ARN in ``resources``), or the target's ``Input`` / ``InputPath``, as an
asynchronous invocation, as EventBridge does. On a virtual clock nothing fires until the
clock moves: a schedule never makes time pass by itself.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from workshop_lib.eventbridge.schedule import ScheduleError, parse

if TYPE_CHECKING:
    from workshop_lib.sandbox import Sandbox

POLL_INTERVAL_S = 0.05
#: at most this many missed firings of one rule are sent at once (a clock moved by a year)
MAX_CATCH_UP = 100
log = logging.getLogger(__name__)


class SchedulerPlugin:
    """Fires the sandbox's scheduled EventBridge rules at their Lambda targets."""

    name = "eventbridge"

    def __init__(self) -> None:
        self.aws: Sandbox | None = None
        self.fired: list[tuple[str, str, float]] = []  # (rule, target ARN, due time)
        self._seen: dict[str, tuple[str, float, float]] = {}  # arn -> (expression, created, last)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._ticking = threading.Lock()  # one round at a time: the poller's or a caller's

    def install(self, aws: Sandbox) -> None:
        self.aws = aws
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="eventbridge-cron")
        self._thread.start()

    def uninstall(self, aws: Sandbox) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def reset(self, aws: Sandbox) -> None:
        with self._lock:
            self._seen.clear()
            self.fired.clear()

    def _loop(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            try:
                self.tick()
            except Exception:  # a rule or function deleted mid-round: next round
                log.debug("scheduler round failed", exc_info=True)

    def _rules(self) -> list[Any]:
        from moto.events.models import events_backends

        backend = events_backends[self.aws.account_id][self.aws.region]
        return [
            rule
            for bus in list(backend.event_buses.values())
            for rule in list(bus.rules.values())
            if rule.scheduled_expression
        ]

    def tick(self) -> int:
        """Fire what is due now; the number of invocations sent (the poller fires what is due
        every 50 ms too: :attr:`fired` lists every invocation sent, by either)."""
        with self._ticking:
            return self._tick()

    def _tick(self) -> int:
        now = self.aws.clock.time()
        sent = 0
        live = set()
        for rule in self._rules():
            live.add(rule.arn)
            with self._lock:
                expression, created, last = self._seen.get(rule.arn, (None, now, now))
                if expression != rule.scheduled_expression:  # new, or rescheduled
                    created = last = now
                self._seen[rule.arn] = (rule.scheduled_expression, created, now)
            if rule.state != "ENABLED":
                continue
            try:
                schedule = parse(rule.scheduled_expression)
            except ScheduleError as exc:
                log.warning("rule %s is not fired: %s", rule.name, exc)
                continue
            due = schedule.occurrences(created, last, now)[-MAX_CATCH_UP:]
            for moment in due:
                sent += self._fire(rule, moment)
        with self._lock:
            for arn in set(self._seen) - live:
                del self._seen[arn]
        return sent

    def _fire(self, rule: Any, moment: float) -> int:
        event = {
            "version": "0",
            "id": self.aws.ids.uuid4(),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.aws.account_id,
            "time": datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.aws.region,
            "resources": [rule.arn],
            "detail": {},
        }
        lam = self.aws.plugin("lambda")
        sent = 0
        for target in rule.targets:
            arn = target.get("Arn", "")
            if ":lambda:" not in arn or ":function:" not in arn:
                continue  # only Lambda targets are run here
            payload = _payload(event, target)
            if payload is None:
                continue
            fn = lam.function(arn)
            lam.queue.submit(fn, payload, request_id=self.aws.ids.uuid4())
            with self._lock:
                self.fired.append((rule.name, arn, moment))
            sent += 1
        return sent


def _payload(event: dict[str, Any], target: dict[str, Any]) -> str | None:
    """What a target gets: its constant ``Input``, the ``InputPath`` part of the event, or
    the event (``InputTransformer`` is not emulated: the target is skipped, with a log)."""
    if target.get("Input") is not None:
        return str(target["Input"])
    if target.get("InputPath"):
        value: Any = event
        for part in str(target["InputPath"]).removeprefix("$").strip(".").split("."):
            if part:
                value = value.get(part) if isinstance(value, dict) else None
        return json.dumps(value)
    if target.get("InputTransformer"):
        log.warning(
            "target %s uses an InputTransformer, which the sandbox does not emulate",
            target.get("Id"),
        )
        return None
    return json.dumps(event)
