"""The sandbox's CloudFormation, as far as the framework needs more than moto 5.2 gives.

moto's ``AWS::ApiGateway::Method`` requires ``Integration.IntegrationHttpMethod`` and
``Integration.Uri``, which a ``MOCK`` integration (the framework's CORS preflight) does not
have: the stack update fails with a ``KeyError``. This layer lets such methods through;
what moto then drops from every method is completed by :mod:`workshop_lib.framework.gaps`,
which also creates the resource types moto skips, so moto's "No Moto CloudFormation support"
warning for exactly those types is filtered out (any other type still warns).
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


class CloudFormationLayer:
    """Installs the MOCK-integration fix into moto's CloudFormation for the sandbox's life."""

    name = "cloudformation"

    def install(self, aws: Sandbox) -> None:
        from moto.apigateway.models import Method

        original = Method.__dict__["create_from_cloudformation_json"]
        self._original = original

        def create(cls: type, resource_name: str, cloudformation_json: dict, *args: Any, **kw: Any):
            spec = copy.deepcopy(cloudformation_json)
            integration = spec.setdefault("Properties", {}).setdefault("Integration", {})
            integration.setdefault("IntegrationHttpMethod", None)
            integration.setdefault("Uri", None)
            integration.setdefault("Type", "MOCK")
            return original.__func__(cls, resource_name, spec, *args, **kw)

        Method.create_from_cloudformation_json = classmethod(create)
        self._filter = _Handled()
        logging.getLogger("moto").addFilter(self._filter)
        self._warning_filters = []
        for kind in _skipped_types():
            warnings.filterwarnings("ignore", message=f"Tried to parse {kind} but")
            self._warning_filters.append(warnings.filters[0])

    def uninstall(self, aws: Sandbox) -> None:
        from moto.apigateway.models import Method

        Method.create_from_cloudformation_json = self._original
        logging.getLogger("moto").removeFilter(self._filter)
        for entry in self._warning_filters:
            if entry in warnings.filters:
                warnings.filters.remove(entry)
        mutated = getattr(warnings, "_filters_mutated", None)  # what resetwarnings() calls
        if mutated is not None:
            mutated()


def _skipped_types() -> tuple[str, ...]:
    from workshop_lib.framework import httpapi
    from workshop_lib.framework.gaps import SKIPPED_TYPES

    return SKIPPED_TYPES + httpapi.SKIPPED_TYPES
