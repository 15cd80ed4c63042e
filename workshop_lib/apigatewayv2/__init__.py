"""HTTP APIs (API Gateway v2) and Lambda function URLs, answered in the sandbox.

``routes`` picks a stage and a route, ``payload`` builds payload format 2.0 and 1.0 events
and maps a function's answer, ``cors`` answers preflights from the API's configuration,
``gateway`` runs one HTTP API, ``urls`` the function URLs, and ``plugin`` plugs both into a
sandbox.
"""

from workshop_lib.apigatewayv2.plugin import HttpApiPlugin

__all__ = ["HttpApiPlugin"]
