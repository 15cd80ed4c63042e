"""Checks for notebook 03 (Lambda execution): cold starts, dead-letter queues, deadlines.

3.1 feeds the learner's counter REPORT lines made by the sandbox's own log writer, so they
look exactly like the ones in the notebook. 3.2 runs the learner's handler with a short
timeout on more work than fits into it. 3.3 looks at the running sandbox: the function's
``DeadLetterConfig``, then a failing event sent through it, which must arrive in the queue.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from workshop_lib.exercises import Fail, NotAttempted, exercise
from workshop_lib.exercises.common import require_function
from workshop_lib.lambda_runtime import logs
from workshop_lib.lambda_runtime.local import invoke_local

#: 3.2: the timeout the handler runs with and the work it is given.
DEADLINE_TIMEOUT_S = 1.0
DEADLINE_ITEMS = 30  # far more than fit into the timeout at process()'s pace
#: 3.3: the function whose failures must not be lost, and its dead-letter queue.
PAYMENTS_NAME = "payments"
DLQ_NAME = "payments-dlq"


# -- 3.1 -----------------------------------------------------------------------------------------
def _ids(n: int) -> list[str]:
    return [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(1, n + 1)]


def _log(kinds: str) -> list[str]:
    """One log stream from a pattern: ``c`` cold start, ``w`` warm, ``t`` warm timeout,
    ``x`` warm crash (Runtime.ExitError), ``u`` the invocation after a timeout or crash (a
    suppressed init: INIT ran, no Init Duration, a longer Duration), ``s`` START/END."""
    lines: list[str] = []
    for request_id, kind in zip(_ids(len(kinds)), kinds, strict=True):
        if kind == "s":
            lines += [logs.start_line(request_id, "$LATEST"), logs.end_line(request_id)]
        elif kind == "c":
            lines.append(logs.report_line(request_id, 3.1, 128, 41, init_ms=187.4))
        elif kind == "w":
            lines.append(logs.report_line(request_id, 1.2, 128, 41))
        elif kind == "t":
            lines.append(logs.report_line(request_id, 1000.0, 128, 41, status="timeout"))
        elif kind == "x":
            status = "error\tError Type: Runtime.ExitError"
            lines.append(logs.report_line(request_id, 2.5, 128, 41, status=status))
        elif kind == "u":
            lines.append(logs.report_line(request_id, 190.6, 128, 41))
    return lines


#: (pattern, how many invocations ran INIT): what 3.1's function is called with.
CASES_3_1 = [
    ("scswsw", 1),
    ("cwwww", 1),
    ("", 0),
    ("cwwtuww", 2),
    ("cccw", 3),
    ("wwww", 0),
    ("cwxuw", 2),
    ("ctuxuw", 3),
    ("cwwt", 1),
]
_FAILED = ("Status: timeout", "Status: error")


@exercise(
    "3.1",
    title="Count cold starts in REPORT lines",
    hint="count the REPORT lines with 'Init Duration', and each REPORT line that comes right "
    "after one with 'Status: timeout' or 'Status: error' (a suppressed init)",
)
def check_count_cold_starts(count_cold_starts: Any) -> None:
    require_function(count_cold_starts, "3.1", "count_cold_starts")
    for pattern, expected in CASES_3_1:
        lines = _log(pattern)
        got = count_cold_starts(list(lines))
        shown = f"{len(lines)} log lines ({_describe(pattern)})"
        if isinstance(got, bool) or not isinstance(got, int):
            raise Fail(
                f"for {shown}, your function returned {got!r}, not a whole number",
                "return how many invocations ran INIT, e.g. a count kept in a loop",
            )
        if got == expected:
            continue
        reports = [line for line in lines if line.startswith("REPORT")]
        reported = sum("Init Duration" in line for line in reports)
        failures = sum(any(f in line for f in _FAILED) for line in reports)
        if got == len(reports):
            hint = "every REPORT line has 'Duration'; only a cold start's also has 'Init Duration'"
            raise Fail(f"for {shown}, you counted every REPORT line ({got})", hint)
        if got == len(lines):
            raise Fail(
                f"for {shown}, you counted every line ({got})",
                "count only REPORT lines: those with 'Init Duration', and those right after a "
                "timeout or crash",
            )
        if got == len(reports) - expected:
            raise Fail(
                f"for {shown}, you returned {got}, the number of warm starts",
                "a cold start is a REPORT line WITH 'Init Duration'",
            )
        if got == reported:
            raise Fail(
                f"for {shown}, you counted the 'Init Duration' lines ({got}), expected {expected}",
                "after a timeout or crash ('Status: timeout' / 'Status: error') Lambda resets "
                "the environment: the next invocation runs INIT again but its REPORT has no "
                "Init Duration (a suppressed init), so count the REPORT line after each failure",
            )
        if got == reported + failures:
            raise Fail(
                f"for {shown}, you counted the failed invocations themselves ({got}), expected "
                f"{expected}",
                "the timed-out or crashed invocation ran in a started environment; it is the "
                "NEXT REPORT line that ran INIT again (and a failure at the very end has none)",
            )
        raise Fail(
            f"for {shown}, you returned {got}, expected {expected}",
            "count the REPORT lines with 'Init Duration', plus each REPORT line right after "
            "one with 'Status: timeout' or 'Status: error'",
        )


def _describe(pattern: str) -> str:
    names = {
        "c": "cold",
        "w": "warm",
        "t": "timeout",
        "x": "crash",
        "u": "after a reset",
        "s": "START/END",
    }
    return ", ".join(names[k] for k in pattern) if pattern else "none"


# -- 3.2 -----------------------------------------------------------------------------------------
@exercise(
    "3.2",
    title="Stop before the deadline",
    hint="in the loop, before each item: if context.get_remaining_time_in_millis() < margin: "
    "break; then return what is done and what is left",
)
def check_deadline(handler: Any) -> None:
    if not callable(handler):
        raise Fail(
            f"expected your handler function, got {type(handler).__name__}",
            "pass the function itself: check('3.2', process_batch)",
        )
    for items in (list(range(DEADLINE_ITEMS)), [7, 8, 9]):
        what = f"{len(items)} items and a {DEADLINE_TIMEOUT_S:g} s timeout"
        with _watching_process(handler) as processed:
            result = invoke_local(
                handler, {"items": items}, timeout_s=DEADLINE_TIMEOUT_S, show_logs=False
            )
        if result.error is not None:
            kind = result.error.get("errorType", "")
            if kind == "NotImplementedError":
                raise NotAttempted()
            if kind == "Sandbox.Timedout":
                raise Fail(
                    f"with {what}, your handler timed out: the items it finished are lost too",
                    "check context.get_remaining_time_in_millis() before each item and stop "
                    "while more than one item's time (plus a margin) is left",
                )
            raise Fail(
                f"with {what}, your handler raised {kind}: {result.error.get('errorMessage')}",
                "run it with invoke_local(process_batch, {'items': [1, 2, 3]}) to see the log",
            )
        _check_batch_result(result.result, items, what)
        if processed is not None:
            _check_processed(processed, result.result["done"], items, what)


@contextlib.contextmanager
def _watching_process(handler: Any) -> Iterator[list[Any] | None]:
    """Record the items the handler hands to the notebook's ``process()`` while it runs.

    The handler finds ``process`` among its module's globals (the notebook's), so a recording
    wrapper put there for the duration of one invocation sees every call; the original is back
    afterwards. Yields None when the handler has no such global (then only its result counts).
    """
    scope = getattr(handler, "__globals__", None)
    original = scope.get("process") if isinstance(scope, dict) else None
    if not callable(original):
        yield None
        return
    seen: list[Any] = []

    def recording(item: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(item)
        return original(item, *args, **kwargs)

    scope["process"] = recording
    try:
        yield seen
    finally:
        if scope.get("process") is recording:
            scope["process"] = original


def _check_processed(processed: list[Any], done: int, items: list[int], what: str) -> None:
    """``done`` and ``left`` must match what really went through process(): an item processed
    but reported as left would be processed again when the caller sends ``left`` again."""
    if processed == items[:done]:
        return
    again = [item for item in processed if item in items[done:]]
    if again and processed[: len(items[:done])] == items[:done]:
        raise Fail(
            f"with {what}, your handler processed {len(processed)} items but returned "
            f"done={done} and {again[0]!r} in left: sent again, it would be processed twice",
            "check the remaining time BEFORE process(item), not after it: an item that "
            "went through process() is done",
        )
    raise Fail(
        f"with {what}, your handler passed {len(processed)} items to process() "
        f"({_preview(processed)}) but returned done={done}",
        "process the items in order, one call of process(item) each, and count exactly those "
        "in done",
    )


def _preview(values: list[Any], shown: int = 5) -> str:
    text = ", ".join(repr(v) for v in values[:shown])
    return text + (", ..." if len(values) > shown else "")


def _check_batch_result(result: Any, items: list[int], what: str) -> None:
    if not isinstance(result, dict) or "done" not in result or "left" not in result:
        raise Fail(
            f"with {what}, your handler returned {result!r}",
            "return {'done': how many items were processed, 'left': the items not processed}",
        )
    done, left = result["done"], result["left"]
    if isinstance(done, bool) or not isinstance(done, int) or not isinstance(left, list):
        raise Fail(
            f"with {what}, done is {done!r} and left is {left!r}",
            "done is a number, left a list of items",
        )
    if done == 0 and items:
        raise Fail(
            f"with {what}, your handler stopped before doing any work",
            "your margin is as long as the whole timeout; a few hundred ms, more than one "
            "item takes, is enough",
        )
    if done + len(left) != len(items) or left != items[done:]:
        raise Fail(
            f"with {what}, done={done} and left has {len(left)} items: "
            f"{len(items) - done - len(left):+d} items unaccounted for",
            "left must be exactly the items not processed yet: items[done:]",
        )


# -- 3.3 -----------------------------------------------------------------------------------------
@exercise(
    "3.3",
    title="A dead-letter queue, so failed events are not lost",
    hint="sqs.create_queue(...), its QueueArn from get_queue_attributes, then "
    "lam.update_function_configuration(FunctionName='payments', DeadLetterConfig=...)",
)
def check_dead_letter_queue(answer: Any) -> None:
    from workshop_lib import sandbox

    aws = sandbox.active()
    if aws is None:
        raise Fail(
            "no sandbox is running", "run the notebook from the top: the sandbox starts there"
        )
    if not isinstance(answer, dict):
        raise Fail(
            f"expected what update_function_configuration returned, got {type(answer).__name__}",
            "config = lam.update_function_configuration(FunctionName='payments', "
            "DeadLetterConfig={'TargetArn': queue_arn})",
        )
    lam, sqs = aws.client("lambda"), aws.client("sqs")
    try:
        config = lam.get_function_configuration(FunctionName=PAYMENTS_NAME)
    except lam.exceptions.ResourceNotFoundException:
        raise Fail(
            f"there is no function {PAYMENTS_NAME!r}", "run the cell that deploys it first"
        ) from None
    target = (config.get("DeadLetterConfig") or {}).get("TargetArn")
    if not target:
        destination = _on_failure_destination(lam)
        if destination:
            raise Fail(
                "you set an on-failure destination, which keeps failed events too, but the "
                "function has no dead-letter queue (slide 27)",
                "set DeadLetterConfig={'TargetArn': queue_arn} with update_function_configuration",
            )
        raise Fail(
            f"the function {PAYMENTS_NAME!r} has no dead-letter queue",
            "lam.update_function_configuration(FunctionName='payments', "
            "DeadLetterConfig={'TargetArn': queue_arn})",
        )
    if not target.startswith("arn:"):
        raise Fail(
            f"TargetArn is {target!r}, a queue URL; AWS wants the queue's ARN",
            "sqs.get_queue_attributes(QueueUrl=url, AttributeNames=['QueueArn'])"
            "['Attributes']['QueueArn']",
        )
    if target.split(":")[2] != "sqs":
        raise Fail(
            f"the dead-letter target is {target!r}, not an SQS queue",
            f"create an SQS queue called {DLQ_NAME!r} and use its ARN",
        )
    name = target.split(":")[-1]
    if name != DLQ_NAME:
        raise Fail(
            f"the dead-letter queue is {name!r}, the exercise asks for {DLQ_NAME!r}",
            f"sqs.create_queue(QueueName={DLQ_NAME!r})",
        )
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        raise Fail(
            f"the TargetArn names the queue {name!r}, which does not exist",
            f"create it first: sqs.create_queue(QueueName={DLQ_NAME!r})",
        ) from None
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    if attributes["Attributes"]["QueueArn"] != target:
        raise Fail(
            f"TargetArn {target!r} is not the ARN of the queue {name!r}",
            "copy the ARN from get_queue_attributes(..., AttributeNames=['QueueArn'])",
        )
    _send_a_failing_event(aws, lam, sqs, url)


def _on_failure_destination(lam: Any) -> str | None:
    try:
        config = lam.get_function_event_invoke_config(FunctionName=PAYMENTS_NAME)
    except lam.exceptions.ResourceNotFoundException:
        return None
    return ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")


def _send_a_failing_event(aws: Any, lam: Any, sqs: Any, url: str) -> None:
    """A failing event through the function: it must reach the queue after its retries."""
    marker = {"amount": -1, "note": "sent by check('3.3')"}
    lam.invoke(FunctionName=PAYMENTS_NAME, InvocationType="Event", Payload=json.dumps(marker))
    if not aws.plugin("lambda").queue.wait_idle(timeout=60):
        raise Fail("the failing test event was still being retried after a minute", "try again")
    seen: list[str] = []
    found = False
    for _ in range(100):
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            if not found and json.loads(message["Body"]) == marker:
                found = True
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                seen.append(message["ReceiptHandle"])
    for handle in seen:  # leave the learner's messages visible, as they were
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    if not found:
        raise Fail(
            "a failing event sent by the check did not arrive in the dead-letter queue",
            "the queue must be the function's DeadLetterConfig target; run the cell again",
        )
