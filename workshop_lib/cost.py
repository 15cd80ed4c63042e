"""Notebook 01's cost model: a Lambda function's monthly bill against an always-on server.

Plain functions first (the exercise checks and the tests call them); the break-even plot
and the ipywidgets explorer sit on top and only draw what these return. Prices, free tier
and billing granularity come from :mod:`workshop_lib.facts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from workshop_lib.facts import value
from workshop_lib.widgets import Explorer

MB_PER_GB = 1024  # Lambda bills GB-seconds with memory in MB / 1024


def _price(key: str) -> float:
    return float(value(key))


@dataclass(frozen=True)
class LambdaBill:
    """One month of a Lambda function, line by line."""

    requests: int
    duration_ms: float
    billed_ms: int
    memory_mb: int
    gb_seconds: float
    billable_requests: int
    billable_gb_seconds: float
    request_cost: float
    compute_cost: float

    @property
    def total(self) -> float:
        return self.request_cost + self.compute_cost


def billed_duration_ms(duration_ms: float, granularity_ms: int = 1) -> int:
    """The billed duration: rounded up to the granularity (2018: 100 ms, today: 1 ms)."""
    if duration_ms < 0:
        raise ValueError("a duration cannot be negative")
    if granularity_ms < 1:
        raise ValueError("the billing granularity is at least 1 ms")
    return max(granularity_ms, math.ceil(duration_ms / granularity_ms) * granularity_ms)


def lambda_monthly_cost(
    requests: int,
    duration_ms: float,
    memory_mb: int,
    *,
    granularity_ms: int | None = None,
    free_tier: bool = True,
) -> LambdaBill:
    """What a month of ``requests`` invocations of ``duration_ms`` at ``memory_mb`` costs.

    Requests and compute (GB-seconds) are billed separately; the free tier takes its
    monthly requests and GB-seconds off first. ``granularity_ms`` defaults to today's.
    """
    if requests < 0 or memory_mb <= 0:
        raise ValueError("requests must be ≥ 0 and memory_mb > 0")
    if granularity_ms is None:
        granularity_ms = int(value("lambda.billing_granularity_ms"))
    billed = billed_duration_ms(duration_ms, granularity_ms)
    gb_seconds = requests * (billed / 1000) * (memory_mb / MB_PER_GB)
    free_requests = int(value("lambda.free_tier_requests")) if free_tier else 0
    free_gb_s = float(value("lambda.free_tier_gb_s")) if free_tier else 0.0
    billable_requests = max(0, requests - free_requests)
    billable_gb_s = max(0.0, gb_seconds - free_gb_s)
    return LambdaBill(
        requests=requests,
        duration_ms=duration_ms,
        billed_ms=billed,
        memory_mb=memory_mb,
        gb_seconds=gb_seconds,
        billable_requests=billable_requests,
        billable_gb_seconds=billable_gb_s,
        request_cost=billable_requests
        / 1_000_000
        * _price("lambda.price_per_million_requests_usd"),
        compute_cost=billable_gb_s * _price("lambda.price_per_gb_s_x86_usd"),
    )


def server_monthly_cost(count: int = 1, hourly_usd: float | None = None) -> float:
    """An always-on server (on-demand EC2, see facts) for a month of 730 hours."""
    hourly = _price("ec2.t3_micro_usd_per_hour") if hourly_usd is None else hourly_usd
    return count * hourly * float(value("ec2.hours_per_month"))


def break_even_requests(
    duration_ms: float,
    memory_mb: int,
    server_usd: float | None = None,
    *,
    granularity_ms: int | None = None,
    free_tier: bool = True,
) -> int:
    """The smallest monthly request count at which Lambda costs more than the server."""
    server_usd = server_monthly_cost() if server_usd is None else server_usd

    def cost(n: int) -> float:
        bill = lambda_monthly_cost(
            n, duration_ms, memory_mb, granularity_ms=granularity_ms, free_tier=free_tier
        )
        return bill.total

    low, high = 0, 1
    while cost(high) <= server_usd:
        low, high = high, high * 2
        if high > 10**15:
            raise ValueError("Lambda never costs more than the server at this setting")
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if cost(mid) <= server_usd else (low, mid)
    return high


def cost_curve(
    duration_ms: float,
    memory_mb: int,
    requests: list[int] | None = None,
    *,
    free_tier: bool = True,
) -> dict[str, list[float]]:
    """The data behind the break-even plot: Lambda today, Lambda 2018, and the server."""
    if requests is None:
        requests = [int(10 ** (4 + i / 4)) for i in range(21)]  # 10k .. 1e9, log spaced
    server = server_monthly_cost()

    def bills(granularity: int) -> list[float]:
        return [
            round(
                lambda_monthly_cost(
                    n, duration_ms, memory_mb, granularity_ms=granularity, free_tier=free_tier
                ).total,
                6,
            )
            for n in requests
        ]

    return {
        "requests": [float(n) for n in requests],
        "lambda_today": bills(int(value("lambda.billing_granularity_ms"))),
        "lambda_2018": bills(int(value("lambda.billing_granularity_ms", talk=True))),
        "server": [round(server, 6)] * len(requests),
    }


def plot_break_even(duration_ms: float = 120, memory_mb: int = 512) -> Any:
    """A log-log plot of :func:`cost_curve`, with the break-even point marked."""
    import matplotlib.pyplot as plt

    data = cost_curve(duration_ms, memory_mb)
    fig, ax = plt.subplots(figsize=(7, 4))
    today = value("lambda.billing_granularity_ms")
    then = value("lambda.billing_granularity_ms", talk=True)
    ax.plot(data["requests"], data["lambda_today"], label=f"Lambda, {today} ms billing (today)")
    ax.plot(data["requests"], data["lambda_2018"], "--", label=f"Lambda, {then} ms billing (2018)")
    ax.plot(data["requests"], data["server"], label="always-on server")
    even = break_even_requests(duration_ms, memory_mb)
    ax.axvline(even, color="grey", linestyle=":", label=f"break-even ≈ {even:,.0f} req/month")
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("requests per month")
    ax.set_ylabel("USD per month")
    ax.set_title(f"{duration_ms:g} ms at {memory_mb} MB")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def explain(requests: int, duration_ms: float, memory_mb: int, granularity_ms: int = 1) -> str:
    """A few lines a learner can read: the bill, the server, and which is cheaper."""
    bill = lambda_monthly_cost(requests, duration_ms, memory_mb, granularity_ms=granularity_ms)
    server = server_monthly_cost()
    cheaper = "Lambda" if bill.total < server else "the server"
    return "\n".join(
        [
            f"{requests:,} requests × {bill.billed_ms} ms billed × {memory_mb} MB "
            f"= {bill.gb_seconds:,.0f} GB-s",
            f"  requests: {bill.billable_requests:,} billable → ${bill.request_cost:,.2f}",
            f"  compute:  {bill.billable_gb_seconds:,.0f} GB-s billable → "
            f"${bill.compute_cost:,.2f}",
            f"Lambda ${bill.total:,.2f} vs server ${server:,.2f} a month: {cheaper} is cheaper",
        ]
    )


class CostExplorer(Explorer):
    """Sliders over :func:`explain`: requests, duration, memory and billing granularity."""

    def __init__(self) -> None:
        import ipywidgets as widgets

        today = int(value("lambda.billing_granularity_ms"))
        then = int(value("lambda.billing_granularity_ms", talk=True))
        super().__init__(
            {
                "requests": widgets.IntSlider(
                    value=3_000_000, min=0, max=100_000_000, step=500_000, description="requests"
                ),
                "duration_ms": widgets.IntSlider(
                    value=120, min=1, max=3000, description="duration ms"
                ),
                "memory_mb": widgets.IntSlider(
                    value=512,
                    min=int(value("lambda.memory_min_mb")),
                    max=int(value("lambda.memory_max_mb")),
                    step=64,
                    description="memory MB",
                ),
                "granularity_ms": widgets.ToggleButtons(
                    options=[(f"{today} ms (today)", today), (f"{then} ms (2018)", then)],
                    description="billing",
                ),
            },
            explain,
        )


def cost_explorer() -> CostExplorer:
    """The notebook 01 widget: move the sliders, read the bill (see :class:`CostExplorer`)."""
    return CostExplorer()
