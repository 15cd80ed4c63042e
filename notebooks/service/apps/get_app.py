"""GET /apps/{id}: every release of one app, newest first (handler ``apps/get_app.get_app``)."""

from __future__ import annotations

from typing import Any

from apps import http, logic
from repositories.apps import AppsRepository, default_repository


@http.api_handler
def get_app(
    event: dict[str, Any], context: Any, repository: AppsRepository | None = None
) -> dict[str, Any]:
    """200 with the app's releases, or 404 if it has none."""
    app_id = logic.check_app_id((event.get("pathParameters") or {}).get("id"))
    releases = (repository or default_repository()).releases(app_id)
    if not releases:
        return http.error_response(404, f"App '{app_id}' not found")
    return http.json_response(200, {"id": app_id, "releases": releases})
