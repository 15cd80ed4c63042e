"""Traffic you can watch: drive requests at a rate on the virtual clock, see throttling.

``drive`` calls an action ``rate`` times per (virtual) second, advancing the sandbox clock
between calls, and counts per second what succeeded and what DynamoDB throttled. The
heat map and the plots only draw what :func:`drive` and :func:`partition_heatmap` return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

#: A client config without SDK retries, so throttling shows instead of being retried away.
NO_RETRIES = Config(retries={"total_max_attempts": 1})
THROTTLED = "ProvisionedThroughputExceededException"


@dataclass
class Workload:
    """What one :func:`drive` did, second by second."""

    rate: float
    seconds: int
    ok: list[int] = field(default_factory=list)
    throttled: list[int] = field(default_factory=list)
    retries: list[int] = field(default_factory=list)

    @property
    def total_ok(self) -> int:
        return sum(self.ok)

    @property
    def total_throttled(self) -> int:
        return sum(self.throttled)


def drive(aws: Any, action: Callable[[int], Any], *, rate: float, seconds: int) -> Workload:
    """Call ``action(i)`` ``rate`` times a second for ``seconds`` on the sandbox clock.

    Needs ``sandbox(clock="virtual")``: the clock advances ``1 / rate`` s between calls,
    so a minute of traffic takes as long as its requests, not a minute.
    """
    if not aws.clock.virtual:
        raise ValueError("drive() needs a virtual clock: start the sandbox with clock='virtual'")
    result = Workload(rate, seconds)
    step = 1.0 / rate
    n = 0
    for _ in range(seconds):
        ok = throttled = retries = 0
        for _ in range(int(rate)):
            try:
                response = action(n)
                ok += 1
                retries += (response or {}).get("ResponseMetadata", {}).get("RetryAttempts", 0)
            except ClientError as exc:
                if exc.response["Error"]["Code"] != THROTTLED:
                    raise
                throttled += 1
            n += 1
            aws.clock.advance(step)
        result.ok.append(ok)
        result.throttled.append(throttled)
        result.retries.append(retries)
    return result


def partition_heatmap(
    aws: Any, table: str, kind: str = "write", start: float | None = None, bin_seconds: float = 1.0
) -> tuple[list[int], list[list[float]]]:
    """Units consumed per partition per time bin: ``(partition ids, rows of bins)``.

    Covers the last minute of the table's traffic on the sandbox clock
    (:data:`~workshop_lib.dynamodb.throttle.TIMELINE_WINDOW_S`): the sandbox keeps no more.
    """
    state = aws.plugin("dynamodb").throughput(table)
    events = [(t, p, u) for t, p, k, u in state.timeline if k == kind]
    partitions = list(range(len(state.partitions)))
    if not events:
        return partitions, [[] for _ in partitions]
    origin = min(t for t, _, _ in events) if start is None else start
    bins = int((max(t for t, _, _ in events) - origin) // bin_seconds) + 1
    grid = [[0.0] * bins for _ in partitions]
    for t, p, units in events:
        if t >= origin:
            grid[p][int((t - origin) // bin_seconds)] += units
    return partitions, grid


def plot_partition_heatmap(aws: Any, table: str, kind: str = "write", title: str = "") -> Any:
    """A heat map of :func:`partition_heatmap` with the per-partition limit marked."""
    import matplotlib.pyplot as plt

    from workshop_lib.facts import value

    partitions, grid = partition_heatmap(aws, table, kind)
    limit = float(value(f"dynamodb.partition_max_{'w' if kind == 'write' else 'r'}cu"))
    fig, ax = plt.subplots(figsize=(7, 2 + 0.4 * len(partitions)))
    image = ax.imshow(grid, aspect="auto", cmap="magma", vmin=0, vmax=limit * 1.5)
    ax.set_yticks(partitions, [f"partition {p}" for p in partitions])
    ax.set_xlabel("second (sandbox clock)")
    ax.set_title(title or f"{kind} units per partition per second (limit {limit:,.0f})")
    fig.colorbar(image, ax=ax, label="capacity units")
    fig.tight_layout()
    return fig
