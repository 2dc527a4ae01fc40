"""API rate limits (issue 17, point 3): DRF throttles counted in the shared cache.

Every API view has these three (``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``); no view turns them
off. Counters live in Django's default cache — Redis in production (``JIANGQIAO_CACHE_URL``), so
every web process counts together; local memory in the demo and tests. The rates come from the
environment (``JIANGQIAO_API_RATE_*``, docs/security.md). Over a rate the answer is HTTP 429 with
``Retry-After`` and a Chinese ``detail`` (``core.api.exceptions``).

* ``anon`` — requests without a signed-in user or a valid token, per client address;
* ``user`` — every request of one user (browser session or API token alike), per user;
* ``write`` — POST/PUT/PATCH/DELETE of one user, a lower rate: writes are what an errant script
  repeats in a loop, and each one queues for the database's write lock.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class SettingsRateMixin:
    """Read the rate from the settings of the moment (DRF binds them once, at import)."""

    scope: str

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)


class ApiAnonThrottle(SettingsRateMixin, AnonRateThrottle):
    scope = "anon"


class ApiUserThrottle(SettingsRateMixin, UserRateThrottle):
    scope = "user"


class ApiWriteThrottle(SettingsRateMixin, UserRateThrottle):
    scope = "write"

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


def throttled_message(wait: float | None) -> str:
    seconds = max(1, int(wait or 0) + (0 if float(wait or 0).is_integer() else 1))
    return f"请求过于频繁，已超过接口访问频率上限，请 {seconds} 秒后再试"
