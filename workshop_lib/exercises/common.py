"""Answer parsing that several notebooks' checkers share."""

from __future__ import annotations

from typing import Any

from workshop_lib.exercises import Fail


def running_sandbox(why: str, fix: str) -> Any:
    """The notebook's running sandbox, or a Fail: "no sandbox is running, so ``why``"."""
    from workshop_lib import sandbox

    aws = sandbox.active()
    if aws is None:
        raise Fail(f"no sandbox is running, so {why}", fix)
    return aws


def require_function(answer: Any, exercise_id: str, name: str) -> None:
    """Fail, saying how to pass it, unless ``answer`` is the learner's function itself."""
    if not callable(answer):
        raise Fail(
            f"expected your function, got {type(answer).__name__}",
            f"pass the function itself: check('{exercise_id}', {name})",
        )


def table_description(answer: Any, exercise_id: str) -> dict[str, Any]:
    """The table description inside ``answer`` (a create_table or describe_table response,
    or the description itself), or a Fail saying what was passed instead."""
    if isinstance(answer, str):
        raise Fail(
            f"you passed the string {answer!r}, not the table's description",
            "keep what create_table returns: "
            f"table = ddb.create_table(...)['TableDescription'], then check('{exercise_id}', "
            "table)",
        )
    if not isinstance(answer, dict):
        raise Fail(
            f"expected the table description (a dict), got {type(answer).__name__}",
            "pass ddb.create_table(...)['TableDescription']",
        )
    for wrapper in ("TableDescription", "Table"):  # a whole create/describe response is fine
        if isinstance(answer.get(wrapper), dict):
            return answer[wrapper]
    if "TableName" not in answer:
        keys = ", ".join(sorted(map(str, answer))) or "none"
        raise Fail(
            f"this dict has no 'TableName' (its keys: {keys})",
            "pass ddb.create_table(...)['TableDescription'], the dict AWS returns",
        )
    return answer


def replace_function(aws: Any, name: str, source: str, **config: Any) -> str:
    """Create the Python function ``name`` from the source of its app.py (``app.handler``),
    replacing one of that name; its ARN. Checks make their functions with fixed names, so
    a check can run again and again."""
    import contextlib

    from workshop_lib.lambda_runtime import execution_role, package

    lam = aws.client("lambda")
    with contextlib.suppress(lam.exceptions.ResourceNotFoundException):
        lam.delete_function(FunctionName=name)
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=execution_role(aws.client("iam")),
        Handler="app.handler",
        Code={"ZipFile": package({"app.py": source})},
        **config,
    )["FunctionArn"]
