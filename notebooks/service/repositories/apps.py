"""The apps table behind a small interface: the only module of the service that knows DynamoDB.

Handlers receive an ``AppsRepository`` (dependency injection, slide 21): in Lambda the
default one below, in unit tests an in-memory fake with the same methods.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

Item = dict[str, Any]


class AlreadyExists(Exception):
    """An item with this (id, release) is already stored."""


class AppsRepository:
    """Releases of apps in one DynamoDB table: ``id`` (S) HASH, ``release`` (N) RANGE."""

    def __init__(self, table: Any) -> None:
        self.table = table  # a boto3 ``dynamodb.Table`` resource

    @classmethod
    def from_environment(cls) -> AppsRepository:
        """The table named by DYNAMODB_APPS_TABLE (serverless.yml sets it per stage)."""
        return cls(boto3.resource("dynamodb").Table(os.environ["DYNAMODB_APPS_TABLE"]))

    def create(self, item: Item) -> None:
        """Store a new release; raise AlreadyExists if (id, release) is taken.

        One conditional write, not a read followed by a write: between a GetItem and a
        PutItem another invocation (Lambda runs many at once) can store the same release,
        and the second write would silently replace the first. DynamoDB evaluates the
        condition and writes the item atomically, so exactly one of them wins.
        """
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            raise AlreadyExists(f"{item['id']}/{item['release']}") from None

    def get(self, app_id: str, release: int) -> Item | None:
        """One release, or None."""
        return self.table.get_item(Key={"id": app_id, "release": release}).get("Item")

    def releases(self, app_id: str) -> list[Item]:
        """All releases of one app, newest first: a Query reads only this app's partition."""
        items: list[Item] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("id").eq(app_id),
            "ScanIndexForward": False,  # sort key descending: highest release first
        }
        while True:
            page = self.table.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:  # a page stops at 1 MB; fetch the rest
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def page(self, limit: int, start_key: Item | None = None) -> tuple[list[Item], Item | None]:
        """Up to ``limit`` items in table order and the key to continue from (None: done).

        A Scan reads the whole table, page by page: fine for a demo's table, but its cost
        grows with the table; a real "list apps" would query an index instead.
        """
        kwargs: dict[str, Any] = {"Limit": limit}
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        page = self.table.scan(**kwargs)
        return page["Items"], page.get("LastEvaluatedKey")

    def delete(self, app_id: str, release: int) -> bool:
        """Delete one release; False if there was none (a conditional delete tells us)."""
        try:
            self.table.delete_item(
                Key={"id": app_id, "release": release},
                ConditionExpression="attribute_exists(id)",
            )
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


@functools.cache
def default_repository() -> AppsRepository:
    """The repository of this execution environment, made on first use and then reused.

    Creating a boto3 resource takes tens of milliseconds and opens HTTPS connections; an
    execution environment serves many invocations one after another, so warm invocations
    reuse it. It is built lazily rather than at import so that importing a handler needs
    no AWS configuration (tests call ``default_repository.cache_clear()`` between runs).
    """
    return AppsRepository.from_environment()
