"""API Gateway in the sandbox: deployed REST APIs served in-process and over HTTP.

See ``plugin.py`` (the plug-in and ``serve``), ``gateway.py`` (method execution, proxy events,
errors), ``usage.py`` (API keys, usage plans), ``authorizers.py`` and ``validation.py``.
"""

from __future__ import annotations

from workshop_lib.apigateway.gateway import HttpRequest, HttpResponse
from workshop_lib.apigateway.plugin import ApiGatewayPlugin

__all__ = ["ApiGatewayPlugin", "HttpRequest", "HttpResponse"]
