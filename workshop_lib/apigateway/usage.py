"""API keys and usage plans: who may call, how fast (throttle) and how much (quota).

A method with ``apiKeyRequired`` needs an ``x-api-key`` header naming an enabled key that
belongs to a usage plan covering this API stage; else 403 ``Forbidden``. The plan's
throttle is a token bucket per key (``rateLimit`` per second, ``burstLimit`` deep) on the
sandbox clock, answering 429 ``Too Many Requests``; its quota counts requests per day,
week or month, answering 429 ``Limit Exceeded``. ``get_usage`` reports the real counts.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from workshop_lib.apigateway.gateway import GatewayError, HttpRequest
from workshop_lib.tokenbucket import TokenBucket

if TYPE_CHECKING:
    from workshop_lib.apigateway.plugin import ApiGatewayPlugin

FORBIDDEN = ("ForbiddenException", "Forbidden")


class UsagePlans:
    """Enforces keys, throttles and quotas; remembers usage per plan, key and day."""

    def __init__(self, plugin: ApiGatewayPlugin) -> None:
        self.plugin = plugin
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.used: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))

    def admit(
        self,
        api_id: str,
        stage: str,
        request: HttpRequest,
        source: str,
        key_value: str | None = None,
    ) -> dict[str, str]:
        """The caller's key identity, or the gateway's refusal."""
        value = key_value if source == "AUTHORIZER" else request.header("x-api-key")
        backend = self.plugin.deployments.backend()
        key = next((k for k in backend.keys.values() if value and k.value == value), None)
        if key is None or not key.enabled:
            raise GatewayError(403, *FORBIDDEN, "INVALID_API_KEY")
        plans = [
            plan
            for plan in backend.usage_plans.values()
            if key.id in backend.usage_plan_keys.get(plan.id, {})
            and any(s.get("apiId") == api_id and s.get("stage") == stage for s in plan.api_stages)
        ]
        if not plans:
            raise GatewayError(403, *FORBIDDEN, "INVALID_API_KEY")
        plan = plans[0]
        now = self.plugin.aws.clock.time()
        today = datetime.fromtimestamp(now, tz=timezone.utc).date()
        with self._lock:
            throttle = plan.throttle or {}
            if throttle.get("rateLimit") is not None:
                bucket = self._buckets.get((plan.id, key.id))
                rate = float(throttle["rateLimit"])
                burst = float(throttle.get("burstLimit") or max(1.0, rate))
                if bucket is None or (bucket.rate, bucket.burst) != (rate, burst):
                    bucket = self._buckets[(plan.id, key.id)] = TokenBucket(rate, burst, now)
                if not bucket.take(now):
                    raise GatewayError(
                        429, "TooManyRequestsException", "Too Many Requests", "THROTTLED"
                    )
            quota = plan.quota or {}
            if quota.get("limit") is not None:
                start = _period_start(
                    today, quota.get("period", "DAY"), int(quota.get("offset") or 0)
                )
                used = sum(n for day, n in self.used[(plan.id, key.id)].items() if day >= start)
                if used >= int(quota["limit"]):
                    raise GatewayError(
                        429, "LimitExceededException", "Limit Exceeded", "QUOTA_EXCEEDED"
                    )
            self.used[(plan.id, key.id)][today] += 1
        return {"apiKey": key.value, "apiKeyId": key.id}

    def usage(self, plan_id: str, start: str, end: str, key_id: str | None = None) -> dict:
        """GetUsage: per key, one ``[used, remaining]`` pair per day (``values`` on the wire)."""
        backend = self.plugin.deployments.backend()
        plan = backend.get_usage_plan(plan_id)
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        limit = (plan.quota or {}).get("limit")
        items: dict[str, list[list[int]]] = {}
        keys = [key_id] if key_id else list(backend.usage_plan_keys.get(plan_id, {}))
        with self._lock:
            for key in keys:
                days = []
                day = first
                while day <= last:
                    used = self.used.get((plan_id, key), {}).get(day, 0)
                    remaining = max(0, int(limit) - used) if limit is not None else 0
                    days.append([used, remaining])
                    day += timedelta(days=1)
                items[key] = days
        return {"usagePlanId": plan_id, "startDate": start, "endDate": end, "values": items}


def _period_start(today: date, period: str, offset: int) -> date:
    if period == "WEEK":
        return today - timedelta(days=(today.weekday() - offset) % 7)
    if period == "MONTH":
        return today.replace(day=1) + timedelta(days=offset)
    return today
