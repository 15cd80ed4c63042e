"""GET /apps/{id}/releases/{release}: one release (handler ``apps/get_release.get_release``)."""

from __future__ import annotations

from typing import Any

from apps import http, logic
from repositories.apps import AppsRepository, default_repository


@http.api_handler
def get_release(
    event: dict[str, Any], context: Any, repository: AppsRepository | None = None
) -> dict[str, Any]:
    """200 with the release as JSON, or 404 if the app has no such release.

    The path parameters ``id`` and ``release`` go through ``logic.check_app_id`` and
    ``logic.parse_release`` (which raise the 400s); the item comes from the injected
    repository, or ``default_repository()`` when Lambda calls with two arguments.
    """
    ### BEGIN SOLUTION
    params = event.get("pathParameters") or {}
    app_id = logic.check_app_id(params.get("id"))
    release = logic.parse_release(params.get("release"))
    item = (repository or default_repository()).get(app_id, release)
    if item is None:
        return http.error_response(404, f"Release {release} of app '{app_id}' not found")
    return http.json_response(200, item)
    ### END SOLUTION
