"""Lambda function URLs: ``https://<url-id>.lambda-url.<region>.on.aws/`` answered here.

A function URL takes any method and path and sends the function a payload format 2.0 event
(``routeKey`` and ``stage`` are ``$default``; Lambda developer guide, "Invoking Lambda
function URLs", https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html). With
``AuthType`` ``AWS_IAM`` the request must be signed with Signature Version 4 for the
``lambda`` service; an unsigned or badly signed request gets 403 ``{"Message":"Forbidden"}``
(https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html). Every principal of the
sandbox signs with the sandbox's fake secret, so a signature can be checked for real.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from workshop_lib.apigateway.gateway import HttpRequest, HttpResponse
from workshop_lib.apigatewayv2 import cors, payload

if TYPE_CHECKING:
    from workshop_lib.apigatewayv2.layer import HttpApiLayer

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<signed>[^,]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


def _forbidden() -> HttpResponse:
    body = json.dumps({"Message": "Forbidden"}).encode()
    return HttpResponse(403, [("content-type", "application/json")], body)


class FunctionUrls:
    """The function URLs of the sandbox's Lambda functions."""

    def __init__(self, layer: HttpApiLayer) -> None:
        self.layer = layer

    def find(self, url_id: str) -> tuple[Any, dict[str, Any]] | None:
        """``(function, its URL configuration)`` for a URL id, or None."""
        from moto.awslambda.utils import get_backend

        aws = self.layer.aws
        backend = get_backend(aws.account_id, aws.region)
        for fn in backend.list_functions("ALL"):
            config = getattr(fn, "url_config", None)
            if config is not None and config.url.split("//", 1)[1].split(".", 1)[0] == url_id:
                return fn, config.config
        return None

    def handle(self, url_id: str, request: HttpRequest) -> HttpResponse:
        found = self.find(url_id)
        if found is None:
            return payload.error(404, "Not Found")  # a URL that was deleted or never made
        fn, config = found
        if config.get("Cors") and cors.is_preflight(request):
            return cors.preflight(config["Cors"], request)
        authorizer = None
        if config.get("AuthType") == "AWS_IAM":
            identity = self.verify_signature(request, url_id)
            if identity is None:
                return _forbidden()
            authorizer = {"iam": identity}
        aws = self.layer.aws
        request_id = aws.ids.uuid4()
        target = payload.Target(
            api_id=url_id,
            domain_name=f"{url_id}.lambda-url.{aws.region}.on.aws",
            stage="$default",
            route_key="$default",
            raw_path=request.path or "/",
            path_parameters={},
            stage_variables={},
            account_id=aws.account_id,
            request_id=request_id,
            now=aws.clock.time(),
        )
        event = payload.event_v2(request, target, authorizer)
        response = self.layer.invoke_function(fn, event, payload.response_v2)
        if config.get("Cors"):
            cors.decorate(config["Cors"], request, response)
        response.headers.append(("x-amzn-requestid", request_id))
        return response

    def verify_signature(self, request: HttpRequest, url_id: str) -> dict[str, Any] | None:
        """The caller's IAM identity if the request carries a valid SigV4 signature."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        from workshop_lib.sandbox import FAKE_CREDENTIALS

        found = _AUTH.fullmatch((request.header("authorization") or "").strip())
        stamp = request.header("x-amz-date")
        if found is None or stamp is None or found["service"] != "lambda":
            return None
        signed = found["signed"].split(";")
        aws = self.layer.aws
        host = f"{url_id}.lambda-url.{aws.region}.on.aws"
        # an in-process request carries no Host header: the URL's host is what was signed
        headers = {
            name: request.header(name) or (host if name == "host" else "") for name in signed
        }
        url = f"https://{host}{quote(request.path or '/', safe='/%')}"
        if request.query:
            url += f"?{request.query}"
        prepared = AWSRequest(method=request.method.upper(), url=url, data=request.body)
        for name, value in headers.items():
            prepared.headers[name] = value
        prepared.context["timestamp"] = stamp
        token = request.header("x-amz-security-token")
        auth = SigV4Auth(
            Credentials(found["key"], FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"], token),
            "lambda",
            found["region"],
        )
        canonical = auth.canonical_request(prepared)
        expected = auth.signature(auth.string_to_sign(prepared, canonical), prepared)
        if expected != found["signature"]:
            return None
        return {
            "accessKey": found["key"],
            "accountId": aws.account_id,
            "callerId": found["key"],
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{aws.account_id}:user/sandbox",
            "userId": found["key"],
        }
