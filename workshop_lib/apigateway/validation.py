"""Request validators: required parameters and JSON-schema models, checked before the
integration runs (400 ``Missing required request parameters`` / ``Invalid request body``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from workshop_lib.apigateway.gateway import GatewayError, HttpRequest
from workshop_lib.apigateway.spec import ApiSpec, MethodSpec


class Validation:
    """Applies a method's request validator."""

    def check(self, spec: ApiSpec, method: MethodSpec, request: HttpRequest) -> None:
        validator = spec.validators.get(method.request_validator_id or "")
        if not validator:
            return
        if validator.get("validateRequestParameters"):
            missing = [name for name in _required(method) if not _present(name, request)]
            if missing:
                names = ", ".join(n.rsplit(".", 1)[-1] for n in missing)
                raise GatewayError(
                    400,
                    "BadRequestException",
                    f"Missing required request parameters: [{names}]",
                    "BAD_REQUEST_PARAMETERS",
                )
        if validator.get("validateRequestBody"):
            content_type = (request.header("Content-Type") or "application/json").split(";")[0]
            model_name = method.request_models.get(content_type) or method.request_models.get(
                "application/json"
            )
            model = spec.models.get(model_name or "")
            if model and not _valid(model.get("schema"), request.body):
                raise GatewayError(
                    400, "BadRequestException", "Invalid request body", "BAD_REQUEST_BODY"
                )


def _required(method: MethodSpec) -> list[str]:
    return [name for name, required in method.request_parameters.items() if required]


def _present(name: str, request: HttpRequest) -> bool:
    if name.startswith("method.request.header."):
        return request.header(name.removeprefix("method.request.header.")) is not None
    if name.startswith("method.request.querystring."):
        key = name.removeprefix("method.request.querystring.")
        return any(k == key for k, _ in parse_qsl(request.query, keep_blank_values=True))
    return True  # path parameters are always present once the route matched


def _valid(schema: Any, body: bytes) -> bool:
    from workshop_lib.quickjsonschema import import_jsonschema

    import_jsonschema()  # the first model to check imports it, the quick way
    import jsonschema

    if isinstance(schema, str):
        schema = json.loads(schema)
    try:
        document = json.loads(body or b"null")
    except ValueError:
        return False
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    return validator(schema).is_valid(document)
