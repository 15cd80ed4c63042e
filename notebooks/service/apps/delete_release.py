"""DELETE /apps/{id}/releases/{release} (handler ``apps/delete_release.delete_release``)."""

from __future__ import annotations

from typing import Any

from apps import http, logic
from repositories.apps import AppsRepository, default_repository


@http.api_handler
def delete_release(
    event: dict[str, Any], context: Any, repository: AppsRepository | None = None
) -> dict[str, Any]:
    """204 once the release is gone, 404 if there was none to delete."""
    params = event.get("pathParameters") or {}
    app_id = logic.check_app_id(params.get("id"))
    release = logic.parse_release(params.get("release"))
    if not (repository or default_repository()).delete(app_id, release):
        return http.error_response(404, f"Release {release} of app '{app_id}' not found")
    return http.empty_response(204)
