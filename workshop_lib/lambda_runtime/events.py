"""Sample events shaped like AWS's: API Gateway proxy, S3, SQS, SNS and a schedule.

The same generators feed the event sources of the sandbox (S3 notifications, the SQS
poller) and the exercises, so a handler tested against a sample sees what it will get.
Times come from the sandbox clock and ids from its seeded generator, so output repeats.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from workshop_lib.ids import IdGenerator

ACCOUNT_ID = "123456789012"
_FALLBACK_IDS = IdGenerator(0)


def _sandbox() -> Any:
    from workshop_lib import sandbox

    return sandbox.active()


def _ids() -> IdGenerator:
    box = _sandbox()
    return box.ids if box is not None else _FALLBACK_IDS


def _now() -> datetime:
    box = _sandbox()
    if box is not None:
        return box.clock.now()
    from workshop_lib.clock import DEFAULT_START

    return DEFAULT_START


def _region() -> str:
    box = _sandbox()
    return box.region if box is not None else "us-east-1"


def _iso_ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def api_gateway_proxy(
    method: str = "GET",
    path: str = "/",
    *,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str | list[str]] | None = None,
    headers: dict[str, str | list[str]] | None = None,
    body: str | dict | list | None = None,
    stage: str = "test",
    stage_variables: dict[str, str] | None = None,
    api_id: str = "a1b2c3d4e5",
    source_ip: str = "127.0.0.1",
    authorizer: dict[str, Any] | None = None,
    is_base64_encoded: bool = False,
) -> dict[str, Any]:
    """A REST API (payload format 1.0) Lambda proxy event, as API Gateway sends it."""
    now = _now()
    single_headers = {k: (v[-1] if isinstance(v, list) else v) for k, v in (headers or {}).items()}
    multi_headers = {k: (v if isinstance(v, list) else [v]) for k, v in (headers or {}).items()}
    single_query = {k: (v[-1] if isinstance(v, list) else v) for k, v in (query or {}).items()}
    multi_query = {k: (v if isinstance(v, list) else [v]) for k, v in (query or {}).items()}
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    resource = resource or path
    identity = {
        key: None
        for key in (
            "cognitoIdentityPoolId",
            "accountId",
            "cognitoIdentityId",
            "caller",
            "principalOrgId",
            "accessKey",
            "cognitoAuthenticationType",
            "cognitoAuthenticationProvider",
            "userArn",
            "user",
            "apiKey",
        )
    }
    identity["sourceIp"] = source_ip
    identity["userAgent"] = single_headers.get("User-Agent", "workshop-sandbox")
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "resourceId": _ids().hex(6),
        "resourcePath": resource,
        "httpMethod": method.upper(),
        "extendedRequestId": _ids().hex(16),
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "path": f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "stage": stage,
        "domainPrefix": api_id,
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "requestId": _ids().uuid4(),
        "identity": identity,
        "domainName": f"{api_id}.execute-api.{_region()}.amazonaws.com",
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method.upper(),
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64_encoded,
    }


def s3_object_created(
    bucket: str,
    key: str,
    *,
    size: int = 1024,
    etag: str | None = None,
    event_name: str = "ObjectCreated:Put",
    configuration_id: str = "workshop-notification",
) -> dict[str, Any]:
    """An S3 ``ObjectCreated`` notification (event structure version 2.1)."""
    now = _now()
    etag = etag or hashlib.md5(key.encode()).hexdigest()  # noqa: S324 - an ETag, not security
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": _region(),
                "eventTime": _iso_ms(now),
                "eventName": event_name,
                "userIdentity": {"principalId": "AWS:AIDAWORKSHOPEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": _ids().hex(16).upper(),
                    "x-amz-id-2": _ids().hex(32),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3WORKSHOPEXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),  # S3 keeps the slashes
                        "size": size,
                        "eTag": etag,
                        "sequencer": _ids().hex(18).upper(),
                    },
                },
            }
        ]
    }


def sqs_record(
    body: str,
    *,
    queue_arn: str | None = None,
    message_id: str | None = None,
    receipt_handle: str | None = None,
    attributes: dict[str, str] | None = None,
    message_attributes: dict[str, Any] | None = None,
    md5_of_body: str | None = None,
) -> dict[str, Any]:
    """One record of an SQS event, as the Lambda poller delivers it."""
    sent = str(int(_now().timestamp() * 1000))
    return {
        "messageId": message_id or _ids().uuid4(),
        "receiptHandle": receipt_handle or _ids().hex(64),
        "body": body,
        "attributes": attributes
        or {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": sent,
            "SenderId": "AIDAWORKSHOPEXAMPLE",
            "ApproximateFirstReceiveTimestamp": sent,
        },
        "messageAttributes": message_attributes or {},
        "md5OfBody": md5_of_body or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn or f"arn:aws:sqs:{_region()}:{ACCOUNT_ID}:my-queue",
        "awsRegion": _region(),
    }


def sqs(*bodies: str, queue_arn: str | None = None) -> dict[str, Any]:
    """An SQS event with one record per body."""
    return {"Records": [sqs_record(b, queue_arn=queue_arn) for b in bodies]}


def sns(message: str, *, topic_arn: str | None = None, subject: str | None = None) -> dict:
    """An SNS notification event."""
    topic_arn = topic_arn or f"arn:aws:sns:{_region()}:{ACCOUNT_ID}:my-topic"
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{_ids().uuid4()}",
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": _iso_ms(_now()),
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "EXAMPLE",
                    "MessageId": _ids().uuid4(),
                    "Message": message,
                    "MessageAttributes": {},
                    "Type": "Notification",
                    "UnsubscribeUrl": "EXAMPLE",
                    "TopicArn": topic_arn,
                    "Subject": subject,
                },
            }
        ]
    }


def schedule(rule: str = "my-schedule") -> dict[str, Any]:
    """An EventBridge ``Scheduled Event`` (the ``schedule`` event of serverless.yml)."""
    now = _now()
    return {
        "version": "0",
        "id": _ids().uuid4(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": _region(),
        "resources": [f"arn:aws:events:{_region()}:{ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


__all__ = [
    "api_gateway_proxy",
    "s3_object_created",
    "schedule",
    "sns",
    "sqs",
    "sqs_record",
]
