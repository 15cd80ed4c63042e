"""Checks for notebook 10 (HTTP APIs and function URLs): payload 2.0, JWT authorizers, SigV4.

Every check builds what it needs in the running sandbox (an HTTP API, a function, an issuer
or a function URL of its own, removed when it ends), so a check can run again and again.

10.1 deploys the learner's payload-2.0 handler source behind ``GET /apps`` and
``GET /apps/{id}`` and sends four requests. 10.2 calls the learner's ``lock`` on a route of
its own and tries four tokens from an issuer of its own. 10.3 calls the learner's
``call_signed`` against an ``AWS_IAM`` function URL of its own and reads back how the
request was signed.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from workshop_lib.exercises import Fail, exercise
from workshop_lib.exercises.common import replace_function, require_function, running_sandbox

#: 10.1: the apps the handler serves, and what the checker expects of it
APPS = {
    "weather": {"id": "weather", "name": "Weather", "tags": ["free", "offline"]},
    "maps": {"id": "maps", "name": "Maps", "tags": ["free"]},
    "chess": {"id": "chess", "name": "Chess", "tags": ["offline"]},
}
APPS_FUNCTION = "check-10-1-apps"
#: 10.2: what the locked route must ask for
AUDIENCE = "apps-console"
WRITE_SCOPE = "apps:write"
#: 10.3: the function behind the checker's AWS_IAM URL
ECHO_FUNCTION = "check-10-3-echo"
ECHO_PY = """
import json


def handler(event, context):
    return {"received": event.get("body"), "method": event["requestContext"]["http"]["method"]}
"""


class Scratch:
    """An HTTP API and functions of the checker's own, deleted when the check ends."""

    def __init__(self, aws: Any, name: str) -> None:
        self.aws = aws
        self.v2 = aws.client("apigatewayv2")
        self.lam = aws.client("lambda")
        self.api = self.v2.create_api(Name=name, ProtocolType="HTTP")
        self.functions: list[str] = []

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: Any) -> None:
        for name in self.functions:  # cleaning up must never hide the verdict
            with contextlib.suppress(Exception):
                self.lam.delete_function(FunctionName=name)
        with contextlib.suppress(Exception):
            self.v2.delete_api(ApiId=self.api["ApiId"])

    def function(self, name: str, source: str, **config: Any) -> str:
        """Create ``name`` from the source of app.py, replacing an older one; its ARN."""
        arn = replace_function(self.aws, name, source, **config)
        self.functions.append(name)
        return arn

    def routes(self, function_arn: str, *keys: str) -> dict[str, str]:
        """Routes to the function (payload 2.0) on a ``$default`` stage; ``{key: route id}``."""
        api_id = self.api["ApiId"]
        integration = self.v2.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationUri=function_arn,
            PayloadFormatVersion="2.0",
        )["IntegrationId"]
        made = {
            key: self.v2.create_route(
                ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}"
            )["RouteId"]
            for key in keys
        }
        self.v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        return made

    @property
    def url(self) -> str:
        return self.api["ApiEndpoint"]


# -- 10.1: a handler for payload 2.0 ---------------------------------------------------------
def _error_of(aws: Any, path: str, query: str = "") -> str:
    """What the function raised for this request: it is invoked directly with the very event
    the HTTP API sends, so the error a 500 hides can be named."""
    from workshop_lib.apigateway.gateway import HttpRequest
    from workshop_lib.apigatewayv2 import payload, routes

    keys = ["GET /apps", "GET /apps/{id}"]
    route_key, params = routes.select(keys, "GET", path) or ("$default", {})
    target = payload.Target(
        api_id="check",
        domain_name="check.execute-api.local",
        stage="$default",
        route_key=route_key,
        raw_path=path,
        path_parameters=params,
        stage_variables={},
        account_id=aws.account_id,
        request_id="check",
        now=aws.clock.time(),
    )
    event = payload.event_v2(HttpRequest("GET", path, query), target)
    answer = aws.client("lambda").invoke(FunctionName=APPS_FUNCTION, Payload=json.dumps(event))
    text = answer["Payload"].read() or b"null"
    body = json.loads(text)
    if answer.get("FunctionError") and isinstance(body, dict):
        return f"{body.get('errorType')}: {body.get('errorMessage')}"
    try:
        payload.response_v2(text.decode())
    except payload.MalformedResponse as malformed:
        return f"an answer the HTTP API cannot use ({malformed})"
    return ""


#: what a handler's error says -> the payload 2.0 fact that explains it
_EXPLAINED = (
    (
        "'resource'",
        "payload 2.0 has no resource: choose the route with event['routeKey'] "
        "('GET /apps' or 'GET /apps/{id}')",
    ),
    (
        "'httpMethod'",
        "payload 2.0 has no httpMethod: the route key says it, event['routeKey'] == 'GET /apps'",
    ),
    (
        "'multiValueQueryStringParameters'",
        "payload 2.0 has no multiValueQueryStringParameters: "
        "repeated parameters arrive in queryStringParameters joined with commas ('free,offline')",
    ),
    (
        "'pathParameters'",
        "GET /apps has no path parameters: look at event['routeKey'] first and "
        "read event['pathParameters']['id'] only for 'GET /apps/{id}'",
    ),
    (
        "'queryStringParameters'",
        "without a query string the key is missing: read "
        "(event.get('queryStringParameters') or {}).get('tag')",
    ),
    (
        "'NoneType' object has no attribute 'get'",
        "without a query string the key is missing: "
        "read (event.get('queryStringParameters') or {}).get('tag')",
    ),
    ("UserCodeSyntaxError", "APPS_V2_PY does not parse: fix the line the error names"),
    ("HandlerNotFound", "the module must define def handler(event, context):"),
    (
        "body is not a string",
        "the body is text: return {'statusCode': 200, 'body': "
        "json.dumps(...)}, or return the value itself with no statusCode",
    ),
)


def _explain(raised: str) -> str | None:
    for marker, hint in _EXPLAINED:
        if marker in raised:
            return hint
    if "KeyError" in raised and any(c.isupper() for c in raised.split("KeyError", 1)[1]):
        return "header names are lower case in an HTTP API's event: event['headers']['user-agent']"
    return None


@exercise(
    "10.1",
    "a handler for payload 2.0",
    "print(event) first thing in your handler: the HTTP API answers 500 when it raises",
)
def check_handler_v2(source: Any) -> None:
    import requests

    if not isinstance(source, str):
        raise Fail(
            f"expected the source of app.py as a string, got {type(source).__name__}",
            'write APPS_V2_PY = """...""" with the module, then check("10.1", APPS_V2_PY)',
        )
    if not re.search(r"^def handler\(", source, re.M):
        raise Fail(
            "the source has no function called handler",
            "the deployed function runs app.handler: define def handler(event, context):",
        )
    aws = running_sandbox("the handler cannot be deployed", "run the notebook's first cell")
    with Scratch(aws, "check-10-1") as scratch:
        arn = scratch.function(APPS_FUNCTION, source)
        scratch.routes(arn, "GET /apps", "GET /apps/{id}")
        listing = requests.get(f"{scratch.url}/apps")
        if listing.status_code == 500:
            raised = _error_of(aws, "/apps")
            raise Fail(
                f"GET /apps answered 500: your handler {_verb(raised)}",
                _explain(raised)
                or "print(event) first thing in the handler and compare with the 2.0 event above",
            )
        if listing.status_code != 200 or _json(listing) != sorted(APPS):
            raise Fail(
                f"GET /apps answered {listing.status_code} {listing.text[:120]}",
                f"answer the sorted ids, {sorted(APPS)}, as JSON",
            )
        tagged = requests.get(f"{scratch.url}/apps?tag=free&tag=offline")
        want = sorted(a for a, v in APPS.items() if {"free", "offline"} <= set(v["tags"]))
        if tagged.status_code == 500:
            raised = _error_of(aws, "/apps", "tag=free&tag=offline")
            hint = (
                _explain(raised) or "read event['queryStringParameters']['tag'] (it may be missing)"
            )
            raise Fail(f"GET /apps?tag=free&tag=offline answered 500 ({raised})", hint)
        if _json(tagged) != want:
            got = _json(tagged)
            if got == []:
                hint = "the two tags arrive as one value, 'free,offline': split it on commas"
            elif got == sorted(APPS):
                hint = (
                    "no filter happened: payload 2.0 has no multiValueQueryStringParameters; "
                    "read queryStringParameters['tag'] and split it on commas"
                )
            else:
                hint = "keep the apps that have every tag asked for"
            raise Fail(f"GET /apps?tag=free&tag=offline answered {got}, not {want}", hint)
        one = requests.get(f"{scratch.url}/apps/weather")
        if one.status_code == 500:
            raised = _error_of(aws, "/apps/weather")
            raise Fail(
                f"GET /apps/weather answered 500: your handler {_verb(raised)}",
                _explain(raised) or "take the id from event['pathParameters']['id']",
            )
        if one.status_code != 200 or _json(one) != APPS["weather"]:
            raise Fail(
                f"GET /apps/weather answered {one.status_code} {one.text[:120]}",
                "take the id from event['pathParameters']['id'] and answer that app",
            )
        missing = requests.get(f"{scratch.url}/apps/tetris")
        if missing.status_code != 404 or _json(missing) != {"message": "no app called tetris"}:
            raise Fail(
                f"GET /apps/tetris answered {missing.status_code} {missing.text[:120]}",
                'answer {"statusCode": 404, "body": json.dumps({"message": '
                'f"no app called {app_id}"})} for an id you do not have',
            )


def _verb(raised: str) -> str:
    if raised.startswith("an answer"):
        return f"returned {raised}"
    return f"raised {raised or 'an error'}"


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


# -- 10.2: a JWT authorizer on the write route ------------------------------------------------
@exercise("10.2", "lock the write route with a JWT authorizer", "print what lock() created")
def check_lock(lock: Any) -> None:
    import requests

    require_function(lock, "10.2", "lock")
    aws = running_sandbox("the route cannot be locked", "run the notebook's first cell")
    issuer = aws.plugin("apigatewayv2").issuer()
    try:
        with Scratch(aws, "check-10-2") as scratch:
            arn = scratch.function("check-10-2-write", ECHO_PY)
            route_id = scratch.routes(arn, "POST /apps")["POST /apps"]
            try:
                lock(scratch.api["ApiId"], route_id, issuer.url)
            except Exception as exc:
                if type(exc).__name__ != "ParamValidationError":
                    raise
                raise Fail(
                    f"boto3 refused the parameters: {str(exc).splitlines()[-1].strip()}",
                    "Audience, IdentitySource and AuthorizationScopes take lists; AuthorizerId "
                    "is the id in what create_authorizer returns (made['AuthorizerId'])",
                ) from None
            url = f"{scratch.url}/apps"

            def post(token: str | None) -> Any:
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                return requests.post(url, headers=headers, data="{}")

            unsigned = post(None)
            if unsigned.status_code == 500:
                raise Fail(
                    "POST /apps without a token answered 500", _route_hint(scratch, route_id)
                )
            if unsigned.status_code != 401:
                raise Fail(
                    "POST /apps without a token was let through",
                    "attach the authorizer: v2.update_route(ApiId=..., RouteId=..., "
                    "AuthorizationType='JWT', AuthorizerId=...)",
                )
            good = issuer.token(AUDIENCE, scopes=[WRITE_SCOPE])
            answered = post(good)
            if answered.status_code == 401:
                raise Fail(
                    "a valid token for audience 'apps-console' with scope 'apps:write' got 401",
                    _config_hint(scratch, route_id, issuer.url),
                )
            if answered.status_code == 403:
                route = scratch.v2.get_route(ApiId=scratch.api["ApiId"], RouteId=route_id)
                raise Fail(
                    f"a valid token with scope 'apps:write' got 403: the route asks for "
                    f"{route.get('AuthorizationScopes')}",
                    "ask for the scope writers' tokens carry: AuthorizationScopes=['apps:write']",
                )
            if answered.status_code == 500:
                raise Fail("a valid token got 500", _route_hint(scratch, route_id))
            if answered.status_code >= 300:
                raise Fail(
                    f"a valid token got {answered.status_code} {answered.text[:100]}",
                    "the route's integration must stay as it was: change only its authorization",
                )
            reader = post(issuer.token(AUDIENCE, scopes=["apps:read"]))
            if reader.status_code != 403:
                raise Fail(
                    f"a token with only 'apps:read' got {reader.status_code}, not 403",
                    "ask for the scope on the route: AuthorizationScopes=['apps:write']",
                )
            if post(issuer.token("another-app", scopes=[WRITE_SCOPE])).status_code != 401:
                raise Fail(
                    "a token for another audience was let through",
                    "the authorizer's JwtConfiguration Audience must be ['apps-console'] only",
                )
    finally:
        issuer.stop()


def _route_hint(scratch: Scratch, route_id: str) -> str:
    """Why the HTTP API answers 500: the route names no authorizer, or the wrong kind."""
    route = scratch.v2.get_route(ApiId=scratch.api["ApiId"], RouteId=route_id)
    if not route.get("AuthorizerId"):
        return "the route has AuthorizationType JWT but no AuthorizerId: pass made['AuthorizerId']"
    if route.get("AuthorizationType") != "JWT":
        return f"the route says AuthorizationType={route.get('AuthorizationType')!r}: use 'JWT'"
    return "compare your authorizer and route with the ones the notebook made above"


def _config_hint(scratch: Scratch, route_id: str, issuer_url: str) -> str:
    route = scratch.v2.get_route(ApiId=scratch.api["ApiId"], RouteId=route_id)
    authorizer_id = route.get("AuthorizerId")
    if not authorizer_id:
        return "the route has no AuthorizerId: pass the id create_authorizer returned"
    found = scratch.v2.get_authorizer(ApiId=scratch.api["ApiId"], AuthorizerId=authorizer_id)
    config = found.get("JwtConfiguration") or {}
    if config.get("Issuer") != issuer_url:
        return "JwtConfiguration Issuer must be the issuer_url lock() was given"
    if AUDIENCE not in (config.get("Audience") or []):
        return "JwtConfiguration Audience must be ['apps-console']"
    if found.get("IdentitySource") != ["$request.header.Authorization"]:
        return "IdentitySource must be ['$request.header.Authorization']"
    return "compare your authorizer with the one the notebook made above"


# -- 10.3: a signed call to an AWS_IAM function URL ----------------------------------------
@exercise("10.3", "sign a call to an AWS_IAM function URL", "print the headers you send")
def check_signed(call_signed: Any) -> None:
    require_function(call_signed, "10.3", "call_signed")
    aws = running_sandbox("no function URL can be made", "run the notebook's first cell")
    with Scratch(aws, "check-10-3") as scratch:
        scratch.function(ECHO_FUNCTION, ECHO_PY)
        lam = scratch.lam
        url = lam.create_function_url_config(FunctionName=ECHO_FUNCTION, AuthType="AWS_IAM")[
            "FunctionUrl"
        ]
        body = json.dumps({"event": "release", "app": "weather"})
        response = call_signed(url, body)
        if response is None:
            raise Fail(
                "call_signed returned None",
                "return the response: return requests.post(url, data=..., headers=...)",
            )
        if not hasattr(response, "status_code"):
            raise Fail(
                f"call_signed returned {type(response).__name__}, not the response",
                "return what requests.post(...) returns",
            )
        sent = getattr(response, "request", None)
        authorization = (sent.headers.get("Authorization") if sent is not None else None) or ""
        if response.status_code == 403:
            if not authorization:
                raise Fail(
                    "the request carried no Authorization header: it was not signed",
                    "sign an AWSRequest with SigV4Auth(credentials, 'lambda', region)"
                    ".add_auth(request), then send its headers",
                )
            service = authorization.split("Credential=", 1)[-1].split("/")[3:4]
            if service and service[0] != "lambda":
                raise Fail(
                    f"the request was signed for the service {service[0]!r}",
                    "function URLs are signed for the service 'lambda'",
                )
            raise Fail(
                "the signature did not match the request that was sent",
                "sign exactly what you send: the same method, URL, headers and body bytes",
            )
        if response.status_code != 200 or _json(response) != {"received": body, "method": "POST"}:
            raise Fail(
                f"the URL answered {response.status_code} {response.text[:120]}",
                "POST the body you were given, unchanged, to the URL you were given",
            )
