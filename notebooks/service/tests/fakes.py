"""An in-memory AppsRepository: the dependency the handlers' unit tests inject."""

from __future__ import annotations

from typing import Any

from repositories.apps import AlreadyExists

Item = dict[str, Any]


class FakeAppsRepository:
    """Same methods as ``AppsRepository``; items live in a dict keyed by (id, release)."""

    def __init__(self, items: list[Item] | None = None) -> None:
        self.items: dict[tuple[str, int], Item] = {}
        for item in items or []:
            self.items[(item["id"], int(item["release"]))] = dict(item)

    def create(self, item: Item) -> None:
        key = (item["id"], int(item["release"]))
        if key in self.items:
            raise AlreadyExists(f"{key[0]}/{key[1]}")
        self.items[key] = dict(item)

    def get(self, app_id: str, release: int) -> Item | None:
        return self.items.get((app_id, release))

    def releases(self, app_id: str) -> list[Item]:
        keys = sorted((k for k in self.items if k[0] == app_id), key=lambda k: -k[1])
        return [self.items[k] for k in keys]

    def page(self, limit: int, start_key: Item | None = None) -> tuple[list[Item], Item | None]:
        keys = sorted(self.items)
        if start_key:
            keys = [k for k in keys if k > (start_key["id"], start_key["release"])]
        chosen = keys[:limit]
        last = {"id": chosen[-1][0], "release": chosen[-1][1]} if len(keys) > limit else None
        return [self.items[k] for k in chosen], last

    def delete(self, app_id: str, release: int) -> bool:
        return self.items.pop((app_id, release), None) is not None


class BrokenRepository:
    """Every call fails the way an unexpected AWS error would: for the 500 path."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("table arn:aws:dynamodb:eu-west-1:123456789012:table/apps gone")

        return fail
