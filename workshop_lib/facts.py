"""Every AWS number the course states: the talk's 2018 value, today's value, and where it was
checked."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

CHECKED = "2026-11-27"


@dataclass(frozen=True)
class Fact:
    """One AWS number: what the 2018 talk said, what is true today, and where it was checked."""

    key: str  # dotted id, e.g. "lambda.max_timeout_s"
    title: str  # short human label, e.g. "Lambda maximum timeout"
    today: float | int | str
    unit: str  # "s", "MB", "USD", "requests", "GB-s", "count", "KB", "bytes", "ms", "" ...
    source: str  # AWS documentation URL
    talk: float | int | str | None = None  # 2018 value from the talk transcript, None if not stated
    note: str = ""  # one line: caveat, what changed, etc.
    checked: str = CHECKED
    #: False: no AWS text confirming the value was found; a notebook must not print it
    #: (tests/test_facts.py scans the executed notebooks)
    verified: bool = True
    #: what AWS's own documentation said when the talk was given, where the talk differs
    aws_then: float | int | str | None = None


# --- AWS pages the facts were checked against ------------------------------------------------
# Lambda
_L_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
_L_TIMEOUT = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html"
_L_MEMORY = "https://docs.aws.amazon.com/lambda/latest/dg/resource-model.html"
_L_TMP = "https://docs.aws.amazon.com/lambda/latest/dg/API_EphemeralStorage.html"
_L_INVOKE = "https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html"
_L_PRICING = "https://aws.amazon.com/lambda/pricing/"
_L_PRICING_WP = "https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html"
_L_TIERED = "https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/"
_L_PYTHON = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html"
_L_ASYNC_ERR = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html"
_L_ASYNC_CFG = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html"
_L_RUNTIME_ENV = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html"
# DynamoDB
_D_CONSTRAINTS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html"
_D_QUOTAS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html"
_D_BURST = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html"
)
_D_PRICING = "https://aws.amazon.com/dynamodb/pricing/"
_D_STREAMS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html"
_D_ITERATOR = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/"
    "API_streams_GetShardIterator.html"
)
_D_PRICING_PROV = "https://aws.amazon.com/dynamodb/pricing/provisioned/"
# API Gateway
_A_QUOTAS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"
_A_REST_QUOTAS = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    "api-gateway-execution-service-limits-table.html"
)
_A_HTTP_QUOTAS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html"
_A_TIMEOUT_NEWS = (
    "https://aws.amazon.com/about-aws/whats-new/2024/06/"
    "amazon-api-gateway-integration-timeout-limit-29-seconds/"
)
_A_PRICING = "https://aws.amazon.com/api-gateway/pricing/"
_A_PRICING_WP = (
    "https://docs.aws.amazon.com/pt_br/whitepapers/latest/"
    "best-practices-api-gateway-private-apis-integration/cost-optimization.html"
)
# CloudWatch Logs
_C_QUOTAS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html"
_C_PUT = (
    "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html"
)
# EC2
_E_PRICING = "https://aws.amazon.com/ec2/pricing/on-demand/"


# --- Lambda's runtime lifecycle: one table for facts, the sandbox and the notebooks -----------
_L_RUNTIMES = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
#: When the runtime table was last compared with AWS's runtime page (through cfn-lint's copy).
RUNTIMES_CHECKED = "2026-12-07"
_AL1, _AL2, _AL2023 = "Amazon Linux", "Amazon Linux 2", "Amazon Linux 2023"


@dataclass(frozen=True)
class Runtime:
    """One row of AWS's runtime table: when it was deprecated, when Lambda stops creating and
    then updating functions that use it, the operating system, and what AWS recommends next.
    Dates are ISO strings (None: not announced); they move, so re-check before teaching."""

    identifier: str
    deprecated: str | None
    block_create: str | None
    block_update: str | None
    os: str
    successor: str | None = None

    def supported_on(self, day: date) -> bool:
        """Listed as supported on ``day``: not yet deprecated."""
        return self.deprecated is None or day < date.fromisoformat(self.deprecated)

    def blocked_since(self, action: str, day: date) -> str | None:
        """The date from which ``action`` ("create" or "update") is refused, if it has come."""
        when = self.block_create if action == "create" else self.block_update
        return when if when is not None and day >= date.fromisoformat(when) else None

    def deprecated_but_creatable(self, day: date) -> bool:
        """Deprecated on ``day``, yet Lambda still creates functions with it."""
        return not self.supported_on(day) and self.blocked_since("create", day) is None


#: AWS's table (source: _L_RUNTIMES), deprecated and supported runtimes alike. cfn-lint ships
#: the same dates as data (cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json); the test
#: tests/test_runtimes.py compares the two.
RUNTIMES: dict[str, Runtime] = {
    r.identifier: r
    for r in (
        # Python
        Runtime("python3.14", "2029-06-30", "2029-07-31", "2029-08-31", _AL2023),
        Runtime("python3.13", "2029-06-30", "2029-07-31", "2029-08-31", _AL2023, "python3.14"),
        Runtime("python3.12", "2028-10-31", "2028-11-30", "2029-01-10", _AL2023, "python3.14"),
        Runtime("python3.11", "2027-06-30", "2027-07-31", "2027-08-31", _AL2, "python3.14"),
        Runtime("python3.10", "2026-10-31", "2027-02-01", "2027-03-03", _AL2, "python3.14"),
        Runtime("python3.9", "2025-12-15", "2027-02-01", "2027-03-03", _AL2, "python3.14"),
        Runtime("python3.8", "2024-10-14", "2027-02-01", "2027-03-03", _AL2, "python3.14"),
        Runtime("python3.7", "2023-12-04", "2024-01-09", "2027-03-03", _AL1, "python3.14"),
        Runtime("python3.6", "2022-07-18", "2022-07-18", "2022-08-29", _AL1, "python3.14"),
        Runtime("python2.7", "2021-07-15", "2021-07-15", "2022-05-30", _AL1, "python3.14"),
        # Node.js
        Runtime("nodejs24.x", "2028-04-30", "2028-06-01", "2028-07-01", _AL2023),
        Runtime("nodejs22.x", "2027-04-30", "2027-06-01", "2027-07-01", _AL2023, "nodejs24.x"),
        Runtime("nodejs20.x", "2026-04-30", "2027-02-01", "2027-03-03", _AL2023, "nodejs24.x"),
        Runtime("nodejs18.x", "2025-09-01", "2027-02-01", "2027-03-03", _AL2, "nodejs24.x"),
        Runtime("nodejs16.x", "2024-06-12", "2027-02-01", "2027-03-03", _AL2, "nodejs24.x"),
        Runtime("nodejs14.x", "2023-12-04", "2024-01-09", "2027-03-03", _AL2, "nodejs24.x"),
        Runtime("nodejs12.x", "2023-03-31", "2023-03-31", "2023-04-30", _AL2, "nodejs24.x"),
        Runtime("nodejs10.x", "2021-07-30", "2021-07-30", "2022-02-14", _AL2, "nodejs24.x"),
        Runtime("nodejs8.10", "2020-03-06", "2020-02-04", "2020-03-06", _AL1, "nodejs24.x"),
        Runtime("nodejs6.10", "2019-08-12", "2019-07-12", "2019-08-12", _AL1, "nodejs24.x"),
        Runtime("nodejs4.3", "2020-03-05", "2020-02-03", "2020-03-05", _AL1, "nodejs24.x"),
        Runtime("nodejs4.3-edge", "2020-03-05", "2019-03-31", "2019-04-30", _AL1, "nodejs24.x"),
        Runtime("nodejs", "2016-08-30", "2016-09-30", "2016-10-31", _AL1, "nodejs24.x"),
        # Java
        Runtime("java25", "2029-06-30", "2029-07-31", "2029-08-31", _AL2023),
        Runtime("java21", "2029-06-30", "2029-07-31", "2029-08-31", _AL2023, "java25"),
        Runtime("java17", "2027-06-30", "2027-07-31", "2027-08-31", _AL2, "java25"),
        Runtime("java11", "2027-06-30", "2027-07-31", "2027-08-31", _AL2, "java25"),
        Runtime("java8.al2", "2027-06-30", "2027-07-31", "2027-08-31", _AL2, "java25"),
        Runtime("java8", "2024-01-08", "2024-02-08", "2027-03-03", _AL1, "java25"),
        # .NET
        Runtime("dotnet10", "2028-11-14", "2028-12-14", "2029-01-15", _AL2023),
        Runtime("dotnet9", "2026-11-10", None, None, _AL2023, "dotnet10"),
        Runtime("dotnet8", "2026-11-10", "2027-02-01", "2027-03-03", _AL2023, "dotnet10"),
        Runtime("dotnet6", "2024-12-20", "2027-02-01", "2027-03-03", _AL2, "dotnet10"),
        Runtime("dotnetcore3.1", "2023-04-03", "2023-04-03", "2023-05-03", _AL2, "dotnet10"),
        Runtime("dotnetcore2.1", "2022-01-05", "2022-01-05", "2022-04-13", _AL1, "dotnet10"),
        Runtime("dotnetcore2.0", "2019-05-30", "2019-04-30", "2019-05-30", _AL1, "dotnet10"),
        Runtime("dotnetcore1.0", "2019-06-27", "2019-06-30", "2019-07-30", _AL1, "dotnet10"),
        # Ruby
        Runtime("ruby4.0", "2029-03-31", "2029-04-30", "2029-05-31", _AL2023),
        Runtime("ruby3.4", "2028-03-31", "2028-04-30", "2028-05-31", _AL2023, "ruby4.0"),
        Runtime("ruby3.3", "2027-03-31", "2027-04-30", "2027-05-31", _AL2023, "ruby4.0"),
        Runtime("ruby3.2", "2026-03-31", "2027-02-01", "2027-03-03", _AL2, "ruby4.0"),
        Runtime("ruby2.7", "2023-12-07", "2024-01-09", "2027-03-03", _AL2, "ruby4.0"),
        Runtime("ruby2.5", "2021-07-30", "2021-07-30", "2022-03-31", _AL1, "ruby4.0"),
        # OS-only and Go
        Runtime("provided.al2023", "2029-06-30", "2029-07-31", "2029-08-31", _AL2023),
        Runtime("provided.al2", "2026-07-31", "2027-02-01", "2027-03-03", _AL2, "provided.al2023"),
        Runtime("provided", "2024-01-08", "2024-02-08", "2027-03-03", _AL1, "provided.al2023"),
        Runtime("go1.x", "2024-01-08", "2024-02-08", "2027-03-03", _AL1, "provided.al2023"),
    )
}


def runtimes_supported_on(day: date, prefix: str = "python") -> list[str]:
    """The runtimes (of one language, by identifier prefix) listed as supported on ``day``,
    oldest first."""
    names = [r.identifier for r in RUNTIMES.values() if r.identifier.startswith(prefix)]
    return sorted((n for n in names if RUNTIMES[n].supported_on(day)), key=_version_key)


def _version_key(identifier: str) -> tuple[int, ...]:
    digits = "".join(c if c.isdigit() else " " for c in identifier).split()
    return tuple(int(d) for d in digits)


def _python_runtimes_fact_values() -> tuple[str, str, str]:
    """(supported, deprecated but still creatable, newest) Python runtimes on the check date."""
    day = date.fromisoformat(RUNTIMES_CHECKED)
    supported = runtimes_supported_on(day)
    deprecated = [
        r.identifier
        for r in RUNTIMES.values()
        if r.identifier.startswith("python") and r.deprecated_but_creatable(day)
    ]
    deprecated.sort(key=_version_key)
    return ", ".join(supported), ", ".join(deprecated), supported[-1]


_PY_SUPPORTED, _PY_DEPRECATED, _PY_NEWEST = _python_runtimes_fact_values()

#: A price no AWS text open to the course confirmed (the pricing pages render their rates
#: client-side): kept for the cost models, marked verified=False, never printed as a fact.
_UNVERIFIED_PRICE = "no AWS text confirming it was found"

_ALL: tuple[Fact, ...] = (
    # ---------------------------------------------------------------- Lambda: limits
    Fact(
        "lambda.max_timeout_s",
        "Lambda maximum timeout",
        900,
        "s",
        _L_TIMEOUT,
        talk=300,
        note="Raised from 300 s to 900 s (15 min) in Oct 2018; configurable in 1 s steps.",
    ),
    Fact(
        "lambda.default_timeout_s",
        "Lambda default timeout",
        3,
        "s",
        _L_TIMEOUT,
        note="Default when a function is created without a Timeout setting.",
    ),
    Fact(
        "lambda.billing_granularity_ms",
        "Lambda duration billing granularity",
        1,
        "ms",
        _L_PRICING,
        talk=100,
        note="Duration is rounded up to the nearest 1 ms since Dec 2020 (was 100 ms).",
    ),
    Fact(
        "lambda.memory_min_mb",
        "Lambda minimum memory",
        128,
        "MB",
        _L_MEMORY,
        talk=128,
        note="128 MB is both the minimum and the default; the talk's examples use 128 MB.",
    ),
    Fact(
        "lambda.memory_max_mb",
        "Lambda maximum memory",
        10240,
        "MB",
        _L_MEMORY,
        note=(
            "Configurable in 1 MB steps (64 MB steps in 2018, max 3,008 MB then; the talk did "
            "not state a max). New accounts may get a lower memory quota at first."
        ),
    ),
    Fact(
        "lambda.tmp_default_mb",
        "Lambda /tmp (ephemeral storage) default",
        512,
        "MB",
        _L_TMP,
        talk=512,
        note="512 MB is included free; extra ephemeral storage is billed.",
    ),
    Fact(
        "lambda.tmp_max_mb",
        "Lambda /tmp (ephemeral storage) maximum",
        10240,
        "MB",
        _L_TMP,
        note="Configurable 512-10,240 MB since Mar 2022; fixed at 512 MB in 2018.",
    ),
    Fact(
        "lambda.payload_sync_mb",
        "Lambda synchronous invocation payload (request and response)",
        6,
        "MB",
        _L_INVOKE,
        talk=6,
        note="Same 6 MB limit as in the talk; response streaming can exceed it.",
    ),
    Fact(
        "logs.event_max_kb",
        "CloudWatch Logs maximum log event size (as Lambda delivers a function's output)",
        256,
        "KB",
        _C_QUOTAS,
        note=(
            "Event size quota on the CloudWatch Logs quotas page and in PutLogEvents "
            f"({_C_PUT}); a longer line of function output is cut into events of at most "
            "256 KB (262,144 bytes) each."
        ),
    ),
    Fact(
        "lambda.payload_async_mb",
        "Lambda asynchronous invocation payload",
        1,
        "MB",
        _L_INVOKE,
        note=(
            "Invoke API doc: async max is 1 MB (raised from 256 KB in 2025; the deprecated "
            "InvokeAsync API keeps 256 KB). Talk did not state it."
        ),
    ),
    Fact(
        "lambda.env_vars_max_kb",
        "Lambda environment variables, total size",
        4,
        "KB",
        _L_QUOTAS,
        talk=4,
        note="All keys and values combined; unchanged since 2018.",
    ),
    Fact(
        "lambda.concurrency_default",
        "Lambda concurrent executions, default per Region",
        1000,
        "count",
        _L_QUOTAS,
        talk=100,
        aws_then=1000,
        note=(
            "Default account quota per Region, adjustable; docs warn new accounts start with "
            "reduced concurrency that AWS raises with usage. Slide 31 said 100; AWS's limits "
            "page of the time already gave 1,000."
        ),
    ),
    Fact(
        "lambda.package_zipped_mb",
        "Lambda deployment package, zipped (direct upload)",
        50,
        "MB",
        _L_QUOTAS,
        talk=50,
        note="Larger .zip files must be uploaded via S3.",
    ),
    Fact(
        "lambda.package_unzipped_mb",
        "Lambda deployment package, unzipped (incl. layers)",
        250,
        "MB",
        _L_QUOTAS,
        talk=250,
        note="Includes layers and custom runtimes; container images allow up to 10 GB.",
    ),
    # ---------------------------------------------------------------- Lambda: pricing
    Fact(
        "lambda.free_tier_requests",
        "Lambda free tier requests per month",
        1_000_000,
        "requests",
        _L_PRICING_WP,
        talk=1_000_000,
        note="Monthly, does not expire.",
    ),
    Fact(
        "lambda.free_tier_gb_s",
        "Lambda free tier compute per month",
        400_000,
        "GB-s",
        _L_PRICING_WP,
        talk=400_000,
        note="Shared by x86 and Arm functions.",
    ),
    Fact(
        "lambda.price_per_million_requests_usd",
        "Lambda price per 1M requests (us-east-1)",
        0.20,
        "USD",
        _L_PRICING_WP,
        note="Same for x86 and Arm; beyond the free tier.",
    ),
    Fact(
        "lambda.price_per_gb_s_x86_usd",
        "Lambda price per GB-second, x86, first tier (us-east-1)",
        0.0000166667,
        "USD",
        _L_PRICING,
        note=(
            "First 6 billion GB-s/month; AWS pricing whitepaper rounds it to $0.00001667. "
            "Cheaper tiers above 6B/15B GB-s."
        ),
    ),
    Fact(
        "lambda.price_per_gb_s_arm_usd",
        "Lambda price per GB-second, Arm, first tier (us-east-1)",
        0.0000133334,
        "USD",
        _L_PRICING,
        note=(
            "First 7.5 billion GB-s/month; pricing page renders rates client-side, value "
            "consistent with AWS tier boundaries (7.5B Arm = 6B x86 in USD)."
        ),
        verified=False,
    ),
    # ---------------------------------------------------------------- Lambda: runtimes
    Fact(
        "lambda.python_runtimes",
        "Lambda Python runtimes listed as supported",
        _PY_SUPPORTED,
        "",
        _L_RUNTIMES,
        talk="python2.7, python3.6",
        note=(
            "From the runtime table (facts.RUNTIMES) on its check date: deprecated runtimes "
            "are no longer listed, although functions can use them until the block dates."
        ),
        checked=RUNTIMES_CHECKED,
    ),
    Fact(
        "lambda.init_phase_billed_since",
        "Lambda INIT phase (cold start) billed for on-demand ZIP functions on managed runtimes",
        "billed since 2025-08-01",
        "",
        "https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/",
        note=(
            "Billed Duration in the REPORT line of a cold start now includes Init Duration. "
            "The talk did not say whether INIT was billed."
        ),
    ),
    Fact(
        "lambda.python_runtimes_deprecated",
        "Lambda Python runtimes deprecated but still usable for new functions",
        _PY_DEPRECATED,
        "",
        _L_RUNTIMES,
        note=(
            "From the runtime table (facts.RUNTIMES): deprecated, no security patches; "
            "creating functions on them is blocked from "
            + ", ".join(f"{n} {RUNTIMES[n].block_create}" for n in _PY_DEPRECATED.split(", ") if n)
            + "."
        ),
        checked=RUNTIMES_CHECKED,
    ),
    Fact(
        "lambda.python_runtime_latest",
        "Newest Lambda Python runtime",
        _PY_NEWEST,
        "",
        _L_RUNTIMES,
        talk="python3.6",
        note=(
            f"{_PY_NEWEST} runs on {RUNTIMES[_PY_NEWEST].os}; deprecated on "
            f"{RUNTIMES[_PY_NEWEST].deprecated}."
        ),
        checked=RUNTIMES_CHECKED,
    ),
    # ---------------------------------------------------------------- Lambda: execution
    Fact(
        "lambda.async_retries",
        "Lambda async invocation retries on function error",
        2,
        "count",
        _L_ASYNC_ERR,
        talk=2,
        note="Default; configurable 0-2 (MaximumRetryAttempts). Waits 1 min, then 2 min.",
    ),
    Fact(
        "lambda.async_max_event_age_s",
        "Lambda async event queue maximum age (6 hours)",
        21600,
        "s",
        _L_ASYNC_CFG,
        note="Default and maximum MaximumEventAgeInSeconds; throttled events retried up to 6 h.",
    ),
    Fact(
        "lambda.execution_context_reuse",
        "Lambda execution environment reuse window",
        "undocumented; environments are recycled every few hours - never rely on reuse",
        "",
        _L_RUNTIME_ENV,
        talk="30 min (up from 5 min)",
        note="AWS publishes no reuse window; docs say environments are terminated periodically.",
    ),
    # ---------------------------------------------------------------- DynamoDB: items and keys
    Fact(
        "dynamodb.item_size_max_kb",
        "DynamoDB maximum item size",
        400,
        "KB",
        _D_CONSTRAINTS,
        note="Binary KB (1 KB = 1024 bytes); attribute names count towards the size.",
    ),
    Fact(
        "dynamodb.item_size_max_bytes",
        "DynamoDB maximum item size in bytes",
        409_600,
        "bytes",
        _D_CONSTRAINTS,
        note="400 x 1024 bytes; (moto 5.2 rejects items above 405,000 bytes, AWS does not).",
    ),
    Fact(
        "dynamodb.partition_key_min_bytes",
        "DynamoDB partition/sort key minimum length",
        1,
        "bytes",
        _D_CONSTRAINTS,
        talk=1,
        note="Applies to both partition and sort key values.",
    ),
    Fact(
        "dynamodb.partition_key_max_bytes",
        "DynamoDB partition key maximum length",
        2048,
        "bytes",
        _D_CONSTRAINTS,
        talk=2048,
        note="Talk: '1 Byte to 2 KByte'.",
    ),
    Fact(
        "dynamodb.sort_key_max_bytes",
        "DynamoDB sort key maximum length",
        1024,
        "bytes",
        _D_CONSTRAINTS,
        talk=1024,
        note="Talk: '1 Byte to 1 KByte'.",
    ),
    Fact(
        "dynamodb.table_name_min_chars",
        "DynamoDB table/index name minimum length",
        3,
        "count",
        _D_CONSTRAINTS,
        talk=3,
        note="Allowed characters: a-z, A-Z, 0-9, '_', '-', '.'.",
    ),
    Fact(
        "dynamodb.table_name_max_chars",
        "DynamoDB table/index name maximum length",
        255,
        "count",
        _D_CONSTRAINTS,
        talk=255,
        note="Unique per account and Region.",
    ),
    Fact(
        "dynamodb.nesting_depth_max",
        "DynamoDB nested attribute depth (lists/maps)",
        32,
        "count",
        _D_CONSTRAINTS,
        talk=32,
        note="Unchanged since 2018.",
    ),
    Fact(
        "dynamodb.number_precision_digits",
        "DynamoDB Number precision",
        38,
        "count",
        _D_CONSTRAINTS,
        talk=38,
        note="Signed; range about 1E-130 to 9.99...E+125.",
    ),
    # ---------------------------------------------------------------- DynamoDB: capacity
    Fact(
        "dynamodb.rcu_item_kb",
        "DynamoDB read unit item size (1 strongly consistent read/s)",
        4,
        "KB",
        _D_CONSTRAINTS,
        talk=4,
        note="Reads are rounded up to the next 4 KB; same size for on-demand read request units.",
    ),
    Fact(
        "dynamodb.eventual_read_cost_factor",
        "DynamoDB eventually consistent read cost relative to strong",
        0.5,
        "",
        _D_CONSTRAINTS,
        talk=0.5,
        note="One RCU = 1 strongly consistent or 2 eventually consistent reads/s (talk: '2 for').",
    ),
    Fact(
        "dynamodb.wcu_item_kb",
        "DynamoDB write unit item size (1 write/s)",
        1,
        "KB",
        _D_CONSTRAINTS,
        talk=1,
        note="Writes are rounded up to the next 1 KB.",
    ),
    Fact(
        "dynamodb.transactional_cost_factor",
        "DynamoDB transactional read/write cost factor",
        2,
        "",
        _D_CONSTRAINTS,
        note="Transactions (Nov 2018, after the talk) need 2 RCUs/WCUs per 4 KB/1 KB.",
    ),
    Fact(
        "dynamodb.partition_max_rcu",
        "DynamoDB read units per partition",
        3000,
        "RCU",
        _D_BURST,
        talk=3000,
        note="Hard per-partition limit; adaptive capacity and burst capacity cannot exceed it.",
    ),
    Fact(
        "dynamodb.partition_max_wcu",
        "DynamoDB write units per partition",
        1000,
        "WCU",
        _D_BURST,
        talk=1000,
        note="Hard per-partition limit; hot keys throttle here even if the table has capacity.",
    ),
    Fact(
        "dynamodb.partition_max_gb",
        "DynamoDB partition storage",
        10,
        "GB",
        _D_CONSTRAINTS,
        talk=10,
        note="Also the item-collection size limit for tables with local secondary indexes.",
    ),
    Fact(
        "dynamodb.burst_capacity_s",
        "DynamoDB burst capacity (unused capacity retained)",
        300,
        "s",
        _D_BURST,
        note="Best effort, not guaranteed; provisioned mode only.",
    ),
    # ---------------------------------------------------------------- DynamoDB: quotas
    Fact(
        "dynamodb.gsi_per_table",
        "DynamoDB global secondary indexes per table (default quota)",
        20,
        "count",
        _D_QUOTAS,
        talk=5,
        note="Talk: 5 local+global indexes combined; today 20 GSIs (adjustable) plus 5 LSIs.",
    ),
    Fact(
        "dynamodb.lsi_per_table",
        "DynamoDB local secondary indexes per table",
        5,
        "count",
        _D_QUOTAS,
        note="Fixed; the talk only stated the 2018 combined limit of 5 LSI+GSI.",
    ),
    Fact(
        "dynamodb.tables_per_account",
        "DynamoDB tables per account per Region (default quota)",
        2500,
        "count",
        _D_QUOTAS,
        talk=256,
        note="Adjustable; best-practice docs say it cannot be raised above 10,000.",
    ),
    Fact(
        "dynamodb.table_max_rcu",
        "DynamoDB read units per table (default quota, us-east-1)",
        40000,
        "RCU",
        _D_QUOTAS,
        talk=40000,
        note="Table plus its GSIs; same 40,000 applies to on-demand read request units.",
    ),
    Fact(
        "dynamodb.table_max_wcu",
        "DynamoDB write units per table (default quota, us-east-1)",
        40000,
        "WCU",
        _D_QUOTAS,
        talk=40000,
        note="Table plus its GSIs; adjustable.",
    ),
    Fact(
        "dynamodb.account_max_rcu",
        "DynamoDB provisioned read units per account (default quota, us-east-1)",
        80000,
        "RCU",
        _D_QUOTAS,
        talk=80000,
        note="Provisioned tables only; no account-level quota for on-demand tables.",
    ),
    Fact(
        "dynamodb.account_max_wcu",
        "DynamoDB provisioned write units per account (default quota, us-east-1)",
        80000,
        "WCU",
        _D_QUOTAS,
        talk=80000,
        note="Provisioned tables only; adjustable.",
    ),
    Fact(
        "dynamodb.table_max_units_other_regions",
        "DynamoDB read/write units per table, other Regions (default quota)",
        40000,
        "count",
        _D_QUOTAS,
        talk=10000,
        note="Current docs give one default (40k/table, 80k/account) with no per-Region split.",
    ),
    Fact(
        "dynamodb.account_max_units_other_regions",
        "DynamoDB read/write units per account, other Regions (default quota)",
        80000,
        "count",
        _D_QUOTAS,
        talk=20000,
        note="Current docs give one default with no per-Region split; check Service Quotas.",
    ),
    # ---------------------------------------------------------------- DynamoDB: API
    Fact(
        "dynamodb.batch_write_max_items",
        "DynamoDB BatchWriteItem maximum put/delete requests",
        25,
        "count",
        _D_CONSTRAINTS,
        note="Total request size up to 16 MB.",
    ),
    Fact(
        "dynamodb.batch_get_max_items",
        "DynamoDB BatchGetItem maximum items",
        100,
        "count",
        _D_CONSTRAINTS,
        note="Total response size up to 16 MB.",
    ),
    Fact(
        "dynamodb.transact_write_max_items",
        "DynamoDB TransactWriteItems maximum items",
        100,
        "count",
        _D_CONSTRAINTS,
        note="Transactions launched Nov 2018 with 25 items; raised to 100 in 2022; max 4 MB.",
    ),
    Fact(
        "dynamodb.query_page_max_mb",
        "DynamoDB Query/Scan result page size",
        1,
        "MB",
        _D_CONSTRAINTS,
        note="Use LastEvaluatedKey to fetch further pages.",
    ),
    Fact(
        "dynamodb.stream_retention_h",
        "DynamoDB Streams record retention",
        24,
        "h",
        _D_STREAMS,
        note="All data in DynamoDB Streams is subject to a 24-hour lifetime; then it is trimmed.",
    ),
    Fact(
        "dynamodb.stream_iterator_expiry_min",
        "DynamoDB Streams shard iterator lifetime",
        15,
        "min",
        _D_ITERATOR,
        note="A shard iterator expires 15 minutes after it is returned to the requester.",
    ),
    # ---------------------------------------------------------------- DynamoDB: pricing
    Fact(
        "dynamodb.ondemand_write_price_per_million_usd",
        "DynamoDB on-demand price per 1M write request units (us-east-1)",
        0.625,
        "USD",
        _D_PRICING,
        note=(
            f"Halved from $1.25 on 2024-11-01; {_UNVERIFIED_PRICE} (pricing page renders rates "
            "client-side)."
        ),
        verified=False,
    ),
    Fact(
        "dynamodb.ondemand_read_price_per_million_usd",
        "DynamoDB on-demand price per 1M read request units (us-east-1)",
        0.125,
        "USD",
        _D_PRICING,
        note=(
            f"Halved from $0.25 on 2024-11-01; {_UNVERIFIED_PRICE} (pricing page renders rates "
            "client-side)."
        ),
        verified=False,
    ),
    Fact(
        "dynamodb.provisioned_wcu_hour_usd",
        "DynamoDB provisioned price per WCU-hour (us-east-1)",
        0.00065,
        "USD",
        _D_PRICING_PROV,
        note=f"Standard table class; {_UNVERIFIED_PRICE} (rates rendered client-side).",
        verified=False,
    ),
    Fact(
        "dynamodb.provisioned_rcu_hour_usd",
        "DynamoDB provisioned price per RCU-hour (us-east-1)",
        0.00013,
        "USD",
        _D_PRICING_PROV,
        note=f"Standard table class; {_UNVERIFIED_PRICE} (rates rendered client-side).",
        verified=False,
    ),
    Fact(
        "dynamodb.free_tier_storage_gb",
        "DynamoDB free tier storage per month",
        25,
        "GB",
        _D_PRICING,
        note="Does not expire; per Region across all tables.",
    ),
    Fact(
        "dynamodb.free_tier_wcu",
        "DynamoDB free tier provisioned write capacity",
        25,
        "WCU",
        _D_PRICING,
        note="Provisioned mode only; with 25 RCU 'about 200M requests/month'.",
    ),
    Fact(
        "dynamodb.free_tier_rcu",
        "DynamoDB free tier provisioned read capacity",
        25,
        "RCU",
        _D_PRICING,
        note="Provisioned mode only; does not expire.",
    ),
    # ---------------------------------------------------------------- API Gateway
    Fact(
        "apigateway.integration_timeout_s",
        "API Gateway REST integration timeout (default maximum)",
        29,
        "s",
        _A_REST_QUOTAS,
        note=(
            "50 ms-29 s; since Jun 2024 Regional and private REST APIs can request more "
            "(may lower the account throttle); edge-optimized cannot."
        ),
    ),
    Fact(
        "apigateway.http_api_integration_timeout_s",
        "API Gateway HTTP API maximum integration timeout",
        30,
        "s",
        _A_HTTP_QUOTAS,
        note="HTTP APIs (payload format 2.0) did not exist in 2018; cannot be increased.",
    ),
    Fact(
        "apigateway.request_head_max_bytes",
        "API Gateway REST request line and headers, total size",
        10240,
        "bytes",
        _A_REST_QUOTAS,
        note="Total combined size of request line and header values; cannot be increased.",
    ),
    Fact(
        "apigateway.payload_max_mb",
        "API Gateway request payload size",
        10,
        "MB",
        _A_HTTP_QUOTAS,
        note="10 MB for both REST and HTTP APIs; cannot be increased (use S3 presigned URLs).",
    ),
    Fact(
        "apigateway.account_throttle_rps",
        "API Gateway account throttle per Region (default)",
        10000,
        "requests/s",
        _A_QUOTAS,
        note="Shared by REST, HTTP and WebSocket APIs; 2,500 rps in some newer Regions.",
    ),
    Fact(
        "apigateway.account_burst",
        "API Gateway account burst quota per Region (default)",
        5000,
        "requests",
        _A_QUOTAS,
        note=(
            "Token bucket shared by the account's APIs in a Region; 1,250 in smaller Regions "
            "(with their 2,500 rps). Not adjustable."
        ),
    ),
    Fact(
        "apigateway.rest_price_per_million_usd",
        "API Gateway REST API price per 1M requests, first tier (us-east-1)",
        3.50,
        "USD",
        _A_PRICING,
        note="First 333M requests/month; then $2.80, $2.38, $1.51.",
        verified=False,
    ),
    Fact(
        "apigateway.http_price_per_million_usd",
        "API Gateway HTTP API price per 1M requests, first tier (us-east-1)",
        1.00,
        "USD",
        _A_PRICING,
        note="First 300M requests/month, then $0.90; metered in 512 KB increments.",
        verified=False,
    ),
    Fact(
        "apigateway.free_tier_requests",
        "API Gateway free tier calls per month (REST and HTTP each)",
        1_000_000,
        "requests",
        "https://aws.amazon.com/free/",
        note=(
            "Only for the first 12 months of an account opened before 2025-07-15 (unlike "
            "Lambda's free tier); accounts opened from 2025-07-15 get Free Tier credits instead."
        ),
    ),
    # ---------------------------------------------------------------- EC2 (cost comparison)
    Fact(
        "ec2.t3_micro_usd_per_hour",
        "EC2 t3.micro On-Demand Linux price per hour (us-east-1)",
        0.0104,
        "USD",
        _E_PRICING,
        note=(
            f"{_UNVERIFIED_PRICE}; matches many third-party cost sheets. 2 vCPU (burstable), 1 GiB."
        ),
        verified=False,
    ),
    Fact(
        "ec2.hours_per_month",
        "Hours per month used for always-on cost estimates",
        730,
        "h",
        _E_PRICING,
        note="24 x 365 / 12 = 730, the convention of AWS pricing pages and calculator.",
    ),
    # ---------------------------------------------------------------- API Gateway: authorizers
    Fact(
        "apigateway.authorizer_ttl_default_s",
        "API Gateway authorizer result cache TTL (default)",
        300,
        "s",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
        "aws-resource-apigateway-authorizer.html",
        note="AuthorizerResultTtlInSeconds when not set; 0 turns caching off. Slide 50 only "
        "said policies 'can be cached'.",
    ),
    Fact(
        "apigateway.authorizer_ttl_max_s",
        "API Gateway authorizer result cache TTL (maximum)",
        3600,
        "s",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
        "aws-resource-apigateway-authorizer.html",
        note="One hour; cached per token (TOKEN) or per identity sources (REQUEST).",
    ),
)

FACTS: dict[str, Fact] = {f.key: f for f in _ALL}

if len(FACTS) != len(_ALL):  # pragma: no cover - guards against copy-paste mistakes
    raise RuntimeError("duplicate fact keys in workshop_lib.facts")


def fact(key: str) -> Fact:
    """Return the fact with this key; raise KeyError naming close keys if there is none."""
    try:
        return FACTS[key]
    except KeyError:
        close = difflib.get_close_matches(key, list(FACTS), n=5, cutoff=0.5)
        hint = f"; did you mean: {', '.join(close)}" if close else ""
        raise KeyError(f"no fact {key!r}{hint}") from None


def value(key: str, *, talk: bool = False) -> float | int | str:
    """Today's value of the fact with this key (``talk=True``: what the 2018 talk said)."""
    found = fact(key)
    if not talk:
        return found.today
    if found.talk is None:
        raise KeyError(f"the talk did not state {key!r} ({found.title})")
    return found.talk


def then_and_now(keys: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    """Rows for a "the talk said / true today" table: (title, 2018, today, source)."""
    chosen = changed_since_talk() if keys is None else [fact(k) for k in keys]
    return [(f.title, _talk_said(f), stated(f.key), f.source) for f in chosen]


def stated(key: str) -> str:
    """Today's value of a fact as the course prints it, with its unit; a fact no AWS text
    confirmed (``verified=False``) is never printed: it reads "not verified: see SOURCE"."""
    found = fact(key)
    if not found.verified:
        return f"not verified: see {found.source}"
    return _show(found.today, found.unit)


def _talk_said(f: Fact) -> str:
    said = _show(f.talk, f.unit)
    if f.aws_then is not None:
        said += f" (AWS's own page then: {_show(f.aws_then, f.unit)})"
    return said


class TalkVsToday:
    """A "the talk said (2018) / true today" table that renders in Jupyter and as text."""

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        self.rows = rows

    def _repr_markdown_(self) -> str:
        lines = ["| | the talk said (2018) | true today | source |", "|---|---|---|---|"]
        lines += [
            f"| {t} | {then} | **{now}** | [AWS docs]({src}) |" for t, then, now, src in self.rows
        ]
        return (
            "\n".join(lines) + f"\n\n<small>Checked against AWS documentation on {CHECKED}.</small>"
        )

    def __repr__(self) -> str:
        width = max(len(r[0]) for r in self.rows)
        lines = [f"{'':<{width}}  the talk said (2018) → true today"]
        lines += [f"{t:<{width}}  {then} → {now}" for t, then, now, _ in self.rows]
        return "\n".join(lines)


def talk_vs_today(*keys: str) -> TalkVsToday:
    """The "talk said / true today" box for these facts (all changed facts if none given)."""
    return TalkVsToday(then_and_now(list(keys) or None))


def _show(v: float | int | str | None, unit: str) -> str:
    if v is None:
        return "(not stated)"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        text = f"{v:,}" if isinstance(v, int) or float(v).is_integer() else f"{v:g}"
        return text if unit == "count" else f"{text} {unit}".strip()
    return str(v)


def changed_since_talk() -> list[Fact]:
    """Facts whose talk value is known and differs from today's, in FACTS order."""
    return [f for f in FACTS.values() if f.talk is not None and f.talk != f.today]


__all__ = [
    "CHECKED",
    "FACTS",
    "RUNTIMES",
    "RUNTIMES_CHECKED",
    "Fact",
    "Runtime",
    "changed_since_talk",
    "fact",
    "runtimes_supported_on",
    "stated",
    "talk_vs_today",
    "then_and_now",
    "value",
]
