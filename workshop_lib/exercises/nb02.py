"""Checks for notebook 02 (Lambda anatomy): handlers, proxy events and responses, boto3.

2.1 and 2.2 run the learner's handler the way Lambda would (:func:`invoke_local`: the same
context, the event and the result through JSON) with API Gateway proxy events, and read the
response as API Gateway would. 2.3 and 2.4 look at the running sandbox: the function the
learner deployed, its handler string, and a real invocation of it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from workshop_lib.exercises import Fail, NotAttempted, exercise, is_stub
from workshop_lib.exercises.common import running_sandbox
from workshop_lib.lambda_runtime import events
from workshop_lib.lambda_runtime.local import LocalResult, invoke_local

#: 2.1: the body every answer must carry.
HELLO_BODY = {"message": "Hello, serverless!"}
#: 2.3: the function, its handler and the event it is invoked with.
GREETER_NAME = "greeter"
GREETER_HANDLER = "greeter.handler"
GREETER_EVENT = {"name": "Ada"}
GREETER_RESULT = {"greeting": "Hello, Ada!", "function": GREETER_NAME}
#: 2.4: the broken function and the handler strings that fix it.
DELETE_NAME = "apps-delete"
DELETE_HANDLERS = ("apps/delete.delete_release", "apps.delete.delete_release")


# -- helpers -----------------------------------------------------------------------------------
def _run(handler: Any, event: dict[str, Any], what: str, query_key: str) -> Any:
    """Invoke ``handler`` like Lambda; return its result after the JSON round trip."""
    if not callable(handler):
        raise Fail(
            f"expected your handler function, got {type(handler).__name__}",
            "pass the function itself, without calling it: check('2.x', name_of_function)",
        )
    result: LocalResult = invoke_local(handler, event, show_logs=False)
    error = result.error
    if error is None:
        return result.result
    kind, message = error.get("errorType", ""), error.get("errorMessage", "")
    if kind == "NotImplementedError":
        raise NotAttempted()
    if kind == "Runtime.MarshalError":
        raise Fail(
            f"for {what}, your handler returned something Lambda cannot turn into JSON ({message})",
            "return plain dicts, lists, strings, numbers, True/False and None",
        )
    if kind == "Sandbox.Timedout":
        raise Fail(f"for {what}, your handler ran past its timeout", "return right away")
    raise Fail(
        f"for {what}, your handler raised {kind}: {message} (API Gateway would answer 502)",
        _hint_for_error(kind, message, query_key),
    )


def _hint_for_error(kind: str, message: str, query_key: str) -> str:
    """The next step for an error the handler raised; ``query_key`` is the query string
    parameter this exercise's handler reads, if any (2.1's needs nothing from the event)."""
    if kind == "TypeError" and "NoneType" in message:
        none = (
            "a part of the event is None: API Gateway sends 'queryStringParameters': None "
            "(not {}) when there is no query string"
        )
        if not query_key:
            return (
                f"{none}; this handler answers the same to every request, so it need not "
                "read the event at all"
            )
        return f"{none}; use (event.get('queryStringParameters') or {{}}).get({query_key!r})"
    if kind == "KeyError":
        return (
            f"the key {message} is not there: print(json.dumps(event, indent=1)) shows what "
            "the event holds; use .get() for keys that may be missing"
        )
    if kind == "ValueError":
        return "check the input before converting it (str.isdigit()) and answer 400 if it is bad"
    return "run your handler with invoke_local(handler, event) to see its log and error"


def _response(answer: Any, what: str) -> dict[str, Any]:
    """The proxy response fields, or Fail naming the first one that API Gateway rejects."""
    if answer is None:
        raise Fail(f"for {what}, your handler returned None", "end the handler with return {...}")
    if not isinstance(answer, dict):
        raise Fail(
            f"for {what}, your handler returned a {type(answer).__name__}; API Gateway needs a "
            "dict with statusCode, headers and body",
            "return {'statusCode': 200, 'headers': {...}, 'body': json.dumps(...)}",
        )
    if "statusCode" not in answer:
        keys = ", ".join(sorted(map(str, answer))) or "none"
        raise Fail(
            f"for {what}, the response has no statusCode (its keys: {keys})",
            "a proxy response is {'statusCode': ..., 'headers': {...}, 'body': '...'}",
        )
    status = answer["statusCode"]
    if isinstance(status, str):
        raise Fail(
            f"for {what}, statusCode is the string {status!r}", "use a number: 'statusCode': 200"
        )
    if not isinstance(status, int) or isinstance(status, bool):
        raise Fail(f"for {what}, statusCode is {status!r}", "use a number such as 200")
    if "body" not in answer:
        raise Fail(
            f"for {what}, the response has no body", "add 'body': json.dumps({...}), a string"
        )
    body = answer["body"]
    if isinstance(body, (dict, list)):
        raise Fail(
            f"for {what}, body is a {type(body).__name__}; API Gateway passes on a string",
            "turn it into JSON text: 'body': json.dumps({...})",
        )
    if not isinstance(body, str):
        raise Fail(f"for {what}, body is {body!r}", "make body a JSON string: json.dumps({...})")
    headers = answer.get("headers")
    if headers is not None and not isinstance(headers, dict):
        raise Fail(
            f"for {what}, headers is {headers!r}",
            "headers is a dict: {'Content-Type': 'application/json', ...}",
        )
    return answer


def _json_body(response: dict[str, Any], what: str) -> Any:
    try:
        return json.loads(response["body"])
    except ValueError:
        raise Fail(
            f"for {what}, body is {response['body']!r}, which is not JSON",
            "build the body with json.dumps({...})",
        ) from None


def _header(response: dict[str, Any], name: str) -> str | None:
    """A header's value (header names are case-insensitive)."""
    for key, value in (response.get("headers") or {}).items():
        if str(key).lower() == name.lower():
            return value
    return None


def _sandbox() -> Any:
    return running_sandbox(
        "there is nothing deployed to check",
        "run the cell with aws = sandbox(clock='virtual').start() near the top, then the "
        "cells after it",
    )


def _function_config(aws: Any, name: str, how: str) -> dict[str, Any]:
    lam = aws.client("lambda")
    try:
        return lam.get_function_configuration(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        raise Fail(f"there is no function called {name!r} in the sandbox", how) from None


# -- 2.1 -----------------------------------------------------------------------------------------
@exercise(
    "2.1",
    title="Return an API Gateway proxy response",
    hint="the handler gets (event, context) and must return a dict; look at slide 30's create",
)
def check_hello(handler: Any) -> None:
    samples = [
        ("GET /hello", events.api_gateway_proxy("GET", "/hello")),
        (
            "GET /hello?name=Ada",
            events.api_gateway_proxy(
                "GET", "/hello", query={"name": "Ada"}, headers={"Accept": "application/json"}
            ),
        ),
    ]
    for what, event in samples:
        response = _response(_run(handler, event, what, ""), what)
        if response["statusCode"] != 200:
            raise Fail(
                f"for {what}, statusCode is {response['statusCode']}, the exercise asks for 200",
                "'statusCode': 200 means OK",
            )
        body = _json_body(response, what)
        if body != HELLO_BODY:
            raise Fail(
                f"for {what}, the body is {response['body']}, expected {json.dumps(HELLO_BODY)}",
                f"'body': json.dumps({HELLO_BODY!r})",
            )
        content_type = _header(response, "Content-Type")
        if content_type is None:
            raise Fail(
                f"for {what}, the response has no Content-Type header",
                "'headers': {'Content-Type': 'application/json', ...}",
            )
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise Fail(
                f"for {what}, Content-Type is {content_type!r}",
                "the body is JSON: 'Content-Type': 'application/json'",
            )
        origin = _header(response, "Access-Control-Allow-Origin")
        if origin != "*":
            found = "missing" if origin is None else repr(origin)
            raise Fail(
                f"for {what}, the CORS header Access-Control-Allow-Origin is {found}",
                "as on slide 30: 'Access-Control-Allow-Origin': '*'",
            )


# -- 2.2 -----------------------------------------------------------------------------------------
def _get_app_event(app_id: str, query: dict[str, str] | None) -> dict[str, Any]:
    return events.api_gateway_proxy(
        "GET",
        f"/apps/{app_id}",
        resource="/apps/{id}",
        path_parameters={"id": app_id},
        query=query,
        headers={"Accept": "application/json"},
    )


@exercise(
    "2.2",
    title="Read the path parameter and the query string",
    hint="print(json.dumps(event, indent=1)) shows where pathParameters and "
    "queryStringParameters are; either may be None",
)
def check_get_app(handler: Any) -> None:
    cases = [
        ("GET /apps/weather?release=3", "weather", {"release": "3"}, 200, 3),
        ("GET /apps/maps (no query string)", "maps", None, 200, "latest"),
        ("GET /apps/notes?debug=1", "notes", {"debug": "1"}, 200, "latest"),
        ("GET /apps/weather?release=three", "weather", {"release": "three"}, 400, None),
    ]
    for what, app_id, query, status, release in cases:
        response = _response(_run(handler, _get_app_event(app_id, query), what, "release"), what)
        body = _json_body(response, what)
        got = response["statusCode"]
        if status == 400:
            if got != 400:
                raise Fail(
                    f"for {what}, statusCode is {got}: a release that is not a number is the "
                    "caller's mistake",
                    "answer 400 with a body such as {'message': 'release must be a number'}",
                )
            if not isinstance(body, dict) or not body.get("message"):
                raise Fail(
                    f"for {what}, the 400 response's body is {response['body']}",
                    "tell the caller what is wrong: json.dumps({'message': '...'})",
                )
            continue
        if got != 200:
            raise Fail(f"for {what}, statusCode is {got}, expected 200", "'statusCode': 200")
        if not isinstance(body, dict):
            raise Fail(
                f"for {what}, the body is {response['body']}",
                "the body is a JSON object: json.dumps({'id': ..., 'release': ...})",
            )
        if body.get("id") != app_id:
            raise Fail(
                f"for {what}, the body's id is {body.get('id')!r}, expected {app_id!r}",
                "the id is a path parameter: event['pathParameters']['id']",
            )
        if release == "latest" and body.get("release") != "latest":
            raise Fail(
                f"for {what}, release is {body.get('release')!r}; without ?release= it is 'latest'",
                "(event.get('queryStringParameters') or {}).get('release') is None here",
            )
        if release != "latest" and body.get("release") != release:
            shown = body.get("release")
            if shown == str(release):
                raise Fail(
                    f"for {what}, release is the string {shown!r}; the exercise asks for the "
                    "number",
                    "query string values are always strings: int(...) them",
                )
            raise Fail(
                f"for {what}, release is {shown!r}, expected {release}",
                "read it from event['queryStringParameters']['release']",
            )


# -- 2.3 -----------------------------------------------------------------------------------------
@exercise(
    "2.3",
    title="Deploy and invoke a function with boto3",
    hint="create_function, then invoke(..., LogType='Tail'); decode the payload with "
    "json.loads(...read()) and the log with base64.b64decode(...).decode()",
)
def check_greeter(answer: Any) -> None:
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise Fail(
            "expected the pair (payload, log)", "check('2.3', (payload, log)) as in the cell"
        )
    payload, log = answer
    if is_stub(payload) and is_stub(log):
        raise NotAttempted()
    aws = _sandbox()
    config = _function_config(
        aws,
        GREETER_NAME,
        f"lam.create_function(FunctionName={GREETER_NAME!r}, Runtime='python3.12', Role=role, "
        f"Handler={GREETER_HANDLER!r}, Code={{'ZipFile': package({{'greeter.py': GREETER}})}})",
    )
    _check_payload(payload, config)
    _check_log(aws, log)


def _check_payload(payload: Any, config: dict[str, Any]) -> None:
    if is_stub(payload):
        raise Fail(
            "payload is still ...",
            "payload = json.loads(response['Payload'].read())",
        )
    if hasattr(payload, "read"):
        raise Fail(
            "payload is the response's stream, not what the function returned",
            "read and decode it: json.loads(response['Payload'].read())",
        )
    if isinstance(payload, (bytes, str)):
        raise Fail(
            f"payload is JSON text ({type(payload).__name__}), not decoded yet",
            "json.loads(...) turns it into a dict",
        )
    if isinstance(payload, dict) and "errorType" in payload:
        kind = payload["errorType"]
        message = payload.get("errorMessage", "")
        hints = {
            "Runtime.HandlerNotFound": f"the handler string is file.function: {GREETER_HANDLER!r}",
            "Runtime.ImportModuleError": "the file in the zip must be greeter.py: "
            "package({'greeter.py': GREETER})",
            "KeyError": f"invoke it with the event {json.dumps(GREETER_EVENT)}: "
            f"Payload=json.dumps({GREETER_EVENT!r})",
        }
        raise Fail(
            f"the function failed: {kind}: {message} (its handler is {config.get('Handler')!r})",
            hints.get(kind, "read the decoded log: it shows the error and where it happened"),
        )
    if isinstance(payload, dict) and "ResponseMetadata" in payload:
        raise Fail(
            "that is the whole invoke response, not the function's result",
            "payload = json.loads(response['Payload'].read())",
        )
    if payload != GREETER_RESULT:
        if isinstance(payload, dict) and payload.get("greeting", "").startswith("Hello, "):
            raise Fail(
                f"the function answered {payload!r}",
                f"invoke it with the event {json.dumps(GREETER_EVENT)}",
            )
        raise Fail(
            f"payload is {payload!r}, expected {GREETER_RESULT!r}",
            "deploy GREETER unchanged and pass what the function returned",
        )


def _check_log(aws: Any, log: Any) -> None:
    if is_stub(log) or log is None:
        raise Fail(
            "log is missing",
            "ask for it with invoke(..., LogType='Tail'), then "
            "base64.b64decode(response['LogResult']).decode()",
        )
    if isinstance(log, bytes):
        raise Fail("log is bytes", "add .decode() to get text")
    if not isinstance(log, str):
        raise Fail(f"log is a {type(log).__name__}", "the log is text")
    if "START RequestId:" not in log:
        try:
            decoded = base64.b64decode(log, validate=True).decode()
        except (binascii.Error, ValueError):
            decoded = ""
        if "START RequestId:" in decoded:
            raise Fail(
                "log is still base64",
                "decode it: base64.b64decode(response['LogResult']).decode()",
            )
        raise Fail(
            "log has no START line",
            "it is the decoded LogResult of invoke(..., LogType='Tail')",
        )
    request_id = log.split("START RequestId:", 1)[1].split()[0]
    for line in (f"END RequestId: {request_id}", f"REPORT RequestId: {request_id}"):
        if line not in log:
            raise Fail(f"the log has no {line.split(':')[0]} line for its request", "keep it all")
    logs = aws.client("logs")
    try:
        found = logs.filter_log_events(logGroupName=f"/aws/lambda/{GREETER_NAME}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        found = []
    if not any(e["message"].startswith(f"START RequestId: {request_id}") for e in found):
        raise Fail(
            f"request {request_id} is not in the function's CloudWatch log",
            "pass the log of a real invocation of the greeter function",
        )


# -- 2.4 -----------------------------------------------------------------------------------------
@exercise(
    "2.4",
    title="Fix a broken handler string",
    hint="lam.update_function_configuration(FunctionName='apps-delete', Handler='file.function')",
)
def check_fixed_handler(answer: Any) -> None:
    if not isinstance(answer, dict):
        raise Fail(
            f"expected what update_function_configuration returned, got {type(answer).__name__}",
            "config = lam.update_function_configuration(FunctionName='apps-delete', Handler=...)",
        )
    aws = _sandbox()
    config = _function_config(
        aws, DELETE_NAME, "run the cell above the exercise: it deploys the broken function"
    )
    handler = config.get("Handler", "")
    lam = aws.client("lambda")
    event = events.api_gateway_proxy(
        "DELETE",
        "/apps/weather/releases/3",
        resource="/apps/{id}/releases/{release}",
        path_parameters={"id": "weather", "release": "3"},
    )
    response = lam.invoke(FunctionName=DELETE_NAME, Payload=json.dumps(event))
    result = json.loads(response["Payload"].read())
    if response.get("FunctionError"):
        kind, message = result.get("errorType", ""), result.get("errorMessage", "")
        hints = {
            "Runtime.HandlerNotFound": "the module is right; the function in apps/delete.py "
            "is not called that: read DELETE_PY",
            "Runtime.ImportModuleError": "the module part is the file's path inside the zip "
            "without .py: apps/delete",
            "Runtime.MalformedHandlerName": "a handler string is file.function",
        }
        raise Fail(
            f"with Handler={handler!r} the function still fails: {kind}: {message}",
            hints.get(kind, "read the error above and DELETE_PY"),
        )
    if handler not in DELETE_HANDLERS:
        raise Fail(f"the handler is {handler!r}", f"use {DELETE_HANDLERS[0]!r}")
    if not isinstance(result, dict) or result.get("statusCode") != 204:
        raise Fail(
            f"the function answered {result!r}", "deploy DELETE_PY unchanged; fix only Handler"
        )
    _check_nothing_else_changed(config)


def _delete_as_deployed() -> dict[str, Any]:
    """What the notebook's create_function left apps-delete with: its Runtime, and AWS's
    defaults for every setting the cell does not pass."""
    from workshop_lib.facts import value

    return {
        "Runtime": "python3.12",
        "Timeout": value("lambda.default_timeout_s"),
        "MemorySize": value("lambda.memory_min_mb"),  # the minimum is also the default
        "EphemeralStorage": value("lambda.tmp_default_mb"),
        "Environment": {},
        "Description": "",
        "Layers": [],
    }


def _check_nothing_else_changed(config: dict[str, Any]) -> None:
    """2.4 says "change nothing else": a setting that is no longer as deployed fails."""
    now = {
        "Runtime": config.get("Runtime"),
        "Timeout": config.get("Timeout"),
        "MemorySize": config.get("MemorySize"),
        "EphemeralStorage": (config.get("EphemeralStorage") or {}).get("Size"),
        "Environment": (config.get("Environment") or {}).get("Variables") or {},
        "Description": config.get("Description") or "",
        "Layers": [layer.get("Arn") for layer in config.get("Layers") or []],
    }
    deployed = _delete_as_deployed()
    changed = [key for key, want in deployed.items() if now[key] != want]
    if not changed:
        return
    shown = "; ".join(f"{key} is {now[key]!r}, deployed with {deployed[key]!r}" for key in changed)
    back = {
        "EphemeralStorage": f"EphemeralStorage={{'Size': {deployed['EphemeralStorage']}}}",
        "Environment": "Environment={'Variables': {}}",
        "Layers": "Layers=[]",
    }
    args = ", ".join(back.get(key, f"{key}={deployed[key]!r}") for key in changed)
    raise Fail(
        f"the handler is fixed, but {shown}: the exercise asks to change nothing else",
        f"put it back: lam.update_function_configuration(FunctionName={DELETE_NAME!r}, {args})",
    )
