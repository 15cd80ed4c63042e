"""The apps table for integration tests, made from serverless.yml's own resource definition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SERVERLESS_YML = Path(__file__).resolve().parent.parent / "serverless.yml"


def apps_table_properties(name: str) -> dict[str, Any]:
    """CreateTable arguments from the AppsTable resource, so tests use the deployed shape."""
    template = yaml.safe_load(SERVERLESS_YML.read_text(encoding="utf-8"))
    properties = template["resources"]["Resources"]["AppsTable"]["Properties"]
    return {**properties, "TableName": name}
