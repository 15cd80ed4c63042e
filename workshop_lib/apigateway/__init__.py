"""API Gateway in the sandbox: deployed REST APIs served in-process and over HTTP.

See ``layer.py`` (the layer and ``serve``), ``gateway.py`` (method execution, proxy events,
errors), ``usage.py`` (API keys, usage plans), ``authorizers.py`` and ``validation.py``.
"""

from __future__ import annotations

from workshop_lib.apigateway.gateway import HttpRequest, HttpResponse
from workshop_lib.apigateway.layer import ApiGatewayLayer

__all__ = ["ApiGatewayLayer", "HttpRequest", "HttpResponse"]
