"""Importing moto's EC2 models cheaply: the course never starts an instance.

moto imports its EC2 models whenever CloudFormation (every ``workshop sls deploy`` and
``offline``), SSM or Auto Scaling is used, and most of that import's memory and time is:

- ``moto.ec2.models.instance_types`` decodes the instance-type offerings of every region.
  With :func:`defer_offerings` the import leaves them out and each
  ``INSTANCE_TYPE_OFFERINGS[location_type][region]`` is read from moto's own file the first
  time something asks for it (``DescribeInstanceTypeOfferings``, ``RunInstances`` with a
  placement, spot fleets): the same data, only later.
- ``moto.ec2.models.availability_zones_and_regions`` builds three fresh boto3 sessions to
  list regions, each reading botocore's endpoint data again, and each decoding EC2's service
  model for its endpoint prefix; it gets one session on the shared data loader
  (:mod:`workshop_lib.botodata`) that reads the regions from the endpoint data only.

The moto seams (declared in workshop_lib/seams.py, speed seams: if moto moves one, the import
is moto's own again, with a warning): ``instance_types`` fills
``INSTANCE_TYPE_OFFERINGS`` at import with ``load_resource`` on
``ec2/resources/instance_type_offerings/{location type}/{region}.json[.gz]`` files and sets
``LocationType`` on each entry, and the rest of moto reads it by location type then region;
``availability_zones_and_regions`` calls ``Session().get_available_regions`` at import.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

MODULE = "moto.ec2.models.instance_types"
REGIONS_MODULE = "moto.ec2.models.availability_zones_and_regions"
_MARK = "/instance_type_offerings/"
EC2_ENDPOINT_PREFIX = "ec2"  # EC2's service model says so (pinned by tests/test_moto_seams.py)


class LazyRegions(dict):
    """One location type's offerings by region; each region read on first access."""

    def __init__(self, location_type: str, paths: dict[str, str], load: Callable) -> None:
        super().__init__()
        self.location_type, self.paths, self._load = location_type, paths, load
        self._lock = threading.Lock()

    def _region(self, region: str) -> Any:
        if not dict.__contains__(self, region) and region in self.paths:
            with self._lock:
                if not dict.__contains__(self, region):
                    offerings = self._load(self.paths[region])
                    for offering in offerings:
                        offering["LocationType"] = self.location_type
                    dict.__setitem__(self, region, offerings)
        return dict.__getitem__(self, region)

    def __getitem__(self, region: str) -> Any:
        return self._region(region)

    def get(self, region: str, default: Any = None) -> Any:
        return self._region(region) if region in self.paths else default

    def __contains__(self, region: object) -> bool:
        return region in self.paths

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def keys(self) -> Any:
        return self.paths.keys()

    def items(self) -> Any:
        return [(region, self._region(region)) for region in self.paths]

    def values(self) -> Any:
        return [self._region(region) for region in self.paths]


class _DeferringLoader(importlib.abc.Loader):
    """Runs moto's module with offerings files skipped, then puts lazy regions in place."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self.inner.create_module(spec)

    def _exec_with(self, module: Any, owner: Any, name: str, replacement: Any) -> None:
        """Run moto's module while ``owner.name`` is ``replacement``; the module keeps the
        real one (it imported the name from ``owner`` while it ran)."""
        from workshop_lib import seams

        real = getattr(owner, name)
        with seams.swapped(owner, name, replacement):
            self.inner.exec_module(module)
        setattr(module, name, real)

    def exec_module(self, module: Any) -> None:
        import moto.utilities.utils as utils

        real = utils.load_resource
        skipped: dict[str, dict[str, str]] = {}

        def skip_offerings(path: str, *args: Any, **kwargs: Any) -> Any:
            if _MARK not in path.replace("\\", "/"):
                return real(path, *args, **kwargs)
            location_type, file_name = path.replace("\\", "/").split(_MARK, 1)[1].split("/")
            skipped.setdefault(location_type, {})[file_name.split(".")[0]] = path
            return []

        self._exec_with(module, utils, "load_resource", skip_offerings)
        offerings = module.INSTANCE_TYPE_OFFERINGS
        for location_type, paths in skipped.items():
            offerings[location_type] = LazyRegions(location_type, paths, real)


class _EndpointRegions:
    """What moto's region list asks of ``boto3.Session()``, answered from botocore's endpoint
    data alone: botocore would first decode EC2's whole service model just to read its
    endpoint prefix, which is its name, ``ec2``."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def get_available_regions(
        self, service_name: str, partition_name: str = "aws", allow_non_regional: bool = False
    ) -> list[str]:
        """The partition's regions for ``service_name``, as ``Session.get_available_regions``."""
        if service_name != EC2_ENDPOINT_PREFIX:
            return self.session.get_available_regions(
                service_name, partition_name, allow_non_regional
            )
        resolver = self.session._session._get_internal_component("endpoint_resolver")
        return resolver.get_available_endpoints(service_name, partition_name, allow_non_regional)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


class _SharedSessionLoader(_DeferringLoader):
    """Runs moto's module with ``boto3.Session`` giving moto's cached session on the shared
    data loader (:mod:`workshop_lib.botodata`), listing EC2's regions without its model."""

    def exec_module(self, module: Any) -> None:
        import boto3
        from moto.core.base_backend import AccountSpecificBackend

        from workshop_lib.botodata import share

        real = boto3.Session
        shared: list[Any] = []

        def session(*args: Any, **kwargs: Any) -> Any:
            if args or kwargs:
                return real(*args, **kwargs)
            if not shared:  # moto's own ``Session()``, made for its backends' region lists
                shared.append(_EndpointRegions(share(AccountSpecificBackend.get_session())))
            return shared[0]

        self._exec_with(module, boto3, "Session", session)


class _Finder(importlib.abc.MetaPathFinder):
    loaders = {MODULE: _DeferringLoader, REGIONS_MODULE: _SharedSessionLoader}

    def __init__(self) -> None:
        self.usable: set[str] = set()  # the modules whose seam fits this moto

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in self.loaders or name not in self.usable:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = self.loaders[name](spec.loader)
        return spec


_FINDER = _Finder()


def defer_offerings() -> bool:
    """Make moto's EC2 import leave offerings for later (idempotent); False if too late
    (EC2's models were imported already, with every region's offerings, or moto moved the
    seam: then it warns once)."""
    from workshop_lib import seams

    if _FINDER not in sys.meta_path:
        _FINDER.usable = {name for name in _Finder.loaders if seams.usable(name)}
        sys.meta_path.insert(0, _FINDER)
    if MODULE not in _FINDER.usable:
        return False
    return MODULE not in sys.modules or isinstance(
        next(iter(sys.modules[MODULE].INSTANCE_TYPE_OFFERINGS.values()), None), LazyRegions
    )
