"""POST /apps: store a new release of an app (handler ``apps/create.create``)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from apps import http, logic
from repositories.apps import AlreadyExists, AppsRepository, default_repository


@http.api_handler
def create(
    event: dict[str, Any], context: Any, repository: AppsRepository | None = None
) -> dict[str, Any]:
    """Validate the body, store it only if (id, release) is new, answer 201 with a Location."""
    body = logic.parse_json_body(event.get("body"), bool(event.get("isBase64Encoded")))
    principal = ((event.get("requestContext") or {}).get("authorizer") or {}).get("principalId")
    item = logic.new_release(body, now=datetime.now(timezone.utc), created_by=principal)
    try:
        (repository or default_repository()).create(item)
    except AlreadyExists:
        message = f"Release {item['release']} of app '{item['id']}' already exists"
        return http.error_response(409, message)
    where = http.location(event, item["id"], "releases", item["release"])
    return http.json_response(201, item, headers={"Location": where})
