"""``TestInvokeMethod``: what the console's Test tab and ``aws apigateway test-invoke-method``
call (moto answers it "not implemented").

API Gateway runs the method as it is configured now, deployed or not, without its
authorizer or API key, with the request given (``pathWithQueryString``, ``headers``,
``body``, ``stageVariables``), and answers the status, body, headers, an execution log and
the latency (API reference, TestInvokeMethod:
https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html). The request
runs through the sandbox's own method execution, so the answer is what a deployed stage
would give.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from workshop_lib.apigateway.gateway import Gateway, HttpRequest
from workshop_lib.apigateway.spec import snapshot

if TYPE_CHECKING:
    from workshop_lib.apigateway.plugin import ApiGatewayPlugin


def answer(response: Any) -> tuple[int, dict, str]:
    """``APIGatewayResponse.test_invoke_method`` (added while the API Gateway plug-in runs)."""
    from workshop_lib.apigateway.patches import plugin

    parts = response.path.rstrip("/").split("/")
    api_id, resource_id, method = parts[-5], parts[-3], parts[-1].upper()
    params = json.loads(response.body or "{}")
    status, body = run(plugin(), api_id, resource_id, method, params)
    headers = {"status": status}  # moto reads the status from the headers
    if status == 404:
        headers["x-amzn-ErrorType"] = "NotFoundException"
    return status, headers, json.dumps(body)


def run(
    plugin: ApiGatewayPlugin, api_id: str, resource_id: str, method: str, params: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """``(HTTP status of the API call, its body)`` for one test invocation."""
    backend = plugin.deployments.backend()
    try:
        rest_api = backend.get_rest_api(api_id)
    except Exception:
        return 404, {
            "message": f"Invalid API identifier specified {plugin.aws.account_id}:{api_id}"
        }
    spec = snapshot(rest_api, "test-invoke")
    resource = next((r for r in spec.resources if r.id == resource_id), None)
    if resource is None or method not in resource.methods:
        return 404, {"message": "Invalid Method identifier specified"}
    open_method = dataclasses.replace(
        resource.methods[method], authorization_type="NONE", api_key_required=False
    )
    resources = [
        dataclasses.replace(r, methods={**r.methods, method: open_method}) if r is resource else r
        for r in spec.resources
    ]
    spec = dataclasses.replace(spec, resources=resources, _routes={})
    target = urlsplit(params.get("pathWithQueryString") or resource.path)
    headers = [(k, str(v)) for k, v in (params.get("headers") or {}).items()]
    for name, values in (params.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values]
    request = HttpRequest(
        method=method,
        path=target.path or "/",
        query=target.query,
        headers=headers,
        body=(params.get("body") or "").encode(),
    )
    trace: dict[str, Any] = {}
    started = time.perf_counter()
    gateway = Gateway(
        plugin, api_id, "test-invoke-stage", trace, (spec, params.get("stageVariables") or {})
    )
    answer = gateway.handle(request)
    latency = int((time.perf_counter() - started) * 1000)
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in answer.headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return 200, {
        "status": answer.status,
        "body": answer.body.decode("utf-8", errors="replace"),
        "headers": single,
        "multiValueHeaders": multi,
        "log": _log(plugin, method, resource.path, request, trace, answer.status),
        "latency": latency,
    }


def _log(
    plugin: ApiGatewayPlugin,
    method: str,
    resource_path: str,
    request: HttpRequest,
    trace: dict[str, Any],
    status: int,
) -> str:
    """An execution log in API Gateway's shape: one timestamped line per step."""
    moment = datetime.fromtimestamp(plugin.aws.clock.time(), tz=timezone.utc)
    stamp = moment.strftime("%a %b %d %H:%M:%S UTC %Y")
    request_id = plugin.aws.ids.uuid4()
    lines = [
        f"Execution log for request {request_id}",
        f"Starting execution for request: {request_id}",
        f"HTTP Method: {method}, Resource Path: {resource_path}",
        f"Method request path: {request.path}",
        f"Method request query string: {request.query or '{}'}",
        f"Method request body before transformations: {request.body.decode(errors='replace')}",
    ]
    if "event" in trace:
        lines.append(f"Endpoint request body after transformations: {json.dumps(trace['event'])}")
    if "lambda_response" in trace:
        answer = json.dumps(trace["lambda_response"])
        lines.append(f"Endpoint response body before transformations: {answer}")
    lines.append(f"Method completed with status: {status}")
    return "\n".join([lines[0], *(f"{stamp} : {line}" for line in lines[1:])]) + "\n"
