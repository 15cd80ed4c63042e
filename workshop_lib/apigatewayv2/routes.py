"""Route selection for HTTP APIs: which stage and which route a request goes to.

API Gateway's rules (developer guide, "Create routes for HTTP APIs", section "Routing API
requests"): a request goes to the stage its first path segment names, else to the
``$default`` stage, else it is ``{"message":"Not Found"}``. Within the stage the route is
chosen by priority: a full match for the route and method, then a match with a greedy path
variable (``{proxy+}``), then the ``$default`` route. A method named in a route beats
``ANY`` on the same path. Path parameters are URL-decoded before they reach the
integration.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

DEFAULT = "$default"
#: per-segment ranks: a literal beats a variable, a variable beats a greedy variable
_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class RouteKey:
    """A parsed route key such as ``GET /items/{id}``, ``ANY /{proxy+}`` or ``$default``."""

    key: str
    method: str  # upper case; "ANY" matches every method; "" for $default
    segments: tuple[str, ...]

    @classmethod
    @functools.lru_cache(maxsize=4096)  # noqa: B019 - route keys are few and immutable
    def parse(cls, key: str) -> RouteKey:
        if key == DEFAULT:
            return cls(key, "", ())
        method, _, path = key.partition(" ")
        if not path.startswith("/"):
            raise ValueError(
                f"route key {key!r} is not 'METHOD /path' or '$default' "
                "(for example 'GET /items/{id}')"
            )
        segments = tuple(s for s in path.split("/") if s)
        for index, segment in enumerate(segments):
            if segment.endswith("+}") and index != len(segments) - 1:
                raise ValueError(
                    f"route key {key!r}: the greedy path variable must be the last segment"
                )
        return cls(key, method.upper(), segments)

    @property
    def greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1].endswith("+}")

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        """The path parameters if this route takes the request, else None."""
        if self.key == DEFAULT or self.method not in ("ANY", method.upper()):
            return None
        params: dict[str, str] = {}
        for index, pattern in enumerate(self.segments):
            if pattern.startswith("{") and pattern.endswith("+}"):
                rest = segments[index:]
                if not rest:
                    return None
                params[pattern[1:-2]] = unquote("/".join(rest))
                return params
            if index >= len(segments):
                return None
            if pattern.startswith("{") and pattern.endswith("}"):
                params[pattern[1:-1]] = unquote(segments[index])
            elif pattern != segments[index]:
                return None
        return params if len(segments) == len(self.segments) else None

    def rank(self) -> tuple:
        """Smaller is more specific: full matches before greedy ones, literal segments
        before variables, a named method before ANY."""
        kinds = tuple(
            _GREEDY if s.endswith("+}") else _VARIABLE if s.startswith("{") else _LITERAL
            for s in self.segments
        )
        return (self.greedy, kinds, self.method == "ANY", -len(self.segments))


class RouteTable:
    """One deployment's route keys, parsed once and ordered most specific first, so a
    request's route is the first that matches."""

    def __init__(self, route_keys: Iterable[str]) -> None:
        parsed: list[RouteKey] = []
        self.has_default = False
        for key in route_keys:
            if key == DEFAULT:
                self.has_default = True
                continue
            try:
                parsed.append(RouteKey.parse(key))
            except ValueError:
                continue
        self._routes = sorted(parsed, key=RouteKey.rank)  # stable: equal ranks keep order

    def select(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        """``(route key, path parameters)`` of the route that takes ``method path``, or None."""
        segments = [s for s in path.split("/") if s]
        for route in self._routes:
            params = route.match(method, segments)
            if params is not None:
                return route.key, params
        return (DEFAULT, {}) if self.has_default else None


def select(route_keys: Iterable[str], method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """``(route key, path parameters)`` of the route that takes ``method path``, or None."""
    return RouteTable(route_keys).select(method, path)


def split_stage(stage_names: Iterable[str], path: str) -> tuple[str, str] | None:
    """``(stage, path below it)``: the stage the first segment names, else ``$default``
    with the whole path; None when neither exists."""
    names = stage_names if isinstance(stage_names, (dict, set, frozenset)) else set(stage_names)
    first, _, rest = path.lstrip("/").partition("/")
    if first and first != DEFAULT and first in names:
        return first, "/" + rest
    if DEFAULT in names:
        return DEFAULT, path or "/"
    return None
