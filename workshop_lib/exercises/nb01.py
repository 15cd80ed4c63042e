"""Checks for notebook 01 (serverless architecture): the cost model.

The right answers come from :mod:`workshop_lib.cost`. A wrong answer is compared with the
results of the usual single mistakes (no free tier, MB instead of GB, 2018's 100 ms
rounding, no request charge, ...), computed by :func:`_bill` below, so the hint can name
the mistake instead of only saying "wrong".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from typing import Any

from workshop_lib import cost
from workshop_lib.exercises import Fail, NotAttempted, exercise, is_stub
from workshop_lib.facts import value

#: Exercise 1.1: one call of this many milliseconds.
DURATION_1_1_MS = 120
#: Exercise 1.2: (requests, duration_ms, memory_mb) the learner's function is called with.
CASES_1_2: list[tuple[int, float, int]] = [
    (3_000_000, 120, 512),  # above the free requests, inside the free GB-seconds
    (500_000, 50, 128),  # inside both: the bill is $0
    (30_000_000, 250, 1024),  # above both
    (20_000_000, 37.2, 1536),  # a duration that is not a whole millisecond
]
#: Exercise 1.3: the function whose break-even against one t3.micro is asked for.
DURATION_1_3_MS = 250
MEMORY_1_3_MB = 1024
#: Exercise 1.3: how close the answer must be to the exact break-even.
TOLERANCE_1_3 = 0.01

_REL_TOL = 1e-3  # 1.2: a rounded price (e.g. $0.00001667 per GB-s) still passes
_ABS_TOL = 0.005  # 1.2: so does a bill rounded to cents


def _num(key: str, *, talk: bool = False) -> float:
    return float(value(key, talk=talk))


def _granularity(*, talk: bool = False) -> int:
    return int(value("lambda.billing_granularity_ms", talk=talk))


def _usd(amount: float) -> str:
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount != 0 and amount < 0.01:
        return f"{sign}${amount:.6f}"
    return f"{sign}${amount:,.2f}"


def _call(args: tuple[float, ...]) -> str:
    """``(3_000_000, 37.2, 1536)``: the arguments as a learner would type them."""
    shown = [f"{a:_}" if isinstance(a, int) and a >= 10_000 else f"{a:g}" for a in args]
    return "(" + ", ".join(shown) + ")"


def _is_number(x: Any) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(float(x))


# -- the usual mistakes, as knobs on one bill ---------------------------------------------
def _bill(
    requests: float,
    duration_ms: float,
    memory_mb: float,
    *,
    granularity_ms: int | None = None,
    round_up: bool = True,
    ms_per_s: float = 1000,
    mb_per_gb: float = 1024,
    free_requests: bool = True,
    free_compute: bool = True,
    clamp: bool = True,
    request_charge: bool = True,
    per_million: bool = True,
    compute_charge: bool = True,
) -> float:
    """A month's Lambda bill; every keyword switched away from its default is one mistake."""
    step = _granularity() if granularity_ms is None else granularity_ms
    billed = max(step, math.ceil(duration_ms / step) * step) if round_up else duration_ms
    gb_seconds = requests * billed / ms_per_s * memory_mb / mb_per_gb
    billable_requests = requests - (_num("lambda.free_tier_requests") if free_requests else 0)
    billable_gb_s = gb_seconds - (_num("lambda.free_tier_gb_s") if free_compute else 0)
    if clamp:
        billable_requests, billable_gb_s = max(0.0, billable_requests), max(0.0, billable_gb_s)
    per_request = _num("lambda.price_per_million_requests_usd") / (1_000_000 if per_million else 1)
    total = 0.0
    if request_charge:
        total += billable_requests * per_request
    if compute_charge:
        total += billable_gb_s * _num("lambda.price_per_gb_s_x86_usd")
    return total


def _mistakes() -> list[tuple[dict[str, Any], str, str]]:
    """(knobs, what the answer matches, hint) for each single mistake, likeliest first."""
    free_req = f"{int(_num('lambda.free_tier_requests')):,}"
    free_gbs = f"{int(_num('lambda.free_tier_gb_s')):,}"
    old, new = _granularity(talk=True), _granularity()
    price = _num("lambda.price_per_million_requests_usd")
    return [
        (
            {"free_requests": False, "free_compute": False},
            "that is the bill without the free tier",
            f"take the free tier off first: {free_req} requests and {free_gbs} GB-s a month "
            "(value('lambda.free_tier_requests'), value('lambda.free_tier_gb_s'))",
        ),
        (
            {"free_compute": False},
            "you took the free requests off, but not the free GB-seconds",
            f"the free tier also covers {free_gbs} GB-s of compute a month",
        ),
        (
            {"free_requests": False},
            "you took the free GB-seconds off, but not the free requests",
            f"the free tier also covers {free_req} requests a month",
        ),
        (
            {"mb_per_gb": 1},
            "that bill uses memory in MB where GB-seconds need GB",
            "GB-seconds = requests × billed seconds × memory_mb / 1024",
        ),
        (
            {"mb_per_gb": 1000},
            "that bill divides memory by 1000",
            "Lambda counts 1 GB as 1024 MB: memory_mb / 1024",
        ),
        (
            {"ms_per_s": 1},
            "that bill multiplies milliseconds where GB-seconds need seconds",
            "convert the billed duration to seconds: billed_ms / 1000",
        ),
        (
            {"granularity_ms": old},
            f"that bill rounds the duration up to {old} ms steps, as AWS did in 2018",
            f"today Lambda bills in {new} ms steps: round up to the next whole millisecond",
        ),
        (
            {"round_up": False},
            "that bill uses the exact duration",
            f"AWS rounds up to whole {new} ms steps: math.ceil(duration_ms / step) * step",
        ),
        (
            {"request_charge": False},
            "you left out the request charge",
            f"add ${price:.2f} per million requests beyond the free tier",
        ),
        (
            {"per_million": False},
            "you charged the per-million price for every single request",
            f"the ${price:.2f} is per 1,000,000 requests: billable_requests / 1_000_000 × price",
        ),
        (
            {"compute_charge": False},
            "you left out the compute (GB-seconds) charge",
            "add billable GB-seconds × value('lambda.price_per_gb_s_x86_usd')",
        ),
    ]


# -- 1.1 ------------------------------------------------------------------------------------
@exercise(
    "1.1",
    title="Billed duration: 2018 vs today",
    hint="both answers are plain numbers of milliseconds",
)
def check_billed_durations(answer: Any) -> None:
    names = ("billed_2018_ms", "billed_today_ms")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Fail(
            "expected two numbers, (billed_2018_ms, billed_today_ms)",
            "keep the check line as given: check('1.1', (billed_2018_ms, billed_today_ms))",
        )
    if all(is_stub(a) for a in answer):
        raise NotAttempted
    for name, got in zip(names, answer, strict=True):
        if is_stub(got):
            raise Fail(f"{name} is still `...`", "give it a number of milliseconds too")
        if not _is_number(got):
            raise Fail(f"{name} is {got!r}, not a number", "answer in milliseconds, e.g. 300")
    old, new = _granularity(talk=True), _granularity()
    want_old = cost.billed_duration_ms(DURATION_1_1_MS, old)
    want_new = cost.billed_duration_ms(DURATION_1_1_MS, new)
    got_old, got_new = (float(a) for a in answer)
    if (got_old, got_new) == (want_old, want_new):
        return
    if (got_old, got_new) == (want_new, want_old):
        raise Fail("the two answers are swapped", "2018 comes first, today second")
    if got_old != want_old:
        if math.isclose(got_old * 1000, want_old):
            raise Fail("billed_2018_ms looks like seconds", "answer in milliseconds")
        if got_old == DURATION_1_1_MS:
            raise Fail(
                f"billed_2018_ms is the measured {DURATION_1_1_MS} ms",
                f"in 2018 AWS billed whole {old} ms steps: round {DURATION_1_1_MS} ms up",
            )
        if got_old == math.floor(DURATION_1_1_MS / old) * old:
            raise Fail(
                f"billed_2018_ms = {got_old:g} rounds down",
                f"AWS always rounds up to the next {old} ms (math.ceil)",
            )
        raise Fail(
            f"billed_2018_ms = {got_old:g} is not what AWS billed in 2018",
            f"round {DURATION_1_1_MS} ms up to a multiple of {old} ms",
        )
    if math.isclose(got_new * 1000, want_new):
        raise Fail("billed_today_ms looks like seconds", "answer in milliseconds")
    if got_new == want_old:
        raise Fail(
            f"billed_today_ms uses 2018's {old} ms steps",
            f"today AWS bills in {new} ms steps",
        )
    raise Fail(
        f"billed_today_ms = {got_new:g} is not what AWS bills today",
        f"round {DURATION_1_1_MS} ms up to a multiple of {new} ms",
    )


# -- 1.2 ------------------------------------------------------------------------------------
def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_REL_TOL, abs_tol=_ABS_TOL)


@exercise(
    "1.2",
    title="A month's Lambda bill",
    hint="call your function with (3_000_000, 120, 512) in a cell and read the traceback",
)
def check_monthly_cost(answer: Any) -> None:
    if not callable(answer):
        raise Fail(
            f"expected the function monthly_cost, got {type(answer).__name__}",
            "pass the function itself, without calling it: check('1.2', monthly_cost)",
        )
    fn: Callable[..., Any] = answer
    for args in CASES_1_2:
        got = fn(*args)
        call = f"monthly_cost{_call(args)}"
        if got is None:
            raise Fail(f"{call} returned None", "end the function with `return total`")
        if not _is_number(got):
            raise Fail(
                f"{call} returned {type(got).__name__} {got!r}",
                "return the bill as a number of dollars (a float), not text",
            )
        got = float(got)
        want = cost.lambda_monthly_cost(*args).total
        if _same(got, want):
            continue
        if got < 0:
            raise Fail(
                f"{call} returned {_usd(got)}, the bill is {_usd(want)}: yours is below zero",
                "the free tier can only bring a line down to zero: billable = max(0, used - free)",
            )
        for knobs, what, hint in _mistakes():
            if _same(got, _bill(*args, **knobs)):
                raise Fail(f"{call} returned {_usd(got)}, the bill is {_usd(want)}: {what}", hint)
        raise Fail(
            f"{call} returned {_usd(got)}, the bill is {_usd(want)}",
            f"compare your steps with print(cost.explain{_call(args)})",
        )


# -- 1.3 ------------------------------------------------------------------------------------
def _break_even(**knobs: Any) -> float:
    """The request count where :func:`_bill` with ``knobs`` first exceeds the server."""
    server = cost.server_monthly_cost()

    def over(n: float) -> bool:
        return _bill(n, DURATION_1_3_MS, MEMORY_1_3_MB, **knobs) > server

    low, high = 0.0, 1.0
    while not over(high):
        low, high = high, high * 2
        if high > 1e15:
            return math.inf
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if not over(mid) else (low, mid)
    return high


def _near(got: float, want: float) -> bool:
    return math.isfinite(want) and abs(got - want) <= TOLERANCE_1_3 * want


@exercise(
    "1.3",
    title="Break-even against an always-on server",
    hint="break_even is one number: requests per month",
)
def check_break_even(answer: Any) -> None:
    if not _is_number(answer):
        raise Fail(
            f"break_even is {type(answer).__name__} {answer!r}, not a number",
            "give the number of requests per month, e.g. 1_234_567",
        )
    got = float(answer)
    want = cost.break_even_requests(DURATION_1_3_MS, MEMORY_1_3_MB)
    if _near(got, want):
        return
    if got <= 0:
        raise Fail(f"break_even = {got:g}", "a break-even is a positive number of requests")
    if _near(got * 1_000_000, want):
        raise Fail(
            f"break_even = {got:g} looks like millions of requests",
            "give the count itself (e.g. 2_500_000, not 2.5)",
        )
    variants: list[tuple[float, str, str]] = [
        (
            _break_even(free_requests=False, free_compute=False),
            "that is the break-even without the free tier",
            "the free requests and GB-seconds come off Lambda's bill first",
        ),
        (
            _break_even(granularity_ms=_granularity(talk=True)),
            f"that rounds {DURATION_1_3_MS} ms up the 2018 way",
            f"today's billing is per {_granularity()} ms",
        ),
        (
            _break_even(request_charge=False),
            "that leaves out the request charge",
            "Lambda's bill is requests + compute; both grow with n",
        ),
        (
            _break_even(mb_per_gb=1000),
            "that divides memory by 1000",
            "1 GB is 1024 MB for GB-seconds",
        ),
    ]
    for variant, what, hint in variants:
        if _near(got, variant):
            raise Fail(f"break_even = {got:,.0f}: {what}", hint)
    side = "above" if got > want else "below"
    raise Fail(
        f"break_even = {got:,.0f} is {abs(got / want - 1):.0%} {side} the break-even",
        f"at the break-even, cost.lambda_monthly_cost(n, {DURATION_1_3_MS}, {MEMORY_1_3_MB})"
        ".total equals cost.server_monthly_cost(): try your n in both",
    )
