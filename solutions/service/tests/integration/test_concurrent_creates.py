"""20 simultaneous creates of one release: exactly one 201, nineteen 409s.

Each thread stands for one Lambda execution environment (API Gateway runs concurrent
requests in separate environments), so each gets its own repository and Table object;
boto3 resources are not thread-safe, the underlying client is.

What we found about moto (5.2.5): its conditional PutItem has no lock. ``Table.put_item``
reads the current item, evaluates the condition and stores the item in one stretch of
pure Python, so under the GIL another thread practically never runs inside that window;
widen it artificially (a 2 ms sleep in moto's ``get_filter_expression``) and several
"winners" appeared. Real DynamoDB evaluates a condition and writes the item atomically by
design, and so does the sandbox now: its DynamoDB layer lets writes take turns
(``tests/test_dynamodb_sandbox.py`` in the course repository races eight threads through
the widened window: exactly one wins).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter

import boto3
import pytest
from workshop_lib import sandbox

from apps.create import create
from events import api_event, lambda_context
from repositories.apps import AppsRepository
from tables import apps_table_properties

WORKERS = 20
_names = itertools.count()


@pytest.fixture
def table_name():
    with sandbox(region="eu-west-1"):
        name = f"apps-race-{next(_names)}"
        boto3.client("dynamodb").create_table(**apps_table_properties(name))
        yield name


def test_exactly_one_of_twenty_concurrent_creates_wins(table_name):
    resource = boto3.resource("dynamodb")
    repositories = [AppsRepository(resource.Table(table_name)) for _ in range(WORKERS)]
    start = threading.Barrier(WORKERS)
    statuses: list[int] = []

    def invoke(worker: int) -> None:
        body = {"id": "hot-app", "release": 1, "version": f"1.0.{worker}"}
        event = api_event("POST", "/apps", body=body)
        start.wait()  # all twenty hit the table together
        statuses.append(create(event, lambda_context(), repositories[worker])["statusCode"])

    threads = [threading.Thread(target=invoke, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(statuses) == {201: 1, 409: WORKERS - 1}
    items = resource.Table(table_name).scan()["Items"]
    assert len(items) == 1 and items[0]["id"] == "hot-app"
