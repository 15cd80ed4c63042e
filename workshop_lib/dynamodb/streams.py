"""DynamoDB Streams' retention: a shard keeps 24 hours of records, an iterator lives 15 minutes.

moto 5.2 appends a ``StreamRecord`` to the table's ``StreamShard`` for every write to a table
with a stream and never drops one, and its streams backend keeps every shard iterator it
handed out (``GetRecords`` makes a new one on every call): a served API with a stream grew
by every write and every poll. DynamoDB Streams keeps a record for 24 hours and a shard
iterator expires 15 minutes after it is returned. Here:

- each record moto adds is stamped with the sandbox clock (its
  ``ApproximateCreationDateTime``), and the records older than the retention are trimmed
  from the shard's start, as are the oldest ones past :data:`MAX_RECORDS` (a sandbox's bound:
  a table written thousands of times a second would otherwise hold a day of them). The
  shard's starting sequence number moves past what was trimmed (its ``TRIM_HORIZON``), so the
  records kept keep their sequence numbers; reading at a trimmed one is
  ``TrimmedDataAccessException``, as on AWS;
- an iterator older than 15 minutes on the sandbox clock is dropped, and so are the oldest
  past :data:`MAX_ITERATORS`; ``GetRecords`` with one is ``ExpiredIteratorException``.
"""

from __future__ import annotations

import weakref
from datetime import datetime, timezone
from typing import Any

from moto.core.exceptions import JsonRESTError

from workshop_lib import facts

RETENTION_S = float(facts.value("dynamodb.stream_retention_h")) * 3600
ITERATOR_TTL_S = float(facts.value("dynamodb.stream_iterator_expiry_min")) * 60
#: records a shard keeps at most, the oldest trimmed first (not an AWS quota)
MAX_RECORDS = 10_000
#: shard iterators kept at most per streams backend, the oldest dropped first (not an AWS quota)
MAX_ITERATORS = 1_000

# when each iterator was handed out, on the sandbox clock (moto's ShardIterator has no time)
_ISSUED: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


class TrimmedDataAccess(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "TrimmedDataAccessException",
            "The operation attempted to read past the oldest stream record in a shard.",
        )


class ExpiredIterator(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "ExpiredIteratorException", "The shard iterator has expired or does not exist."
        )


def retain(shard: Any, now: float) -> int:
    """After moto added a record to ``shard``: stamp it ``now`` and trim what the shard no
    longer keeps (older than the retention, or past :data:`MAX_RECORDS`). Returns how many
    records were trimmed."""
    records = shard.items
    if not records:
        return 0
    stamp = datetime.fromtimestamp(now, timezone.utc).replace(tzinfo=None)  # moto's utcnow()
    records[-1].record["dynamodb"]["ApproximateCreationDateTime"] = stamp
    oldest = datetime.fromtimestamp(now - RETENTION_S, timezone.utc).replace(tzinfo=None)
    trimmed = max(0, len(records) - MAX_RECORDS)
    while trimmed < len(records) and _created(records[trimmed]) < oldest:
        trimmed += 1
    if trimmed:
        del records[:trimmed]
        shard.starting_sequence_number += trimmed
    return trimmed


def _created(record: Any) -> datetime:
    return record.record["dynamodb"]["ApproximateCreationDateTime"]


def check_readable(shard: Any, sequence_number: int) -> None:
    """``StreamShard.get``'s precondition: the record at ``sequence_number`` was not trimmed."""
    if int(sequence_number) < shard.starting_sequence_number:
        raise TrimmedDataAccess()


def issued(backend: Any, iterator: Any, now: float) -> None:
    """An iterator was just stored in ``backend.shard_iterators``: note when, and drop the
    expired ones and the oldest past :data:`MAX_ITERATORS` (the dict is in issue order)."""
    _ISSUED[iterator] = now
    iterators = backend.shard_iterators
    excess = len(iterators) - MAX_ITERATORS
    for arn in list(iterators):
        if excess <= 0 and now - _ISSUED.get(iterators[arn], now) <= ITERATOR_TTL_S:
            break
        del iterators[arn]
        excess -= 1


def live_iterator(backend: Any, arn: str, now: float) -> Any:
    """The iterator ``arn`` names, or ``ExpiredIteratorException`` (unknown or too old)."""
    iterator = backend.shard_iterators.get(arn)
    if iterator is None or now - _ISSUED.get(iterator, now) > ITERATOR_TTL_S:
        backend.shard_iterators.pop(arn, None)
        raise ExpiredIterator()
    return iterator


__all__ = ["MAX_ITERATORS", "MAX_RECORDS", "check_readable", "issued", "live_iterator", "retain"]
