"""Notebook 06's request inspector: HTTP request → event → handler response → HTTP response.

:func:`inspect` sends one request through a deployed stage and keeps what each step saw;
:func:`describe` prints the four as text, one below the other; :class:`RequestInspector` is the
widget on top (method, path, headers, body, Send).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from workshop_lib.apigateway.gateway import HttpRequest


@dataclass
class Inspection:
    """One request through the gateway, step by step."""

    request: dict[str, Any]
    event: dict[str, Any] | None
    lambda_response: Any
    response: dict[str, Any]


def inspect(
    aws: Any,
    api_id: str,
    stage: str,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: str | dict | None = None,
) -> Inspection:
    """Send a request to a deployed stage and record every step of method execution."""
    if isinstance(body, dict):
        body = json.dumps(body)
    headers = dict(headers or {})
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    request = HttpRequest(
        method.upper(), path, urlencode(query or {}), list(headers.items()), (body or "").encode()
    )
    trace: dict[str, Any] = {}
    response = aws.plugin("apigateway").handle(api_id, stage, request, trace)
    try:
        response_body: Any = json.loads(response.body) if response.body else None
    except ValueError:
        response_body = response.body.decode(errors="replace")
    return Inspection(
        request={
            "method": request.method,
            "path": f"/{stage}{path}",
            "query": query or {},
            "headers": headers,
            "body": body,
        },
        event=trace.get("event"),
        lambda_response=trace.get("lambda_response"),
        response={
            "status": response.status,
            "headers": dict(response.headers),
            "body": response_body,
        },
    )


def _block(title: str, value: Any) -> str:
    text = (
        json.dumps(value, indent=2, sort_keys=True, default=str)
        if value is not None
        else ("(none: the gateway answered before any integration ran)")
    )
    return f"── {title} " + "─" * max(0, 60 - len(title)) + "\n" + text


def describe(
    inspection: Inspection,
    event_keys: tuple[str, ...] | None = (
        "resource",
        "path",
        "httpMethod",
        "pathParameters",
        "queryStringParameters",
        "body",
    ),
) -> str:
    """The four steps as text; ``event_keys`` trims the event (None shows all of it)."""
    event = inspection.event
    if event is not None and event_keys is not None:
        event = {k: event.get(k) for k in event_keys}
    response = dict(inspection.response)
    response["headers"] = {
        k: v for k, v in response["headers"].items() if not k.lower().startswith("x-am")
    }
    return "\n".join(
        [
            _block("1. HTTP request", inspection.request),
            _block("2. Lambda event (proxy, payload 1.0)", event),
            _block("3. handler response", inspection.lambda_response),
            _block("4. HTTP response", response),
        ]
    )


class RequestInspector:
    """A form over :func:`inspect`: choose method, path, body; Send shows the four steps."""

    def __init__(self, aws: Any, api_id: str, stage: str) -> None:
        import ipywidgets as widgets

        self.aws, self.api_id, self.stage = aws, api_id, stage
        self.method = widgets.Dropdown(
            options=["GET", "POST", "PUT", "DELETE", "OPTIONS"], description="method"
        )
        self.path = widgets.Text(value="/", description="path")
        self.headers = widgets.Textarea(value="{}", description="headers")
        self.body = widgets.Textarea(value="", description="body")
        self.send = widgets.Button(description="Send")
        self.output = widgets.HTML()
        self.send.on_click(lambda _button: self.run())
        self.widget = widgets.VBox(
            [self.method, self.path, self.headers, self.body, self.send, self.output]
        )
        self.last: Inspection | None = None

    def run(self) -> Inspection:
        try:
            headers = json.loads(self.headers.value or "{}")
        except ValueError:
            self.output.value = "<pre>headers must be a JSON object</pre>"
            raise
        self.last = inspect(
            self.aws,
            self.api_id,
            self.stage,
            self.method.value,
            self.path.value,
            headers=headers,
            body=self.body.value or None,
        )
        import html

        self.output.value = f"<pre>{html.escape(describe(self.last))}</pre>"
        return self.last

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
