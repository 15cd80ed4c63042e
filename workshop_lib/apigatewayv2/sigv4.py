"""Checking an AWS Signature Version 4 on a request, as AWS_IAM authorization does.

The signature is computed again with botocore's own signer, for the service and region the
request's credential scope names, and compared. Every principal of the sandbox signs with
the sandbox's fake secret, so the check is real: a changed byte, header or path fails it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from workshop_lib.apigateway.gateway import HttpRequest

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<signed>[^,]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


#: how far a request's X-Amz-Date may be from now (AWS's clock-skew allowance)
MAX_SKEW_S = 300


def verify(
    request: HttpRequest, host: str, service: str, account_id: str, region: str
) -> dict[str, Any] | None:
    """The caller's IAM identity (as requestContext reports it) if the request is signed
    for ``service`` in ``region``, within five minutes of now, with a valid signature; else
    None. The time is the real one: botocore signs with it whatever the sandbox's clock."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from workshop_lib.sandbox import FAKE_CREDENTIALS

    found = _AUTH.fullmatch((request.header("authorization") or "").strip())
    stamp = request.header("x-amz-date")
    if found is None or stamp is None or found["service"] != service:
        return None
    if found["region"] != region or not _recent(stamp):
        return None
    # an in-process request carries no Host header: the URL's host is what was signed
    signed = {
        name: request.header(name) or (host if name == "host" else "")
        for name in found["signed"].split(";")
    }
    url = f"https://{host}{quote(request.path or '/', safe='/%')}"
    if request.query:
        url += f"?{request.query}"
    prepared = AWSRequest(method=request.method.upper(), url=url, data=request.body)
    for name, value in signed.items():
        prepared.headers[name] = value
    prepared.context["timestamp"] = stamp
    credentials = Credentials(
        found["key"],
        FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        request.header("x-amz-security-token"),
    )
    auth = SigV4Auth(credentials, service, found["region"])
    expected = auth.signature(
        auth.string_to_sign(prepared, auth.canonical_request(prepared)), prepared
    )
    if expected != found["signature"]:
        return None
    return {
        "accessKey": found["key"],
        "accountId": account_id,
        "callerId": found["key"],
        "principalOrgId": None,
        "userArn": f"arn:aws:iam::{account_id}:user/sandbox",
        "userId": found["key"],
    }


def _recent(stamp: str) -> bool:
    import time
    from datetime import datetime, timezone

    try:
        signed = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return False
    return abs(signed.timestamp() - time.time()) <= MAX_SKEW_S
