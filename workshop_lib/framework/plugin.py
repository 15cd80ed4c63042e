"""The sandbox's CloudFormation, as far as the framework needs more than moto 5.2 gives.

moto's ``AWS::ApiGateway::Method`` requires ``Integration.IntegrationHttpMethod`` and
``Integration.Uri``, which a ``MOCK`` integration (the framework's CORS preflight) does not
have: the stack update fails with a ``KeyError``. This plug-in lets such methods through;
what moto then drops from every method is completed by :mod:`workshop_lib.framework.gaps`,
which also creates the resource types moto skips, so moto's "No Moto CloudFormation support"
warning for exactly those types is filtered out (any other type still warns). moto lists a
skipped resource as an entry with no logical id and no type (code reading
``ResourceType.split("::")[1]`` fails on it); the plug-in lists it by its logical id and type,
as CloudFormation does.
"""

from __future__ import annotations

import copy
import logging
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workshop_lib.sandbox import Sandbox


class _Handled(logging.Filter):
    """Drops moto's warning for the resource types :mod:`gaps` creates."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (text.startswith("No Moto CloudFormation") and text.endswith(_skipped_types()))


class CloudFormationPlugin:
    """Installs the MOCK-integration fix into moto's CloudFormation for the sandbox's life."""

    name = "cloudformation"

    def install(self, aws: Sandbox) -> None:
        from workshop_lib import seams

        seams.install("cloudformation", self)
        self._filter = _Handled()
        logging.getLogger("moto").addFilter(self._filter)
        self._warning_filters = []
        for kind in _skipped_types():
            warnings.filterwarnings("ignore", message=f"Tried to parse {kind} but")
            self._warning_filters.append(warnings.filters[0])

    def uninstall(self, aws: Sandbox) -> None:
        from workshop_lib import seams

        seams.uninstall("cloudformation", self)
        logging.getLogger("moto").removeFilter(self._filter)
        for entry in self._warning_filters:
            if entry in warnings.filters:
                warnings.filters.remove(entry)
        mutated = getattr(warnings, "_filters_mutated", None)  # what resetwarnings() calls
        if mutated is not None:
            mutated()


class _Skipped:
    """A resource moto's CloudFormation skipped, as a stack's resource list shows it."""

    def __init__(self, logical_id: str, resource_type: str) -> None:
        self.logical_resource_id = logical_id
        self.cf_resource_type = resource_type
        self.physical_resource_id = ""  # made by gaps.py (or, for some, not at all)


def mock_integrations(original: Any) -> Any:
    """``Method.create_from_cloudformation_json`` letting a MOCK integration through."""

    def create(cls: type, resource_name: str, cloudformation_json: dict, *args: Any, **kw: Any):
        spec = copy.deepcopy(cloudformation_json)
        integration = spec.setdefault("Properties", {}).setdefault("Integration", {})
        integration.setdefault("IntegrationHttpMethod", None)
        integration.setdefault("Uri", None)
        integration.setdefault("Type", "MOCK")
        return original.__func__(cls, resource_name, spec, *args, **kw)

    return create


def stack_resources(stack: Any) -> list[Any]:
    """``Stack.stack_resources`` with each skipped resource named instead of ``None``."""
    specs = (stack.template_dict or {}).get("Resources") or {}
    resources = []
    for logical in stack.resource_map:
        resource = stack.resource_map[logical]
        if resource is None:
            spec = specs.get(logical)
            resource = _Skipped(logical, spec.get("Type", "") if isinstance(spec, dict) else "")
        resources.append(resource)
    return resources


def _skipped_types() -> tuple[str, ...]:
    from workshop_lib.framework import httpapi, subscriptions
    from workshop_lib.framework.gaps import SKIPPED_TYPES

    return SKIPPED_TYPES + httpapi.SKIPPED_TYPES + subscriptions.SKIPPED_TYPES
