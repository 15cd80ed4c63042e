"""Checks for notebook 06 (API Gateway): proxy responses, CORS, authorizers, keys, Swagger.

Every check works in the running sandbox and builds what it needs itself: a REST API of
its own (deleted when the check ends) and, where a function is checked, a function of its
own with a fixed name (replaced on every run), so a check can run again and again. Requests
go through the sandbox's gateway in-process (:func:`workshop_lib.apigateway.inspector.inspect`),
which also records what the integration answered, so a 502 can be explained.

6.1 deploys the learner's handler source behind ``POST /apps``. 6.2 calls the learner's
``add_cors_preflight`` on a resource and sends a browser's preflight. 6.3 deploys the
learner's TOKEN authorizer and tries forged, malformed and good tokens of several roles.
6.4 calls the learner's ``protect`` and drives requests on the sandbox's virtual clock.
6.5 imports the learner's Swagger document, deploys it and calls it.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import copy
import hashlib
import hmac
import json
import textwrap
from typing import Any

from workshop_lib.exercises import Fail, NotAttempted, exercise
from workshop_lib.exercises.common import replace_function, require_function, running_sandbox

#: The stage every check deploys its API to.
STAGE = "check"
#: What API Gateway accepts from a Lambda proxy integration (anything else: 502).
PROXY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
#: 6.1: the request the checker sends and what the fixed handler must answer.
CREATE_FUNCTION = "check-6-1-create"
CREATE_REQUEST = {"id": "notes", "name": "Notes"}
CREATE_ANSWER = {**CREATE_REQUEST, "release": 1}
#: 6.2: the methods of the checker's resource and what its preflight asks for.
CORS_METHODS = ["GET", "PUT"]
CORS_ORIGIN = "http://localhost:8888"
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Methods")
CORS_ALLOW_HEADERS = ("Content-Type", "Authorization")
#: 6.3: the secret the checker's tokens are signed with (the notebook signs with its own).
AUTHORIZER_FUNCTION = "check-6-3-authorizer"
BACKEND_FUNCTION = "check-6-3-backend"
CHECK_SECRET = "checker-secret-6.3"
NOTEBOOK_SECRET = "workshop-secret"
AUTHORIZER_TTL_S = 300
#: 6.4: the usage plan asked for.
RATE_PER_S = 5
BURST = 10
QUOTA_PER_DAY = 1000
#: 6.5: the function the notebook's Swagger document points at.
APPS_FUNCTION = "apps"

CONTEXT_ECHO_PY = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


# -- the sandbox and the checker's own API ------------------------------------------------------
def _sandbox() -> Any:
    aws = running_sandbox(
        "there is no API Gateway to check against",
        "run the notebook from the top: aws = sandbox(clock='virtual').start() is near the top",
    )
    try:
        aws.plugin("apigateway")
    except KeyError:
        raise Fail(
            "this sandbox has no API Gateway plug-in", "start it with sandbox(clock='virtual')"
        ) from None
    return aws


def lambda_uri(aws: Any, function_arn: str) -> str:
    """The integration URI API Gateway uses to invoke a function."""
    return (
        f"arn:aws:apigateway:{aws.region}:lambda:path/2015-03-31/functions/"
        f"{function_arn}/invocations"
    )


class Scratch:
    """A checker's own REST API (and functions), deleted when the check ends."""

    def __init__(self, aws: Any, name: str) -> None:
        self.aws = aws
        self.apigw = aws.client("apigateway")
        self.lam = aws.client("lambda")
        self.api_id = self.apigw.create_rest_api(name=name)["id"]
        root = self.apigw.get_resources(restApiId=self.api_id)["items"][0]["id"]
        self.resources = {"/": root}
        self.functions: list[str] = []

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: Any) -> None:
        for name in self.functions:  # cleaning up must never hide the verdict
            with contextlib.suppress(Exception):
                self.lam.delete_function(FunctionName=name)
        with contextlib.suppress(Exception):
            self.apigw.delete_rest_api(restApiId=self.api_id)

    def resource(self, path: str) -> str:
        if path not in self.resources:
            parent, _, part = path.rpartition("/")
            parent_id = self.resource(parent or "/")
            self.resources[path] = self.apigw.create_resource(
                restApiId=self.api_id, parentId=parent_id, pathPart=part
            )["id"]
        return self.resources[path]

    def function(self, name: str, source: str, **config: Any) -> str:
        """Create ``name`` from the source of app.py, replacing an older one; its ARN."""
        arn = replace_function(self.aws, name, source, **config)
        self.functions.append(name)
        return arn

    def _put_method(self, path: str, method: str, method_args: dict[str, Any]) -> str:
        """Create ``method`` on ``path`` (no authorization unless asked); its resource id."""
        resource = self.resource(path)
        method_args.setdefault("authorizationType", "NONE")
        self.apigw.put_method(
            restApiId=self.api_id, resourceId=resource, httpMethod=method, **method_args
        )
        return resource

    def proxy(self, path: str, method: str, function_arn: str, **method_args: Any) -> None:
        resource = self._put_method(path, method, method_args)
        self.apigw.put_integration(
            restApiId=self.api_id,
            resourceId=resource,
            httpMethod=method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=lambda_uri(self.aws, function_arn),
        )

    def mock(self, path: str, method: str, **method_args: Any) -> None:
        """A method API Gateway answers itself with 200 and ``{}``."""
        resource = self._put_method(path, method, method_args)
        self.apigw.put_integration(
            restApiId=self.api_id,
            resourceId=resource,
            httpMethod=method,
            type="MOCK",
            requestTemplates={"application/json": '{"statusCode": 200}'},
        )
        self.apigw.put_method_response(
            restApiId=self.api_id, resourceId=resource, httpMethod=method, statusCode="200"
        )
        self.apigw.put_integration_response(
            restApiId=self.api_id,
            resourceId=resource,
            httpMethod=method,
            statusCode="200",
            responseTemplates={"application/json": "{}"},
        )

    def deploy(self) -> None:
        self.apigw.create_deployment(restApiId=self.api_id, stageName=STAGE)

    def call(self, method: str, path: str, **request: Any) -> Any:
        """One request through the gateway: an Inspection (request, event, answers)."""
        return call(self.aws, self.api_id, method, path, **request)


def call(aws: Any, api_id: str, method: str, path: str, **request: Any) -> Any:
    from workshop_lib.apigateway.inspector import inspect

    return inspect(aws, api_id, STAGE, method, path, **request)


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, found in headers.items():
        if key.lower() == name.lower():
            return found
    return None


def _shown(body: Any) -> str:
    return json.dumps(body) if not isinstance(body, str) else body


# -- 6.1 -----------------------------------------------------------------------------------------
def _source(answer: Any, name: str, exercise_id: str) -> str:
    """The answer as handler source that compiles and defines ``handler``."""
    if not isinstance(answer, str):
        raise Fail(
            f"expected the source of your handler as a string, got {type(answer).__name__}",
            f'{name} = """...""" holds the whole file app.py, as in the cell; then '
            f"check({exercise_id!r}, {name})",
        )
    source = textwrap.dedent(answer)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise Fail(
            f"{name} is not valid Python: {exc.msg} (line {exc.lineno} of the string)",
            "copy the whole source between the triple quotes and fix it there",
        ) from None
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    if "handler" not in names:
        found = ", ".join(names) or "none"
        raise Fail(
            f"{name} defines no function called handler (functions: {found})",
            "the handler string is app.handler: keep def handler(event, context)",
        )
    return source


def _function_error(aws: Any, name: str, event: dict[str, Any]) -> tuple[str, str] | None:
    """Invoke ``name`` with ``event``: (errorType, errorMessage) if the function failed."""
    response = aws.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    if not response.get("FunctionError"):
        return None
    error = json.loads(response["Payload"].read() or b"{}")
    return error.get("errorType", "Error"), error.get("errorMessage", "")


def _proxy_problem(result: Any) -> tuple[str, str]:
    """Why API Gateway refuses this Lambda result as a proxy response: (what, hint)."""
    if result is None:
        return "your handler returned None", "end the handler with return {...}"
    if not isinstance(result, dict):
        return (
            f"your handler returned a {type(result).__name__}; API Gateway needs a dict with "
            "statusCode, headers and body",
            "return {'statusCode': 201, 'headers': {...}, 'body': json.dumps(app)}",
        )
    extra = sorted(set(result) - PROXY_KEYS)
    if extra:
        return (
            f"the response has keys API Gateway does not accept: {', '.join(extra)}",
            "a proxy response has only statusCode, headers, multiValueHeaders, body and "
            "isBase64Encoded: put your data into the body",
        )
    status = result.get("statusCode")
    if isinstance(status, str) and not status.isdigit():
        return (f"statusCode is the string {status!r}", "use a number: 'statusCode': 201")
    body = result.get("body")
    if isinstance(body, (dict, list)):
        return (
            f"body is a {type(body).__name__}; API Gateway passes on a string",
            "turn it into JSON text: 'body': json.dumps(app)",
        )
    if body is not None and not isinstance(body, str):
        return (f"body is {body!r}", "the body is a string: json.dumps(app)")
    for key in ("headers", "multiValueHeaders"):
        headers = result.get(key) or {}
        if not isinstance(headers, dict):
            return (f"{key} is {headers!r}", f"{key} is a dict of header names and values")
        for name, found in headers.items():
            if key == "headers" and (isinstance(found, (dict, list)) or found is None):
                return (
                    f"the header {name} has the value {found!r}",
                    "a header's value is a string: 'Access-Control-Allow-Origin': '*'",
                )
    return (
        f"API Gateway could not map your handler's response {_shown(result)[:200]}",
        "return {'statusCode': 201, 'headers': {...}, 'body': json.dumps(app)}",
    )


@exercise(
    "6.1",
    title="Fix the proxy response",
    hint="the handler must return {'statusCode': 201, 'headers': {...}, 'body': json.dumps(app)}",
)
def check_create(answer: Any) -> None:
    source = _source(answer, "CREATE_PY", "6.1")
    aws = _sandbox()
    with Scratch(aws, "check-6.1") as scratch:
        scratch.proxy("/apps", "POST", scratch.function(CREATE_FUNCTION, source))
        scratch.deploy()
        seen = scratch.call("POST", "/apps", body=CREATE_REQUEST)
        what = f"POST /apps with {json.dumps(CREATE_REQUEST)}"
        status, body = seen.response["status"], seen.response["body"]
        if status == 502:
            error = _function_error(aws, CREATE_FUNCTION, seen.event or {})
            if error is not None:
                kind, message = error
                raise Fail(
                    f"for {what}, your handler raised {kind}: {message}, so API Gateway "
                    "answered 502",
                    _hint_for_error(kind),
                )
            problem, hint = _proxy_problem(seen.lambda_response)
            raise Fail(f"for {what}, API Gateway answered 502: {problem}", hint)
        if status != 201:
            raise Fail(
                f"for {what}, API Gateway answered {status}; a create answers 201 Created",
                "'statusCode': 201 in the handler's response",
            )
        _check_create_body(body, what)
        origin = _header(seen.response["headers"], "Access-Control-Allow-Origin")
        if origin != "*":
            raise Fail(
                f"for {what}, the response has no CORS header Access-Control-Allow-Origin: *",
                "keep the headers of BROKEN_CREATE_PY: 'Access-Control-Allow-Origin': '*'",
            )


def _hint_for_error(kind: str) -> str:
    if kind == "NameError":
        return "the function's file needs its own imports: import json at the top of CREATE_PY"
    if kind.startswith("Runtime."):
        return "the source must compile and define handler(event, context) in app.py"
    if kind in ("KeyError", "TypeError"):
        return "the request body is JSON text: app = json.loads(event['body'])"
    return "deploy it and look at its log, or run the handler with a sample event"


def _check_create_body(body: Any, what: str) -> None:
    if isinstance(body, str):
        try:
            inner = json.loads(body)
        except ValueError:
            inner = None
        if inner == CREATE_ANSWER:
            raise Fail(
                f"for {what}, the body is JSON text inside JSON text: {body!r}",
                "encode the app once: 'body': json.dumps(app)",
            )
        raise Fail(
            f"for {what}, the body is {body[:100]!r}, which is not the app as JSON",
            "'body': json.dumps(app)",
        )
    if body != CREATE_ANSWER:
        raise Fail(
            f"for {what}, the body is {_shown(body)}, expected {json.dumps(CREATE_ANSWER)}",
            "answer with the app that was created: the request body plus 'release': 1",
        )


# -- 6.2 -----------------------------------------------------------------------------------------
@exercise(
    "6.2",
    title="Answer CORS preflights",
    hint="put_method (OPTIONS), put_integration (type MOCK), put_method_response declaring "
    "the headers, put_integration_response giving their values in single quotes",
)
def check_cors(add_cors_preflight: Any) -> None:
    require_function(add_cors_preflight, "6.2", "add_cors_preflight")
    aws = _sandbox()
    with Scratch(aws, "check-6.2") as scratch:
        resource = scratch.resource("/items")
        for method in CORS_METHODS:
            scratch.mock("/items", method)
        add_cors_preflight(scratch.api_id, resource, list(CORS_METHODS))
        _check_cors_config(scratch, resource)
        scratch.deploy()
        seen = scratch.call(
            "OPTIONS",
            "/items",
            headers={
                "Origin": CORS_ORIGIN,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "content-type,authorization",
            },
        )
        _check_preflight(seen.response)


def _check_cors_config(scratch: Scratch, resource: str) -> None:
    apigw = scratch.apigw
    try:
        method = apigw.get_method(
            restApiId=scratch.api_id, resourceId=resource, httpMethod="OPTIONS"
        )
    except apigw.exceptions.NotFoundException:
        raise Fail(
            "the resource has no OPTIONS method after your function ran",
            "apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod='OPTIONS', "
            "authorizationType='NONE')",
        ) from None
    if method.get("authorizationType", "NONE") != "NONE" or method.get("apiKeyRequired"):
        raise Fail(
            "the OPTIONS method needs authorization or an API key; browsers send preflights "
            "without credentials, so they would be refused",
            "authorizationType='NONE' and no apiKeyRequired on OPTIONS",
        )
    integration = method.get("methodIntegration")
    if not integration:
        raise Fail(
            "the OPTIONS method has no integration", "put_integration(..., type='MOCK', ...)"
        )
    if integration.get("type") != "MOCK":
        raise Fail(
            f"the OPTIONS method's integration is {integration.get('type')}; a preflight is "
            "answered by API Gateway itself",
            "put_integration(..., httpMethod='OPTIONS', type='MOCK', "
            "requestTemplates={'application/json': '{\"statusCode\": 200}'})",
        )
    declared = set(
        (method.get("methodResponses", {}).get("200") or {}).get("responseParameters") or {}
    )
    mapped = (integration.get("integrationResponses", {}).get("200") or {}).get(
        "responseParameters"
    ) or {}
    if not mapped:
        raise Fail(
            "the OPTIONS method's integration response (status 200) sets no headers",
            "put_integration_response(..., statusCode='200', responseParameters="
            "{'method.response.header.Access-Control-Allow-Origin': \"'*'\", ...})",
        )
    for key, expression in sorted(mapped.items()):
        if key not in declared:
            raise Fail(
                f"the integration response maps {key}, which the method response does not "
                "declare; AWS refuses that mapping (Invalid mapping expression specified)",
                "put_method_response(..., statusCode='200', responseParameters="
                f"{{{key!r}: False, ...}}) first",
            )
        if not (len(expression) >= 2 and expression[0] == expression[-1] == "'"):
            raise Fail(
                f"{key} is mapped to {expression!r}; AWS reads an unquoted value as a "
                "reference to a request parameter and refuses it",
                f"a fixed value goes in single quotes inside the string: \"'{expression}'\"",
            )


def _check_preflight(response: dict[str, Any]) -> None:
    status, headers = response["status"], response["headers"]
    what = f"the preflight OPTIONS /items (a browser asking to PUT, from {CORS_ORIGIN})"
    if status != 200:
        raise Fail(f"{what} got {status}", "the OPTIONS method must answer 200")
    origin = _header(headers, "Access-Control-Allow-Origin")
    if origin not in ("*", CORS_ORIGIN):
        found = "missing" if origin is None else repr(origin)
        raise Fail(
            f"for {what}, Access-Control-Allow-Origin is {found}",
            "map method.response.header.Access-Control-Allow-Origin to \"'*'\"",
        )
    methods = _header(headers, "Access-Control-Allow-Methods")
    listed = {m.strip().upper() for m in (methods or "").split(",") if m.strip()}
    missing = [m for m in CORS_METHODS if m not in listed and "*" not in listed]
    if missing:
        found = "missing" if methods is None else repr(methods)
        raise Fail(
            f"for a resource with {' and '.join(CORS_METHODS)}, Access-Control-Allow-Methods "
            f"is {found}: {', '.join(missing)} not allowed",
            "list the methods your function was given: \"'\" + ','.join(methods + "
            "['OPTIONS']) + \"'\"",
        )
    if "OPTIONS" not in listed and "*" not in listed:
        raise Fail(
            f"for a resource with {' and '.join(CORS_METHODS)}, Access-Control-Allow-Methods "
            f"is {methods!r}: the exercise asks for the methods it was given and OPTIONS, the "
            "method the preflight itself uses",
            "\"'\" + ','.join(methods + ['OPTIONS']) + \"'\" (for ['GET', 'PUT']: "
            "'GET,PUT,OPTIONS')",
        )
    allowed = _header(headers, "Access-Control-Allow-Headers")
    names = {h.strip().lower() for h in (allowed or "").split(",") if h.strip()}
    absent = [h for h in CORS_ALLOW_HEADERS if h.lower() not in names and "*" not in names]
    if absent:
        found = "missing" if allowed is None else repr(allowed)
        raise Fail(
            f"for {what} with the headers Content-Type and Authorization, "
            f"Access-Control-Allow-Headers is {found}",
            "map method.response.header.Access-Control-Allow-Headers to "
            "\"'Content-Type,Authorization'\"",
        )


# -- 6.3 -----------------------------------------------------------------------------------------
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(claims: dict[str, Any], secret: str) -> str:
    """A JWT signed with HS256 (header.payload.signature), as the notebook makes them."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{_b64url(signature.digest())}"


def _method_arn(aws: Any, api_id: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{api_id}/{STAGE}/{method}{path}"


@exercise(
    "6.3",
    title="A TOKEN authorizer with roles",
    hint="raise Exception('Unauthorized') for tokens you cannot verify; return principalId, "
    "policyDocument and context otherwise",
)
def check_authorizer(answer: Any) -> None:
    source = _source(answer, "ROLES_AUTHORIZER_PY", "6.3")
    aws = _sandbox()
    with Scratch(aws, "check-6.3") as scratch:
        authorizer_arn = scratch.function(
            AUTHORIZER_FUNCTION,
            source,
            Environment={"Variables": {"TOKEN_SECRET": CHECK_SECRET}},
        )
        backend_arn = scratch.function(BACKEND_FUNCTION, CONTEXT_ECHO_PY)
        authorizer = scratch.apigw.create_authorizer(
            restApiId=scratch.api_id,
            name="roles",
            type="TOKEN",
            authorizerUri=lambda_uri(aws, authorizer_arn),
            identitySource="method.request.header.Authorization",
            authorizerResultTtlInSeconds=AUTHORIZER_TTL_S,
        )
        for method in ("GET", "POST"):
            scratch.proxy(
                "/apps",
                method,
                backend_arn,
                authorizationType="CUSTOM",
                authorizerId=authorizer["id"],
            )
        scratch.deploy()
        _Tokens(aws, scratch).run()


class _Tokens:
    """The requests of check 6.3, in order, each with its own diagnosis."""

    def __init__(self, aws: Any, scratch: Scratch) -> None:
        self.aws, self.scratch = aws, scratch

    def token(self, sub: str, role: str, secret: str = CHECK_SECRET) -> str:
        return make_token({"sub": sub, "role": role}, secret)

    def send(self, method: str, authorization: str) -> Any:
        return self.scratch.call(method, "/apps", headers={"Authorization": authorization})

    def run(self) -> None:
        forged = "Bearer " + self.token("mallory", "editor", "not-the-secret")
        check_signature = (
            "compute the signature of header.payload with the secret and compare it with the "
            "token's (hmac.compare_digest); refuse the token if they differ"
        )
        bad = [
            ("a token signed with another secret", forged, check_signature),
            ("the header 'Bearer not-a-token'", "Bearer not-a-token", check_signature),
            (
                "a good token without 'Bearer '",
                self.token("carol", "reader"),
                "the header must start with 'Bearer ': raise Exception('Unauthorized') if "
                "it does not",
            ),
        ]
        for what, authorization, hint in bad:
            self.expect_refused(what, authorization, hint)
        reader = "Bearer " + self.token("ada", "reader")
        self.expect_allowed("GET", "ada", "reader", reader)
        self.expect_denied("POST", "a reader", reader, "readers may only GET")
        editor = "Bearer " + self.token("grace", "editor")
        self.expect_allowed("GET", "grace", "editor", editor)
        self.expect_allowed("POST", "grace", "editor", editor, after_get=True)
        guest = "Bearer " + self.token("bob", "guest")
        self.expect_denied("GET", "a guest", guest, "only readers and editors may call the API")

    def event(self, method: str, authorization: str) -> dict[str, Any]:
        return {
            "type": "TOKEN",
            "authorizationToken": authorization,
            "methodArn": _method_arn(self.aws, self.scratch.api_id, method, "/apps"),
        }

    def crashed(self, what: str, method: str, authorization: str, bad: bool = False) -> Fail:
        """Why the gateway answered 500: the authorizer failed or answered nonsense."""
        event = self.event(method, authorization)
        error = _function_error(self.aws, AUTHORIZER_FUNCTION, event)
        if error is not None:
            kind, message = error
            return Fail(
                f"for {what}, your authorizer raised {kind}: {message}, so API Gateway "
                "answered 500",
                "catch what can go wrong while reading a token (split, base64, json) and "
                "raise Exception('Unauthorized'), with exactly that message, instead",
            )
        result = self.invoke(event)
        if isinstance(result, dict):
            keys = ", ".join(sorted(result)) or "an empty dict"
        else:
            keys = f"a {type(result).__name__}"
        if bad:
            hint = (
                "for a token you cannot verify, raise Exception('Unauthorized'), with exactly "
                "that message: API Gateway answers 401"
            )
        else:
            hint = (
                "return {'principalId': ..., 'policyDocument': {...}, 'context': {...}} with "
                "context values that are strings, numbers or booleans"
            )
        return Fail(f"for {what}, your authorizer returned {keys}; API Gateway answered 500", hint)

    def invoke(self, event: dict[str, Any]) -> Any:
        response = self.scratch.lam.invoke(
            FunctionName=AUTHORIZER_FUNCTION, Payload=json.dumps(event)
        )
        if response.get("FunctionError"):
            return None
        return json.loads(response["Payload"].read() or b"null")

    def expect_refused(self, what: str, authorization: str, hint: str) -> None:
        status = self.send("GET", authorization).response["status"]
        if status == 401:
            return
        if status == 500:
            raise self.crashed(what, "GET", authorization, bad=True)
        if status == 403:
            raise Fail(
                f"for {what}, your authorizer returned a policy that refuses the call (403); "
                "a token you cannot verify is a 401",
                "raise Exception('Unauthorized') when the header is not 'Bearer <token>' or "
                "the signature does not match",
            )
        raise Fail(f"{what} was let through (status {status})", hint)

    def expect_allowed(
        self, method: str, sub: str, role: str, authorization: str, after_get: bool = False
    ) -> None:
        what = f"{method} /apps with a good token of {sub} (role {role})"
        seen = self.send(method, authorization)
        status = seen.response["status"]
        if status == 500:
            raise self.crashed(what, method, authorization)
        if status == 401:
            raise self.refused_good_token(what, method, authorization)
        if status == 403 and after_get:
            raise Fail(
                f"for an editor, GET /apps passed, then POST /apps got 403: API Gateway cached "
                f"the policy your authorizer returned for GET ({AUTHORIZER_TTL_S} s) and "
                "reused it for POST",
                "return a policy that covers every method the role may call: from "
                "api_arn, stage = event['methodArn'].split('/')[:2], allow "
                "f'{api_arn}/{stage}/*' for editors and f'{api_arn}/{stage}/GET/*' for readers",
            )
        if status == 403:
            raise Fail(
                f"{what} got 403: your policy does not allow it",
                "Allow execute-api:Invoke on a Resource that matches the methodArn, e.g. "
                "f'{api_arn}/{stage}/GET/*' for readers",
            )
        if status != 200:
            raise Fail(f"{what} got {status}", "allow it with an Allow policy")
        context = seen.response["body"] or {}
        expected = {"principalId": sub, "user": sub, "role": role}
        got = {key: context.get(key) for key in expected}
        if got != expected:
            raise Fail(
                f"for {what}, the handler got requestContext.authorizer with {got}, expected "
                f"{expected}",
                "'principalId': claims['sub'] and 'context': {'user': claims['sub'], "
                "'role': claims['role']}",
            )

    def refused_good_token(self, what: str, method: str, authorization: str) -> Fail:
        raw = authorization.removeprefix("Bearer ")
        notebook = "Bearer " + make_token(json.loads(_claims_json(raw)), NOTEBOOK_SECRET)
        if self.invoke(self.event(method, notebook)) is not None:
            return Fail(
                f"{what} got 401: your authorizer checks signatures with the notebook's "
                "secret, not the one in its environment",
                "read the secret from os.environ['TOKEN_SECRET'] (the check sets its own)",
            )
        if self.invoke(self.event(method, raw)) is not None:
            return Fail(
                f"{what} got 401, though the token without 'Bearer ' is accepted",
                "the header is 'Bearer <token>': token = header.removeprefix('Bearer ')",
            )
        return Fail(
            f"{what} got 401", "verify the signature as the authorizer above the exercise does"
        )

    def expect_denied(self, method: str, who: str, authorization: str, rule: str) -> None:
        what = f"{method} /apps with a good token of {who}"
        status = self.send(method, authorization).response["status"]
        if status == 403:
            return
        if status == 500:
            raise self.crashed(what, method, authorization)
        if status == 401:
            raise Fail(
                f"{what} got 401; the token is valid, so the caller is known but not allowed: "
                "that is a 403",
                "answer with a policy that does not allow the call (Effect 'Deny', or no "
                "Allow for it), not with Exception('Unauthorized')",
            )
        raise Fail(
            f"{what} was allowed (status {status}); {rule}",
            "choose the policy by role: readers Allow only f'{api_arn}/{stage}/GET/*', "
            "editors f'{api_arn}/{stage}/*', others Deny",
        )


def _claims_json(token: str) -> str:
    payload = token.split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


# -- 6.4 -----------------------------------------------------------------------------------------
@exercise(
    "6.4",
    title="A usage plan that throttles",
    hint="create_api_key(enabled=True), create_usage_plan(apiStages=..., throttle=..., "
    "quota=...), create_usage_plan_key(...); return the key's value",
)
def check_usage_plan(protect: Any) -> None:
    require_function(protect, "6.4", "protect")
    aws = _sandbox()
    with Scratch(aws, "check-6.4") as scratch:
        scratch.mock("/ping", "GET", apiKeyRequired=True)
        scratch.deploy()
        key_value = protect(scratch.api_id, STAGE)
        key = _find_key(scratch, key_value)
        plan = _plan_for(scratch, key)
        headers = {"x-api-key": key["value"]}
        at_once = [scratch.call("GET", "/ping", headers=headers) for _ in range(BURST + 5)]
        _check_burst([s.response for s in at_once])
        aws.clock.advance(1)
        a_second_later = [
            scratch.call("GET", "/ping", headers=headers) for _ in range(RATE_PER_S + 2)
        ]
        _check_rate([s.response for s in a_second_later])
        _check_quota(plan)


def _find_key(scratch: Scratch, key_value: Any) -> dict[str, Any]:
    if isinstance(key_value, dict) and "value" in key_value:
        raise Fail(
            "protect returned the whole create_api_key response",
            "return only the key's value: key['value']",
        )
    if not isinstance(key_value, str):
        raise Fail(
            f"protect returned {key_value!r}, not the key's value",
            "return key['value'], the string callers send in x-api-key",
        )
    keys = scratch.apigw.get_api_keys(includeValues=True)["items"]
    if any(k["id"] == key_value for k in keys):
        raise Fail(
            "protect returned the key's id; callers send the key's value",
            "return key['value'], not key['id']",
        )
    key = next((k for k in keys if k.get("value") == key_value), None)
    if key is None:
        raise Fail(
            f"there is no API key with the value {key_value!r}",
            "create one with apigw.create_api_key(name=..., enabled=True) and return its value",
        )
    if not key.get("enabled"):
        raise Fail(
            "the API key is disabled: API Gateway creates keys disabled unless told otherwise",
            "apigw.create_api_key(name=..., enabled=True)",
        )
    return key


def _plan_for(scratch: Scratch, key: dict[str, Any]) -> dict[str, Any]:
    apigw = scratch.apigw
    plans = apigw.get_usage_plans()["items"]
    with_key = [
        p
        for p in plans
        if any(
            k["id"] == key["id"] for k in apigw.get_usage_plan_keys(usagePlanId=p["id"])["items"]
        )
    ]
    if not with_key:
        raise Fail(
            "the API key belongs to no usage plan, so API Gateway refuses it (403)",
            "apigw.create_usage_plan_key(usagePlanId=plan['id'], keyId=key['id'], "
            "keyType='API_KEY')",
        )
    for plan in with_key:
        if any(
            s.get("apiId") == scratch.api_id and s.get("stage") == STAGE
            for s in plan.get("apiStages", [])
        ):
            return plan
    raise Fail(
        "the key's usage plan does not cover the API stage protect was given, so API Gateway "
        "refuses the key (403)",
        "create_usage_plan(..., apiStages=[{'apiId': api_id, 'stage': stage}])",
    )


def _check_burst(responses: list[dict[str, Any]]) -> None:
    statuses = [r["status"] for r in responses]
    what = f"{len(statuses)} requests at the same moment"
    if statuses.count(403) == len(statuses):
        raise Fail(f"{what} were all refused with 403", "is the key in a plan for this stage?")
    passed = statuses.count(200)
    if 429 not in statuses:
        raise Fail(
            f"{what} all got through: the plan does not throttle",
            f"create_usage_plan(..., throttle={{'rateLimit': {RATE_PER_S}, "
            f"'burstLimit': {BURST}}})",
        )
    _check_quota_not_hit(responses, what)
    if passed != BURST:
        raise Fail(
            f"of {what}, {passed} got through before the throttle answered 429; the plan "
            f"should allow bursts of {BURST}",
            f"burstLimit is the burst: throttle={{'rateLimit': {RATE_PER_S}, "
            f"'burstLimit': {BURST}}}",
        )


def _check_quota_not_hit(responses: list[dict[str, Any]], what: str) -> None:
    if any(
        r["status"] == 429 and (r["body"] or {}).get("message") == "Limit Exceeded"
        for r in responses
    ):
        raise Fail(
            f"of {what}, some were refused by the quota (429 Limit Exceeded), not the throttle",
            f"the quota is {QUOTA_PER_DAY} requests a day: quota={{'limit': {QUOTA_PER_DAY}, "
            "'period': 'DAY'}",
        )


def _check_rate(responses: list[dict[str, Any]]) -> None:
    _check_quota_not_hit(responses, f"{len(responses)} requests a second after the burst")
    passed = [r["status"] for r in responses].count(200)
    if passed != RATE_PER_S:
        raise Fail(
            f"a second after the burst, {passed} requests got through; at {RATE_PER_S} "
            f"requests per second, {RATE_PER_S} should",
            f"rateLimit is the steady rate per second: 'rateLimit': {RATE_PER_S}",
        )


def _check_quota(plan: dict[str, Any]) -> None:
    quota = plan.get("quota") or {}
    if not quota:
        raise Fail(
            "the usage plan has no quota",
            f"create_usage_plan(..., quota={{'limit': {QUOTA_PER_DAY}, 'period': 'DAY'}})",
        )
    if (int(quota.get("limit", 0)), quota.get("period")) != (QUOTA_PER_DAY, "DAY"):
        raise Fail(
            f"the quota is {quota.get('limit')} requests per {quota.get('period')}, expected "
            f"{QUOTA_PER_DAY} per DAY",
            f"quota={{'limit': {QUOTA_PER_DAY}, 'period': 'DAY'}}",
        )


# -- 6.5 -----------------------------------------------------------------------------------------
def _untouched(document: dict[str, Any]) -> bool:
    """True while the document is still the starter: GET /apps only, nothing added."""
    paths = document.get("paths") or {}
    return set(paths) <= {"/apps"} and "x-amazon-apigateway-gateway-responses" not in document


@exercise(
    "6.5",
    title="Complete a Swagger document",
    hint="document['paths']['/apps/{id}'] = {'get': {...}} and "
    "document['x-amazon-apigateway-gateway-responses'] = {...}",
)
def check_swagger(document: Any) -> None:
    if not isinstance(document, dict):
        raise Fail(
            f"expected the Swagger document as a dict, got {type(document).__name__}",
            "check('6.5', document) with the dict you completed",
        )
    if _untouched(document):
        raise NotAttempted()
    aws = _sandbox()
    apigw = aws.client("apigateway")
    try:
        api_id = apigw.import_rest_api(body=json.dumps(copy.deepcopy(document)))["id"]
    except apigw.exceptions.BadRequestException as exc:
        message = exc.response["Error"]["Message"]
        hint = "start from STARTER: 'swagger': '2.0', 'info' and 'paths'"
        if "responseTemplates" in message:
            hint = (
                "a template is text: 'responseTemplates': {'application/json': "
                '\'{"message": "no such route"}\'}, or json.dumps({...}) of the body'
            )
        raise Fail(f"API Gateway refused to import the document: {message}", hint) from None
    except TypeError as exc:
        raise Fail(
            f"the document is not JSON: {exc}", "use only dicts, lists, strings and numbers"
        ) from None
    try:
        _check_imported(aws, apigw, api_id)
    finally:
        with contextlib.suppress(Exception):
            apigw.delete_rest_api(restApiId=api_id)


def _check_imported(aws: Any, apigw: Any, api_id: str) -> None:
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=api_id)["items"]}
    item = resources.get("/apps/{id}")
    if item is None:
        others = ", ".join(sorted(p for p in resources if p.startswith("/apps/"))) or "none"
        raise Fail(
            f"the imported API has no resource /apps/{{id}} (below /apps: {others})",
            "document['paths']['/apps/{id}'] = {'get': {...}}: the path parameter is {id}",
        )
    if "GET" not in (item.get("resourceMethods") or {}):
        raise Fail(
            "/apps/{id} has no GET method",
            "the path's item is {'get': {'responses': {...}, "
            "'x-amazon-apigateway-integration': {...}}}",
        )
    try:
        integration = apigw.get_integration(
            restApiId=api_id, resourceId=item["id"], httpMethod="GET"
        )
    except apigw.exceptions.NotFoundException:
        integration = None
    if not integration or not integration.get("type"):
        raise Fail(
            "GET /apps/{id} has no x-amazon-apigateway-integration, so API Gateway cannot "
            "deploy it (No integration defined for method)",
            "copy the integration of GET /apps: {'type': 'aws_proxy', 'httpMethod': 'POST', "
            "'uri': lambda_uri(apps_arn)}",
        )
    if integration["type"] != "AWS_PROXY":
        raise Fail(
            f"GET /apps/{{id}}'s integration has the type {integration['type'].lower()}",
            "'type': 'aws_proxy', the Lambda proxy integration",
        )
    if (integration.get("httpMethod") or "").upper() != "POST":
        raise Fail(
            f"the integration's httpMethod is {integration.get('httpMethod')}: API Gateway "
            "calls Lambda's Invoke API, which is always a POST",
            "'httpMethod': 'POST' inside x-amazon-apigateway-integration, whatever the "
            "client's method",
        )
    apigw.create_deployment(restApiId=api_id, stageName=STAGE)
    _call_imported(aws, api_id)


def _call_imported(aws: Any, api_id: str) -> None:
    seen = call(aws, api_id, "GET", "/apps/weather")
    status, body = seen.response["status"], seen.response["body"]
    if status == 502:
        error = _function_error(aws, APPS_FUNCTION, seen.event or {})
        if error is not None and error[0] == "KeyError":
            raise Fail(
                f"GET /apps/weather got 502: the apps function raised KeyError: {error[1]}",
                "the function reads event['pathParameters']['id']: name the path /apps/{id}",
            )
        raise Fail(
            "GET /apps/weather got 502",
            "point the integration at the apps function, as for GET /apps: "
            "'uri': lambda_uri(apps_arn)",
        )
    if status != 200 or not isinstance(body, dict) or body.get("id") != "weather":
        raise Fail(
            f"GET /apps/weather got {status} {_shown(body)}",
            "GET /apps/{id} goes to the apps function: 'uri': lambda_uri(apps_arn)",
        )
    missing = call(aws, api_id, "GET", "/nothing/here").response
    expected = {"message": "no such route"}
    if missing["status"] == 403:
        raise Fail(
            "GET /nothing/here still got 403 Missing Authentication Token",
            "x-amazon-apigateway-gateway-responses: {'MISSING_AUTHENTICATION_TOKEN': "
            "{'statusCode': 404, 'responseTemplates': {'application/json': "
            '\'{"message": "no such route"}\'}}}',
        )
    if missing["status"] != 404 or missing["body"] != expected:
        raise Fail(
            f"GET /nothing/here got {missing['status']} {_shown(missing['body'])}, expected "
            f"404 {json.dumps(expected)}",
            "the gateway response's statusCode is 404 and its responseTemplates "
            "{'application/json': '{\"message\": \"no such route\"}'}",
        )
    _check_only_unknown_routes(aws.client("apigateway"), api_id)


#: Gateway responses that cover more than an unknown route (a 404 there hides other errors).
_TOO_WIDE = {
    "DEFAULT_4XX": "401 Unauthorized, 403 for a missing API key or a denied policy, 429 Too "
    "Many Requests, 413 Request Too Large",
    "ACCESS_DENIED": "an authorizer's Deny",
    "UNAUTHORIZED": "a missing or unreadable token",
}


def _check_only_unknown_routes(apigw: Any, api_id: str) -> None:
    """Only MISSING_AUTHENTICATION_TOKEN (an unknown route) may become 404 "no such route"."""
    responses = apigw.get_gateway_responses(restApiId=api_id)["items"]
    for response in responses:
        kind = response.get("responseType", "")
        if response.get("defaultResponse") or str(response.get("statusCode")) != "404":
            continue  # AWS's own defaults (RESOURCE_NOT_FOUND is a 404 of its own) are fine
        if kind in ("MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND"):
            continue
        covers = _TOO_WIDE.get(kind, "")
        raise Fail(
            f"your gateway response {kind} answers 404 too: every error it covers"
            + (f" ({covers})" if covers else "")
            + " would reach the client as 'no such route'",
            "put the 404 under MISSING_AUTHENTICATION_TOKEN only, the response API Gateway "
            f"gives for an unknown route, and remove {kind}",
        )
