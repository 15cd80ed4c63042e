"""GET /apps: one page of stored releases (handler ``apps/list_apps.list_apps``).

The module is not called ``list`` so that it never shadows the builtin in an import.
"""

from __future__ import annotations

from typing import Any

from apps import http, logic
from repositories.apps import AppsRepository, default_repository


@http.api_handler
def list_apps(
    event: dict[str, Any], context: Any, repository: AppsRepository | None = None
) -> dict[str, Any]:
    """``?limit=`` items from ``?cursor=`` on, with the cursor of the next page (or null)."""
    query = event.get("queryStringParameters") or {}
    limit = logic.parse_limit(query.get("limit"))
    start_key = logic.decode_cursor(query.get("cursor"))
    items, last_key = (repository or default_repository()).page(limit, start_key)
    next_cursor = logic.encode_cursor(last_key) if last_key else None
    return http.json_response(200, {"items": items, "nextCursor": next_cursor})
