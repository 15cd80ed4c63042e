"""Scheduled EventBridge rules: expressions parsed as the EventBridge user guide defines them
("Schedule expressions for rules"), and rules fired at Lambda targets on the sandbox clock."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timezone

import pytest

from tests.lambda_helpers import create
from workshop_lib import sandbox
from workshop_lib.eventbridge.schedule import Cron, Rate, ScheduleError, parse
from workshop_lib.framework import sls

T0 = datetime(2026, 1, 1, 9, 0, 0, tzinfo=timezone.utc).timestamp()  # a Thursday


def at(*args):
    return datetime(*args, tzinfo=timezone.utc).timestamp()


def test_rates_count_from_creation():
    assert parse("rate(5 minutes)") == Rate(300)
    assert parse("rate(1 day)") == Rate(86400)
    assert parse("rate(5 minutes)").occurrences(T0, T0, T0 + 901) == [T0 + 300, T0 + 600, T0 + 900]
    assert parse("rate(1 hour)").occurrences(T0, T0 + 3600, T0 + 3600) == []


def jan(day, hour=0, minute=0):
    return at(2026, 1, day, hour, minute)


@pytest.mark.parametrize(
    ("expression", "after", "until", "expected"),
    [
        ("cron(0 12 * * ? *)", jan(1, 9), jan(3), [jan(1, 12), jan(2, 12)]),
        ("cron(15 10 ? * MON-FRI *)", jan(2), jan(6), [jan(2, 10, 15), jan(5, 10, 15)]),
        (
            "cron(0/20 8 1 JAN ? 2026)",
            jan(1),
            at(2026, 2, 1),
            [jan(1, 8), jan(1, 8, 20), jan(1, 8, 40)],
        ),
        ("cron(0 18 ? * 1 *)", jan(1), jan(12), [jan(4, 18), jan(11, 18)]),  # 1 is Sunday
    ],
)
def test_crons_fire_on_utc_minutes(expression, after, until, expected):
    schedule = parse(expression)
    assert isinstance(schedule, Cron)
    assert schedule.occurrences(after, after, until) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(1 minutes)", "write 'rate(1 minute)'"),
        ("rate(5 minute)", "'rate(5 minutes)'"),
        ("rate(0 hours)", "positive"),
        ("cron(0 12 * * * *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 12 * *)", "six fields"),
        ("cron(61 12 * * ? *)", "minutes '61' is not between 0 and 59"),
        ("cron(0 12 L * ? *)", "not fired by the sandbox"),
        ("every 5 minutes", "is not a schedule expression"),
    ],
)
def test_wrong_expressions_say_what_to_write(expression, message):
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(expression)


RECORDER = """
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    return event
"""


def events_of(aws, name):
    logs = aws.client("logs")
    found = []
    for stream in logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]:
        for item in logs.get_log_events(
            logGroupName=f"/aws/lambda/{name}", logStreamName=stream["logStreamName"]
        )["events"]:
            if item["message"].startswith("EVENT "):
                found.append(json.loads(item["message"][6:]))
    return found


def test_a_scheduled_rule_fires_only_when_the_virtual_clock_moves():
    with sandbox(clock="virtual") as aws:
        fn = create(aws, "nightly", RECORDER)
        events = aws.client("events")
        events.put_rule(Name="every-5", ScheduleExpression="rate(5 minutes)")
        events.put_targets(
            Rule="every-5",
            Targets=[{"Id": "1", "Arn": fn["FunctionArn"], "Input": '{"job": "cleanup"}'}],
        )
        events.put_rule(Name="noon", ScheduleExpression="cron(0 12 * * ? *)")
        events.put_targets(Rule="noon", Targets=[{"Id": "1", "Arn": fn["FunctionArn"]}])
        scheduler = aws.plugin("eventbridge")
        scheduler.tick()  # the rules are seen: nothing is due yet
        # the poller may fire a round before the test's own tick: count what was sent in all
        scheduler.tick()
        assert len(scheduler.fired) == 0
        aws.clock.sleep(11 * 60)
        scheduler.tick()
        assert len(scheduler.fired) == 2
        aws.clock.sleep(3 * 3600)  # past noon (09:11 + 3 h)
        scheduler.tick()
        assert len(scheduler.fired) == 2 + 36 + 1
        assert aws.plugin("lambda").queue.wait_idle(30)
        got = events_of(aws, "nightly")
        assert sum(1 for e in got if e == {"job": "cleanup"}) == 38
        (noon,) = [e for e in got if e.get("detail-type") == "Scheduled Event"]
        assert noon["time"] == "2026-01-01T12:00:00Z" and noon["source"] == "aws.events"
        assert noon["resources"] == [events.describe_rule(Name="noon")["Arn"]]


@pytest.mark.slow
def test_a_deployed_schedule_event_fires_with_its_input(tmp_path):
    (tmp_path / "serverless.yml").write_text(
        textwrap.dedent(
            """
            service: cron
            provider: {name: aws, runtime: python3.12}
            functions:
              tidy:
                handler: handler.handler
                events:
                  - schedule:
                      rate: [rate(1 hour)]
                      input: {task: tidy}
            """
        )
    )
    (tmp_path / "handler.py").write_text(RECORDER)
    with sandbox(clock="virtual") as aws:
        sls("deploy", service=str(tmp_path))
        scheduler = aws.plugin("eventbridge")
        scheduler.tick()
        aws.clock.sleep(2 * 3600 + 1)
        assert scheduler.tick() == 2
        assert aws.plugin("lambda").queue.wait_idle(30)
        assert events_of(aws, "cron-dev-tidy") == [{"task": "tidy"}, {"task": "tidy"}]
